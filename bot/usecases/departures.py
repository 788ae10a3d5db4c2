"""People who leave the company: Slack deactivated their account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.usecases.access import SYSTEM, local_today
from bot.usecases.members import Departure, deactivate_member
from bot.usecases.transaction import unit_of_work
from storage import queries
from storage.models import Role


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
