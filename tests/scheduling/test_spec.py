"""Reading the `queueday plan` spec (DESIGN.md section 3).

Every invalid spec raises SpecError whose first problem starts with the offending field's
path, e.g. `members[0].unavailable[0].end: ...`; a valid spec fills in the defaults.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

import pytest

from scheduling.model import DayEntry
from scheduling.spec import SpecError, parse_spec

Spec = dict[str, Any]

# Mon 2027-01-04 .. Fri 2027-01-29: four working weeks, no holidays unless asked.
BASE: Spec = {
    "start": "2027-01-04",
    "end": "2027-01-29",
    "members": [
        {"id": "U01ADA", "name": "Ada"},
        {"id": "U02BOB", "name": "Bob"},
        {"id": "U03CY", "name": "Cy"},
    ],
}


def spec_with(change: Callable[[Spec], None]) -> str:
    spec = copy.deepcopy(BASE)
    change(spec)
    return json.dumps(spec)


def first_problem(text: str | bytes) -> str:
    with pytest.raises(SpecError) as caught:
        parse_spec(text)
    problems = caught.value.problems
    assert problems, "SpecError without problems"
    assert all(isinstance(p, str) and ": " in p for p in problems)
    assert str(caught.value)  # a one-line message for the CLI
    return problems[0]


def set_key(key: str, value: Any) -> Callable[[Spec], None]:
    return lambda spec: spec.__setitem__(key, value)


def set_member(index: int, **values: Any) -> Callable[[Spec], None]:
    return lambda spec: spec["members"][index].update(values)


def both(*changes: Callable[[Spec], None]) -> Callable[[Spec], None]:
    def apply(spec: Spec) -> None:
        for change in changes:
            change(spec)

    return apply


def entry(day: str, member: str = "U01ADA") -> dict[str, str]:
    return {"date": day, "member": member}


@dataclass(frozen=True)
class Invalid:
    name: str
    change: Callable[[Spec], None]
    path: str


INVALID = [
    Invalid(
        "unknown member in history",
        set_key("history", [entry("2026-12-01", "U09NOPE")]),
        "history[0].member",
    ),
    Invalid(
        "unknown member in the second history entry",
        set_key("history", [entry("2026-12-01"), entry("2026-12-02", "U09NOPE")]),
        "history[1].member",
    ),
    Invalid(
        "history on the start day", set_key("history", [entry("2027-01-04")]), "history[0].date"
    ),
    Invalid(
        "history after the start", set_key("history", [entry("2027-01-20")]), "history[0].date"
    ),
    Invalid("end before start", set_key("end", "2027-01-03"), "end"),
    Invalid("bad date: February 30", set_key("start", "2027-02-30"), "start"),
    Invalid("bad date: not a date", set_key("start", "next monday"), "start"),
    Invalid("bad date: a number", set_key("end", 20270129), "end"),
    Invalid("bad date in history", set_key("history", [entry("2026-13-01")]), "history[0].date"),
    Invalid("missing start", lambda s: s.pop("start"), "start"),
    Invalid("missing members", lambda s: s.pop("members"), "members"),
    Invalid("no members", set_key("members", []), "members"),
    Invalid("duplicate id", set_member(1, id="U01ADA"), "members[1].id"),
    Invalid("empty id", set_member(0, id=""), "members[0].id"),
    Invalid("slots_per_day 0", set_key("slots_per_day", 0), "slots_per_day"),
    Invalid("slots_per_day negative", set_key("slots_per_day", -2), "slots_per_day"),
    Invalid("slots_per_day not a whole number", set_key("slots_per_day", 1.5), "slots_per_day"),
    Invalid("slots_per_day a string", set_key("slots_per_day", "2"), "slots_per_day"),
    Invalid("unknown country code", set_key("holidays", {"country": "XX"}), "holidays.country"),
    Invalid(
        "unknown subdivision",
        set_key("holidays", {"country": "DE", "subdivision": "XX"}),
        "holidays.subdivision",
    ),
    Invalid(
        "subdivision without country",
        set_key("holidays", {"subdivision": "BE"}),
        "holidays.subdivision",
    ),
    Invalid("bad closed date", set_key("holidays", {"dates": ["2027-02-29"]}), "holidays.dates[0]"),
    Invalid("unknown weekday name", set_key("workdays", ["XY", "TU"]), "workdays[0]"),
    Invalid("unknown weekday name, later", set_key("workdays", ["MO", "Tue"]), "workdays[1]"),
    Invalid("no workdays", set_key("workdays", []), "workdays"),
    Invalid("unknown timezone", set_key("timezone", "Mars/Olympus"), "timezone"),
    Invalid(
        "unavailable end before start",
        set_member(0, unavailable=[{"start": "2027-01-12", "end": "2027-01-11"}]),
        "members[0].unavailable[0].end",
    ),
    Invalid(
        "second unavailable range of the third member",
        set_member(
            2,
            unavailable=[
                {"start": "2027-01-05", "end": "2027-01-06"},
                {"start": "2027-02-01", "end": "2027-01-06"},
            ],
        ),
        "members[2].unavailable[1].end",
    ),
    Invalid(
        "unavailable range without end",
        set_member(0, unavailable=[{"start": "2027-01-12"}]),
        "members[0].unavailable[0].end",
    ),
    Invalid(
        "left before joined",
        set_member(1, joined="2027-01-10", left="2027-01-05"),
        "members[1].left",
    ),
    Invalid("weight 0", set_member(0, weight=0), "members[0].weight"),
    Invalid("weight negative", set_member(2, weight=-0.5), "members[2].weight"),
    Invalid("weight a string", set_member(0, weight="1"), "members[0].weight"),
    Invalid("fixed on a Saturday", set_key("fixed", [entry("2027-01-09")]), "fixed[0].date"),
    Invalid(
        "fixed on a public holiday",
        both(set_key("holidays", {"country": "US"}), set_key("fixed", [entry("2027-01-18")])),
        "fixed[0].date",
    ),
    Invalid(
        "fixed on an extra closed date",
        both(
            set_key("holidays", {"dates": ["2027-01-13"]}), set_key("fixed", [entry("2027-01-13")])
        ),
        "fixed[0].date",
    ),
    Invalid("fixed before the period", set_key("fixed", [entry("2026-12-30")]), "fixed[0].date"),
    Invalid("fixed after the period", set_key("fixed", [entry("2027-02-01")]), "fixed[0].date"),
    Invalid(
        "fixed during time off",
        both(
            set_member(0, unavailable=[{"start": "2027-01-11", "end": "2027-01-15"}]),
            set_key("fixed", [entry("2027-01-13")]),
        ),
        "fixed[0]",
    ),
    Invalid(
        "fixed before joining",
        both(set_member(0, joined="2027-01-18"), set_key("fixed", [entry("2027-01-13")])),
        "fixed[0]",
    ),
    Invalid(
        "fixed after leaving",
        both(set_member(0, left="2027-01-12"), set_key("fixed", [entry("2027-01-13")])),
        "fixed[0]",
    ),
    Invalid(
        "fixed for an unknown member",
        set_key("fixed", [entry("2027-01-13", "U09NOPE")]),
        "fixed[0].member",
    ),
    Invalid(
        "more fixed entries on a day than slots",
        set_key("fixed", [entry("2027-01-13"), entry("2027-01-13", "U02BOB")]),
        "fixed",
    ),
    Invalid(
        "three fixed entries, two slots",
        both(
            set_key("slots_per_day", 2),
            set_key(
                "fixed",
                [entry("2027-01-13"), entry("2027-01-13", "U02BOB"), entry("2027-01-13", "U03CY")],
            ),
        ),
        "fixed",
    ),
]


@pytest.mark.parametrize("case", INVALID, ids=lambda c: c.name)
def test_invalid_spec_names_the_field(case: Invalid) -> None:
    problem = first_problem(spec_with(case.change))
    assert problem.startswith(case.path + ":"), problem


@pytest.mark.parametrize(
    "text",
    ["", "not json", "{", '{"start": "2027-01-04",}', "[]", "null", "42", b"\xff\xfe"],
    ids=["empty", "words", "unclosed", "trailing comma", "array", "null", "number", "bytes"],
)
def test_non_json_or_non_object_text_is_a_spec_error(text: str | bytes) -> None:
    problem = first_problem(text)
    assert problem.startswith("spec:"), problem


def test_problems_are_all_reported() -> None:
    """Several independent mistakes are all listed, in field order."""
    text = spec_with(
        both(
            set_key("end", "2027-01-01"),
            set_key("workdays", ["MO", "XX"]),
            set_member(1, id="U01ADA"),
        )
    )
    with pytest.raises(SpecError) as caught:
        parse_spec(text)
    paths = [p.split(":")[0] for p in caught.value.problems]
    assert paths[0] == "end"
    assert "workdays[1]" in paths
    assert "members[1].id" in paths


def test_minimal_spec_gets_the_defaults() -> None:
    rotation = parse_spec(json.dumps(BASE))
    assert rotation.start == date(2027, 1, 4)
    assert rotation.end == date(2027, 1, 29)
    assert rotation.slots_per_day == 1
    assert rotation.workdays == (0, 1, 2, 3, 4)
    assert rotation.country is None and rotation.subdivision is None
    assert rotation.closed == frozenset()
    assert rotation.history == () and rotation.fixed == ()
    assert rotation.previous is None
    assert [m.id for m in rotation.members] == ["U01ADA", "U02BOB", "U03CY"]
    for m in rotation.members:
        assert m.weight == 1 and isinstance(m.weight, Fraction)
        assert m.joined is None and m.left is None
        assert m.unavailable == ()
    assert rotation.members[0].name == "Ada"


def test_name_defaults_to_the_id() -> None:
    rotation = parse_spec(json.dumps({**BASE, "members": [{"id": "U01ADA"}]}))
    assert rotation.members[0].name == "U01ADA"


def test_full_spec_from_the_design() -> None:
    spec = {
        "start": "2027-01-01",
        "end": "2027-03-31",
        "timezone": "Europe/Berlin",
        "workdays": ["MO", "TU", "WE", "TH", "FR"],
        "holidays": {"country": "DE", "subdivision": "BE", "dates": ["2027-01-04"]},
        "slots_per_day": 1,
        "members": [
            {
                "id": "U01ABC",
                "name": "Ada",
                "joined": "2024-01-01",
                "left": None,
                "weight": 1.0,
                "unavailable": [{"start": "2027-02-01", "end": "2027-02-12"}],
            }
        ],
        "history": [{"date": "2026-11-03", "member": "U01ABC"}],
        "fixed": [{"date": "2027-01-12", "member": "U01ABC"}],
        "previous": [{"date": "2027-01-19", "member": "U01ABC"}],
    }
    rotation = parse_spec(json.dumps(spec))
    assert rotation.timezone == "Europe/Berlin"
    assert (rotation.country, rotation.subdivision) == ("DE", "BE")
    assert rotation.closed == frozenset({date(2027, 1, 4)})
    ada = rotation.members[0]
    assert ada.joined == date(2024, 1, 1) and ada.left is None
    assert ada.unavailable == ((date(2027, 2, 1), date(2027, 2, 12)),)
    assert [(e.day, e.member) for e in rotation.history] == [(date(2026, 11, 3), "U01ABC")]
    assert [(e.day, e.member) for e in rotation.fixed] == [(date(2027, 1, 12), "U01ABC")]
    assert rotation.previous is not None
    assert [(e.day, e.member) for e in rotation.previous] == [(date(2027, 1, 19), "U01ABC")]
    assert rotation.fixed[0] == DayEntry(date(2027, 1, 12), "U01ABC")


def test_weekday_names_are_case_insensitive_and_deduplicated() -> None:
    rotation = parse_spec(spec_with(set_key("workdays", ["su", "Mo", "TU", "we", "Th", "mo"])))
    assert rotation.workdays == (0, 1, 2, 3, 6)


@pytest.mark.parametrize(
    ("weight", "expected"),
    [
        (1, Fraction(1)),
        (1.0, Fraction(1)),
        (0.5, Fraction(1, 2)),
        (0.6, Fraction(3, 5)),
        (0.1, Fraction(1, 10)),
        (2.5, Fraction(5, 2)),
    ],
)
def test_weights_are_exact_decimals(weight: float, expected: Fraction) -> None:
    rotation = parse_spec(spec_with(set_member(0, weight=weight)))
    assert rotation.members[0].weight == expected


def test_history_before_start_and_valid_fixed_are_accepted_and_sorted() -> None:
    text = spec_with(
        both(
            set_key(
                "history",
                [entry("2026-12-02", "U02BOB"), entry("2026-12-01"), entry("2027-01-03", "U03CY")],
            ),
            set_key("fixed", [entry("2027-01-20", "U02BOB"), entry("2027-01-05")]),
            set_member(
                0, joined="2027-01-05", unavailable=[{"start": "2027-01-11", "end": "2027-01-15"}]
            ),
        )
    )
    rotation = parse_spec(text)
    assert [(e.day.isoformat(), e.member) for e in rotation.history] == [
        ("2026-12-01", "U01ADA"),
        ("2026-12-02", "U02BOB"),
        ("2027-01-03", "U03CY"),
    ]
    assert [(e.day.isoformat(), e.member) for e in rotation.fixed] == [
        ("2027-01-05", "U01ADA"),
        ("2027-01-20", "U02BOB"),
    ]


def test_fixed_entries_up_to_the_slots_are_fine() -> None:
    text = spec_with(
        both(
            set_key("slots_per_day", 2),
            set_key("fixed", [entry("2027-01-13"), entry("2027-01-13", "U02BOB")]),
        )
    )
    assert len(parse_spec(text).fixed) == 2


def test_fixed_on_joined_and_left_days_are_inside_membership() -> None:
    text = spec_with(
        both(
            set_member(0, joined="2027-01-13", left="2027-01-20"),
            set_key("fixed", [entry("2027-01-13"), entry("2027-01-20")]),
        )
    )
    assert len(parse_spec(text).fixed) == 2


def test_spec_with_unknown_fields_still_parses() -> None:
    rotation = parse_spec(spec_with(set_key("slots_per_dya", 3)))
    assert rotation.slots_per_day == 1
