"""Small Block Kit constructors, so views read as layout rather than nested dicts."""

from __future__ import annotations

import re
from typing import Any

Block = dict[str, Any]


def mrkdwn(text: str) -> Block:
    return {"type": "mrkdwn", "text": text}


def plain_text(text: str, *, emoji: bool = True) -> Block:
    return {"type": "plain_text", "text": text, "emoji": emoji}


def header(text: str) -> Block:
    return {"type": "header", "text": plain_text(text)}


def section(text: str, *, accessory: Block | None = None, block_id: str | None = None) -> Block:
    block: Block = {"type": "section", "text": mrkdwn(text)}
    if accessory is not None:
        block["accessory"] = accessory
    if block_id is not None:
        block["block_id"] = block_id
    return block


def fields(*texts: str) -> Block:
    return {"type": "section", "fields": [mrkdwn(t) for t in texts]}


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(t) for t in texts]}


def divider() -> Block:
    return {"type": "divider"}


def button(
    text: str,
    action_id: str,
    *,
    value: str | None = None,
    url: str | None = None,
    style: str | None = None,
) -> Block:
    """A button; one with a `url` still sends an action, so its action_id starts `link:`."""
    element: Block = {"type": "button", "text": plain_text(text), "action_id": action_id}
    if value is not None:
        element["value"] = value
    if url is not None:
        element["url"] = url
    if style is not None:
        element["style"] = style
    return element


def actions(*elements: Block, block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": list(elements)}
    if block_id is not None:
        block["block_id"] = block_id
    return block


def escape(text: str) -> str:
    """Text shown verbatim in mrkdwn: Slack's three escapes, so `<@x>` is not a mention."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_MENTION = re.compile(r"&lt;([@#][UWCG][A-Z0-9]{1,20})&gt;")


def quote_safe(text: str) -> str:
    """A message that quotes what someone typed, escaped, keeping `<@U…>`/`<#C…>` mentions.

    What people type is shown back to them, so `<!channel>` must stay text.
    """
    return _MENTION.sub(r"<\1>", escape(text))


def code(text: str, *, limit: int = 60) -> str:
    """Text as an inline code span, shortened, with backticks (which would end it) removed."""
    flat = " ".join(text.replace("`", "'").split())
    if len(flat) > limit:
        flat = flat[: limit - 1] + "…"
    return f"`{escape(flat)}`" if flat else "` `"
