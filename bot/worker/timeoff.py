"""The time-off sync pass: fetch every calendar, apply it, then send the DMs it calls for.

Run by the worker every QUEUEDAY_TIMEOFF_SYNC_MINUTES and by `queueday timeoff sync`.
The DMs go out after the sync's transaction committed, so nobody hears of a change
that was rolled back.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Protocol

from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.slack.views.limits import Message
from bot.slack.views.timeoff import feed_failed, handovers, my_feed_failed
from bot.usecases.timeoff_feeds import Fetcher, SyncReport, sync_time_off
from bot.usecases.timeoff_fetch import TIMEOUT_SECONDS, Fetched, fetch

log = logging.getLogger(__name__)


class Poster(Protocol):
    def chat_postMessage(self, *, channel: str, **kwargs: Any) -> Any: ...  # noqa: N802


def feed_fetcher(*, allow_private: bool, timeout: float = TIMEOUT_SECONDS) -> Fetcher:
    """The fetch the sync uses: the standard-library client with the SSRF guard."""

    def get(url: str, etag: str | None, last_modified: str | None) -> Fetched:
        return fetch(
            url,
            etag=etag,
            last_modified=last_modified,
            allow_private=allow_private,
            timeout=timeout,
        )

    return get


def messages_of(report: SyncReport) -> list[tuple[str, Message]]:
    """Who hears of a feed's sync: the people given days, and admins of a new failure."""
    posts = list(handovers(report.handed_over))
    if report.error is not None:
        failed = (
            feed_failed(report.rotation, report.hint, report.error)
            if report.owner is None
            else my_feed_failed(report.hint, report.error)
        )
        posts.extend((admin, failed) for admin in report.tell_admins)
    return posts


def sync_pass(
    engine: Engine,
    client: Poster | None,
    *,
    team_id: str,
    now: datetime,
    allow_private: bool,
    rotation: str | None = None,
    timeout: float = TIMEOUT_SECONDS,
    secret: str | None = None,
) -> list[SyncReport]:
    """Sync the workspace's calendars; DM through `client` (None: nobody is told).
    `secret` (QUEUEDAY_SECRET_KEY) opens the URLs sealed at rest."""
    with Session(engine, expire_on_commit=False) as session:
        reports = sync_time_off(
            session,
            team_id=team_id,
            now=now,
            rotation=rotation,
            fetch=feed_fetcher(allow_private=allow_private, timeout=timeout),
            secret=secret,
        )
    for report in reports:
        if report.error is not None:
            log.warning("time-off calendar #%d: %s", report.feed_id, report.error)
        if client is None:
            continue
        for channel, message in messages_of(report):
            try:
                client.chat_postMessage(
                    channel=channel, text=message["text"], blocks=message.get("blocks")
                )
            except SlackClientError as exc:  # the change is saved; one DM lost is logged
                log.warning("time-off sync: could not DM %s: %s", channel, _reason(exc))
    return reports


def _reason(exc: SlackClientError) -> str:
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error", "error"))
    return type(exc).__name__


__all__ = ["feed_fetcher", "messages_of", "sync_pass"]
