"""Global Bolt middleware: one workspace only, each event once (by any replica), services
in the context.

Written as `Middleware` classes rather than decorated functions: Bolt calls these
directly, without building the keyword arguments it injects into a function, which
took a third of the CPU time of answering `/queueday help`.
"""

from __future__ import annotations

import itertools
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

from bot.services import SERVICES_KEY, Services
from bot.slack.views.errors import other_workspace
from bot.usecases import receipts
from bot.usecases.errors import Conflict

log = logging.getLogger(__name__)

_JSON: dict[str, str | Sequence[str]] = {"content-type": "application/json;charset=utf-8"}


class RefuseOtherTeams(Middleware):
    """Answers a request from any team but `team_id` with a polite no.

    A slash command gets the refusal as its ephemeral reply; an action with a
    response_url gets it there; anything else is acknowledged and dropped.
    """

    def __init__(self, team_id: str) -> None:
        self.team_id = team_id

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        context = req.context
        if context.team_id is None or context.team_id == self.team_id:
            return next()
        log.warning("refused a request from team %s (serving %s)", context.team_id, self.team_id)
        reply = other_workspace()
        if "command" in req.body:
            return BoltResponse(status=200, body=json.dumps(reply), headers=_JSON)
        if context.response_url and context.respond is not None:
            context.respond(**reply)
        return BoltResponse(status=200, body="")


class RecentIds:
    """Ids seen in the last `ttl` seconds (at most `size` of them), safe across threads.

    Only for an app without a database (in-process tests, the console), which is alone
    by definition; `queueday serve` keeps ids in the database (`DatabaseReceipts`), so
    a retry reaching another replica is still recognised.
    """

    def __init__(self, size: int = 10_000, ttl: float = 3600.0) -> None:
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()
        self._size = size
        self._ttl = ttl

    def first_time(self, key: str, team_id: str | None = None, now: float | None = None) -> bool:
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


class DatabaseReceipts:
    """Received event ids in the database, shared by every replica (bot.usecases.receipts).

    Every SWEEP_EVERY receipts this process also forgets the expired ids, so the table
    stays bounded however many replicas share it.
    """

    SWEEP_EVERY = 100

    def __init__(self, services: Services) -> None:
        self.services = services
        self._count = itertools.count()

    def first_time(self, key: str, team_id: str | None = None) -> bool:
        now = self.services.clock()
        with self.services.session() as session:
            first = receipts.first_receipt(session, key=key, team_id=team_id, now=now)
            if next(self._count) % self.SWEEP_EVERY == 0:
                try:
                    receipts.forget_old_receipts(session, now=now)
                except Conflict:  # another replica was sweeping the same rows
                    log.info("received ids: another process is forgetting old ones")
        return first


class SkipRepeatedEvents(Middleware):
    """Acknowledges an event already received (a retry of it) without handling it again."""

    def __init__(self, seen: RecentIds | DatabaseReceipts) -> None:
        self.seen = seen

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        body = req.body
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if not isinstance(event_id, str):
            return next()
        retry = req.headers.get("x-slack-retry-num", [""])[0]
        reason = req.headers.get("x-slack-retry-reason", [""])[0]
        if not self.seen.first_time(receipt_key(event_id, retry, reason), req.context.team_id):
            log.info("event %s already received; retry %s acknowledged only", event_id, retry)
            return BoltResponse(status=200, body="")
        return next()


def receipt_key(event_id: str, retry: str, reason: str) -> str:
    """What a delivery is remembered by: its event_id, unless our side never answered it.

    Slack retries after 3 s without an answer (`http_timeout`: the first delivery may
    still be running, so it is the same delivery) and after a failed one (`http_error`,
    `connection_failed`, ...: a replica died before answering, behind a load balancer
    that said 502; nothing acknowledged it, so it is handled, once per retry number).
    """
    if not retry or reason == "http_timeout":
        return f"event:{event_id}"
    return f"event:{event_id}:retry:{retry[:8]}"


class ProvideServices(Middleware):
    """Puts the app's Services into every request's context (see `services_of`)."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        req.context[SERVICES_KEY] = self.services
        return next()
