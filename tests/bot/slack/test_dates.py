"""Days and ranges as typed in Slack, relative to a fixed `today` (no clock)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.slack.dates import DateError, DayRange, ImpossibleDate, parse_day, parse_range, take_range

MON = date(2026, 12, 28)  # a Monday, four days before the new year
THU = date(2027, 1, 7)
FRI = date(2027, 1, 8)
D = date


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        ("2027-01-12", MON, D(2027, 1, 12)),
        ("2027-1-5", MON, D(2027, 1, 5)),
        ("jan 12", THU, D(2027, 1, 12)),
        ("Jan 12", THU, D(2027, 1, 12)),
        ("january 12", THU, D(2027, 1, 12)),
        ("12 jan", THU, D(2027, 1, 12)),
        ("jan 12th", THU, D(2027, 1, 12)),
        ("jan 12, 2028", THU, D(2028, 1, 12)),
        ("12 january 2028", THU, D(2028, 1, 12)),
        ("sept 3", THU, D(2027, 9, 3)),
        # Year boundary: a year-less day is the next one...
        ("jan 3", MON, D(2027, 1, 3)),
        ("nov 1", MON, D(2027, 11, 1)),
        # ...unless it was at most 30 days ago (`who dec 20` asked after Christmas).
        ("dec 20", MON, D(2026, 12, 20)),
        ("dec 28", D(2027, 1, 5), D(2026, 12, 28)),
        ("nov 20", MON, D(2027, 11, 20)),
        ("feb 29", MON, D(2028, 2, 29)),
        ("today", MON, MON),
        ("tomorrow", MON, D(2026, 12, 29)),
        ("tomorrow", D(2026, 12, 31), D(2027, 1, 1)),
        ("yesterday", MON, D(2026, 12, 27)),
        ("in 3 days", MON, D(2026, 12, 31)),
        ("in 2 weeks", MON, D(2027, 1, 11)),
        # A weekday is the coming one, today included.
        ("friday", MON, D(2027, 1, 1)),
        ("fri", MON, D(2027, 1, 1)),
        ("friday", FRI, FRI),
        ("this friday", MON, D(2027, 1, 1)),
        ("monday", MON, MON),
        # "next friday" is the Friday of next week: on a Thursday, eight days away.
        ("next friday", MON, D(2027, 1, 8)),
        ("next friday", THU, D(2027, 1, 15)),
        ("next friday", FRI, D(2027, 1, 15)),
        ("next monday", MON, D(2027, 1, 4)),
        ("last friday", MON, D(2026, 12, 25)),
        ("last friday", FRI, D(2027, 1, 1)),
        ("  Next   FRIDAY ", MON, D(2027, 1, 8)),
    ],
)
def test_days(text: str, today: date, expected: date) -> None:
    assert parse_day(text, today) == expected


@pytest.mark.parametrize(
    ("text", "today", "start", "end"),
    [
        ("jan 12..jan 16", THU, D(2027, 1, 12), D(2027, 1, 16)),
        ("jan 12-jan 16", THU, D(2027, 1, 12), D(2027, 1, 16)),
        ("jan 12 - jan 16", THU, D(2027, 1, 12), D(2027, 1, 16)),
        ("jan 12 to jan 16", THU, D(2027, 1, 12), D(2027, 1, 16)),
        ("jan 12..16", THU, D(2027, 1, 12), D(2027, 1, 16)),
        ("jan 12-16", THU, D(2027, 1, 12), D(2027, 1, 16)),
        ("2027-01-12..2027-01-16", THU, D(2027, 1, 12), D(2027, 1, 16)),
        ("2027-01-12-2027-01-16", THU, D(2027, 1, 12), D(2027, 1, 16)),
        ("2027-01-12", THU, D(2027, 1, 12), D(2027, 1, 12)),
        ("jan 30..feb 2", THU, D(2027, 1, 30), D(2027, 2, 2)),
        # Crossing the new year: the end's year follows the start.
        ("dec 28..jan 3", MON, D(2026, 12, 28), D(2027, 1, 3)),
        ("dec 30 - jan 2", D(2026, 12, 1), D(2026, 12, 30), D(2027, 1, 2)),
        ("today..friday", MON, MON, D(2027, 1, 1)),
        ("tomorrow..next friday", MON, D(2026, 12, 29), D(2027, 1, 8)),
    ],
)
def test_ranges(text: str, today: date, start: date, end: date) -> None:
    assert parse_range(text, today) == DayRange(start, end)


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("feb 30", "`feb 30` is not a real date"),
        ("2027-13-01", "`2027-13-01` is not a real date"),
        ("jan 16..jan 12", "ends (2027-01-12) before it starts (2027-01-16)"),
        ("feb 12..30", "`30` is not a day of February 2027"),
        ("feb 20..feb 29", "Feb 29 is not a date in 2027"),
    ],
)
def test_impossible_dates_say_why(text: str, quoted: str) -> None:
    with pytest.raises(ImpossibleDate) as caught:
        parse_range(text, THU)
    assert quoted in str(caught.value)


@pytest.mark.parametrize("text", ["", "soon", "jan", "12", "13/01/2027", "next", "next week"])
def test_non_dates_show_the_forms_known(text: str) -> None:
    with pytest.raises(DateError) as caught:
        parse_range(text, THU)
    assert "jan 12" in str(caught.value) and "next friday" in str(caught.value)


@pytest.mark.parametrize(
    ("words", "days", "rest"),
    [
        ("jan 12..jan 16 family trip", DayRange(D(2027, 1, 12), D(2027, 1, 16)), "family trip"),
        ("jan 12 - jan 16 skiing", DayRange(D(2027, 1, 12), D(2027, 1, 16)), "skiing"),
        ("tomorrow dentist", DayRange(D(2027, 1, 8), D(2027, 1, 8)), "dentist"),
        ("next friday", DayRange(D(2027, 1, 15), D(2027, 1, 15)), ""),
        ("jan 12 2028 moving day", DayRange(D(2028, 1, 12), D(2028, 1, 12)), "moving day"),
    ],
)
def test_take_range_reads_the_leading_date(words: str, days: DayRange, rest: str) -> None:
    assert take_range(words.split(), THU) == (days, rest.split())


def test_take_range_reports_an_impossible_range_rather_than_a_shorter_date() -> None:
    # "jan 16" alone would parse; the person meant the (impossible) range.
    with pytest.raises(ImpossibleDate, match="before it starts"):
        take_range("jan 16..jan 12 trip".split(), THU)


def test_take_range_without_a_date_quotes_the_start() -> None:
    with pytest.raises(DateError, match="`soon-ish I think …` does not start with a date"):
        take_range("soon-ish I think so".split(), THU)


def test_day_range_prints_as_iso() -> None:
    assert str(DayRange(D(2027, 1, 12), D(2027, 1, 16))) == "2027-01-12..2027-01-16"
    assert DayRange(D(2027, 1, 12), D(2027, 1, 16)).days == 5


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tue 22 dec", date(2026, 12, 22)),  # as QueueDay shows days
        ("Tuesday, Dec 22", date(2026, 12, 22)),
        ("fri 8 jan 2027", date(2027, 1, 8)),
    ],
)
def test_a_date_may_start_with_its_weekday(text: str, expected: date) -> None:
    assert parse_day(text, date(2026, 11, 28)) == expected


def test_a_weekday_that_is_not_the_dates_says_so() -> None:
    with pytest.raises(ImpossibleDate, match="2026-12-22 is a Tuesday"):
        parse_day("wed 22 dec", date(2026, 11, 28))
