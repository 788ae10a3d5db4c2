"""Messages about time-off calendars: to the people given days, and to admins."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.slack.text import escape
from bot.slack.views import format as fmt
from bot.slack.views.blocks import section
from bot.slack.views.days import taken_over
from bot.slack.views.limits import Message, fit_message
from bot.usecases.time_off import TimeOffResult


def handovers(results: Sequence[TimeOffResult]) -> tuple[tuple[str, Message], ...]:
    """One DM to each person given days by a sync, per rotation, however many absences
    gave them: each day with whose it was."""
    given: dict[tuple[str, str], list[tuple[date, str]]] = {}
    for result in results:
        for entry in result.replacements:
            given.setdefault((result.rotation, entry.member), []).append((entry.day, result.user))
    posts: list[tuple[str, Message]] = []
    for (rotation, user), days in given.items():
        absent = {by for _, by in days}
        if len(absent) == 1:
            posts.append((user, taken_over(rotation, sorted(d for d, _ in days), absent.pop())))
        else:
            posts.append((user, taken_over_from_several(rotation, sorted(days))))
    return tuple(posts)


def taken_over_from_several(rotation: str, days: Sequence[tuple[date, str]]) -> Message:
    """To someone given the days of several people at once (one calendar sync)."""
    shown = ", ".join(f"*{fmt.day(d)}* (for {fmt.mention(by)})" for d, by in days)
    text = (
        f":inbox_tray: You have new queue days in *{escape(rotation)}*: {shown}; the people "
        "named are away then. They count towards your fair share."
    )
    fallback = f"New queue days in {escape(rotation)}: {fmt.days(d for d, _ in days)}"
    return fit_message(fallback, [section(text)])


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
