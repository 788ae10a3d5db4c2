"""The command reference and the replies to commands QueueDay cannot read."""

from __future__ import annotations

import functools

from bot.slack.commands import COMMAND, GROUPS, NAMES, SUBCOMMANDS, CommandError, Subcommand
from bot.slack.dates import DATE_FORMS, RANGE_FORMS
from bot.slack.text import escape
from bot.slack.views.blocks import Block, code, context, divider, header, said, section
from bot.slack.views.limits import Message, fit_message

HELP_HINT = f"Type `{COMMAND} help` for every command, or `{COMMAND} help &lt;subcommand&gt;`."


def _line(sub: Subcommand) -> str:
    return f"`{COMMAND} {escape(sub.usage)}`\n{escape(sub.summary)}"


def subcommand_list() -> str:
    """All subcommand names as inline code, for short replies."""
    return ", ".join(f"`{name}`" for name in NAMES)


@functools.cache
def help_message() -> Message:
    """The whole reference, grouped; each subcommand with its usage and one line.

    Built once per process (it depends on nothing): it is the most frequent reply and
    the largest; callers must not change the dict.
    """
    blocks: list[Block] = [
        header("QueueDay commands"),
        section(
            "QueueDay shares the support queue fairly. Replies only you can see unless "
            "noted. A rotation is inferred from the channel or from your only one when "
            "you leave it out."
        ),
    ]
    text_lines = ["QueueDay commands"]
    for group in GROUPS:
        subs = [s for s in SUBCOMMANDS if s.group == group]
        title = f"*{group}*" + (" (rotation admins)" if all(s.admin for s in subs) else "")
        blocks.append(divider())
        blocks.append(section(title + "\n" + "\n".join(_line(s) for s in subs)))
        text_lines.append(group + ":")
        text_lines += [f"  {COMMAND} {s.usage}: {s.summary}" for s in subs]
    blocks.append(
        context(
            f"Dates: {DATE_FORMS}. Ranges: {RANGE_FORMS}. Dates are in the rotation's "
            f"timezone. {HELP_HINT}"
        )
    )
    return fit_message("\n".join(text_lines), blocks)


def subcommand_help(sub: Subcommand) -> Message:
    """One subcommand: usage, what it does, examples."""
    lines = [
        f"*`{COMMAND} {escape(sub.usage)}`*",
        escape(sub.summary[:1].upper() + sub.summary[1:]) + ".",
    ]
    if sub.admin:
        lines.append("_For the rotation's admins._")
    if sub.examples:
        lines.append("Examples:\n" + "\n".join(f"• `{COMMAND} {escape(e)}`" for e in sub.examples))
    blocks = [section("\n".join(lines)), context(HELP_HINT)]
    text = f"{COMMAND} {sub.usage}: {sub.summary}"
    return fit_message(text, blocks)


def unknown_subcommand(word: str, suggestion: str | None) -> Message:
    """The reply to a first word that is no subcommand: the list, and a guess if close."""
    guess = f" Did you mean `{suggestion}`?" if suggestion else ""
    lines = [
        f":thinking_face: I don't know {code(word)}.{guess}",
        f"Subcommands: {subcommand_list()}.",
        HELP_HINT,
    ]
    text = f"I don't know that subcommand. Subcommands: {', '.join(NAMES)}. {HELP_HINT}"
    return fit_message(text, [section("\n".join(lines))])


def command_error(error: CommandError) -> Message:
    """A subcommand with arguments it cannot take: what was wrong, then its usage."""
    lines = [f":warning: {said(error.message)}"]
    if error.subcommand is not None:
        sub = error.subcommand
        lines.append(f"Usage: `{COMMAND} {escape(sub.usage)}`")
        if sub.examples:
            lines.append(
                "For example: " + ", ".join(f"`{COMMAND} {escape(e)}`" for e in sub.examples[:2])
            )
        lines.append(f"More: `{COMMAND} help {sub.name}`")
    else:
        lines.append(HELP_HINT)
    return fit_message("\n".join(lines), [section("\n".join(lines))])


def not_available(sub: Subcommand) -> Message:
    """A subcommand this server knows but cannot run yet."""
    lines = [
        f":construction: `{COMMAND} {sub.name}` is not available on this server yet.",
        f"Usage once it is: `{COMMAND} {escape(sub.usage)}`",
        HELP_HINT,
    ]
    return fit_message("\n".join(lines), [section("\n".join(lines))])


def shortcut_not_available(what: str) -> Message:
    """A message shortcut this server knows but cannot run yet."""
    text = f":construction: Saving a message as a {what} is not available on this server yet."
    return fit_message(text, [section(text)])
