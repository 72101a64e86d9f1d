"""Consultation pages, one module per area (as pretix does); ``consult/urls.py`` names them.

Every page has the same shape (``CONTRIBUTING.md``, *Writing a page*): a decorator of
``schoolops.scopes`` given this app's rules (``consult.access``: office staff are refused,
anything outside a person's scope is a 404), ``term_required`` where the page is about the
current term, objects fetched through the ``get_..._or_404`` helpers, and ``form_page`` for
every add/edit page.

- ``overview``: the consultation home page of a person.
- ``ledger``: a class's 学情台账 and a student's entry.
- ``observations``: observations (看 听 谈 问) of a class and of a student.
- ``strategies``: strategies (措施) and their follow-ups.
- ``escalations``: proposing a student to the next level, and the agenda that decides.
- ``meetings``: consultation meetings, their records and the cadence held against expected.
- ``review``: the principal's monthly review and the responsible leaders (包靠).
- ``cases``: success cases and their judging.
- ``scores``: each class's consultation score.
"""
