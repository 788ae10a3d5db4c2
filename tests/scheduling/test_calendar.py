"""Working days: chosen weekdays minus public holidays minus extra closed dates.

Expected days are written out by hand (fixed dates), never computed with the holidays
package, so a change in how the calendar asks that package shows up here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pytest

from scheduling.calendar import UnknownRegion, WorkCalendar

MON_FRI = (0, 1, 2, 3, 4)
SUN_THU = (6, 0, 1, 2, 3)


def d(text: str) -> date:
    return date.fromisoformat(text)


def ds(*texts: str) -> list[date]:
    return [d(t) for t in texts]


@dataclass(frozen=True)
class RangeCase:
    name: str
    first: str
    last: str
    expected: list[str]
    workdays: tuple[int, ...] = MON_FRI
    country: str | None = None
    subdivision: str | None = None
    closed: tuple[str, ...] = field(default=())


RANGE_CASES = [
    RangeCase(
        "two plain weeks, Mon-Fri",
        "2027-01-04",
        "2027-01-17",
        ["2027-01-04", "2027-01-05", "2027-01-06", "2027-01-07", "2027-01-08"]
        + ["2027-01-11", "2027-01-12", "2027-01-13", "2027-01-14", "2027-01-15"],
    ),
    RangeCase("a weekend only", "2027-01-09", "2027-01-10", []),
    RangeCase("a single working day", "2027-01-06", "2027-01-06", ["2027-01-06"]),
    RangeCase("first after last is empty", "2027-01-07", "2027-01-06", []),
    RangeCase(
        "custom workdays Sun-Thu",
        "2027-01-02",
        "2027-01-09",
        ["2027-01-03", "2027-01-04", "2027-01-05", "2027-01-06", "2027-01-07"],
        workdays=SUN_THU,
    ),
    RangeCase(
        "Tuesdays only across the leap day 2028-02-29",
        "2028-02-01",
        "2028-03-14",
        ["2028-02-01", "2028-02-08", "2028-02-15", "2028-02-22", "2028-02-29"]
        + ["2028-03-07", "2028-03-14"],
        workdays=(1,),
    ),
    RangeCase(
        "leap week 2028: Feb 28, 29 and Mar 1 are ordinary weekdays",
        "2028-02-26",
        "2028-03-05",
        ["2028-02-28", "2028-02-29", "2028-03-01", "2028-03-02", "2028-03-03"],
        country="DE",
        subdivision="BE",
    ),
    RangeCase(
        "year boundary DE-BE: Christmas and New Year closed, Dec 24 and 31 open",
        "2026-12-21",
        "2027-01-08",
        ["2026-12-21", "2026-12-22", "2026-12-23", "2026-12-24"]
        + ["2026-12-28", "2026-12-29", "2026-12-30", "2026-12-31"]
        + ["2027-01-04", "2027-01-05", "2027-01-06", "2027-01-07", "2027-01-08"],
        country="DE",
        subdivision="BE",
    ),
    RangeCase(
        "DE-BE Easter 2027: Good Friday and Easter Monday closed (DST starts Mar 28)",
        "2027-03-22",
        "2027-04-02",
        ["2027-03-22", "2027-03-23", "2027-03-24", "2027-03-25"]
        + ["2027-03-30", "2027-03-31", "2027-04-01", "2027-04-02"],
        country="DE",
        subdivision="BE",
    ),
    RangeCase(
        "GB Christmas 2027 falls on a weekend: observed Mon 27 and Tue 28",
        "2027-12-20",
        "2027-12-31",
        ["2027-12-20", "2027-12-21", "2027-12-22", "2027-12-23", "2027-12-24"]
        + ["2027-12-29", "2027-12-30", "2027-12-31"],
        country="GB",
    ),
    RangeCase(
        "US-CA year boundary: Christmas observed Fri 24, New Year 2028 observed Fri 31",
        "2027-12-20",
        "2028-01-07",
        ["2027-12-20", "2027-12-21", "2027-12-22", "2027-12-23"]
        + ["2027-12-27", "2027-12-28", "2027-12-29", "2027-12-30"]
        + ["2028-01-03", "2028-01-04", "2028-01-05", "2028-01-06", "2028-01-07"],
        country="US",
        subdivision="CA",
    ),
    RangeCase(
        "JP Golden Week 2027",
        "2027-04-26",
        "2027-05-07",
        ["2027-04-26", "2027-04-27", "2027-04-28", "2027-04-30", "2027-05-06", "2027-05-07"],
        country="JP",
    ),
    RangeCase(
        "FR November 2027: All Saints' Day and Armistice Day",
        "2027-11-01",
        "2027-11-12",
        ["2027-11-02", "2027-11-03", "2027-11-04", "2027-11-05"]
        + ["2027-11-08", "2027-11-09", "2027-11-10", "2027-11-12"],
        country="FR",
    ),
    RangeCase(
        "extra closed dates on top of the holidays, and one on a weekend",
        "2027-03-01",
        "2027-03-12",
        ["2027-03-01", "2027-03-02", "2027-03-04", "2027-03-05"]
        + ["2027-03-09", "2027-03-10", "2027-03-11"],
        country="DE",
        subdivision="BE",
        closed=("2027-03-03", "2027-03-12", "2027-03-13"),
    ),
    RangeCase(
        "Sun-Thu in Japan: Sunday equinox and its Monday substitute closed",
        "2027-03-19",
        "2027-03-28",
        ["2027-03-23", "2027-03-24", "2027-03-25", "2027-03-28"],
        workdays=SUN_THU,
        country="JP",
    ),
]


@pytest.mark.parametrize("case", RANGE_CASES, ids=lambda c: c.name)
def test_working_days_in_range(case: RangeCase) -> None:
    calendar = WorkCalendar(case.workdays, case.country, case.subdivision, ds(*case.closed))
    assert calendar.working_days(d(case.first), d(case.last)) == ds(*case.expected)


@dataclass(frozen=True)
class DayCase:
    name: str
    day: str
    working: bool
    country: str | None = None
    subdivision: str | None = None
    workdays: tuple[int, ...] = MON_FRI
    closed: tuple[str, ...] = ()
    reason_has: str | None = None


DAY_CASES = [
    DayCase("plain Monday", "2027-01-04", True),
    DayCase("Saturday", "2027-01-09", False, reason_has="Saturday"),
    DayCase("Sunday", "2027-01-10", False, reason_has="Sunday"),
    DayCase("Sunday is a workday Sun-Thu", "2027-01-10", True, workdays=SUN_THU),
    DayCase("Friday is off Sun-Thu", "2027-01-08", False, workdays=SUN_THU, reason_has="Friday"),
    DayCase("no country: New Year is a working day", "2027-01-01", True),
    # Germany: Women's Day is a holiday in Berlin only.
    DayCase("DE-BE New Year", "2027-01-01", False, "DE", "BE", reason_has="New Year"),
    DayCase("DE-BE Women's Day", "2027-03-08", False, "DE", "BE", reason_has="Women"),
    DayCase("DE without subdivision: Women's Day works", "2027-03-08", True, "DE"),
    DayCase("DE-BY: Women's Day works in Bavaria", "2027-03-08", True, "DE", "BY"),
    DayCase("DE-BY Epiphany", "2027-01-06", False, "DE", "BY"),
    DayCase("DE-BE Epiphany works", "2027-01-06", True, "DE", "BE"),
    DayCase("DE Christmas Eve works", "2026-12-24", True, "DE", "BE"),
    DayCase("DE Good Friday 2027", "2027-03-26", False, "DE", "BE"),
    # United States: Cesar Chavez Day is California only; observed days count.
    DayCase("US-CA Cesar Chavez Day", "2027-03-31", False, "US", "CA"),
    DayCase("US without CA: Cesar Chavez Day works", "2027-03-31", True, "US"),
    DayCase("US July 4th 2027 observed on Monday 5th", "2027-07-05", False, "US", "CA"),
    DayCase("US Juneteenth 2027 observed on Friday 18th", "2027-06-18", False, "US"),
    DayCase("US Thanksgiving 2027", "2027-11-25", False, "US", "CA"),
    DayCase("US New Year 2028 observed on Fri 2027-12-31", "2027-12-31", False, "US"),
    DayCase("US Christmas 2027 observed on Fri 24th", "2027-12-24", False, "US", "CA"),
    # United Kingdom.
    DayCase("GB Boxing Day 2027 observed Tue 28th", "2027-12-28", False, "GB"),
    DayCase("GB Early May bank holiday", "2027-05-03", False, "GB"),
    DayCase("GB Good Friday", "2027-03-26", False, "GB"),
    # France.
    DayCase("FR Bastille Day", "2027-07-14", False, "FR"),
    DayCase("FR Armistice Day", "2027-11-11", False, "FR"),
    DayCase("FR Good Friday works", "2027-03-26", True, "FR"),
    # Japan: a substitute holiday for a Sunday holiday.
    DayCase("JP Coming of Age Day", "2027-01-11", False, "JP"),
    DayCase("JP substitute holiday for the Sunday equinox", "2027-03-22", False, "JP"),
    DayCase("JP Greenery Day", "2027-05-04", False, "JP"),
    # Extra closed dates, also across the year boundary and on the leap day.
    DayCase("closed date", "2027-02-10", False, closed=("2027-02-10",), reason_has="closed"),
    DayCase("closed next year only", "2028-02-10", True, closed=("2027-02-10",)),
    DayCase("leap day is a Tuesday", "2028-02-29", True, "DE", "BE"),
    DayCase("leap day closed", "2028-02-29", False, closed=("2028-02-29",)),
    DayCase("New Year 2028 is a Saturday", "2028-01-01", False, "DE", reason_has="Saturday"),
    DayCase("2027-12-31 works in DE", "2027-12-31", True, "DE", "BE"),
]


@pytest.mark.parametrize("case", DAY_CASES, ids=lambda c: c.name)
def test_single_day(case: DayCase) -> None:
    calendar = WorkCalendar(case.workdays, case.country, case.subdivision, ds(*case.closed))
    day = d(case.day)
    assert calendar.is_working(day) is case.working
    reason = calendar.non_working_reason(day)
    assert (reason is None) is case.working
    if case.reason_has is not None:
        assert reason is not None and case.reason_has in reason


def test_holiday_reason_names_the_holiday() -> None:
    calendar = WorkCalendar(MON_FRI, "DE", "BE")
    reason = calendar.non_working_reason(d("2027-03-29"))
    assert reason is not None and "holiday" in reason and "Easter Monday" in reason


def test_holidays_of_later_years_are_known() -> None:
    """One calendar answers for any year (the holidays package fills years lazily)."""
    calendar = WorkCalendar(MON_FRI, "DE", "BE")
    assert not calendar.is_working(d("2026-12-25"))
    assert not calendar.is_working(d("2031-12-25"))
    assert calendar.is_working(d("2031-12-23"))


def test_working_days_counts_a_whole_quarter() -> None:
    """Q1 2027 in Berlin: 64 weekdays minus New Year, Women's Day, Good Friday, Easter Mon."""
    calendar = WorkCalendar(MON_FRI, "DE", "BE")
    days = calendar.working_days(d("2027-01-01"), d("2027-03-31"))
    assert len(days) == 64 - 4  # Easter Monday falls on 2027-03-29, still in Q1
    assert d("2027-03-29") not in days


@pytest.mark.parametrize(("country", "subdivision"), [("XX", None), ("DE", "XX"), ("ZZZ", None)])
def test_unknown_region_raises(country: str, subdivision: str | None) -> None:
    with pytest.raises(UnknownRegion):
        WorkCalendar(MON_FRI, country, subdivision)
