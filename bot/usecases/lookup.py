"""Which rotation a request is about, when the person did not name one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from bot.usecases.access import check_now, local_today
from bot.usecases.errors import UseCaseError
from storage import queries
from storage.db import autocommit_reads
from storage.models import Rotation


@dataclass(frozen=True)
class RotationRef:
    """A rotation as a request needs it: its name, timezone and today."""

    name: str
    timezone: str
    channel: str | None
    quarter_start_month: int
    today: date


class RotationUnclear(UseCaseError):
    """No rotation could be inferred; `options` are the ones the person could name."""

    def __init__(self, message: str, options: tuple[str, ...], *, ambiguous: bool) -> None:
        super().__init__(message)
        self.options = options
        self.ambiguous = ambiguous


def _ref(rotation: Rotation, now: datetime) -> RotationRef:
    return RotationRef(
        name=rotation.name,
        timezone=rotation.timezone,
        channel=rotation.channel,
        quarter_start_month=rotation.quarter_start_month,
        today=local_today(rotation, now),
    )


def _listed(names: list[str]) -> str:
    return ", ".join(f"`{name}`" for name in names)


def find_rotation(
    session: Session,
    *,
    team_id: str,
    user: str,
    now: datetime,
    name: str | None = None,
    channel: str | None = None,
    on_day: date | None = None,
    any_in_workspace: bool = False,
    theirs: bool = True,
    keep_open: bool = False,
) -> RotationRef:
    """The rotation a request is about (read only).

    In order: the one named; the one whose channel the request came from; the person's
    only current rotation (of several, the only one where they are on the queue on
    `on_day`, when given); with `any_in_workspace`, the workspace's only rotation (for
    reading the queue or joining it before being in any). `theirs=False` skips the
    person's own rotations (joining one is about another). With `keep_open`, the reads
    run outside a transaction (storage.db.autocommit_reads) and a rotation found by name
    or channel keeps the session's connection for the caller's next read use case,
    which lets it go: one checkout and no BEGIN or ROLLBACK instead of two of each.

    Raises:
        RotationUnclear: no rotation has that name, none could be inferred, or several
            fit; `options` lists the ones to choose from.
    """
    check_now(now)
    if keep_open:
        autocommit_reads(session)
    # The common cases first, one query each: the rotation named, or the channel's.
    if name is not None or channel:
        found = queries.rotation_of_team(
            session, team_id=team_id, name=name.lower() if name else None, channel=channel
        )
        if found is not None:
            ref = _ref(found, now)  # read before the rollback expires the row
            if not keep_open:
                session.rollback()
            return ref
    workspace = queries.workspace_by_team(session, team_id=team_id)
    if workspace is None or workspace.id is None:
        raise RotationUnclear("There are no rotations in this workspace yet.", (), ambiguous=False)
    if name is not None:
        names = [r.name for r in queries.rotations_of(session, workspace_id=workspace.id)]
        session.rollback()
        known = f"; the rotations here are {_listed(names)}" if names else ""
        raise RotationUnclear(
            f"There is no rotation called `{name}`{known}.", tuple(names), ambiguous=False
        )
    memberships = (
        queries.memberships_of_user(session, workspace_id=workspace.id, user_id=user)
        if theirs
        else []
    )
    mine = [
        rotation
        for rotation, member in memberships
        # Someone who left today has nothing ahead there: infer their other rotation.
        if member.left is None or member.left > local_today(rotation, now)
    ]
    if len(mine) > 1 and on_day is not None:
        on_queue = [
            r
            for r in mine
            if r.id is not None
            and any(u == user for u, _ in queries.on_duty(session, rotation_id=r.id, day=on_day))
        ]
        mine = on_queue or mine
    if len(mine) == 1:
        ref = _ref(mine[0], now)
        session.rollback()
        return ref
    everyone = queries.rotations_of(session, workspace_id=workspace.id)
    refs = [_ref(r, now) for r in everyone]
    session.rollback()
    if mine:
        names = [r.name for r in mine]
        raise RotationUnclear(
            f"You are in more than one rotation ({_listed(names)}).", tuple(names), ambiguous=True
        )
    if any_in_workspace and len(refs) == 1:
        return refs[0]
    names = [r.name for r in everyone]
    if not names:
        raise RotationUnclear("There are no rotations in this workspace yet.", (), ambiguous=False)
    if any_in_workspace:
        raise RotationUnclear(
            f"There are several rotations here ({_listed(names)}).", tuple(names), ambiguous=True
        )
    raise RotationUnclear(
        f"You are not in any rotation yet; the rotations here are {_listed(names)}.",
        tuple(names),
        ambiguous=False,
    )


def rotation_names(session: Session, *, team_id: str) -> tuple[str, ...]:
    """The workspace's rotations by name (none if it has none yet)."""
    workspace = queries.workspace_by_team(session, team_id=team_id)
    if workspace is None or workspace.id is None:
        return ()
    names = tuple(r.name for r in queries.rotations_of(session, workspace_id=workspace.id))
    session.rollback()
    return names
