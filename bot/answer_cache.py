"""Recent answers to the quick reads (`who`, `my`, `schedule`, `stats`, `calendar`).

A burst of the same command (a team asking `/queueday who` at stand-up) is answered from
memory instead of the database. An answer is forgotten as soon as this process commits
any write (the engine's `commit` event), and after `ttl` seconds in any case, which
bounds how stale a change made by another process (the worker, the command line) can
look. Answers are only kept when no commit happened while they were being computed.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

TTL_SECONDS = 5.0
MAX_ANSWERS = 10_000


class AnswerCache:
    """Answers by key for `ttl` seconds, dropped on any commit; safe across threads."""

    def __init__(
        self,
        ttl: float = TTL_SECONDS,
        size: int = MAX_ANSWERS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._answers: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._generation = 0
        self._ttl = ttl
        self._size = size
        self._clock = clock

    def watch(self, engine: Engine) -> None:
        """Forget every answer whenever a transaction on `engine` commits."""
        event.listen(engine, "commit", self._committed)

    def _committed(self, _connection: Any) -> None:
        self.clear()

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._answers.clear()

    def answer(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The answer kept for `key`, or `compute()`'s (kept unless a commit intervened)."""
        now = self._clock()
        with self._lock:
            found = self._answers.get(key)
            if found is not None and found[0] > now:
                return found[1]
            generation = self._generation
        value = compute()
        with self._lock:
            if generation == self._generation:
                self._answers[key] = (now + self._ttl, value)
                self._answers.move_to_end(key)
                while len(self._answers) > self._size:
                    self._answers.popitem(last=False)
        return value
