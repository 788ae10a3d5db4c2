"""Global Bolt middleware: one workspace only, each event once, services in the context."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

from slack_bolt import BoltContext, BoltRequest, BoltResponse

from bot.services import SERVICES_KEY, Services
from bot.views.errors import other_workspace

Middleware = Callable[..., BoltResponse | None]


def refuse_other_teams(team_id: str) -> Middleware:
    """Middleware answering a request from any team but `team_id` with a polite no.

    A slash command gets the refusal as its ephemeral reply; an action with a
    response_url gets it there; anything else is acknowledged and dropped.
    """

    def refuse_other_teams(
        context: BoltContext,
        body: dict[str, Any],
        logger: logging.Logger,
        next_: Callable[[], None],
    ) -> BoltResponse | None:
        if context.team_id is None or context.team_id == team_id:
            next_()
            return None
        logger.warning("refused a request from team %s (serving %s)", context.team_id, team_id)
        reply = other_workspace()
        if "command" in body:
            return BoltResponse(status=200, body=json.dumps(reply), headers=_JSON)
        if context.response_url and context.respond is not None:
            context.respond(**reply)
        return BoltResponse(status=200, body="")

    return refuse_other_teams


_JSON: dict[str, str | Sequence[str]] = {"content-type": "application/json;charset=utf-8"}


class RecentIds:
    """Ids seen in the last `ttl` seconds (at most `size` of them), safe across threads.

    Slack retries an event it thinks was not acknowledged in 3 s, with the same
    event_id; remembering ids for an hour covers its three retries (after ~1 s, 1 min
    and 5 min). One process serves HTTP (DESIGN.md section 4), so memory is enough.
    """

    def __init__(self, size: int = 10_000, ttl: float = 3600.0) -> None:
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()
        self._size = size
        self._ttl = ttl

    def first_time(self, key: str, now: float | None = None) -> bool:
        """True the first time `key` is seen (within the ttl); it is then remembered."""
        now = time.monotonic() if now is None else now
        with self._lock:
            while self._seen and (
                len(self._seen) >= self._size or next(iter(self._seen.values())) < now - self._ttl
            ):
                self._seen.popitem(last=False)
            if key in self._seen:
                return False
            self._seen[key] = now
            return True


def skip_repeated_events(seen: RecentIds) -> Middleware:
    """Middleware acknowledging an event already received without handling it again."""

    def skip_repeated_events(
        request: BoltRequest,
        body: dict[str, Any],
        logger: logging.Logger,
        next_: Callable[[], None],
    ) -> BoltResponse | None:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if isinstance(event_id, str) and not seen.first_time(event_id):
            retry = request.headers.get("x-slack-retry-num", ["?"])[0]
            logger.info("event %s already received; retry %s acknowledged only", event_id, retry)
            return BoltResponse(status=200, body="")
        next_()
        return None

    return skip_repeated_events


def provide(services: Services) -> Middleware:
    """Middleware putting the app's Services into every request's context."""

    def provide_services(context: BoltContext, next_: Callable[[], None]) -> None:
        context[SERVICES_KEY] = services
        next_()

    return provide_services
