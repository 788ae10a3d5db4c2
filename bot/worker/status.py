"""Slack status as away, the worker's part: at each rotation's morning, `users.profile.get`
for the day's people; a status emoji the admins named books the day as away
(bot.usecases.status_away), the channel is told and whoever takes the day gets a DM.

It runs at the start of each worker pass (Sender.run_once), before the channel's morning
rows are queued, so the handover post already names who took the day.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.slack.views.days import taken_over
from bot.slack.views.status_away import away_by_status_post
from bot.usecases.errors import UseCaseError
from bot.usecases.status_away import away_by_status, away_emoji, claim_status_checks
from bot.usecases.time_off import TimeOffResult

log = logging.getLogger(__name__)


class ProfileClient(Protocol):
    def users_profile_get(self, *, user: str) -> Any: ...
    def chat_postMessage(self, *, channel: str, **kwargs: Any) -> Any: ...  # noqa: N802


@dataclass(frozen=True)
class AwayByStatus:
    """Someone a status took off the day's queue."""

    rotation: str
    user: str
    day: date
    emoji: str
    result: TimeOffResult


def check_statuses(
    engine: Engine, client: ProfileClient, *, team_id: str, now: datetime
) -> list[AwayByStatus]:
    """The morning status check of every rotation due by `now` (each once a day)."""
    with Session(engine, expire_on_commit=False) as session:
        checks = claim_status_checks(session, team_id=team_id, now=now)
    found: list[AwayByStatus] = []
    for check in checks:
        for user in check.people:
            try:
                answer = client.users_profile_get(user=user)
            except SlackApiError as exc:  # user_not_found, missing_scope, ...: no guess
                log.warning("users.profile.get %s: %s", user, exc.response.get("error"))
                continue
            emoji = away_emoji(answer.get("profile") or {}, check.emoji, now)
            if emoji is None:
                continue
            with Session(engine, expire_on_commit=False) as session:
                try:
                    result = away_by_status(
                        session, team_id=team_id, rotation=check.rotation, user=user,
                        day=check.day, emoji=emoji, now=now,
                    )  # fmt: skip
                except UseCaseError as exc:  # e.g. time off already booked that day
                    log.info("status of %s in %s: %s", user, check.rotation, exc.message)
                    continue
            found.append(AwayByStatus(check.rotation, user, check.day, emoji, result))
            _tell(client, check.channel, found[-1])
    return found


def _tell(client: ProfileClient, channel: str | None, away: AwayByStatus) -> None:
    """The channel's post, and a DM to each person given the day."""
    posts = []
    if channel:
        posts.append(
            (
                channel,
                away_by_status_post(away.rotation, away.user, away.emoji, away.day, away.result),
            )  # fmt: skip
        )
    given: dict[str, list[date]] = {}
    for entry in away.result.replacements:
        given.setdefault(entry.member, []).append(entry.day)
    posts.extend((u, taken_over(away.rotation, days, away.user)) for u, days in given.items())
    for to, message in posts:
        try:
            client.chat_postMessage(channel=to, text=message["text"], blocks=message["blocks"])
        except SlackClientError as exc:
            log.warning("could not tell %s that %s is away by status: %s", to, away.user, exc)
