"""Days and ranges as people type them: `2027-01-12`, `jan 12`, `next friday`, `jan 12..16`.

Everything is relative to `today`, which the caller computes in the rotation's timezone
(at 00:30 in Berlin "tomorrow" already means the day after the Berlin date).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TypeVar

from dateutil import parser as date_parser
from dateutil.relativedelta import FR, MO, SA, SU, TH, TU, WE, relativedelta, weekday

_T = TypeVar("_T")

# A day typed without a year means the next one, unless it was at most this long ago:
# on 2026-12-28 "jan 3" is 2027-01-03, while "dec 20" is last week, not next December.
RECENT_PAST = timedelta(days=30)

# How far from today a typed day may be. Nothing QueueDay plans or remembers is further
# away; the use cases hold tighter bounds of their own (time off: a year past the
# published plan), and this one keeps `9999-12-31` or `in 999 weeks` from reaching
# date arithmetic, holiday tables or a query at all.
REACH = relativedelta(years=5)

DATE_FORMS = "`2027-01-12`, `jan 12`, `12 jan 2027`, `today`, `tomorrow`, `friday`, `next friday`"
RANGE_FORMS = "`jan 12..jan 16`, `jan 12-jan 16`, `jan 12..16`, `2027-01-12..2027-01-16`"

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4})"
_MONTH_DAY = re.compile(rf"(?:{_MONTH} {_DAY}|{_DAY} {_MONTH})(?:,? {_YEAR})?")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_BARE_DAY = re.compile(_DAY)
_IN = re.compile(r"in (\d{1,3}) (day|week)s?")
_RANGE_WORD = re.compile(r"\s*(?:\.\.|–|—|\bto\b|\buntil\b|\bthrough\b)\s*")

_WEEKDAYS: dict[str, weekday] = {}
for _names, _day in (
    (("mon", "monday"), MO),
    (("tue", "tues", "tuesday"), TU),
    (("wed", "weds", "wednesday"), WE),
    (("thu", "thur", "thurs", "thursday"), TH),
    (("fri", "friday"), FR),
    (("sat", "saturday"), SA),
    (("sun", "sunday"), SU),
):
    for _name in _names:
        _WEEKDAYS[_name] = _day


class DateError(ValueError):
    """Text that is not a day or range; the message quotes it and shows the forms known."""


class ImpossibleDate(DateError):
    """Text shaped like a day or range that cannot be one: `feb 30`, an end before a start."""


class OutOfReach(ImpossibleDate):
    """A real day too far from today (more than REACH either way) to mean anything here."""


def within_reach(day: date, today: date, text: str) -> date:
    """The day, or OutOfReach when it is more than REACH before or after `today`."""
    earliest: date = today - REACH
    latest: date = today + REACH
    if not earliest <= day <= latest:
        raise OutOfReach(
            f"`{text.strip()}` is too far from today; "
            f"give a day from {earliest.isoformat()} to {latest.isoformat()}"
        )
    return day


@dataclass(frozen=True)
class DayRange:
    """Days from `start` to `end`, both inclusive."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def __str__(self) -> str:
        if self.start == self.end:
            return self.start.isoformat()
        return f"{self.start.isoformat()}..{self.end.isoformat()}"


def _normalize(text: str) -> str:
    return " ".join(text.lower().replace(",", ", ").split()).replace(" ,", ",")


def parse_day(text: str, today: date) -> date:
    """The day `text` names, relative to `today`.

    Args:
        text: `2027-01-12`, `jan 12`, `12 january 2027`, `today`, `tomorrow`,
            `yesterday`, `friday`/`this friday` (the coming one, today included),
            `next friday` (the Friday of next week), `last friday`, `in 3 days`.
        today: the current day in the rotation's timezone.

    Raises:
        DateError: the text names no day (or an impossible one, like `feb 30`, or one
            more than REACH away from today).
    """
    day = _day_or_none(_normalize(text), today, after=None)
    if day is None:
        raise DateError(f"`{text.strip()}` is not a date I know; try {DATE_FORMS}")
    return within_reach(day, today, text)


def _day_or_none(text: str, today: date, *, after: date | None) -> date | None:
    """The day, or None when the text has no date shape; `after` anchors a range's end."""
    if not text:
        return None
    if m := _ISO.fullmatch(text):
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            raise ImpossibleDate(f"`{text}` is not a real date") from None
    if m := _MONTH_DAY.fullmatch(text):
        return _month_day(text, explicit_year=m.group("year") is not None, today=today, after=after)
    relative = _relative(text, today)
    if relative is not None:
        return relative
    return _with_weekday(text, today, after=after)


def _with_weekday(text: str, today: date, *, after: date | None) -> date | None:
    """`tue 22 dec`, `friday, jan 8 2027`: a date after its weekday (as QueueDay shows
    days), which must be the date's weekday."""
    first, _, rest = text.partition(" ")
    name = first.rstrip(",")
    if name not in _WEEKDAYS or not rest:
        return None
    day = _day_or_none(rest.lstrip(", "), today, after=after)
    if day is not None and day.weekday() != _WEEKDAYS[name].weekday:
        raise ImpossibleDate(f"`{text}`: {day.isoformat()} is a {day:%A}")
    return day


def _month_day(text: str, *, explicit_year: bool, today: date, after: date | None) -> date:
    # Parse against a leap year so that "feb 29" without a year is a month and day.
    try:
        parsed: date = date_parser.parse(text, default=datetime(2000, 1, 1)).date()
    except (ValueError, OverflowError):
        raise ImpossibleDate(f"`{text}` is not a real date") from None
    if explicit_year:
        return parsed
    if after is not None:
        return _end_year(parsed, after)
    earliest = today - RECENT_PAST
    for year in range(earliest.year, earliest.year + 9):
        try:
            candidate = parsed.replace(year=year)
        except ValueError:  # Feb 29 outside a leap year
            continue
        if candidate >= earliest:
            return candidate
    raise DateError(f"`{text}` is not a date I can place")  # unreachable: a leap year is < 9 away


def _end_year(parsed: date, start: date) -> date:
    """A year-less range end: in the start's year, or the next when the range crosses
    the new year (`dec 28..jan 3`); `jan 16..jan 12` stays an end before its start."""
    year = start.year + 1 if parsed.month < start.month else start.year
    try:
        return parsed.replace(year=year)
    except ValueError:
        raise ImpossibleDate(f"{parsed:%b %d} is not a date in {year}") from None


def _relative(text: str, today: date) -> date | None:
    if text == "today":
        return today
    if text in ("tomorrow", "tmrw", "tmr"):
        return today + timedelta(days=1)
    if text == "yesterday":
        return today - timedelta(days=1)
    if m := _IN.fullmatch(text):
        n = int(m.group(1))
        return today + timedelta(days=n if m.group(2) == "day" else 7 * n)
    return _weekday(text.split(), today)


def _weekday(words: list[str], today: date) -> date | None:
    """`friday`, `this friday` (the coming one, today included), `next friday`, `last friday`."""
    found: date | None = None
    if len(words) == 1 and words[0] in _WEEKDAYS:
        found = today + relativedelta(weekday=_WEEKDAYS[words[0]](+1))
    elif len(words) == 2 and words[1] in _WEEKDAYS:
        wd = _WEEKDAYS[words[1]]
        if words[0] == "this":
            found = today + relativedelta(weekday=wd(+1))
        elif words[0] == "next":
            # "Next friday" is the Friday of next week (weeks start on Monday), so on a
            # Thursday it is eight days away, not tomorrow.
            next_monday: date = today + relativedelta(days=1, weekday=MO(+1))
            found = next_monday + relativedelta(weekday=wd(+1))
        elif words[0] == "last":
            found = today + relativedelta(days=-1, weekday=wd(-1))
    return found


def parse_range(text: str, today: date) -> DayRange:
    """The days `text` names: one day, or `A..B`, `A-B`, `A to B` (both ends inclusive).

    The end may leave out the month (`jan 12..16`) and a year-less end is the first
    such day on or after the start (`dec 28..jan 3` crosses the new year).

    Raises:
        DateError: either end is no day (or is more than REACH away from today), or
            the range ends before it starts.
    """
    norm = _normalize(text)
    for start_text, end_text in _splits(norm):
        start = _day_or_none(start_text, today, after=None)
        if start is None:
            continue
        end = _end_or_none(end_text, start, today)
        if end is None:
            continue
        if end < start:
            raise ImpossibleDate(
                f"`{text.strip()}` ends ({end.isoformat()}) before it starts ({start.isoformat()})"
            )
        return DayRange(within_reach(start, today, text), within_reach(end, today, text))
    single = _day_or_none(norm, today, after=None)
    if single is not None:
        return DayRange(within_reach(single, today, text), single)
    raise DateError(
        f"`{text.strip()}` is not a date or range I know; try {DATE_FORMS}, or a range: "
        f"{RANGE_FORMS}"
    )


def _splits(text: str) -> list[tuple[str, str]]:
    """Ways to cut `text` into two ends: at `..`/`to`, else at each `-` in turn."""
    m = _RANGE_WORD.search(text)
    if m:
        return [(text[: m.start()].strip(), text[m.end() :].strip())]
    return [
        (text[:i].strip(), text[i + 1 :].strip())
        for i, ch in enumerate(text)
        if ch == "-" and 0 < i < len(text) - 1
    ]


def _end_or_none(text: str, start: date, today: date) -> date | None:
    if _BARE_DAY.fullmatch(text):
        day = int(re.sub(r"\D", "", text))
        try:
            return start.replace(day=day)
        except ValueError:
            raise ImpossibleDate(f"`{text}` is not a day of {start:%B %Y}") from None
    return _day_or_none(text, today, after=start)


def take_range(words: list[str], today: date) -> tuple[DayRange, list[str]]:
    """The longest leading run of `words` that names a day or range, and the words after.

    `away jan 12 - jan 16 family trip` gives jan 12..jan 16 and `family trip`.

    Raises:
        DateError: no leading words name a day (the message quotes the first few).
    """
    return _take(words, today, parse_range, longest=9)


def take_day(words: list[str], today: date) -> tuple[date, list[str]]:
    """The longest leading run of `words` that names one day, and the words after."""
    return _take(words, today, parse_day, longest=5)


def _take(
    words: list[str], today: date, parse: Callable[[str, date], _T], *, longest: int
) -> tuple[_T, list[str]]:
    """Longest prefix first; an impossible longer prefix (`jan 16..jan 12 trip`) is the
    answer rather than a shorter one that happens to parse (`jan 16`)."""
    if not words:
        raise DateError(f"a date is missing; try {DATE_FORMS}")
    impossible: ImpossibleDate | None = None
    for n in range(min(len(words), longest), 0, -1):
        try:
            found = parse(" ".join(words[:n]), today)
        except ImpossibleDate as exc:
            impossible = impossible or exc
            continue
        except DateError:
            if n == 1:
                start = " ".join(words[:3]) + (" …" if len(words) > 3 else "")
                raise impossible or DateError(
                    f"`{start}` does not start with a date I know; try {DATE_FORMS}"
                ) from None
            continue
        if impossible is not None:
            raise impossible
        return found, words[n:]
    assert impossible is not None
    raise impossible
