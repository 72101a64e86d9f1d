"""The admin: the school structure, the roster import and export, the import history.

Roster import and export use django-import-export 4.x for what it does well in the admin:
the Import / Export buttons on the changelists, the ``import/``, ``process_import/`` and
``export/`` URLs and the import and export permission codes (``schoolops.import_student``
etc., from ``IMPORT_EXPORT_IMPORT_PERMISSION_CODE``). Its row-by-row resources are not used
to read files: measured here they took 15 s to preview 5,000 students and rendered 3.5 MB of
HTML, and their row numbers are not Excel's. ``SheetAdminMixin`` overrides ``import_action``,
``process_import`` and ``export_action`` to run the sheet engine (``schoolops.sheets``) that
the ``import_sheet`` and ``export_sheet`` commands run, so the admin and the command line
read, check and write exactly alike:

1. ``import/``: upload. The file is streamed to private storage (``PRIVATE_ROOT/imports``,
   never /tmp, shared by every app server), capped in size, and checked as a dry run in one
   rolled-back transaction. Files over ``IMPORT_BACKGROUND_ROWS`` rows are checked by a
   background task instead, behind a progress page.
2. ``import/<record>/``: the preview says what was read (the header row found, which file
   column feeds which field, the columns ignored, the layout, the kind's options and those the
   file's title gave), summarises new / changed / unchanged counts, lists every error by Excel
   row and column, each changed cell as before → after (the before hidden from whoever may not
   read the field, ``schoolops.privacy``) and the rows left out on request, and shows the first
   rows, never every row. Where the header lacks a needed column, or another option may make
   the file load, it offers the kind's options and a mapping of the file's columns to the
   fields: a second check (a new record, the same stored file), optionally saved as the
   school's ``ImportTemplate``, which the upload page then offers.
3. ``process_import/``: confirm. Only now is anything written (again all or nothing); the
   stored file is deleted afterwards, and so is a refused one. Unconfirmed uploads are
   removed after a day.

Every import is an ``ImportRecord`` (who, when, file, kind, counts, errors), listed read-only.
"""

from __future__ import annotations

from typing import cast

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from import_export.admin import ImportExportMixin
from simple_history.admin import SimpleHistoryAdmin

from schoolops import privacy, privileges, services
from schoolops.admin_params import BoundedChangeListMixin
from schoolops.models import (
    AcademicYear,
    AwardNomination,
    AwardPublication,
    EvaluationLevel,
    EvaluationSnapshot,
    EvaluationWeight,
    Exam,
    ExamResult,
    Grade,
    GuardianRequest,
    HolidayWeek,
    ImportRecord,
    ImportTemplate,
    PrivilegeChange,
    PurgeRecord,
    ReadLog,
    School,
    SchoolClass,
    Staff,
    Student,
    Subject,
    SubjectAlias,
    TeachingAssignment,
    Term,
)
from schoolops.rollover import rollover_action
from schoolops.scopes import get_scope
from schoolops.sheets import SheetRefused, engine
from schoolops.sheets.forms import ImportTemplateForm, RecheckForm, SheetUploadForm
from schoolops.sheets.http import sheet_response, xlsx_response
from schoolops.sheets.uploads import PrivateUploadHandler

admin.site.site_header = _("SchoolOps administration")
admin.site.site_title = _("SchoolOps")
admin.site.index_title = _("School administration")


# The lookups a list filter sends after its field's path (``status__exact``,
# ``school_class__grade__id__exact``, ``date__gte``); anything else is refused.
FILTER_SUFFIXES = frozenset(
    {"exact", "iexact", "isnull", "isempty", "in", "gte", "gt", "lte", "lt", "year", "month", "day"}
)


def _as_text(field):
    """A read-only relation shown as its object's name, without a link."""

    def show(obj):
        return getattr(obj, field.name)

    show.__name__ = field.name  # the row's CSS class, as for the field itself
    return admin.display(description=field.verbose_name)(show)


def _label_suffixed(items):
    """Django lists what a deletion takes as 「案例评委: 名称」 (a colon in its code): the
    label suffix of the language instead, 「案例评委：名称」."""
    suffix = gettext(":")
    if suffix == ":":
        return items
    if isinstance(items, list):
        return [_label_suffixed(item) for item in items]
    text = str(items).replace(": ", suffix, 1)
    return mark_safe(text) if isinstance(items, SafeString) else text


def _swapped(fields, texts):
    return [_swapped(f, texts) if isinstance(f, (list, tuple)) else texts.get(f, f) for f in fields]


class UnlinkedRawIdWidget(ForeignKeyRawIdWidget):
    """A raw id field for someone the related model's admin does not answer: the chosen
    object's name, with no lookup and no link (both would answer 403)."""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["related_url"] = None
        return context

    def label_and_url_for_value(self, value):
        label, _url = super().label_and_url_for_value(value)
        return label, ""


class GuardedAdmin(BoundedChangeListMixin, admin.ModelAdmin):
    """The base of every admin in the project: the register of sensitive fields decides.

    ``schoolops.privacy`` says which fields and models a person may read. Here nothing that
    the person may not read can be shown, filtered on, searched, sorted by, seen in a
    change's history or guessed through a lookup: ``?guardian_phone__startswith=1763`` or
    ``?observations__isnull=False`` would otherwise answer one bit per request. Django lets a
    list be filtered on any local field from the query string; here a lookup must belong to
    a declared list filter or the date hierarchy, and must not touch a hidden field (a 400).
    A test makes every registered admin inherit this class.
    """

    def _scope(self, request):
        return get_scope(request)

    def hidden_fields(self, request) -> set[str]:
        cache = request.__dict__.setdefault("_hidden_fields", {})
        label = self.model._meta.label
        if label not in cache:
            cache[label] = privacy.hidden_fields(self.model, self._scope(request))
        return cache[label]

    def _touches_hidden(self, request, path: str) -> bool:
        path = path.lstrip("^=@-")
        return path in self.hidden_fields(request) or privacy.lookup_touches_hidden(
            self.model, path, self._scope(request)
        )

    def _visible(self, request, names):
        return [
            name
            for name in names
            if not isinstance(name, str) or not self._touches_hidden(request, name)
        ]

    # What the change form shows.

    def get_exclude(self, request, obj=None):
        exclude = list(super().get_exclude(request, obj) or [])
        return exclude + sorted(self.hidden_fields(request) - set(exclude))

    def get_fields(self, request, obj=None):
        return self._visible(request, super().get_fields(request, obj))

    def get_fieldsets(self, request, obj=None):
        hidden = self.hidden_fields(request)
        fieldsets = []
        for name, options in super().get_fieldsets(request, obj):
            fields = [
                f for f in options.get("fields", ()) if not (isinstance(f, str) and f in hidden)
            ]
            fieldsets.append((name, {**options, "fields": fields}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        return self._visible(request, super().get_readonly_fields(request, obj))

    # Links to another admin only where that admin answers the person. Django links a raw id
    # field and a read-only relation to the related admin without asking it (a select's add
    # and change links do ask); a login, for one, is a superuser's to open.

    def _answers(self, request, model) -> bool:
        related = self.admin_site._registry.get(model)
        return related is not None and related.has_view_permission(request)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if (
            "widget" not in kwargs
            and db_field.name in self.raw_id_fields
            and not self._answers(request, db_field.remote_field.model)
        ):
            kwargs["widget"] = UnlinkedRawIdWidget(
                db_field.remote_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def render_change_form(self, request, context, *args, **kwargs):
        adminform = context.get("adminform")
        if adminform is not None:
            texts = {}
            for name in adminform.readonly_fields:
                field = self._relation(name)
                if field is not None and not self._answers(request, field.related_model):
                    texts[name] = _as_text(field)
            if texts:
                adminform.readonly_fields = [texts.get(f, f) for f in adminform.readonly_fields]
                adminform.fieldsets = [
                    (title, {**options, "fields": _swapped(options["fields"], texts)})
                    for title, options in adminform.fieldsets
                ]
        return super().render_change_form(request, context, *args, **kwargs)

    def get_deleted_objects(self, objs, request):
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        return _label_suffixed(deleted), model_count, perms_needed, _label_suffixed(protected)

    def _relation(self, name):
        if not isinstance(name, str):
            return None
        try:
            field = self.model._meta.get_field(name)
        except FieldDoesNotExist:
            return None
        return field if (field.many_to_one or field.one_to_one) and field.concrete else None

    # What the list shows and how it can be narrowed.

    def get_list_display(self, request):
        shown = []
        for name in super().get_list_display(request):
            if isinstance(name, str) and self._touches_hidden(request, name):
                continue
            order = getattr(
                getattr(self, name, None) if isinstance(name, str) else name,
                "admin_order_field",
                None,
            )
            if isinstance(order, str) and self._touches_hidden(request, order):
                continue
            shown.append(name)
        return shown

    def get_list_filter(self, request):
        shown = []
        for spec in super().get_list_filter(request):
            path = spec[0] if isinstance(spec, (tuple, list)) else spec
            if isinstance(path, str) and self._touches_hidden(request, path):
                continue
            shown.append(spec)
        return shown

    def get_search_fields(self, request):
        return self._visible(request, super().get_search_fields(request))

    def get_sortable_by(self, request):
        return self._visible(request, super().get_sortable_by(request))

    def get_ordering(self, request):
        return self._visible(request, super().get_ordering(request) or [])

    # Django 5.2 always passes the request (django-stubs still allows None).
    def lookup_allowed(self, lookup, value, request):  # type: ignore[override]
        if self._touches_hidden(request, lookup) or not self._declared_lookup(request, lookup):
            return False
        return super().lookup_allowed(lookup, value, request)

    def _declared_lookup(self, request, lookup: str) -> bool:
        from django.contrib.admin import SimpleListFilter

        paths = [self.date_hierarchy] if self.date_hierarchy else []
        for spec in self.get_list_filter(request):
            if isinstance(spec, (tuple, list)):
                paths.append(spec[0])
            elif isinstance(spec, str):
                paths.append(spec)
            elif (
                isinstance(spec, type)
                and issubclass(spec, SimpleListFilter)
                and lookup == spec.parameter_name
            ):
                return True
        for declared in paths:
            if lookup == declared:
                return True
            if not lookup.startswith(declared + "__"):
                continue
            rest = lookup[len(declared) + 2 :]
            if rest in FILTER_SUFFIXES:
                return True
            target, _sep, suffix = rest.partition("__")
            if suffix in FILTER_SUFFIXES and target in self._related_keys(declared):
                return True
        return False

    def _related_keys(self, path: str) -> set[str]:
        """The key a related-field filter sends (``id``, ``pk``, or the relation's to_field)."""
        from django.contrib.admin.utils import get_fields_from_path
        from django.core.exceptions import FieldDoesNotExist

        try:
            field = get_fields_from_path(self.model, path)[-1]
        except (FieldDoesNotExist, admin.utils.NotRelationField):
            return set()
        target = getattr(field, "related_model", None)
        if target is None:
            return set()
        keys = {"pk", "id", target._meta.pk.name}
        keys.update(getattr(field, "to_fields", None) or ())
        return {k for k in keys if k}

    # The read log: what a page of the admin shows of students' sensitive data.

    def log_reads(self, request, objects, fields=None) -> None:
        """Log the registered fields of ``objects`` (records or pks) that the page shows."""
        categories = privacy.model_categories(self.model, self._scope(request), fields)
        path = privacy.student_path(self.model)
        pks = [getattr(o, "pk", o) for o in objects]
        if not categories or path is None or not pks:
            return
        students = (
            self.model._default_manager.filter(pk__in=pks)
            .exclude(**{f"{path}__isnull": True})
            .values_list(path, flat=True)
            .distinct()
        )
        privacy.log_read(request, students, categories)

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            shown = [name for name in changelist.list_display if isinstance(name, str)]
            self.log_reads(request, changelist.result_list, shown)
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and getattr(response, "status_code", None) == 200:
            self.log_reads(request, [unquote_pk(object_id)])
        return response


class GuardedTabularInline(admin.TabularInline):
    """Inlines follow the register too: a hidden field is not in the inline's form or list."""

    def _hidden(self, request) -> set[str]:
        return privacy.hidden_fields(self.model, get_scope(request))

    def get_exclude(self, request, obj=None):
        exclude = list(super().get_exclude(request, obj) or [])
        return exclude + sorted(self._hidden(request) - set(exclude))

    def get_fields(self, request, obj=None):
        hidden = self._hidden(request)
        return [f for f in super().get_fields(request, obj) if f not in hidden]

    def get_readonly_fields(self, request, obj=None):
        hidden = self._hidden(request)
        return [f for f in super().get_readonly_fields(request, obj) if f not in hidden]


class ScopedAdmin(GuardedAdmin):
    """Admin querysets go through the user's scope like every view does."""

    scope_field: str | None = None  # the lookup to a SchoolClass, e.g. "school_class"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if self.scope_field is None:
            return qs
        scope = get_scope(request)
        if scope.sees_whole_roster:
            return qs
        return qs.filter(**{f"{self.scope_field}__in": scope.classes().values("pk")})


class ReadOnlyAdmin(GuardedAdmin):
    """Records kept by the app's own workflows and logs: the admin lists and shows them, and
    never adds, changes or deletes one. Combine with ``HistoryAdmin`` for a record with a
    change history (``class X(ReadOnlyAdmin, HistoryAdmin)``)."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class HistoryAdmin(GuardedAdmin, SimpleHistoryAdmin):
    """A sensitive record's change history (who, when, what), read-only in the admin.

    Every app's admin of a record with ``HistoricalRecords`` uses this class. simple_history's
    page of a past version saves whatever is posted to it (a revert) after checking only the
    view permission, which the principal's office has everywhere: a post there is refused
    outright, and the revert button is not shown. Changes go through the change form.
    The history lists only objects the person may open, and never the old or new value of a
    field the register hides from them.
    """

    object_history_list_template = "admin/schoolops/history_list.html"

    def revert_disabled(self, request, obj=None) -> bool:
        return True

    def history_view(self, request, object_id, extra_context=None):
        if not self.get_queryset(request).filter(pk=unquote_pk(object_id)).exists():
            raise Http404
        self.log_reads(request, [unquote_pk(object_id)])  # the changes' old and new values
        if not self._answers(request, get_user_model()):
            # Who made each change, unlinked: no view name, so simple_history's {% url %} fails.
            extra_context = {**(extra_context or {}), "admin_user_view": ""}
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        if not self.get_queryset(request).filter(pk=unquote_pk(object_id)).exists():
            raise Http404
        self.log_reads(request, [unquote_pk(object_id)])
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_history_list_display(self, request):
        return self._visible(request, super().get_history_list_display(request))

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        hidden = sorted(self.hidden_fields(request))
        previous = None
        for current in historical_records:
            if previous is not None:
                delta = previous.diff_against(
                    current, excluded_fields=hidden, foreign_keys_are_objs=foreign_keys_are_objs
                )
                helper = self.get_historical_record_context_helper(request, previous)
                previous.history_delta_changes = helper.context_for_delta_changes(delta)
            previous = current


def unquote_pk(object_id) -> int:
    """An admin URL's object id as a primary key, or a 404 (``"¹".isdigit()`` is True)."""
    from django.contrib.admin.utils import unquote

    value = unquote(str(object_id))
    if not value.isascii() or not value.isdecimal() or len(value) > 10:
        raise Http404
    return int(value)


class SheetAdminMixin(ImportExportMixin):
    """Import and export one sheet kind from a changelist (see the module docstring)."""

    sheet_kind: str = ""

    def get_urls(self):
        info = self.get_model_info()
        own = [
            path(
                "import/template/",
                self.admin_site.admin_view(self.template_view),
                name="{}_{}_import_template".format(*info),
            ),
            # Before import-export's own "import/": the upload streams to private storage.
            path(
                "import/",
                csrf_exempt(self._private_upload(self.admin_site.admin_view(self.import_action))),
                name="{}_{}_import".format(*info),
            ),
            path(
                "import/<int:record_id>/",
                self.admin_site.admin_view(self.record_view),
                name="{}_{}_import_record".format(*info),
            ),
        ]
        return own + super().get_urls()

    @staticmethod
    def _private_upload(view):
        """Swap the upload handlers before the CSRF check (inside ``admin_view``) reads POST."""

        def wrapper(request, *args, **kwargs):
            request.upload_handlers = [PrivateUploadHandler(request)]
            return view(request, *args, **kwargs)

        return wrapper

    def _sheet_class(self):
        return engine.kinds()[self.sheet_kind]

    def _record_url(self, record: ImportRecord) -> str:
        info = self.get_model_info()
        return reverse("admin:{}_{}_import_record".format(*info), args=[record.pk])

    def _context(self, request, **kwargs):
        sheet_class = self._sheet_class()
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "sheet_title": sheet_class.title,
            "sheet_headers": sheet_class.headers(),
            "sheet_kind": self.sheet_kind,
            "template_url": reverse("admin:{}_{}_import_template".format(*self.get_model_info())),
            **kwargs,
        }

    def import_action(self, request, **kwargs):
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = SheetUploadForm(
            request.POST or None, request.FILES or None, sheet_class=self._sheet_class()
        )
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            engine.cleanup_stale_uploads()
            record = ImportRecord.objects.create(
                kind=self.sheet_kind,
                file_name=engine.upload_file_name(upload),
                user=request.user,
                dry_run=True,
                status=ImportRecord.Status.QUEUED,
                preview={"language": request.LANGUAGE_CODE},
                # The template's mapping is copied: the confirmation imports what was checked.
                choices=engine.resolve_choices(self.sheet_kind, form.choices()).as_dict(),
            )
            rows = engine.store_for_check(record, upload)
            if rows is None:  # refused, the record says why
                return HttpResponseRedirect(self._record_url(record))
            self._run(record, dry_run=True, background=rows > settings.IMPORT_BACKGROUND_ROWS)
            return HttpResponseRedirect(self._record_url(record))
        return TemplateResponse(
            request,
            "admin/schoolops/sheet_import.html",
            self._context(
                request,
                title=_("Import: %(kind)s") % {"kind": self._sheet_class().title},
                form=form,
                max_mb=settings.IMPORT_MAX_UPLOAD_BYTES // 1024 // 1024,
            ),
        )

    def _run(self, record: ImportRecord, *, dry_run: bool, background: bool):
        from django.utils import timezone

        from schoolops import tasks

        record.status = ImportRecord.Status.QUEUED
        record.dry_run = dry_run
        record.progress = 0
        record.heartbeat_at = timezone.now()
        record.save(update_fields=["status", "dry_run", "progress", "heartbeat_at"])
        if background:
            tasks.run_import.enqueue(record.pk, dry_run)
            return None
        return tasks.execute(record, dry_run=dry_run)

    def _own_record(self, request, record_id) -> ImportRecord:
        if not str(record_id).isdecimal():  # "¹".isdigit() is True, int("¹") fails
            raise Http404
        record = get_object_or_404(ImportRecord, pk=int(record_id), kind=self.sheet_kind)
        if record.user_id != request.user.pk and not request.user.is_superuser:
            raise Http404
        return record

    def record_view(self, request, record_id):
        from schoolops import tasks

        if not self.has_import_permission(request):
            raise PermissionDenied
        tasks.fail_interrupted()  # an import whose worker died is shown as failed
        record = self._own_record(request, record_id)
        recheck = self._recheck_form(request, record)
        if request.method == "POST":
            if recheck is None:
                messages.error(request, gettext("This file was already imported or has expired."))
                return HttpResponseRedirect(self._record_url(record))
            if recheck.is_valid():
                return HttpResponseRedirect(
                    self._record_url(self._recheck(request, record, recheck))
                )
        preview = record.preview or {}
        context = self._context(
            request,
            title=_("Import: %(kind)s") % {"kind": self._sheet_class().title},
            record=record,
            errors=[engine_error(e) for e in record.errors or []],
            preview_headers=preview.get("headers", []),
            preview_rows=preview.get("rows", []),
            ignored=preview.get("ignored", []),
            header_line=preview.get("header_line"),
            layout=preview.get("layout", ""),
            mapping=preview.get("mapping", []),
            options_used=preview.get("options", []),
            footers=preview.get("footers", []),
            changes=self._changes(request, preview.get("changes", [])),
            skipped=[engine_error(row) for row in preview.get("skipped", [])],
            skipped_count=preview.get("skipped_count", 0),
            template_name=(record.choices or {}).get("template", ""),
            recheck=recheck,
            can_confirm=(
                record.status == ImportRecord.Status.PREVIEWED
                and bool(record.stored_file)
                and record.new + record.changed > 0
            ),
            running=not record.finished,
            import_url=reverse("admin:{}_{}_import".format(*self.get_model_info())),
            process_url=reverse("admin:{}_{}_process_import".format(*self.get_model_info())),
            changelist_url=reverse("admin:{}_{}_changelist".format(*self.get_model_info())),
        )
        return TemplateResponse(request, "admin/schoolops/sheet_record.html", context)

    def _changes(self, request, changes: list[dict]) -> list[dict]:
        """The changed cells; a field the viewer may not read (``privacy.hidden_fields``: the
        guardian's phone for office staff) shows no value from before, only that it changed."""
        hidden = privacy.hidden_fields(self.model, get_scope(request))
        return [
            {**change, "before": gettext("(hidden)")} if change.get("key") in hidden else change
            for change in changes
        ]

    def _recheck_form(self, request, record: ImportRecord) -> RecheckForm | None:
        """The form of a second check, while the record's file waits: after a check that
        passed, or one refused where other options or a column mapping may make it load."""
        preview = record.preview or {}
        offered = record.status == ImportRecord.Status.PREVIEWED or (
            record.status == ImportRecord.Status.REFUSED and preview.get("recheckable")
        )
        if not (offered and record.stored_file and preview.get("columns")):
            return None
        choices = record.choices or {}
        options = {name: value for name, _label, value, _proposed in preview.get("options", [])}
        return RecheckForm(
            request.POST if request.method == "POST" else None,
            sheet=engine.get_import_sheet(self.sheet_kind, request.user),
            columns=preview["columns"],
            mapped={key: label for _letter, label, _header, key in preview.get("mapping", [])},
            options={**options, **choices.get("options", {})},
            needed=preview.get("missing", []),
            can_save=request.user.has_perm("schoolops.add_importtemplate"),
        )

    def _recheck(self, request, record: ImportRecord, form: RecheckForm) -> ImportRecord:
        """Check the record's file again with the form's choices, as a new record that takes
        the stored file over; the mapping is saved as a template when named."""
        before = engine.ImportChoices.from_dict(record.choices)
        name = form.cleaned_data.get("save_as", "").strip()
        choices = engine.ImportChoices(
            options=form.option_values(),
            mapping=form.mapping(),
            template=name or before.template,
            sheet=before.sheet,
        )
        with transaction.atomic():
            # Claimed once: a second click finds the file gone from the old record.
            if not ImportRecord.objects.filter(pk=record.pk, stored_file=record.stored_file).update(
                stored_file=""
            ):
                raise Http404
            if name:
                engine.save_template(self.sheet_kind, name, choices.mapping, request.user)
                messages.success(
                    request, gettext("The import template %(name)s is saved.") % {"name": name}
                )
            again = ImportRecord.objects.create(
                kind=record.kind,
                file_name=record.file_name,
                user=request.user,
                dry_run=True,
                status=ImportRecord.Status.QUEUED,
                stored_file=record.stored_file,
                preview={"language": request.LANGUAGE_CODE},
                choices=choices.as_dict(),
            )
        try:
            rows = engine.count_rows(engine.stored_path(again.stored_file))
        except SheetRefused as refusal:
            engine.refuse(again, refusal.message)
            return again
        self._run(again, dry_run=True, background=rows > settings.IMPORT_BACKGROUND_ROWS)
        return again

    @staticmethod
    def _summary(record: ImportRecord) -> str:
        return gettext(
            "%(rows)s rows: %(new)s new, %(changed)s changed, %(unchanged)s unchanged."
        ) % {
            "rows": record.rows,
            "new": record.new,
            "changed": record.changed,
            "unchanged": record.unchanged,
        }

    def process_import(self, request, **kwargs):
        if request.method != "POST":
            return require_POST(lambda r: None)(request)
        if not self.has_import_permission(request):
            raise PermissionDenied
        record = self._own_record(request, request.POST.get("record", ""))
        if record.status != ImportRecord.Status.PREVIEWED or not record.stored_file:
            messages.error(request, gettext("This file was already imported or has expired."))
            return HttpResponseRedirect(self._record_url(record))
        if not engine.stored_path(record.stored_file).is_file():
            engine.refuse(record, gettext("The uploaded file has expired. Upload it again."))
            return HttpResponseRedirect(self._record_url(record))
        background = record.rows > settings.IMPORT_BACKGROUND_ROWS
        result = self._run(record, dry_run=False, background=background)
        record.refresh_from_db()
        if record.status == ImportRecord.Status.DONE:
            messages.success(request, gettext("Imported.") + " " + self._summary(record))
            if result is not None and result.notice:
                messages.warning(request, result.notice)
        elif record.status == ImportRecord.Status.REFUSED:
            messages.error(request, gettext("The file was refused; nothing was written."))
        return HttpResponseRedirect(self._record_url(record))

    def template_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        sheet_class = self._sheet_class()
        return xlsx_response(
            engine.template_bytes(self.sheet_kind),
            gettext("Template") + "-" + (sheet_class.filename or f"{self.sheet_kind}.xlsx"),
        )

    def export_action(self, request):
        return sheet_response(request, self.sheet_kind)


def engine_error(data: dict) -> dict:
    return {
        "line": data.get("line"),
        "column": data.get("column", ""),
        "letter": data.get("letter", ""),
        "message": data.get("message", ""),
    }


@admin.register(School)
class SchoolAdmin(GuardedAdmin):
    list_display = ["name", "address", "retention_years"]


class HolidayWeekInline(GuardedTabularInline):
    model = HolidayWeek
    extra = 1


class TermInline(GuardedTabularInline):
    model = Term
    extra = 0


@admin.register(AcademicYear)
class AcademicYearAdmin(GuardedAdmin):
    list_display = ["__str__", "start_date", "end_date"]
    inlines = [TermInline]
    actions = [rollover_action]


@admin.register(Term)
class TermAdmin(GuardedAdmin):
    list_display = ["__str__", "start_date", "end_date", "teaching_week_count"]
    list_select_related = ["academic_year"]
    inlines = [HolidayWeekInline]

    @admin.display(description=_("teaching weeks"))
    def teaching_week_count(self, term: Term) -> int:
        return len(term.teaching_weeks())


def granted_read_only(request, readonly, fields) -> list:
    """``fields`` (a homeroom teacher, a grade head...) read-only for those who may not grant
    scope (``schoolops.privileges``): not in the form, so a forged POST changes nothing."""
    readonly = list(readonly)
    if privileges.may_grant(get_scope(request)):
        return readonly
    return readonly + [name for name in fields if name not in readonly]


@admin.register(Grade)
class GradeAdmin(GuardedAdmin):
    list_display = ["name", "level", "head"]
    list_select_related = ["head"]

    def get_readonly_fields(self, request, obj=None):
        return granted_read_only(request, super().get_readonly_fields(request, obj), ["head"])


@admin.register(Subject)
class SubjectAdmin(GuardedAdmin):
    list_display = ["name", "order"]
    list_editable = ["order"]


@admin.register(SchoolClass)
class SchoolClassAdmin(SheetAdminMixin, ScopedAdmin):
    sheet_kind = "classes"
    scope_field = "pk"
    list_display = ["__str__", "academic_year", "grade", "number", "homeroom_teacher"]
    list_filter = ["academic_year", "grade"]
    list_select_related = ["academic_year", "grade", "homeroom_teacher"]
    autocomplete_fields = ["homeroom_teacher"]

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        return granted_read_only(request, readonly, ["homeroom_teacher"])


class PasswordFilter(admin.SimpleListFilter):
    """Accounts made by an office import wait for the principal's office to issue a password."""

    title = _("initial password")
    parameter_name = "password"

    def lookups(self, request, model_admin):
        return [("waiting", _("Not issued yet"))]

    def queryset(self, request, queryset):
        if self.value() == "waiting":
            return queryset.filter(user__password__startswith=UNUSABLE_PASSWORD_PREFIX)
        return queryset


@admin.register(Staff)
class StaffAdmin(SheetAdminMixin, GuardedAdmin):
    sheet_kind = "staff"
    list_display = ["staff_no", "name", "gender", "status"]
    list_filter = ["status", "user__groups", PasswordFilter]
    search_fields = ["staff_no", "name"]
    raw_id_fields = ["user"]
    actions = ["issue_initial_passwords"]

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        # Moving a staff record to another login would hand that login the record's classes.
        return granted_read_only(request, readonly, ["user"]) if obj is not None else readonly

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user" and not privileges.may_grant(get_scope(request)):
            # A new record only for a login with no posts, no record and no superuser.
            kwargs["queryset"] = get_user_model().objects.filter(
                staff__isnull=True, groups__isnull=True, is_superuser=False
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_search_results(self, request, queryset, search_term):
        queryset, distinct = super().get_search_results(request, queryset, search_term)
        # A roster keeper's autocomplete (a class's teacher) does not offer their own record.
        if request.path == reverse("admin:autocomplete"):
            scope = get_scope(request)
            if scope.staff is not None and not privileges.may_grant(scope):
                queryset = queryset.exclude(pk=scope.staff.pk)
        return queryset, distinct

    def has_grant_permission(self, request) -> bool:
        return privileges.may_grant(get_scope(request))

    @admin.action(description=_("Issue initial passwords"), permissions=["grant"])
    def issue_initial_passwords(self, request, queryset):
        password, issued = services.issue_initial_passwords(queryset.select_related("user"))
        if not issued:
            messages.info(request, gettext("None of the selected accounts waits for a password."))
            return
        messages.warning(
            request,
            gettext(
                "The %(count)s accounts %(staff)s have the initial password %(password)s: give "
                "it to them; each must choose a new password at first login. It is not shown "
                "again."
            )
            % {
                "count": len(issued),
                "staff": "、".join(s.staff_no for s in issued),
                "password": password,
            },
        )


@admin.register(TeachingAssignment)
class TeachingAssignmentAdmin(SheetAdminMixin, ScopedAdmin):
    sheet_kind = "assignments"
    scope_field = "school_class"
    list_display = ["school_class", "subject", "staff"]
    list_filter = ["school_class__academic_year", "school_class__grade", "subject"]
    list_select_related = ["school_class__grade", "subject", "staff"]
    autocomplete_fields = ["staff"]

    def _own_staff(self, request) -> Staff | None:
        """The roster keeper's own record: never given a class, never handed on by them."""
        scope = get_scope(request)
        return None if privileges.may_grant(scope) else scope.staff

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        own = self._own_staff(request)
        if db_field.name == "staff" and own is not None:
            kwargs["queryset"] = Staff.objects.exclude(pk=own.pk)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None) -> bool:
        own = self._own_staff(request)
        if obj is not None and own is not None and obj.staff_id == own.pk:
            return False
        return super().has_change_permission(request, obj)


@admin.register(Student)
class StudentAdmin(SheetAdminMixin, ScopedAdmin, HistoryAdmin):
    sheet_kind = "students"
    scope_field = "school_class"
    list_display = ["student_no", "name", "gender", "school_class", "status"]
    list_filter = ["status", "school_class__grade", "gender"]
    list_select_related = ["school_class__grade"]
    search_fields = ["student_no", "name"]
    list_per_page = 50
    readonly_fields = ["anonymised_on"]


class SubjectAliasForm(forms.ModelForm):
    subject = forms.ChoiceField(label=_("subject"))

    class Meta:
        model = SubjectAlias
        fields = ["alias", "subject"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        subjects = cast(forms.ChoiceField, self.fields["subject"])
        subjects.choices = [(s.name, s.name) for s in Subject.objects.all()]


@admin.register(SubjectAlias)
class SubjectAliasAdmin(GuardedAdmin):
    """Other names of the subjects in score sheets (道法 → 道德与法治), for the exams import."""

    form = SubjectAliasForm
    list_display = ["alias", "subject"]
    search_fields = ["alias", "subject"]


@admin.register(Exam)
class ExamAdmin(GuardedAdmin):
    list_display = ["name", "date"]
    search_fields = ["name"]


@admin.register(ExamResult)
class ExamResultAdmin(SheetAdminMixin, ScopedAdmin):
    sheet_kind = "exams"
    scope_field = "student__school_class"
    list_display = ["student", "exam", "subject", "score"]
    list_filter = ["exam", "subject"]
    list_select_related = ["student", "exam", "subject"]
    raw_id_fields = ["student"]


def import_kind_title(kind: str) -> str:
    """An import kind by its sheet's title (学生名册), not its code (``students``)."""
    sheet = engine.kinds().get(kind)
    return str(sheet.title) if sheet is not None and sheet.title else kind


class ImportKindFilter(admin.SimpleListFilter):
    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [(kind, import_kind_title(kind)) for kind in engine.import_kinds()]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        # Only a kind that exists reaches the database: any other value (a NUL byte, which
        # PostgreSQL refuses in text) lists nothing.
        return queryset.filter(kind=value) if value in engine.import_kinds() else queryset.none()


@admin.register(ImportRecord)
class ImportRecordAdmin(ReadOnlyAdmin):
    """The import history: read-only, for the roster keepers and the principal's office. It
    names each kind, importer and outcome in words and links a record to its errors; a record
    says what was read (header row, columns, options) and lists the rows left out on request."""

    list_display = [
        "created_at",
        "kind_title",
        "file_name",
        "importer",
        "run",
        "status",
        "rows",
        "new",
        "changed",
        "unchanged",
        "error_link",
    ]
    list_filter = [ImportKindFilter, "status", "dry_run"]
    list_select_related = ["user__staff"]
    search_fields = ["file_name", "user__username", "user__staff__name"]
    date_hierarchy = "created_at"
    fields = (
        "kind_title",
        "file_name",
        "importer",
        "created_at",
        "finished_at",
        "run",
        "status",
        "rows",
        "new",
        "changed",
        "unchanged",
        "message",
        "what_was_read",
        "error_list",
        "skipped_list",
    )
    readonly_fields = fields

    def changelist_view(self, request, extra_context=None):
        from schoolops import tasks

        tasks.fail_interrupted()  # imports whose worker died are listed as failed
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        from schoolops import tasks

        tasks.fail_interrupted()
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description=_("kind"), ordering="kind")
    def kind_title(self, record: ImportRecord) -> str:
        return import_kind_title(record.kind)

    @admin.display(description=_("imported by"), ordering="user__username")
    def importer(self, record: ImportRecord) -> str:
        """The 工号 and the name, as the staff list shows them (a login alone by its name)."""
        if record.user is None:
            return gettext("the command line")
        staff = getattr(record.user, "staff", None)
        return f"{staff.staff_no} {staff.name}" if staff is not None else record.user.username

    @admin.display(description=_("run"), ordering="dry_run")
    def run(self, record: ImportRecord) -> str:
        return gettext("Check only (dry run)") if record.dry_run else gettext("Import")

    @admin.display(description=_("errors"))
    def error_link(self, record: ImportRecord) -> str:
        count = len(record.errors or [])
        if not count:
            return "0"
        url = reverse("admin:schoolops_importrecord_change", args=[record.pk])
        return format_html('<a href="{}#errors">{}</a>', url, count)

    @admin.display(description=_("errors"))
    def error_list(self, record: ImportRecord) -> str:
        from schoolops.sheets import RowError

        return format_html(
            '<div id="errors">{}</div>',
            format_html_join(
                mark_safe("<br>"),
                "{}",
                ((str(RowError.from_dict(e)),) for e in record.errors or []),
            ),
        )

    @admin.display(description=_("what was read"))
    def what_was_read(self, record: ImportRecord) -> str:
        preview = record.preview or {}
        lines = []
        if preview.get("header_line"):
            lines.append(
                gettext("Header: row %(line)s (%(layout)s).")
                % {"line": preview["header_line"], "layout": preview.get("layout", "")}
            )
        lines += [
            f"{letter} {label} → {field}" for letter, label, field, _k in preview.get("mapping", [])
        ]
        template = (record.choices or {}).get("template")
        if template:
            lines.append(gettext("Import template: %(name)s") % {"name": template})
        lines += [f"{label}: {value}" for _name, label, value, _p in preview.get("options", [])]
        return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in lines))

    @admin.display(description=_("rows left out on request"))
    def skipped_list(self, record: ImportRecord) -> str:
        from schoolops.sheets import RowError

        preview = record.preview or {}
        rows = [str(RowError.from_dict(row)) for row in preview.get("skipped", [])]
        hidden = preview.get("skipped_count", 0) - len(rows)
        if hidden > 0:
            rows.append(gettext("… and %(count)s more.") % {"count": hidden})
        return format_html_join(mark_safe("<br>"), "{}", ((row,) for row in rows))

    def _may_see(self, request) -> bool:
        if not request.user.is_active or not request.user.is_staff:
            return False
        if get_scope(request).is_school_wide:
            return True
        return any(
            request.user.has_perm(sheet.permission)
            for sheet in engine.import_kinds().values()
            if sheet.permission
        )

    def has_module_permission(self, request) -> bool:
        return self._may_see(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._may_see(request)


@admin.register(ImportTemplate)
class ImportTemplateAdmin(GuardedAdmin):
    """The school's named column mappings for other systems' files, offered on the upload
    page; saved from a check of such a file, edited here as lines (列名=字段)."""

    form = ImportTemplateForm
    list_display = ["name", "kind_title", "created_by", "created_at"]
    list_filter = [ImportKindFilter]
    list_select_related = ["created_by"]
    search_fields = ["name"]
    readonly_fields = ["created_by", "created_at"]
    fields = ["kind", "name", "lines", "created_by", "created_at"]

    @admin.display(description=_("kind"), ordering="kind")
    def kind_title(self, template: ImportTemplate) -> str:
        return import_kind_title(template.kind)

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(PrivilegeChange)
class PrivilegeChangeAdmin(ReadOnlyAdmin):
    """Who gave whom a post, a class, a grade or a password (``schoolops.privileges``):
    read-only, for the principal's office (the view permission of its posts)."""

    list_display = [
        "created_at",
        "changed_by",
        "whose",
        "kind",
        "what",
        "before",
        "after",
        "source",
    ]
    list_filter = ["kind", "source"]
    list_select_related = ["changed_by"]
    search_fields = ["whose", "what", "before", "after", "changed_by__username"]
    date_hierarchy = "created_at"
    fields = list_display  # type: ignore[assignment]  # all read-only, functions included
    readonly_fields = list_display  # type: ignore[assignment]
    actions = ["export_xlsx"]

    @admin.action(description=_("Export to Excel"), permissions=["view"])
    def export_xlsx(self, request, queryset):
        return sheet_response(request, "privileges", queryset=queryset)


@admin.register(ReadLog)
class ReadLogAdmin(ReadOnlyAdmin):
    """Every read of a student's sensitive data, for the principal's office (also a page,
    ``schoolops:read_log``, with filters and an xlsx export)."""

    list_display = ["at", "user", "student", "what", "categories"]
    # Fixed date ranges over the index on ``at``: a filter listing every page's name, or a
    # date hierarchy, would scan the whole log for its distinct values on each load.
    list_filter = [("at", admin.DateFieldListFilter)]
    list_select_related = ["user", "student"]
    search_fields = ["student__name", "student__student_no", "user__username", "^what"]
    show_full_result_count = False


@admin.register(PurgeRecord)
class PurgeRecordAdmin(ReadOnlyAdmin):
    """The runs of ``purge_expired``: when, who, the cut-off, what was deleted."""

    list_display = ["at", "run_by", "left_before", "students"]
    date_hierarchy = "at"


@admin.register(GuardianRequest)
class GuardianRequestAdmin(GuardedAdmin):
    """Guardians' requests to see, correct or delete what is held on their child, and their
    outcome. ``?student=<id>`` on the add page (the student page's link) fills the student."""

    list_display = ["requested_on", "student", "kind", "decided_on", "decided_by"]
    list_filter = ["kind", "requested_on", "decided_on"]
    list_select_related = ["student", "decided_by"]
    search_fields = ["student__name", "student__student_no", "asked"]
    raw_id_fields = ["student"]
    autocomplete_fields = ["decided_by"]
    date_hierarchy = "requested_on"

    def save_model(self, request, obj, form, change) -> None:
        # An outcome written without a decider is the writer's decision, today.
        if obj.outcome and obj.decided_by_id is None:
            obj.decided_by = get_scope(request).staff
        if obj.outcome and obj.decided_on is None:
            obj.decided_on = timezone.localdate()
        super().save_model(request, obj, form, change)


# The term-end evaluation (schoolops.evaluation): the academic office keeps the weights here
# (with their history); nominations, publications and kept evaluations are read here and
# made on the evaluation's pages.


class EvaluationWeightForm(forms.ModelForm):
    """The part is one of the parts the apps registered for the level."""

    class Meta:
        model = EvaluationWeight
        fields = ["level", "key", "weight"]

    def __init__(self, *args, **kwargs):
        from schoolops.evaluation import contributions

        super().__init__(*args, **kwargs)
        if "key" not in self.fields:  # read only (a view permission)
            return
        self.fields["key"] = forms.ChoiceField(
            label=self.fields["key"].label,
            choices=[
                (c.key, f"{level_label} · {c.label}")
                for level, level_label in EvaluationLevel.choices
                for c in contributions(level)
            ],
        )

    def clean(self):
        from schoolops.evaluation import contributions

        data = super().clean() or {}
        level, key = data.get("level"), data.get("key")
        if level and key and key not in {c.key for c in contributions(level)}:
            self.add_error("key", _("This part does not belong to that level."))
        return data


@admin.register(EvaluationWeight)
class EvaluationWeightAdmin(HistoryAdmin):
    form = EvaluationWeightForm
    list_display = ["level", "key", "part", "weight"]
    list_filter = ["level"]

    @admin.display(description=_("part"))
    def part(self, obj) -> str:
        from schoolops.evaluation import contributions

        found = next((c for c in contributions(obj.level) if c.key == obj.key), None)
        return str(found.label) if found else obj.key


@admin.register(AwardNomination)
class AwardNominationAdmin(ReadOnlyAdmin, HistoryAdmin):
    list_display = ["term", "category", "name", "status", "nominated_by", "nominated_at"]
    list_filter = ["category", "status"]
    list_select_related = ["term__academic_year", "nominated_by"]


@admin.register(AwardPublication)
class AwardPublicationAdmin(ReadOnlyAdmin, HistoryAdmin):
    list_display = ["term", "category", "published_at", "published_by"]
    list_filter = ["category"]
    list_select_related = ["term__academic_year", "published_by"]


@admin.register(EvaluationSnapshot)
class EvaluationSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["term", "built_at", "built_by"]
    list_select_related = ["term__academic_year", "built_by"]
    exclude = ["data"]
