"""`user_change`: a member whose Slack account was deactivated leaves every rotation; one
reactivated is reported to the admins (once), never re-added."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

import bot.usecases as uc
from bot.services import services_of
from bot.slack.followups import post
from bot.slack.views.departures import exit_posts, return_posts
from bot.usecases.departures import leave_company, return_to_company


def user_changed(event: dict[str, Any], body: dict[str, Any], context: BoltContext,
                 client: WebClient) -> None:  # fmt: skip
    """Deactivated (`deleted: true`): end their memberships, re-plan, tell admins once.
    Active (`deleted: false`) after a deactivation ended memberships: tell their admins."""
    user = event.get("user")
    if not isinstance(user, dict) or not isinstance(user.get("deleted"), bool):
        return
    user_id, team = str(user.get("id") or ""), body.get("team_id") or context.team_id or ""
    services = services_of(context)
    if user["deleted"] is False:
        with services.session() as session:
            back = return_to_company(session, team_id=team, now=services.clock(), user=user_id)
        for channel, message in return_posts(user_id, back):
            post(client, channel, message)
        return
    with services.session() as session:
        try:
            gone = leave_company(session, team_id=team, now=services.clock(), user=user_id)
        except uc.NotFound:  # not a workspace QueueDay knows
            return
    for channel, message in exit_posts(gone):
        post(client, channel, message)
