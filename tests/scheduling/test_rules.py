"""min_gap_days and stint_days: table cases and properties against brute force.

For random small teams (the same generator as test_planner_properties) with a minimum
gap, the plan keeps the hard rules and coverage; when the rule can hold (the brute force
in reference.py finds a plan with the coverage that keeps it), the plan keeps it, warns
of nothing and its fairness equals the optimum with the rule in force; when it cannot,
the plan says so in `warnings`. With stints, fairness is exactly that of single days, and
every lone day beyond one for an odd count is in `warnings`.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduling.model import Member, Rotation
from scheduling.planner import make_plan
from scheduling.rules import most_days
from scheduling.spec import SpecError, parse_spec, rotation_to_json
from tests.scheduling import reference
from tests.scheduling.test_planner_properties import rotation_and_days, specs

RULES = settings(
    derandomize=True,
    max_examples=120,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
MONDAY = date(2027, 1, 4)


def positions(plan_days: list[date], days: list[date]) -> list[int]:
    index = {day: t for t, day in enumerate(days)}
    return sorted(index[d] for d in plan_days)


def by_member(plan: Any) -> dict[str, list[date]]:
    result: dict[str, list[date]] = {}
    for entry in plan.assignments:
        result.setdefault(entry.member, []).append(entry.day)
    return result


@RULES
@given(specs(), st.integers(2, 4))
def test_min_gap_holds_where_it_can_with_the_fairest_counts(
    spec: dict[str, Any], min_gap: int
) -> None:
    rotation, days = rotation_and_days({**spec, "min_gap_days": min_gap})
    plan = make_plan(rotation)
    assert reference.hard_rule_violations(rotation, plan, days) == []
    assert reference.coverage_violations(rotation, plan, days) == []
    assert plan.balances == reference.balances(rotation, plan.assignments)
    best = reference.optimum_with_gap(rotation, days, min_gap)
    broken = [
        (member, a, b)
        for member, mine in by_member(plan).items()
        for a, b in zip(positions(mine, days), positions(mine, days)[1:], strict=False)
        if b - a < min_gap
    ]
    warned = {(w.member, w.days) for w in plan.warnings if w.rule == "min_gap_days"}
    # Every break is reported, with both days.
    assert {(m, (days[a], days[b])) for m, a, b in broken} == warned
    if best is not None:
        assert broken == []
        assert reference.fairness(plan.balances) == best
    else:
        assert broken


@RULES
@given(specs())
def test_stints_keep_fairness_and_report_unexpected_lone_days(spec: dict[str, Any]) -> None:
    rotation, days = rotation_and_days({**spec, "stint_days": 2})
    plan = make_plan(rotation)
    assert reference.hard_rule_violations(rotation, plan, days) == []
    assert reference.coverage_violations(rotation, plan, days) == []
    assert reference.fairness(plan.balances) == reference.optimum(rotation, days)
    warned = Counter(w.member for w in plan.warnings if w.rule == "stint_days")
    for member, mine in by_member(plan).items():
        lone, k, at = 0, 0, positions(mine, days)
        while k < len(at):
            if k + 1 < len(at) and at[k + 1] - at[k] == 1:
                k += 2
            else:
                lone, k = lone + 1, k + 1
        assert warned[member] == max(lone - len(at) % 2, 0), (member, at)


def fresh(size: int, weeks: int, **options: Any) -> Rotation:
    members = tuple(Member(id=f"U{n}", name=f"P{n}") for n in range(size))
    end = MONDAY + timedelta(weeks=weeks, days=-3)
    return Rotation(start=MONDAY, end=end, members=members, **options)


def test_a_fresh_team_in_stints_serves_only_pairs_of_consecutive_days() -> None:
    rotation = fresh(5, 8, stint_days=2)
    plan = make_plan(rotation)
    days = reference.working_days(rotation.start, rotation.end)
    assert plan.warnings == ()
    for mine in by_member(plan).values():
        at = positions(mine, days)
        assert len(at) % 2 == 0
        assert all(b - a == 1 for a, b in zip(at[::2], at[1::2], strict=True)), at


def test_a_stint_may_cross_a_weekend() -> None:
    # Working days pair up in order (Mon+Tue, Wed+Thu, Fri+Mon, ...): with 5 a week,
    # every third pair spans a weekend and still counts as a stint.
    rotation = fresh(5, 2, stint_days=2)  # 10 working days, 5 people: one stint each
    plan = make_plan(rotation)
    assert plan.warnings == ()
    spans = sorted(tuple(mine) for mine in by_member(plan).values())
    assert (MONDAY + timedelta(days=4), MONDAY + timedelta(days=7)) in spans
    assert all(len(mine) == 2 for mine in spans)


def test_min_gap_spaces_a_fresh_team_and_keeps_counts_within_one() -> None:
    rotation = fresh(4, 6, min_gap_days=4)
    plan = make_plan(rotation)
    days = reference.working_days(rotation.start, rotation.end)
    assert plan.warnings == ()
    counts = [len(v) for v in by_member(plan).values()]
    assert max(counts) - min(counts) <= 1
    for mine in by_member(plan).values():
        at = positions(mine, days)
        assert min(b - a for a, b in zip(at, at[1:], strict=False)) >= 4


def test_time_off_that_leaves_no_room_for_the_gap_is_a_warning_not_a_gap_in_coverage() -> None:
    # Two people, one slot, two weeks; one is away all but the first three days, so the
    # other has to do the seven days after and cannot keep a 3-day gap there.
    members = (
        Member("U1", "Ada", unavailable=((MONDAY + timedelta(days=3), MONDAY + timedelta(13)),)),
        Member("U2", "Ben"),
    )
    rotation = Rotation(
        start=MONDAY, end=MONDAY + timedelta(days=11), members=members, min_gap_days=3
    )
    plan = make_plan(rotation)
    assert plan.unfilled == ()
    assert len(plan.assignments) == 10
    assert plan.warnings
    assert {w.rule for w in plan.warnings} == {"min_gap_days"}
    assert any(w.member == "U2" for w in plan.warnings)
    assert "closer than min_gap_days 3" in plan.warnings[0].reason


def test_the_gap_caps_fairness_the_rule_in_force() -> None:
    # Five working days, one slot, min gap 3: nobody can do more than two days, so with
    # two people the fairest plan is impossible; with three it is 2, 2, 1 in some order.
    rotation = fresh(3, 1, min_gap_days=3)
    plan = make_plan(rotation)
    days = reference.working_days(rotation.start, rotation.end)
    assert plan.warnings == ()
    assert sorted(len(v) for v in by_member(plan).values()) == [1, 2, 2]
    assert reference.fairness(plan.balances) == reference.optimum_with_gap(rotation, days, 3)


@pytest.mark.parametrize(
    ("days", "fixed", "gap", "stint", "most"),
    [
        ([0, 1, 2, 3, 4, 5, 6], set(), 3, 1, 3),
        ([0, 1, 2, 3, 4, 5, 6], {1}, 3, 1, 2),
        ([0, 1, 2, 3, 4, 5, 6], set(), 3, 2, 4),
        ([0, 2, 4, 6], {2, 3}, 5, 1, 2),
    ],
)
def test_most_days(days: list[int], fixed: set[int], gap: int, stint: int, most: int) -> None:
    assert most_days(days, fixed, gap, stint) == most


def test_spec_fields_are_optional_validated_and_round_trip() -> None:
    base = {"start": "2027-01-04", "end": "2027-01-29", "members": [{"id": "A"}, {"id": "B"}]}
    old = parse_spec(json.dumps(base))
    assert (old.min_gap_days, old.stint_days) == (None, 1)
    new = parse_spec(json.dumps({**base, "min_gap_days": 3, "stint_days": 2}))
    assert (new.min_gap_days, new.stint_days) == (3, 2)
    assert parse_spec(json.dumps(rotation_to_json(new))) == new
    for field, value in (("min_gap_days", 0), ("stint_days", 3), ("min_gap_days", "5")):
        with pytest.raises(SpecError) as error:
            parse_spec(json.dumps({**base, field: value}))
        assert error.value.problems[0].startswith(f"{field}: ")


def stint_breaks(at: list[int], min_gap: int) -> set[tuple[int, int]]:
    """Steps closer than `min_gap` that are not inside a stint (days pair from the
    first on, so of three days in a row the third stands alone)."""
    broken: set[tuple[int, int]] = set()
    paired = _paired(at)
    for a, b in zip(at, at[1:], strict=False):
        if (a, b) not in paired and b - a < min_gap:
            broken.add((a, b))
    return broken


def _paired(at: list[int]) -> set[tuple[int, int]]:
    pairs: set[tuple[int, int]] = set()
    k = 0
    while k + 1 < len(at):
        if at[k + 1] - at[k] == 1:
            pairs.add((at[k], at[k + 1]))
            k += 2
        else:
            k += 1
    return pairs


@RULES
@given(specs(), st.integers(2, 4))
def test_stints_with_a_gap_report_every_step_that_breaks_it(
    spec: dict[str, Any], min_gap: int
) -> None:
    rotation, days = rotation_and_days({**spec, "stint_days": 2, "min_gap_days": min_gap})
    plan = make_plan(rotation)
    assert reference.hard_rule_violations(rotation, plan, days) == []
    assert reference.coverage_violations(rotation, plan, days) == []
    warned = {(w.member, w.days) for w in plan.warnings if w.rule == "min_gap_days"}
    expected = {
        (member, (days[a], days[b]))
        for member, mine in by_member(plan).items()
        for a, b in stint_breaks(positions(mine, days), min_gap)
    }
    assert warned == expected


def test_stints_with_a_gap_never_put_a_third_day_next_to_a_stint() -> None:
    # Seven people, 12 weeks: counts of 8 and 9, so some have a lone day; it never
    # lands beside one of their stints (a run of three), and the stints keep the gap.
    # (The local search may still leave a lone day closer than the gap: warned.)
    rotation = fresh(7, 12, stint_days=2, min_gap_days=6)
    plan = make_plan(rotation)
    days = reference.working_days(rotation.start, rotation.end)
    assert len(plan.warnings) <= 1
    for mine in by_member(plan).values():
        at = positions(mine, days)
        runs = [b - a for a, b in zip(at, at[1:], strict=False)]
        assert all(not (x == 1 and y == 1) for x, y in zip(runs, runs[1:], strict=False)), at
