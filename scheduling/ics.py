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


_END = b"END:VCALENDAR\r\n"
# icalendar folds a line once it would reach 75 octets, so lines of 74 or fewer stay whole.
_FOLD_LIMIT = 75


def render_calendar_fast(
    name: str,
    events: Sequence[FeedEvent],
    *,
    timezone: str | None = None,
    prodid: str = DEFAULT_PRODID,
    refresh: timedelta = timedelta(hours=1),
) -> bytes:
    """The same bytes as `render_calendar`, with the events written directly.

    icalendar builds an object per property and folds each line a character at a time:
    6,000 events took 1.8 s. Only the calendar's few header lines go through it here;
    the events are formatted and folded by hand, exactly as icalendar would (the tests
    compare the two byte for byte). Arguments and errors as in `render_calendar`.
    """
    head = render_calendar(name, (), timezone=timezone, prodid=prodid, refresh=refresh)
    assert head.endswith(_END)
    ordered = sorted(events, key=lambda event: (event.day, event.uid))
    seen: set[str] = set()
    writer = _EventWriter()
    for event in ordered:
        if event.uid in seen:
            raise ValueError(f"events: duplicate uid {event.uid!r}")
        seen.add(event.uid)
        writer.write(event)
    return head[: -len(_END)] + "".join(writer.parts).encode("utf-8") + _END


class _EventWriter:
    """Writes VEVENTs as icalendar would, remembering the dates and stamps it formatted
    (a big feed has a few hundred days and few distinct update times).
    """

    def __init__(self) -> None:
        self.parts: list[str] = []
        self._dates: dict[date, str] = {}
        self._stamps: dict[datetime, str] = {}

    def _date(self, day: date) -> str:
        text = self._dates.get(day)
        if text is None:
            text = self._dates[day] = _ical_date(day)
        return text

    def write(self, event: FeedEvent) -> None:
        """One VEVENT, its properties in icalendar's order (canonical ones, then by name).

        Only the text lines can reach the fold limit; the date, stamp and number lines
        are at most 30 octets.
        """
        stamp = self._stamps.get(event.updated_at)
        if stamp is None:
            stamp = self._stamps[event.updated_at] = _ical_utc(event.updated_at)
        self.parts += (
            "BEGIN:VEVENT\r\n",
            _fold("SUMMARY:" + _escape(event.summary)),
            "\r\nDTSTART;VALUE=DATE:",
            self._date(event.day),
            "\r\nDTEND;VALUE=DATE:",
            self._date(event.day + timedelta(days=1)),
            "\r\nDTSTAMP:",
            stamp,
            "\r\n",
            _fold("UID:" + _escape(event.uid)),
            f"\r\nSEQUENCE:{event.sequence}\r\n",
            _fold("DESCRIPTION:" + _escape(event.description)),
            "\r\nLAST-MODIFIED:",
            stamp,
            "\r\nTRANSP:TRANSPARENT\r\n",
        )
        if event.url is not None:
            self.parts += (_fold("URL:" + event.url), "\r\n")
        self.parts.append("END:VEVENT\r\n")


def _escape(text: str) -> str:
    """A TEXT value as `_Text` writes it."""
    return (
        clean_text(text)
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\n", "\\n")
    )


def _ical_date(day: date) -> str:
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


def _ical_utc(moment: datetime) -> str:
    stamp = _utc_stamp(moment)
    return f"{_ical_date(stamp.date())}T{stamp.hour:02d}{stamp.minute:02d}{stamp.second:02d}Z"


def _fold(line: str) -> str:
    """RFC 5545 folding as icalendar does it (parser.string._foldline).

    A line folds before the character that would take it to 75 octets; a backslash or
    caret ending a piece moves to the next one, so no escape is split across a fold.
    """
    if line.isascii():
        return _fold_ascii(line)
    if len(line.encode("utf-8")) < _FOLD_LIMIT:
        return line
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for char in line:
        width = len(char.encode("utf-8"))
        if current and size + width >= _FOLD_LIMIT:
            if len(current) > 1 and current[-1] in "\\^":
                carried = current.pop()
                pieces.append("".join(current))
                current, size = [carried], len(carried.encode("utf-8"))
            else:
                pieces.append("".join(current))
                current, size = [], 0
        current.append(char)
        size += width
    if current:
        pieces.append("".join(current))
    return "\r\n ".join(pieces)


def _fold_ascii(line: str) -> str:
    """`_fold` for a line of one-octet characters: pieces of 74, cut by slicing."""
    width = _FOLD_LIMIT - 1
    if len(line) <= width:
        return line
    pieces = []
    start = 0
    while len(line) - start > width:
        end = start + width
        if line[end - 1] in "\\^":
            end -= 1
        pieces.append(line[start:end])
        start = end
    pieces.append(line[start:])
    return "\r\n ".join(pieces)


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
    return _uid(_uid_part(rotation), day, _uid_part(member, member=True))


def _uid_part(name: str, *, member: bool = False) -> str:
    part = quote(name, safe="")
    return part.replace("-", "%2D") if member else part


def _uid(rotation_part: str, day: date, member_part: str) -> str:
    return f"{rotation_part}-{_ical_date(day)}-{member_part}@{UID_DOMAIN}"


def plan_events(
    assignments: Iterable[DayEntry],
    names: Mapping[str, str],
    *,
    rotation: str,
    channel_url: str | None = None,
    revisions: Mapping[DayEntry, int] | None = None,
    updated_at: datetime,
    updated: Mapping[DayEntry, datetime] | None = None,
    member_only: str | None = None,
) -> list[FeedEvent]:
    """Turn queue days into feed events: one per (day, member), sorted by (day, uid).

    Args:
        assignments: the published or done days to show; duplicates count once.
        names: display name by member id; an id without a name shows as itself.
        rotation: the rotation's name, part of every UID.
        channel_url: the rotation's channel link, as URL and in the description.
        revisions: each assignment's revision (keyed by DayEntry), its SEQUENCE; 0 when absent.
        updated_at: when the feed's data last changed (timezone-aware).
        updated: each assignment's own last change (keyed by DayEntry), its DTSTAMP and
            LAST-MODIFIED; `updated_at` when absent.
        member_only: only this member's events (a person's feed); the others on their
            days are still named in the descriptions.
    """
    by_day: dict[date, set[str]] = defaultdict(set)
    for entry in assignments:
        by_day[entry.day].add(entry.member)

    def display(member: str) -> str:
        return names.get(member) or member

    if not rotation:
        raise ValueError("rotation: must not be empty")
    rotation_part = _uid_part(rotation)
    member_parts: dict[str, str] = {}
    revisions = revisions or {}
    updated = updated or {}
    channel_line = f"\nChannel: {channel_url}" if channel_url else ""
    events = []
    for day in sorted(by_day):
        # Sorted once per day: a big rotation has dozens of people on one day.
        listed = sorted(by_day[day], key=lambda m: (display(m), m))
        shown = [display(m) for m in listed]
        for index, member in enumerate(listed):
            if member_only is not None and member != member_only:
                continue
            others = shown[:index] + shown[index + 1 :]
            if others:
                text = "Also on the queue: " + ", ".join(others) + "."
            else:
                text = "Nobody else is on the queue this day."
            if not member:
                raise ValueError("member: must not be empty")
            if member not in member_parts:
                member_parts[member] = _uid_part(member, member=True)
            entry = DayEntry(day=day, member=member)
            events.append(
                FeedEvent(
                    uid=_uid(rotation_part, day, member_parts[member]),
                    day=day,
                    summary=f"Support queue: {shown[index]}",
                    description=text + channel_line,
                    sequence=revisions.get(entry, 0),
                    updated_at=updated.get(entry, updated_at),
                    url=channel_url or None,
                )
            )
    events.sort(key=lambda event: (event.day, event.uid))
    return events
