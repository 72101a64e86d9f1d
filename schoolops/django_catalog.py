"""Django's own messages that its zh_Hans catalogs leave in English or write with half-width
punctuation (Django 5.2).

Django reworded or added some messages after its Chinese translation was last brought up to
date, so the first-login page said "This password is too short…" and the admin's lists of
models read "Change or view list link"; and its Chinese labels end in a half-width colon
(「学生:」). Marked here, they are extracted into ``schoolops/locale`` and translated there:
gettext looks a message up in every catalog, and an app's catalog comes before Django's own,
schoolops' first (it is first in ``INSTALLED_APPS``). ``tests/safety/test_walk.py`` finds any
new one (English, or a half-width colon beside Chinese, on a page in zh-hans).
"""

from __future__ import annotations

from django.utils.translation import gettext_noop, ngettext_lazy

MESSAGES = (
    # django.contrib.auth.password_validation.MinimumLengthValidator.get_error_message
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        10,
    ),
    # django/contrib/admin/templates/admin/app_list.html
    gettext_noop("Change or view list link"),
    # django.forms: the label suffix of every admin form (「学生：」)
    gettext_noop(":"),
    # django.contrib.admin: a sorted column's title
    gettext_noop("Sorting priority: %(priority_number)s"),
    # simple_history's pages of a record's history (Django's admin shares the second)
    gettext_noop("View history: %s"),
    gettext_noop("Change history: %s"),
)
