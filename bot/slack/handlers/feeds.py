"""`calendar`: a person's calendar feed links, and resetting them."""

from __future__ import annotations

from sqlmodel import Session

import bot.usecases as uc
from bot.services import Services
from bot.slack.args import RotationOnly
from bot.slack.dispatch import CommandContext, handles
from bot.slack.handlers.common import typed
from bot.slack.views.limits import Message
from bot.slack.views.mine import Feed, calendar_message
from bot.usecases.feeds import feed_links


def links_of(
    session: Session, services: Services, *, team_id: str, user: str, rotation: str | None = None
) -> tuple[Feed, ...]:
    """The person's feed links (theirs first, then their rotations'); none if this server
    signs no links or the person is in no rotation."""
    if services.secret_key is None:
        return ()
    try:
        links = feed_links(
            session,
            team_id=team_id,
            user=user,
            now=services.clock(),
            secret=services.secret_key,
            base_url=services.base_url,
            rotation=rotation,
        )
    except uc.NotFound:
        return ()
    return tuple(Feed(link.title, link.url, link.webcal) for link in links.all())


@handles("calendar", inline=True)
def calendar(ctx: CommandContext) -> Message:
    """The person's feed links with a Reset button (only links; answered in the ack)."""
    request = typed(ctx, ctx.now.date(), RotationOnly)
    with ctx.services.session() as session:
        if request.rotation is not None:
            uc.find_rotation(
                session, team_id=ctx.team_id, user=ctx.user_id, now=ctx.now, name=request.rotation
            )
        feeds = links_of(
            session, ctx.services, team_id=ctx.team_id, user=ctx.user_id, rotation=request.rotation
        )
    return calendar_message(feeds)
