"""`/queueday`: replies that can be given at once come in the ack; the rest run after it.

`ImmediateReplies`, a global middleware, answers before any listener runs: help,
unknown subcommands and malformed arguments from the text alone, and the quick reads
(`who`, `my`, `schedule`, `stats`, `calendar`) from the database, every time: no answer
is kept in memory, so none is staler than a commit any replica has made (README,
"Running more than one process", has the measurement). No listener thread is taken and
there is no wait for Bolt's ack polling (every 10 ms), so a burst of them cannot starve
the pool the other commands need. Those reach the listener, which acknowledges at once
and runs the handler in a lazy listener, then its follow-ups (DMs, App Homes).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from slack_bolt import Ack, App, BoltContext, BoltRequest, BoltResponse, Respond
from slack_bolt.middleware import Middleware
from slack_sdk import WebClient

import bot.slack.handlers  # noqa: F401  (registers every subcommand's handler)
from bot.services import Services, services_of
from bot.slack.commands import COMMAND, split_command
from bot.slack.dispatch import CommandContext, is_inline, quick_reply, run_handler
from bot.slack.followups import deliver
from bot.slack.listeners.errors import reported
from bot.slack.views.limits import Message

_JSON: dict[str, str | Sequence[str]] = {"content-type": "application/json;charset=utf-8"}


def register(app: App) -> None:
    app.use(ImmediateReplies())
    app.command(COMMAND)(ack=acknowledge, lazy=[reported(run_command)])


class ImmediateReplies(Middleware):
    """Answers a `/queueday` command whose reply needs only its text or a quick read."""

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        body = req.body
        if body.get("command") != COMMAND:
            return next()
        services = services_of(req.context)
        text = body.get("text", "")
        reply = quick_reply(text, services.clock().date())
        if reply is None and is_inline(split_command(text).name):
            client = req.context.client
            assert client is not None
            reply = _read(body, services, client)
        if reply is None:
            return next()
        return BoltResponse(status=200, body=json.dumps(reply), headers=_JSON)


def _read(body: dict[str, Any], services: Services, client: WebClient) -> Message | None:
    """A quick read's reply (it changes nothing, so it has no follow-ups)."""
    outcome = run_handler(context_of(body, services, client))
    return outcome.reply if outcome is not None else None


def acknowledge(ack: Ack) -> None:
    ack()


def context_of(command: dict[str, Any], services: Services, client: WebClient) -> CommandContext:
    """What a handler sees of a slash command."""
    return CommandContext(
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


def run_command(
    body: dict[str, Any],
    command: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    respond: Respond,
) -> None:
    """After the ack: run the subcommand's handler, reply, then its follow-ups."""
    services = services_of(context)
    ctx = context_of(command, services, client)
    outcome = run_handler(ctx)
    if outcome is not None:
        deliver(
            outcome,
            client=client,
            services=services,
            team_id=ctx.team_id,
            respond=respond,
            trigger_id=ctx.trigger_id,
        )
