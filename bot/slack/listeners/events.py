"""Events API: App Home opened, reactions added. Events are acknowledged before these run."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.services import services_of
from bot.slack.followups import publish_home as publish
from bot.slack.listeners.reactions import save_reaction
from bot.slack.listeners.users import user_changed

log = logging.getLogger(__name__)


def register(app: App) -> None:
    app.event("app_home_opened")(publish_home)
    app.event("reaction_added")(save_reaction)
    app.event("user_change")(user_changed)


def publish_home(
    event: dict[str, Any], body: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    """Publish the person's Home tab when they open it (not the Messages tab)."""
    if event.get("tab", "home") != "home":
        return
    team = body.get("team_id") or context.team_id or ""
    publish(client, services_of(context), team, event["user"])
