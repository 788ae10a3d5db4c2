"""Queries for OAuth installs: the workspaces an install covers, their links revoked at once."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, func, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from storage.models import FeedToken, PageToken, Rotation, Workspace
from storage.slack_installs import oauth_states


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


def forget_expired_states(session: Session, *, now: datetime) -> int:
    """Delete the OAuth states that expired unused (installs abandoned at Slack's page);
    how many. slack_sdk's state store deletes a state only when it is used."""
    table = oauth_states
    # The store writes expire_at as naive UTC (slack_sdk's normalize_datetime_for_db).
    cutoff = now.astimezone(UTC).replace(tzinfo=None)
    result = session.execute(delete(table).where(table.c.expire_at <= cutoff))
    return int(getattr(result, "rowcount", 0) or 0)


def pending_states(session: Session) -> int:
    """OAuth states issued and not used or forgotten yet."""
    return int(session.execute(sa_select(func.count()).select_from(oauth_states)).scalar_one())
