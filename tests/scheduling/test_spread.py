"""Spread against a round-robin on random teams (hypothesis, derandomized).

The measure is the one the spread benchmark reports: over the people with two or more
plan days, the median of their smallest gap (in working days) over the median of their
ideal gaps floor(W / n_i). Round-robin, which ignores fairness, spaces people evenly;
the planner must come close to it while staying exactly fair (D and S are checked
against the brute force on small teams in test_planner_properties). Weekday repeats
(a plan day on a weekday of the person's last two days) must not exceed round-robin's.
"""

from __future__ import annotations

import random
import statistics
from collections import defaultdict
from datetime import date, timedelta
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduling.model import DayEntry, Member, Rotation
from scheduling.planner import make_plan
from tests.scheduling import reference

START = date(2027, 1, 4)
DAYS = reference.working_days(START, START + timedelta(weeks=13, days=-3))
HISTORY = reference.working_days(START - timedelta(weeks=26), START - timedelta(days=1))
SPREAD = settings(
    derandomize=True,
    max_examples=20,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
RATIOS: list[float] = []


def team(seed: int, size: int, slots: int, part_timers: bool, away: float) -> Rotation:
    """A team with time off, part-timers and two quarters of round-robin history."""
    rng = random.Random(seed)
    members = []
    for n in range(size):
        blocks = []
        if rng.random() < away:
            first = rng.randrange(len(DAYS) - 10)
            blocks.append((DAYS[first], DAYS[first + rng.randint(1, 10) - 1]))
        weight = Fraction(1, 2) if part_timers and rng.random() < 0.2 else Fraction(1)
        members.append(Member(f"U{n:03d}", f"P{n}", weight=weight, unavailable=tuple(blocks)))
    history, turn = [], 0
    for day in HISTORY:
        for _ in range(slots):
            member = members[turn % size]
            turn += 1
            if rng.random() > 0.1:  # away that day: skipped, so balances start uneven
                history.append(DayEntry(day, member.id))
    return Rotation(
        start=START,
        end=DAYS[-1],
        members=tuple(members),
        slots_per_day=slots,
        history=tuple(sorted(set(history))),
    )


def round_robin(rotation: Rotation) -> list[DayEntry]:
    """Cycle through members in id order, skipping whoever is away."""
    people = sorted(rotation.members, key=lambda m: m.id)
    turn, plan = 0, []
    for day in DAYS:
        taken: list[str] = []
        for _ in range(len(people)):
            if len(taken) == rotation.slots_per_day:
                break
            member = people[turn % len(people)]
            turn += 1
            if reference.available(member, day) and member.id not in taken:
                taken.append(member.id)
        plan += [DayEntry(day, m) for m in taken]
    return plan


def spacing(entries: list[DayEntry]) -> float:
    index = {day: t for t, day in enumerate(DAYS)}
    days: dict[str, list[int]] = defaultdict(list)
    for entry in entries:
        days[entry.member].append(index[entry.day])
    gaps, ideals = [], []
    for mine in days.values():
        if len(mine) > 1:
            mine.sort()
            gaps.append(min(b - a for a, b in zip(mine, mine[1:], strict=False)))
            ideals.append(len(DAYS) // len(mine))
    return statistics.median(gaps) / statistics.median(ideals)


def repeats(rotation: Rotation, entries: list[DayEntry]) -> int:
    recent: dict[str, list[date]] = defaultdict(list)
    for entry in rotation.history:
        recent[entry.member] = (recent[entry.member] + [entry.day])[-2:]
    weekdays: dict[str, set[int]] = defaultdict(set)
    for entry in entries:
        weekdays[entry.member].add(entry.day.weekday())
    return sum(1 for m, seen in weekdays.items() if seen & {d.weekday() for d in recent.get(m, [])})


@SPREAD
@given(
    seed=st.integers(0, 10_000),
    per_slot=st.integers(6, 25),  # people per slot: 2.5 to 10 days each
    slots=st.integers(1, 4),
    part_timers=st.booleans(),
    away=st.sampled_from([0.0, 0.3]),
)
def test_spacing_comes_close_to_round_robin_and_weekdays_rotate_better(
    seed: int, per_slot: int, slots: int, part_timers: bool, away: float
) -> None:
    rotation = team(seed, per_slot * slots, slots, part_timers, away)
    plan = make_plan(rotation)
    baseline = round_robin(rotation)
    ratio = spacing(list(plan.assignments)) / spacing(baseline)
    RATIOS.append(ratio)
    assert ratio >= 0.55, ratio  # no team far off; the median over teams is checked below
    assert repeats(rotation, list(plan.assignments)) <= repeats(rotation, baseline)


def test_the_median_team_is_spaced_at_least_eight_tenths_as_well_as_round_robin() -> None:
    # These teams carry uneven history, so fairness gives counts far apart (5 to 9 days
    # where round-robin gives 6 or 7) and the busiest are spaced closer: 0.8 here, where
    # specgen's specs reach a median of 1.0 (bench/spread_bench.py; issue 17 asks 0.9).
    if not RATIOS:  # run alone: make the examples first
        test_spacing_comes_close_to_round_robin_and_weekdays_rotate_better()
    assert statistics.median(RATIOS) >= 0.8, sorted(RATIOS)
