"""Slack ack benchmark: a bare Bolt app, one `queueday serve` replica, and two replicas
behind HAProxy, in the same run.

Every server runs as its own process on loopback with the same stack (Starlette on
uvicorn, Bolt dispatched in a thread pool, 32 listener threads, the same engine and
pool) against a local fake Slack Web API. 20 client threads, each on one keep-alive
connection, send 2,000 signed slash commands to each: `/queueday who` to ours, in the
channel of a seeded rotation of 1,000 people with this and the next quarter published,
each answered in the ack from the database (nothing is cached: no answer is staler than
the last commit). The bare Bolt app answers twice over: with a constant (the stack's
floor), and with the same database work as `who` (the rotation of the channel, then
the day's people, on one connection outside a transaction: like with like, the
baseline of the targets).
Replicas share one PostgreSQL (a fresh schema in TEST_DATABASE_URL's database); without
one, everything runs on SQLite and the balanced row is left out. Prints p50/p99 ack
latency and requests per second for each, medians of `--rounds` rounds.
Usage: python bench/slack_bench.py [--requests N] [--rounds N] [--members N]
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.bot.balancer import replicas_behind_haproxy  # noqa: E402
from tests.bot.fake_slack import FakeSlack  # noqa: E402
from tests.bot.server import (  # noqa: E402
    SIGNING_SECRET,
    RunningServer,
    free_port,
    serve_env,
    start_server,
)
from tests.bot.slack_requests import signature  # noqa: E402

CLIENTS = 20
REQUESTS = 2000
MEMBERS = 1000
SLOTS_PER_DAY = 10
TEAM_ID = "T0TEST"  # the fake Slack's team
COMMAND_TEXT = "who"
TARGET_P99_MS = 300.0
TARGET_RATIO = 1.5  # one replica's p99 against the bare app's
TARGET_BALANCED_RATIO = 2.0  # through the load balancer


@dataclass(frozen=True)
class Result:
    p50_ms: float
    p99_ms: float
    per_second: float
    errors: int


def signed_command(text: str, team_id: str, user: str = "U0ADA") -> tuple[bytes, dict[str, str]]:
    body = urlencode(
        {
            "command": "/queueday",
            "text": text,
            "team_id": team_id,
            "user_id": user,
            "channel_id": "C0BENCH",
            "response_url": "http://127.0.0.1:9/response",
            "trigger_id": "t",
        }
    ).encode()
    ts = str(int(time.time()))
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature(SIGNING_SECRET, ts, body),
    }
    return body, headers


def load(port: int, text: str, total: int, expect: bytes) -> Result:
    """`total` signed commands from CLIENTS threads; each latency is request to response.

    Each from another person of the rotation, as a team's stand-up would send them.
    """
    users = [f"U{n:07d}" for n in range(1, total + 1)]
    signed = [signed_command(text, TEAM_ID, user) for user in users]  # before the clock
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    per_client = total // CLIENTS

    def client(index: int) -> None:
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        bad = 0
        for n in range(per_client):
            body, headers = signed[(index * per_client + n) % len(signed)]
            start = time.perf_counter()
            conn.request("POST", "/slack/events", body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            mine.append(time.perf_counter() - start)
            if response.status != 200 or expect not in data:
                bad += 1
        conn.close()
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
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


def seed(url: str, members: int) -> None:
    """A rotation of `members` people in channel C0BENCH (U0ADA its admin), this and the
    next quarter published, in the database at `url`."""
    from datetime import UTC, datetime, timedelta

    from sqlmodel import Session

    import bot.usecases as uc
    from scheduling.quarters import quarter_of
    from storage import migrate
    from storage.db import make_engine

    now = datetime.now(UTC)
    engine = make_engine(url)
    migrate.upgrade(engine)
    with Session(engine, expire_on_commit=False) as session:
        uc.create_rotation(
            session, team_id=TEAM_ID, actor="U0ADA", actor_name="Ada", now=now, name="bench",
            channel="C0BENCH", timezone="Europe/Berlin", country="DE",
            slots_per_day=SLOTS_PER_DAY,
        )  # fmt: skip
        uc.add_members(
            session,
            team_id=TEAM_ID,
            rotation="bench",
            actor="U0ADA",
            now=now,
            people=[
                uc.NewMember(f"U{n:07d}", f"Person {n}", joined=now.date() - timedelta(days=400))
                for n in range(1, members)
            ],
        )
        for offset in (0, 1):
            start, end = quarter_of(now.date(), 1, offset)
            uc.publish_plan(
                session, team_id=TEAM_ID, rotation="bench", actor="U0ADA", now=now,
                start=start, end=end, expected_version=None,
            )  # fmt: skip
    engine.dispose()


def median(results: list[Result]) -> Result:
    return Result(
        statistics.median(r.p50_ms for r in results),
        statistics.median(r.p99_ms for r in results),
        statistics.median(r.per_second for r in results),
        sum(r.errors for r in results),
    )


def start_bare(
    fake: FakeSlack, workdir: Path, url: str, *, reads: bool
) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    log = (workdir / "bare.log").open("wb")
    flags = ["--bare-reads"] if reads else []
    process = subprocess.Popen(
        [sys.executable, __file__, "--bare-server", str(port), *flags],
        env=serve_env(fake, workdir, DATABASE_URL=url),
        cwd=workdir,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return process, port
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError((workdir / "bare.log").read_text())


def bare_server(port: int, *, reads: bool) -> None:
    """A Bolt app that acks `/queueday` with a constant (the floor of the stack), or,
    with `reads`, after `who`'s database work: the channel's rotation, then the day's
    people, on one connection outside a transaction, on an engine made as `serve`
    makes it."""
    import os
    from concurrent.futures import ThreadPoolExecutor
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from slack_bolt import Ack, App
    from sqlmodel import Session

    from bot.cli.common import load_settings
    from bot.services import make_client
    from bot.settings import make_engine_from
    from bot.slack.app import LISTENER_THREADS
    from bot.web.app import create_web_app, run
    from storage import queries
    from storage.db import autocommit_reads

    app = App(
        client=make_client(os.environ["SLACK_API_URL"], os.environ["SLACK_BOT_TOKEN"]),
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        listener_executor=ThreadPoolExecutor(LISTENER_THREADS),
    )
    engine = make_engine_from(load_settings())

    @app.command("/queueday")
    def constant(ack: Ack, body: dict[str, str]) -> None:
        if not reads:
            ack("ok")
            return
        with Session(engine) as session:
            autocommit_reads(session)  # as find_rotation(keep_open=True) does for who
            row = queries.rotation_of_team(session, team_id=TEAM_ID, channel=body["channel_id"])
            assert row is not None
            today = datetime.now(UTC).astimezone(ZoneInfo(row.timezone)).date()
            on = queries.on_duty_by_name(session, team_id=TEAM_ID, name=row.name, day=today)
            session.rollback()
        ack(f"On the queue today: {', '.join(p.name for p in on) or 'nobody'}")

    web = create_web_app(app, signing_secret=os.environ["SLACK_SIGNING_SECRET"])
    run(web, host="127.0.0.1", port=port)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=REQUESTS)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--members", type=int, default=MEMBERS)
    parser.add_argument("--bare-server", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--bare-reads", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_server:
        bare_server(args.bare_server, reads=args.bare_reads)
        return
    pg_url = os.environ.get("TEST_DATABASE_URL")
    with ExitStack() as stack:
        fake = stack.enter_context(FakeSlack())
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        if pg_url:
            url = stack.enter_context(pg_database(pg_url))
        else:
            url = f"sqlite:///{tmp / 'one' / 'queueday.db'}"
            (tmp / "one").mkdir()
        seed(url, args.members)
        one: RunningServer = start_server(fake, tmp / "one", DATABASE_URL=url)
        stack.callback(one.stop)
        targets = {}
        for name, reads in (("bare", False), ("bare_reads", True)):
            (tmp / name).mkdir()
            bare, bare_port = start_bare(fake, tmp / name, url, reads=reads)
            stack.callback(bare.wait, 10)  # callbacks run last first: terminate, then wait
            stack.callback(bare.terminate)
            targets[name] = bare_port
        targets["one"] = port_of(one.url)
        if pg_url:
            balancer = stack.enter_context(replicas_behind_haproxy(fake, tmp, url, count=2))
            targets["balanced"] = port_of(balancer.url)
        warm = args.requests // 10
        results: dict[str, list[Result]] = {name: [] for name in targets}
        for name, port in targets.items():
            text, mark = _command(name)
            load(port, text, warm, mark)
        for _ in range(args.rounds):  # alternate, so all see the same machine
            for name, port in targets.items():
                text, mark = _command(name)
                results[name].append(load(port, text, args.requests, mark))
    report({name: median(r) for name, r in results.items()}, args, pg_url is not None)


def _command(name: str) -> tuple[str, bytes]:
    """What `load` sends to the target `name`: the command's text, and its answer's mark."""
    return ("", b"ok") if name == "bare" else (COMMAND_TEXT, b"queue")


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


@contextmanager
def pg_database(base: str) -> Iterator[str]:
    """A fresh schema in the PostgreSQL at `base`, as a URL every process opens."""
    from storage.db import normalize_url
    from tests.storage.databases import Database, pg_schema

    del base  # pg_schema reads TEST_DATABASE_URL itself
    with pg_schema() as database:
        assert isinstance(database, Database) and database.schema is not None
        root = normalize_url(database.url).render_as_string(hide_password=False)
        yield f"{root}?options=-csearch_path%3D{database.schema}"


def report(results: dict[str, Result], args: argparse.Namespace, balanced: bool) -> None:
    requests, rounds, members = args.requests, args.rounds, args.members
    backend = "PostgreSQL" if balanced else "SQLite (no PostgreSQL: no balanced row)"
    print(
        f"slack_bench: {requests} signed slash commands from {CLIENTS} keep-alive clients, "
        f"median of {rounds} rounds; ours: `/queueday who` in a {members}-person rotation, "
        f"from the database ({backend})"
    )
    print(f"{'server':<46}{'p50 ms':>9}{'p99 ms':>9}{'req/s':>9}{'errors':>8}")
    names = {
        "bare": "bare Bolt app (constant ack)",
        "bare_reads": "bare Bolt app (who's two reads)",
        "one": "queueday serve, one replica",
        "balanced": "two replicas behind HAProxy (round-robin)",
    }
    for key, r in results.items():
        print(f"{names[key]:<46}{r.p50_ms:>9.1f}{r.p99_ms:>9.1f}{r.per_second:>9.0f}{r.errors:>8}")
    floor = results["bare"]
    bare = results["bare_reads"]  # like with like: the same database work
    one = results["one"]
    ratio = one.p99_ms / bare.p99_ms
    ok = one.p99_ms < TARGET_P99_MS and ratio <= TARGET_RATIO and one.errors == 0
    print(
        f"one replica: p99 {ratio:.2f}x the bare app's with the same reads "
        f"({one.p99_ms / floor.p99_ms:.2f}x the constant ack's; target: < "
        f"{TARGET_P99_MS:.0f} ms and <= {TARGET_RATIO}x): {'met' if ok else 'NOT met'}"
    )
    if "balanced" in results:
        lb = results["balanced"]
        lb_ratio = lb.p99_ms / bare.p99_ms
        lb_ok = lb_ratio <= TARGET_BALANCED_RATIO and lb.errors == 0
        print(
            f"through HAProxy: p99 {lb_ratio:.2f}x the bare app's with the same reads "
            f"({lb.p99_ms / floor.p99_ms:.2f}x the constant ack's; target: <= "
            f"{TARGET_BALANCED_RATIO}x): {'met' if lb_ok else 'NOT met'}"
        )


if __name__ == "__main__":
    main()
