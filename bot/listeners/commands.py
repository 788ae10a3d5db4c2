"""`/queueday`: replies the text alone gives come at once; the rest runs after the ack.

Help, unknown subcommands and malformed arguments are answered by `TextOnlyReplies`,
a global middleware, before any listener: no listener thread is taken and there is no
wait for an ack (Bolt polls for it every 10 ms), so a burst of them cannot starve the
pool the real commands need. A subcommand with a handler reaches the listener, which
acknowledges at once and runs the handler in a lazy listener.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, BoltRequest, BoltResponse, Respond
from slack_bolt.middleware import Middleware
from slack_sdk import WebClient

from bot.commands import COMMAND, split_command
from bot.dispatch import CommandContext, quick_reply, run_handler
from bot.listeners.errors import reported
from bot.services import services_of


def register(app: App) -> None:
    app.use(TextOnlyReplies())
    app.command(COMMAND)(ack=acknowledge, lazy=[reported(run_command)])


class TextOnlyReplies(Middleware):
    """Answers a `/queueday` command whose reply needs nothing but its text."""

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        if req.body.get("command") != COMMAND:
            return next()
        today = services_of(req.context).clock().date()
        reply = quick_reply(req.body.get("text", ""), today)
        if reply is None:
            return next()
        return BoltResponse(
            status=200,
            body=json.dumps(reply),
            headers={"content-type": "application/json;charset=utf-8"},
        )


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
