"""Slack's message limits, enforced in one place: cut with a note rather than fail.

Slack rejects a message with more than 50 blocks (100 in a modal or App Home) or a text
field over its limit (3000 characters for section text); a rejected reply would leave
the person with nothing, so the builders' output goes through `fit_message`/`fit_view`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bot.slack.views.blocks import Block, context

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_TEXT = 3000
CUT_NOTE = "… (cut to fit Slack's limits)"

# Per-field limits below MAX_TEXT, by where the text object sits.
_FIELD_LIMITS = {"header": 150, "button": 75, "field": 2000, "option": 75, "title": 24}

Message = dict[str, Any]


def clip(text: str, limit: int = MAX_TEXT, *, note: str = CUT_NOTE) -> str:
    """`text` if it fits in `limit` characters, else its start and a note saying so.

    The cut never splits a Slack escape (`<@U1|ada>`, `&amp;`), which would show as
    garbage or break the message.
    """
    if len(text) <= limit:
        return text
    if len(note) >= limit:
        return text[:limit]
    cut = limit - len(note)
    opening = text.rfind("<", 0, cut)
    if opening != -1 and text.find(">", opening, cut) == -1:
        cut = opening
    amp = text.rfind("&", max(0, cut - 5), cut)
    if amp != -1 and ";" not in text[amp:cut]:
        cut = amp
    return text[:cut].rstrip() + note


def fit_blocks(blocks: Iterable[Block], *, max_blocks: int = MAX_MESSAGE_BLOCKS) -> list[Block]:
    """At most `max_blocks` blocks, every text within its limit; a context block says
    how many were left out."""
    out = [_fit_block(b) for b in blocks]
    if len(out) <= max_blocks:
        return out
    hidden = len(out) - (max_blocks - 1)
    return [*out[: max_blocks - 1], context(f"…and {hidden} more not shown (Slack's limit).")]


def _fit_block(block: Block) -> Block:
    kind = block.get("type")
    fitted = dict(block)
    if isinstance(fitted.get("text"), dict):
        limit = _FIELD_LIMITS["header"] if kind == "header" else MAX_TEXT
        fitted["text"] = _fit_text(fitted["text"], limit)
    if isinstance(fitted.get("fields"), list):
        fitted["fields"] = [_fit_text(f, _FIELD_LIMITS["field"]) for f in fitted["fields"][:10]]
    if kind == "context" and isinstance(fitted.get("elements"), list):
        fitted["elements"] = [
            _fit_text(e, MAX_TEXT) if e.get("type") in ("mrkdwn", "plain_text") else e
            for e in fitted["elements"][:10]
        ]
    if kind == "actions" and isinstance(fitted.get("elements"), list):
        fitted["elements"] = [_fit_element(e) for e in fitted["elements"][:25]]
    if isinstance(fitted.get("accessory"), dict):
        fitted["accessory"] = _fit_element(fitted["accessory"])
    return fitted


def _fit_element(element: Block) -> Block:
    if element.get("type") == "button" and isinstance(element.get("text"), dict):
        return {**element, "text": _fit_text(element["text"], _FIELD_LIMITS["button"])}
    return element


def _fit_text(obj: Block, limit: int) -> Block:
    text = obj.get("text")
    if isinstance(text, str) and len(text) > limit:
        note = CUT_NOTE if limit >= 200 else "…"
        return {**obj, "text": clip(text, limit, note=note)}
    return obj


def fit_message(
    text: str,
    blocks: Iterable[Block] = (),
    *,
    ephemeral: bool = True,
    **extra: Any,
) -> Message:
    """A message payload (`text` fallback, blocks, response type) within Slack's limits.

    `ephemeral` sets `response_type` for replies to commands; `chat.postMessage` and
    `respond` both ignore what they do not use.
    """
    message: Message = {
        "text": clip(text),
        "blocks": fit_blocks(blocks),
        "response_type": "ephemeral" if ephemeral else "in_channel",
    }
    message.update(extra)
    return message


def fit_view(view: dict[str, Any]) -> dict[str, Any]:
    """A modal or App Home view within Slack's limits (100 blocks, titles of 24)."""
    fitted = dict(view)
    fitted["blocks"] = fit_blocks(view.get("blocks", []), max_blocks=MAX_VIEW_BLOCKS)
    for key in ("title", "submit", "close"):
        if isinstance(fitted.get(key), dict):
            fitted[key] = _fit_text(fitted[key], _FIELD_LIMITS["title"])
    return fitted
