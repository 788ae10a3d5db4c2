"""Reads and small writes used by the use cases; none of them commits.

Every function takes the session first and everything else by keyword, so a call reads
like a sentence and an argument can't land in the wrong slot. `for_update=True` takes a
row lock on PostgreSQL (SQLite's BEGIN IMMEDIATE already serialises writers).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date
from typing import NamedTuple, TypeVar

from sqlalchemy import bindparam
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from storage.models import (
    Assignment,
    AssignmentState,
    ClosedDay,
    Member,
    PlanVersion,
    RequestState,
    Rotation,
    SwapRequest,
    TimeOff,
    Workspace,
)

# Days that count: on a published plan or already served.
_T = TypeVar("_T")

LIVE_STATES = (AssignmentState.PUBLISHED.value, AssignmentState.DONE.value)


def _locked(query: SelectOfScalar[_T]) -> SelectOfScalar[_T]:
    """FOR UPDATE, and the row re-read even if the session already holds it."""
    return query.with_for_update().execution_options(populate_existing=True)


def workspace_by_team(session: Session, *, team_id: str) -> Workspace | None:
    """The workspace of a Slack team id."""
    return session.exec(select(Workspace).where(Workspace.team_id == team_id)).first()


def lock_workspace(session: Session, *, workspace_id: int) -> None:
    """Hold the workspace row until commit: serialises the first creation of rows that
    a unique constraint cannot guard (a "current" row per owner, where NULLs differ)."""
    session.exec(_locked(select(Workspace).where(Workspace.id == workspace_id))).one()


def rotation_by_name(
    session: Session, *, workspace_id: int, name: str, for_update: bool = False
) -> Rotation | None:
    """A rotation of the workspace by name, optionally locked for the transaction."""
    query = select(Rotation).where(Rotation.workspace_id == workspace_id, Rotation.name == name)
    if for_update:
        query = _locked(query)
    return session.exec(query).first()


def rotation_by_id(session: Session, *, rotation_id: int, for_update: bool = False) -> Rotation:
    """A rotation by id (it must exist), optionally locked."""
    query = select(Rotation).where(Rotation.id == rotation_id)
    if for_update:
        query = _locked(query)
    return session.exec(query).one()


def rotations_of(session: Session, *, workspace_id: int) -> list[Rotation]:
    """The workspace's rotations by name."""
    query = select(Rotation).where(Rotation.workspace_id == workspace_id).order_by(Rotation.name)
    return list(session.exec(query))


def members_of(session: Session, *, rotation_id: int) -> list[Member]:
    """Everyone who was ever in the rotation, in the order they were added."""
    query = select(Member).where(Member.rotation_id == rotation_id).order_by(col(Member.id))
    return list(session.exec(query))


MemberFields = tuple[int, str, str, date | None, date | None, float]
_MEMBER_FIELDS = (
    col(Member.id),
    col(Member.user_id),
    col(Member.display_name),
    col(Member.joined),
    col(Member.left),
    col(Member.weight),
)


def member_fields_of(session: Session, *, rotation_id: int) -> list[MemberFields]:
    """(id, user id, display name, joined, left, weight) of everyone who was ever in the
    rotation, in the order they were added: what the planner needs, without building a
    thousand ORM rows."""
    query = sa_select(*_MEMBER_FIELDS).where(col(Member.rotation_id) == rotation_id)
    rows = session.execute(query.order_by(col(Member.id)))
    return [(i, user, name, joined, left, w) for i, user, name, joined, left, w in rows]


def time_off_spans_of(session: Session, *, rotation_id: int) -> list[tuple[int, date, date]]:
    """(member id, first day, last day) of the rotation's time off, by first day."""
    query = (
        select(col(TimeOff.member_id), col(TimeOff.first_day), col(TimeOff.last_day))
        .join(Member, col(Member.id) == TimeOff.member_id)
        .where(Member.rotation_id == rotation_id)
        .order_by(col(TimeOff.first_day), col(TimeOff.id))
    )
    return [(member_id, first, last) for member_id, first, last in session.exec(query)]


def member_by_user(session: Session, *, rotation_id: int, user_id: str) -> Member | None:
    """The member row of a Slack user in one rotation."""
    query = select(Member).where(Member.rotation_id == rotation_id, Member.user_id == user_id)
    return session.exec(query).first()


def time_off_of(
    session: Session, *, rotation_id: int, member_id: int | None = None
) -> list[TimeOff]:
    """Time off of the rotation's members (or one member), by first day."""
    query = (
        select(TimeOff)
        .join(Member, col(Member.id) == TimeOff.member_id)
        .where(Member.rotation_id == rotation_id)
        .order_by(col(TimeOff.first_day), col(TimeOff.id))
    )
    if member_id is not None:
        query = query.where(TimeOff.member_id == member_id)
    return list(session.exec(query))


def closed_days_of(session: Session, *, rotation_id: int) -> list[ClosedDay]:
    """The rotation's extra closed days, in order."""
    return list(session.exec(_CLOSED_DAYS, params={"rotation_id": rotation_id}))


def assignments_of(
    session: Session,
    *,
    rotation_id: int,
    first: date | None = None,
    last: date | None = None,
    states: Collection[str] = LIVE_STATES,
    for_update: bool = False,
) -> list[Assignment]:
    """Assignment rows in [first, last] (open ends allowed) in the given states."""
    query = select(Assignment).where(
        Assignment.rotation_id == rotation_id, col(Assignment.state).in_(list(states))
    )
    if first is not None:
        query = query.where(Assignment.day >= first)
    if last is not None:
        query = query.where(Assignment.day <= last)
    query = query.order_by(col(Assignment.day), col(Assignment.member_id))
    if for_update:
        query = _locked(query)
    return list(session.exec(query))


def live_entries(
    session: Session, *, rotation_id: int, first: date | None = None, last: date | None = None
) -> list[tuple[date, str]]:
    """(day, user id) of the published and done days in [first, last], by day.

    Two columns instead of whole rows: the ledger reads years of history at once.
    """
    query = (
        select(col(Assignment.day), col(Member.user_id))
        .join(Member, col(Member.id) == Assignment.member_id)
        .where(Assignment.rotation_id == rotation_id, col(Assignment.state).in_(LIVE_STATES))
    )
    if first is not None:
        query = query.where(Assignment.day >= first)
    if last is not None:
        query = query.where(Assignment.day <= last)
    return [(day, user) for day, user in session.exec(query.order_by(col(Assignment.day)))]


def assignment_row(
    session: Session, *, rotation_id: int, day: date, member_id: int
) -> Assignment | None:
    """The row for one member on one day, whatever its state."""
    query = select(Assignment).where(
        Assignment.rotation_id == rotation_id,
        Assignment.day == day,
        Assignment.member_id == member_id,
    )
    return session.exec(query).first()


def assignment_by_id(
    session: Session, *, assignment_id: int, for_update: bool = False
) -> Assignment | None:
    """One assignment row, optionally locked."""
    query = select(Assignment).where(Assignment.id == assignment_id)
    if for_update:
        query = _locked(query)
    return session.exec(query).first()


def next_days_of_user(
    session: Session, *, workspace_id: int, user_id: str, today: date, limit: int = 10
) -> list[tuple[date, str, str]]:
    """ "My next days": (day, rotation name, state) from `today` on, across rotations."""
    query = (
        select(col(Assignment.day), col(Rotation.name), col(Assignment.state))
        .join(Member, col(Member.id) == Assignment.member_id)
        .join(Rotation, col(Rotation.id) == Assignment.rotation_id)
        .where(
            Member.user_id == user_id,
            Rotation.workspace_id == workspace_id,
            Assignment.day >= today,
            col(Assignment.state).in_(LIVE_STATES),
        )
        .order_by(col(Assignment.day), col(Rotation.name))
        .limit(limit)
    )
    return [(day, name, state) for day, name, state in session.exec(query)]


def on_duty(session: Session, *, rotation_id: int, day: date) -> list[tuple[str, str]]:
    """ "Who is on today": (user id, display name) of the rotation's people on `day`."""
    rows = session.exec(_ON_DUTY, params={"rotation_id": rotation_id, "day": day})
    return [(user, name) for user, name in rows]


def swap_request_by_id(
    session: Session, *, request_id: int, for_update: bool = False
) -> SwapRequest | None:
    """One swap or cover request, optionally locked."""
    query = select(SwapRequest).where(SwapRequest.id == request_id)
    if for_update:
        query = _locked(query)
    return session.exec(query).first()


def open_requests_touching(
    session: Session, *, assignment_ids: Iterable[int], for_update: bool = False
) -> list[SwapRequest]:
    """Open requests that give or take any of these assignments."""
    ids = list(assignment_ids)
    if not ids:
        return []
    query = select(SwapRequest).where(
        SwapRequest.state == RequestState.OPEN,
        col(SwapRequest.assignment_id).in_(ids)
        | col(SwapRequest.counterpart_assignment_id).in_(ids)
        | col(SwapRequest.second_assignment_id).in_(ids)
        | col(SwapRequest.counterpart_second_assignment_id).in_(ids),
    )
    if for_update:
        query = _locked(query)
    return list(session.exec(query.order_by(col(SwapRequest.id))))


def latest_plan_version(session: Session, *, rotation_id: int) -> PlanVersion | None:
    """The rotation's most recent published plan version."""
    query = (
        select(PlanVersion)
        .where(PlanVersion.rotation_id == rotation_id)
        .order_by(col(PlanVersion.version).desc())
        .limit(1)
    )
    return session.exec(query).first()


def plan_versions_covering(session: Session, *, rotation_id: int, day: date) -> list[PlanVersion]:
    """Published versions whose period contains `day`, newest first."""
    query = (
        select(PlanVersion)
        .where(
            PlanVersion.rotation_id == rotation_id,
            PlanVersion.period_start <= day,
            PlanVersion.period_end >= day,
        )
        .order_by(col(PlanVersion.version).desc())
    )
    return list(session.exec(query))


def published_periods(session: Session, *, rotation_id: int) -> list[tuple[date, date]]:
    """The (first, last) day of each distinct period a plan version published, by first
    day; periods published again or overlapping others are not merged here."""
    query = (
        select(col(PlanVersion.period_start), col(PlanVersion.period_end))
        .where(PlanVersion.rotation_id == rotation_id)
        .distinct()
        .order_by(col(PlanVersion.period_start), col(PlanVersion.period_end))
    )
    return [(start, end) for start, end in session.exec(query)]


def rotation_by_channel(session: Session, *, workspace_id: int, channel: str) -> Rotation | None:
    """The rotation whose channel this is (the first by name if several share it)."""
    query = (
        select(Rotation)
        .where(Rotation.workspace_id == workspace_id, Rotation.channel == channel)
        .order_by(Rotation.name)
    )
    return session.exec(query).first()


def memberships_of_user(
    session: Session, *, workspace_id: int, user_id: str, on_or_after: date | None = None
) -> list[tuple[Rotation, Member]]:
    """The rotations a Slack user is in, by name, with their member row.

    With `on_or_after`, only memberships that have not ended before that day.
    """
    query = (
        select(Rotation, Member)
        .join(Member, col(Member.rotation_id) == Rotation.id)
        .where(Rotation.workspace_id == workspace_id, Member.user_id == user_id)
        .order_by(col(Rotation.name))
    )
    if on_or_after is not None:
        query = query.where(col(Member.left).is_(None) | (col(Member.left) >= on_or_after))
    return [(rotation, member) for rotation, member in session.exec(query)]


def live_days_with_names(
    session: Session, *, rotation_id: int, first: date, last: date
) -> list[tuple[date, str, str]]:
    """(day, user id, display name) of the published and done days in [first, last]."""
    query = (
        select(col(Assignment.day), col(Member.user_id), col(Member.display_name))
        .join(Member, col(Member.id) == Assignment.member_id)
        .where(
            Assignment.rotation_id == rotation_id,
            col(Assignment.state).in_(LIVE_STATES),
            Assignment.day >= first,
            Assignment.day <= last,
        )
        .order_by(col(Assignment.day), col(Member.display_name))
    )
    return [(day, user, name) for day, user, name in session.exec(query)]


def time_off_of_user(
    session: Session, *, workspace_id: int, user_id: str, ending_on_or_after: date
) -> list[tuple[str, TimeOff]]:
    """(rotation name, time off) of one Slack user across the workspace, by first day."""
    query = (
        select(col(Rotation.name), TimeOff)
        .join(Member, col(Member.id) == TimeOff.member_id)
        .join(Rotation, col(Rotation.id) == Member.rotation_id)
        .where(
            Rotation.workspace_id == workspace_id,
            Member.user_id == user_id,
            TimeOff.last_day >= ending_on_or_after,
        )
        .order_by(col(TimeOff.first_day), col(Rotation.name), col(TimeOff.id))
    )
    return [(name, block) for name, block in session.exec(query)]


def open_requests_of_rotation(session: Session, *, rotation_id: int) -> list[SwapRequest]:
    """The rotation's open swap and cover requests, oldest first."""
    query = (
        select(SwapRequest)
        .where(SwapRequest.rotation_id == rotation_id, SwapRequest.state == RequestState.OPEN)
        .order_by(col(SwapRequest.id))
    )
    return list(session.exec(query))


# Built once: `/queueday who` runs these on every request, and building a statement
# costs more than SQLite takes to run it.
_OF_TEAM = (
    select(Rotation)
    .join(Workspace, col(Workspace.id) == Rotation.workspace_id)
    .where(Workspace.team_id == bindparam("team_id"))
    .order_by(col(Rotation.name))
    .limit(1)
)
_CLOSED_DAYS = (
    select(ClosedDay)
    .where(ClosedDay.rotation_id == bindparam("rotation_id"))
    .order_by(col(ClosedDay.day))
)
_OF_TEAM_BY_NAME = _OF_TEAM.where(Rotation.name == bindparam("key"))
_OF_TEAM_BY_CHANNEL = _OF_TEAM.where(Rotation.channel == bindparam("key"))
_ON_DUTY = (
    select(col(Member.user_id), col(Member.display_name))
    .join(Assignment, col(Assignment.member_id) == Member.id)
    .where(
        Assignment.rotation_id == bindparam("rotation_id"),
        Assignment.day == bindparam("day"),
        col(Assignment.state).in_(LIVE_STATES),
    )
    .order_by(col(Member.user_id))
)


class DutyRow(NamedTuple):
    """One person on the queue, with what `who` says about their rotation's group."""

    user: str
    name: str
    queue_group: bool
    queue_handle: str | None
    channel: str | None


_ON_DUTY_BY_NAME = (
    sa_select(
        col(Member.user_id),
        col(Member.display_name),
        col(Rotation.queue_group),
        col(Rotation.queue_handle),
        col(Rotation.channel),
    )
    .select_from(Assignment)
    .join(Member, col(Member.id) == Assignment.member_id)
    .join(Rotation, col(Rotation.id) == Assignment.rotation_id)
    .join(Workspace, col(Workspace.id) == Rotation.workspace_id)
    .where(
        col(Workspace.team_id) == bindparam("team_id"),
        col(Rotation.name) == bindparam("name"),
        col(Assignment.day) == bindparam("day"),
        col(Assignment.state).in_(LIVE_STATES),
    )
    .order_by(col(Member.user_id))
)


def on_duty_by_name(session: Session, *, team_id: str, name: str, day: date) -> list[DutyRow]:
    """ "Who is on today" in one query, from the team and the rotation's name: `who`
    answers in the ack, and this is all it reads when someone is on."""
    rows = session.execute(_ON_DUTY_BY_NAME, {"team_id": team_id, "name": name, "day": day})
    return [DutyRow(*row) for row in rows]


def rotation_of_team(
    session: Session, *, team_id: str, name: str | None = None, channel: str | None = None
) -> Rotation | None:
    """A rotation of a Slack team by name, or else by channel, in one query."""
    if name is not None:
        query, key = _OF_TEAM_BY_NAME, name
    elif channel is not None:
        query, key = _OF_TEAM_BY_CHANNEL, channel
    else:
        raise ValueError("name or channel")
    return session.exec(query, params={"team_id": team_id, "key": key}).first()
