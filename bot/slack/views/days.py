"""Replies about one's own days: joining, leaving, time off."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.slack.commands import COMMAND
from bot.slack.text import escape
from bot.slack.views import format as fmt
from bot.slack.views.blocks import Block, button, context, section
from bot.slack.views.limits import Message, fit_message
from bot.usecases.members import Departure, MemberInfo
from bot.usecases.overview import AwayEntry
from bot.usecases.time_off import TimeOffResult
from scheduling.model import DayEntry

CANCEL_AWAY = "away:cancel"


def _handed(replacements: Sequence[DayEntry], today: date) -> str:
    if not replacements:
        return ""
    shown = ", ".join(
        f"{fmt.day(e.day, today=today)} to {fmt.mention(e.member)}" for e in replacements
    )
    return f" Your days went to others: {shown}."


def joined(member: MemberInfo, rotation: str) -> Message:
    text = (
        f":wave: You joined *{escape(rotation)}*. The next plan gives you your fair share "
        f"of days; `{COMMAND} my` shows them once an admin publishes it."
    )
    return fit_message(f"You joined {escape(rotation)}.", [section(text)])


def left(departure: Departure, rotation: str, today: date) -> Message:
    if departure.deleted:
        text = f":door: You left *{escape(rotation)}*."
    else:
        text = (
            f":door: You left *{escape(rotation)}* after today; your past days keep counting "
            "in everyone's fair shares."
        ) + _handed(departure.replacements, today)
        if departure.released and not departure.replacements:
            text += f" Days given up: {fmt.days(departure.released, today=today)}."
    return fit_message(f"You left {escape(rotation)}.", [section(text)])


def away_booked(results: Sequence[TimeOffResult], today: date, note: str) -> Message:
    first, last = results[0].first_day, results[0].last_day
    where = ", ".join(f"*{escape(r.rotation)}*" for r in results)
    reason = f" ({escape(note)})" if note else ""
    text = (
        f":palm_tree: Booked time off {fmt.day_range(first, last, today=today)}{reason} in {where}."
    )
    replacements = [e for r in results for e in r.replacements]
    released = [d for r in results for d in r.released]
    if released:
        text += _handed(replacements, today)
        filled = {e.day for e in replacements}
        short = [d for d in released if d not in filled]
        if short:
            text += f" Nobody could take {fmt.days(short, today=today)}; an admin will see it."
    else:
        text += " You had no queue days then."
    return fit_message(
        f"Booked time off {fmt.day_range(first, last, today=today)}.", [section(text)]
    )


def away_list(entries: Sequence[AwayEntry], today: date) -> Message:
    if not entries:
        text = f"You have no time off booked. `{COMMAND} away jan 12..jan 16 skiing` books some."
        return fit_message(text, [section(text)])
    grouped: dict[tuple[date, date, str], list[str]] = {}
    for entry in entries:
        grouped.setdefault((entry.first_day, entry.last_day, entry.note), []).append(entry.rotation)
    blocks: list[Block] = [section("*Your time off*")]
    for (first, last, note), rotations in grouped.items():
        reason = f" ({escape(note)})" if note else ""
        blocks.append(
            section(
                f":palm_tree: {fmt.day_range(first, last, today=today)}{reason} · "
                + ", ".join(escape(r) for r in rotations),
                accessory=button("Cancel", CANCEL_AWAY, value=max(first, today).isoformat()),
            )
        )
    blocks.append(
        context(f"`{COMMAND} away cancel &lt;date&gt;` cancels the time off on that date.")
    )
    plain = "Your time off: " + "; ".join(
        fmt.day_range(first, last, today=today) for first, last, _ in grouped
    )
    return fit_message(plain, blocks)


def away_cancelled(results: Sequence[TimeOffResult], today: date) -> Message:
    first, last = results[0].first_day, results[0].last_day
    where = ", ".join(f"*{escape(r.rotation)}*" for r in results)
    when = fmt.day_range(first, last, today=today)
    text = f":wastebasket: Cancelled your time off {when} in {where}."
    filled = [e for r in results for e in r.replacements if e.member == r.user]
    if filled:
        text += f" You are back on {fmt.days((e.day for e in filled), today=today)}."
    return fit_message(f"Cancelled time off {when}.", [section(text)])


def taken_over(rotation: str, days: Sequence[date], by: str) -> Message:
    """To someone who was given another person's days (time off, leaving)."""
    shown = fmt.days(days)
    text = (
        f":inbox_tray: You have new queue days in *{escape(rotation)}*: *{shown}*, "
        f"which {fmt.mention(by)} can no longer do. They count towards your fair share."
    )
    return fit_message(f"New queue days in {escape(rotation)}: {shown}", [section(text)])
