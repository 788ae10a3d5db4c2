"""The queue in the channel: the `@<rotation>-today` user group, the channel topic and the
morning handover post, driven through the reminder outbox.

Two outbox kinds carry it. `queue_morning` (one per rotation and local day, dedupe key
`queue_morning:<rotation>:<day>`) is queued at the rotation's morning time and does all
three; `queue_update` is queued by any change to today's or the next days' people (a
swap, a cover, time off: `outbox.sync_tracked` calls `queue_updates`) and does the group
and the topic only. The claim and lease of the outbox keep each row to one worker; what
was last set (group users, topic) is kept on the rotation, so a row run again after a
crash, or a second row for the same day, finds nothing to change and sends nothing.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlmodel import Session, col, select

from bot.usecases.access import check_now, local_today
from bot.usecases.delivery import HIGHLIGHT_MAX_AGE
from bot.usecases.errors import InvalidInput
from bot.usecases.loading import work_calendar
from scheduling import reminders as core
from scheduling.reminders import local_instant, parse_clock
from storage import queries, reminder_queries
from storage.db import write_transaction
from storage.models import (
    Assignment,
    OutboxState,
    ReminderOutbox,
    Role,
    Rotation,
    Workspace,
)

MORNING = "queue_morning"
UPDATE = "queue_update"
KINDS = frozenset({MORNING, UPDATE})
# Slack's user group handles: lower-case letters, digits, '.', '_' and '-'.
HANDLE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,79}$")
# Changes to days this far ahead can change the topic's "next:" part.
AHEAD_DAYS = 14
URGENT = 2  # the most urgent open tickets named in the morning post


def default_handle(rotation_name: str) -> str:
    return f"{rotation_name}-today"


def handle_of(rotation: Rotation) -> str:
    """The rotation's user group handle (without the @)."""
    return rotation.queue_handle or default_handle(rotation.name)


def check_handle(text: str) -> str:
    """A handle as typed (`@support-today` or `support-today`), or InvalidInput."""
    handle = text.strip().removeprefix("@").lower()
    if not HANDLE.match(handle):
        raise InvalidInput(
            "A user group handle is 1-80 lower-case letters, digits, '.', '_' or '-' "
            f"(like support-today); got {text.strip()[:90]!r}."
        )
    return handle


# --- what the channel should show --------------------------------------------------


@dataclass(frozen=True)
class Person:
    user: str
    name: str


@dataclass(frozen=True)
class Handover:
    """Yesterday's end-of-day reflection: what hurt and what works well."""

    user: str
    hurt: str | None
    works: str | None


@dataclass(frozen=True)
class QueueChannel:
    """What one rotation's channel should show on its local `day`."""

    rotation_id: int
    rotation: str
    team_id: str
    channel: str | None
    timezone: str
    day: date
    people: tuple[Person, ...]
    closed: str | None  # why nobody is on the queue ("a public holiday (…)"), if nobody is
    next_day: date | None
    next_people: tuple[Person, ...]
    handle: str
    group_on: bool
    topic_on: bool
    topic_overwrite: bool
    post_on: bool
    group_id: str | None
    # Everyone the group should hold: this rotation's people and those of every other
    # rotation of the workspace with the same handle, each on its own local today.
    group_users: tuple[str, ...]
    last_group_users: tuple[str, ...]
    topic_set: str | None
    notified: dict[str, Any]
    admins: tuple[str, ...]
    handovers: tuple[Handover, ...] = ()
    open_tickets: int = 0
    urgent: tuple[core.Ticket, ...] = ()
    highlight: core.Highlight | None = None


def _people(session: Session, rotation_id: int, day: date) -> tuple[Person, ...]:
    return tuple(
        Person(u, n) for u, n in queries.on_duty(session, rotation_id=rotation_id, day=day)
    )


def _sharing(session: Session, rotation: Rotation, handle: str) -> list[Rotation]:
    """The workspace's rotations with this handle (named, or the default of their name)."""
    same = col(Rotation.queue_handle) == handle
    if handle.endswith("-today"):
        default = col(Rotation.queue_handle).is_(None) & (
            col(Rotation.name) == handle.removesuffix("-today")
        )
        same = same | default
    query = select(Rotation).where(Rotation.workspace_id == rotation.workspace_id, same)
    return list(session.exec(query))


def channel_day(
    session: Session,
    *,
    rotation_id: int,
    as_of: datetime,
    with_post: bool = False,
    highlight_age: timedelta = HIGHLIGHT_MAX_AGE,
) -> QueueChannel:
    """What the rotation's channel should show at `as_of` (read only).

    The day is the rotation's local day at `as_of`: a rotation in New York changes at its
    own morning, hours after one in Berlin.
    """
    check_now(as_of)
    rotation = queries.rotation_by_id(session, rotation_id=rotation_id)
    workspace = session.get(Workspace, rotation.workspace_id)
    assert workspace is not None and rotation.id is not None
    today = local_today(rotation, as_of)
    calendar = work_calendar(session, rotation)
    people = _people(session, rotation.id, today)
    closed = None if people else (calendar.non_working_reason(today) or "nobody is on it")
    next_day = None
    for n in range(1, 60):  # the next working day (a long closure ends within weeks)
        if calendar.is_working(today + timedelta(days=n)):
            next_day = today + timedelta(days=n)
            break
    next_people = _people(session, rotation.id, next_day) if next_day else ()
    handle = handle_of(rotation)
    users = {p.user for p in people}
    for other in _sharing(session, rotation, handle):
        if other.id != rotation.id and other.queue_group:
            assert other.id is not None
            users |= {p.user for p in _people(session, other.id, local_today(other, as_of))}
    admins = tuple(
        m.user_id
        for m in queries.members_of(session, rotation_id=rotation.id)
        if m.role == Role.ADMIN and (m.left is None or m.left >= today)
    )
    result = QueueChannel(
        rotation_id=rotation.id,
        rotation=rotation.name,
        team_id=workspace.team_id,
        channel=rotation.channel,
        timezone=rotation.timezone,
        day=today,
        people=people,
        closed=closed,
        next_day=next_day,
        next_people=next_people,
        handle=handle,
        group_on=rotation.queue_group,
        topic_on=rotation.queue_topic,
        topic_overwrite=rotation.queue_topic_overwrite,
        post_on=rotation.queue_post,
        group_id=rotation.queue_group_id,
        group_users=tuple(sorted(users)),
        last_group_users=tuple((rotation.queue_group_users or "").split()),
        topic_set=rotation.queue_topic_set,
        notified=dict(rotation.queue_notified or {}),
        admins=admins,
    )
    if with_post:
        result = _with_post(session, rotation, result, calendar, highlight_age)
    session.rollback()
    return result


def _with_post(
    session: Session,
    rotation: Rotation,
    day: QueueChannel,
    calendar: Any,
    highlight_age: timedelta,
) -> QueueChannel:
    """The morning post's content: yesterday's handover, the open tickets, a highlight."""
    assert rotation.id is not None
    before = core.previous_working_day(day.day, calendar)
    # Reflections are written in the evening of the last working day (or later that
    # night): everything from its local midnight to this morning's.
    start = local_instant(before, time(0, 0), rotation.timezone)
    end = local_instant(day.day, time(0, 0), rotation.timezone)
    pairs = reminder_queries.reflections_between(
        session, rotation_id=rotation.id, start=start, end=end
    )
    handovers = tuple(
        Handover(
            (t or h).author,  # type: ignore[union-attr]
            t.text if t else None,
            h.text if h else None,
        )
        for t, h in pairs
    )
    tickets = [
        core.Ticket(
            str(t.id), t.text, t.created_at, url=t.url, area=t.product_area, severity=t.severity
        )
        for t in reminder_queries.open_tickets(session, rotation_id=rotation.id)
    ]
    # The highlight: one from the area of an urgent ticket if there is one, else the
    # newest; none older than the reminders' age limit (QUEUEDAY_HIGHLIGHT_MAX_AGE_DAYS).
    since = end - highlight_age
    recent = [
        core.Highlight(str(h.id), h.text, h.created_at, url=h.url, area=h.product_area)
        for h in reminder_queries.highlights_of(
            session, rotation_id=rotation.id, limit=50, since=since
        )
    ]
    digest = core.compose(tickets, recent, limit=URGENT)
    paired = [
        h
        for t, h in digest.pairs
        if h is not None and h.area and (t.area or "").lower() == h.area.lower()
    ]
    highlight = iter(paired[:1] or recent[:1])
    return QueueChannel(
        **{
            **day.__dict__,
            "handovers": handovers,
            "open_tickets": len(tickets),
            "urgent": tuple(t for t, _ in digest.pairs),
            "highlight": next(highlight, None),
        }
    )


# --- queueing ----------------------------------------------------------------------


def _morning_clock(rotation: Rotation) -> time:
    try:
        return parse_clock(rotation.reminder_time)
    except ValueError:
        return time(9, 0)


def _wanted(rotation: Rotation) -> bool:
    return bool(rotation.channel) and (
        rotation.queue_group or rotation.queue_topic or rotation.queue_post
    )


def morning_rows(rotations: Iterable[Rotation], *, now: datetime) -> list[ReminderOutbox]:
    """Today's morning row of each rotation whose local morning has come (not yet added).

    Due at the rotation's morning reminder time on its local day (a time skipped by a
    DST change resolves an hour later, see `local_instant`); useful until local midnight.
    """
    rows = []
    for rotation in rotations:
        if not _wanted(rotation):
            continue
        assert rotation.id is not None
        today = local_today(rotation, now)
        due = local_instant(today, _morning_clock(rotation), rotation.timezone)
        # The day ends at the next local midnight, 23 or 25 hours later on DST days.
        until = local_instant(today + timedelta(days=1), time(0, 0), rotation.timezone)
        if due <= now < until:
            rows.append(
                ReminderOutbox(
                    rotation_id=rotation.id,
                    dedupe_key=f"{MORNING}:{rotation.id}:{today.isoformat()}",
                    kind=MORNING,
                    due_at=due,
                    useful_until=until,
                    slack_channel=rotation.channel,
                    payload={"day": today.isoformat()},
                    created_at=now,
                )
            )
    return rows


def queue_mornings(session: Session, *, now: datetime) -> int:
    """Queue today's morning pass of every rotation due by `now`; returns rows queued.

    Idempotent: the dedupe key is per rotation and local day, so two workers (or a
    worker and `queueday remind --now`) queue it once; the loser's insert is refused.
    """
    from bot.usecases.transaction import unit_of_work

    check_now(now)
    with unit_of_work(session):
        rotations = list(session.exec(select(Rotation).order_by(col(Rotation.id))))
        rows = {r.dedupe_key: r for r in morning_rows(rotations, now=now)}
        present = reminder_queries.dedupe_keys_present(
            session, keys=[k for k in rows if k is not None]
        )
        added = [row for key, row in rows.items() if key not in present]
        session.add_all(added)
    return len(added)


def queue_updates(session: Session, days: Iterable[Assignment], *, now: datetime) -> int:
    """Queue an immediate group and topic update for the rotations whose today (or the
    next days) these changed days touch; inside the caller's transaction.

    One pending, unclaimed update per rotation is enough: it reads the people when it
    runs, so a second change before then needs no row of its own.
    """
    by_rotation: dict[int, list[date]] = {}
    for day in days:
        by_rotation.setdefault(day.rotation_id, []).append(day.day)
    queued = 0
    for rotation_id, changed in by_rotation.items():
        rotation = queries.rotation_by_id(session, rotation_id=rotation_id)
        if not rotation.channel or not (rotation.queue_group or rotation.queue_topic):
            continue
        today = local_today(rotation, now)
        if not any(today <= d <= today + timedelta(days=AHEAD_DAYS) for d in changed):
            continue
        waiting = session.exec(
            select(ReminderOutbox.id).where(
                ReminderOutbox.rotation_id == rotation_id,
                ReminderOutbox.kind == UPDATE,
                ReminderOutbox.state == OutboxState.PENDING,
                col(ReminderOutbox.claimed_until).is_(None),
            )
        ).first()
        if waiting is not None:
            continue
        session.add(
            ReminderOutbox(
                rotation_id=rotation_id,
                dedupe_key=f"{UPDATE}:{rotation_id}:{now.isoformat()}:{uuid.uuid4().hex[:8]}",
                kind=UPDATE,
                due_at=now,
                useful_until=local_instant(
                    today + timedelta(days=1), time(0, 0), rotation.timezone
                ),
                slack_channel=rotation.channel,
                payload={"day": today.isoformat()},
                created_at=now,
            )
        )
        queued += 1
    return queued


# --- what was done -----------------------------------------------------------------


def _write(session: Session, rotation_id: int, change: Any) -> Any:
    write_transaction(session)
    try:
        rotation = queries.rotation_by_id(session, rotation_id=rotation_id, for_update=True)
        result = change(rotation)
        session.add(rotation)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return result


def record_group(
    session: Session, *, rotation_id: int, group_id: str, users: Iterable[str] | None
) -> None:
    """The group's id, and the users QueueDay set it to (None: left as it was)."""

    def change(rotation: Rotation) -> None:
        rotation.queue_group_id = group_id
        if users is not None:
            rotation.queue_group_users = " ".join(users)

    _write(session, rotation_id, change)


def record_topic(session: Session, *, rotation_id: int, topic: str) -> None:
    """The topic text QueueDay last set (or found already set)."""

    def change(rotation: Rotation) -> None:
        rotation.queue_topic_set = topic

    _write(session, rotation_id, change)


def note_problem(session: Session, *, rotation_id: int, problem: str, day: date) -> bool:
    """Remember that admins were told about `problem`; False if they were already."""

    def change(rotation: Rotation) -> bool:
        notified = dict(rotation.queue_notified or {})
        if problem in notified:
            return False
        notified[problem] = day.isoformat()
        rotation.queue_notified = notified
        return True

    return bool(_write(session, rotation_id, change))


def clear_problems(session: Session, *, rotation_id: int, problems: Iterable[str]) -> None:
    """These parts work again: a later failure is worth telling admins about anew."""
    gone = set(problems)

    def change(rotation: Rotation) -> None:
        notified = dict(rotation.queue_notified or {})
        if gone & set(notified):
            rotation.queue_notified = {k: v for k, v in notified.items() if k not in gone}

    _write(session, rotation_id, change)
