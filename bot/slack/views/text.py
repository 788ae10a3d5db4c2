"""Block Kit rendered as plain text, for `queueday console` (buttons shown with labels)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from bot.slack.text import unescape

Names = Callable[[str], str]
ButtonLabel = Callable[[dict[str, Any]], str]

_ESCAPE = re.compile(r"<([^<>|]+)(?:\|([^<>]*))?>")
RULE = "-" * 40


def mrkdwn_text(text: str, names: Names) -> str:
    """Slack's mrkdwn with mentions as @Name, channels as #name, links as `label (url)`."""

    def one(match: re.Match[str]) -> str:
        target, label = match.group(1), match.group(2)
        if target.startswith("@"):
            return "@" + names(target[1:])
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!"):
            return "@" + (label or target[1:])
        return f"{label} ({target})" if label else target

    return unescape(_ESCAPE.sub(one, text))


def _button(element: dict[str, Any], label: ButtonLabel) -> str:
    return label(element) if element.get("type") == "button" else ""


def _default_label(element: dict[str, Any]) -> str:
    return f"[{element.get('text', {}).get('text', '?')}]"


def blocks_text(
    blocks: list[dict[str, Any]], names: Names, label: ButtonLabel = _default_label
) -> list[str]:
    """The blocks as lines of text."""
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            lines.append(f"== {block['text']['text']} ==")
        elif kind == "section":
            if "text" in block:
                lines += mrkdwn_text(block["text"]["text"], names).splitlines()
            for field in block.get("fields", []):
                lines += mrkdwn_text(field["text"], names).splitlines()
            accessory = block.get("accessory")
            if isinstance(accessory, dict) and accessory.get("type") == "button":
                lines[-1:] = [f"{lines[-1] if lines else ''}  {_button(accessory, label)}"]
        elif kind == "context":
            parts = [mrkdwn_text(e.get("text", ""), names) for e in block.get("elements", [])]
            lines.append("  (" + " · ".join(p for p in parts if p) + ")")
        elif kind == "divider":
            lines.append(RULE)
        elif kind == "actions":
            shown = [_button(e, label) for e in block.get("elements", [])]
            lines.append("  ".join(s for s in shown if s))
        elif kind == "input":
            lines.append(_input_text(block))
    return lines


def _input_text(block: dict[str, Any]) -> str:
    element = block.get("element", {})
    initial = (
        element.get("initial_value")
        or element.get("initial_date")
        or element.get("initial_time")
        or ", ".join(o["text"]["text"] for o in element.get("initial_options", []))
        or (element.get("initial_option") or {}).get("text", {}).get("text")
        or ""
    )
    optional = " (optional)" if block.get("optional") else ""
    return f"  {block['label']['text']}{optional}: [{initial}]"


def message_text(message: dict[str, Any], names: Names, label: ButtonLabel = _default_label) -> str:
    """A message: its blocks as text, or its plain `text` when it has none."""
    blocks = message.get("blocks")
    if isinstance(blocks, list) and blocks:
        return "\n".join(blocks_text(blocks, names, label))
    return mrkdwn_text(str(message.get("text", "")), names)


def view_text(view: dict[str, Any], names: Names, label: ButtonLabel = _default_label) -> str:
    """A modal or App Home view as text, the modal's title and submit button first."""
    lines = []
    if view.get("type") == "modal":
        submit = view.get("submit", {}).get("text")
        lines.append(f"[modal: {view.get('title', {}).get('text', '')}]")
        lines += blocks_text(view.get("blocks", []), names, label)
        if submit:
            lines.append(f"  <{submit}>")
        return "\n".join(lines)
    return "\n".join(blocks_text(view.get("blocks", []), names, label))
