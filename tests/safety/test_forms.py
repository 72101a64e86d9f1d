"""A choice field offers a queryset that can still be filtered (issue 11, defect 1).

Reproduced before: ticking any observation under 「导致该措施的学情记录」 on the strategy form
failed with 「“705”不是一个有效的值」: the view gave the field ``observations[:20]``, and Django
checks a ticked id by filtering the field's queryset, which a sliced queryset refuses, so every
choice was invalid. A bounded list of choices is a queryset filtered by the ids it may offer.

Here every form class of the project is read for a choice field declared with a sliced
queryset; ``tests/safety/test_walk.py`` records any choice field given one while the pages of
the demo school are built (``test_walk.py``, ``test_the_walk_of_every_page``).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from django import forms

from schoolops.management.commands.makemessages import APPS


def project_form_classes() -> list[type[forms.BaseForm]]:
    found = {}
    for app in APPS:
        package = importlib.import_module(app)
        for module_info in pkgutil.walk_packages(package.__path__, f"{app}."):
            if ".migrations" in module_info.name or ".management" in module_info.name:
                continue
            module = importlib.import_module(module_info.name)
            for _name, value in inspect.getmembers(module, inspect.isclass):
                if issubclass(value, forms.BaseForm) and value.__module__.split(".")[0] in APPS:
                    found[f"{value.__module__}.{value.__qualname__}"] = value
    return [found[name] for name in sorted(found)]


def sliced_fields(form_class: type[forms.BaseForm]) -> list[str]:
    return [
        name
        for name, field in form_class.base_fields.items()
        if isinstance(field, forms.ModelChoiceField)
        and field.queryset is not None
        and field.queryset.query.is_sliced
    ]


def test_no_form_declares_a_choice_field_with_a_sliced_queryset():
    classes = project_form_classes()
    assert len(classes) > 20, "the project's forms were not found"
    sliced = {f"{c.__module__}.{c.__qualname__}": sliced_fields(c) for c in classes}
    assert not {name: fields for name, fields in sliced.items() if fields}


def test_the_check_finds_a_sliced_queryset():
    from schoolops.models import Student

    class Sliced(forms.Form):
        student = forms.ModelChoiceField(queryset=Student.objects.order_by("pk")[:20])

    assert sliced_fields(Sliced) == ["student"]


# Formsets: the counts of the management form are the client's word (found by the hostile
# input fuzz: INITIAL_FORMS=-1 on the monthly review gave a 500).


def project_formset_classes() -> list[type[forms.BaseFormSet]]:
    found = {}
    for app in APPS:
        package = importlib.import_module(app)
        for module_info in pkgutil.walk_packages(package.__path__, f"{app}."):
            if ".migrations" in module_info.name or ".management" in module_info.name:
                continue
            module = importlib.import_module(module_info.name)
            for _name, value in inspect.getmembers(module, inspect.isclass):
                if issubclass(value, forms.BaseFormSet) and value.__module__.split(".")[0] in APPS:
                    found[f"{value.__module__}.{value.__qualname__}"] = value
    return [found[name] for name in sorted(found)]


def test_every_formset_bounds_the_counts_its_management_form_brings():
    from schoolops.forms import BoundedFormSet

    classes = project_formset_classes()
    assert len(classes) >= 3
    loose = [c.__qualname__ for c in classes if not issubclass(c, BoundedFormSet)]
    assert not loose, f"derive these from schoolops.forms.BoundedFormSet: {loose}"


def test_a_posted_initial_count_is_not_trusted():
    from schoolops.forms import BoundedFormSet

    class Row(forms.Form):
        student = forms.IntegerField()

    RowFormSet = forms.formset_factory(Row, formset=BoundedFormSet, extra=0)
    data = {"r-TOTAL_FORMS": "1", "r-INITIAL_FORMS": "-1", "r-0-student": "1"}
    formset = RowFormSet(data, initial=[{"student": 1}], prefix="r")
    # The row the server gave stays a recorded row, validated as one.
    assert formset.initial_form_count() == 1
    assert formset.is_valid()
    assert all("student" in form.cleaned_data for form in formset.forms)
