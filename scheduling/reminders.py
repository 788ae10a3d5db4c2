"""Reminders that build empathy: when each one is due, and what it says.

Every reminder pairs the bug tickets waiting on the queue with "what's working well"
highlights from customers, so that nobody comes away with a negative-only picture of
the product. Pure: tickets, highlights, dates and settings in; due instants and text out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from scheduling.calendar import WorkCalendar

# One ticket or highlight as shown (bot.slack.views.reminders): a digest fits 3,000.
MAX_ITEM_CHARS = 280
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
    WEEKLY_DIGEST = "weekly_digest"  # the week's reflections, posted in the rotation's channel


ESSENTIAL = frozenset(
    {
        ReminderKind.PUBLISHED,
        ReminderKind.MORNING_OF,
        ReminderKind.ADMIN_PREVIEW,
        ReminderKind.WEEKLY_DIGEST,
    }
)
# The kinds tied to one support day (one outbox row per assignment and kind).
DAY_KINDS = (ReminderKind.DAY_BEFORE, ReminderKind.MORNING_OF, ReminderKind.END_OF_DAY)
# The kinds a person may mute or move: every other kind is essential.
MUTABLE = frozenset(DAY_KINDS) - ESSENTIAL
# Which local time of day each movable kind uses (the rest go out when they happen).
TIMED = DAY_KINDS
PREVIEW_LEAD = timedelta(days=21)  # admins see the next quarter's plan three weeks ahead
PREVIEW_AT = time(10, 0)
DIGEST_WEEKDAY = 4  # Friday
DIGEST_AT = time(16, 0)


@dataclass(frozen=True)
class ReminderTimes:
    """Local times of day for each person's reminders, and what they muted."""

    day_before: time = time(16, 0)
    morning_of: time = time(9, 0)
    end_of_day: time = time(17, 0)
    muted: frozenset[ReminderKind] = frozenset()
    # How many working days ahead the "day before" reminder comes; 0 turns it off.
    days_before: int = 1

    def wants(self, kind: ReminderKind) -> bool:
        """Whether this kind is sent; essential kinds cannot be muted."""
        if kind is ReminderKind.DAY_BEFORE and self.days_before <= 0:
            return False
        return kind in ESSENTIAL or kind not in self.muted

    def at(self, kind: ReminderKind) -> time:
        """The local time of day of a day-tied kind."""
        if kind is ReminderKind.DAY_BEFORE:
            return self.day_before
        if kind is ReminderKind.MORNING_OF:
            return self.morning_of
        if kind is ReminderKind.END_OF_DAY:
            return self.end_of_day
        raise ValueError(f"{kind} has no time of day")

    def moved(self, kind: ReminderKind, to: time) -> ReminderTimes:
        """These settings with `kind` at local time `to`."""
        if kind is ReminderKind.DAY_BEFORE:
            return replace(self, day_before=to)
        if kind is ReminderKind.MORNING_OF:
            return replace(self, morning_of=to)
        if kind is ReminderKind.END_OF_DAY:
            return replace(self, end_of_day=to)
        raise ValueError(f"{kind} has no time of day")

    def muting(self, kind: ReminderKind, mute: bool = True) -> ReminderTimes:
        """These settings with `kind` muted (or unmuted); essential kinds refuse."""
        if kind not in MUTABLE:
            raise ValueError(f"{kind} is essential and cannot be muted")
        muted = self.muted | {kind} if mute else self.muted - {kind}
        return replace(self, muted=frozenset(muted))


def parse_clock(text: str) -> time:
    """A 24-hour local time written `HH:MM` (`9:30` too); ValueError otherwise."""
    hours, sep, minutes = text.strip().partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        raise ValueError(f"{text!r} is not a time like 09:30")
    if not (0 <= int(hours) <= 23 and 0 <= int(minutes) <= 59) or len(hours) > 2:
        raise ValueError(f"{text!r} is not a time of day (00:00 to 23:59)")
    return time(int(hours), int(minutes))


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
    rotation's previous working day (`times.days_before` of them back), at the person's
    local afternoon time.
    """
    if kind is ReminderKind.DAY_BEFORE:
        before = day
        for _ in range(max(times.days_before, 1)):
            before = previous_working_day(before, calendar)
        return local_instant(before, times.day_before, timezone)
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
    if kind is ReminderKind.WEEKLY_DIGEST:
        # `day` is the digest's Friday: still worth posting on Monday morning, not later.
        return local_instant(day + timedelta(days=3), time(12, 0), timezone)
    # Published days (`day`: the period's last day) and previews (`day`: the quarter's
    # first day): useful until that day begins.
    return local_instant(day, time(0, 0), timezone)


def preview_due(quarter_start: date, timezone: str) -> datetime:
    """When admins get the next quarter's plan preview: three weeks ahead, mid-morning.

    Counted in calendar days in the rotation's timezone, so the preview comes at 10:00
    local time whatever the clocks did in between.
    """
    return local_instant(quarter_start - PREVIEW_LEAD, PREVIEW_AT, timezone)


def week_start(day: date) -> date:
    """The Monday of `day`'s week (ISO weeks: a week never straddles two Mondays)."""
    return day - timedelta(days=day.weekday())


def digest_due(day: date, timezone: str) -> datetime:
    """When the weekly digest of `day`'s week is posted: Friday afternoon, local time."""
    friday = week_start(day) + timedelta(days=DIGEST_WEEKDAY)
    return local_instant(friday, DIGEST_AT, timezone)


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
        none_waiting = (
            "No bug tickets are waiting on the queue right now, and no" if not chosen else "No"
        )
        note = (
            f'{none_waiting} new "what\'s working well" highlights yet. Ask the team to add '
            "one: `/queueday highlight <what a customer loved> #area`."
        )
    elif not chosen:
        extra = tuple(fresh[:limit])
        used |= {h.id for h in extra}
        note = "No bug tickets are waiting on the queue right now."
    return Digest(tuple(pairs), extra, note, frozenset(used))
