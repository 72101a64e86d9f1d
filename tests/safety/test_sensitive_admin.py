"""The admin follows the register of sensitive fields (``schoolops.privacy``).

Reproduced before: office staff (办公室) recovered a guardian's phone digit by digit with
``/admin/schoolops/student/?guardian_phone__startswith=1763`` (one row or none answers one
bit), mapped a phone to its student with ``?guardian_phone=…``, and learnt which students have
a 包靠 leader, an escalation, a strategy or an observation with ``?leader_assignments__isnull=
False``. Django lets any local field and any reverse relation be filtered from the query
string; ``GuardedAdmin`` accepts only the lookups of declared list filters, never one that
touches a field or model the person may not read.

The paths below are made from the register and the models, so a new sensitive field or a new
admin is covered without editing this file.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import RequestFactory
from django.urls import reverse

import pytest

from schoolops import privacy
from schoolops.admin import GuardedAdmin, GuardedTabularInline
from schoolops.models import Post
from schoolops.scopes import Scope

pytestmark = pytest.mark.django_db

OUR_APPS = {"schoolops", "groups", "consult", "mentors"}
ADMIN_ACTORS = ("office", "academic", "principal")


def our_admins():
    return [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in OUR_APPS
    ]


def scope_of(staff) -> Scope:
    return Scope(staff.user)


def request_as(staff):
    request = RequestFactory().get("/admin/")
    request.user = staff.user
    return request


def hidden_paths(model, scope: Scope) -> list[str]:
    """Every lookup path, up to two relations deep, that reaches hidden data for this person."""
    paths = []
    hidden_models = privacy.sensitive_models(scope)
    for name in sorted(privacy.hidden_fields(model, scope)):
        paths.append(name)
    for field in model._meta.get_fields():
        target = getattr(field, "related_model", None)
        if target is None or not field.is_relation:
            continue
        name = field.name  # a reverse relation's name is its query name
        if target._meta.label in hidden_models:
            paths.append(name)
            continue
        for inner in sorted(privacy.hidden_fields(target, scope)):
            paths.append(f"{name}__{inner}")
    return paths


def test_every_admin_follows_the_register():
    loose = [m._meta.label for m, a in our_admins() if not isinstance(a, GuardedAdmin)]
    assert not loose, f"derive these admins from schoolops.admin.GuardedAdmin: {loose}"
    loose_inlines = [
        f"{m._meta.label}: {inline.__name__}"
        for m, a in our_admins()
        for inline in a.inlines
        if not issubclass(inline, GuardedTabularInline)
    ]
    assert not loose_inlines, f"derive these inlines from GuardedTabularInline: {loose_inlines}"


def test_no_post_may_open_an_unguarded_admin():
    """The admins of Django's and the libraries' models (users, groups, tasks, axes) do not
    follow the register: only a superuser opens them."""
    foreign = {
        model._meta.app_label
        for model in admin.site._registry
        if model._meta.app_label not in OUR_APPS
    }
    assert foreign, "expected the auth, axes and task admins to be registered"
    from schoolops.permissions import sync_post_permissions

    sync_post_permissions()
    granted = [
        f"{group.name}: {perm.content_type.app_label}.{perm.codename}"
        for group in Group.objects.filter(name__in=Post.values).prefetch_related(
            "permissions__content_type"
        )
        for perm in group.permissions.all()
        if perm.content_type.app_label in foreign
    ]
    assert not granted


@pytest.mark.parametrize("actor", ADMIN_ACTORS)
def test_nothing_hidden_is_shown_searched_filtered_or_sorted(school, actor):
    staff = getattr(school, actor)
    scope = scope_of(staff)
    request = request_as(staff)
    checked = 0
    for model, model_admin in our_admins():
        if not model_admin.has_view_permission(request):
            continue
        checked += 1
        hidden = privacy.hidden_fields(model, scope)

        def touches(path, model=model, hidden=hidden):
            path = path.lstrip("^=@-") if isinstance(path, str) else ""
            return path in hidden or privacy.lookup_touches_hidden(model, path, scope)

        shown = {
            "fields": list(model_admin.get_fields(request)),
            "readonly": list(model_admin.get_readonly_fields(request)),
            "list_display": [
                n for n in model_admin.get_list_display(request) if isinstance(n, str)
            ],
            "list_filter": [
                s[0] if isinstance(s, (tuple, list)) else s
                for s in model_admin.get_list_filter(request)
                if isinstance(s, (str, tuple, list))
            ],
            "search": list(model_admin.get_search_fields(request)),
            "ordering": list(model_admin.get_ordering(request) or []),
            "sortable": list(model_admin.get_sortable_by(request)),
        }
        leaks = {k: [n for n in v if touches(n)] for k, v in shown.items()}
        leaks = {k: v for k, v in leaks.items() if v}
        assert not leaks, f"{actor} sees hidden fields of {model._meta.label}: {leaks}"
        form_fields = set(model_admin.get_form(request).base_fields)
        assert not form_fields & hidden, model._meta.label
    assert checked


@pytest.mark.parametrize("actor", ADMIN_ACTORS)
def test_a_lookup_on_hidden_data_is_refused(school, login, actor):
    """``?guardian_phone__startswith=1763``, ``?observations__isnull=False`` and the like
    answer 400 (or 403 where the list is not theirs), never a list."""
    staff = getattr(school, actor)
    scope = scope_of(staff)
    client = login(staff)
    refused = 0
    for model, _model_admin in our_admins():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for path in hidden_paths(model, scope):
            for lookup, value in (
                (f"{path}__startswith", "1"),
                (path, "1"),
                (f"{path}__isnull", "False"),
            ):
                status = client.get(url, {lookup: value}).status_code
                assert status in (400, 403), f"{actor}: {url}?{lookup}={value} answered {status}"
                refused += status == 400
    if actor == "office":
        # The reproduced attacks, by name: they must be among the refused lookups.
        url = reverse("admin:schoolops_student_changelist")
        for query in (
            {"guardian_phone__startswith": "1380"},
            {"guardian_phone": school.student_a.guardian_phone},
            {"leader_assignments__isnull": "False"},
            {"escalations__isnull": "False"},
            {"strategies__isnull": "False"},
            {"observations__isnull": "False"},
        ):
            assert client.get(url, query).status_code == 400, query
        assert refused >= 6


@pytest.mark.parametrize("actor", ADMIN_ACTORS)
def test_only_declared_filters_narrow_a_list(school, login, actor):
    """A lookup that no list filter declares is refused for everybody, even on a field the
    person may read: the admin answers the filters it shows, nothing else."""
    client = login(getattr(school, actor))
    request = request_as(getattr(school, actor))
    tried = 0
    for model, model_admin in our_admins():
        if not model_admin.has_view_permission(request):
            continue
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for field in model._meta.concrete_fields:
            if field.primary_key or field.is_relation:
                continue
            response = client.get(url, {f"{field.name}__startswith": "1"})
            assert response.status_code == 400, f"{url}?{field.name}__startswith"
            tried += 1
    assert tried


def test_declared_filters_still_work(school, login):
    client = login(school.office)
    url = reverse("admin:schoolops_student_changelist")
    response = client.get(
        url, {"status__exact": "in_school", "school_class__grade__id__exact": school.grade7.pk}
    )
    assert response.status_code == 200
    assert response.context["cl"].result_count == 2


def test_office_staff_never_see_a_guardian_phone_in_the_admin(school, login):
    phone = school.student_a.guardian_phone
    client = login(school.office)
    change = client.get(reverse("admin:schoolops_student_change", args=[school.student_a.pk]))
    assert change.status_code == 200
    assert phone not in change.content.decode()
    listing = client.get(reverse("admin:schoolops_student_changelist"), {"q": phone})
    assert listing.status_code == 200
    assert listing.context["cl"].result_count == 0
    # A forged post does not change it either.
    data = {
        "student_no": school.student_a.student_no,
        "name": school.student_a.name,
        "gender": school.student_a.gender,
        "school_class": school.student_a.school_class_id,
        "status": school.student_a.status,
        "guardian_name": "张建国",
        "guardian_phone": "13999999999",
    }
    client.post(reverse("admin:schoolops_student_change", args=[school.student_a.pk]), data)
    school.student_a.refresh_from_db()
    assert school.student_a.guardian_phone == phone


def test_the_principals_office_reads_guardian_phones_in_the_admin(school, login):
    client = login(school.principal)
    change = client.get(reverse("admin:schoolops_student_change", args=[school.student_a.pk]))
    assert school.student_a.guardian_phone in change.content.decode()


def test_a_guardian_phone_change_is_kept_and_its_history_hides_it_from_office_staff(school, login):
    """Every change of a student's record is kept with who and when; the history page shows
    the principal's office the old and new phone and office staff neither."""
    student = school.student_a
    old_phone = student.guardian_phone
    principal = login(school.principal)
    student.guardian_phone = "13912345678"
    student._history_user = school.principal.user
    student.save()
    versions = list(student.history.order_by("history_id"))
    assert [v.guardian_phone for v in versions][-2:] == [old_phone, "13912345678"]
    assert versions[-1].history_user == school.principal.user
    url = reverse("admin:schoolops_student_history", args=[student.pk])
    page = principal.get(url).content.decode()
    assert "13912345678" in page and old_phone in page
    office = login(school.office)
    response = office.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "13912345678" not in page and old_phone not in page


@pytest.mark.parametrize("actor", ADMIN_ACTORS)
def test_autocomplete_never_searches_or_shows_hidden_data(school, login, actor):
    """Every autocomplete of every admin form: the target admin's search follows the register
    (a hidden field's value finds nothing) and the results show no hidden value."""
    staff = getattr(school, actor)
    client = login(staff)
    request = request_as(staff)
    phone = school.student_a.guardian_phone
    tried = 0
    for model, model_admin in our_admins():
        for field_name in model_admin.get_autocomplete_fields(request):
            field = model._meta.get_field(field_name)
            target_admin = admin.site._registry[field.related_model]
            if not target_admin.has_view_permission(request):
                continue
            for term in (phone, phone[:4], "a"):
                response = client.get(
                    reverse("admin:autocomplete"),
                    {
                        "app_label": model._meta.app_label,
                        "model_name": model._meta.model_name,
                        "field_name": field_name,
                        "term": term,
                    },
                )
                assert response.status_code in (200, 403), (model, field_name)
                assert phone not in response.content.decode()
                tried += 1
    assert tried
