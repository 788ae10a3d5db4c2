"""Reminders that build empathy: when each one is due, and what it says.

Every reminder pairs the bug tickets waiting on the queue with "what's working well"
highlights from customers, so that nobody comes away with a negative-only picture of
the product. Pure: tickets, highlights, dates and settings in; due instants and text out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from scheduling.calendar import WorkCalendar

MAX_ITEM_CHARS = 280  # one ticket or highlight line; keeps a whole digest under 3,000
SEVERITY_RANK = {
    "critical": 0,
    "blocker": 0,
    "high": 1,
    "major": 1,
    "medium": 2,
    "normal": 2,
    "low": 3,
    "minor": 3,
}


class ReminderKind(StrEnum):
    """The kinds of reminder DM; the outbox keeps one row per (assignment, kind)."""

    PUBLISHED = "published"  # your days for the quarter, when a plan is published
    DAY_BEFORE = "day_before"  # the working day before, in the afternoon
    MORNING_OF = "morning_of"  # the morning of the day
    END_OF_DAY = "end_of_day"  # asks for one thing that hurt and one that works well
    ADMIN_PREVIEW = "admin_preview"  # the next quarter's plan, three weeks ahead


ESSENTIAL = frozenset({ReminderKind.PUBLISHED, ReminderKind.MORNING_OF, ReminderKind.ADMIN_PREVIEW})


@dataclass(frozen=True)
class ReminderTimes:
    """Local times of day for each person's reminders, and what they muted."""

    day_before: time = time(16, 0)
    morning_of: time = time(9, 0)
    end_of_day: time = time(17, 0)
    muted: frozenset[ReminderKind] = frozenset()

    def wants(self, kind: ReminderKind) -> bool:
        """Whether this kind is sent; essential kinds cannot be muted."""
        return kind in ESSENTIAL or kind not in self.muted


@dataclass(frozen=True)
class Ticket:
    """A bug ticket waiting on the queue."""

    id: str
    title: str
    created_at: datetime
    url: str | None = None
    area: str | None = None
    severity: str | None = None


@dataclass(frozen=True)
class Highlight:
    """Something customers say works well."""

    id: str
    text: str
    created_at: datetime
    url: str | None = None
    area: str | None = None


@dataclass(frozen=True)
class Digest:
    """What one reminder shows: tickets each with a highlight, and a note when short."""

    pairs: tuple[tuple[Ticket, Highlight | None], ...]
    extra_highlights: tuple[Highlight, ...] = ()
    note: str | None = None
    shown_highlights: frozenset[str] = field(default_factory=frozenset)


def local_instant(day: date, at: time, timezone: str) -> datetime:
    """`at` on `day` in `timezone`, as an aware UTC datetime.

    A local time that does not exist (the hour skipped when clocks go forward) resolves
    to the same wall-clock reading in the old offset, i.e. an hour later in real time;
    a repeated one (clocks go back) takes the first occurrence (fold=0).
    """
    return datetime.combine(day, at, tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def previous_working_day(day: date, calendar: WorkCalendar) -> date:
    """The last working day before `day` (at most a few weeks back)."""
    candidate = day - timedelta(days=1)
    for _ in range(60):
        if calendar.is_working(candidate):
            return candidate
        candidate -= timedelta(days=1)
    return day - timedelta(days=1)


def due_at(
    kind: ReminderKind, day: date, timezone: str, times: ReminderTimes, calendar: WorkCalendar
) -> datetime:
    """When a reminder about support day `day` is due, in UTC.

    Days are computed in the person's own timezone: "the working day before" is the
    rotation's previous working day, at the person's local afternoon time.
    """
    if kind is ReminderKind.DAY_BEFORE:
        return local_instant(previous_working_day(day, calendar), times.day_before, timezone)
    if kind is ReminderKind.MORNING_OF:
        return local_instant(day, times.morning_of, timezone)
    if kind is ReminderKind.END_OF_DAY:
        return local_instant(day, times.end_of_day, timezone)
    raise ValueError(f"{kind} is not tied to a support day")


def useful_until(kind: ReminderKind, day: date, timezone: str) -> datetime:
    """After this instant a missed reminder is dropped rather than sent late."""
    if kind is ReminderKind.DAY_BEFORE:
        return local_instant(day, time(0, 0), timezone)  # useless once the day has begun
    if kind is ReminderKind.MORNING_OF:
        return local_instant(day, time(12, 0), timezone)  # until noon of the day
    if kind is ReminderKind.END_OF_DAY:
        return local_instant(day + timedelta(days=1), time(12, 0), timezone)
    return local_instant(day, time(0, 0), timezone)  # published / preview: before the start


def _severity(ticket: Ticket) -> int:
    return SEVERITY_RANK.get((ticket.severity or "").lower(), len(SEVERITY_RANK))


def compose(
    tickets: Iterable[Ticket],
    highlights: Iterable[Highlight],
    *,
    preferred_areas: Iterable[str] = (),
    already_shown: Iterable[str] = (),
    limit: int = 3,
) -> Digest:
    """Choose up to `limit` tickets and pair each with a highlight.

    Args:
        tickets: open tickets; ordered by severity, then the person's preferred areas,
            then age (oldest first).
        highlights: candidates; for each ticket the same area first, then the most
            recent; never one in `already_shown`, never one twice in a digest.
        preferred_areas: product areas the person named in their settings.
        already_shown: ids of highlights this person has already been shown.
        limit: the most tickets to show.
    """
    preferred = {a.lower() for a in preferred_areas}
    shown = set(already_shown)
    chosen = sorted(
        tickets,
        key=lambda t: (_severity(t), (t.area or "").lower() not in preferred, t.created_at, t.id),
    )[: max(limit, 0)]
    fresh = sorted(
        (h for h in highlights if h.id not in shown),
        key=lambda h: (h.created_at, h.id),
        reverse=True,
    )
    if fresh and len(fresh) < len(chosen):
        chosen = chosen[: len(fresh)]  # never more bugs than highlights when there are any
    pairs: list[tuple[Ticket, Highlight | None]] = []
    used: set[str] = set()
    for ticket in chosen:
        area = (ticket.area or "").lower()
        match = next(
            (h for h in fresh if h.id not in used and (h.area or "").lower() == area and area), None
        )
        match = match or next((h for h in fresh if h.id not in used), None)
        if match is not None:
            used.add(match.id)
        pairs.append((ticket, match))
    extra: tuple[Highlight, ...] = ()
    note = None
    if not fresh:
        note = (
            'No new "what\'s working well" highlights yet. Ask the team to add one: '
            "`/queueday highlight <what a customer loved> #area`."
        )
    elif not chosen:
        extra = tuple(fresh[:limit])
        used |= {h.id for h in extra}
        note = "No bug tickets are waiting on the queue right now."
    return Digest(tuple(pairs), extra, note, frozenset(used))


def _clip(text: str, limit: int = MAX_ITEM_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def ticket_line(ticket: Ticket) -> str:
    """One line for a ticket: severity, area, title (linked when there is a URL)."""
    title = _clip(ticket.title)
    if ticket.url:
        title = f"<{ticket.url}|{title}>"
    tags = " ".join(
        f"[{tag}]" for tag in (ticket.severity, ticket.area and f"#{ticket.area}") if tag
    )
    return f"{tags} {title}".strip()


def highlight_line(highlight: Highlight) -> str:
    """One line for a highlight, linked when there is a URL."""
    text = _clip(highlight.text)
    area = f" [#{highlight.area}]" if highlight.area else ""
    return f"<{highlight.url}|{text}>{area}" if highlight.url else f"{text}{area}"


def digest_text(digest: Digest, heading: str) -> str:
    """The plain-text form of a digest (the notification fallback and the console view)."""
    lines = [heading]
    for ticket, highlight in digest.pairs:
        lines.append(f"• Bug: {ticket_line(ticket)}")
        if highlight is not None:
            lines.append(f"  Working well: {highlight_line(highlight)}")
    for highlight in digest.extra_highlights:
        lines.append(f"• Working well: {highlight_line(highlight)}")
    if digest.note:
        lines.append(digest.note)
    return "\n".join(lines)[:3000]
