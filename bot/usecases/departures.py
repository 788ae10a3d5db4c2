"""People who leave the company: Slack deactivated their account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from bot.usecases.access import SYSTEM, local_today
from bot.usecases.members import Departure, deactivate_member
from bot.usecases.transaction import unit_of_work
from storage import queries
from storage.models import Assignment, AssignmentState, Member, Role, Rotation, Workspace

CHECK_AHEAD = timedelta(days=7)


@dataclass(frozen=True)
class CompanyExit:
    """The memberships a deactivation ended, and whom to tell in each rotation."""

    user: str
    departures: tuple[Departure, ...]
    admins: dict[str, tuple[str, ...]]  # rotation name -> its current admins


def leave_company(session: Session, *, team_id: str, now: datetime, user: str) -> CompanyExit:
    """End every current membership of a deactivated user (QueueDay acting), re-planning
    their days; a second call finds nothing left to end, so admins are told once."""
    departures = tuple(
        deactivate_member(session, team_id=team_id, actor=SYSTEM, now=now, user=user)
    )
    admins: dict[str, tuple[str, ...]] = {}
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
            admins[row.name] = tuple(
                m.user_id
                for m in queries.members_of(session, rotation_id=row.id)
                if m.role == Role.ADMIN
                and m.user_id != user
                and (m.left is None or m.left >= today)
            )
    return CompanyExit(user=user, departures=departures, admins=admins)


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
