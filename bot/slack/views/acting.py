"""Messages when an admin acts for someone: the admin's reply and the person's DM."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.slack.commands import COMMAND
from bot.slack.text import escape
from bot.slack.views import format as fmt
from bot.slack.views.blocks import section
from bot.slack.views.limits import Message, fit_message
from bot.usecases.time_off import TimeOffResult


def _what(results: Sequence[TimeOffResult], today: date, note: str) -> tuple[str, str]:
    first, last = results[0].first_day, results[0].last_day
    where = ", ".join(f"*{escape(r.rotation)}*" for r in results)
    reason = f" ({escape(note)})" if note else ""
    return f"{fmt.day_range(first, last, today=today)}{reason} in {where}", fmt.day_range(
        first, last, today=today
    )


def _moves(results: Sequence[TimeOffResult], today: date, whose: str) -> str:
    handed = [e for r in results for e in r.replacements]
    if not handed:
        return f" {whose} no queue days then." if not any(r.released for r in results) else ""
    shown = ", ".join(f"{fmt.day(e.day, today=today)} to {fmt.mention(e.member)}" for e in handed)
    return f" Days handed over: {shown}."


def booked_for(results: Sequence[TimeOffResult], today: date, note: str, person: str) -> Message:
    """The admin's reply after booking time off for `person`."""
    what, plain = _what(results, today, note)
    text = f":palm_tree: Booked time off for {fmt.mention(person)} {what}."
    text += _moves(results, today, "They had")
    text += f" I told {fmt.mention(person)} by DM."
    return fit_message(f"Booked time off for them {plain}.", [section(text)])


def booked_by(results: Sequence[TimeOffResult], today: date, note: str, admin: str) -> Message:
    """To the person an admin booked time off for: what was done, and by whom."""
    what, plain = _what(results, today, note)
    first = results[0].first_day
    text = (
        f":palm_tree: {fmt.mention(admin)} booked time off for you {what}."
        + _moves(results, today, "You had")
        + f" `{COMMAND} away list` shows it; `{COMMAND} away cancel {first.isoformat()}` "
        "cancels it."
    )
    return fit_message(f"Time off was booked for you {plain}.", [section(text)])
