"""Slack's pace for the worker, in one place: `SharedPacer` on the database, so every
worker process takes the same turns and holds back together after a 429; `Pacer` in
memory, for a process that is alone (the local console). Both: `wait(key, interval=)`
before a call, `sent(key)` after it, `backoff(seconds)` on a 429.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.usecases import pacing


class Pacer:
    """At least `interval` seconds between two posts to one conversation, in memory: for
    a process that is alone (the local console)."""

    def __init__(
        self,
        interval: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = interval
        self.clock = clock
        self.sleep = sleep
        self._last: dict[str, float] = {}
        self._held_until = float("-inf")
        self.waited = 0.0

    def wait(self, channel: str, *, interval: float | None = None) -> None:
        """Wait out `channel`'s turn (`interval`: another spacing for this key, such as
        `api:<method>` at Slack's Tier 2 rate)."""
        last = self._last.get(channel)
        turn = self._held_until
        if last is not None:
            turn = max(turn, last + (self.interval if interval is None else interval))
        left = turn - self.clock()
        if left > 0:
            self.waited += left
            self.sleep(left)

    def backoff(self, seconds: float) -> None:
        """Slack said 429 with Retry-After `seconds`: nothing is sent before it passes."""
        self._held_until = max(self._held_until, self.clock() + seconds)

    def sent(self, channel: str) -> None:
        self._last[channel] = self.clock()
        if len(self._last) > 50_000:  # forget conversations long quiet
            cutoff = self.clock() - self.interval
            self._last = {c: t for c, t in self._last.items() if t >= cutoff}


class SharedPacer(Pacer):
    """Turns reserved in `slack_pace` (bot.usecases.pacing), waited for here."""

    def __init__(
        self,
        engine: Engine,
        interval: float,
        *,
        team_id: str,
        wall: Callable[[], datetime] = lambda: datetime.now(UTC),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(interval, sleep=sleep)
        self.engine = engine
        self.team_id = team_id
        self.wall = wall

    def wait(self, key: str, *, interval: float | None = None) -> None:
        """Reserve `key`'s next turn and wait for it (`interval`: this key's spacing)."""
        spacing = timedelta(seconds=self.interval if interval is None else interval)
        with Session(self.engine) as session:
            now = self.wall()
            turn = pacing.take_turn(
                session, key=key, team_id=self.team_id, interval=spacing, now=now
            )
        left = (turn - now).total_seconds()
        if left > 0:
            self.waited += left
            self.sleep(left)

    def sent(self, key: str) -> None:
        """Nothing to do: the turn was reserved before the call."""

    def backoff(self, seconds: float) -> None:
        """Slack said 429 with Retry-After `seconds`: every worker holds back that long."""
        with Session(self.engine) as session:
            now = self.wall()
            until = now + timedelta(seconds=seconds)
            pacing.hold_back(session, team_id=self.team_id, until=until, now=now)
