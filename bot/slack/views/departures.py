"""To a rotation's admins when Slack deactivated one of its members, or reactivated one."""

from __future__ import annotations

from datetime import date

from bot.slack.commands import COMMAND
from bot.slack.text import escape
from bot.slack.views import format as fmt
from bot.slack.views.blocks import section
from bot.slack.views.days import taken_over
from bot.slack.views.limits import Message, fit_message
from bot.usecases.departures import CompanyExit, Return
from bot.usecases.members import Departure


def left_company(departure: Departure, *, on_today: bool = False) -> Message:
    """Once per deactivation and rotation: who left, and where their days went."""
    who, where = fmt.mention(departure.user), escape(departure.rotation)
    text = f":wave: {who}'s Slack account was deactivated, so they left *{where}*"
    text += f" after {departure.left.isoformat()}." if departure.left else "."
    if on_today:
        text += (
            " Their queue day today stays theirs, as served; if nobody is covering it, "
            f"`{COMMAND} cover today for {who} @teammate` hands it on."
        )
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
        notice = left_company(departure, on_today=departure.rotation in gone.on_today)
        posts.extend((admin, notice) for admin in gone.admins.get(departure.rotation, ()))
        given: dict[str, list[date]] = {}
        for entry in departure.replacements:
            given.setdefault(entry.member, []).append(entry.day)
        posts.extend(
            (member, taken_over(departure.rotation, days, gone.user))
            for member, days in given.items()
        )
    return posts


def came_back(user: str, back: Return) -> Message:
    """Once per reactivation and rotation: they are active again, and were not re-added."""
    who, where = fmt.mention(user), escape(back.rotation)
    text = (
        f":wave: {who}'s Slack account is active again. Their membership of *{where}* "
        f"ended on {back.left.isoformat()} when it was deactivated, and QueueDay has not "
        "put them back: they may be back for a handover, not the queue. A rotation keeps "
        "one membership per person, and rejoining after leaving is not supported yet, so "
        f"`{COMMAND} add {who}` refuses it for *{where}*; they can join another rotation."
    )
    return fit_message(f"{user} is active again ({back.rotation})", [section(text)])


def return_posts(user: str, returns: tuple[Return, ...]) -> list[tuple[str, Message]]:
    """The DMs a reactivation calls for: each affected rotation's admins, once."""
    return [(admin, came_back(user, back)) for back in returns for admin in back.admins]
