"""What Slack knows about a person: the name and timezone QueueDay shows and plans with,
and the email that matches them in imported history (with the users:read.email scope)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Profile:
    """A Slack user's id, the name to show, their timezone and email (if Slack says)."""

    user: str
    name: str
    timezone: str | None = None
    email: str | None = None


def profile_of(client: WebClient, user: str, fallback: str | None = None) -> Profile:
    """The person's real name, timezone and email from `users.info`; the fallback name (the
    label Slack put in a mention, or their handle) when Slack does not say."""
    try:
        response = client.users_info(user=user)
    except SlackApiError as exc:
        log.warning("users.info %s failed: %s", user, exc.response.get("error"))
        return Profile(user, fallback or user)
    data = response.get("user") or {}
    details = data.get("profile") or {}
    name = (
        data.get("real_name")
        or details.get("real_name")
        or details.get("display_name")
        or fallback
        or user
    )
    timezone = data.get("tz") or None
    # Slack gives profile.email only to apps with users:read.email (and never for bots).
    email = details.get("email") or None
    return Profile(
        user, str(name), str(timezone) if timezone else None, str(email) if email else None
    )
