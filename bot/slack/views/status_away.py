"""The channel post when a Slack status took someone off the day's queue."""

from __future__ import annotations

from datetime import date

from bot.slack.commands import COMMAND
from bot.slack.text import escape
from bot.slack.views import format as fmt
from bot.slack.views.blocks import context, section
from bot.slack.views.limits import Message, fit_message
from bot.usecases.time_off import TimeOffResult


def away_by_status_post(rotation: str, user: str, emoji: str, day: date,
                        result: TimeOffResult) -> Message:  # fmt: skip
    """In the rotation's channel: who is away by their status, and who takes the day."""
    who, where = fmt.mention(user), escape(rotation)
    takers = [e.member for e in result.replacements if e.day == day]
    text = (
        f":{emoji}: {who}'s Slack status is :{emoji}:, so QueueDay booked today as away "
        f"for them and took them off the *{where}* queue."
    )
    cancel = (
        f"`{COMMAND} away cancel {day.isoformat()}` (by {who} or an admin) cancels the time off"
    )
    if takers:
        text += f" {fmt.people(takers)} {'takes' if len(takers) == 1 else 'take'} the day."
        back = (
            f"{cancel}, and then an admin's `{COMMAND} cover today for "
            f"{fmt.mention(takers[0])} {who}` gives the day back"
        )
    else:
        text += " Nobody else is free today, so the queue is short of people."
        back = f"{cancel} and plans the day again"
    return fit_message(
        f"{user} is away today by their Slack status ({rotation})",
        [section(text), context(f"A status is a guess. If this one is wrong, {back}.")],
        ephemeral=False,
    )
