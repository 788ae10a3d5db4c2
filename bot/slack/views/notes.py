"""Replies to `bug` and `highlight`."""

from __future__ import annotations

from bot.slack.text import escape, link
from bot.slack.views.blocks import context, quote_safe, section
from bot.slack.views.limits import Message, fit_message
from bot.usecases.notes import NoteInfo


def saved(note: NoteInfo, rotation: str) -> Message:
    """What was saved, quoted back, and where it will show up."""
    if note.kind == "ticket":
        head = f":beetle: Saved bug ticket #{note.id} for *{escape(rotation)}*"
        after = "The people on the queue see it with their reminder."
    else:
        head = f":sparkles: Saved highlight #{note.id} for *{escape(rotation)}*"
        after = "It goes out next to the bug tickets, so the queue sees what works too."
    area = f" (area `{escape(note.product_area)}`)" if note.product_area else ""
    shown = f"\n{link(note.url, note.url[:60])}" if note.url and note.url not in note.text else ""
    text = f"{head}{area}:\n>{quote_safe(note.text)}{shown}"
    plain = f"Saved {'bug ticket' if note.kind == 'ticket' else 'highlight'} #{note.id}."
    return fit_message(plain, [section(text), context(after)])
