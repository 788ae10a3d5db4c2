"""Replies for when QueueDay itself cannot help: a failure, another workspace, a refusal."""

from __future__ import annotations

from bot.slack.text import shell_text
from bot.slack.views.blocks import context, friendly_dates, said, section
from bot.slack.views.help import HELP_HINT
from bot.slack.views.limits import Message, fit_message


def something_went_wrong() -> Message:
    """The reply when a listener fails: an apology, nothing technical."""
    text = (
        ":face_with_head_bandage: Sorry, something went wrong on QueueDay's side and "
        "nothing was changed. Please try again in a minute; if it keeps happening, tell "
        "whoever runs QueueDay for your team."
    )
    return fit_message(text, [section(text)])


def other_workspace() -> Message:
    """The reply to a request from a workspace this installation does not serve."""
    text = (
        ":wave: This QueueDay is set up for another Slack workspace, so it can't help "
        "here. Ask your Slack admin to install QueueDay for this workspace."
    )
    return fit_message(text, [section(text)])


def refusal(message: str) -> Message:
    """A use case's refusal (not allowed, not found, a conflict), said as it is."""
    text = f":no_entry_sign: {said(message)}"
    return fit_message(text, [section(text), context(HELP_HINT)])


def modal_error(message: str) -> str:
    """A use case's refusal under a modal's input: Slack shows it as plain text, so no
    markup (`<@U02>` reads `@U02`) and days the friendly way, as in every other reply."""
    return friendly_dates(shell_text(message, user_prefix="@"))
