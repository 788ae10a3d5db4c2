"""`queueday serve` and `queueday worker` on one SQLite file (README, "Deploying").

Both real processes run against the fake Slack: the worker sends a backlog of reminders
while people book and cancel time off and read their days through the server, on the
same database file. Every command is answered, every reminder is sent once, and no
"database is locked" (nor any other failure) reaches a person or a log.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from storage import migrate
from storage.db import make_engine
from storage.models import Member, ReminderOutbox
from storage.models import Rotation as RotationRow
from tests.bot.fake_slack import FakeSlack
from tests.bot.flows import Person, Rotation, now, seed, text_of
from tests.bot.server import SIGNING_SECRET, serve_env, start_server
from tests.bot.slack_requests import SlackSender

BACKLOG = 120  # reminders due when the worker starts
ROUNDS = 6  # each person books, lists, cancels and reads this many times
FAILURES = ("locked", "try again", "went wrong", "Sorry")


@pytest.fixture(scope="module")
def fake_api() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


def _backlog(engine_url: str, rotation: Rotation) -> list[str]:
    """BACKLOG more people in the rotation, each with a DM due now; their dedupe keys."""
    engine = make_engine(engine_url)
    moment = now()
    tag = uuid.uuid4().hex[:6]
    users = [f"UQ{tag.upper()}{n:04d}" for n in range(BACKLOG)]
    keys = [f"shared:{tag}:{u}" for u in users]
    with Session(engine) as session:
        rotation_id = session.exec(
            select(RotationRow.id).where(RotationRow.name == rotation.name)
        ).one()
    payload = {"version": 1, "start": str(moment.date()), "end": str(moment.date())}
    with engine.begin() as connection:
        connection.execute(
            insert(Member),
            [
                {"rotation_id": rotation_id, "user_id": u, "display_name": u, "weight": 1.0,
                 "role": "member", "created_at": moment, "updated_at": moment}
                for u in users
            ],
        )  # fmt: skip
        connection.execute(
            insert(ReminderOutbox),
            [
                {"rotation_id": rotation_id, "user_id": u, "dedupe_key": k, "kind": "published",
                 "due_at": moment - timedelta(minutes=1), "state": "pending", "attempts": 0,
                 "useful_until": moment + timedelta(days=1), "payload": payload,
                 "created_at": moment}
                for u, k in zip(users, keys, strict=True)
            ],
        )  # fmt: skip
    engine.dispose()
    return keys


def _when_sent(engine: Engine, keys: list[str], worker: subprocess.Popen[bytes]) -> list[Any]:
    """The backlog's outbox rows, once none is pending (polled: the worker is another process)."""
    deadline = time.monotonic() + 120
    while True:
        with Session(engine) as session:
            query = select(ReminderOutbox).where(col(ReminderOutbox.dedupe_key).in_(keys))
            rows = list(session.exec(query))
        states = Counter(r.state for r in rows)
        if not states["pending"] or worker.poll() is not None or time.monotonic() > deadline:
            return rows
        time.sleep(0.05)


def _typing(person: Person, rotation: Rotation) -> list[str]:
    """Book, list and cancel time off and read one's days, ROUNDS times; the replies."""
    replies = []
    days = rotation.days(person.user)
    for n in range(ROUNDS):
        day = days[n % len(days)]
        for text in (f"away {day.isoformat()}", "away list", f"away cancel {day}", "my"):
            replies.append(f"{text}: {text_of(person.command(text))}")
    return replies


def test_serve_and_worker_share_one_sqlite_file(fake_api: FakeSlack, tmp_path: Path) -> None:
    fake_api.reset()
    url = f"sqlite:///{tmp_path / 'queueday.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    rotation = seed(engine, people=4)
    keys = _backlog(url, rotation)
    server = start_server(fake_api, tmp_path)
    worker = subprocess.Popen(
        [sys.executable, "-m", "bot", "worker", "--interval", "1"],
        cwd=tmp_path,
        env=serve_env(fake_api, tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    senders = [
        SlackSender(
            base_url=server.url,
            signing_secret=SIGNING_SECRET,
            team_id=fake_api.team_id,
            response_url=fake_api.response_url(f"shared-{uuid.uuid4().hex[:8]}"),
        )
        for _ in rotation.everyone
    ]
    try:
        people = [
            Person(sender, fake_api, user, rotation.channel)
            for sender, user in zip(senders, rotation.everyone, strict=True)
        ]
        with ThreadPoolExecutor(len(people)) as pool:
            replies = [r for done in pool.map(_typing, people, [rotation] * 4) for r in done]
        # Every reminder of the backlog goes out while, and after, people type.
        rows = _when_sent(engine, keys, worker)
    finally:
        for sender in senders:
            sender.close()
        worker.send_signal(signal.SIGTERM)
        worker_log = worker.communicate(timeout=30)[0].decode()
        server.stop()
        engine.dispose()
    assert len(replies) == len(rotation.everyone) * ROUNDS * 4
    failed = [r for r in replies if any(word in r for word in FAILURES)]
    assert not failed, failed
    assert Counter(r.state for r in rows) == {"sent": BACKLOG}, worker_log
    sent_ids = Counter(
        m["metadata"]["event_payload"]["outbox_id"]
        for m in fake_api.messages()
        if m.get("metadata")
    )
    assert all(sent_ids[r.id] == 1 for r in rows)
    for name, log in (("server", server.log()), ("worker", worker_log)):
        assert "database is locked" not in log, f"{name}:\n{log}"
        assert "Traceback" not in log, f"{name}:\n{log}"
        assert "will be unused" not in log  # Bolt's warning about the token, once every start
    assert worker.returncode == 0, worker_log
