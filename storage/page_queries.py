"""Reads and small writes for rotation page links; none of them commits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Integer, case, func
from sqlmodel import Session, col, select

from storage.models import Assignment, Member, PageToken, Rotation, Workspace
from storage.queries import LIVE_STATES


@dataclass(frozen=True)
class PageOwner:
    """The link a token hash names: its row and the names its token was derived from."""

    token: PageToken
    rotation: Rotation
    team_id: str


def active_page_token(
    session: Session, *, rotation_id: int, for_update: bool = False
) -> PageToken | None:
    """The rotation's page link that is not revoked."""
    query = select(PageToken).where(
        PageToken.rotation_id == rotation_id, col(PageToken.revoked_at).is_(None)
    )
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.exec(query.order_by(col(PageToken.revision).desc())).first()


def last_page_revision(session: Session, *, rotation_id: int) -> int:
    """The highest revision any page link of the rotation ever had; 0 for none."""
    query = select(func.max(PageToken.revision)).where(PageToken.rotation_id == rotation_id)
    return int(session.exec(query).one() or 0)


def page_owner(session: Session, *, token_hash: str) -> PageOwner | None:
    """The link row with this hash, its rotation and workspace (revoked ones too)."""
    query = (
        select(PageToken, Rotation, Workspace.team_id)
        .join(Rotation, col(Rotation.id) == PageToken.rotation_id)
        .join(Workspace, col(Workspace.id) == Rotation.workspace_id)
        .where(PageToken.token_hash == token_hash)
    )
    found = session.exec(query).first()
    if found is None:
        return None
    token, rotation, team_id = found
    return PageOwner(token=token, rotation=rotation, team_id=team_id)


def live_day_counts(session: Session, *, rotation_id: int) -> dict[date, int]:
    """People on each published or done day of the rotation: the ledger's input, summed
    by the database rather than read as years of rows."""
    query = (
        select(col(Assignment.day), func.count())
        .where(Assignment.rotation_id == rotation_id, col(Assignment.state).in_(LIVE_STATES))
        .group_by(col(Assignment.day))
    )
    return {day: int(count) for day, count in session.exec(query)}


def live_days_up_to(
    session: Session, *, rotation_id: int, ends: Sequence[date]
) -> dict[str, tuple[int, ...]]:
    """Each person's (user id) published or done days on or before each of `ends`;
    people with none are left out."""
    if not ends:
        return {}
    counts = [
        func.sum(case((col(Assignment.day) <= end, 1), else_=0), type_=Integer) for end in ends
    ]
    query = (
        select(col(Member.user_id), *counts)
        .join(Member, col(Member.id) == Assignment.member_id)
        .where(Assignment.rotation_id == rotation_id, col(Assignment.state).in_(LIVE_STATES))
        .group_by(col(Member.user_id))
    )
    # Every group has a row, so no sum is NULL.
    return {user: tuple(row) for user, *row in session.execute(query)}
