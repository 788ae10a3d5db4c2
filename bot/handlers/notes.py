"""`bug` and `highlight`: saving what the people on the queue should see."""

from __future__ import annotations

import bot.usecases as uc
from bot.command_args import Note
from bot.dispatch import CommandContext, handles
from bot.handlers.common import read
from bot.views.limits import Message
from bot.views.notes import saved


@handles("bug")
def bug(ctx: CommandContext) -> Message:
    """Save a bug ticket for the rotation's queue."""
    with ctx.services.session() as session:
        request, ref = read(ctx, session, Note)
        note = uc.record_ticket(
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


@handles("highlight")
def highlight(ctx: CommandContext) -> Message:
    """Save something customers say works well."""
    with ctx.services.session() as session:
        request, ref = read(ctx, session, Note)
        note = uc.record_highlight(
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
