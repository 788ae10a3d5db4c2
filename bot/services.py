"""What listeners need beyond the request: the workspace served, the database, the clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)
from sqlalchemy.engine import Engine
from sqlmodel import Session

# The key under which middleware puts the Services into every Bolt context.
SERVICES_KEY = "queueday_services"
DEFAULT_API_URL = "https://slack.com/api/"


@dataclass(frozen=True)
class Installation:
    """The workspace this server serves, as `auth.test` described the bot token."""

    team_id: str
    team_name: str
    bot_user_id: str | None = None
    bot_id: str | None = None
    enterprise_id: str | None = None


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ReactionEmoji:
    """The emoji that save a message in a rotation's channel (names without colons)."""

    bug: str = "bug"
    highlight: str = "sparkles"


@dataclass(frozen=True)
class Services:
    """Built once at start-up by `bot.slack.app.create_app`; read by listeners via `services_of`."""

    installation: Installation
    engine: Engine | None = None
    clock: Callable[[], datetime] = field(default=utc_now)
    base_url: str = "http://localhost:3000"
    secret_key: str | None = field(default=None, repr=False)  # signs calendar feed links
    reactions: ReactionEmoji = field(default_factory=ReactionEmoji)
    # Time-off calendar URLs may name private addresses (QUEUEDAY_ALLOW_PRIVATE_URLS).
    allow_private_urls: bool = False

    def session(self) -> Session:
        """A new database session for one request; the caller closes it (`with`).

        Values stay readable after the use case commits (`expire_on_commit=False`).
        """
        if self.engine is None:
            raise RuntimeError("QueueDay was started without a database")
        return Session(self.engine, expire_on_commit=False)

    def __deepcopy__(self, memo: dict[int, Any]) -> Services:
        # Bolt deep-copies the context for lazy listeners; the services (an engine and
        # its pool) are shared, never copied.
        return self


def services_of(context: BoltContext | dict[str, Any]) -> Services:
    """The app's Services from a listener's `context`."""
    services = context[SERVICES_KEY]
    assert isinstance(services, Services)
    return services


def make_client(api_url: str = DEFAULT_API_URL, token: str | None = None) -> WebClient:
    """A Web API client for `api_url` that waits out 429s (Retry-After) and retries
    dropped connections."""
    return WebClient(
        token=token,
        base_url=api_url,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=3),
        ],
    )
