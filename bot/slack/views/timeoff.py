"""Messages about time-off calendars: to the people given days, and to admins."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.slack.text import escape
from bot.slack.views.blocks import section
from bot.slack.views.days import taken_over
from bot.slack.views.limits import Message, fit_message
from bot.usecases.time_off import TimeOffResult


def handovers(results: Sequence[TimeOffResult]) -> tuple[tuple[str, Message], ...]:
    """A DM to each person given days by synced time off, one per rotation and absentee."""
    posts: list[tuple[str, Message]] = []
    for result in results:
        given: dict[str, list[date]] = {}
        for entry in result.replacements:
            given.setdefault(entry.member, []).append(entry.day)
        for user, days in given.items():
            posts.append((user, taken_over(result.rotation, sorted(days), result.user)))
    return tuple(posts)


def feed_failed(rotation: str, hint: str, error: str) -> Message:
    """To a rotation's admins, once, when a time-off calendar stops syncing."""
    text = (
        f":warning: The time-off calendar `{escape(hint)}` of *{escape(rotation)}* could not "
        f"be synced: {escape(error)}. Nothing was changed; QueueDay keeps trying and tells "
        "you again only after it has worked once more. Check the link in your HR tool, "
        "or remove the calendar with `queueday timeoff feed remove`."
    )
    return fit_message(
        f"The time-off calendar of {escape(rotation)} could not be synced", [section(text)]
    )


def my_feed_failed(hint: str, error: str) -> Message:
    """To a person, once, when their own out-of-office calendar stops syncing."""
    text = (
        f":warning: Your out-of-office calendar `{escape(hint)}` could not be synced: "
        f"{escape(error)}. Nothing was changed; QueueDay keeps trying and tells you again "
        "only after it has worked once more. Check the link, or remove the calendar in "
        "`/queueday config me`."
    )
    return fit_message("Your out-of-office calendar could not be synced", [section(text)])
