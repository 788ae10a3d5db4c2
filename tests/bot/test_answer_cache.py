"""The recent-answers cache: kept for its ttl, forgotten on any commit, never kept when a
commit happened while the answer was being computed."""

from __future__ import annotations

from sqlalchemy import text

from bot.answer_cache import AnswerCache
from storage.db import make_engine


def test_answers_are_kept_for_the_ttl() -> None:
    now = [0.0]
    cache = AnswerCache(ttl=5, clock=lambda: now[0])
    computed: list[int] = []

    def compute() -> int:
        computed.append(1)
        return len(computed)

    assert cache.answer("k", compute) == 1
    now[0] = 4.9
    assert cache.answer("k", compute) == 1
    now[0] = 5.1
    assert cache.answer("k", compute) == 2
    assert cache.answer("other", compute) == 3


def test_a_commit_forgets_every_answer() -> None:
    engine = make_engine("sqlite://")
    cache = AnswerCache()
    cache.watch(engine)
    assert cache.answer("k", lambda: "before") == "before"
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
    assert cache.answer("k", lambda: "after") == "after"


def test_an_answer_computed_across_a_commit_is_not_kept() -> None:
    cache = AnswerCache()

    def racing() -> str:
        cache.clear()  # another thread committed while this answer was read
        return "stale"

    assert cache.answer("k", racing) == "stale"
    assert cache.answer("k", lambda: "fresh") == "fresh"


def test_the_oldest_answers_go_beyond_the_size() -> None:
    cache = AnswerCache(size=2)
    for key in "abc":
        cache.answer(key, lambda key=key: key)
    assert cache.answer("a", lambda: "again") == "again"
    assert cache.answer("c", lambda: "again") == "c"
