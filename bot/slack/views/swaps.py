"""Swap and cover requests: what the asker, the person asked and the channel see."""

from __future__ import annotations

from datetime import date

from bot.slack.text import escape
from bot.slack.views import format as fmt
from bot.slack.views.blocks import Block, actions, button, context, said, section
from bot.slack.views.limits import Message, fit_message
from bot.usecases.swaps import RequestInfo

ACCEPT = "swap:accept"
DECLINE = "swap:decline"
WITHDRAW = "swap:withdraw"


def _span(day: date, through: date | None, today: date) -> str:
    """One day, or both days of a two-day stint: 'Tue Jan 12 and Wed Jan 13'."""
    if through is None:
        return fmt.day(day, today=today)
    return f"{fmt.day(day, today=today)} and {fmt.day(through, today=today)}"


def _counted(request: RequestInfo) -> str:
    return "two days" if request.through else "a day"


def _what(request: RequestInfo, today: date) -> str:
    """The request in one clause, from the asker's side."""
    mine = _span(request.day, request.through, today)
    if request.kind == "swap":
        assert request.counterpart_day is not None
        theirs = _span(request.counterpart_day, request.counterpart_through, today)
        return (
            f"{fmt.mention(request.requester)}'s *{mine}* for "
            f"{fmt.mention(request.counterpart or '')}'s *{theirs}*"
        )
    return f"{fmt.mention(request.requester)}'s *{mine}*"


def asked(request: RequestInfo, today: date, *, posted_in: str | None = None) -> Message:
    """To the asker: the request is out, with a button to withdraw it."""
    other = fmt.mention(request.counterpart or "")
    day = _span(request.day, request.through, today)
    if request.kind == "swap":
        assert request.counterpart_day is not None
        theirs = _span(request.counterpart_day, request.counterpart_through, today)
        text = f":arrows_counterclockwise: Asked {other} to swap your *{day}* for their *{theirs}*."
    elif request.counterpart:
        text = f":raising_hand: Asked {other} to cover your *{day}*."
    else:
        where = f" in <#{posted_in}>" if posted_in else ""
        rotation = escape(request.rotation)
        text = f":raising_hand: Asked everyone in *{rotation}*{where} to cover your *{day}*."
    blocks: list[Block] = [
        section(text),
        context("You will get a message when they answer."),
        actions(button("Withdraw", WITHDRAW, value=str(request.id))),
    ]
    return fit_message(f"Request #{request.id} sent ({request.kind} of {day}).", blocks)


def ask(request: RequestInfo, today: date) -> Message:
    """To the person asked (a DM), or to the channel for an open cover: with buttons."""
    day = _span(request.day, request.through, today)
    if request.kind == "swap":
        assert request.counterpart_day is not None
        theirs = _span(request.counterpart_day, request.counterpart_through, today)
        text = (
            f":arrows_counterclockwise: {fmt.mention(request.requester)} asks to swap queue days "
            f"in *{escape(request.rotation)}*: you would take their *{day}* and they would take "
            f"your *{theirs}*."
        )
        plain = f"Swap request: their {day} for your {theirs}"
    elif request.counterpart:
        text = (
            f":raising_hand: {fmt.mention(request.requester)} asks you to cover their "
            f"*{day}* on the *{escape(request.rotation)}* queue. It counts as "
            f"{_counted(request)} for you; later plans give it back."
        )
        plain = f"Cover request: their {day}"
    else:
        text = (
            f":raising_hand: {fmt.mention(request.requester)} needs someone to take their "
            f"*{day}* on the *{escape(request.rotation)}* queue. It counts as "
            f"{_counted(request)} for whoever takes it; later plans give it back."
        )
        plain = f"Cover needed: {day} on {escape(request.rotation)}"
    buttons = [
        button(
            "Accept" if request.counterpart else "Take it",
            ACCEPT,
            value=str(request.id),
            style="primary",
        )
    ]
    if request.counterpart:
        buttons.append(button("Decline", DECLINE, value=str(request.id)))
    return fit_message(
        plain, [section(text), actions(*buttons, block_id=f"request:{request.id}")], ephemeral=False
    )


def decided(request: RequestInfo, today: date) -> Message:
    """What became of a request, for everyone involved (replaces the buttons)."""
    day = _span(request.day, request.through, today)
    other, asker = fmt.mention(request.counterpart or ""), fmt.mention(request.requester)
    rotation = escape(request.rotation)
    if request.state == "accepted" and request.kind == "swap":
        assert request.counterpart_day is not None
        theirs = _span(request.counterpart_day, request.counterpart_through, today)
        text = (
            f":white_check_mark: Swapped in *{rotation}*: {other} now has *{day}* and "
            f"{asker} has *{theirs}*."
        )
    elif request.state == "accepted":
        text = f":white_check_mark: {other} covers {asker}'s *{day}* in *{rotation}*."
    elif request.state == "declined":
        text = f":x: {other} declined the {request.kind} of {_what(request, today)}."
    else:
        what = _what(request, today)
        text = f":leftwards_arrow_with_hook: The {request.kind} request for {what} was withdrawn."
    plain = f"Request #{request.id} ({request.kind} of {day}) {request.state}"
    return fit_message(plain, [section(text)])


def not_done(message: str) -> Message:
    """A button that could not do what it says: why (the message stays as it was)."""
    text = f":no_entry_sign: {said(message)}"
    return fit_message(text, [section(text)], replace_original=False)
