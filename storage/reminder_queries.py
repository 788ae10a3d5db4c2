"""Reads and small writes of the reminder outbox, notes and highlights shown; none commits.

Claiming is the one statement that matters for exactly-once delivery: due rows are
taken by a single `UPDATE ... RETURNING`, which on PostgreSQL picks its rows with
`FOR UPDATE SKIP LOCKED` (two workers never wait on, or take, each other's rows) and on
SQLite runs inside a BEGIN IMMEDIATE transaction (one writer at a time).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import bindparam, or_, true, update
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from storage.models import (
    Assignment,
    AssignmentState,
    Highlight,
    Member,
    OutboxState,
    ReminderOutbox,
    Rotation,
    ShownHighlight,
    Ticket,
    TicketState,
    Workspace,
)

# Why a day's reminder was cancelled when its rotation's reminders were switched off;
# switched on again, the safety net queues it anew.
REMINDERS_OFF = "reminders are off for this rotation"


@dataclass(frozen=True)
class Claimed:
    """A row this worker now holds until `claimed_until`; `attempts` counts this claim."""

    id: int
    kind: str
    attempts: int
    claimed_until: datetime
    slack_channel: str | None
    user_id: str | None = None
    rotation_id: int = 0
    assignment_id: int | None = None
    useful_until: datetime | None = None
    payload: dict[str, Any] | None = None
    created_at: datetime | None = None

    @property
    def target(self) -> str | None:
        """Who or where it goes: the person (a DM) or the channel."""
        return self.user_id or self.slack_channel


def claim_due(
    session: Session,
    *,
    due_by: datetime,
    wall: datetime,
    worker: str,
    lease_until: datetime,
    limit: int,
    user_id: str | None = None,
    team_id: str | None = None,
) -> list[Claimed]:
    """Take up to `limit` pending rows due by `due_by` whose lease (if any) ended by `wall`.

    `due_by` is the instant reminders are sent for (`remind --now` may name another);
    `wall` is the real current time, against which leases expire. With `user_id`, only
    that person's DMs and the channel posts (the demo console shows one person's). With
    `team_id`, only the rows of that workspace's rotations (OAuth mode: each workspace's
    rows go out with its own token).
    """
    table = ReminderOutbox.__table__  # type: ignore[attr-defined]
    of_team = (
        table.c.rotation_id.in_(
            sa_select(col(Rotation.id))
            .join(Workspace, col(Workspace.id) == col(Rotation.workspace_id))
            .where(col(Workspace.team_id) == team_id)
        )
        if team_id is not None
        else table.c.id.is_not(None)
    )
    due = (
        sa_select(table.c.id)
        .where(
            table.c.state == OutboxState.PENDING.value,
            table.c.due_at <= due_by,
            or_(table.c.claimed_until.is_(None), table.c.claimed_until < wall),
            or_(table.c.user_id == user_id, table.c.user_id.is_(None))
            if user_id is not None
            else table.c.id.is_not(None),
            of_team,
        )
        .order_by(table.c.due_at, table.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    statement = (
        update(table)
        .where(table.c.id.in_(due.scalar_subquery()))
        .values(claimed_by=worker, claimed_until=lease_until, attempts=table.c.attempts + 1)
        .returning(
            table.c.id,
            table.c.kind,
            table.c.attempts,
            table.c.claimed_until,
            table.c.slack_channel,
            table.c.user_id,
            table.c.rotation_id,
            table.c.assignment_id,
            table.c.useful_until,
            table.c.payload,
            table.c.created_at,
        )
    )
    rows = session.execute(statement).all()
    claimed = [
        Claimed(
            r[0],
            r[1],
            r[2],
            _utc(r[3]),
            r[4],
            r[5],
            r[6],
            r[7],
            _utc(r[8]) if r[8] is not None else None,
            r[9],
            _utc(r[10]) if r[10] is not None else None,
        )
        for r in rows
    ]
    return sorted(claimed, key=lambda c: c.id)


def _utc(value: datetime) -> datetime:
    """RETURNING bypasses the column type on SQLite: naive there means UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def extend_lease(session: Session, *, ids: Collection[int], worker: str, until: datetime) -> int:
    """Hold these rows longer (only those this worker still holds); returns how many."""
    if not ids:
        return 0
    table = ReminderOutbox.__table__  # type: ignore[attr-defined]
    result = session.execute(
        update(table)
        .where(
            table.c.id.in_(list(ids)),
            table.c.claimed_by == worker,
            table.c.state == OutboxState.PENDING.value,
        )
        .values(claimed_until=until)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


_OUTBOX = ReminderOutbox.__table__  # type: ignore[attr-defined]
# The two statements run for every reminder sent, built once (building a statement costs
# more than running it on SQLite).
_CLAIMED_ROW = (
    (_OUTBOX.c.id == bindparam("row_id"))
    & (_OUTBOX.c.claimed_by == bindparam("worker"))
    & (_OUTBOX.c.state == OutboxState.PENDING.value)
)
_SENT = (
    update(_OUTBOX)
    .where(_CLAIMED_ROW)
    .values(
        state=OutboxState.SENT.value,
        claimed_until=None,
        sent_at=bindparam("sent_at", type_=_OUTBOX.c.sent_at.type),
        slack_channel=bindparam("channel"),
        slack_ts=bindparam("ts"),
        last_error=None,
    )
)
_ENDED = (
    update(_OUTBOX)
    .where(_CLAIMED_ROW)
    .values(state=bindparam("state"), claimed_until=None, last_error=bindparam("error"))
)


def finish(
    session: Session,
    *,
    row_id: int,
    worker: str,
    state: OutboxState,
    now: datetime,
    channel: str | None = None,
    ts: str | None = None,
    error: str | None = None,
) -> bool:
    """Mark a claimed row sent, cancelled or failed; False if the claim was lost meanwhile."""
    if state == OutboxState.SENT:
        params = {"row_id": row_id, "worker": worker, "sent_at": now, "channel": channel, "ts": ts}
        result = session.execute(_SENT, params)
    else:
        params = {
            "row_id": row_id,
            "worker": worker,
            "state": state.value,
            "error": (error or "")[:500] or None,
        }
        result = session.execute(_ENDED, params)
    return int(result.rowcount) == 1  # type: ignore[attr-defined]


def release(
    session: Session,
    *,
    row_id: int,
    worker: str,
    retry_at: datetime,
    error: str,
    channel: str | None = None,
) -> None:
    """Give a claimed row back to be tried again from `retry_at`."""
    table = ReminderOutbox.__table__  # type: ignore[attr-defined]
    values: dict[str, object] = {"claimed_until": retry_at, "last_error": error[:500]}
    if channel is not None:
        values["slack_channel"] = channel
    session.execute(
        update(table)
        .where(
            table.c.id == row_id,
            table.c.claimed_by == worker,
            table.c.state == OutboxState.PENDING.value,
        )
        .values(**values)
    )


def remember_channel(session: Session, *, row_id: int, worker: str, channel: str) -> None:
    """Keep the conversation a claimed row goes to, before sending to it."""
    table = ReminderOutbox.__table__  # type: ignore[attr-defined]
    session.execute(
        update(table)
        .where(table.c.id == row_id, table.c.claimed_by == worker)
        .values(slack_channel=channel)
    )


def outbox_rows_of(
    session: Session, *, assignment_ids: Iterable[int]
) -> dict[tuple[int, str], ReminderOutbox]:
    """The outbox rows of these assignments, by (assignment id, kind)."""
    ids = list(assignment_ids)
    if not ids:
        return {}
    query = select(ReminderOutbox).where(col(ReminderOutbox.assignment_id).in_(ids))
    return {(r.assignment_id or 0, r.kind): r for r in session.exec(query)}


def outbox_row(session: Session, *, row_id: int) -> ReminderOutbox | None:
    return session.get(ReminderOutbox, row_id, populate_existing=True)


def dedupe_keys_present(session: Session, *, keys: Collection[str]) -> set[str]:
    """Which of these keys already have an outbox row."""
    if not keys:
        return set()
    query = select(ReminderOutbox.dedupe_key).where(col(ReminderOutbox.dedupe_key).in_(list(keys)))
    return {k for k in session.exec(query) if k is not None}


def pending_of_members(
    session: Session, *, member_ids: Collection[int], kinds: Collection[str] | None = None
) -> list[tuple[ReminderOutbox, Assignment]]:
    """Pending day reminders of these members' assignments (optionally of some kinds)."""
    if not member_ids:
        return []
    query = (
        select(ReminderOutbox, Assignment)
        .join(Assignment, col(Assignment.id) == ReminderOutbox.assignment_id)
        .where(
            col(Assignment.member_id).in_(list(member_ids)),
            ReminderOutbox.state == OutboxState.PENDING,
        )
    )
    if kinds is not None:
        query = query.where(col(ReminderOutbox.kind).in_(list(kinds)))
    return [(o, a) for o, a in session.exec(query)]


def live_assignments_without_rows(
    session: Session, *, first: date, last: date, kinds: Collection[str], limit: int = 5000
) -> list[Assignment]:
    """Published days in [first, last] missing an outbox row of one of `kinds`, or
    with one cancelled while the rotation's reminders were off.

    A safety net for days that reached the table without a use case (a restored
    backup, hand-made demo data) and for reminders switched back on: the worker queues
    their reminders.
    """
    missing = [
        sa_select(ReminderOutbox.id)  # type: ignore[call-overload]
        .where(
            ReminderOutbox.assignment_id == Assignment.id,
            ReminderOutbox.kind == kind,
            or_(
                col(ReminderOutbox.state) != OutboxState.CANCELLED.value,
                col(ReminderOutbox.last_error).is_(None),
                col(ReminderOutbox.last_error) != REMINDERS_OFF,
            ),
        )
        .exists()
        for kind in kinds
    ]
    query = (
        select(Assignment)
        .join(Rotation, col(Rotation.id) == Assignment.rotation_id)
        .where(
            col(Rotation.reminders_enabled).is_(True),
            Assignment.state == AssignmentState.PUBLISHED,
            Assignment.day >= first,
            Assignment.day <= last,
            or_(*[~m for m in missing]),
        )
        .order_by(col(Assignment.day), col(Assignment.id))
        .limit(limit)
    )
    return list(session.exec(query))


def members_with_user(session: Session, *, workspace_id: int, user_id: str) -> list[Member]:
    """Every member row of a Slack user in the workspace's rotations."""
    query = (
        select(Member)
        .join(Rotation, col(Rotation.id) == Member.rotation_id)
        .where(Rotation.workspace_id == workspace_id, Member.user_id == user_id)
        .order_by(col(Member.id))
    )
    return list(session.exec(query))


def rotations_with_channel(session: Session, *, workspace_id: int, channel: str) -> list[Rotation]:
    """The workspace's rotations whose channel is `channel`."""
    query = select(Rotation).where(
        Rotation.workspace_id == workspace_id, Rotation.channel == channel
    )
    return list(session.exec(query.order_by(col(Rotation.name))))


def members_missing_timezone(
    session: Session, *, due_before: datetime, limit: int = 50, team_id: str | None = None
) -> list[str]:
    """Slack users with pending DMs due before `due_before` whose timezone is unknown
    (only the workspace's, with `team_id`)."""
    query = (
        sa_select(Member.user_id)  # type: ignore[call-overload]
        .join(Assignment, col(Assignment.member_id) == Member.id)
        .join(ReminderOutbox, col(ReminderOutbox.assignment_id) == Assignment.id)
        .where(
            col(Member.timezone).is_(None),
            ReminderOutbox.state == OutboxState.PENDING,
            ReminderOutbox.due_at <= due_before,
        )
        .distinct()
        .limit(limit)
    )
    if team_id is not None:
        query = (
            query.join(Rotation, col(Rotation.id) == col(Member.rotation_id))
            .join(Workspace, col(Workspace.id) == col(Rotation.workspace_id))
            .where(col(Workspace.team_id) == team_id)
        )
    return [str(u) for u in session.execute(query).scalars()]


def open_tickets(session: Session, *, rotation_id: int) -> list[Ticket]:
    query = select(Ticket).where(
        Ticket.rotation_id == rotation_id, Ticket.state == TicketState.OPEN
    )
    return list(session.exec(query.order_by(col(Ticket.id))))


def highlights_of(
    session: Session, *, rotation_id: int, limit: int = 500, since: datetime | None = None
) -> list[Highlight]:
    """The rotation's most recent highlights (those added at or after `since`)."""
    query = (
        select(Highlight)
        .where(Highlight.rotation_id == rotation_id)
        .where(col(Highlight.created_at) >= since if since is not None else true())
        .order_by(col(Highlight.created_at).desc(), col(Highlight.id).desc())
        .limit(limit)
    )
    return list(session.exec(query))


def mark_shown(
    session: Session, *, user_id: str, highlight_ids: Collection[int], now: datetime
) -> None:
    """Remember that the person was shown these highlights (again is no error)."""
    if not highlight_ids:
        return
    table = ShownHighlight.__table__  # type: ignore[attr-defined]
    rows = [{"highlight_id": h, "user_id": user_id, "shown_at": now} for h in highlight_ids]
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(table).values(rows).on_conflict_do_nothing()
    session.execute(statement)


def shown_to(session: Session, *, user_id: str, highlight_ids: Collection[int]) -> set[int]:
    """Which of these highlights the person has been shown already."""
    if not highlight_ids:
        return set()
    query = select(ShownHighlight.highlight_id).where(
        ShownHighlight.user_id == user_id,
        col(ShownHighlight.highlight_id).in_(list(highlight_ids)),
    )
    return set(session.exec(query))


def ticket_by_external_id(
    session: Session, *, rotation_id: int, external_id: str, for_update: bool = False
) -> Ticket | None:
    query = select(Ticket).where(
        Ticket.rotation_id == rotation_id, Ticket.external_id == external_id
    )
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.exec(query).first()


def highlight_by_external_id(
    session: Session, *, rotation_id: int, external_id: str
) -> Highlight | None:
    query = select(Highlight).where(
        Highlight.rotation_id == rotation_id, Highlight.external_id == external_id
    )
    return session.exec(query).first()


def reflections_between(
    session: Session, *, rotation_id: int, start: datetime, end: datetime
) -> list[tuple[Ticket | None, Highlight | None]]:
    """End-of-day reflections recorded in [start, end): the hurt and the works-well of
    each, paired by their shared external id."""
    tickets = list(
        session.exec(
            select(Ticket).where(
                Ticket.rotation_id == rotation_id,
                Ticket.source == "reflection",
                Ticket.created_at >= start,
                Ticket.created_at < end,
            )
        )
    )
    highlights = list(
        session.exec(
            select(Highlight).where(
                Highlight.rotation_id == rotation_id,
                Highlight.source == "reflection",
                Highlight.created_at >= start,
                Highlight.created_at < end,
            )
        )
    )
    by_key: dict[str, tuple[Ticket | None, Highlight | None]] = {}
    for t in tickets:
        by_key[t.external_id or f"t{t.id}"] = (t, None)
    for h in highlights:
        key = h.external_id or f"h{h.id}"
        by_key[key] = (by_key.get(key, (None, None))[0], h)

    def when(pair: tuple[Ticket | None, Highlight | None]) -> datetime:
        first = pair[0] or pair[1]
        assert first is not None
        return first.created_at

    return sorted(by_key.values(), key=when)


def next_due(session: Session, *, user_id: str, after: datetime) -> datetime | None:
    """When the person's next pending reminder is due, after `after`."""
    query = (
        select(ReminderOutbox.due_at)
        .where(
            ReminderOutbox.user_id == user_id,
            ReminderOutbox.state == OutboxState.PENDING,
            ReminderOutbox.due_at > after,
        )
        .order_by(col(ReminderOutbox.due_at))
        .limit(1)
    )
    return session.exec(query).first()


def member_days(session: Session, *, member_id: int, first: date, last: date) -> list[date]:
    """One member's published days in [first, last], in order."""
    query = (
        select(col(Assignment.day))
        .where(
            Assignment.member_id == member_id,
            Assignment.state == AssignmentState.PUBLISHED,
            Assignment.day >= first,
            Assignment.day <= last,
        )
        .order_by(col(Assignment.day))
    )
    return list(session.exec(query))


_DAYS_OF_USER = (
    sa_select(Member.__table__.c.id, Assignment.__table__.c.day)  # type: ignore[attr-defined]
    .select_from(
        Member.__table__.outerjoin(  # type: ignore[attr-defined]
            Assignment.__table__,  # type: ignore[attr-defined]
            (col(Assignment.member_id) == Member.id)
            & (col(Assignment.state) == AssignmentState.PUBLISHED.value)
            & (col(Assignment.day) >= bindparam("first"))
            & (col(Assignment.day) <= bindparam("last")),
        )
    )
    .where(col(Member.rotation_id) == bindparam("rotation_id"))
    .where(col(Member.user_id) == bindparam("user_id"))
    .order_by(col(Assignment.day))
)


def days_of_user(
    session: Session, *, rotation_id: int, user_id: str, first: date, last: date
) -> list[date] | None:
    """A person's published days in [first, last]; None if they are not in the rotation."""
    params = {"rotation_id": rotation_id, "user_id": user_id, "first": first, "last": last}
    rows = session.execute(_DAYS_OF_USER, params).all()
    if not rows:
        return None
    return [day for _, day in rows if day is not None]
