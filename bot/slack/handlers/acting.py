"""An admin's `cover ... for @ben` and `swap ... of @ben with @cleo`: the person acted for,
and whoever takes their day, hear by DM what was done and by whom."""

from __future__ import annotations

from sqlmodel import Session

import bot.usecases as uc
from bot.slack.args import Cover, Swap
from bot.slack.dispatch import CommandContext, Outcome
from bot.slack.views.acting import given_by, handed_by, handed_for, offered_by, offered_for
from bot.slack.views.swaps import ask
from bot.usecases.acting import Handover, cover_for, swap_for


def _told(handover: Handover, ctx: CommandContext, ref: uc.RotationRef) -> Outcome:
    posts = (
        (handover.person, handed_by(handover, ref.today, ctx.user_id)),
        (handover.taker, given_by(handover, ref.today, ctx.user_id)),
    )
    return Outcome(
        handed_for(handover, ref.today),
        posts=posts,
        refresh=(ctx.user_id, handover.person, handover.taker),
    )


def cover_as_admin(
    ctx: CommandContext, session: Session, request: Cover, ref: uc.RotationRef
) -> Outcome:
    """Offer the person's day to everyone in their name, or hand it to the one named."""
    assert request.owner is not None
    if request.person is not None:
        handover = cover_for(
            session, team_id=ctx.team_id, rotation=ref.name, actor=ctx.user_id, now=ctx.now,
            user=request.owner.id, day=request.day, taker=request.person.id,
        )  # fmt: skip
        return _told(handover, ctx, ref)
    info = uc.request_cover(
        session, team_id=ctx.team_id, rotation=ref.name, actor=ctx.user_id, now=ctx.now,
        day=request.day, for_user=request.owner.id,
    )  # fmt: skip
    where = ref.channel or ctx.channel_id
    posts = (
        (where, ask(info, ref.today)),
        (info.requester, offered_by(info, ref.today, ctx.user_id)),
    )
    return Outcome(offered_for(info, ref.today, posted_in=where), posts=posts)


def swap_as_admin(
    ctx: CommandContext, session: Session, request: Swap, ref: uc.RotationRef
) -> Outcome:
    """Trade the person's day for the other's, at once."""
    assert request.owner is not None
    handover = swap_for(
        session, team_id=ctx.team_id, rotation=ref.name, actor=ctx.user_id, now=ctx.now,
        user=request.owner.id, day=request.my_day, counterpart=request.person.id,
        counterpart_day=request.their_day,
    )  # fmt: skip
    return _told(handover, ctx, ref)
