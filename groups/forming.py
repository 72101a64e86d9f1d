"""Balanced forming of a class's groups: pure arithmetic on plain data, no database.

Tiers come from the class rank of each student's total in the latest exam: for groups of six
the top, middle and bottom thirds (2:2:2), for four the top half, next quarter and bottom
quarter (2:1:1), for five 2:2:1. Students are dealt to groups tier by tier in a snake order,
then same-tier swaps between groups improve gender spread, the spread of the teachers'
student tags (兴趣特长, 性格, 能力倾向: each tag spread as evenly as the class allows) and the
spread of group averages.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from typing import Any

TIER_SHARES = {4: (2, 1, 1), 5: (2, 2, 1), 6: (2, 2, 2)}


@dataclass
class Candidate:
    student_id: int
    gender: str  # "M" or "F"
    total: float | None  # latest exam total; None when the student has no results
    subject_scores: dict[int, float] = field(default_factory=dict)
    tier: str = "B"
    flagged: bool = False
    total_for_balance: float = 0.0
    tags: frozenset[int] = frozenset()  # the teachers' student tags (ids)

    @property
    def value(self) -> float:
        return self.total if self.total is not None else 0.0


@dataclass
class Balance:
    """The figures shown next to a proposal."""

    sizes: list[int]
    tier_mix: list[tuple[int, int, int]]
    ideal_mix: tuple[int, int, int]
    averages: list[float]
    spread: float
    class_sd: float
    boys: list[int]
    boy_share: float
    sizes_ok: bool
    spread_ok: bool
    gender_ok: bool
    # Each tag's number of students in each group (the tags of the groups' members).
    tag_counts: dict[int, list[int]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.sizes_ok and self.spread_ok and self.gender_ok


def group_count(n: int, size: int) -> int:
    """How many groups of about ``size`` a class of ``n`` makes, sizes kept within 4-6."""
    if n <= 6:
        return 1
    count = max(1, round(n / size))
    while math.ceil(n / count) > 6:
        count += 1
    while count > 1 and n // count < 4:
        count -= 1
    return count


def assign_tiers(candidates: list[Candidate], size: int) -> None:
    """Set each candidate's tier from their class rank; no results → B and flagged."""
    shares = TIER_SHARES[size]
    ranked = sorted(
        (c for c in candidates if c.total is not None), key=lambda c: (-c.total, c.student_id)
    )
    n = len(ranked)
    a_end = round(n * shares[0] / size)
    b_end = round(n * (shares[0] + shares[1]) / size)
    for position, candidate in enumerate(ranked):
        candidate.tier = "A" if position < a_end else "B" if position < b_end else "C"
        candidate.flagged = False
    for candidate in candidates:
        if candidate.total is None:
            candidate.tier = "B"
            candidate.flagged = True


def propose(
    candidates: list[Candidate], size: int, iterations: int = 4000
) -> list[list[Candidate]]:
    """Split the class into balanced groups; returns the groups' members."""
    if size not in TIER_SHARES:
        raise ValueError(size)
    if not candidates:
        return []
    assign_tiers(candidates, size)
    known = [c.total for c in candidates if c.total is not None]
    mean = statistics.fmean(known) if known else 0.0
    for candidate in candidates:
        if candidate.total is None:
            candidate.total_for_balance = mean
        else:
            candidate.total_for_balance = candidate.total
    count = group_count(len(candidates), size)
    n = len(candidates)
    capacity = [n // count + (1 if i < n % count else 0) for i in range(count)]
    groups: list[list[Candidate]] = [[] for _ in range(count)]
    quotas = tier_quotas(capacity, [sum(1 for c in candidates if c.tier == t) for t in "ABC"])
    sums = [0.0] * count
    for tier_index, tier in enumerate("ABC"):
        # Strongest first, each to the open group whose average so far is lowest.
        members = sorted(
            (c for c in candidates if c.tier == tier),
            key=lambda c: (-c.total_for_balance, c.student_id),
        )
        for candidate in members:
            open_groups = [g for g in range(count) if quotas[g][tier_index] > 0]
            target = min(open_groups, key=lambda g: (sums[g] / capacity[g], g))
            groups[target].append(candidate)
            sums[target] += candidate.total_for_balance
            quotas[target][tier_index] -= 1
    _improve(groups, candidates, iterations)
    return groups


def tier_quotas(capacity: list[int], tier_counts: list[int]) -> list[list[int]]:
    """How many A, B and C students each group takes: shares proportional to its size.

    A and B are shared out by largest remainder (ties to the group least filled so far);
    C fills what is left, so every group ends at its capacity.
    """
    total = sum(capacity)
    quotas = [[0, 0, 0] for _ in capacity]
    for tier_index in (0, 1):
        wanted = tier_counts[tier_index]
        ideal = [cap * wanted / total if total else 0 for cap in capacity]
        for g, share in enumerate(ideal):
            quotas[g][tier_index] = min(int(share), capacity[g] - sum(quotas[g]))
        left = wanted - sum(q[tier_index] for q in quotas)
        order = sorted(
            range(len(capacity)),
            key=lambda g: (-(ideal[g] - int(ideal[g])), sum(quotas[g]) / capacity[g], g),
        )
        while left > 0:
            progressed = False
            for g in order:
                if left and sum(quotas[g]) < capacity[g]:
                    quotas[g][tier_index] += 1
                    left -= 1
                    progressed = True
            if not progressed:
                break
    for g, cap in enumerate(capacity):
        quotas[g][2] = cap - quotas[g][0] - quotas[g][1]
    return quotas


def _cost(
    groups: list[list[Candidate]],
    boy_share: float,
    sd: float,
    tag_shares: dict[int, float] | None = None,
) -> float:
    averages = [statistics.fmean(c.total_for_balance for c in g) for g in groups if g]
    spread = max(averages) - min(averages) if averages else 0.0
    gender_excess = 0.0
    for g in groups:
        off = abs(sum(1 for c in g if c.gender == "M") - len(g) * boy_share)
        gender_excess += max(0.0, off - 1.0) + off * 0.01
    tag_excess = 0.0
    for tag, share in (tag_shares or {}).items():
        for g in groups:
            off = abs(sum(1 for c in g if tag in c.tags) - len(g) * share)
            tag_excess += max(0.0, off - 0.5) + off * 0.01
    limit = sd / 2
    return gender_excess * 1000 + tag_excess * 200 + max(0.0, spread - limit) * 100 + spread


def _tag_shares(candidates: list[Candidate]) -> dict[int, float]:
    """Each tag's share of the class: a group of n should hold about n × share of it."""
    counts: dict[int, int] = {}
    for c in candidates:
        for tag in c.tags:
            counts[tag] = counts.get(tag, 0) + 1
    return {tag: count / len(candidates) for tag, count in counts.items()}


def _improve(groups: list[list[Candidate]], candidates: list[Candidate], iterations: int) -> None:
    """Swap same-tier students between groups while that lowers the cost."""
    if len(groups) < 2:
        return
    boy_share = sum(1 for c in candidates if c.gender == "M") / len(candidates)
    values = [c.total_for_balance for c in candidates]
    sd = statistics.pstdev(values) if len(values) > 1 else 0.0
    tag_shares = _tag_shares(candidates)
    best = _cost(groups, boy_share, sd, tag_shares)
    improved = True
    rounds = 0
    while improved and rounds < iterations:
        improved = False
        for gi in range(len(groups)):
            for gj in range(gi + 1, len(groups)):
                for a in range(len(groups[gi])):
                    for b in range(len(groups[gj])):
                        x, y = groups[gi][a], groups[gj][b]
                        if x.tier != y.tier:
                            continue
                        groups[gi][a], groups[gj][b] = y, x
                        cost = _cost(groups, boy_share, sd, tag_shares)
                        rounds += 1
                        if cost < best - 1e-9:
                            best = cost
                            improved = True
                        else:
                            groups[gi][a], groups[gj][b] = x, y


def balance(groups: list[list[Candidate]], size: int) -> Balance:
    """The balance figures of a set of groups (a proposal or the groups as they stand)."""
    members = [c for g in groups for c in g]
    known = [c.total for c in members if c.total is not None]
    mean = statistics.fmean(known) if known else 0.0

    def value(c: Candidate) -> float:
        return c.total if c.total is not None else mean

    sizes = [len(g) for g in groups]
    averages = [round(statistics.fmean(value(c) for c in g), 1) if g else 0.0 for g in groups]
    spread = round(max(averages) - min(averages), 1) if averages else 0.0
    class_sd = round(statistics.pstdev([value(c) for c in members]), 1) if len(members) > 1 else 0.0
    boys = [sum(1 for c in g if c.gender == "M") for g in groups]
    boy_share = (sum(boys) / len(members)) if members else 0.0
    mix = [tuple(sum(1 for c in g if c.tier == t) for t in "ABC") for g in groups]
    ideal = TIER_SHARES.get(size, TIER_SHARES[6])
    sizes_ok = bool(sizes) and (
        (len(members) < 4 or ((min(sizes) >= 4 or len(sizes) == 1) and max(sizes) <= 6))
        and max(sizes) - min(sizes) <= 1
    )
    gender_ok = all(
        abs(b - len(g) * boy_share) <= 1 + 1e-9 for b, g in zip(boys, groups, strict=False)
    )
    return Balance(
        sizes=sizes,
        tier_mix=mix,
        ideal_mix=ideal,
        averages=averages,
        spread=spread,
        class_sd=class_sd,
        boys=boys,
        boy_share=round(boy_share, 3),
        sizes_ok=sizes_ok,
        spread_ok=spread <= class_sd / 2 + 1e-9,
        gender_ok=gender_ok,
        tag_counts={
            tag: [sum(1 for c in g if tag in c.tags) for g in groups]
            for tag in sorted({tag for c in members for tag in c.tags})
        },
    )


def pick_roles(members: list[Candidate], subject_ids: list[int]) -> dict[str, Any]:
    """Leader: the strongest member; recorder: the next; each subject: its strongest member."""
    ranked = sorted(members, key=lambda c: (-c.value, c.student_id))
    roles: dict[str, Any] = {
        "leader": ranked[0].student_id if ranked else None,
        "recorder": ranked[1].student_id if len(ranked) > 1 else None,
        "subjects": {},
    }
    for subject_id in subject_ids:
        best = max(
            members,
            key=lambda c: (c.subject_scores.get(subject_id, -1.0), c.value, -c.student_id),
            default=None,
        )
        if best is not None:
            roles["subjects"][subject_id] = best.student_id
    return roles


def seat_order(member_ids: list[int], lead_counts: dict[int, int]) -> list[int]:
    """Front-to-back seat order with the subject leaders in the middle rows."""
    ranked = sorted(member_ids, key=lambda s: (-lead_counts.get(s, 0), s))
    seats: list[int | None] = [None] * len(ranked)
    middle = (len(ranked) - 1) / 2
    positions = sorted(range(len(ranked)), key=lambda p: (abs(p - middle), p))
    for student_id, position in zip(ranked, positions, strict=False):
        seats[position] = student_id
    return [s for s in seats if s is not None]


def suggest_pairs(scores: dict[int, float]) -> list[tuple[int, int, int | None]]:
    """Study pairs in a subject from its exam scores (student id → score): the stronger half,
    best first, each with the student of the weaker half at the same place (the gap the same
    for every pair); with an odd number the weakest joins the last pair as its third.
    Returns (stronger, weaker, third or None) triples; fewer than two students make none."""
    ranked = sorted(scores, key=lambda s: (-scores[s], s))
    half = len(ranked) // 2
    pairs: list[tuple[int, int, int | None]] = [
        (ranked[i], ranked[half + i], None) for i in range(half)
    ]
    if pairs and len(ranked) % 2:
        stronger, weaker, _ = pairs[-1]
        pairs[-1] = (stronger, weaker, ranked[-1])
    return pairs
