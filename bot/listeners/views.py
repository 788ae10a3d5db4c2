"""Modal submissions and closes (the `config` modal arrives with the admin commands)."""

from __future__ import annotations

from slack_bolt import App


def register(app: App) -> None:
    """No modal is opened yet; `config` registers its `view_submission` here."""
