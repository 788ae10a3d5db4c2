"""Routing a `/queueday` command: quick replies in the ack, the rest to a handler.

Help, unknown subcommands and malformed arguments are answered at once from the text
alone (`quick_reply`, called by middleware in bot/slack/listeners/commands.py). A subcommand
with a registered handler is acknowledged at once and then run in a lazy listener,
which posts the handler's reply to the response_url (`run_handler`).

A handler (bot/slack/handlers/) infers the rotation, parses the line against the rotation's
today, calls one use case and returns a view's message, or an `Outcome` when the
change also concerns others (DMs to post, App Homes to refresh, a modal to open):

    @handles("who", inline=True)
    def who(ctx: CommandContext) -> Message:
        ...

`inline` handlers are quick reads answered in the ack itself (no lazy listener, no
wait for Bolt's ack polling); the others run after the ack. A handler may raise
CommandError (usage shown) or a use case's UseCaseError (its message shown); anything
else reaches the app's error handler.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from slack_sdk import WebClient

from bot.services import Services
from bot.slack.args import Help, parse_request
from bot.slack.commands import BY_NAME, CommandError, CommandLine, UnknownSubcommand, split_command
from bot.slack.views.errors import refusal
from bot.slack.views.help import (
    command_error,
    help_message,
    not_available,
    subcommand_help,
    unknown_subcommand,
)
from bot.slack.views.limits import Message
from bot.slack.views.rotations import rotation_unclear
from bot.usecases.errors import UseCaseError
from bot.usecases.lookup import RotationUnclear


@dataclass(frozen=True)
class CommandContext:
    """One slash command as a handler sees it: who, where, what, and the app's services."""

    line: CommandLine
    team_id: str
    user_id: str
    channel_id: str
    now: datetime
    services: Services
    client: WebClient
    user_name: str = ""
    response_url: str | None = None
    trigger_id: str | None = None


@dataclass(frozen=True)
class Outcome:
    """A handler's reply and what else its change calls for, done after the reply."""

    reply: Message | None = None
    posts: tuple[tuple[str, Message], ...] = ()  # (user or channel id, message)
    refresh: tuple[str, ...] = ()  # people whose App Home changed
    modal: dict[str, Any] | None = None  # opened with the command's trigger id


Handler = Callable[[CommandContext], Message | Outcome]
HANDLERS: dict[str, Handler] = {}
# Handlers answered in the ack itself: quick reads that change nothing.
_INLINE: set[Handler] = set()


def handles(name: str, *, inline: bool = False) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of subcommand `name`."""
    if name not in BY_NAME:
        raise ValueError(f"{name!r} is not a subcommand in bot.slack.commands.SUBCOMMANDS")

    def register(handler: Handler) -> Handler:
        HANDLERS[name] = handler
        if inline:
            _INLINE.add(handler)
        return handler

    return register


def is_inline(name: str) -> bool:
    """True if subcommand `name` is answered in the ack (see `handles`)."""
    handler = HANDLERS.get(name)
    return handler is not None and handler in _INLINE


def quick_reply(text: str, today: date) -> Message | None:
    """The reply that needs nothing but the text, or None when a handler must run.

    `today` only serves to check that dates read; a handler re-reads them against the
    rotation's own day.
    """
    try:
        line = split_command(text)
    except UnknownSubcommand as exc:
        return unknown_subcommand(exc.word, exc.suggestion)
    try:
        request = parse_request(line, today)
    except CommandError as exc:
        return command_error(exc)
    if isinstance(request, Help):
        return _help(request.topic)
    if line.name not in HANDLERS:
        return not_available(line.subcommand)
    return None


def _help(topic: str | None) -> Message:
    if topic is None:
        return help_message()
    try:
        line = split_command(topic)
    except UnknownSubcommand as exc:
        return unknown_subcommand(exc.word, exc.suggestion)
    return subcommand_help(line.subcommand)


def run_handler(ctx: CommandContext) -> Outcome | None:
    """The registered handler's outcome; a refusal or a usage error as its reply."""
    handler = HANDLERS.get(ctx.line.name)
    if handler is None:
        return None
    try:
        result = handler(ctx)
    except CommandError as exc:
        return Outcome(command_error(exc))
    except RotationUnclear as exc:
        return Outcome(rotation_unclear(exc, ctx.line.subcommand))
    except UseCaseError as exc:
        return Outcome(refusal(exc.message))
    return result if isinstance(result, Outcome) else Outcome(result)
