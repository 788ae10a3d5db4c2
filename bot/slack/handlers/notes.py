"""`bug` and `highlight`: saving what the people on the queue should see."""

from __future__ import annotations

from collections.abc import Callable

import bot.usecases as uc
from bot.slack.args import Note
from bot.slack.dispatch import CommandContext, handles
from bot.slack.handlers.common import read
from bot.slack.views.limits import Message
from bot.slack.views.notes import saved
from bot.usecases.notes import NoteInfo


@handles("bug")
def bug(ctx: CommandContext) -> Message:
    """Save a bug ticket for the rotation's queue."""
    return _save(ctx, uc.record_ticket)


@handles("highlight")
def highlight(ctx: CommandContext) -> Message:
    """Save something customers say works well."""
    return _save(ctx, uc.record_highlight)


def _save(ctx: CommandContext, record: Callable[..., NoteInfo]) -> Message:
    """Read the note from the command line and save it with `record`."""
    with ctx.services.session() as session:
        request, ref = read(ctx, session, Note)
        note = record(
            session,
            team_id=ctx.team_id,
            rotation=ref.name,
            actor=ctx.user_id,
            now=ctx.now,
            text=request.text,
            url=request.url,
            product_area=request.tags[0] if request.tags else None,
        )
    return saved(note, ref.name)
