"""An independent, deliberately naive reference for the fairness model (DESIGN.md 2).

Everything here is computed day by day with Fractions, straight from the definitions,
so the tests never trust the planner's own ledger: the share of a day with k people is
k * w_i / W_d over the members on the team that day (joined <= day <= left), and a
balance is days done (history and plan) minus the share.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from fractions import Fraction
from itertools import combinations
from typing import Protocol

import numpy as np

from scheduling.model import Member, Plan, Rotation


class Entry(Protocol):
    """Anything with a day and a member: history, fixed, previous, assignments."""

    @property
    def day(self) -> date: ...

    @property
    def member(self) -> str: ...


def on_team(member: Member, day: date) -> bool:
    """joined <= day <= left, both inclusive, None meaning open."""
    return (member.joined is None or member.joined <= day) and (
        member.left is None or day <= member.left
    )


def away(member: Member, day: date) -> bool:
    """The member booked time off covering `day`."""
    return any(first <= day <= last for first, last in member.unavailable)


def available(member: Member, day: date) -> bool:
    """On the team and not away."""
    return on_team(member, day) and not away(member, day)


def days_between(first: date, last: date) -> list[date]:
    """Every calendar day in [first, last]."""
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def working_days(
    first: date,
    last: date,
    workdays: Iterable[int] = (0, 1, 2, 3, 4),
    closed: Iterable[date] = (),
) -> list[date]:
    """Chosen weekdays minus the given closed dates (public holidays listed by hand)."""
    weekdays, shut = set(workdays), set(closed)
    return [d for d in days_between(first, last) if d.weekday() in weekdays and d not in shut]


def counted_members(rotation: Rotation) -> list[Member]:
    """Members on the team on at least one (calendar) day of the period."""
    period = days_between(rotation.start, rotation.end)
    return [m for m in rotation.members if any(on_team(m, d) for d in period)]


def shares(members: Sequence[Member], people_per_day: Mapping[date, int]) -> dict[str, Fraction]:
    """Each member's fair share of all counted days, one day at a time."""
    share = {m.id: Fraction(0) for m in members}
    for day, k in people_per_day.items():
        team = [m for m in members if on_team(m, day)]
        total = sum((m.weight for m in team), Fraction(0))
        if k == 0 or total == 0:
            continue
        for m in team:
            share[m.id] += k * m.weight / total
    return share


def entries_of(items: Iterable[Entry]) -> list[tuple[date, str]]:
    """(day, member) pairs of DayEntry-like objects."""
    return [(item.day, item.member) for item in items]


def targets(rotation: Rotation, people_per_plan_day: Mapping[date, int]) -> dict[str, Fraction]:
    """x_i: the plan days that would end the period at balance 0, for counted members."""
    history = entries_of(rotation.history)
    per_day: Counter[date] = Counter(day for day, _ in history)
    for day, k in people_per_plan_day.items():
        per_day[day] += k
    share = shares(rotation.members, per_day)
    done = Counter(member for _, member in history)
    return {m.id: share[m.id] - done[m.id] for m in counted_members(rotation)}


def balances(rotation: Rotation, assignments: Iterable[Entry]) -> dict[str, Fraction]:
    """Days done minus share at the end of the period, for counted members."""
    planned = entries_of(assignments)
    per_day = Counter(day for day, _ in planned)
    count = Counter(member for _, member in planned)
    return {i: count[i] - x for i, x in targets(rotation, per_day).items()}


def fairness(values: Mapping[str, Fraction]) -> tuple[Fraction, Fraction]:
    """(largest |balance|, sum of squared balances): smaller is fairer, in that order."""
    return (
        max((abs(v) for v in values.values()), default=Fraction(0)),
        sum((v * v for v in values.values()), Fraction(0)),
    )


def coverage(rotation: Rotation, days: Sequence[date]) -> dict[date, int]:
    """People each working day must get: min(slots_per_day, people available)."""
    return {
        d: min(rotation.slots_per_day, sum(available(m, d) for m in rotation.members)) for d in days
    }


def optimum(rotation: Rotation, days: Sequence[date]) -> tuple[Fraction, Fraction]:
    """The fairest (max |balance|, sum of squares) of any plan with the required coverage."""
    return fairest_and_most_kept(rotation, days, ())[0]


def fairest_and_most_kept(
    rotation: Rotation, days: Sequence[date], previous: Iterable[Entry]
) -> tuple[tuple[Fraction, Fraction], int]:
    """The optimal fairness, and the most `previous` entries a plan reaching it can keep.

    Brute force: every way of filling every day (fixed entries included, only available
    people, k_d distinct people a day) is enumerated day by day. Fairness depends on the
    per-member counts only, so plans reaching the same counts are merged as we go,
    keeping the largest number of previous entries any of them keeps. A count vector is
    packed into one integer (digit i in base len(days) + 1 is member i's count), so
    adding a day's choice is one addition without carries.
    """
    need = coverage(rotation, days)
    ids = [m.id for m in rotation.members]
    base = len(days) + 1
    assert base ** len(ids) < 2**62, "too big to brute-force"
    digit = [base**i for i in range(len(ids))]
    fixed: dict[date, set[str]] = {}
    for day, member in entries_of(rotation.fixed):
        fixed.setdefault(day, set()).add(member)
    before = set(entries_of(previous))
    reachable = np.zeros(1, dtype=np.int64)
    kept = np.zeros(1, dtype=np.int64)
    for day in days:
        pinned = fixed.get(day, set())
        free = [
            i for i, m in enumerate(rotation.members) if available(m, day) and m.id not in pinned
        ]
        chosen = [
            [i for i, member_id in enumerate(ids) if member_id in pinned] + list(extra)
            for extra in combinations(free, need[day] - len(pinned))
        ]
        steps = np.array([sum(digit[i] for i in people) for people in chosen], dtype=np.int64)
        step_kept = np.array(
            [sum((day, ids[i]) in before for i in people) for people in chosen], dtype=np.int64
        )
        codes = (reachable[:, None] + steps[None, :]).ravel()
        totals = (kept[:, None] + step_kept[None, :]).ravel()
        reachable, where = np.unique(codes, return_inverse=True)
        kept = np.full(len(reachable), -1, dtype=np.int64)
        np.maximum.at(kept, where.ravel(), totals)
    goal = targets(rotation, need)
    q = math.lcm(*(x.denominator for x in goal.values()))
    position = {member_id: i for i, member_id in enumerate(ids)}
    count_rows = [((reachable // digit[i]) % base).tolist() for i in range(len(ids))]
    deviations = [
        [c * q - int(x * q) for c in count_rows[position[member_id]]]
        for member_id, x in goal.items()
    ]
    best: tuple[int, int, int] | None = None
    columns = list(zip(*deviations, strict=True)) if deviations else [()] * len(kept)
    for column, most in zip(columns, kept.tolist(), strict=True):
        score = (max((abs(v) for v in column), default=0), sum(v * v for v in column), -most)
        if best is None or score < best:
            best = score
    assert best is not None
    return (Fraction(best[0], q), Fraction(best[1], q * q)), -best[2]


def hard_rule_violations(rotation: Rotation, plan: Plan, days: Sequence[date]) -> list[str]:
    """Every broken hard rule (DESIGN.md 2, promise 1), as readable lines."""
    problems = []
    working = set(days)
    members = {m.id: m for m in rotation.members}
    seen: set[tuple[date, str]] = set()
    for day, member_id in entries_of(plan.assignments):
        member = members.get(member_id)
        if (day, member_id) in seen:
            problems.append(f"{member_id} twice on {day}")
        seen.add((day, member_id))
        if day not in working:
            problems.append(f"{member_id} on non-working day {day}")
        if member is None:
            problems.append(f"unknown member {member_id} on {day}")
        elif not on_team(member, day):
            problems.append(f"{member_id} on {day} outside membership")
        elif away(member, day):
            problems.append(f"{member_id} on {day} while away")
    for entry in entries_of(rotation.fixed):
        if entry not in seen:
            problems.append(f"fixed entry {entry} dropped")
    per_day = Counter(day for day, _ in seen)
    for day, k in per_day.items():
        if k > rotation.slots_per_day:
            problems.append(f"{k} people on {day} but slots_per_day is {rotation.slots_per_day}")
    return problems


def coverage_violations(rotation: Rotation, plan: Plan, days: Sequence[date]) -> list[str]:
    """Days with the wrong number of people, or a short day missing from `unfilled`."""
    problems = []
    need = coverage(rotation, days)
    per_day = Counter(day for day, _ in entries_of(plan.assignments))
    for day in days:
        if per_day[day] != need[day]:
            problems.append(f"{day}: {per_day[day]} people, expected {need[day]}")
    expected_unfilled = {
        day: rotation.slots_per_day - k for day, k in need.items() if k < rotation.slots_per_day
    }
    reported = {item.day: item.open_slots for item in plan.unfilled}
    if reported != expected_unfilled:
        problems.append(f"unfilled {reported} != expected {expected_unfilled}")
    return problems


def gap_allowed(step: int, min_gap: int | None, stint_days: int = 1) -> bool:
    """Two consecutive days of one person `step` working days apart keep the rule."""
    return min_gap is None or step >= min_gap or (stint_days == 2 and step == 1)


def optimum_with_gap(
    rotation: Rotation, days: Sequence[date], min_gap: int
) -> tuple[Fraction, Fraction] | None:
    """The fairest (max |balance|, sum of squares) of the plans with the required coverage
    in which every two days of a person are at least `min_gap` working days apart; None
    when no such plan exists. Brute force, day by day, over (counts, last day) states."""
    need = coverage(rotation, days)
    ids = [m.id for m in rotation.members]
    fixed: dict[date, set[str]] = {}
    for day, member in entries_of(rotation.fixed):
        fixed.setdefault(day, set()).add(member)
    # The state: each person's count and how long ago their last day was, capped at
    # min_gap (any longer ago is as good), so equal futures are merged.
    states: set[tuple[tuple[int, ...], tuple[int, ...]]] = {
        (tuple(0 for _ in ids), tuple(min_gap for _ in ids))
    }
    for day in days:
        pinned = fixed.get(day, set())
        free = [
            i for i, m in enumerate(rotation.members) if available(m, day) and m.id not in pinned
        ]
        forced = [i for i, member_id in enumerate(ids) if member_id in pinned]
        following: set[tuple[tuple[int, ...], tuple[int, ...]]] = set()
        for counts, last in states:
            for extra in combinations(free, need[day] - len(pinned)):
                people = forced + list(extra)
                if any(last[i] < min_gap for i in people):
                    continue
                new_counts = list(counts)
                new_last = [min(ago + 1, min_gap) for ago in last]
                for i in people:
                    new_counts[i] += 1
                    new_last[i] = 1
                following.add((tuple(new_counts), tuple(new_last)))
        states = following
    if not states:
        return None
    goal = targets(rotation, need)
    position = {member_id: i for i, member_id in enumerate(ids)}
    best: tuple[Fraction, Fraction] | None = None
    for counts, _ in states:
        values = {m: counts[position[m]] - x for m, x in goal.items()}
        score = fairness(values)
        if best is None or score < best:
            best = score
    return best
