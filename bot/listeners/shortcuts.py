"""Message shortcuts: "Save as bug ticket" (save_bug) and "Save as highlight" (save_highlight)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond

from bot.listeners.errors import reported
from bot.views.help import shortcut_not_available

SAVE_BUG = "save_bug"
SAVE_HIGHLIGHT = "save_highlight"


def register(app: App) -> None:
    app.shortcut(SAVE_BUG)(ack=acknowledge, lazy=[reported(save_message)])
    app.shortcut(SAVE_HIGHLIGHT)(ack=acknowledge, lazy=[reported(save_message)])


def acknowledge(ack: Ack) -> None:
    ack()


def save_message(body: dict[str, Any], respond: Respond) -> None:
    """Until the ticket use cases are wired, say so to the person who used the shortcut."""
    what = "bug ticket" if body.get("callback_id") == SAVE_BUG else "highlight"
    respond(**shortcut_not_available(what))
