"""Putting people on days and taking them off, and re-planning the days that opened up."""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from sqlmodel import Session

from bot.usecases import audit, outbox
from bot.usecases.errors import Conflict, InvalidInput
from bot.usecases.loading import planning_input
from scheduling.model import DayEntry
from scheduling.planner import make_plan
from storage import queries
from storage.models import (
    Assignment,
    AssignmentState,
    Member,
    Origin,
    RequestState,
    Rotation,
)


def place(
    session: Session,
    *,
    rotation: Rotation,
    member: Member,
    day: date,
    origin: Origin,
    now: datetime,
    state: AssignmentState = AssignmentState.PUBLISHED,
) -> Assignment:
    """Put a member on a day: a new row, or their cancelled row for that day revived.

    One row per member, rotation and day (a schema constraint), so a day someone loses
    and later gets back keeps its history in `revision`.
    """
    assert rotation.id is not None and member.id is not None
    row = queries.assignment_row(session, rotation_id=rotation.id, day=day, member_id=member.id)
    if row is None:
        row = Assignment(
            rotation_id=rotation.id,
            day=day,
            member_id=member.id,
            state=state,
            origin=origin,
            revision=1,
            created_at=now,
            updated_at=now,
        )
    elif row.state == AssignmentState.CANCELLED:
        row.state, row.origin, row.revision, row.updated_at = state, origin, row.revision + 1, now
    else:
        raise Conflict(f"<@{member.user_id}> is already on the queue on {day.isoformat()}.")
    session.add(row)
    outbox.track(session, row)  # its reminders are queued when the transaction commits
    return row


def release(session: Session, row: Assignment, *, now: datetime) -> None:
    """Take a member off a day; the row stays, cancelled."""
    row.state, row.revision, row.updated_at = AssignmentState.CANCELLED, row.revision + 1, now
    session.add(row)
    outbox.track(session, row)  # its pending reminders are cancelled at commit


def close_requests_touching(
    session: Session, assignment_ids: Iterable[int], *, actor: str, now: datetime
) -> int:
    """Cancel open swap and cover requests that give or take any of these days."""
    requests = queries.open_requests_touching(session, assignment_ids=assignment_ids)
    for request in requests:
        request.state, request.decided_at, request.decided_by = RequestState.CANCELLED, now, actor
        session.add(request)
    return len(requests)


def release_member_days(
    session: Session,
    rotation: Rotation,
    member: Member,
    *,
    first: date,
    last: date | None = None,
    actor: str,
    now: datetime,
) -> list[Assignment]:
    """Take a member off their published and planned days in [first, last] (open end if
    no `last`) and cancel the open requests touching them; the days released."""
    assert rotation.id is not None
    days = [
        a
        for a in queries.assignments_of(
            session,
            rotation_id=rotation.id,
            first=first,
            last=last,
            states=(AssignmentState.PUBLISHED, AssignmentState.PLANNED),
        )
        if a.member_id == member.id
    ]
    for assignment in days:
        release(session, assignment, now=now)
    close_requests_touching(session, [a.id for a in days if a.id is not None], actor=actor, now=now)
    return days


@dataclass(frozen=True)
class Published:
    """The days a rotation's plan versions published: disjoint periods by first day."""

    periods: tuple[tuple[date, date], ...]

    @property
    def end(self) -> date | None:
        """The last published day, None before the first publish."""
        return self.periods[-1][1] if self.periods else None

    def covers(self, day: date) -> bool:
        at = bisect.bisect_right(self.periods, (day, date.max)) - 1
        return at >= 0 and self.periods[at][0] <= day <= self.periods[at][1]


def published(session: Session, rotation: Rotation) -> Published:
    """The rotation's published periods, overlapping and adjacent ones merged."""
    assert rotation.id is not None
    merged: list[tuple[date, date]] = []
    for start, end in queries.published_periods(session, rotation_id=rotation.id):
        if merged and start <= merged[-1][1] + timedelta(days=1):
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return Published(tuple(merged))


def days_between(first: date, last: date) -> list[date]:
    """Every day from `first` to `last`, both included (none if `last` is earlier)."""
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


# How far past the published plan people may book ahead (time off, a last day).
BOOKING_REACH = relativedelta(years=1)


def booking_limit(session: Session, rotation: Rotation, today: date) -> tuple[date, str]:
    """The last day one may book: a year past the published plan (or past today, with
    nothing published ahead), and that reason in words.

    Bookings past it would do no work today (nothing is planned there yet), but an
    unbounded one (`away 9999-12-31`) would make every later re-plan reach that far.
    """
    end = published(session, rotation).end
    if end is None or end < today:
        return today + BOOKING_REACH, "a year from today"
    return end + BOOKING_REACH, "a year past the published plan"


def check_booking_limit(
    day: date, limit: tuple[date, str], what: str = "Time off can be booked"
) -> None:
    """Refuse a day past `limit` (from `booking_limit`), saying what the limit is."""
    last, why = limit
    if day > last:
        raise InvalidInput(f"{what} up to {last:%a} {last.day} {last:%b %Y} ({why}).")


def replan_days(
    session: Session,
    *,
    rotation: Rotation,
    days: Iterable[date],
    today: date,
    actor: str,
    now: datetime,
) -> list[DayEntry]:
    """Fill the open slots of `days` (from today on) and change nothing else.

    Only published days are re-planned: a day outside every published period stays
    unplanned for the next publish, so the planner never reaches past the published
    horizon, however far the days asked for go. Every other live day up to that horizon
    is handed to the planner as fixed, so only the opened slots are free; the planner
    picks who fills them by the same fairness rules as a full plan. Returns the entries
    added.
    """
    assert rotation.id is not None
    shown = published(session, rotation)
    wanted = {day for day in days if day >= today and shown.covers(day)}
    if not wanted:
        return []
    session.flush()
    ahead = queries.assignments_of(session, rotation_id=rotation.id, first=today, last=shown.end)
    if not ahead:
        return []
    horizon = max(max(row.day for row in ahead), max(wanted))
    members = {m.id: m for m in queries.members_of(session, rotation_id=rotation.id)}
    fixed = [DayEntry(row.day, members[row.member_id].user_id) for row in ahead]
    spec = planning_input(session, rotation, start=today, end=horizon, fixed=fixed)
    result = make_plan(spec)
    by_user = {m.user_id: m for m in members.values()}
    added = sorted(entry for entry in set(result.assignments) - set(fixed) if entry.day in wanted)
    for entry in added:
        row = place(
            session,
            rotation=rotation,
            member=by_user[entry.member],
            day=entry.day,
            origin=Origin.PLAN,
            now=now,
        )
        session.flush()
        audit.record(
            session,
            rotation=rotation,
            actor=actor,
            action="assignment.replanned",
            subject=f"assignment:{row.id}",
            after={"day": entry.day.isoformat(), "user": entry.member},
            now=now,
        )
    return added
