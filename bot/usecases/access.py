"""Finding the rotation and the people a request names, and who may do what."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.usecases.errors import InvalidInput, NotAllowed, NotFound
from storage import queries
from storage.models import Member, Role, Rotation, Workspace

# The actor of changes made by QueueDay itself (the worker, a Slack event): Slack user
# ids are upper case, so no person can be named this.
SYSTEM = "system"


def check_now(now: datetime) -> None:
    """Use cases take the current instant as an argument; it must be timezone-aware."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise InvalidInput(f"now: {now.isoformat()} has no timezone")


def local_today(rotation: Rotation, now: datetime) -> date:
    """The rotation's current day.

    Days belong to the team's timezone: at 00:30 in Berlin it is already the next day
    for a Berlin team, while UTC is still on the day before.
    """
    return now.astimezone(ZoneInfo(rotation.timezone)).date()


def load_workspace(session: Session, *, team_id: str) -> Workspace:
    """The workspace of a Slack team, or NotFound."""
    workspace = queries.workspace_by_team(session, team_id=team_id)
    if workspace is None:
        raise NotFound(f"This workspace ({team_id}) has no rotations yet.")
    return workspace


def load_rotation(
    session: Session, *, team_id: str, name: str, for_update: bool = False
) -> Rotation:
    """A rotation of the workspace by name; `for_update` locks it for the transaction.

    Every use case that changes a rotation's days locks its row first, so publishes,
    swaps and re-plans of one rotation never interleave.
    """
    workspace = load_workspace(session, team_id=team_id)
    assert workspace.id is not None
    rotation = queries.rotation_by_name(
        session, workspace_id=workspace.id, name=name, for_update=for_update
    )
    if rotation is None:
        raise NotFound(f"There is no rotation called {name!r}.")
    return rotation


def find_member(session: Session, rotation: Rotation, user: str) -> Member:
    """A member of the rotation by Slack user id, or NotFound."""
    assert rotation.id is not None
    member = queries.member_by_user(session, rotation_id=rotation.id, user_id=user)
    if member is None:
        raise NotFound(f"<@{user}> is not a member of {rotation.name}.")
    return member


def is_admin(session: Session, rotation: Rotation, actor: str) -> bool:
    """True for the rotation's admins and for QueueDay itself."""
    if actor == SYSTEM:
        return True
    assert rotation.id is not None
    member = queries.member_by_user(session, rotation_id=rotation.id, user_id=actor)
    return member is not None and member.role == Role.ADMIN


def require_admin(session: Session, rotation: Rotation, actor: str, doing: str) -> None:
    """Refuse unless the actor is an admin of the rotation."""
    if not is_admin(session, rotation, actor):
        raise NotAllowed(f"Only an admin of {rotation.name} can {doing}.")


def require_self_or_admin(
    session: Session, rotation: Rotation, actor: str, user: str, doing: str
) -> None:
    """Refuse unless the actor is the person concerned or an admin."""
    if actor != user and not is_admin(session, rotation, actor):
        raise NotAllowed(f"Only <@{user}> or an admin of {rotation.name} can {doing}.")


def not_in_past(day: date, today: date, what: str) -> None:
    """Refuse a date before the rotation's today."""
    from bot.usecases.errors import PastDate

    if day < today:
        raise PastDate(f"{what} {day.isoformat()} is in the past (today is {today.isoformat()}).")
