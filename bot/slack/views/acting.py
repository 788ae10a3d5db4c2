"""Messages when an admin acts for someone: the admin's reply and the person's DM."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.slack.commands import COMMAND
from bot.slack.text import escape
from bot.slack.views import format as fmt
from bot.slack.views.blocks import actions, button, context, section
from bot.slack.views.limits import Message, fit_message
from bot.slack.views.swaps import WITHDRAW
from bot.usecases.acting import Handover
from bot.usecases.swaps import RequestInfo
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


def offered_for(request: RequestInfo, today: date, *, posted_in: str | None) -> Message:
    """The admin's reply after offering `request.requester`'s day to everyone."""
    who, day = fmt.mention(request.requester), fmt.day(request.day, today=today)
    where = f" in <#{posted_in}>" if posted_in else ""
    text = (
        f":raising_hand: Asked everyone in *{escape(request.rotation)}*{where} to cover "
        f"{who}'s *{day}*, in their name. I told {who} by DM."
    )
    return fit_message(
        f"Request #{request.id} sent (cover of {day}, for them).",
        [
            section(text),
            context("Whoever takes it is told; so is the person you asked for."),
            actions(button("Withdraw", WITHDRAW, value=str(request.id))),
        ],
    )


def offered_by(request: RequestInfo, today: date, admin: str) -> Message:
    """To the person whose day an admin offered for cover: what, and by whom."""
    day = fmt.day(request.day, today=today)
    text = (
        f":raising_hand: {fmt.mention(admin)} asked everyone in *{escape(request.rotation)}* "
        f"to cover your *{day}* for you. You will get a message when someone takes it; "
        "until then the day is still yours."
    )
    return fit_message(f"Your {day} was offered for cover.", [section(text)])


def _handover(handover: Handover, today: date) -> tuple[str, str]:
    """The change in words (for the admin) and the plain fallback."""
    person, taker = fmt.mention(handover.person), fmt.mention(handover.taker)
    day = fmt.day(handover.day, today=today)
    if handover.taker_day is None:
        return f"{taker} now covers {person}'s *{day}*", f"{day} handed over"
    theirs = fmt.day(handover.taker_day, today=today)
    return f"{taker} now has {person}'s *{day}* and {person} has {taker}'s *{theirs}*", (
        f"{day} swapped for {theirs}"
    )


def handed_for(handover: Handover, today: date) -> Message:
    """The admin's reply after a cover or swap made for someone."""
    what, plain = _handover(handover, today)
    text = (
        f":white_check_mark: Done in *{escape(handover.rotation)}*: {what}. "
        f"I told {fmt.mention(handover.person)} and {fmt.mention(handover.taker)} by DM."
    )
    return fit_message(f"{plain} in {handover.rotation}.", [section(text)])


def handed_by(handover: Handover, today: date, admin: str) -> Message:
    """To the person an admin acted for: which day went where, and by whom."""
    day = fmt.day(handover.day, today=today)
    taker = fmt.mention(handover.taker)
    rotation = escape(handover.rotation)
    if handover.taker_day is None:
        text = (
            f":arrows_counterclockwise: {fmt.mention(admin)} handed your *{day}* in "
            f"*{rotation}* to {taker}, who covers it for you. Later plans even it out."
        )
    else:
        theirs = fmt.day(handover.taker_day, today=today)
        text = (
            f":arrows_counterclockwise: {fmt.mention(admin)} swapped your *{day}* in "
            f"*{rotation}* for {taker}'s *{theirs}*: you are on the queue on *{theirs}* "
            f"instead. `{COMMAND} my` shows your days."
        )
    return fit_message(f"{admin} changed your queue day {day}.", [section(text)])


def given_by(handover: Handover, today: date, admin: str) -> Message:
    """To the person who got the day: what they took on, for whom, and who decided."""
    day = fmt.day(handover.day, today=today)
    person = fmt.mention(handover.person)
    rotation = escape(handover.rotation)
    if handover.taker_day is None:
        text = (
            f":inbox_tray: {fmt.mention(admin)} asked you to cover {person}'s *{day}* in "
            f"*{rotation}*, and it is yours now. It counts as a day for you; later plans "
            "give it back."
        )
    else:
        theirs = fmt.day(handover.taker_day, today=today)
        text = (
            f":inbox_tray: {fmt.mention(admin)} swapped your *{theirs}* in *{rotation}* for "
            f"{person}'s *{day}*, who cannot answer themselves: you are on the queue on "
            f"*{day}* instead."
        )
    text += f" If it does not work for you, talk to {fmt.mention(admin)}."
    return fit_message(f"New queue day in {handover.rotation}: {day}", [section(text)])
