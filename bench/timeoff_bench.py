"""Time-off calendar benchmark: an HR feed of 2,000 people and 5,000 absences synced into a
500-person rotation, then synced again unchanged.

A real loopback HTTP server serves the .ics (with an ETag); the database is a SQLite file.
The rotation has its first quarter published (5 people a day). A quarter of the feed's
people are members (half found by ATTENDEE email, half by the name in SUMMARY); the rest
match nobody, as in a company-wide "who's out" feed. Prints wall time, the time the
rotation stayed locked (the feed's transaction; fetching and parsing come before it) and
SQL statements for: the first sync (every absence booked, then one re-plan), a second
sync answered 304, and a third with the same body but no validators (every absence
compared, none changed).

    python bench/timeoff_bench.py [--people N] [--events N] [--members N]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, update  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlmodel import Session  # noqa: E402

import bot.usecases as uc  # noqa: E402
import bot.usecases.timeoff_feeds as feeds  # noqa: E402
from bot.usecases.timeoff_feeds import add_time_off_feed, sync_time_off  # noqa: E402
from bot.usecases.timeoff_fetch import Fetched, fetch  # noqa: E402
from storage import migrate  # noqa: E402
from storage.db import make_engine  # noqa: E402
from storage.models import TimeOffFeed  # noqa: E402
from tests.usecases.icsserver import ics_server  # noqa: E402

TEAM = "T0BENCH"
NOW = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)
Q1 = (date(2027, 1, 1), date(2027, 3, 31))


def seed(engine: Engine, members: int) -> None:
    with Session(engine, expire_on_commit=False) as session:
        uc.create_rotation(
            session, team_id=TEAM, actor="U0ADMIN", actor_name="Admin", now=NOW,
            name="support", timezone="Europe/Berlin", country="DE", slots_per_day=5,
        )  # fmt: skip
        for n in range(members):
            uc.add_member(
                session, team_id=TEAM, rotation="support", actor="U0ADMIN", now=NOW,
                user=f"U{n:05d}", name=f"Person {n:04d}", email=f"p{n}@example.com",
                joined=date(2026, 1, 1),
            )  # fmt: skip
        uc.publish_plan(
            session, team_id=TEAM, rotation="support", actor="U0ADMIN", now=NOW,
            start=Q1[0], end=Q1[1], expected_version=0,
        )  # fmt: skip


def feed_body(people: int, events: int, seed_value: int = 7) -> str:
    rng = random.Random(seed_value)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//bench//EN"]
    for k in range(events):
        person = k % people
        first = Q1[0] + timedelta(days=rng.randrange(0, 150))
        last = first + timedelta(days=rng.randrange(0, 5))
        lines += [
            "BEGIN:VEVENT",
            f"UID:bench-{k}",
            "DTSTAMP:20270101T000000Z",
            f"DTSTART;VALUE=DATE:{first:%Y%m%d}",
            f"DTEND;VALUE=DATE:{last + timedelta(days=1):%Y%m%d}",
        ]
        if person % 2:
            lines += ["SUMMARY:Out of office", f"ATTENDEE:mailto:p{person}@example.com"]
        else:
            lines += [f"SUMMARY:Person {person:04d} (Vacation)"]
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--members", type=int, default=500)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, ics_server() as server:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        migrate.upgrade(engine)
        started = time.perf_counter()
        seed(engine, args.members)
        print(f"seeded {args.members} members, Q1 published: {time.perf_counter() - started:.1f} s")
        body = feed_body(args.people, args.events)
        url = server.serve("/whos-out.ics", body)
        print(f"feed: {args.people} people, {args.events} events, {len(body) / 1e6:.1f} MB")
        statements = [0]

        @event.listens_for(engine, "before_cursor_execute")
        def count(*_: object) -> None:
            statements[0] += 1

        locked = [0.0]
        apply = feeds._apply

        def timed_apply(*args: Any, **kwargs: Any) -> Any:  # the transaction that locks
            started = time.perf_counter()
            try:
                return apply(*args, **kwargs)
            finally:
                locked[0] += time.perf_counter() - started

        feeds._apply = timed_apply

        def get(address: str, etag: str | None, modified: str | None) -> Fetched:
            return fetch(address, etag=etag, last_modified=modified, allow_private=True)

        with Session(engine, expire_on_commit=False) as session:
            add_time_off_feed(
                session, team_id=TEAM, rotation="support", actor="U0ADMIN", now=NOW,
                url=url, allow_private=True,
            )  # fmt: skip
            for label in ("first sync", "second sync (304)", "third sync (same body, no ETag)"):
                if label.startswith("third"):
                    session.execute(update(TimeOffFeed).values(etag=None, last_modified=None))
                    session.commit()
                statements[0] = 0
                locked[0] = 0.0
                started = time.perf_counter()
                [report] = sync_time_off(session, team_id=TEAM, now=NOW, fetch=get)
                wall = time.perf_counter() - started
                print(
                    f"{label}: {wall:.2f} s (rotation locked {locked[0]:.2f} s), "
                    f"{statements[0]} SQL statements; "
                    f"{report.outcome}: {len(report.booked)} booked, {len(report.removed)} "
                    f"removed, {report.unmatched_count} unmatched, {len(report.skipped)}+ "
                    "skipped (overlapping absences)"
                )
        engine.dispose()


if __name__ == "__main__":
    main()
