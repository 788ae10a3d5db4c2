"""Booking and cancelling time off; the days it takes away are re-planned."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session

from bot.usecases import audit
from bot.usecases.access import (
    check_now,
    find_member,
    is_admin,
    load_rotation,
    load_workspace,
    local_today,
    not_in_past,
    require_self_or_admin,
)
from bot.usecases.days import (
    booking_limit,
    check_booking_limit,
    close_requests_touching,
    days_between,
    published,
    release,
    release_member_days,
    replan_days,
)
from bot.usecases.errors import Conflict, InvalidInput, NotAllowed, NotFound
from bot.usecases.transaction import unit_of_work
from scheduling.model import DayEntry
from storage import queries
from storage.models import Assignment, AssignmentState, Member, Rotation, TimeOff

LONGEST_BOOKING_DAYS = 366


@dataclass(frozen=True)
class TimeOffResult:
    """A booking or cancellation and the days it moved."""

    id: int
    user: str
    first_day: date
    last_day: date
    released: tuple[date, ...]
    replacements: tuple[DayEntry, ...]
    rotation: str = ""


@dataclass
class Preloaded:
    """A locked rotation's time off and live days from today, read once for many
    bookings and cancellations in one transaction (a calendar sync), instead of twice
    a booking; `finish` cancels the open requests of every day released, at once."""

    time_off: dict[int, list[TimeOff]]  # member id -> their blocks
    live: dict[int, list[Assignment]]  # member id -> published and planned days
    published_end: date | None
    row: Rotation
    released: list[int] = field(default_factory=list)
    # Bookings whose audit waits for their block's id: (block, user, days released, actor).
    unaudited: list[tuple[TimeOff, str, list[date], str]] = field(default_factory=list)

    @classmethod
    def load(cls, session: Session, row: Rotation, today: date) -> Preloaded:
        assert row.id is not None
        time_off: dict[int, list[TimeOff]] = {}
        for block in queries.time_off_of(session, rotation_id=row.id):
            time_off.setdefault(block.member_id, []).append(block)
        live: dict[int, list[Assignment]] = {}
        states = (AssignmentState.PUBLISHED, AssignmentState.PLANNED)
        for day in queries.assignments_of(session, rotation_id=row.id, first=today, states=states):
            live.setdefault(day.member_id, []).append(day)
        return cls(time_off, live, published(session, row).end, row)

    def finish(self, session: Session, *, actor: str, now: datetime) -> None:
        """Save the blocks booked (one flush), audit them, and cancel the open requests
        of every day they released."""
        session.flush()
        for block, user, released, booked_by in self.unaudited:
            _audit_booking(session, self.row, block, user, released, booked_by, now)
        self.unaudited.clear()
        close_requests_touching(session, self.released, actor=actor, now=now)
        self.released.clear()


def book_time_off(
    session: Session,
    *,
    team_id: str,
    rotation: str,
    actor: str,
    now: datetime,
    user: str,
    first_day: date,
    last_day: date,
    note: str = "",
) -> TimeOffResult:
    """Book days away for oneself (or, for an admin, for anyone).

    The person's published days inside the range go to others, chosen by the planner
    with every other day kept; their fair share is unchanged (time off only rules days
    out), so the ledger pays the days back in a later plan.
    """
    check_now(now)
    with unit_of_work(session):
        row = load_rotation(session, team_id=team_id, name=rotation, for_update=True)
        require_self_or_admin(session, row, actor, user, "book time off for them")
        member = find_member(session, row, user)
        result = _book(
            session,
            row,
            member,
            actor=actor,
            now=now,
            first_day=first_day,
            last_day=last_day,
            note=note,
            limit=booking_limit(session, row, local_today(row, now)),
        )
    return result


def book_away(
    session: Session,
    *,
    team_id: str,
    actor: str,
    now: datetime,
    first_day: date,
    last_day: date,
    note: str = "",
    user: str | None = None,
) -> tuple[TimeOffResult, ...]:
    """Book time off for oneself in every rotation one is in, in one transaction.

    Time off belongs to the person, not to one queue: `/queueday away` frees their
    days everywhere. Rotations they have left before `first_day` are skipped. It may
    reach as far as the furthest of their rotations allows (`booking_limit`). With
    `user`, an admin books for that person in each of their rotations the actor is an
    admin of (the audit log keeps who acted for whom: actor and user).
    """
    check_now(now)
    person = user or actor
    with unit_of_work(session):
        workspace = load_workspace(session, team_id=team_id)
        assert workspace.id is not None
        found = queries.memberships_of_user(
            session, workspace_id=workspace.id, user_id=person, on_or_after=first_day
        )
        if person != actor and not found:
            raise NotFound(f"<@{person}> is not in any rotation, so there are no days to free.")
        if person != actor:
            found = [(r, m) for r, m in found if is_admin(session, r, actor)]
            if not found:
                raise NotAllowed(
                    f"Only an admin of one of <@{person}>'s rotations can book time off for them."
                )
        if not found:
            raise NotFound("You are not in any rotation, so there are no days to free.")
        limit = max(booking_limit(session, r, local_today(r, now)) for r, _ in found)
        results = []
        for rotation, _ in found:  # by name: every booking locks rotations in one order
            assert rotation.id is not None
            row = queries.rotation_by_id(session, rotation_id=rotation.id, for_update=True)
            member = find_member(session, row, person)
            results.append(
                _book(
                    session,
                    row,
                    member,
                    actor=actor,
                    now=now,
                    first_day=first_day,
                    last_day=last_day,
                    note=note,
                    limit=limit,
                )
            )
    return tuple(results)


def _book(
    session: Session,
    row: Rotation,
    member: Member,
    *,
    actor: str,
    now: datetime,
    first_day: date,
    last_day: date,
    note: str,
    limit: tuple[date, str],
    source: tuple[int, str] | None = None,
) -> TimeOffResult:
    """Book time off for a member of a locked rotation; their days in it go to others.

    `limit` is the last day that may be booked and why (days.booking_limit); `source`
    is the calendar feed and event the block comes from (timeoff_feeds), if any.
    """
    block, released = _book_block(
        session, row, member, actor=actor, now=now, first_day=first_day,
        last_day=last_day, note=note, limit=limit, source=source,
    )  # fmt: skip
    added = replan_days(
        session, rotation=row, days=released, today=local_today(row, now), actor=actor, now=now
    )
    assert block.id is not None
    return TimeOffResult(
        id=block.id,
        user=member.user_id,
        first_day=first_day,
        last_day=last_day,
        released=tuple(released),
        replacements=tuple(added),
        rotation=row.name,
    )


def _book_block(
    session: Session,
    row: Rotation,
    member: Member,
    *,
    actor: str,
    now: datetime,
    first_day: date,
    last_day: date,
    note: str,
    limit: tuple[date, str],
    source: tuple[int, str] | None = None,
    preloaded: Preloaded | None = None,
) -> tuple[TimeOff, list[date]]:
    """`_book` up to the re-plan: the block saved and audited, the member's days in it
    released; returns the block and those days, for the caller to re-plan (a calendar
    sync re-plans once for all the absences it books, reading the rotation once:
    `preloaded`, whose `finish` the caller then calls)."""
    user = member.user_id
    assert row.id is not None and member.id is not None
    today = local_today(row, now)
    not_in_past(first_day, today, "The first day")
    if last_day < first_day:
        raise InvalidInput(
            f"The last day {last_day.isoformat()} is before the first {first_day.isoformat()}."
        )
    check_booking_limit(last_day, limit)
    if (last_day - first_day).days >= LONGEST_BOOKING_DAYS:
        raise InvalidInput("Time off can be booked for at most a year at a time.")
    if member.left is not None and first_day > member.left:
        raise InvalidInput(f"<@{user}> left {row.name} on {member.left.isoformat()}.")
    known = (
        preloaded.time_off.setdefault(member.id, [])
        if preloaded is not None
        else queries.time_off_of(session, rotation_id=row.id, member_id=member.id)
    )
    for block in known:
        if block.first_day <= last_day and first_day <= block.last_day:
            raise Conflict(
                f"This overlaps time off already booked for <@{user}>: "
                f"{block.first_day.isoformat()} to {block.last_day.isoformat()}."
            )
    block = TimeOff(
        member_id=member.id,
        first_day=first_day,
        last_day=last_day,
        note=note.strip(),
        created_by=actor,
        created_at=now,
        feed_id=source[0] if source else None,
        feed_event=source[1] if source else None,
    )
    session.add(block)
    if preloaded is None:
        session.flush()
        affected = release_member_days(
            session, row, member, first=first_day, last=last_day, actor=actor, now=now
        )
        _audit_booking(session, row, block, user, [a.day for a in affected], actor, now)
        return block, [a.day for a in affected]
    known.append(block)
    affected = [
        a
        for a in preloaded.live.get(member.id, [])
        if first_day <= a.day <= last_day and a.state != AssignmentState.CANCELLED
    ]
    for assignment in affected:
        release(session, assignment, now=now)
    preloaded.released += [a.id for a in affected if a.id is not None]
    # Written once the blocks have their ids: one flush for every booking (`finish`).
    preloaded.unaudited.append((block, user, [a.day for a in affected], actor))
    return block, [a.day for a in affected]


def _audit_booking(
    session: Session,
    row: Rotation,
    block: TimeOff,
    user: str,
    released: list[date],
    actor: str,
    now: datetime,
) -> None:
    audit.record(
        session,
        rotation=row,
        actor=actor,
        action="time_off.book",
        subject=f"time_off:{block.id}",
        after={
            **(audit.snapshot(block) or {}),
            "user": user,
            "released": [day.isoformat() for day in released],
        },
        now=now,
    )


def cancel_time_off(
    session: Session,
    *,
    team_id: str,
    rotation: str,
    actor: str,
    now: datetime,
    time_off_id: int,
) -> TimeOffResult:
    """Cancel booked time off that has not ended yet.

    Days already handed to others stay with them; any day left short of people for lack
    of anyone available is filled again where the person is now free.
    """
    check_now(now)
    with unit_of_work(session):
        row = load_rotation(session, team_id=team_id, name=rotation, for_update=True)
        assert row.id is not None
        block = session.get(TimeOff, time_off_id)
        members = {m.id: m for m in queries.members_of(session, rotation_id=row.id)}
        if block is None or block.member_id not in members:
            raise NotFound(f"There is no time off #{time_off_id} in {row.name}.")
        member = members[block.member_id]
        result = _cancel(session, row, member, block, actor=actor, now=now)
    return result


def cancel_away(
    session: Session, *, team_id: str, actor: str, now: datetime, day: date
) -> tuple[TimeOffResult, ...]:
    """Cancel one's own time off that includes `day`, in every rotation it was booked in."""
    check_now(now)
    with unit_of_work(session):
        workspace = load_workspace(session, team_id=team_id)
        assert workspace.id is not None
        found = queries.time_off_of_user(
            session, workspace_id=workspace.id, user_id=actor, ending_on_or_after=day
        )
        blocks = [(name, b) for name, b in found if b.first_day <= day <= b.last_day]
        if not blocks:
            raise NotFound(f"You have no time off booked on {day.isoformat()}.")
        results = []
        for name, block in blocks:
            row = load_rotation(session, team_id=team_id, name=name, for_update=True)
            member = find_member(session, row, actor)
            results.append(_cancel(session, row, member, block, actor=actor, now=now))
    return tuple(results)


def _cancel(
    session: Session,
    row: Rotation,
    member: Member,
    block: TimeOff,
    *,
    actor: str,
    now: datetime,
) -> TimeOffResult:
    """Delete a member's time off in a locked rotation; days left short are re-planned."""
    days = _cancel_block(session, row, member, block, actor=actor, now=now)
    today = local_today(row, now)
    added = replan_days(session, rotation=row, days=days, today=today, actor=actor, now=now)
    assert block.id is not None
    return TimeOffResult(
        id=block.id,
        user=member.user_id,
        first_day=block.first_day,
        last_day=block.last_day,
        released=(),
        replacements=tuple(added),
        rotation=row.name,
    )


def _cancel_block(
    session: Session,
    row: Rotation,
    member: Member,
    block: TimeOff,
    *,
    actor: str,
    now: datetime,
    preloaded: Preloaded | None = None,
) -> list[date]:
    """`_cancel` up to the re-plan: the block audited and deleted; returns the days it
    covered that may now be short of people (from today, within the published plan)."""
    require_self_or_admin(session, row, actor, member.user_id, "cancel their time off")
    today = local_today(row, now)
    not_in_past(block.last_day, today, "That time off ended on")
    audit.record(
        session,
        rotation=row,
        actor=actor,
        action="time_off.cancel",
        subject=f"time_off:{block.id}",
        before={**(audit.snapshot(block) or {}), "user": member.user_id},
        now=now,
    )
    session.delete(block)
    session.flush()
    if preloaded is not None:
        preloaded.time_off[member.id or 0] = [
            b for b in preloaded.time_off.get(member.id or 0, []) if b is not block
        ]
    # Only published days can be short of people: time off booked before the bound
    # existed may reach year 9999, so the days are cut at the published horizon.
    end = published(session, row).end if preloaded is None else preloaded.published_end
    return (
        [] if end is None else days_between(max(block.first_day, today), min(block.last_day, end))
    )
