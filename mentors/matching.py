"""Student-proposing deferred acceptance with capacities (Gale–Shapley, hospitals/residents).

Pure Python, no database: ``services`` builds the instance from the choices and rankings.
A "post" is a mentor in one class (a mentor has a capacity in each class they mentor).
"""

from __future__ import annotations

import heapq
from collections.abc import Hashable, Mapping, Sequence
from typing import TypeVar

S = TypeVar("S", bound=Hashable)
P = TypeVar("P", bound=Hashable)


def deferred_acceptance(
    student_prefs: Mapping[S, Sequence[P]],
    post_rank: Mapping[P, Mapping[S, int]],
    capacity: Mapping[P, int],
) -> dict[S, P]:
    """Match students to posts; the result is stable and student-optimal.

    ``student_prefs[s]`` lists the posts in the student's order. ``post_rank[p][s]`` is the
    post's rank of the student (lower is better); a student missing from it is unacceptable
    to that post (a decline). ``capacity[p]`` is the number of students the post takes.
    Returns ``{student: post}`` for the matched students.
    """
    next_choice: dict[S, int] = dict.fromkeys(student_prefs, 0)
    # Each post keeps a max-heap (by rank) of its tentatively held students.
    held: dict[P, list[tuple[int, int, S]]] = {}
    order = {s: i for i, s in enumerate(student_prefs)}  # a tie-break heaps can compare
    free = list(reversed(list(student_prefs)))
    result: dict[S, P] = {}
    while free:
        student = free.pop()
        prefs = student_prefs[student]
        while next_choice[student] < len(prefs):
            post = prefs[next_choice[student]]
            next_choice[student] += 1
            ranks = post_rank.get(post, {})
            rank = ranks.get(student)
            cap = capacity.get(post, 0)
            if rank is None or cap <= 0:
                continue
            heap = held.setdefault(post, [])
            if len(heap) < cap:
                heapq.heappush(heap, (-rank, order[student], student))
                result[student] = post
                break
            worst_rank = -heap[0][0]
            if rank < worst_rank:
                _, _, rejected = heapq.heapreplace(heap, (-rank, order[student], student))
                result[student] = post
                del result[rejected]
                free.append(rejected)
                break
    return result


def blocking_pairs(
    student_prefs: Mapping[S, Sequence[P]],
    post_rank: Mapping[P, Mapping[S, int]],
    capacity: Mapping[P, int],
    matching: Mapping[S, P],
) -> list[tuple[S, P]]:
    """Pairs (student, post) that both prefer each other to what the matching gives them."""
    assigned: dict[P, list[S]] = {}
    for student, post in matching.items():
        assigned.setdefault(post, []).append(student)
    pairs = []
    for student, prefs in student_prefs.items():
        current = matching.get(student)
        for post in prefs:
            if post == current:
                break
            rank = post_rank.get(post, {}).get(student)
            if rank is None:
                continue
            members = assigned.get(post, [])
            if len(members) < capacity.get(post, 0) or any(
                post_rank[post][other] > rank for other in members
            ):
                pairs.append((student, post))
    return pairs
