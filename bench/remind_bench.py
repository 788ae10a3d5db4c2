"""Reminder benchmark: 10,000 due reminders through real `queueday remind` processes.

The fake Slack Web API (tests/bot/fake_slack.py) runs in this process and enforces
Slack's rate for chat.postMessage, one message per second per conversation (a faster
post gets 429 with Retry-After: 1), and answers one call in every 2,500 with a 429 as
well. 1,000 people get 10 reminders each (a morning-of reminder pairing bug tickets with
highlights, and nine "your days" DMs), queued as a backlog all due at once, so each
conversation needs at least 9 s and the workers must pace themselves. Two workers run
at once on the same database (SQLite in WAL mode; PostgreSQL with --pg URL or
TEST_DATABASE_URL).

Printed: wall time and throughput; duplicates (a row posted twice, by the metadata the
fake received: must be 0); lost (a due row not delivered: must be 0); 429s; and the
workers' own time per message: their CPU time (user + system, from the kernel) minus
what the same process spends starting up with nothing to send (target under 5 ms).

    python bench/remind_bench.py [--reminders 10000] [--people 1000] [--workers 2] [--pg URL]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlmodel import Session, func, select  # noqa: E402

import bot.usecases as uc  # noqa: E402
from storage import migrate  # noqa: E402
from storage.db import make_engine, normalize_url  # noqa: E402
from storage.models import Assignment, Member, ReminderOutbox, Rotation  # noqa: E402
from tests.bot.fake_slack import FakeSlack  # noqa: E402

TEAM = "T0BENCH"
DAY = date(2027, 1, 12)  # a Tuesday
NOW = datetime(2027, 1, 12, 8, 0, tzinfo=UTC)  # 09:00 in Berlin: the morning-of is due
AS_OF = "2027-01-12T10:00:00+01:00"
TARGET_MS = 5.0


def seed(engine: Engine, *, reminders: int, people: int) -> int:
    """A rotation of `people`, each on the queue today, with `reminders` due rows."""
    migrate.upgrade(engine)
    with Session(engine, expire_on_commit=False) as session:
        uc.create_rotation(
            session, team_id=TEAM, actor="U0ADMIN", actor_name="Admin", now=NOW,
            name="support", timezone="Europe/Berlin", country="DE", subdivision="BE",
        )  # fmt: skip
        for n, area in enumerate(("billing", "search", "auth", "ui")):
            uc.record_ticket(session, team_id=TEAM, rotation="support", actor="U0ADMIN",
                             now=NOW, text=f"Bug {n}: export is slow", product_area=area,
                             url=f"https://tracker.example/{n}")  # fmt: skip
            uc.record_highlight(session, team_id=TEAM, rotation="support", actor="U0ADMIN",
                                now=NOW, text=f"Customer {n} loves it",
                                product_area=area)  # fmt: skip
        rotation = session.exec(select(Rotation)).one()
    users = [f"UB{n:05d}" for n in range(people)]
    per_person = max(reminders // people, 1)
    payload = {"version": 1, "start": "2027-01-01", "end": "2027-03-31"}
    with engine.begin() as connection:
        connection.execute(
            insert(Member),
            [{"rotation_id": rotation.id, "user_id": u, "display_name": u, "weight": 1.0,
              "role": "member", "timezone": "Europe/Berlin", "created_at": NOW,
              "updated_at": NOW} for u in users],
        )  # fmt: skip
        members = dict(connection.execute(select(Member.user_id, Member.id)).all())
        connection.execute(
            insert(Assignment),
            [{"rotation_id": rotation.id, "day": DAY, "member_id": members[u],
              "state": "published", "origin": "plan", "revision": 1, "created_at": NOW,
              "updated_at": NOW} for u in users],
        )  # fmt: skip
        days = dict(connection.execute(select(Assignment.member_id, Assignment.id)).all())
        rows = []
        # Interleaved like a real backlog: one person's rows are far apart in the queue.
        for k in range(per_person):
            for u in users:
                if len(rows) >= reminders:
                    break
                morning = k == 0
                rows.append(
                    {"rotation_id": rotation.id, "user_id": u, "due_at": NOW,
                     "state": "pending", "attempts": 0, "created_at": NOW,
                     "kind": "morning_of" if morning else "published",
                     "assignment_id": days[members[u]] if morning else None,
                     "assignment_revision": 1 if morning else None,
                     "dedupe_key": None if morning else f"bench:{k}:{u}",
                     "payload": None if morning else payload,
                     "useful_until": NOW + timedelta(hours=4 if morning else 720)}
                )  # fmt: skip
        connection.execute(insert(ReminderOutbox), rows)
    return len(rows)


def remind(url: str, api_url: str, workdir: Path, now: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "QUEUEDAY_"))}
    env.update(
        DATABASE_URL=url,
        SLACK_BOT_TOKEN="xoxb-test-token",
        SLACK_API_URL=api_url,
        QUEUEDAY_SECRET_KEY="bench-secret-key-at-least-32-characters",
        PYTHONPATH=str(ROOT),
    )
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "remind", "--now", now],
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def wait(process: subprocess.Popen[bytes]) -> tuple[float, str]:
    """The process's CPU seconds (user + system) and its output."""
    assert process.stdout is not None
    out = process.stdout.read().decode()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"worker failed ({process.returncode}):\n{out[-3000:]}")
    return usage.ru_utime + usage.ru_stime, out


def run(url: str, engine: Engine, args: argparse.Namespace, workdir: Path) -> None:
    due = seed(engine, reminders=args.reminders, people=args.people)
    with FakeSlack(team_id=TEAM) as fake:
        # Start-up cost of one worker process: the same command on an empty database.
        empty = workdir / "empty"
        empty.mkdir(exist_ok=True)
        startup, _ = wait(remind(f"sqlite:///{empty / 'e.db'}", fake.api_url, empty, AS_OF))
        fake.reset()
        fake.pace(1.0)
        fake.rate_limit_every(2500, retry_after=1)
        started = time.perf_counter()
        workers = [remind(url, fake.api_url, workdir, AS_OF) for _ in range(args.workers)]
        results = [wait(w) for w in workers]
        wall = time.perf_counter() - started
        posted = Counter(m["metadata"]["event_payload"]["outbox_id"] for m in fake.messages())
        limited = len([c for c in fake.calls() if c.status == 429])
    with Session(engine) as session:
        sent = session.exec(
            select(func.count()).select_from(ReminderOutbox).where(ReminderOutbox.state == "sent")
        ).one()
    duplicates = sum(n - 1 for n in posted.values() if n > 1)
    lost = due - len(posted) + (due - int(sent))
    cpu = sum(seconds for seconds, _ in results) - startup * len(results)
    per_message = cpu / max(len(posted), 1) * 1000
    print(f"  reminders due     {due:>8}  ({args.people} people, {args.workers} workers)")
    print(f"  wall time         {wall:>8.1f} s")
    print(f"  throughput        {len(posted) / wall:>8.0f} messages/s")
    print(f"  duplicates        {duplicates:>8}  (must be 0)")
    print(f"  lost              {lost:>8}  (must be 0)")
    print(f"  429s answered     {limited:>8}  (paced per conversation, Retry-After honoured)")
    print(
        f"  worker time/msg   {per_message:>8.2f} ms  (CPU minus {startup:.2f} s start-up per "
        f"process; target < {TARGET_MS:.0f} ms)"
    )
    for _, out in results:
        summary = [line for line in out.splitlines() if line.startswith("reminders due by")]
        print(f"    {summary[-1] if summary else out.strip().splitlines()[-1]}")
    if duplicates or lost:
        raise SystemExit("duplicates or lost reminders")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument("--people", type=int, default=1_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pg", default=os.environ.get("TEST_DATABASE_URL"))
    args = parser.parse_args()
    print("reminders: due backlog sent by concurrent `queueday remind` processes")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        print("SQLite (WAL)")
        url = f"sqlite:///{workdir / 'bench.db'}"
        engine = make_engine(url)
        run(url, engine, args, workdir)
        engine.dispose()
        if args.pg:
            print("PostgreSQL")
            base = normalize_url(args.pg).render_as_string(hide_password=False)
            schema = f"remind_{uuid.uuid4().hex[:8]}"
            admin = make_engine(base)
            with admin.begin() as connection:
                connection.execute(text(f"CREATE SCHEMA {schema}"))
            url = f"{base}?options=-csearch_path%3D{schema}"
            engine = make_engine(url)
            try:
                run(url, engine, args, workdir)
            finally:
                engine.dispose()
                with admin.begin() as connection:
                    connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
                admin.dispose()


if __name__ == "__main__":
    main()
