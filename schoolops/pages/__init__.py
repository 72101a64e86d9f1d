"""One way to write a page: the shapes every view of the apps follows.

A page is a function view in its app's ``views/`` package, in this order::

    @scope_required(may_consult)  # schoolops.scopes: login; the app's rule (403)
    @class_required()  # class_pk → school_class; outside the person's scope: 404
    @term_required  # the current term, or a page saying none is set up
    def class_ledger(request, school_class, term):
        form = LedgerForm(request.POST or None)
        return form_page(
            request,
            form,
            "consult/class_ledger.html",
            {"school_class": school_class, "term": term, "form": form},
            on_valid=lambda: services.save_ledger(school_class, term, form.cleaned_data),
            success_message=_("Ledger saved."),
        )

- ``form_page`` (``schoolops.pages.forms``): GET shows the forms, a valid POST runs the
  service once per one-time token and redirects with a message, a refusal or invalid forms
  show the page again with the reasons.
- ``grade_tabs`` (``schoolops.pages.grades``) and ``schoolops/_grade_tabs.html``: one grade a
  page, a grade head's own first, an unknown grade a 404.
- ``term_required`` / ``no_term_page`` (``schoolops.pages.terms``) and
  ``schoolops/no_term.html``: the current term, or a page saying the academic office has not
  set it up yet.
- ``sheet_upload_page`` (``schoolops.pages.uploads``): a sheet of one kind uploaded for one
  class, previewed (a dry run) and confirmed.
- ``schoolops/_class_nav.html``: a class's sub-navigation from the app's class links, the
  current page marked ``aria-current="page"``.

Ids in URLs go through the ``<pk:...>`` converter (``schoolops.converters``), ids from a query
string or a form through ``schoolops.params.to_pk``/``pk_or_404``; who may open the page is
said by a decorator of ``schoolops.scopes`` given the app's rules from its ``access.py``.
"""

from schoolops.pages.forms import form_page, show_errors
from schoolops.pages.grades import GradeTab, GradeTabs, grade_tabs, page_grades
from schoolops.pages.terms import no_term_page, term_required
from schoolops.pages.uploads import private_upload, sheet_upload_page

__all__ = [
    "GradeTab",
    "GradeTabs",
    "form_page",
    "grade_tabs",
    "no_term_page",
    "page_grades",
    "private_upload",
    "sheet_upload_page",
    "show_errors",
    "term_required",
]
