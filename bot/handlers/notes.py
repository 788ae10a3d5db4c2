"""`bug` and `highlight`: saving what the people on the queue should see."""

from __future__ import annotations

from collections.abc import Callable

import bot.usecases as uc
from bot.command_args import Note
from bot.dispatch import CommandContext, handles
from bot.handlers.common import read
from bot.usecases.notes import NoteInfo
from bot.views.limits import Message
from bot.views.notes import saved


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
