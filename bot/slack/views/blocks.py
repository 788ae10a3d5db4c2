"""Small Block Kit constructors, so views read as layout rather than nested dicts."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from bot.slack.text import escape
from bot.slack.views.format import day, day_range

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


_MENTION = re.compile(r"&lt;([@#][UWCG][A-Z0-9]{1,20})&gt;")


def quote_safe(text: str) -> str:
    """A message that quotes what someone typed, escaped, keeping `<@U…>`/`<#C…>` mentions.

    What people type is shown back to them, so `<!channel>` must stay text.
    """
    return _MENTION.sub(r"<\1>", escape(text))


_ISO_DAYS = re.compile(r"\b(\d{4}-\d{2}-\d{2})(?:\.\.(\d{4}-\d{2}-\d{2}))?\b")
_CODE_SPAN = re.compile(r"(`[^`]*`)")


def friendly_dates(text: str) -> str:
    """ISO dates (and `first..last` ranges) in a message as the rest of QueueDay shows
    days, `Tue 22 Dec 2026`; inside a code span they are what someone typed, so they stay.

    Use cases word their refusals with ISO dates, which suit the command line; Slack
    replies show them the friendly way.
    """

    def one(match: re.Match[str]) -> str:
        try:
            first = date.fromisoformat(match.group(1))
            last = date.fromisoformat(match.group(2)) if match.group(2) else first
        except ValueError:
            return match.group(0)
        return day_range(first, last) if match.group(2) else day(first)

    parts = _CODE_SPAN.split(text)
    return "".join(p if p.startswith("`") else _ISO_DAYS.sub(one, p) for p in parts)


def said(message: str) -> str:
    """A use case's refusal as mrkdwn: escaped, its mentions kept, its days friendly."""
    return quote_safe(friendly_dates(message))


def code(text: str, *, limit: int = 60) -> str:
    """Text as an inline code span, shortened, with backticks (which would end it) removed."""
    flat = " ".join(text.replace("`", "'").split())
    if len(flat) > limit:
        flat = flat[: limit - 1] + "…"
    return f"`{escape(flat)}`" if flat else "` `"
