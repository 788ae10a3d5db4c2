"""One pass of the worker against a stand-in Slack, for the demo console and tests."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.slack.views.reminders import outbox_id_of
from bot.worker.sender import Pacer, RunReport, Sender, WorkerConfig, feed_lookup


def local_pass(
    engine: Engine,
    *,
    api_url: str,
    token: str,
    team_id: str,
    as_of: datetime,
    secret_key: str | None = None,
    base_url: str = "http://localhost:3000",
    user: str | None = None,
) -> RunReport:
    """One pass against a stand-in Slack at `api_url` (the demo console): what the worker
    would send by `as_of` (to `user` and the channels only, if given), posted there at
    once (no pacing) and recorded as sent."""
    from bot.services import make_client
    from bot.slack.views.home import OPEN_SWAP

    sender = Sender(
        engine,
        make_client(api_url, token),
        team_id=team_id,
        config=WorkerConfig(channel_interval=0),
        wall=lambda: as_of,
        feeds=feed_lookup(secret_key, base_url),
        swap_action=OPEN_SWAP,
        pacer=Pacer(0),
        only_user=user,
    )
    return sender.run_once(as_of)


def next_reminder(engine: Engine, *, user: str, after: datetime) -> datetime | None:
    """When `user`'s next reminder is due after `after` (for `:remind next`)."""
    from storage.reminder_queries import next_due

    with Session(engine) as session:
        return next_due(session, user_id=user, after=after)


def sent_messages(calls: Iterable[dict[str, Any]]) -> list[int]:
    """The outbox ids of recorded chat.postMessage parameters (for tests and benches)."""
    ids = []
    for params in calls:
        meta = params.get("metadata")
        if isinstance(meta, str):
            import json

            meta = json.loads(meta)
        found = outbox_id_of({"metadata": meta or {}})
        if found is not None:
            ids.append(found)
    return ids
