"""Queries for OAuth installs: the workspaces an install covers, their links revoked at once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from storage.models import FeedToken, PageToken, Rotation, Workspace


def workspaces_of_install(
    session: Session, *, team_id: str | None, enterprise_id: str | None
) -> list[Workspace]:
    """The workspaces an install served: its team's, or with no team (an org-wide install)
    every workspace of the Enterprise Grid org."""
    if team_id:
        query = select(Workspace).where(Workspace.team_id == team_id)
    elif enterprise_id:
        query = select(Workspace).where(Workspace.enterprise_id == enterprise_id)
    else:
        return []
    return list(session.exec(query.order_by(col(Workspace.id))))


def revoke_workspace_links(
    session: Session, *, workspace_id: int, now: datetime
) -> tuple[int, int]:
    """Revoke every feed link and rotation page link of the workspace that is not revoked
    yet; how many of each."""
    feeds = session.execute(
        update(FeedToken)
        .where(col(FeedToken.workspace_id) == workspace_id, col(FeedToken.revoked_at).is_(None))
        .values(revoked_at=now)
    )
    rotations = select(Rotation.id).where(Rotation.workspace_id == workspace_id)
    pages = session.execute(
        update(PageToken)
        .where(col(PageToken.rotation_id).in_(rotations), col(PageToken.revoked_at).is_(None))
        .values(revoked_at=now)
    )
    return int(getattr(feeds, "rowcount", 0) or 0), int(getattr(pages, "rowcount", 0) or 0)
