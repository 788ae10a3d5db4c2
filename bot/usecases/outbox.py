"""The reminder outbox, kept in step with the days it is about.

A use case that places or releases a day calls `track(session, row)`; `unit_of_work`
calls `sync_tracked(session)` just before its commit, so a day's reminders are queued,
moved or cancelled in the same transaction as the day itself (a swap cancels the old
person's rows and queues the new person's, or neither happens). Rows not tied to a day
(a published quarter, an admin's preview, a weekly digest) have a `dedupe_key` instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.usecases.loading import work_calendar
from scheduling.calendar import WorkCalendar
from scheduling.reminders import (
    DAY_KINDS,
    MUTABLE,
    ReminderKind,
    ReminderTimes,
    due_at,
    parse_clock,
    useful_until,
)
from storage import queries, reminder_queries
from storage.models import (
    Assignment,
    AssignmentState,
    Member,
    OutboxState,
    ReminderOutbox,
    Rotation,
)

TRACKED = "queueday.tracked_assignments"
# How far ahead the worker's safety net looks for days without reminder rows.
RECONCILE_DAYS = 70


def track(session: Session, row: Assignment) -> None:
    """Note a day whose reminders must follow it when the transaction commits."""
    session.info.setdefault(TRACKED, []).append(row)


def forget_tracked(session: Session) -> None:
    """Drop what was tracked (the transaction rolled back)."""
    session.info.pop(TRACKED, None)


def sync_tracked(session: Session) -> None:
    """Queue, move or cancel the reminders of every day tracked in this transaction."""
    rows: list[Assignment] = session.info.pop(TRACKED, [])
    if not rows:
        return
    session.flush()
    unique = {id(row): row for row in rows}.values()
    now = max(row.updated_at for row in unique)
    sync_days(session, list(unique), now=now)
    # Today's people changed (a swap, a cover, time off): the channel's group and topic
    # follow at once, not the next morning.
    from bot.usecases.channel_queue import queue_updates

    queue_updates(session, list(unique), now=now)


def times_of(member: Member, rotation: Rotation) -> ReminderTimes:
    """A person's reminder settings over their rotation's defaults.

    The rotation's `reminder_time` is the default morning time and its
    `reminder_days_before` how many working days ahead "the day before" comes.
    """
    settings: dict[str, Any] = member.reminder_settings or {}
    defaults = ReminderTimes(days_before=rotation.reminder_days_before)
    try:
        defaults = ReminderTimes(
            morning_of=parse_clock(rotation.reminder_time),
            days_before=rotation.reminder_days_before,
        )
    except ValueError:
        pass
    times = defaults
    for kind in DAY_KINDS:
        text = settings.get(kind.value)
        if isinstance(text, str):
            try:
                times = times.moved(kind, parse_clock(text))
            except ValueError:
                continue
    known = {k.value for k in ReminderKind}
    muted = {ReminderKind(k) for k in settings.get("muted", []) if k in known}
    return ReminderTimes(
        day_before=times.day_before,
        morning_of=times.morning_of,
        end_of_day=times.end_of_day,
        muted=frozenset(muted & MUTABLE),
        days_before=times.days_before,
    )


def areas_of(member: Member) -> tuple[str, ...]:
    """The product areas a person asked to see first."""
    areas = (member.reminder_settings or {}).get("areas", [])
    return tuple(str(a) for a in areas if isinstance(a, str))


@dataclass(frozen=True)
class Planned:
    """When a day's reminder goes out, or why it does not."""

    due: datetime | None
    until: datetime | None
    reason: str | None = None  # set when the reminder is not sent


class Planner:
    """Plans day reminders, loading each rotation, calendar and member once."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._rotations: dict[int, Rotation] = {}
        self._calendars: dict[int, WorkCalendar] = {}
        self._members: dict[int, Member] = {}

    def rotation(self, rotation_id: int) -> Rotation:
        if rotation_id not in self._rotations:
            self._rotations[rotation_id] = queries.rotation_by_id(
                self.session, rotation_id=rotation_id
            )
        return self._rotations[rotation_id]

    def calendar(self, rotation: Rotation) -> WorkCalendar:
        assert rotation.id is not None
        if rotation.id not in self._calendars:
            self._calendars[rotation.id] = work_calendar(self.session, rotation)
        return self._calendars[rotation.id]

    def member(self, member_id: int) -> Member:
        if member_id not in self._members:
            member = self.session.get(Member, member_id)
            assert member is not None
            self._members[member_id] = member
        return self._members[member_id]

    def plan(self, day: Assignment, kind: ReminderKind, now: datetime) -> Planned:
        """The due instant in the person's own timezone (the rotation's if unknown)."""
        rotation = self.rotation(day.rotation_id)
        if not rotation.reminders_enabled:
            return Planned(None, None, reminder_queries.REMINDERS_OFF)
        member = self.member(day.member_id)
        times = times_of(member, rotation)
        if not times.wants(kind):
            return Planned(None, None, "muted")
        zone = member.timezone or rotation.timezone
        due = due_at(kind, day.day, zone, times, self.calendar(rotation))
        until = useful_until(kind, day.day, zone)
        if until <= now or until <= due:
            return Planned(due, until, "too late: no longer useful")
        return Planned(due, until)


def sync_days(session: Session, days: Sequence[Assignment], *, now: datetime) -> int:
    """Bring the day reminders of `days` in line with their state; returns rows queued.

    A published day gets one row per kind (cancelled with a reason when muted or too
    late, so nothing re-queues it by accident); a cancelled day's pending rows are
    cancelled; a done day keeps its end-of-day reminder. Sent rows are never touched.
    """
    planner = Planner(session)
    existing = reminder_queries.outbox_rows_of(
        session, assignment_ids=[d.id for d in days if d.id is not None]
    )
    queued = 0
    for day in days:
        assert day.id is not None
        for kind in DAY_KINDS:
            row = existing.get((day.id, kind.value))
            if day.state == AssignmentState.DONE:
                continue
            if day.state != AssignmentState.PUBLISHED:
                if row is not None and row.state == OutboxState.PENDING:
                    _cancel(session, row, f"the day is {day.state}")
                continue
            planned = planner.plan(day, kind, now)
            if row is not None and row.state in (OutboxState.SENT, OutboxState.FAILED):
                continue
            if row is None:
                if planned.due is None:
                    continue  # reminders off: the safety net queues them if switched on
                row = ReminderOutbox(
                    assignment_id=day.id,
                    rotation_id=day.rotation_id,
                    kind=kind.value,
                    due_at=planned.due,
                    created_at=now,
                )
            row.assignment_revision = day.revision
            row.user_id = planner.member(day.member_id).user_id
            if planned.due is not None:
                row.due_at = planned.due
            row.useful_until = planned.until
            if planned.reason is None:
                row.state, row.last_error = OutboxState.PENDING, None
                queued += 1
            else:
                row.state, row.last_error = OutboxState.CANCELLED, planned.reason
            session.add(row)
    return queued


def _cancel(session: Session, row: ReminderOutbox, reason: str) -> None:
    row.state, row.last_error = OutboxState.CANCELLED, reason
    session.add(row)


def queue_published(
    session: Session,
    *,
    rotation: Rotation,
    version: int,
    start: date,
    end: date,
    users: Iterable[str],
    now: datetime,
) -> int:
    """Queue "your days this quarter" DMs to `users` (those a publish changed)."""
    if not rotation.reminders_enabled:
        return 0
    assert rotation.id is not None
    wanted = sorted(set(users))
    keys = {user: f"published:{rotation.id}:{version}:{user}" for user in wanted}
    present = reminder_queries.dedupe_keys_present(session, keys=list(keys.values()))
    until = useful_until(ReminderKind.PUBLISHED, end, rotation.timezone)
    for user in wanted:
        if keys[user] in present:
            continue
        session.add(
            ReminderOutbox(
                rotation_id=rotation.id,
                user_id=user,
                dedupe_key=keys[user],
                kind=ReminderKind.PUBLISHED.value,
                due_at=now,
                useful_until=until,
                payload={"version": version, "start": start.isoformat(), "end": end.isoformat()},
                created_at=now,
            )
        )
    return len([u for u in wanted if keys[u] not in present])


def local_midnight(day: date, zone: str) -> datetime:
    """The instant `day` begins in `zone` (DST-safe: computed from the local date)."""
    return datetime.combine(day, time(0, 0), tzinfo=ZoneInfo(zone))


def week_window(week_start: date, zone: str) -> tuple[datetime, datetime]:
    """Monday 00:00 to the next Monday 00:00 local time, as instants."""
    return local_midnight(week_start, zone), local_midnight(week_start + timedelta(days=7), zone)
