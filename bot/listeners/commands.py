"""`/queueday`: answer what the text alone can answer in the ack, the rest lazily."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.commands import COMMAND, UnknownSubcommand, split_command
from bot.dispatch import CommandContext, quick_reply, run_handler
from bot.listeners.errors import reported
from bot.services import services_of


def register(app: App) -> None:
    app.command(COMMAND)(ack=acknowledge, lazy=[reported(run_command)])


def acknowledge(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
    """Help, unknown or malformed commands are answered here; others get an empty ack."""
    today = services_of(context).clock().date()
    reply = quick_reply(command.get("text", ""), today)
    if reply is None:
        ack()
    else:
        ack(**reply)


def run_command(
    body: dict[str, Any],
    command: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    respond: Respond,
) -> None:
    """After the ack: run the subcommand's handler and post its reply."""
    services = services_of(context)
    text = command.get("text", "")
    if quick_reply(text, services.clock().date()) is not None:
        return  # answered in the ack
    try:
        line = split_command(text)
    except UnknownSubcommand:
        return
    reply = run_handler(
        CommandContext(
            line=line,
            team_id=command.get("team_id", ""),
            user_id=command.get("user_id", ""),
            channel_id=command.get("channel_id", ""),
            user_name=command.get("user_name", ""),
            response_url=command.get("response_url"),
            trigger_id=command.get("trigger_id"),
            now=services.clock(),
            services=services,
            client=client,
        )
    )
    if reply is not None:
        respond(**reply)
