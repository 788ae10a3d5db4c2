"""`/queueday config me`: one's own settings, for now the out-of-office calendars."""

from __future__ import annotations

from bot.slack.dispatch import CommandContext, Outcome
from bot.slack.views.timeoff_config import mine_modal
from bot.usecases.timeoff_mine import my_calendars


def is_mine(ctx: CommandContext) -> bool:
    """True for `config me`: the person's own settings, not a rotation's."""
    return [str(a).lower() for a in ctx.line.args] == ["me"]


def my_settings(ctx: CommandContext) -> Outcome:
    """Open the person's own settings modal (anyone may)."""
    with ctx.services.session() as session:
        feeds = my_calendars(session, team_id=ctx.team_id, user=ctx.user_id)
    return Outcome(modal=mine_modal(feeds))
