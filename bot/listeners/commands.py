"""`/queueday`: what the text alone answers is answered in the ack; the rest runs lazily.

Two listeners, so that only commands with a handler pay for a lazy listener (Bolt
copies the request for it): the first matches those, the second answers the others.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.commands import COMMAND, split_command
from bot.dispatch import CommandContext, quick_reply, run_handler
from bot.listeners.errors import reported
from bot.services import services_of


def register(app: App) -> None:
    app.command(COMMAND, matchers=[needs_handler])(ack=acknowledge, lazy=[reported(run_command)])
    app.command(COMMAND)(answer_now)


def needs_handler(command: dict[str, Any], context: BoltContext) -> bool:
    """True when a handler must run: the text alone does not give the reply."""
    return quick_reply(command.get("text", ""), services_of(context).clock().date()) is None


def answer_now(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
    """Help, unknown subcommands and malformed arguments: the reply is the ack."""
    reply = quick_reply(command.get("text", ""), services_of(context).clock().date())
    ack(**(reply or {}))


def acknowledge(ack: Ack) -> None:
    ack()


def run_command(
    body: dict[str, Any],
    command: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    respond: Respond,
) -> None:
    """After the ack: run the subcommand's handler and post its reply."""
    services = services_of(context)
    reply = run_handler(
        CommandContext(
            line=split_command(command.get("text", "")),
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
