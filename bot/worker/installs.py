"""OAuth mode's worker: each workspace's reminders and channel updates go out with that
workspace's own bot token.

There is no SLACK_BOT_TOKEN: before each pass the installed workspaces are read from
slack_sdk's installation store (the same tables `serve` writes), each of QueueDay's
workspaces is matched to its install (its own, or its Enterprise Grid org's org-wide
one), a rotated token within REFRESH_MINUTES_BEFORE_EXPIRY of expiring is refreshed and
saved (as `serve`'s authorize does), and one Sender per workspace sends only that
workspace's rows. A workspace without an install (uninstalled, or never installed)
gets nothing sent: its rows wait, and are dropped once no longer useful, as always.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from slack_sdk.errors import SlackTokenRotationError
from slack_sdk.oauth.installation_store import Bot
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.services import make_client
from bot.worker.sender import Sender
from storage.models import Workspace

log = logging.getLogger(__name__)

# As bot.slack.installs: a rotated token (12 hours) is refreshed with 2 hours to go.
REFRESH_MINUTES_BEFORE_EXPIRY = 120


@dataclass(frozen=True)
class WorkspaceToken:
    """One of QueueDay's workspaces and the bot token its messages are sent with."""

    team_id: str
    token: str


def installed_tokens(
    engine: Engine, store: SQLAlchemyInstallationStore, rotator: TokenRotator
) -> list[WorkspaceToken]:
    """Each workspace QueueDay has rows for that has an install, with a fresh token."""
    with Session(engine) as session:
        workspaces = [
            (w.team_id, w.enterprise_id)
            for w in session.exec(select(Workspace).order_by(col(Workspace.id)))
        ]
    found: list[WorkspaceToken] = []
    for team_id, enterprise_id in workspaces:
        bot = store.find_bot(enterprise_id=enterprise_id, team_id=team_id)
        if bot is None and enterprise_id is not None:  # the org's org-wide install
            bot = store.find_bot(
                enterprise_id=enterprise_id, team_id=None, is_enterprise_install=True
            )
        if bot is None or not bot.bot_token:
            continue
        token = _fresh(store, rotator, bot)
        if token is not None:
            found.append(WorkspaceToken(team_id, token))
    return found


def _fresh(store: SQLAlchemyInstallationStore, rotator: TokenRotator, bot: Bot) -> str | None:
    """The bot's token, refreshed first when it is about to expire (token rotation on)."""
    if bot.bot_refresh_token is None:
        return bot.bot_token
    try:
        refreshed = rotator.perform_bot_token_rotation(
            bot=bot, minutes_before_expiration=REFRESH_MINUTES_BEFORE_EXPIRY
        )
    except SlackTokenRotationError as exc:  # the refresh token was revoked or spent
        log.warning("cannot refresh the bot token of %s: %s", bot.team_id or bot.enterprise_id, exc)
        return None
    if refreshed is None:
        return bot.bot_token
    store.save_bot(refreshed)
    return refreshed.bot_token


class WorkspaceSenders:
    """Before each pass, one Sender per installed workspace (OAuth mode).

    A Sender is kept while its workspace's token stays the same, so its pacing and
    caches carry over between passes; a new token (refreshed, reinstalled) gets a new one.
    """

    def __init__(
        self,
        engine: Engine,
        store: SQLAlchemyInstallationStore,
        rotator: TokenRotator,
        *,
        api_url: str,
        make_sender: Callable[..., Sender],
    ) -> None:
        self.engine = engine
        self.store = store
        self.rotator = rotator
        self.api_url = api_url
        self.make_sender = make_sender  # Sender(engine, client, team_id=..., own_rows_only=True)
        self._senders: dict[str, tuple[str, Sender]] = {}
        self.worker = "oauth"

    def __call__(self) -> list[Sender]:
        senders: list[Sender] = []
        current = installed_tokens(self.engine, self.store, self.rotator)
        for item in current:
            kept = self._senders.get(item.team_id)
            if kept is None or kept[0] != item.token:
                client = make_client(self.api_url, item.token)
                sender = self.make_sender(client=client, team_id=item.team_id)
                kept = (item.token, sender)
                self._senders[item.team_id] = kept
            senders.append(kept[1])
        gone = set(self._senders) - {item.team_id for item in current}
        for team_id in gone:
            del self._senders[team_id]
        return senders
