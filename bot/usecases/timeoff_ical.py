"""Reading absences out of an iCalendar feed and finding whose they are.

Recurring absences (RRULE, EXDATE, moved occurrences) are expanded by
`recurring-ical-events`; every occurrence becomes its own absence, keyed by the event's
UID and, for a recurring one, the occurrence's start, so a sync can tell a moved or
deleted absence from a new one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import recurring_ical_events
from icalendar import Calendar
from icalendar.cal import Component

MAX_EVENTS = 50_000  # per feed and window; a bigger feed is refused as a whole


class FeedFormatError(ValueError):
    """The body is not an iCalendar feed QueueDay can read."""


@dataclass(frozen=True)
class Absence:
    """One occurrence of an absence, as days in the rotation's time zone (inclusive)."""

    key: str
    summary: str
    attendees: tuple[str, ...]  # e-mail addresses, lower case
    organizer: str | None
    first_day: date
    last_day: date
    # Reads as time away, not a meeting: what a personal calendar's event must be to
    # count (a rotation's feed holds absences only, so there every event counts).
    away: bool = True


# A timed event at least this long is a day away, whatever it is called.
AWAY_HOURS = 8
_AWAY_WORDS = ("out of office", "ooo", "vacation", "holiday", "pto", "leave", "sick", "off")


def _reads_as_away(event: Component, begin: date, end: object, summary: str) -> bool:
    """All day, marked out of office (Outlook's X-MICROSOFT-CDO-BUSYSTATUS:OOF), at
    least AWAY_HOURS long, or titled like an absence; never one shown as free."""
    if str(event.get("TRANSP", "")).upper() == "TRANSPARENT":
        return False
    if str(event.get("X-MICROSOFT-CDO-BUSYSTATUS", "")).upper() == "OOF":
        return True
    if not isinstance(begin, datetime):
        return True
    aware = isinstance(end, datetime) and (end.tzinfo is None) == (begin.tzinfo is None)
    if aware and end - begin >= timedelta(hours=AWAY_HOURS):  # type: ignore[operator]
        return True
    words = "".join(c if c.isalnum() else " " for c in summary.casefold()).split()
    text = " ".join(words)
    return any(f" {w} " in f" {text} " for w in _AWAY_WORDS)


def read_absences(body: bytes, *, zone: ZoneInfo, first: date, last: date) -> list[Absence]:
    """The feed's absences that touch [first, last], cancelled ones left out.

    A timed event counts for every local day it touches (a half-day out is still out
    for the queue); a floating time (no zone) is read in the rotation's zone.
    """
    try:
        calendar = Calendar.from_ical(body)
    except (ValueError, KeyError, IndexError, TypeError, UnicodeError):
        # The parser's message quotes the feed: none of its bytes go into an error.
        raise FeedFormatError("not an iCalendar feed") from None
    if not isinstance(calendar, Calendar) or calendar.name != "VCALENDAR":
        raise FeedFormatError("not an iCalendar feed (no VCALENDAR)")
    try:
        recurring = _recurring_uids(calendar)
        events = _occurrences(calendar, recurring, first, last)
        found: list[Absence] = []
        for event in events:
            if len(found) >= MAX_EVENTS:
                raise FeedFormatError(f"more than {MAX_EVENTS} absences in the window")
            absence = _absence(event, zone, recurring)
            if absence is not None and absence.last_day >= first and absence.first_day <= last:
                found.append(absence)
    except FeedFormatError:
        raise
    except (ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
        raise FeedFormatError(f"an event QueueDay cannot read ({type(exc).__name__})") from None
    return found


def _occurrences(
    calendar: Calendar, recurring: set[str], first: date, last: date
) -> Iterable[Component]:
    """Single events as they are; recurring ones expanded by the library.

    Only the recurring events (and the time zones) go through `recurring-ical-events`:
    expanding a 5,000-event HR feed of one-off absences doubled the parse time.
    """
    repeated = Calendar()
    for component in calendar.subcomponents:
        if component.name == "VTIMEZONE":
            repeated.add_component(component)
        elif component.name == "VEVENT":
            if str(component.get("UID", "")).strip() in recurring:
                repeated.add_component(component)
            else:
                yield component
    if any(c.name == "VEVENT" for c in repeated.subcomponents):
        yield from recurring_ical_events.of(repeated).between(first, last + timedelta(days=1))


def _recurring_uids(calendar: Calendar) -> set[str]:
    """UIDs of events with more than one occurrence (a rule, dates, or moved instances).

    The library stamps every occurrence with a RECURRENCE-ID, so the source decides.
    """
    seen: set[str] = set()
    recurring: set[str] = set()
    for event in calendar.walk("VEVENT"):
        uid = str(event.get("UID", "")).strip()
        if uid in seen or event.get("RRULE") or event.get("RDATE") or event.get("RECURRENCE-ID"):
            recurring.add(uid)
        seen.add(uid)
    return recurring


def _absence(event: Component, zone: ZoneInfo, recurring: set[str]) -> Absence | None:
    if str(event.get("STATUS", "")).upper() == "CANCELLED":
        return None
    begin = _value(event, "DTSTART")
    if not isinstance(begin, date):
        return None
    end = _value(event, "DTEND")
    duration = _value(event, "DURATION")
    if not isinstance(end, date) and isinstance(duration, timedelta):
        end = begin + duration
    first_day, last_day = _days(begin, end, zone)
    summary = str(event.get("SUMMARY", "")).strip()
    uid = str(event.get("UID", "")).strip()
    if not uid:  # no UID: the event's own content stands in for one
        uid = "sha1:" + hashlib.sha1(f"{summary}|{begin}".encode()).hexdigest()
    occurrence = _value(event, "RECURRENCE-ID")
    key = f"{uid}#{_stamp(occurrence if isinstance(occurrence, date) else begin)}"
    key = key if uid in recurring else uid
    return Absence(
        key=key,
        summary=summary,
        attendees=_emails(event, "ATTENDEE"),
        organizer=next(iter(_emails(event, "ORGANIZER")), None),
        first_day=first_day,
        last_day=last_day,
        away=_reads_as_away(event, begin, end, summary),
    )


def _value(event: Component, name: str) -> object:
    """A date, datetime or duration property's Python value (None when absent)."""
    prop = event.get(name)
    return getattr(prop, "dt", None)


def _days(begin: date, end: object, zone: ZoneInfo) -> tuple[date, date]:
    """The local days an event covers; DTEND is exclusive (RFC 5545 3.6.1)."""
    if not isinstance(begin, datetime):
        last = end - timedelta(days=1) if isinstance(end, date) else begin
        return begin, max(begin, last if not isinstance(last, datetime) else last.date())
    start = _local(begin, zone)
    if end is None or not isinstance(end, datetime):
        return start.date(), start.date()
    # The instant before the end: an event ending at local midnight ends the day before.
    stop = _local(end, zone) - timedelta(microseconds=1)
    return start.date(), max(start.date(), stop.date())


def _local(moment: datetime, zone: ZoneInfo) -> datetime:
    """A datetime in the rotation's zone (DST from zoneinfo); floating times are local."""
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)


def _stamp(moment: date) -> str:
    if isinstance(moment, datetime) and moment.tzinfo is not None:
        return moment.astimezone(ZoneInfo("UTC")).strftime("%Y%m%dT%H%M%SZ")
    return moment.isoformat()


def _emails(event: Component, name: str) -> tuple[str, ...]:
    found: list[str] = []
    values = event.get(name, [])
    if not isinstance(values, list):
        values = [values]
    for value in values:
        text = str(value).strip()
        if text.lower().startswith("mailto:"):
            text = text[7:]
        if "@" in text:
            found.append(text.lower())
    return tuple(found)


@dataclass(frozen=True)
class Person:
    """A member as the matcher sees them."""

    member_id: int
    name: str
    email: str | None


class Matcher:
    """Finds whose absence an event is: by attendee/organizer email, else by name.

    The name must open the SUMMARY and be followed by its end or a non-letter
    (BambooHR's `Ada Lovelace (Vacation)`, `Ada Lovelace - PTO`), after a leading
    `[type]` if any (Personio's `[Vacation] Ada Lovelace`); the longest such name wins,
    so `Ada Lovelace-Byron` is not taken for `Ada Lovelace`.
    """

    def __init__(self, people: Iterable[Person]) -> None:
        self._by_email: dict[str, list[int]] = {}
        self._names: dict[str, int] = {}  # the first member of each name
        for person in people:
            if person.email:
                self._by_email.setdefault(person.email.strip().lower(), []).append(person.member_id)
            name = " ".join(person.name.split()).casefold()
            if name:
                self._names.setdefault(name, person.member_id)

    def match(self, absence: Absence) -> tuple[int, ...]:
        """The members the absence belongs to (none when it matches nobody)."""
        # Attendees first: in a shared calendar the organizer is often whoever typed it in.
        organizer = (absence.organizer,) if absence.organizer else ()
        for group in (absence.attendees, organizer):
            found = sorted({m for e in group for m in self._by_email.get(e, [])})
            if found:
                return tuple(found)
        summary = " ".join(absence.summary.split()).casefold()
        if summary.startswith("[") and "]" in summary:  # Personio: "[Vacation] John Doe"
            summary = summary.split("]", 1)[1].strip()
        # Each place a name could end (the end, or before a non-letter), longest first:
        # one look-up each instead of comparing every member's name (500 members, 5,000
        # events: 2.5 million comparisons).
        for end in range(len(summary), 0, -1):
            if end < len(summary) and (summary[end].isalnum() or summary[end] in "-'"):
                continue
            member_id = self._names.get(summary[:end])
            if member_id is not None:
                return (member_id,)
        return ()
