"""Pages of the study-help groups, one module an area (as pretix's control views):

- ``overview``: my classes' groups at a glance;
- ``forming``: proposing, confirming and moving members of a class's groups;
- ``group``: one group's page, its name, goals and roles, check-ins and consequences;
- ``scoring``: quick scoring in a lesson, undo, the entries and their corrections;
- ``uploads``: the homeroom teacher's upload of the 学习委员's weekly score sheet;
- ``ranking``: a class's weekly and monthly ranking, recommendations;
- ``board``: the monthly school leaderboard, closing months, commendations;
- ``printables``: the registration sheet and the seating chart;
- ``reviews``: self and peer reviews.

Every view has the same shape: one access decorator (``groups.access.class_view`` for a
class's pages, a ``schoolops.scopes`` decorator for the others) or a ``get_..._or_404`` of
``groups.access`` for an object in the URL; ``schoolops.pages.term_required`` where the page is
about the current term; a form page through ``schoolops.pages.form_page``, an action (a POST
from a button) through a service, a message and a redirect; downloads through
``schoolops.sheets.http.sheet_response``.
"""
