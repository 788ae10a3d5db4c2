"""Trading days: `swap` and `cover`; the person asked gets a DM with Accept and Decline."""

from __future__ import annotations

import bot.usecases as uc
from bot.slack.args import Cover, Swap
from bot.slack.dispatch import CommandContext, Outcome, handles
from bot.slack.handlers.acting import cover_as_admin, swap_as_admin
from bot.slack.handlers.common import read
from bot.slack.views.swaps import ask, asked


@handles("swap")
def swap(ctx: CommandContext) -> Outcome:
    """Offer one of one's days for one of the other person's."""
    with ctx.services.session() as session:
        request, ref = read(ctx, session, Swap, on_day=lambda r: r.my_day)
        if request.owner is not None and request.owner.id != ctx.user_id:
            return swap_as_admin(ctx, session, request, ref)  # `swap jan 12 of @ben with @cleo`
        info = uc.request_swap(
            session,
            team_id=ctx.team_id,
            rotation=ref.name,
            actor=ctx.user_id,
            now=ctx.now,
            day=request.my_day,
            counterpart=request.person.id,
            counterpart_day=request.their_day,
            through=request.my_through,
        )
    assert info.counterpart is not None
    return Outcome(asked(info, ref.today), posts=((info.counterpart, ask(info, ref.today)),))


@handles("cover")
def cover(ctx: CommandContext) -> Outcome:
    """Ask someone, or anyone in the rotation (in its channel), to take one's day."""
    with ctx.services.session() as session:
        request, ref = read(ctx, session, Cover, on_day=lambda r: r.day)
        if request.owner is not None and request.owner.id != ctx.user_id:
            return cover_as_admin(ctx, session, request, ref)  # `cover jan 12 for @ben`
        info = uc.request_cover(
            session,
            team_id=ctx.team_id,
            rotation=ref.name,
            actor=ctx.user_id,
            now=ctx.now,
            day=request.day,
            counterpart=request.person.id if request.person else None,
            through=request.through,
        )
    where = info.counterpart or ref.channel or ctx.channel_id
    posted_in = None if info.counterpart else where
    return Outcome(
        asked(info, ref.today, posted_in=posted_in), posts=((where, ask(info, ref.today)),)
    )
