"""Routing a `/queueday` command: quick replies in the ack, the rest to a handler.

Help, unknown subcommands and malformed arguments are answered at once from the text
alone (`quick_reply`, called by middleware in bot/listeners/commands.py). A subcommand
with a registered handler is acknowledged at once and then run in a lazy listener,
which posts the handler's reply to the response_url (`run_handler`).

Adding a subcommand handler (later issues):

    from bot.dispatch import CommandContext, handles

    @handles("who")
    def who(ctx: CommandContext) -> Message:
        ...  # infer the rotation, today = its local day, parse_request(ctx.line, today),
        ...  # call one use case, return a view builder's message

A handler may raise CommandError (usage shown) or a use case's UseCaseError (its
message shown); anything else reaches the app's error handler.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from slack_sdk import WebClient

from bot.command_args import Help, parse_request
from bot.commands import BY_NAME, CommandError, CommandLine, UnknownSubcommand, split_command
from bot.services import Services
from bot.usecases.errors import UseCaseError
from bot.views.errors import refusal
from bot.views.help import (
    command_error,
    help_message,
    not_available,
    subcommand_help,
    unknown_subcommand,
)
from bot.views.limits import Message


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


Handler = Callable[[CommandContext], Message]
HANDLERS: dict[str, Handler] = {}


def handles(name: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of subcommand `name`."""
    if name not in BY_NAME:
        raise ValueError(f"{name!r} is not a subcommand in bot.commands.SUBCOMMANDS")

    def register(handler: Handler) -> Handler:
        HANDLERS[name] = handler
        return handler

    return register


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


def run_handler(ctx: CommandContext) -> Message | None:
    """The registered handler's reply; a refusal or a usage error as its reply."""
    handler = HANDLERS.get(ctx.line.name)
    if handler is None:
        return None
    try:
        return handler(ctx)
    except CommandError as exc:
        return command_error(exc)
    except UseCaseError as exc:
        return refusal(exc.message)
