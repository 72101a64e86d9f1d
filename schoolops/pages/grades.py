"""Grade tabs: a page over many classes shows one grade at a time.

One rule for every grade page: the tabs are the grades the person may see on it, a grade
head's own grades first and then the others by level; ``?grade=<id>`` picks one, none picks
the first, and a grade that is not among the tabs (another's, another year's, not a number)
is a 404, never a silent fallback to another grade. The template is
``schoolops/_grade_tabs.html``::

    tabs = grade_tabs(request, page_grades(scope))
    classes = [c for c in classes if c.grade_id == tabs.current.pk] if tabs.current else []
    ...
    {% include "schoolops/_grade_tabs.html" with tabs=tabs %}
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest

from schoolops.models import AcademicYear, Grade
from schoolops.params import pick_or_404

if TYPE_CHECKING:
    from schoolops.scopes import Scope


@dataclass(frozen=True)
class GradeTab:
    grade: Grade
    url: str  # the page's own query string with this grade (other parameters kept)
    current: bool
    note: str = ""  # a short figure beside the name ("12 mentors")


@dataclass
class GradeTabs:
    grades: list[Grade]
    current: Grade | None
    tabs: list[GradeTab] = field(default_factory=list)

    def __iter__(self) -> Iterator[GradeTab]:
        return iter(self.tabs)

    def __len__(self) -> int:
        return len(self.tabs)


def page_grades(scope: Scope, year: AcademicYear | None = None) -> list[Grade]:
    """The grades a grade page shows this person (one query, none for a teacher):
    the principal's office every grade with classes in ``year`` (the current year by
    default), a grade head the grades they head."""
    if scope.is_school_wide:
        year = year or scope.year
        return list(Grade.objects.filter(classes__academic_year=year).distinct())
    return list(scope.headed_grades)


def grade_tabs(
    request: HttpRequest,
    grades: Iterable[Grade],
    *,
    param: str = "grade",
    default: Grade | None = None,
    keep: Iterable[str] | None = None,
    note: Callable[[Grade], Any] | None = None,
) -> GradeTabs:
    """The tabs of ``grades`` (in the one order) and the grade asked for with ``?grade=``
    (404 if it is not one of them); without one, ``default`` if it is among them, else the
    first. The tab links keep the page's other query parameters (only those named in
    ``keep``, when given; never ``page``); ``note(grade)`` adds a figure beside each name."""
    from schoolops.scopes import get_scope

    headed = get_scope(request).headed_grade_ids
    ordered = sorted(grades, key=lambda grade: (grade.pk not in headed, grade.level))
    chosen = request.GET.get(param)
    current: Grade | None
    if chosen:
        current = pick_or_404(ordered, chosen)
    else:
        current = default if default in ordered else next(iter(ordered), None)
    query = request.GET.copy()
    for name in list(query):
        if name == "page" or (keep is not None and name not in keep):
            del query[name]  # another grade starts on its first page
    tabs = []
    for grade in ordered:
        query[param] = str(grade.pk)
        tabs.append(
            GradeTab(
                grade=grade,
                url=f"?{query.urlencode()}",
                current=grade == current,
                note=str(note(grade)) if note is not None else "",
            )
        )
    return GradeTabs(grades=ordered, current=current, tabs=tabs)
