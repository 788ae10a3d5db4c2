"""The settings modal's "Slack status as away" input, and reading it back."""

from __future__ import annotations

from typing import Any

from bot.slack.views.blocks import Block, plain_text
from bot.usecases.rotations import RotationChanges, RotationSettings

BLOCK = "status_away_emoji"
VALUE = "value"
MAX_LENGTH = 1500  # 20 emoji names of up to 64 characters, with colons and spaces


def status_input(settings: RotationSettings) -> Block:
    """A text input of the status emoji that mean "away today" (empty: off)."""
    element: Block = {
        "type": "plain_text_input",
        "action_id": VALUE,
        "max_length": MAX_LENGTH,
        "placeholder": plain_text(":palm_tree: :face_with_thermometer:"),
    }
    if settings.status_away_emoji:
        element["initial_value"] = " ".join(f":{e}:" for e in settings.status_away_emoji)
    return {
        "type": "input",
        "block_id": BLOCK,
        "label": plain_text("Slack status as away"),
        "element": element,
        "hint": plain_text(
            "On the morning of someone's day, one of these status emoji books the day as "
            "away and hands it on (a heuristic; empty: off). Needs users.profile:read."
        ),
        "optional": True,
    }


def read_status(values: dict[str, Any], changes: RotationChanges) -> None:
    """The emoji as typed (checked by the use case); a modal opened before this input
    existed leaves the setting be."""
    if BLOCK not in values:
        return
    element = (values.get(BLOCK) or {}).get(VALUE) or {}
    raw = element.get("value") if isinstance(element, dict) else None
    changes["status_away_emoji"] = str(raw or "").strip()[:MAX_LENGTH] or None
