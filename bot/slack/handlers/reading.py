"""Seeing the queue: `who`, `my`, `schedule`, `stats` (quick reads, answered in the ack)."""

from __future__ import annotations

import bot.usecases as uc
from bot.slack.args import Quarter, RotationOnly, Schedule, Who
from bot.slack.dispatch import CommandContext, handles
from bot.slack.handlers.common import read
from bot.slack.handlers.feeds import links_of
from bot.slack.handlers.pages import chart_url_of, page_url_of
from bot.slack.views.limits import Message
from bot.slack.views.mine import my_message
from bot.slack.views.queue import schedule_message, stats_message, who_message


@handles("who", inline=True)
def who(ctx: CommandContext) -> Message:
    """Who is on the queue today or on a date; posted in the channel."""
    with ctx.services.session() as session:
        # One transaction for both reads: who_is_on ends the one find_rotation began.
        request, ref = read(ctx, session, Who, any_in_workspace=True, keep_open=True)
        on = uc.who_is_on(
            session, team_id=ctx.team_id, rotation=ref.name, day=request.day or ref.today
        )
    return who_message(ref.name, ref.today, on)


@handles("my", inline=True)
def my(ctx: CommandContext) -> Message:
    """The person's next days, balance and time off in every rotation they are in."""
    with ctx.services.session() as session:
        overview = uc.my_overview(session, team_id=ctx.team_id, user=ctx.user_id, now=ctx.now)
        feeds = links_of(session, ctx.services, team_id=ctx.team_id, user=ctx.user_id)
    return my_message(overview, feeds)


@handles("schedule", inline=True)
def schedule(ctx: CommandContext) -> Message:
    """The published days of this or the next quarter."""
    with ctx.services.session() as session:
        request, ref = read(ctx, session, Schedule, any_in_workspace=True)
        offset = 1 if request.quarter == Quarter.NEXT else 0
        days = uc.quarter_schedule(
            session, team_id=ctx.team_id, rotation=ref.name, now=ctx.now, offset=offset
        )
        page = page_url_of(session, ctx.services, team_id=ctx.team_id, rotation=ref.name)
    return schedule_message(days, ctx.user_id, request.quarter.value, page_url=page)


@handles("stats", inline=True)
def stats(ctx: CommandContext) -> Message:
    """The fairness report of the rotation."""
    with ctx.services.session() as session:
        _, ref = read(ctx, session, RotationOnly, any_in_workspace=True)
        report = uc.fairness_report(session, team_id=ctx.team_id, rotation=ref.name, now=ctx.now)
        page = page_url_of(session, ctx.services, team_id=ctx.team_id, rotation=ref.name)
    return stats_message(report, ctx.user_id, page_url=page, chart_url=chart_url_of(page))
