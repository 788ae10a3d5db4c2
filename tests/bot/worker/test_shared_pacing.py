"""Workers pace Slack together (bot.worker.pacing): turns per conversation come from the
database, so two workers posting to one channel keep Slack's one-a-second between them,
and a 429 one of them gets holds back the other too. On SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bot.services import make_client
from bot.worker.pacing import Pacer, SharedPacer
from storage import migrate
from storage.db import make_engine
from tests.bot.fake_slack import FakeSlack
from tests.storage.databases import BACKENDS, pg_schema

T0 = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)


@pytest.fixture(params=BACKENDS)
def shared(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database several threads (standing for worker processes) open at once."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'pace.db'}")
        migrate.upgrade(engine)
        yield engine
        engine.dispose()
        return
    with pg_schema() as database:
        engine = database.engine()
        migrate.upgrade(engine)
        yield engine
        engine.dispose()


class Clock:
    """A wall clock that moves only when a pacer sleeps; the sleeps are recorded."""

    def __init__(self) -> None:
        self.now = T0
        self.slept: list[float] = []

    def wall(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += timedelta(seconds=seconds)


def test_two_workers_take_turns_on_one_channel(shared: Engine) -> None:
    clock = Clock()
    a, b = (
        SharedPacer(shared, 1.0, team_id="T1", wall=clock.wall, sleep=clock.sleep) for _ in range(2)
    )
    a.wait("channel:C1")  # first: at once
    b.wait("channel:C1")  # the other worker: a second later
    a.wait("channel:C1")
    assert clock.slept == [1.0, 1.0]
    b.wait("channel:C2")  # another conversation has its own turns
    assert clock.slept == [1.0, 1.0]
    a.wait("api:usergroups.users.update", interval=3.0)
    b.wait("api:usergroups.users.update", interval=3.0)
    assert clock.slept == [1.0, 1.0, 3.0]


def test_a_429_holds_back_every_worker_of_the_workspace(shared: Engine) -> None:
    clock = Clock()
    a, b = (
        SharedPacer(shared, 1.0, team_id=team, wall=clock.wall, sleep=clock.sleep)
        for team in ("T1", "T1")
    )
    other = SharedPacer(shared, 1.0, team_id="T2", wall=clock.wall, sleep=clock.sleep)
    a.backoff(30)
    a.backoff(5)  # a shorter hold never shortens one already set
    other.wait("channel:C9")  # another workspace is not held
    assert clock.slept == []
    b.wait("channel:C2")
    assert clock.slept == [30.0]
    b.wait("channel:C3")  # the hold is over
    assert clock.slept == [30.0]


def test_the_in_memory_pacer_holds_back_after_a_429_too() -> None:
    now, slept = [0.0], []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    pacer = Pacer(1.0, clock=lambda: now[0], sleep=sleep)
    pacer.backoff(10)
    pacer.wait("channel:C1")
    assert slept == [10.0]


def posts(fake: FakeSlack, pacer: Pacer, count: int) -> None:
    client = make_client(fake.api_url, fake.bot_token)
    for n in range(count):
        pacer.wait("C0PACE")
        client.chat_postMessage(channel="C0PACE", text=f"post {n}")
        pacer.sent("C0PACE")


@pytest.mark.parametrize("kind", ["shared", "in_memory"])
def test_two_workers_posting_to_one_channel_meet_slacks_pace(shared: Engine, kind: str) -> None:
    """Against the fake Slack's pacing (429 for a second post within the interval): the
    shared pacer gets none; two in-memory pacers, each alone in its own mind, do."""
    with FakeSlack() as fake:
        fake.pace(0.1)
        pacers: list[Pacer] = (
            [SharedPacer(shared, 0.25, team_id=fake.team_id) for _ in range(2)]
            if kind == "shared"
            else [Pacer(0.25) for _ in range(2)]
        )
        threads = [threading.Thread(target=posts, args=(fake, p, 4)) for p in pacers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        refused = [c for c in fake.calls("chat.postMessage") if c.status == 429]
        assert len(fake.messages("C0PACE")) == 8  # the client waits out every 429
    if kind == "shared":
        assert refused == []
    else:
        assert refused != []
