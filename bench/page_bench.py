"""Rotation page benchmark: a 1,000-person rotation's page, rendered as the server does.

A SQLite file (WAL) with a 1,000-person rotation, 24 people a day: two years of done
days, this quarter and the next published, and 100 people with a week off. Times
`PageSource.load` (open the link, the use case's reads and ledgers, the SVG charts,
the Jinja2 template: everything the route does but the socket) and the fairness PNG,
medians of `--rounds`, and prints the HTML's size. Targets: under 200 ms and under
1 MB of HTML+SVG. After seeding, the heap is frozen as `queueday serve` freezes it
after start-up (bot.web.app.freeze_startup_heap); `--no-freeze` leaves it as it is.

    python bench/page_bench.py [--rounds N] [--no-freeze]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlmodel import Session, col  # noqa: E402
from sqlmodel import select as sqlmodel_select  # noqa: E402

import bot.usecases as uc  # noqa: E402
from bot.usecases.page import page_link  # noqa: E402
from bot.web.app import freeze_startup_heap  # noqa: E402
from bot.web.page import PageSource  # noqa: E402
from scheduling.quarters import quarter_of  # noqa: E402
from storage import migrate  # noqa: E402
from storage.db import make_engine  # noqa: E402
from storage.models import Assignment, Member, PlanVersion, Rotation, TimeOff  # noqa: E402

TEAM = "TPAGE"
ADMIN = "U0ADA"
SECRET = "bench-secret-key-at-least-32-characters"
BASE = "https://q.example.com"
PEOPLE = 1000
PER_DAY = 24
TARGET_MS = 200.0
TARGET_BYTES = 1_000_000


def weekdays(first: date, last: date) -> list[date]:
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return [day for day in days if day.weekday() < 5]


def seed(engine: Engine, now: datetime) -> str:
    """The rotation; returns its page token."""
    today = now.date()
    with Session(engine, expire_on_commit=False) as session:
        uc.create_rotation(
            session, team_id=TEAM, actor=ADMIN, actor_name="Ada", now=now, name="big",
            timezone="Europe/Berlin", country="DE", slots_per_day=PER_DAY,
        )  # fmt: skip
        rotation_id = session.exec(sqlmodel_select(Rotation.id)).one()
    users = [ADMIN] + [f"UB{n:04d}" for n in range(PEOPLE - 1)]
    _, last = quarter_of(today, 1, 1)
    with engine.begin() as connection:
        connection.execute(
            insert(Member),
            [
                {
                    "rotation_id": rotation_id, "user_id": user, "display_name": f"Person {user}",
                    "weight": 0.5 if n % 10 == 0 else 1.0, "role": "member",
                    "joined": date(2020, 1, 1), "created_at": now, "updated_at": now,
                }
                for n, user in enumerate(users[1:])
            ],
        )  # fmt: skip
        found = connection.execute(select(col(Member.id), col(Member.user_id)))
        members = {user: member_id for member_id, user in found}
        days = weekdays(today - timedelta(days=730), last)
        connection.execute(
            insert(Assignment),
            [
                {
                    "rotation_id": rotation_id, "day": day,
                    "member_id": members[users[(n * PER_DAY + k) % PEOPLE]],
                    "state": "done" if day < today else "published", "origin": "plan",
                    "revision": 1, "created_at": now, "updated_at": now,
                }
                for n, day in enumerate(days)
                for k in range(PER_DAY)
            ],
        )  # fmt: skip
        for version, offset in enumerate((0, 1), start=1):
            start, end = quarter_of(today, 1, offset)
            connection.execute(
                insert(PlanVersion).values(
                    rotation_id=rotation_id, version=version, period_start=start,
                    period_end=end, published_by=ADMIN, published_at=now,
                    assignments=[], added=[], removed=[],
                )
            )  # fmt: skip
        connection.execute(
            insert(TimeOff),
            [
                {
                    "member_id": members[user], "first_day": today + timedelta(days=n % 60),
                    "last_day": today + timedelta(days=n % 60 + 6), "note": "",
                    "created_by": ADMIN, "created_at": now,
                }
                for n, user in enumerate(users[1:101])
            ],
        )  # fmt: skip
    with Session(engine, expire_on_commit=False) as session:
        link = page_link(
            session, team_id=TEAM, rotation="big", now=now, secret=SECRET, base_url=BASE
        )
    return link.token


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--no-freeze", action="store_true", help="skip gc.freeze()")
    args = parser.parse_args()
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as workdir:
        engine = make_engine(f"sqlite:///{Path(workdir) / 'page.db'}")
        migrate.upgrade(engine)
        token = seed(engine, now)
        source = PageSource(engine, SECRET, BASE, lambda: now)
        if not args.no_freeze:
            freeze_startup_heap()
        first = time.perf_counter()
        served = source.load(token, chart=False)
        cold = (time.perf_counter() - first) * 1000
        assert served is not None
        timings, cpu, chart = [], [], []
        for _ in range(args.rounds):
            started, on_cpu = time.perf_counter(), time.thread_time()
            source.load(token, chart=False)
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.thread_time() - on_cpu) * 1000)
            started = time.perf_counter()
            png = source.load(token, chart=True)
            chart.append((time.perf_counter() - started) * 1000)
        assert png is not None
        engine.dispose()
    html = len(served.body)
    median = statistics.median(timings)
    heap = "heap not frozen" if args.no_freeze else "heap frozen after start-up, as serve does"
    print(f"rotation page, {PEOPLE:,} people, {PER_DAY} a day, 2 years of history ({heap}):")
    p90 = sorted(timings)[int(0.9 * len(timings))]
    print(f"  page     median {median:6.1f} ms  p90 {p90:6.1f} ms"
          f"  (first render {cold:.0f} ms)  target < {TARGET_MS:.0f} ms")  # fmt: skip
    print(f"  page cpu median {statistics.median(cpu):6.1f} ms  (this thread's CPU time: what a "
          "machine shared with other work adds is waiting)")  # fmt: skip
    print(f"  html+svg {html / 1000:6.0f} kB  target < {TARGET_BYTES / 1000:.0f} kB")
    print(f"  png      median {statistics.median(chart):6.1f} ms  {len(png.body) / 1000:.0f} kB")
    failed = median >= TARGET_MS or html >= TARGET_BYTES
    print("  MISSED a target" if failed else "  targets met")


if __name__ == "__main__":
    main()
