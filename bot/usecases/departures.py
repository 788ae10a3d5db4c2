"""People who leave the company: Slack deactivated their account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from bot.usecases import audit
from bot.usecases.access import SYSTEM, check_now, local_today
from bot.usecases.members import Departure, deactivate_member
from bot.usecases.transaction import unit_of_work
from storage import queries
from storage.models import (
    Assignment,
    AssignmentState,
    AuditEntry,
    Member,
    Role,
    Rotation,
    Workspace,
)

CHECK_AHEAD = timedelta(days=7)


@dataclass(frozen=True)
class CompanyExit:
    """The memberships a deactivation ended, and whom to tell in each rotation."""

    user: str
    departures: tuple[Departure, ...]
    admins: dict[str, tuple[str, ...]]  # rotation name -> its current admins
    on_today: tuple[str, ...] = ()  # rotations where their day today stays theirs


def leave_company(session: Session, *, team_id: str, now: datetime, user: str) -> CompanyExit:
    """End every current membership of a deactivated user (QueueDay acting), re-planning
    their days; a second call finds nothing left to end, so admins are told once."""
    departures = tuple(
        deactivate_member(session, team_id=team_id, actor=SYSTEM, now=now, user=user)
    )
    admins: dict[str, tuple[str, ...]] = {}
    on_today: list[str] = []
    with unit_of_work(session):
        workspace = queries.workspace_by_team(session, team_id=team_id)
        rotations = (
            {} if workspace is None or workspace.id is None
            else {r.name: r for r in queries.rotations_of(session, workspace_id=workspace.id)}
        )  # fmt: skip
        for departure in departures:
            row = rotations[departure.rotation]
            assert row.id is not None
            today = local_today(row, now)
            admins[row.name] = _admins(session, row, today, but=user)
            if any(u == user for u, _ in queries.on_duty(session, rotation_id=row.id, day=today)):
                on_today.append(row.name)
    return CompanyExit(user=user, departures=departures, admins=admins, on_today=tuple(on_today))


def _admins(session: Session, row: Rotation, today: date, *, but: str) -> tuple[str, ...]:
    """The rotation's current admins, other than `but`."""
    assert row.id is not None
    return tuple(
        m.user_id
        for m in queries.members_of(session, rotation_id=row.id)
        if m.role == Role.ADMIN and m.user_id != but and (m.left is None or m.left >= today)
    )


@dataclass(frozen=True)
class Return:
    """A membership a deactivation ended, whose person Slack has reactivated."""

    rotation: str
    left: date
    admins: tuple[str, ...]


# The audit actions that say where a membership stands after a deactivation.
DEACTIVATED, REACTIVATED = "member.deactivated", "member.reactivated"


def return_to_company(
    session: Session, *, team_id: str, now: datetime, user: str
) -> tuple[Return, ...]:
    """Someone whose account was deactivated is active again: the memberships that the
    deactivation ended, each reported once (a `member.reactivated` audit row), so the
    admins can decide. Nobody is re-added: they may be back for a handover, not the
    queue. Other memberships, and ones re-opened since, are left alone.
    """
    check_now(now)
    found: list[Return] = []
    with unit_of_work(session):
        workspace = queries.workspace_by_team(session, team_id=team_id)
        if workspace is None or workspace.id is None:
            return ()
        ended = [
            (r, m)
            for r, m in queries.memberships_of_user(
                session, workspace_id=workspace.id, user_id=user
            )
            if m.left is not None
        ]
        for rotation, member in ended:
            assert rotation.id is not None and member.left is not None
            # Locked: two user_change events at once would otherwise both tell the admins.
            row = queries.rotation_by_id(session, rotation_id=rotation.id, for_update=True)
            if _last_mark(session, member) != DEACTIVATED:
                continue
            audit.record(
                session, rotation=row, actor=SYSTEM, action=REACTIVATED,
                subject=f"member:{member.id}", after={"left": member.left.isoformat()}, now=now,
            )  # fmt: skip
            today = local_today(row, now)
            found.append(Return(row.name, member.left, _admins(session, row, today, but=user)))
    return tuple(found)


def _last_mark(session: Session, member: Member) -> str | None:
    """The latest of `member.deactivated` and `member.reactivated` for the member."""
    query = (
        select(AuditEntry.action)
        .where(
            AuditEntry.rotation_id == member.rotation_id,
            AuditEntry.subject == f"member:{member.id}",
            col(AuditEntry.action).in_((DEACTIVATED, REACTIVATED)),
        )
        .order_by(col(AuditEntry.id).desc())
        .limit(1)
    )
    return session.exec(query).first()


def people_on_soon(session: Session, *, team_id: str, now: datetime) -> list[str]:
    """Everyone with a published day in the coming week, for the daily deactivation check
    (events missed while the app was down). The week is counted from the UTC date: a
    day either side does not matter for a daily safety net."""
    first = now.date()
    query = (
        select(Member.user_id)
        .join(Assignment, col(Assignment.member_id) == Member.id)
        .join(Rotation, col(Rotation.id) == Member.rotation_id)
        .join(Workspace, col(Workspace.id) == Rotation.workspace_id)
        .where(
            Workspace.team_id == team_id,
            Assignment.state == AssignmentState.PUBLISHED,
            col(Assignment.day) >= first,
            col(Assignment.day) <= first + CHECK_AHEAD,
        )
        .distinct()
        .order_by(col(Member.user_id))
    )
    with unit_of_work(session):
        users = list(session.exec(query))
    return users
