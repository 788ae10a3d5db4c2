"""The planner, case by case with fixed dates (DESIGN.md sections 2 and 3).

Every plan is checked against the independent reference in tests/scheduling/reference.py:
hard rules, coverage, and balances recomputed day by day; small cases are also checked
for optimal fairness by brute force.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta
from fractions import Fraction as F
from typing import Any

import pytest

from scheduling.model import DayEntry, Member, Plan, Rotation
from scheduling.planner import make_plan
from scheduling.spec import parse_spec
from tests.scheduling import reference

DE_BE_HOLIDAYS = [
    date(2026, 12, 25),
    date(2026, 12, 26),
    date(2027, 1, 1),
    date(2027, 3, 8),
    date(2027, 3, 26),
    date(2027, 3, 29),
    date(2027, 5, 1),
    date(2027, 5, 6),
    date(2027, 5, 17),
]
US_CA_HOLIDAYS_Q1_2027 = [
    date(2027, 1, 1),
    date(2027, 1, 18),
    date(2027, 2, 15),
    date(2027, 3, 31),
]


def d(text: str) -> date:
    return date.fromisoformat(text)


def people(*names: str, **changes: Any) -> tuple[Member, ...]:
    return tuple(Member(id=f"U{n.upper()}", name=n, **changes) for n in names)


def counts(plan: Plan) -> Counter[str]:
    return Counter(e.member for e in plan.assignments)


def days_of(plan: Plan, member_id: str) -> list[date]:
    return [e.day for e in plan.assignments if e.member == member_id]


def checked_plan(
    rotation: Rotation,
    holidays: list[date] | None = None,
    *,
    brute_force: bool = False,
) -> Plan:
    """Plan, then check hard rules, coverage and exact balances against the reference."""
    days = reference.working_days(
        rotation.start, rotation.end, rotation.workdays, [*(holidays or []), *rotation.closed]
    )
    plan = make_plan(rotation)
    assert reference.hard_rule_violations(rotation, plan, days) == []
    assert reference.coverage_violations(rotation, plan, days) == []
    assert list(plan.assignments) == sorted(plan.assignments, key=lambda e: (e.day, e.member))
    expected = reference.balances(rotation, plan.assignments)
    assert plan.balances == expected
    assert all(isinstance(v, F) for v in plan.balances.values())
    if brute_force:
        assert reference.fairness(plan.balances) == reference.optimum(rotation, days)
    return plan


def spec_plan(spec: dict[str, Any], holidays: list[date]) -> tuple[Rotation, Plan]:
    rotation = parse_spec(json.dumps(spec))
    return rotation, checked_plan(rotation, holidays)


# --- fresh equal teams ---------------------------------------------------------------------

FRESH = [
    # (name, team size, start, end, slots, country, subdivision, holidays)
    ("3 people, four weeks", 3, "2027-01-04", "2027-01-29", 1, None, None, []),
    ("4 people, four weeks: 5 each", 4, "2027-01-04", "2027-01-29", 1, None, None, []),
    (
        "7 people, one week: fewer days than people",
        7,
        "2027-01-04",
        "2027-01-08",
        1,
        None,
        None,
        [],
    ),
    ("2 people, one day", 2, "2027-01-06", "2027-01-06", 1, None, None, []),
    ("5 people, Q1 2027 Berlin", 5, "2027-01-01", "2027-03-31", 1, "DE", "BE", DE_BE_HOLIDAYS),
    (
        "6 people, Q1 2027 California",
        6,
        "2027-01-01",
        "2027-03-31",
        1,
        "US",
        "CA",
        US_CA_HOLIDAYS_Q1_2027,
    ),
    (
        "5 people, two slots, Q1 2027 Berlin",
        5,
        "2027-01-01",
        "2027-03-31",
        2,
        "DE",
        "BE",
        DE_BE_HOLIDAYS,
    ),
    ("9 people, three slots, six weeks", 9, "2027-04-05", "2027-05-14", 3, None, None, []),
    ("12 people, one slot, a quarter", 12, "2027-04-01", "2027-06-30", 1, None, None, []),
]


@pytest.mark.parametrize("case", FRESH, ids=lambda c: c[0])
def test_fresh_equal_team_counts_differ_by_at_most_one(case: tuple[Any, ...]) -> None:
    _, size, start, end, slots, country, subdivision, holidays = case
    rotation = Rotation(
        start=d(start),
        end=d(end),
        members=people(*(f"p{n}" for n in range(size))),
        slots_per_day=slots,
        country=country,
        subdivision=subdivision,
    )
    plan = checked_plan(rotation, holidays)
    n = [counts(plan)[m.id] for m in rotation.members]
    assert max(n) - min(n) <= 1, n
    assert plan.max_abs_balance < 1
    assert plan.unfilled == ()


def test_small_fresh_team_is_optimal_by_brute_force() -> None:
    rotation = Rotation(start=d("2027-01-04"), end=d("2027-01-15"), members=people("a", "b", "c"))
    plan = checked_plan(rotation, brute_force=True)
    assert sorted(counts(plan).values()) == [3, 3, 4]
    assert sorted(plan.balances.values()) == [F(-1, 3), F(-1, 3), F(2, 3)]
    assert plan.targets == dict.fromkeys(plan.balances, F(10, 3))


def test_two_slots_a_day_puts_two_different_people_on_each_day() -> None:
    rotation = Rotation(
        start=d("2027-01-04"),
        end=d("2027-01-29"),
        members=people("a", "b", "c", "d", "e"),
        slots_per_day=2,
    )
    plan = checked_plan(rotation)
    per_day = Counter(e.day for e in plan.assignments)
    assert set(per_day.values()) == {2} and len(per_day) == 20
    assert set(counts(plan).values()) == {8}  # 20 days * 2 / 5
    assert set(plan.balances.values()) == {F(0)}


# --- gaps ----------------------------------------------------------------------------------


def test_a_day_everyone_is_away_is_unfilled_and_names_who_is_away() -> None:
    away = (d("2027-01-13"), d("2027-01-13"))
    rotation = Rotation(
        start=d("2027-01-11"),
        end=d("2027-01-15"),
        members=(
            Member("U1", "Ada", unavailable=(away,)),
            Member("U2", "Bob", unavailable=((d("2027-01-12"), d("2027-01-14")),)),
            Member("U3", "Cy", unavailable=((d("2027-01-13"), d("2027-01-20")),)),
        ),
    )
    plan = checked_plan(rotation, brute_force=True)
    assert [(u.day, u.open_slots) for u in plan.unfilled] == [(d("2027-01-13"), 1)]
    reason = plan.unfilled[0].reason
    for name in ("Ada", "Bob", "Cy"):
        assert name in reason
    assert d("2027-01-13") not in {e.day for e in plan.assignments}


def test_two_slots_with_one_person_available_leaves_one_open_slot() -> None:
    rotation = Rotation(
        start=d("2027-01-11"),
        end=d("2027-01-15"),
        slots_per_day=2,
        members=(
            Member("U1", "Ada", unavailable=((d("2027-01-14"), d("2027-01-14")),)),
            Member("U2", "Bob"),
            Member("U3", "Cy", unavailable=((d("2027-01-14"), d("2027-01-15")),)),
        ),
    )
    plan = checked_plan(rotation, brute_force=True)
    assert [(u.day, u.open_slots) for u in plan.unfilled] == [
        (d("2027-01-14"), 1),
    ]
    assert "Ada" in plan.unfilled[0].reason and "Cy" in plan.unfilled[0].reason
    assert "Bob" not in plan.unfilled[0].reason
    assert [e.member for e in plan.assignments if e.day == d("2027-01-14")] == ["U2"]


def test_days_before_anyone_joins_are_unfilled() -> None:
    rotation = Rotation(
        start=d("2027-01-11"),
        end=d("2027-01-15"),
        slots_per_day=2,
        members=people("a", "b", joined=d("2027-01-13")),
    )
    plan = checked_plan(rotation)
    assert [(u.day, u.open_slots) for u in plan.unfilled] == [
        (d("2027-01-11"), 2),
        (d("2027-01-12"), 2),
    ]
    assert "nobody" in plan.unfilled[0].reason


# --- calendars: DST, year boundary, leap day --------------------------------------------------


def test_dst_quarter_europe_berlin() -> None:
    """Q1 2027 in Berlin: clocks go forward on Sun 2027-03-28, Easter is 26-29 March."""
    spec = {
        "start": "2027-01-01",
        "end": "2027-03-31",
        "timezone": "Europe/Berlin",
        "holidays": {"country": "DE", "subdivision": "BE"},
        "members": [{"id": f"U{n}", "name": f"P{n}"} for n in range(4)],
    }
    rotation, plan = spec_plan(spec, DE_BE_HOLIDAYS)
    on = {e.day for e in plan.assignments}
    assert len(plan.assignments) == 60
    for day in ("2027-03-25", "2027-03-30", "2027-03-31"):
        assert d(day) in on  # the days either side of the DST switch are plain days
    for day in ("2027-03-26", "2027-03-27", "2027-03-28", "2027-03-29", "2027-03-08"):
        assert d(day) not in on
    assert set(counts(plan).values()) == {15}


def test_dst_quarter_america_los_angeles() -> None:
    """Q1 2027 in California: clocks go forward on Sun 2027-03-14; Cesar Chavez Day 31st."""
    spec = {
        "start": "2027-01-01",
        "end": "2027-03-31",
        "timezone": "America/Los_Angeles",
        "holidays": {"country": "US", "subdivision": "CA"},
        "members": [{"id": f"U{n}", "name": f"P{n}"} for n in range(3)],
    }
    rotation, plan = spec_plan(spec, US_CA_HOLIDAYS_Q1_2027)
    on = {e.day for e in plan.assignments}
    assert {d("2027-03-12"), d("2027-03-15")} <= on
    assert d("2027-03-31") not in on and d("2027-01-18") not in on
    assert len(plan.assignments) == 64 - 4
    assert set(counts(plan).values()) == {20}


def test_year_boundary_with_german_holidays() -> None:
    """2026-12-14..2027-01-15 in Berlin: Christmas and New Year closed, Dec 24/31 open."""
    spec = {
        "start": "2026-12-14",
        "end": "2027-01-15",
        "timezone": "Europe/Berlin",
        "holidays": {"country": "DE", "subdivision": "BE"},
        "members": [{"id": f"U{n}", "name": f"P{n}"} for n in range(3)],
        "history": [{"date": "2026-12-11", "member": "U0"}],
    }
    rotation, plan = spec_plan(spec, DE_BE_HOLIDAYS)
    on = {e.day for e in plan.assignments}
    assert d("2026-12-25") not in on and d("2027-01-01") not in on
    assert {d("2026-12-24"), d("2026-12-31"), d("2027-01-04")} <= on
    # 25 weekdays minus Christmas Day and New Year's Day
    assert len(plan.assignments) == 23
    # U0 served on Dec 11 (share 1/3): they get the fewest days of the period.
    assert counts(plan)["U0"] == min(counts(plan).values())
    assert plan.max_abs_balance < 1


def test_leap_day_period() -> None:
    rotation = Rotation(start=d("2028-02-21"), end=d("2028-03-03"), members=people("a", "b", "c"))
    plan = checked_plan(rotation, brute_force=True)
    assert d("2028-02-29") in {e.day for e in plan.assignments}
    assert len(plan.assignments) == 10


def test_custom_workdays_sunday_to_thursday() -> None:
    rotation = Rotation(
        start=d("2027-01-03"),
        end=d("2027-01-16"),
        members=people("a", "b"),
        workdays=(6, 0, 1, 2, 3),
    )
    plan = checked_plan(rotation, brute_force=True)
    assert {e.day.weekday() for e in plan.assignments} == {6, 0, 1, 2, 3}
    assert set(counts(plan).values()) == {5}


# --- weights and membership ---------------------------------------------------------------


def test_part_timers_get_proportionally_fewer_days() -> None:
    members = (
        *people("full1", "full2", "full3"),
        Member("UHALF", "half", weight=F(1, 2)),
        Member("USIX", "six", weight=F(3, 5)),
    )
    # 60 working days, W = 3 + 1/2 + 3/5 = 41/10
    rotation = Rotation(start=d("2027-04-05"), end=d("2027-06-25"), members=members)
    plan = checked_plan(rotation)
    assert plan.targets["UHALF"] == F(60 * 5, 41)
    assert plan.targets["USIX"] == F(60 * 6, 41)
    assert plan.targets["UFULL1"] == F(60 * 10, 41)
    for member_id, target in plan.targets.items():
        assert counts(plan)[member_id] in (target.__floor__(), target.__ceil__())
    assert counts(plan)["UHALF"] < counts(plan)["USIX"] < counts(plan)["UFULL1"]
    assert plan.max_abs_balance < 1


def test_part_timers_small_case_is_optimal() -> None:
    members = (*people("a", "b"), Member("UH", "h", weight=F(1, 2)))
    rotation = Rotation(start=d("2027-04-05"), end=d("2027-04-16"), members=members)
    plan = checked_plan(rotation, brute_force=True)
    assert counts(plan)["UH"] == 2  # target 10 * (1/2) / (5/2) = 2
    assert plan.balances["UH"] == 0


def test_joiner_and_leaver_mid_quarter_get_no_days_outside_membership() -> None:
    joined, left = d("2027-06-01"), d("2027-05-19")
    members = (
        *people("a", "b", "c"),
        Member("UNEW", "new", joined=joined),
        Member("UOLD", "old", left=left),
        Member("UGONE", "gone", left=d("2027-03-31")),
        Member("ULATER", "later", joined=d("2027-07-01")),
    )
    rotation = Rotation(
        start=d("2027-04-01"),
        end=d("2027-06-30"),
        members=members,
        country="DE",
        subdivision="BE",
        history=(DayEntry(d("2027-03-30"), "UGONE"), DayEntry(d("2027-03-31"), "UA")),
    )
    plan = checked_plan(rotation, DE_BE_HOLIDAYS)
    assert min(days_of(plan, "UNEW")) >= joined
    assert max(days_of(plan, "UOLD")) <= left
    # Only members on the team during the period have a balance.
    assert set(plan.balances) == {"UA", "UB", "UC", "UNEW", "UOLD"}
    assert plan.max_abs_balance < 1
    # On the team for a third (new) and a half (old) of the quarter: fewer days than a, b, c.
    assert (
        counts(plan)["UNEW"]
        < counts(plan)["UOLD"]
        < min(counts(plan)[i] for i in "UA UB UC".split())
    )


def test_someone_joining_on_the_last_day_which_is_a_sunday_counts_with_balance_zero() -> None:
    members = (*people("a", "b"), Member("UZ", "z", joined=d("2027-01-17")))
    rotation = Rotation(start=d("2027-01-11"), end=d("2027-01-17"), members=members)
    plan = checked_plan(rotation, brute_force=True)
    assert plan.balances["UZ"] == 0
    assert counts(plan)["UZ"] == 0


# --- fixed and previous --------------------------------------------------------------------


def test_fixed_entries_are_kept_and_counted() -> None:
    fixed = (
        DayEntry(d("2027-01-04"), "UA"),
        DayEntry(d("2027-01-05"), "UA"),
        DayEntry(d("2027-01-06"), "UA"),
        DayEntry(d("2027-01-07"), "UB"),
    )
    rotation = Rotation(
        start=d("2027-01-04"), end=d("2027-01-15"), members=people("a", "b", "c"), fixed=fixed
    )
    plan = checked_plan(rotation, brute_force=True)
    assert set(fixed) <= set(plan.assignments)
    # a already has 3 fixed days of a target of 10/3: at most one more for a.
    assert sorted(counts(plan).values()) == [3, 3, 4]


def test_fixed_entries_beyond_the_fair_share_are_still_kept() -> None:
    fixed = tuple(DayEntry(d(f"2027-01-{n:02d}"), "UA") for n in (4, 5, 6, 7, 8, 11))
    rotation = Rotation(
        start=d("2027-01-04"), end=d("2027-01-15"), members=people("a", "b", "c"), fixed=fixed
    )
    plan = checked_plan(rotation, brute_force=True)
    assert set(fixed) <= set(plan.assignments)
    assert counts(plan) == Counter({"UA": 6, "UB": 2, "UC": 2})


def test_fixed_with_two_slots_and_time_off() -> None:
    rotation = Rotation(
        start=d("2027-01-04"),
        end=d("2027-01-15"),
        slots_per_day=2,
        members=(
            Member("UA", "a", unavailable=((d("2027-01-11"), d("2027-01-15")),)),
            *people("b", "c", "d"),
        ),
        fixed=(DayEntry(d("2027-01-08"), "UA"), DayEntry(d("2027-01-08"), "UB")),
    )
    plan = checked_plan(rotation, brute_force=True)
    assert [e.member for e in plan.assignments if e.day == d("2027-01-08")] == ["UA", "UB"]


def quarter(**changes: Any) -> Rotation:
    base = Rotation(
        start=d("2027-01-04"),
        end=d("2027-02-02"),  # 22 working days
        members=people("a", "b", "c", "d", "e"),
    )
    return replace(base, **changes)


def test_previous_plan_is_kept_when_still_valid() -> None:
    first = checked_plan(quarter())
    again = checked_plan(quarter(previous=first.assignments))
    assert again.assignments == first.assignments
    assert again.changes == ()


def test_a_fair_previous_plan_that_differs_from_the_planner_choice_is_kept() -> None:
    """Previous: a plain round robin in reverse order, fair but not what spread picks."""
    first = make_plan(quarter())
    days = sorted({e.day for e in first.assignments})
    ids = [m.id for m in quarter().members][::-1]
    previous = tuple(DayEntry(day, ids[t % len(ids)]) for t, day in enumerate(days))
    assert set(previous) != set(first.assignments)
    plan = checked_plan(quarter(previous=previous))
    assert set(plan.assignments) == set(previous)
    assert plan.changes == ()


def test_an_unfair_previous_plan_is_moved_only_as_far_as_fairness_needs() -> None:
    """Previous gives a 6 of 10 days: the fairest plan has 4-3-3, so exactly 2 move."""
    rotation = Rotation(start=d("2027-01-04"), end=d("2027-01-15"), members=people("a", "b", "c"))
    days = reference.working_days(rotation.start, rotation.end)
    previous = tuple(
        DayEntry(day, "UA" if t < 6 else ("UB" if t < 8 else "UC")) for t, day in enumerate(days)
    )
    plan = checked_plan(replace(rotation, previous=previous), brute_force=True)
    removed = set(previous) - set(plan.assignments)
    assert len(removed) == 2 and all(e.member == "UA" for e in removed)
    assert counts(plan)["UA"] == 4
    for change in plan.changes:
        assert "fair" in change.reason


def week_with_one_of(plan: Plan, member_id: str) -> tuple[date, date]:
    """A Monday-Sunday week of the plan holding exactly one of the member's days."""
    mine = days_of(plan, member_id)
    for monday in sorted({day - timedelta(days=day.weekday()) for day in mine}):
        sunday = monday + timedelta(days=6)
        if sum(monday <= day <= sunday for day in mine) == 1:
            return monday, sunday
    raise AssertionError(f"no week with exactly one day of {member_id}: {mine}")


def in_week(day: date, week: tuple[date, date]) -> bool:
    return week[0] <= day <= week[1]


def book_week_off(rotation: Rotation, member_id: str, week: tuple[date, date]) -> Rotation:
    members = tuple(
        replace(m, unavailable=(*m.unavailable, week)) if m.id == member_id else m
        for m in rotation.members
    )
    return replace(rotation, members=members)


def test_replanning_after_a_week_off_moves_only_the_invalidated_day() -> None:
    """Someone with a day above target books a week off holding one of their days.

    Dropping that day keeps every count within the optimal band, so fairness forces no
    other move: exactly one entry moves, and the change says why.
    """
    first = checked_plan(quarter())
    top = max(counts(first).values())
    member_id = next(i for i in sorted(counts(first)) if counts(first)[i] == top)
    assert top > min(counts(first).values())  # 22 days, 5 people: 5,5,4,4,4
    week = week_with_one_of(first, member_id)
    rotation = book_week_off(quarter(previous=first.assignments), member_id, week)
    plan = checked_plan(rotation)

    invalid = {
        e for e in first.assignments if e.member == member_id and week[0] <= e.day <= week[1]
    }
    removed = set(first.assignments) - set(plan.assignments)
    added = set(plan.assignments) - set(first.assignments)
    assert len(invalid) == 1
    assert removed == invalid
    assert len(added) == 1 and next(iter(added)).day == next(iter(invalid)).day
    assert reference.fairness(plan.balances) == reference.fairness(first.balances)

    moved_days = {e.day for e in removed | added}
    assert {c.day for c in plan.changes} == moved_days
    assert {(c.day, c.member, c.action) for c in plan.changes} == (
        {(e.day, e.member, "removed") for e in removed}
        | {(e.day, e.member, "added") for e in added}
    )
    for change in plan.changes:
        assert "away" in change.reason, change
        assert str(week[0]) in change.reason and str(week[1]) in change.reason, change


def test_replanning_after_a_week_off_below_target_moves_one_more_for_fairness() -> None:
    """Someone at the lower count loses a day: fairness needs exactly one more move."""
    first = checked_plan(quarter())
    low = min(counts(first).values())
    member_id = next(i for i in sorted(counts(first)) if counts(first)[i] == low)
    week = week_with_one_of(first, member_id)
    rotation = book_week_off(quarter(previous=first.assignments), member_id, week)
    plan = checked_plan(rotation)

    invalid = {
        e for e in first.assignments if e.member == member_id and week[0] <= e.day <= week[1]
    }
    removed = set(first.assignments) - set(plan.assignments)
    assert invalid <= removed
    assert len(removed) == len(invalid) + 1
    assert counts(plan)[member_id] == low
    assert reference.fairness(plan.balances) == reference.fairness(first.balances)
    reasons = {(c.day, c.member, c.action): c.reason for c in plan.changes}
    for entry in invalid:
        assert "away" in reasons[(entry.day, entry.member, "removed")]
    (extra,) = removed - invalid
    assert "fair" in reasons[(extra.day, extra.member, "removed")]
    assert len(plan.changes) == 2 * len(removed)


def test_replanning_after_someone_leaves_moves_only_their_days() -> None:
    first = checked_plan(quarter())
    left = d("2027-01-20")
    members = tuple(replace(m, left=left) if m.id == "UE" else m for m in quarter().members)
    plan = checked_plan(quarter(members=members, previous=first.assignments))
    removed = set(first.assignments) - set(plan.assignments)
    invalid = {e for e in first.assignments if e.member == "UE" and e.day > left}
    assert invalid <= removed
    reasons = {(c.day, c.member, c.action): c.reason for c in plan.changes}
    for entry in invalid:
        assert "left" in reasons[(entry.day, entry.member, "removed")]
    assert len(plan.changes) == 2 * len(removed)


# --- history -------------------------------------------------------------------------------


def test_history_driven_catch_up() -> None:
    """b and c did the last two weeks alone: a catches up in the next two."""
    history = tuple(
        DayEntry(day, "UB" if t % 2 == 0 else "UC")
        for t, day in enumerate(reference.working_days(d("2026-12-28"), d("2027-01-08")))
    )
    rotation = Rotation(
        start=d("2027-01-11"), end=d("2027-01-22"), members=people("a", "b", "c"), history=history
    )
    plan = checked_plan(rotation, brute_force=True)
    assert plan.targets == {"UA": F(20, 3), "UB": F(5, 3), "UC": F(5, 3)}
    assert counts(plan)["UA"] in (6, 7)
    assert counts(plan)["UB"] + counts(plan)["UC"] == 10 - counts(plan)["UA"]
    assert plan.max_abs_balance == F(2, 3)


def test_history_catch_up_is_limited_by_availability() -> None:
    """a is behind but away half the period: a takes every day they can, no more."""
    history = tuple(
        DayEntry(day, "UB") for day in reference.working_days(d("2026-12-28"), d("2027-01-08"))
    )
    rotation = Rotation(
        start=d("2027-01-11"),
        end=d("2027-01-22"),
        members=(
            Member("UA", "a", unavailable=((d("2027-01-11"), d("2027-01-17")),)),
            *people("b"),
        ),
        history=history,
    )
    plan = checked_plan(rotation, brute_force=True)
    assert days_of(plan, "UA") == reference.working_days(d("2027-01-18"), d("2027-01-22"))
    assert plan.balances["UA"] == F(-5)
