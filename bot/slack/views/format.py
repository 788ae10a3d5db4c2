"""How days, ranges, balances and people read in QueueDay's messages."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from fractions import Fraction

from bot.slack.text import escape

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_USER_ID = re.compile(r"[UW][A-Z0-9]{1,20}")  # a person; B… bots cannot be mentioned
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day(value: date, *, today: date | None = None) -> str:
    """`Tue 12 Jan`, with the year when it is not the year of `today` (or always without
    a `today`)."""
    text = f"{WEEKDAYS[value.weekday()]} {value.day} {MONTHS[value.month - 1]}"
    if today is None or value.year != today.year:
        text += f" {value.year}"
    return text


def day_range(first: date, last: date, *, today: date | None = None) -> str:
    """One day, or `Tue 12 Jan – Fri 15 Jan`."""
    if first == last:
        return day(first, today=today)
    return f"{day(first, today=today)} – {day(last, today=today)}"


def days(values: Iterable[date], *, today: date | None = None) -> str:
    """Days as a comma-separated list; `none` when there are none."""
    shown = [day(v, today=today) for v in values]
    return ", ".join(shown) if shown else "none"


def relative(value: date, today: date) -> str:
    """`today`, `tomorrow`, `in 5 days`, or nothing for days long past."""
    delta = (value - today).days
    if delta == 0:
        return "today"
    if delta == 1:
        return "tomorrow"
    if delta > 1:
        return f"in {delta} days"
    return ""


def balance(value: Fraction) -> str:
    """A balance in days with its sign: `+0.25`, `-1.5`, `0`."""
    rounded = round(float(value), 2)
    if rounded == 0:
        return "0"
    return f"{rounded:+.2f}".rstrip("0").rstrip(".")


def balance_days(value: Fraction) -> str:
    """A distance from a fair share, unsigned, with its unit: `1 day`, `0.5 days`."""
    shown = balance(value).lstrip("+-")
    return f"{shown} day" if shown == "1" else f"{shown} days"


def mention(user: str) -> str:
    """A Slack mention of a user id (shown by Slack as their name).

    Ids come from imports and hooks too: anything that is not a Slack user id is shown
    as escaped text, never as markup.
    """
    return f"<@{user}>" if _USER_ID.fullmatch(user) else escape(user)


def people(users: Iterable[str]) -> str:
    """Mentions joined by commas; `nobody` for none."""
    shown = [mention(u) for u in users]
    return ", ".join(shown) if shown else "nobody"
