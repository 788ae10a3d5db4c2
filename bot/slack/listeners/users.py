"""`user_change`: a member whose Slack account was deactivated leaves every rotation."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

import bot.usecases as uc
from bot.services import services_of
from bot.slack.followups import post
from bot.slack.views.departures import exit_posts
from bot.usecases.departures import leave_company


def user_changed(event: dict[str, Any], body: dict[str, Any], context: BoltContext,
                 client: WebClient) -> None:  # fmt: skip
    """Deactivated (`deleted: true`): end their memberships, re-plan, tell admins once."""
    user = event.get("user")
    if not isinstance(user, dict) or user.get("deleted") is not True:
        return
    user_id, team = str(user.get("id") or ""), body.get("team_id") or context.team_id or ""
    services = services_of(context)
    with services.session() as session:
        try:
            gone = leave_company(session, team_id=team, now=services.clock(), user=user_id)
        except uc.NotFound:  # not a workspace QueueDay knows
            return
    for channel, message in exit_posts(gone):
        post(client, channel, message)
