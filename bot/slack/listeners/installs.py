"""`app_uninstalled` and `tokens_revoked`: a workspace removed the app or its bot token.

Bolt lets both through without a token (there is none left). The install's tokens are
deleted from slack_sdk's store (OAuth mode; single-token mode has none stored), and the
workspace's feed and page links stop (bot.usecases.installs); its data stays for export.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk.oauth.installation_store import InstallationStore

from bot.services import services_of
from bot.usecases.installs import end_install_links

log = logging.getLogger(__name__)


def register(app: App, store: InstallationStore | None) -> None:
    """Listen for both events; `store` holds the installs (None: single-token mode)."""

    def uninstalled(context: BoltContext) -> None:
        """The app was removed: every token of the install goes, and the links stop."""
        if store is not None:
            store.delete_all(enterprise_id=context.enterprise_id, team_id=context.team_id)
        _end_links(context)

    def revoked(event: dict[str, Any], context: BoltContext) -> None:
        """Tokens revoked: the bot's ends the install like an uninstall; people's user
        tokens (QueueDay asks for none) are deleted one by one."""
        given = event.get("tokens")
        tokens: dict[str, Any] = given if isinstance(given, dict) else {}
        users = [u for u in tokens.get("oauth") or [] if isinstance(u, str)][:1000]
        if store is not None:
            for user in users:
                store.delete_installation(
                    enterprise_id=context.enterprise_id, team_id=context.team_id, user_id=user
                )
        if tokens.get("bot"):
            if store is not None:
                store.delete_bot(enterprise_id=context.enterprise_id, team_id=context.team_id)
            _end_links(context)

    app.event("app_uninstalled")(uninstalled)
    app.event("tokens_revoked")(revoked)


def _end_links(context: BoltContext) -> None:
    services = services_of(context)
    if services.engine is None:
        return
    with services.session() as session:
        ended = end_install_links(
            session,
            team_id=context.team_id,
            enterprise_id=context.enterprise_id,
            now=services.clock(),
        )
    log.info(
        "uninstalled from %s (enterprise %s): links revoked in %s",
        context.team_id,
        context.enterprise_id,
        ", ".join(ended.workspaces) or "no workspace",
    )
