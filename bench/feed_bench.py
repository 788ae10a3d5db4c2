"""Calendar feed benchmark: `queueday serve` answering feed polls, next to /healthz.

One server process on loopback with a seeded SQLite file (WAL): a 12-person rotation
with five years of served days and the next quarter published, and a 1,000-person
rotation with 24 people a day over a year (about 6,200 events, 4 MB). Keep-alive
client threads request, in the same run and alternating rounds:

- a person's feed (their past year and everything ahead, out of five years of history),
- the 1,000-person rotation's feed,
- the person's feed again with If-None-Match (the 304 a polling calendar mostly gets),
- /healthz (one database round trip: the floor of the stack).

Prints p50/p99 latency and requests per second (medians of `--rounds` rounds), and the
first, uncached render of the big feed. Targets: person feed p99 < 10 ms, big rotation
feed p99 < 300 ms, 304 p99 within 1.5x of /healthz.

    python bench/feed_bench.py [--requests N] [--rounds N]
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlmodel import Session  # noqa: E402

import bot.usecases as uc  # noqa: E402
from bot.usecases.feeds import feed_links  # noqa: E402
from storage import migrate  # noqa: E402
from storage.db import make_engine  # noqa: E402
from storage.models import Assignment, Member, Rotation  # noqa: E402
from tests.bot.fake_slack import FakeSlack  # noqa: E402
from tests.bot.server import RunningServer, start_server  # noqa: E402

TEAM = "TFEEDS"
ADMIN = "U0ADA"  # in both rotations
PERSON = "U0S00"  # in the 12-person one
SECRET = "test-secret-key-at-least-32-characters"  # what tests.bot.server gives the server
BASE = "http://queueday.test"
CLIENTS = 4
BIG_CLIENTS = 4
REQUESTS = 2000
BIG_REQUESTS = 80
TARGETS = {"person": 10.0, "big": 300.0}
TARGET_RATIO = 1.5


@dataclass(frozen=True)
class Result:
    p50_ms: float
    p99_ms: float
    per_second: float
    errors: int


def weekdays(first: date, last: date) -> list[date]:
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return [day for day in days if day.weekday() < 5]


def seed(engine: Engine, now: datetime) -> tuple[str, str, str]:
    """The two rotations; returns the person's, the big rotation's and /healthz paths."""
    today = now.date()
    with Session(engine, expire_on_commit=False) as session:
        for name in ("support", "big"):
            uc.create_rotation(
                session, team_id=TEAM, actor=ADMIN, actor_name="Ada", now=now, name=name,
                timezone="Europe/Berlin", channel="C0SUPPORT",
            )  # fmt: skip
        rotations = {r.name: r.id for r in session.exec(select(Rotation)).scalars()}
    small = [ADMIN] + [f"U0S{n:02d}" for n in range(11)]
    assert PERSON in small
    big = [ADMIN] + [f"UB{n:04d}" for n in range(999)]
    with engine.begin() as connection:
        for name, users in (("support", small[1:]), ("big", big[1:])):
            connection.execute(
                insert(Member),
                [
                    {
                        "rotation_id": rotations[name], "user_id": user,
                        "display_name": f"Person {user}", "weight": 1.0, "role": "member",
                        "joined": date(2020, 1, 1), "created_at": now, "updated_at": now,
                    }
                    for user in users
                ],
            )  # fmt: skip
        members = {
            (rotation_id, user): member_id
            for member_id, rotation_id, user in connection.execute(
                select(Member.id, Member.rotation_id, Member.user_id)
            )
        }
        rows = []
        history = weekdays(today - timedelta(days=5 * 365), today + timedelta(days=90))
        for n, day in enumerate(history):
            user = small[n % len(small)]
            rows.append((rotations["support"], day, members[(rotations["support"], user)]))
        year = weekdays(today - timedelta(days=180), today + timedelta(days=185))
        for n, day in enumerate(year):
            for k in range(24):
                user = big[(n * 24 + k) % len(big)]
                rows.append((rotations["big"], day, members[(rotations["big"], user)]))
        connection.execute(
            insert(Assignment),
            [
                {
                    "rotation_id": rotation_id, "day": day, "member_id": member_id,
                    "state": "done" if day < today else "published", "origin": "plan",
                    "revision": 1, "created_at": now, "updated_at": now,
                }
                for rotation_id, day, member_id in rows
            ],
        )  # fmt: skip
    with Session(engine, expire_on_commit=False) as session:
        person = feed_links(
            session, team_id=TEAM, user=PERSON, now=now, secret=SECRET, base_url=BASE
        )
        everyone = feed_links(
            session, team_id=TEAM, user=ADMIN, rotation="big", now=now, secret=SECRET,
            base_url=BASE,
        )  # fmt: skip
    return urlsplit(person.person.url).path, urlsplit(everyone.rotations[0].url).path, "/healthz"


def get(
    connection: http.client.HTTPConnection, path: str, headers: dict[str, str]
) -> tuple[int, dict[str, str], bytes]:
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    body = response.read()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body


def load(
    port: int, path: str, headers: dict[str, str], total: int, clients: int, expect: int
) -> Result:
    """`total` GETs from `clients` keep-alive threads; latency is request to last byte."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()

    def client() -> None:
        nonlocal errors
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine, bad = [], 0
        for _ in range(total // clients):
            start = time.perf_counter()
            status, _, _ = get(connection, path, headers)
            mine.append(time.perf_counter() - start)
            bad += status != expect
        connection.close()
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    latencies.sort()
    return Result(
        p50_ms=1000 * latencies[len(latencies) // 2],
        p99_ms=1000 * latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        per_second=len(latencies) / wall,
        errors=errors,
    )


def median(results: list[Result]) -> Result:
    return Result(
        statistics.median(r.p50_ms for r in results),
        statistics.median(r.p99_ms for r in results),
        statistics.median(r.per_second for r in results),
        sum(r.errors for r in results),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=REQUESTS)
    parser.add_argument("--big-requests", type=int, default=BIG_REQUESTS)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    now = datetime.now(UTC)
    with FakeSlack() as fake, tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        engine = make_engine(f"sqlite:///{workdir / 'queueday.db'}")
        migrate.upgrade(engine)
        person, big, health = seed(engine, now)
        engine.dispose()
        server: RunningServer = start_server(fake, workdir)
        try:
            port = int(server.url.rsplit(":", 1)[1])
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            began = time.perf_counter()
            status, headers, body = get(connection, big, {})
            cold_ms = 1000 * (time.perf_counter() - began)
            assert status == 200, (status, body[:200])
            events = body.count(b"BEGIN:VEVENT")
            big_bytes = len(body)
            status, headers, body = get(connection, person, {})
            assert status == 200 and body.count(b"BEGIN:VEVENT") > 0
            person_events = body.count(b"BEGIN:VEVENT")
            connection.close()
            conditional = {"If-None-Match": headers["etag"]}
            runs: dict[str, Callable[[int], Result]] = {
                "person": lambda n: load(port, person, {}, n, CLIENTS, 200),
                "big": lambda n: load(port, big, {}, n, BIG_CLIENTS, 200),
                "304": lambda n: load(port, person, conditional, n, CLIENTS, 304),
                "healthz": lambda n: load(port, health, {}, n, CLIENTS, 200),
            }
            sizes = {"person": args.requests, "big": args.big_requests}
            for name, run in runs.items():  # warm up every path once
                run(max(CLIENTS, sizes.get(name, args.requests) // 10))
            results: dict[str, list[Result]] = {name: [] for name in runs}
            for _ in range(args.rounds):  # alternate, so all see the same machine
                for name, run in runs.items():
                    results[name].append(run(sizes.get(name, args.requests)))
        finally:
            server.stop()
    report(
        {name: median(r) for name, r in results.items()},
        cold_ms=cold_ms,
        events=events,
        big_bytes=big_bytes,
        person_events=person_events,
        rounds=args.rounds,
    )


def report(
    results: dict[str, Result],
    *,
    cold_ms: float,
    events: int,
    big_bytes: int,
    person_events: int,
    rounds: int,
) -> None:
    print(
        f"feed_bench: one `queueday serve` (SQLite), keep-alive clients, median of {rounds} rounds"
    )
    labels = {
        "person": f"person feed ({person_events} events; 5 y history)",
        "big": f"1,000-person rotation ({events} events, {big_bytes / 1e6:.1f} MB)",
        "304": "person feed, If-None-Match -> 304",
        "healthz": "/healthz",
    }
    print(f"{'request':<50}{'clients':>8}{'p50 ms':>9}{'p99 ms':>9}{'req/s':>9}{'errors':>8}")
    for name, r in results.items():
        clients = BIG_CLIENTS if name == "big" else CLIENTS
        print(
            f"{labels[name]:<50}{clients:>8}{r.p50_ms:>9.2f}{r.p99_ms:>9.2f}"
            f"{r.per_second:>9.0f}{r.errors:>8}"
        )
    print(f"first (uncached) render of the big feed: {cold_ms:.0f} ms")
    ratio = results["304"].p99_ms / results["healthz"].p99_ms
    checks = [
        ("person feed p99 < 10 ms", results["person"].p99_ms < TARGETS["person"]),
        ("big feed p99 < 300 ms", results["big"].p99_ms < TARGETS["big"]),
        (f"304 p99 {ratio:.2f}x /healthz (<= {TARGET_RATIO}x)", ratio <= TARGET_RATIO),
        ("no errors", all(r.errors == 0 for r in results.values())),
    ]
    print("targets: " + "; ".join(f"{text}: {'met' if ok else 'NOT met'}" for text, ok in checks))


if __name__ == "__main__":
    main()
