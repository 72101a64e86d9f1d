"""The forms of the import pages: the upload of a file (``UploadForm``, also on the class
pages' uploads), a kind's options (``SheetUploadForm`` adds them, with an import template, in
the admin), the second check of a file with other
options and a column mapping (which may be saved as a template), and an import template's
mapping edited as lines.

They validate and normalise; the views write (``engine.save_template``, the import records).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from schoolops.forms import DateInput
from schoolops.models import ImportTemplate
from schoolops.sheets import engine, parsers
from schoolops.sheets.base import ImportSheet, Option
from schoolops.sheets.reader import UPLOAD_ACCEPT


def option_field(option: Option) -> forms.Field:
    """The form field of a kind's option (``--exam`` → a text field «Exam»)."""
    if option.kind == "flag":
        return forms.BooleanField(label=option.label, required=False, help_text=option.help)
    if option.kind == "date":
        return forms.DateField(
            label=option.label,
            required=False,
            help_text=option.help,
            widget=DateInput(),
        )
    return forms.CharField(
        label=option.label, required=False, max_length=option.max_length, help_text=option.help
    )


class OptionsMixin:
    """The kind's options as fields (added by ``add_options``), and their values as stored."""

    fields: dict[str, forms.Field]
    cleaned_data: dict[str, Any]
    sheet_class: type[ImportSheet]

    def add_options(self, initial: dict[str, Any] | None = None) -> None:
        for option in self.sheet_class.import_options:
            self.fields[option.name] = option_field(option)
            if initial and initial.get(option.name) not in (None, ""):
                self.fields[option.name].initial = initial[option.name]

    def option_values(self) -> dict[str, Any]:
        """The options given, as ``ImportRecord.choices`` keeps them (dates as 2024-11-06)."""
        values = {}
        for option in self.sheet_class.import_options:
            value = self.cleaned_data.get(option.name)
            if value in (None, "", False):
                continue
            values[option.name] = value.isoformat() if isinstance(value, dt.date) else value
        return values


class RecheckForm(OptionsMixin, forms.Form):
    """Check an uploaded file again with other choices: the kind's options and, for each of
    its fields, the file's column that feeds it. The mapping may be saved as a template."""

    save_as = forms.CharField(
        label=_("Save this column mapping as the import template"),
        required=False,
        max_length=100,
        help_text=_("A name, e.g. 七天网络成绩单: the upload page offers it for the next file."),
    )

    def __init__(
        self,
        *args: Any,
        sheet: ImportSheet,
        columns: list[list[str]],
        mapped: dict[str, str],
        options: dict[str, Any],
        needed: list[str],
        can_save: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.sheet_class = type(sheet)
        self.add_options(options)
        self.labels = [label for _letter, label in columns]
        column_choices = [("", _("— not in the file —"))] + [
            (label, f"{letter} {label}") for letter, label in columns
        ]
        # (form field name, field key, header); the fields a refusal named first.
        fields = sheet.mapping_fields()
        named = {header for _key, header, _r in fields if any(header in text for text in needed)}
        fields.sort(key=lambda field: field[1] not in named)
        self.mapped_fields: list[tuple[str, str, str]] = []
        for index, (key, header, _required) in enumerate(fields):
            name = f"column_{index}"
            self.fields[name] = forms.ChoiceField(
                label=header,
                choices=column_choices,
                required=False,
                initial=mapped.get(key, ""),
            )
            if header in named:
                self.fields[name].help_text = _("Not recognised: choose its column.")
            self.mapped_fields.append((name, key, header))
        self.previously_mapped = set(mapped.values())
        self.kind = sheet.kind
        if not can_save:
            del self.fields["save_as"]

    def mapping_names(self) -> list[str]:
        return [name for name, _key, _header in self.mapped_fields]

    def option_names(self) -> list[str]:
        return [option.name for option in self.sheet_class.import_options]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        used: dict[str, str] = {}
        for name, _key, header in self.mapped_fields:
            label = cleaned.get(name)
            if not label:
                continue
            if label in used:
                self.add_error(
                    name,
                    _("The column %(column)s already feeds %(field)s.")
                    % {"column": label, "field": used[label]},
                )
            used[label] = header
        name = (cleaned.get("save_as") or "").strip()
        if name and ImportTemplate.objects.filter(kind=self.kind, name=name).exists():
            self.add_error("save_as", _("A template of this name exists: choose another name."))
        return cleaned

    def mapping(self) -> dict[str, str]:
        """The file's column → field key; a column that fed a field before and feeds none now
        is left out ("")."""
        chosen = {
            self.cleaned_data[name]: key
            for name, key, _header in self.mapped_fields
            if self.cleaned_data.get(name)
        }
        left_out = {label: "" for label in self.previously_mapped if label not in chosen}
        return {**left_out, **chosen}


class ImportTemplateForm(forms.ModelForm):
    """An import template, its mapping written one column a line: 列名=字段."""

    kind = forms.ChoiceField(label=_("kind"))
    lines = forms.CharField(
        label=_("column mapping"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10, "cols": 60}),
        help_text=_(
            "One column a line: the file's column header, =, then the field (its header, e.g. "
            "学籍号). Nothing after = leaves the column out."
        ),
    )

    class Meta:
        model = ImportTemplate
        fields = ["kind", "name"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kinds = engine.import_kinds()
        kind_field = cast(forms.ChoiceField, self.fields["kind"])
        kind_field.choices = [
            (kind, str(sheet_class.title or kind)) for kind, sheet_class in kinds.items()
        ]
        if self.instance.pk and self.instance.kind in kinds:
            sheet = kinds[self.instance.kind]()
            headers = {key: header for key, header, _r in sheet.mapping_fields()}
            self.fields["lines"].initial = "\n".join(
                # Sorted: a JSON column keeps no key order on PostgreSQL (jsonb).
                f"{label}={headers.get(key, key)}"
                for label, key in sorted(self.instance.mapping.items())
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        kind = cleaned.get("kind")
        if not kind:
            return cleaned
        sheet = engine.import_kinds()[kind]()
        mapping = {}
        for number, line in enumerate((cleaned.get("lines") or "").splitlines(), start=1):
            if not line.strip():
                continue
            label, sign, field_name = line.partition("=")
            label = parsers.normalize_header(label)
            field_name = field_name.strip()
            key = sheet.field_key(field_name) if field_name else ""
            if not sign or not label or key is None:
                self.add_error(
                    "lines",
                    _("Line %(number)s: write the file's column, =, then a field of %(kind)s.")
                    % {"number": number, "kind": sheet.title or kind},
                )
                continue
            mapping[label] = key
        cleaned["mapping"] = mapping
        return cleaned

    def save(self, commit: bool = True) -> ImportTemplate:
        self.instance.mapping = self.cleaned_data.get("mapping", {})
        return super().save(commit)


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Excel or CSV file (.xlsx, .xls, .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": UPLOAD_ACCEPT}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s MB. Split it into several files.")
                % {"limit": settings.IMPORT_MAX_UPLOAD_BYTES // 1024 // 1024}
            )
        return upload


class SheetUploadForm(OptionsMixin, UploadForm):
    """The upload of a kind's file, with an import template, the sheet and the kind's options."""

    template = forms.ModelChoiceField(
        label=_("Import template"),
        queryset=ImportTemplate.objects.none(),
        required=False,
        empty_label=_("none: the columns are recognised by their headers"),
        help_text=_("A column mapping saved for another system's files."),
    )
    sheet = forms.CharField(
        label=_("Sheet"),
        required=False,
        max_length=100,
        help_text=_("The workbook's sheet to read, by name (default: the first)."),
    )

    def __init__(self, *args, sheet_class, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.sheet_class = sheet_class
        templates = ImportTemplate.objects.filter(kind=sheet_class.kind)
        if templates.exists():
            cast(forms.ModelChoiceField, self.fields["template"]).queryset = templates
        else:
            del self.fields["template"]
        self.add_options()

    def choices(self) -> engine.ImportChoices:
        template = self.cleaned_data.get("template")
        return engine.ImportChoices(
            options=self.option_values(),
            template=template.name if template is not None else "",
            sheet=self.cleaned_data.get("sheet") or "",
        )
