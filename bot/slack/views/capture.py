"""Saving a Slack message as a bug ticket or a highlight: the modal and the replies."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from bot.slack.text import escape
from bot.slack.views.blocks import Block, context, plain_text, section
from bot.slack.views.limits import Message, clip, fit_message, fit_view
from bot.usecases.capture import NoteKind, Saved

CAPTURE = "capture:save"  # the modal's callback id
SEVERITIES = ("critical", "high", "medium", "low")
WHAT = {NoteKind.TICKET: "bug ticket", NoteKind.HIGHLIGHT: "highlight"}
# `#billing` in a message names a product area; Slack's own `<#C123|name>` does not.
_TAG = re.compile(r"(?<![<\w&|])#([A-Za-z0-9][A-Za-z0-9_-]{0,39})\b")
_SLACK_MARKUP = re.compile(r"<([^>|]+)\|([^>]+)>")


def area_tag(text: str) -> str | None:
    """The first `#area` written in a message, lower case."""
    found = _TAG.search(text)
    return found.group(1).lower() if found else None


def plain_message(text: str) -> str:
    """A Slack message's text as a note: links and mentions shown by their labels."""
    return (
        _SLACK_MARKUP.sub(r"\2", text)
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
    )


def external_id(channel: str, ts: str) -> str:
    """The key of a Slack message: saved once however it is saved (shortcut or emoji)."""
    return f"slack:{channel}:{ts}"


def capture_modal(
    kind: NoteKind,
    *,
    text: str,
    channel: str,
    ts: str,
    url: str | None,
    rotations: tuple[str, ...],
) -> dict[str, Any]:
    """The shortcut's modal: the text to keep, its product area, severity, rotation."""
    meta = json.dumps({"k": kind.value, "c": channel, "t": ts, "u": url}, separators=(",", ":"))
    blocks: list[Block] = []
    if len(rotations) > 1:
        options = [{"text": plain_text(r[:75]), "value": r} for r in rotations[:100]]
        blocks.append(
            _input(
                "rotation",
                "Rotation",
                {"type": "static_select", "options": options, "initial_option": options[0]},
            )
        )
    blocks.append(
        _input(
            "text",
            "Bug" if kind is NoteKind.TICKET else "What customers like",
            {
                "type": "plain_text_input",
                "multiline": True,
                "max_length": 2000,
                "initial_value": clip(plain_message(text), 2000, note="…"),
            },
        )
    )
    area: dict[str, Any] = {"type": "plain_text_input", "max_length": 40}
    tag = area_tag(text)
    if tag:
        area["initial_value"] = tag
    blocks.append(_input("area", "Product area", area, optional=True))
    if kind is NoteKind.TICKET:
        options = [{"text": plain_text(s.capitalize()), "value": s} for s in SEVERITIES]
        blocks.append(
            _input("severity", "Severity", {"type": "static_select", "options": options}, True)
        )
    if len(rotations) == 1:
        blocks.append(context(f"Saved for *{escape(rotations[0])}*."))
    title = "Save bug ticket" if kind is NoteKind.TICKET else "Save highlight"
    return fit_view(
        {
            "type": "modal",
            "callback_id": CAPTURE,
            "private_metadata": json.dumps({**json.loads(meta), "r": rotations[:1]}),
            "title": plain_text(title),
            "submit": plain_text("Save"),
            "close": plain_text("Cancel"),
            "blocks": blocks,
        }
    )


def _input(block_id: str, label: str, element: Block, optional: bool = False) -> Block:
    return {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": plain_text(label),
        "element": {**element, "action_id": "value"},
    }


@dataclass(frozen=True)
class CaptureForm:
    kind: NoteKind
    rotation: str
    text: str
    area: str | None
    severity: str | None
    channel: str
    ts: str
    url: str | None


def read_capture(view: dict[str, Any]) -> tuple[CaptureForm | None, dict[str, str]]:
    """The note a submitted capture modal asks for, or errors by block id."""
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
        kind = NoteKind(meta["k"])
        channel, ts = str(meta["c"]), str(meta["t"])
    except (ValueError, KeyError, TypeError):
        return None, {"text": "This form is out of date; use the shortcut again."}
    values = (view.get("state") or {}).get("values") or {}

    def state(block_id: str) -> dict[str, Any]:
        element = (values.get(block_id) or {}).get("value") or {}
        return element if isinstance(element, dict) else {}

    text = str(state("text").get("value") or "").strip()
    if not text:
        return None, {"text": "Say what it is."}
    chosen = (state("rotation").get("selected_option") or {}).get("value")
    rotation = chosen or (meta.get("r") or [None])[0]
    if not rotation:
        return None, {"text": "You are in no rotation to save this for."}
    area = str(state("area").get("value") or "").strip().lstrip("#") or None
    severity = (state("severity").get("selected_option") or {}).get("value")
    url = meta.get("u") if isinstance(meta.get("u"), str) else None
    return CaptureForm(kind, str(rotation), text, area, severity, channel, ts, url), {}


def saved_view(saved: Saved) -> dict[str, Any]:
    """What the modal turns into once saved."""
    what = WHAT[saved.kind]
    already = "was already saved" if not saved.created else "is saved"
    area = f" (#{escape(saved.area)})" if saved.area else ""
    text = (
        f":white_check_mark: This message {already} as {what} #{saved.id} "
        f"in *{escape(saved.rotation)}*{area}."
    )
    if saved.kind is NoteKind.TICKET:
        text += " The people on the queue will see it next to what customers like."
    else:
        text += " It will be shown next to a bug in someone's reminder."
    return fit_view(
        {
            "type": "modal",
            "callback_id": CAPTURE,
            "title": plain_text("Saved"),
            "close": plain_text("Done"),
            "blocks": [section(text)],
        }
    )


def not_in_rotation(kind: NoteKind) -> Message:
    """The shortcut used by someone in no rotation, outside a rotation's channel."""
    text = (
        f":information_source: To save a {WHAT[kind]}, join a rotation first "
        "(`/queueday join`), or use the shortcut in a rotation's channel."
    )
    return fit_message(text, [section(text)])


def saved_by_reaction(saved: Saved, emoji: str) -> Message:
    """The ephemeral note to whoever reacted: saved (or already saved)."""
    what = WHAT[saved.kind]
    if saved.created:
        text = f":{emoji}: Saved as {what} #{saved.id} in *{escape(saved.rotation)}*."
    else:
        text = f":{emoji}: Already saved as {what} #{saved.id} in *{escape(saved.rotation)}*."
    return fit_message(text, [section(text)])
