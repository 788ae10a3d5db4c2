"""Events API: App Home opened, reactions added. Events are acknowledged before these run."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.views.home import home_view

log = logging.getLogger(__name__)


def register(app: App) -> None:
    app.event("app_home_opened")(publish_home)
    app.event("reaction_added")(note_reaction)


def publish_home(event: dict[str, Any], client: WebClient) -> None:
    """Publish the person's Home tab when they open it (not the Messages tab)."""
    if event.get("tab", "home") != "home":
        return
    client.views_publish(user_id=event["user"], view=home_view(event["user"]))


def note_reaction(event: dict[str, Any]) -> None:
    """Reactions are subscribed for saving bugs and highlights by emoji (wired with the
    ticket use cases); until then they are only acknowledged."""
    log.debug("reaction %s by %s", event.get("reaction"), event.get("user"))
