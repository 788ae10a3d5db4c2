"""`queueday serve` freezes what start-up built, so full collections skip it."""

from __future__ import annotations

import gc
import weakref

from bot.web.app import freeze_startup_heap


class Node:
    def __init__(self) -> None:
        self.me = self


def test_the_startup_heap_is_frozen_and_garbage_is_collected_first() -> None:
    garbage = Node()
    gone = weakref.ref(garbage)
    del garbage  # a cycle: only the collector frees it
    before = gc.get_freeze_count()
    try:
        freeze_startup_heap()
        assert gone() is None
        assert gc.get_freeze_count() > before
    finally:
        gc.unfreeze()  # the rest of the test session collects as usual
