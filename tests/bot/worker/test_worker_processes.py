"""The real `queueday remind` processes against the fake Slack: killed with SIGKILL in the
middle of a batch and restarted, every reminder arrives exactly once; two at once (on
SQLite and on PostgreSQL), none twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from storage import migrate
from storage.db import make_engine, normalize_url
from storage.models import Member, OutboxState, ReminderOutbox, Rotation
from tests.bot.fake_slack import FakeSlack
from tests.bot.server import ROOT, serve_env
from tests.storage.databases import PG_URL, pg_schema
from tests.usecases.conftest import NOW, TEAM, build_team

PEOPLE = 150
NOW_ARG = "2027-01-04T09:30:00+01:00"


@pytest.fixture(scope="module")
def fake_api() -> Iterator[FakeSlack]:
    with FakeSlack(team_id=TEAM) as fake:
        yield fake


@pytest.fixture
def fake(fake_api: FakeSlack) -> FakeSlack:
    fake_api.reset()
    return fake_api


def seed(engine: Engine) -> int:
    """The test team, plus PEOPLE more people each with a due DM; returns the rows due."""
    migrate.upgrade(engine)
    with Session(engine, expire_on_commit=False) as session:
        build_team(session)
        rotation = session.exec(select(Rotation)).one()
    users = [f"UMANY{n:04d}" for n in range(PEOPLE)]
    payload = {"version": 1, "start": "2027-01-01", "end": "2027-03-31"}
    with engine.begin() as connection:
        connection.execute(
            insert(Member),
            [
                {"rotation_id": rotation.id, "user_id": u, "display_name": u, "weight": 1.0,
                 "role": "member", "created_at": NOW, "updated_at": NOW}
                for u in users
            ],
        )  # fmt: skip
        connection.execute(
            insert(ReminderOutbox),
            [
                {"rotation_id": rotation.id, "user_id": u, "dedupe_key": f"many:{u}",
                 "kind": "published", "due_at": NOW, "state": "pending", "attempts": 0,
                 "useful_until": NOW + timedelta(days=60), "payload": payload, "created_at": NOW}
                for u in users
            ],
        )  # fmt: skip
    with Session(engine) as session:
        due = session.exec(
            select(ReminderOutbox).where(
                ReminderOutbox.state == "pending",
                ReminderOutbox.due_at <= datetime(2027, 1, 4, 8, 30, tzinfo=UTC),
            )
        ).all()
    return len(due)


def remind(fake: FakeSlack, url: str, workdir: Path, *extra: str) -> subprocess.Popen[bytes]:
    env = serve_env(fake, workdir, DATABASE_URL=url)
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "remind", "--now", NOW_ARG, *extra],
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def finished(process: subprocess.Popen[bytes]) -> str:
    out, _ = process.communicate(timeout=60)
    text = out.decode()
    assert process.returncode == 0, text
    return text


def delivered(fake: FakeSlack) -> Counter[int]:
    return Counter(m["metadata"]["event_payload"]["outbox_id"] for m in fake.messages())


def states(engine: Engine) -> Counter[str]:
    with Session(engine) as session:
        return Counter(r.state for r in session.exec(select(ReminderOutbox)))


def test_kill_9_mid_batch_then_restart_delivers_each_reminder_exactly_once(
    fake: FakeSlack, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'q.db'}"
    engine = make_engine(url)
    due = seed(engine)
    fake.slow(0.02)  # each post answers late: a kill lands between posting and recording
    worker = remind(fake, url, tmp_path, "--lease", "2")
    deadline = time.monotonic() + 30
    while len(fake.messages()) < 30:
        assert worker.poll() is None and time.monotonic() < deadline, "no progress"
        time.sleep(0.01)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()
    posted_before = len(fake.messages())
    assert posted_before < due  # killed mid-batch
    time.sleep(2.5)  # the dead worker's lease runs out
    fake.slow(0)
    log = finished(remind(fake, url, tmp_path, "--lease", "2"))
    counts = delivered(fake)
    assert len(counts) == due and max(counts.values()) == 1, log
    assert states(engine)[OutboxState.SENT] == due
    engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_two_workers_at_once_send_nothing_twice(
    fake: FakeSlack, tmp_path: Path, backend: str
) -> None:
    if backend == "postgresql" and not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    with _database(backend, tmp_path) as (url, engine):
        due = seed(engine)
        fake.slow(0.003)
        workers = [remind(fake, url, tmp_path, "--lease", "30") for _ in range(2)]
        logs = [finished(w) for w in workers]
        counts = delivered(fake)
        assert len(counts) == due and max(counts.values()) == 1, logs
        assert states(engine)[OutboxState.SENT] == due
        sent = [int(line.split(": ", 1)[1].split(" sent")[0]) for log in logs for line in
                log.splitlines() if line.startswith("reminders due by")]  # fmt: skip
        assert sum(sent) == due


class _database:
    """A file SQLite or a fresh PostgreSQL schema, as a URL another process can open."""

    def __init__(self, backend: str, tmp_path: Path) -> None:
        self.backend, self.tmp_path = backend, tmp_path
        self._schema = pg_schema() if backend == "postgresql" else None

    def __enter__(self) -> tuple[str, Engine]:
        if self._schema is None:
            url = f"sqlite:///{self.tmp_path / 'two.db'}"
        else:
            database = self._schema.__enter__()
            assert database.schema is not None
            base = normalize_url(database.url).render_as_string(hide_password=False)
            url = f"{base}?options=-csearch_path%3D{database.schema}"
        self.engine = make_engine(url)
        return url, self.engine

    def __exit__(self, *exc: object) -> None:
        self.engine.dispose()
        if self._schema is not None:
            self._schema.__exit__(None, None, None)


assert ROOT.is_dir()


def test_queueday_worker_sends_as_due_and_stops_on_sigterm(fake: FakeSlack, tmp_path: Path) -> None:
    """The long-running worker: its first pass at start, then one every --interval."""
    url = f"sqlite:///{tmp_path / 'w.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    with Session(engine, expire_on_commit=False) as session:
        build_team(session, publish=False)
        rotation = session.exec(select(Rotation)).one()
    now = datetime.now(UTC)
    with engine.begin() as connection:
        connection.execute(
            insert(ReminderOutbox),
            [
                {"rotation_id": rotation.id, "user_id": "U01", "dedupe_key": f"w:{n}",
                 "kind": "published", "due_at": now + timedelta(seconds=3 * n),
                 "state": "pending", "attempts": 0, "useful_until": now + timedelta(days=1),
                 "payload": {"version": 1, "start": "2027-01-01", "end": "2027-03-31"},
                 "created_at": now}
                for n in range(2)
            ],
        )  # fmt: skip
    worker = subprocess.Popen(
        [sys.executable, "-m", "bot", "worker", "--interval", "1"],
        cwd=tmp_path,
        env=serve_env(fake, tmp_path, DATABASE_URL=url),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        fake.wait_for("chat.postMessage", 1, timeout=20)  # due now: the first pass
        assert len(fake.messages()) == 1
        fake.wait_for("chat.postMessage", 2, timeout=20)  # due 3 s later: a later pass
    finally:
        worker.send_signal(signal.SIGTERM)
        out, _ = worker.communicate(timeout=20)
    assert worker.returncode == 0, out.decode()
    assert "a pass every 1 s" in out.decode()
    assert states(engine)[OutboxState.SENT] == 2
    engine.dispose()
