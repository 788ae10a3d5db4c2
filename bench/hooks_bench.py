"""Support-tool webhook benchmark: signed deliveries through one `queueday serve` on
PostgreSQL, next to /healthz in the same run.

10,000 deliveries (by default) across Zendesk, Intercom, Jira and Linear, each signed
as its vendor signs (at send time, so Zendesk's and Linear's timestamps are current):
for every issue a create, an update and a close, and one delivery in ten sent twice
(a vendor's retry). Keep-alive client threads post them; then /healthz gets the same
number of requests from the same clients. Prints deliveries per second and p50/p99
latency for both, and checks that every ticket was stored once and closed.

    python bench/hooks_bench.py [--deliveries N] [--clients N] [--pg URL]

PostgreSQL from --pg or TEST_DATABASE_URL (a new schema, dropped afterwards).
"""

from __future__ import annotations

import argparse
import http.client
import os
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select, text  # noqa: E402
from sqlmodel import Session  # noqa: E402

import bot.usecases as uc  # noqa: E402
from storage import migrate  # noqa: E402
from storage.db import make_engine, normalize_url  # noqa: E402
from storage.models import Ticket  # noqa: E402
from tests.bot.fake_slack import FakeSlack  # noqa: E402
from tests.bot.server import start_server  # noqa: E402
from tests.bot.web import vendor_payloads as vp  # noqa: E402

VENDORS = ("zendesk", "intercom", "jira", "linear")
CLIENTS = 8


def delivery(vendor: str, n: int, step: int) -> dict[str, Any]:
    """Issue `n`'s delivery number `step` (0 create, 1 update, 2 close) from `vendor`."""
    key = str(n)
    if vendor == "zendesk":
        kinds = [("created", "OPEN", "HIGH"), ("priority_changed", "OPEN", "URGENT"),
                 ("status_changed", "SOLVED", "URGENT")]  # fmt: skip
        kind, status, priority = kinds[step]
        return vp.zendesk_event(key, kind, status=status, priority=priority)
    if vendor == "intercom":
        topic, state = [("conversation.admin.noted", "open"), ("conversation.admin.noted", "open"),
                        ("conversation.admin.closed", "closed")][step]  # fmt: skip
        return vp.intercom_conversation(key, topic, state=state)
    if vendor == "jira":
        event = "jira:issue_created" if step == 0 else "jira:issue_updated"
        priority = ["High", "Highest", "Highest"][step]
        done = "Done" if step == 2 else None
        return vp.jira_issue(key, f"SUP-{key}", event, priority=priority, resolution=done)
    state = ["unstarted", "started", "completed"][step]
    action = "create" if step == 0 else "update"
    issue = f"00000000-0000-4000-8000-{n:012d}"
    return vp.linear_issue(issue, n, action, state=state, priority=[2, 1, 1][step])


Request = tuple[str, bytes, dict[str, str]]  # path, body (b"": a GET), headers
Job = Callable[[], Request]


@dataclass(frozen=True)
class Result:
    per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


def run_load(port: int, queues: list[list[Job]], expect: set[int]) -> Result:
    """One keep-alive client per queue, sending its jobs in order (each job makes its
    request when sent, so timestamps are current)."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()

    def client(queue: list[Job]) -> None:
        nonlocal errors
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine, bad = [], 0
        for job in queue:
            path, body, headers = job()
            start = time.perf_counter()
            connection.request("POST" if body else "GET", path, body=body or None, headers=headers)
            response = connection.getresponse()
            response.read()
            mine.append(time.perf_counter() - start)
            if response.status not in expect:
                bad += 1
        connection.close()
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=client, args=(queue,)) for queue in queues]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    latencies.sort()
    return Result(
        per_second=len(latencies) / wall,
        p50_ms=1000 * latencies[len(latencies) // 2],
        p99_ms=1000 * latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        errors=errors,
    )


def jobs_for(total: int, clients: int, first: int = 0) -> tuple[list[list[Job]], int]:
    """`total` deliveries (one in ten a retry of the one before) in one queue per client,
    each issue's in the order its tool sends them; and how many issues."""
    queues: list[list[Job]] = [[] for _ in range(clients)]
    jobs: list[Job] = []
    n = first
    while len(jobs) < total:
        n += 1
        vendor = VENDORS[n % len(VENDORS)]
        for step in range(3):
            copies = 2 if (len(jobs) % 10) == 9 else 1
            for _ in range(copies):
                if len(jobs) >= total:
                    break

                def job(vendor: str = vendor, n: int = n, step: int = step) -> Request:
                    body = vp.body_of(delivery(vendor, n, step))
                    return f"/hooks/{vendor}", body, vp.HEADERS[vendor](body)

                jobs.append(job)
                queues[n % clients].append(job)
    return queues, n - first


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=CLIENTS)
    parser.add_argument("--pg", default=os.environ.get("TEST_DATABASE_URL"))
    args = parser.parse_args()
    if not args.pg:
        print("hooks_bench: skipped (it runs on PostgreSQL: set TEST_DATABASE_URL or pass --pg)")
        return
    base = normalize_url(args.pg).render_as_string(hide_password=False)
    schema = f"hooks_{uuid.uuid4().hex[:8]}"
    admin = make_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    url = f"{base}?options=-csearch_path%3D{schema}"
    try:
        with FakeSlack() as fake, tempfile.TemporaryDirectory() as tmp:
            engine = make_engine(url)
            migrate.upgrade(engine)
            with Session(engine, expire_on_commit=False) as session:
                uc.create_rotation(
                    session, team_id=fake.team_id, actor="U0ADA", actor_name="Ada",
                    now=datetime.now(UTC), name="support", timezone="Europe/Berlin",
                    channel="C0SUPPORT",
                )  # fmt: skip
            server = start_server(fake, Path(tmp), DATABASE_URL=url, **vp.SECRETS)
            try:
                port = int(server.url.rsplit(":", 1)[1])
                warm, warmed = jobs_for(200, args.clients, first=10**9)  # not the run's issues
                run_load(port, warm, {200})
                queues, issues = jobs_for(args.deliveries, args.clients)
                hooks = run_load(port, queues, {200})

                def health() -> tuple[str, bytes, dict[str, str]]:
                    return "/healthz", b"", {}

                each = args.deliveries // args.clients
                healthz = run_load(port, [[health] * each for _ in range(args.clients)], {200})
            finally:
                server.stop()
            with Session(engine) as session:
                stored = session.execute(select(func.count()).select_from(Ticket)).scalar_one()
                open_ = session.execute(
                    select(func.count()).select_from(Ticket).where(Ticket.state == "open")  # type: ignore[arg-type]
                ).scalar_one()
            engine.dispose()
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
    print(f"hooks_bench: one `queueday serve` on PostgreSQL, {args.clients} keep-alive clients")
    print(f"{'':28}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}")
    for name, r in ((f"{args.deliveries} signed deliveries", hooks), ("/healthz", healthz)):
        print(f"{name:28}{r.per_second:10.0f}{r.p50_ms:10.2f}{r.p99_ms:10.2f}{r.errors:8}")
    print(
        f"tickets stored: {stored} for {issues + warmed} issues (with the warm-up); open: {open_}"
    )
    if hooks.errors or healthz.errors:
        raise SystemExit("errors")


if __name__ == "__main__":
    main()
