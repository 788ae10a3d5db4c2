"""To a rotation's admins when Slack deactivated one of its members."""

from __future__ import annotations

from datetime import date

from bot.slack.text import escape
from bot.slack.views import format as fmt
from bot.slack.views.blocks import section
from bot.slack.views.days import taken_over
from bot.slack.views.limits import Message, fit_message
from bot.usecases.departures import CompanyExit
from bot.usecases.members import Departure


def left_company(departure: Departure) -> Message:
    """Once per deactivation and rotation: who left, and where their days went."""
    who, where = fmt.mention(departure.user), escape(departure.rotation)
    text = f":wave: {who}'s Slack account was deactivated, so they left *{where}*"
    text += f" after {departure.left.isoformat()}." if departure.left else "."
    if departure.replacements:
        handed = ", ".join(
            f"{e.day.isoformat()} to {fmt.mention(e.member)}" for e in departure.replacements
        )
        text += f" Their days went to others: {handed}."
    filled = {e.day for e in departure.replacements}
    short = [d.isoformat() for d in departure.released if d not in filled]
    if short:
        text += f" Nobody could take {', '.join(short)}: those days are short of people."
    if not departure.released:
        text += " They had no queue days ahead."
    return fit_message(f"{departure.user} left {departure.rotation}", [section(text)])


def exit_posts(gone: CompanyExit) -> list[tuple[str, Message]]:
    """The DMs a deactivation calls for: each rotation's admins, and whoever got days."""
    posts: list[tuple[str, Message]] = []
    for departure in gone.departures:
        posts.extend(
            (admin, left_company(departure)) for admin in gone.admins.get(departure.rotation, ())
        )
        given: dict[str, list[date]] = {}
        for entry in departure.replacements:
            given.setdefault(entry.member, []).append(entry.day)
        posts.extend(
            (member, taken_over(departure.rotation, days, gone.user))
            for member, days in given.items()
        )
    return posts
