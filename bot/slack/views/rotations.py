"""The reply when QueueDay cannot tell which rotation a command is about."""

from __future__ import annotations

from bot.slack.commands import COMMAND, Subcommand
from bot.slack.text import escape
from bot.slack.views.blocks import said, section
from bot.slack.views.limits import Message, fit_message
from bot.usecases.lookup import RotationUnclear


def takes_rotation(sub: Subcommand) -> bool:
    """True if the subcommand's usage has a place for a rotation name."""
    return "[rotation]" in sub.usage or "<rotation>" in sub.usage


def rotation_unclear(error: RotationUnclear, sub: Subcommand) -> Message:
    """Why no rotation was picked, the rotations to pick from and how to name one."""
    lines = [f":compass: {said(error.message)}"]
    if not error.options:
        lines.append(f"Anyone can start one: `{COMMAND} create support #support`.")
    elif takes_rotation(sub) and sub.name not in ("create",):
        example = f"{COMMAND} {sub.name} {escape(error.options[0])}"
        lines.append(f"Name one, e.g. `{example}`, or use the command in its channel.")
    else:
        lines.append(f"Use the command in the rotation's channel (`{COMMAND} {sub.name} …`).")
    if not error.ambiguous and error.options and sub.name != "join":
        lines.append(f"To join one: `{COMMAND} join {escape(error.options[0])}`.")
    text = "\n".join(lines)
    return fit_message(text, [section(text)])
