"""Slack ack benchmark: `queueday serve` next to a bare Bolt app, in the same run.

Both servers run as their own process on loopback with the same stack (Starlette on
uvicorn, Bolt dispatched in a thread pool, 32 listener threads) against a local fake
Slack Web API. 20 client threads, each on one keep-alive connection, send 2,000 signed
slash commands to each: `/queueday help` to ours (answered in the ack), a constant ack
to the bare app. Prints p50/p99 ack latency and requests per second for each, medians
of `--rounds` rounds. Usage: python bench/slack_bench.py [--requests N] [--rounds N]
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
TARGET_P99_MS = 300.0
TARGET_RATIO = 1.5


@dataclass(frozen=True)
class Result:
    p50_ms: float
    p99_ms: float
    per_second: float
    errors: int


def signed_command(text: str, team_id: str) -> tuple[bytes, dict[str, str]]:
    body = urlencode(
        {
            "command": "/queueday",
            "text": text,
            "team_id": team_id,
            "user_id": "U0ADA",
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


def load(port: int, text: str, team_id: str, total: int, expect: bytes) -> Result:
    """`total` signed commands from CLIENTS threads; each latency is request to response."""
    body, headers = signed_command(text, team_id)  # signed once: a run takes seconds
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    per_client = total // CLIENTS

    def client() -> None:
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        bad = 0
        for _ in range(per_client):
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

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
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

    from bot.app import LISTENER_THREADS, make_client
    from bot.web import create_web_app, run

    app = App(
        client=make_client(os.environ["SLACK_API_URL"], os.environ["SLACK_BOT_TOKEN"]),
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        listener_executor=ThreadPoolExecutor(LISTENER_THREADS),
    )

    @app.command("/queueday")
    def constant(ack: Ack) -> None:
        ack("ok")

    run(create_web_app(app), host="127.0.0.1", port=port)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=REQUESTS)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--bare-server", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_server:
        bare_server(args.bare_server)
        return
    with FakeSlack() as fake, tempfile.TemporaryDirectory() as tmp:
        ours: RunningServer = start_server(fake, Path(tmp) / "ours")
        (Path(tmp) / "bare").mkdir()
        bare, bare_port = start_bare(fake, Path(tmp) / "bare")
        try:
            ours_port = int(ours.url.rsplit(":", 1)[1])
            warm = args.requests // 10
            load(ours_port, "help", fake.team_id, warm, b"QueueDay commands")
            load(bare_port, "", fake.team_id, warm, b"ok")
            mine: list[Result] = []
            theirs: list[Result] = []
            for _ in range(args.rounds):  # alternate, so both see the same machine
                mine.append(load(ours_port, "help", fake.team_id, args.requests, b"QueueDay"))
                theirs.append(load(bare_port, "", fake.team_id, args.requests, b"ok"))
        finally:
            ours.stop()
            bare.terminate()
            bare.wait(10)
    report(median(mine), median(theirs), args.requests, args.rounds)


def report(mine: Result, bare: Result, requests: int, rounds: int) -> None:
    print(
        f"slack_bench: {requests} signed slash commands from {CLIENTS} keep-alive clients, "
        f"median of {rounds} rounds"
    )
    print(f"{'server':<34}{'p50 ms':>9}{'p99 ms':>9}{'req/s':>9}{'errors':>8}")
    for name, r in (
        ("queueday serve (/queueday help)", mine),
        ("bare Bolt app (constant ack)", bare),
    ):
        print(f"{name:<34}{r.p50_ms:>9.1f}{r.p99_ms:>9.1f}{r.per_second:>9.0f}{r.errors:>8}")
    ratio = mine.p99_ms / bare.p99_ms
    ok = mine.p99_ms < TARGET_P99_MS and ratio <= TARGET_RATIO and mine.errors == 0
    print(
        f"p99 ratio {ratio:.2f}x (target: p99 < {TARGET_P99_MS:.0f} ms and <= "
        f"{TARGET_RATIO}x the bare app): {'met' if ok else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
