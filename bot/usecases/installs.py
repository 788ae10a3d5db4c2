"""What an uninstall changes in QueueDay's own data: the workspace's links stop.

Slack sends `app_uninstalled` (or `tokens_revoked` for the bot's token) when a workspace
removes the app. Its tokens are forgotten by the Slack side (bot.slack.listeners.installs);
here every calendar feed link and rotation page link of the workspace is revoked, so they
answer 404 from then on. Rotations, members, days and history stay, for `queueday export`
or a reinstall (which gives new links); `queueday storage purge --team` deletes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.usecases import audit
from bot.usecases.access import SYSTEM, check_now
from bot.usecases.errors import NotFound
from bot.usecases.transaction import unit_of_work
from storage import install_queries, queries
from storage.purge import delete_workspace


@dataclass(frozen=True)
class LinksEnded:
    """What an uninstall revoked: per workspace team id, feed links and page links."""

    feeds: dict[str, int]
    pages: dict[str, int]

    @property
    def workspaces(self) -> list[str]:
        return sorted(self.feeds)


def end_install_links(
    session: Session, *, team_id: str | None, enterprise_id: str | None, now: datetime
) -> LinksEnded:
    """Revoke every feed and page link of the workspaces the install served (one
    transaction): its team, or every workspace of the org for an org-wide install.

    A workspace QueueDay never stored anything for is no error: nothing to revoke.
    """
    check_now(now)
    feeds: dict[str, int] = {}
    pages: dict[str, int] = {}
    with unit_of_work(session):
        for workspace in install_queries.workspaces_of_install(
            session, team_id=team_id, enterprise_id=enterprise_id
        ):
            assert workspace.id is not None
            ended = install_queries.revoke_workspace_links(
                session, workspace_id=workspace.id, now=now
            )
            feeds[workspace.team_id], pages[workspace.team_id] = ended
            audit.record(
                session,
                rotation=None,
                workspace_id=workspace.id,
                actor=SYSTEM,
                action="workspace.uninstalled",
                subject=workspace.team_id,
                now=now,
                after={"feed_links_revoked": ended[0], "page_links_revoked": ended[1]},
            )
    return LinksEnded(feeds, pages)


# Installs under way at once (each holds a state for QUEUEDAY_OAUTH_STATE_TTL seconds);
# beyond this /slack/install asks to try again later, so the table stays bounded.
MAX_PENDING_INSTALLS = 10_000


def room_for_an_install(session: Session, *, now: datetime) -> bool:
    """Forget the states of abandoned installs (one transaction); True while fewer than
    MAX_PENDING_INSTALLS installs are under way."""
    check_now(now)
    with unit_of_work(session):
        install_queries.forget_expired_states(session, now=now)
        pending = install_queries.pending_states(session)
    return pending < MAX_PENDING_INSTALLS


def purge_workspace(session: Session, *, team_id: str) -> int:
    """Delete the workspace and every row it has, its stored Slack install included (one
    transaction); how many rows went. NotFound when QueueDay has no such workspace."""
    with unit_of_work(session):
        workspace = queries.workspace_by_team(session, team_id=team_id)
        if workspace is None or workspace.id is None:
            raise NotFound(f"QueueDay has no workspace {team_id!r} (`queueday export` lists them).")
        return delete_workspace(session, workspace_id=workspace.id)
