"""Calendar feeds: queue days rendered as a deterministic RFC 5545 (iCalendar) document.

Every queue day is an all-day event, so a feed means the same day in every time zone and
never moves across a DST change. The same input always gives the same bytes, so a feed
can be cached, compared and tested byte for byte.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import quote

from icalendar import Calendar, Event, vDuration, vText, vUri

from scheduling.model import DayEntry

DEFAULT_PRODID = "-//QueueDay//QueueDay//EN"
UID_DOMAIN = "queueday"

# RFC 5545 3.3.11: TEXT may hold no control characters other than HTAB (and line breaks,
# which are escaped). Anything else would break the content line, so it is dropped.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
_UNSAFE_URI = re.compile(r"[\x00-\x20\x7f]")


@dataclass(frozen=True)
class FeedEvent:
    """One all-day event of a feed: one person on the queue on one day."""

    uid: str
    day: date
    summary: str
    description: str
    sequence: int
    updated_at: datetime
    url: str | None = None

    def __post_init__(self) -> None:
        if not self.uid:
            raise ValueError("uid: must not be empty")
        if self.sequence < 0:
            raise ValueError(f"sequence: must be >= 0, got {self.sequence}")
        if self.updated_at.utcoffset() is None:
            raise ValueError("updated_at: must be timezone-aware")
        if self.url is not None and (not self.url or _UNSAFE_URI.search(self.url)):
            raise ValueError(f"url: not a URI: {self.url!r}")


class _Text(vText):
    """A TEXT value escaped exactly as RFC 5545 3.3.11 says.

    icalendar's own escaping reads a literal backslash-N as a line break; this keeps it.
    """

    def to_ical(self) -> bytes:
        text = str(self)
        escaped = (
            text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")
        )
        return escaped.encode("utf-8")


def clean_text(text: str) -> str:
    """The text as a feed carries it: line breaks as LF, other control characters gone."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _text(text: str) -> _Text:
    return _Text(clean_text(text))


def _utc_stamp(moment: datetime) -> datetime:
    # DTSTAMP and LAST-MODIFIED must be UTC ("...Z"); whole seconds keep the bytes stable.
    return moment.astimezone(UTC).replace(microsecond=0)


def render_calendar(
    name: str,
    events: Sequence[FeedEvent],
    *,
    timezone: str | None = None,
    prodid: str = DEFAULT_PRODID,
    refresh: timedelta = timedelta(hours=1),
) -> bytes:
    """Render a published feed of all-day events as iCalendar bytes (CRLF, folded lines).

    Args:
        name: the calendar's display name (NAME and X-WR-CALNAME).
        events: the events, in any order; they are written sorted by (day, uid).
        timezone: the team's IANA time zone, written as X-WR-TIMEZONE when given.
        prodid: the PRODID of the producing product.
        refresh: how often clients should poll (REFRESH-INTERVAL and X-PUBLISHED-TTL).

    Raises:
        ValueError: if two events share a UID or `refresh` is not positive.
    """
    if refresh <= timedelta(0):
        raise ValueError(f"refresh: must be positive, got {refresh}")
    ordered = sorted(events, key=lambda event: (event.day, event.uid))
    seen: set[str] = set()
    for event in ordered:
        if event.uid in seen:
            raise ValueError(f"events: duplicate uid {event.uid!r}")
        seen.add(event.uid)

    calendar = Calendar()
    calendar.add("VERSION", "2.0")
    calendar.add("PRODID", _text(prodid))
    calendar.add("CALSCALE", "GREGORIAN")
    calendar.add("METHOD", "PUBLISH")
    calendar.add("NAME", _text(name))
    calendar.add("X-WR-CALNAME", _text(name))
    if timezone is not None:
        calendar.add("X-WR-TIMEZONE", _text(timezone))
    # Passed with an explicit VALUE: icalendar's refresh_interval setter leaves it out,
    # and RFC 7986 requires VALUE=DURATION on REFRESH-INTERVAL.
    calendar.add("REFRESH-INTERVAL", vDuration(refresh), parameters={"VALUE": "DURATION"})
    calendar.add("X-PUBLISHED-TTL", vDuration(refresh))
    for event in ordered:
        calendar.add_component(_vevent(event))
    return bytes(calendar.to_ical())


def _vevent(event: FeedEvent) -> Event:
    stamp = _utc_stamp(event.updated_at)
    vevent = Event()
    vevent.add("UID", _text(event.uid))
    # All-day: a DATE start and the next day as the exclusive end, so the day is the same
    # calendar day in every time zone and never shifts across a DST change.
    vevent.add("DTSTART", event.day)
    vevent.add("DTEND", event.day + timedelta(days=1))
    vevent.add("TRANSP", "TRANSPARENT")
    vevent.add("SEQUENCE", event.sequence)
    vevent.add("DTSTAMP", stamp)
    vevent.add("LAST-MODIFIED", stamp)
    vevent.add("SUMMARY", _text(event.summary))
    vevent.add("DESCRIPTION", _text(event.description))
    if event.url is not None:
        vevent.add("URL", vUri(event.url))
    return vevent


def assignment_uid(rotation: str, day: date, member: str) -> str:
    """The stable UID of one person's queue day in one rotation.

    Both names are percent-encoded (and '-' in the member too), so distinct assignments
    never share a UID: read from the right, the member, the day and the rotation are
    unambiguous.
    """
    if not rotation:
        raise ValueError("rotation: must not be empty")
    if not member:
        raise ValueError("member: must not be empty")
    rotation_part = quote(rotation, safe="")
    member_part = quote(member, safe="").replace("-", "%2D")
    return f"{rotation_part}-{day:%Y%m%d}-{member_part}@{UID_DOMAIN}"


def plan_events(
    assignments: Iterable[DayEntry],
    names: Mapping[str, str],
    *,
    rotation: str,
    channel_url: str | None = None,
    revisions: Mapping[DayEntry, int] | None = None,
    updated_at: datetime,
) -> list[FeedEvent]:
    """Turn queue days into feed events: one per (day, member), sorted by (day, uid).

    Args:
        assignments: the published or done days to show; duplicates count once.
        names: display name by member id; an id without a name shows as itself.
        rotation: the rotation's name, part of every UID.
        channel_url: the rotation's channel link, as URL and in the description.
        revisions: each assignment's revision (keyed by DayEntry), its SEQUENCE; 0 when absent.
        updated_at: when the feed's data last changed (timezone-aware).
    """
    by_day: dict[date, set[str]] = defaultdict(set)
    for entry in assignments:
        by_day[entry.day].add(entry.member)

    def display(member: str) -> str:
        return names.get(member) or member

    events = []
    for day in sorted(by_day):
        members = by_day[day]
        for member in sorted(members):
            others = sorted((m for m in members if m != member), key=lambda m: (display(m), m))
            if others:
                lines = ["Also on the queue: " + ", ".join(display(m) for m in others) + "."]
            else:
                lines = ["Nobody else is on the queue this day."]
            if channel_url:
                lines.append(f"Channel: {channel_url}")
            entry = DayEntry(day=day, member=member)
            events.append(
                FeedEvent(
                    uid=assignment_uid(rotation, day, member),
                    day=day,
                    summary=f"Support queue: {display(member)}",
                    description="\n".join(lines),
                    sequence=(revisions or {}).get(entry, 0),
                    updated_at=updated_at,
                    url=channel_url or None,
                )
            )
    events.sort(key=lambda event: (event.day, event.uid))
    return events
