"""How days, ranges, balances and people read in QueueDay's messages."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from fractions import Fraction

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
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


def mention(user: str) -> str:
    """A Slack mention of a user id (shown by Slack as their name)."""
    return f"<@{user}>"


def people(users: Iterable[str]) -> str:
    """Mentions joined by commas; `nobody` for none."""
    shown = [mention(u) for u in users]
    return ", ".join(shown) if shown else "nobody"
