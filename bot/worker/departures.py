"""The daily deactivation check: `users.info` for everyone with a day in the coming week.

A `user_change` event missed while the app was down would leave a departed person on the
queue; this pass catches it (the same use case as the event: bot.usecases.departures).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Protocol

from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.slack.views.departures import exit_posts
from bot.usecases.departures import leave_company, people_on_soon

log = logging.getLogger(__name__)


class UsersClient(Protocol):
    def users_info(self, *, user: str) -> Any: ...
    def chat_postMessage(self, *, channel: str, **kwargs: Any) -> Any: ...  # noqa: N802


def check_departures(
    engine: Engine, client: UsersClient, *, team_id: str, now: datetime
) -> list[str]:
    """Ask Slack about each person on the queue soon; end the memberships of the
    deactivated ones. Returns those whose memberships it ended (someone deactivated
    earlier today still has today's day, and nothing left to end)."""
    with Session(engine, expire_on_commit=False) as session:
        users = people_on_soon(session, team_id=team_id, now=now)
    gone = []
    for user in users:
        try:
            answer = client.users_info(user=user)
        except SlackApiError as exc:  # user_not_found, user_not_visible, ...: ask again tomorrow
            log.warning("users.info %s: %s", user, exc.response.get("error"))
            continue
        if answer.get("user", {}).get("deleted") is not True:
            continue
        with Session(engine, expire_on_commit=False) as session:
            ended = leave_company(session, team_id=team_id, now=now, user=user)
        if not ended.departures:
            continue
        gone.append(user)
        for channel, message in exit_posts(ended):
            try:
                client.chat_postMessage(
                    channel=channel, text=message["text"], blocks=message.get("blocks")
                )
            except SlackClientError as exc:
                log.warning("could not DM %s about %s leaving: %s", channel, user, exc)
    return gone
