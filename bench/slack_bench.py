"""Slack ack benchmark: `queueday serve` next to a bare Bolt app, in the same run.

Both servers run as their own process on loopback with the same stack (Starlette on
uvicorn, Bolt dispatched in a thread pool, 32 listener threads) against a local fake
Slack Web API. 20 client threads, each on one keep-alive connection, send 2,000 signed
slash commands to each: `/queueday who` to ours, in the channel of a seeded rotation of
1,000 people with this and the next quarter published (answered in the ack from the
database), a constant ack to the bare app. Prints p50/p99 ack latency and requests per
second for each, medians of `--rounds` rounds.
Usage: python bench/slack_bench.py [--requests N] [--rounds N] [--members N]
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

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
TARGET_RATIO = 1.5


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


def load(
    port: int, text: str, team_id: str, total: int, expect: bytes, *, distinct: bool = False
) -> Result:
    """`total` signed commands from CLIENTS threads; each latency is request to response.

    `distinct`: every command from another person, so that none is answered from the
    recent-answers cache and each one reads the database.
    """
    users = [f"U{n:07d}" for n in range(1, total + 1)] if distinct else ["U0ADA"]
    signed = [signed_command(text, team_id, user) for user in users]  # before the clock
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


def seed(workdir: Path, members: int) -> None:
    """A rotation of `members` people in channel C0BENCH (U0ADA its admin), this and the
    next quarter published, in the server's SQLite database."""
    from datetime import UTC, datetime, timedelta

    from sqlmodel import Session

    import bot.usecases as uc
    from scheduling.quarters import quarter_of
    from storage.db import make_engine

    now = datetime.now(UTC)
    engine = make_engine(f"sqlite:///{workdir / 'queueday.db'}")
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


def start_bare(fake: FakeSlack, workdir: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    log = (workdir / "bare.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, __file__, "--bare-server", str(port)],
        env=serve_env(fake, workdir),
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


def bare_server(port: int) -> None:
    """A Bolt app that acks `/queueday` with a constant: the floor of the stack."""
    import os
    from concurrent.futures import ThreadPoolExecutor

    from slack_bolt import Ack, App

    from bot.services import make_client
    from bot.slack.app import LISTENER_THREADS
    from bot.web.app import create_web_app, run

    app = App(
        client=make_client(os.environ["SLACK_API_URL"], os.environ["SLACK_BOT_TOKEN"]),
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        listener_executor=ThreadPoolExecutor(LISTENER_THREADS),
    )

    @app.command("/queueday")
    def constant(ack: Ack) -> None:
        ack("ok")

    web = create_web_app(app, signing_secret=os.environ["SLACK_SIGNING_SECRET"])
    run(web, host="127.0.0.1", port=port)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=REQUESTS)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--members", type=int, default=MEMBERS)
    parser.add_argument("--bare-server", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_server:
        bare_server(args.bare_server)
        return
    with FakeSlack() as fake, tempfile.TemporaryDirectory() as tmp:
        ours: RunningServer = start_server(fake, Path(tmp) / "ours")
        seed(Path(tmp) / "ours", args.members)
        (Path(tmp) / "bare").mkdir()
        bare, bare_port = start_bare(fake, Path(tmp) / "bare")
        try:
            ours_port = int(ours.url.rsplit(":", 1)[1])
            warm = args.requests // 10
            load(ours_port, COMMAND_TEXT, fake.team_id, warm, b"queue")
            load(bare_port, "", fake.team_id, warm, b"ok")
            mine: list[Result] = []
            uncached: list[Result] = []
            theirs: list[Result] = []
            for _ in range(args.rounds):  # alternate, so both see the same machine
                mine.append(load(ours_port, COMMAND_TEXT, fake.team_id, args.requests, b"queue"))
                theirs.append(load(bare_port, "", fake.team_id, args.requests, b"ok"))
                uncached.append(
                    load(
                        ours_port,
                        COMMAND_TEXT,
                        fake.team_id,
                        args.requests,
                        b"queue",
                        distinct=True,
                    )  # fmt: skip
                )
        finally:
            ours.stop()
            bare.terminate()
            bare.wait(10)
    report(median(mine), median(uncached), median(theirs), args)


def report(mine: Result, uncached: Result, bare: Result, args: argparse.Namespace) -> None:
    requests, rounds, members = args.requests, args.rounds, args.members
    print(
        f"slack_bench: {requests} signed slash commands from {CLIENTS} keep-alive clients, "
        f"median of {rounds} rounds; ours: `/queueday who` in a {members}-person rotation"
    )
    print(f"{'server':<42}{'p50 ms':>9}{'p99 ms':>9}{'req/s':>9}{'errors':>8}")
    for name, r in (
        ("queueday serve (/queueday who)", mine),
        ("  each from another person (database)", uncached),
        ("bare Bolt app (constant ack)", bare),
    ):
        print(f"{name:<42}{r.p50_ms:>9.1f}{r.p99_ms:>9.1f}{r.per_second:>9.0f}{r.errors:>8}")
    ratio = mine.p99_ms / bare.p99_ms
    ok = mine.p99_ms < TARGET_P99_MS and ratio <= TARGET_RATIO and mine.errors == 0
    print(
        f"p99 ratio {ratio:.2f}x (target: p99 < {TARGET_P99_MS:.0f} ms and <= "
        f"{TARGET_RATIO}x the bare app): {'met' if ok else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
