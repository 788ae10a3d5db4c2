"""Stateless replicas: three real `queueday serve` processes on one PostgreSQL behind a
real HAProxy (tests/bot/balancer.py). A retry reaching another replica is handled once;
a swap made through one replica is what `who` and the App Home show through another at
once; a replica killed with SIGKILL mid-burst costs at most the requests it held, each
a clean 502, and HAProxy sends everything after to the replicas left.

PostgreSQL only (several processes on one database): skipped when TEST_DATABASE_URL is
unset, which CI always sets.
"""

from __future__ import annotations

import http.client
import os
import signal
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy.engine import Engine

from bot.slack.middleware import receipt_key
from storage import migrate
from storage.db import make_engine, normalize_url
from tests.bot.balancer import (
    HAPROXY,
    REPLICA_HEADER,
    Balancer,
    replicas_behind_haproxy,
    served_by,
)
from tests.bot.fake_slack import FakeSlack
from tests.bot.flows import Person, Rotation, dms_to, homes_of, seed, text_of
from tests.bot.server import SIGNING_SECRET
from tests.bot.slack_requests import SlackSender, signature
from tests.storage.databases import PG_URL, pg_schema

pytestmark = [
    pytest.mark.skipif(PG_URL is None, reason="TEST_DATABASE_URL is not set"),
    # `make test` on a machine without HAProxy; CI (.ci/run installs it) never skips.
    pytest.mark.skipif(
        not Path(HAPROXY).exists() and not os.environ.get("CI"),
        reason="haproxy is not installed: run .ci/run, which installs it",
    ),
]


@pytest.fixture(scope="module")
def fake_api() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    """A fresh PostgreSQL schema, as a URL every replica opens."""
    with pg_schema() as database:
        assert database.schema is not None
        base = normalize_url(database.url).render_as_string(hide_password=False)
        yield f"{base}?options=-csearch_path%3D{database.schema}"


@pytest.fixture(scope="module")
def db(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    migrate.upgrade(engine)  # before the replicas, so none of them races another to it
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def cluster(
    fake_api: FakeSlack, db: Engine, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Balancer]:
    workdir = Path(tmp_path_factory.mktemp("replicas"))
    with replicas_behind_haproxy(fake_api, workdir, database_url, count=3) as balancer:
        yield balancer


@pytest.fixture
def fake(fake_api: FakeSlack, cluster: Balancer) -> FakeSlack:
    fake_api.reset()
    return fake_api


def sender(url: str, fake: FakeSlack) -> SlackSender:
    return SlackSender(
        base_url=url,
        signing_secret=SIGNING_SECRET,
        team_id=fake.team_id,
        response_url=fake.response_url(f"rep-{uuid.uuid4().hex[:8]}"),
    )


def home_opened(user: str) -> dict[str, Any]:
    return {"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home"}


def test_an_event_and_its_retry_on_two_replicas_are_handled_once(
    cluster: Balancer, fake: FakeSlack
) -> None:
    me = f"U0REP{uuid.uuid4().hex[:6].upper()}"
    slack = sender(cluster.url, fake)
    event_id = f"Ev{me}"
    first = slack.event(home_opened(me), event_id=event_id)
    assert first.status == 200
    homes_of(fake, me)
    retry = slack.event(home_opened(me), event_id=event_id, retry_num=1)
    assert retry.status == 200
    assert served_by(first.headers) != served_by(retry.headers)  # round-robin: another one
    # The replica that took the retry says so in its log before answering 200.
    other = cluster.replicas[int(served_by(retry.headers).removeprefix("replica"))]
    assert any(event_id in line and "already received" in line for line in other.log().split("\n"))
    assert slack.event(home_opened(me), event_id=f"Ev2{me}").status == 200  # a new event
    homes_of(fake, me, count=2)
    assert len(homes_of(fake, me)) == 2
    slack.close()


def test_a_retry_after_a_failed_delivery_is_handled_once_per_retry() -> None:
    """A 502 from the load balancer (the replica died before answering) is no delivery:
    Slack's retry for `http_error` is handled, a timeout's retry is the same delivery."""
    assert receipt_key("Ev1", "", "") == "event:Ev1"
    assert receipt_key("Ev1", "1", "http_timeout") == "event:Ev1"
    assert receipt_key("Ev1", "1", "http_error") == "event:Ev1:retry:1"
    assert receipt_key("Ev1", "2", "connection_failed") == "event:Ev1:retry:2"


def test_a_swap_through_one_replica_is_seen_through_the_others_at_once(
    cluster: Balancer, fake: FakeSlack, db: Engine
) -> None:
    team: Rotation = seed(db)
    asker, other = team.people[0], team.people[1]
    mine, theirs = team.days(asker)[0], team.days(other)[0]
    a, b, c = (sender(r.url, fake) for r in cluster.replicas)
    assert b.event(home_opened(asker), event_id=f"EvBefore{asker}").status == 200
    [before] = homes_of(fake, asker)
    asked = Person(a, fake, asker, team.channel).command(
        f"swap {mine.isoformat()} with <@{other}> {theirs.isoformat()}"
    )
    assert "Asked" in text_of(asked)
    [dm] = dms_to(fake, other)
    request = {"text": dm.params["text"], "blocks": dm.json_param("blocks")}
    assert "Swapped" in text_of(Person(a, fake, other, team.channel).click(request, "Accept"))
    # That reply was posted after the swap committed on A: B and C show it at once.
    for replica in (b, c):
        on_mine = Person(replica, fake, other, team.channel).command(f"who {mine.isoformat()}")
        assert f"<@{other}>" in text_of(on_mine) and f"<@{asker}>" not in text_of(on_mine)
    seen = len(homes_of(fake, asker, count=2))  # the swap's own follow-up Home came too
    assert c.event(home_opened(asker), event_id=f"EvAfter{asker}").status == 200
    after = homes_of(fake, asker, count=seen + 1)[-1]
    assert after != before
    # A, which made the swap, publishes the very same Home as C.
    seen = len(homes_of(fake, asker, count=0))
    assert a.event(home_opened(asker), event_id=f"EvOnA{asker}").status == 200
    assert homes_of(fake, asker, count=seen + 1)[-1] == after
    for replica in (a, b, c):
        replica.close()


def signed_who(channel: str, user: str) -> tuple[bytes, dict[str, str]]:
    body = urlencode(
        {"command": "/queueday", "text": "who", "team_id": "T0TEST", "user_id": user,
         "channel_id": channel, "response_url": "http://127.0.0.1:9/r", "trigger_id": "t"}
    ).encode()  # fmt: skip
    import time

    ts = str(int(time.time()))
    return body, {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature(SIGNING_SECRET, ts, body),
    }


def test_kill_9_of_a_replica_mid_burst_loses_no_answered_command(
    fake_api: FakeSlack, db: Engine, database_url: str, tmp_path: Path
) -> None:
    team: Rotation = seed(db)
    clients, per_client, kill_after = 8, 60, 120
    with replicas_behind_haproxy(fake_api, tmp_path, database_url, count=2) as balancer:
        port = int(balancer.url.rsplit(":", 1)[1])
        statuses: Counter[int] = Counter()
        wrong: list[str] = []
        replicas: Counter[str] = Counter()
        answered = threading.Semaphore(0)
        lock = threading.Lock()
        killed_at: list[float] = []  # when the replica was killed
        lost_at: list[float] = []  # when each request without an answer was seen to fail

        def client() -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
            for _ in range(per_client):
                body, headers = signed_who(team.channel, team.admin)
                try:
                    conn.request("POST", "/slack/events", body=body, headers=headers)
                    response = conn.getresponse()
                    data = response.read()
                except ConnectionError:
                    # The replica died holding this request: HAProxy closes a keep-alive
                    # connection without an answer (its 502 is for a connection's first
                    # request), which tells an HTTP client it was not handled.
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
                    with lock:
                        statuses[0] += 1
                        lost_at.append(time.monotonic())
                    continue
                with lock:
                    statuses[response.status] += 1
                    if response.status != 200:
                        lost_at.append(time.monotonic())
                    replicas[response.getheader(REPLICA_HEADER) or "?"] += 1
                    if response.status == 200 and team.name.encode() not in data:
                        wrong.append(data.decode(errors="replace")[:200])
                answered.release()
            conn.close()

        threads = [threading.Thread(target=client) for _ in range(clients)]
        for thread in threads:
            thread.start()
        for _ in range(kill_after):
            assert answered.acquire(timeout=30), "the burst made no progress"
        victim = balancer.replicas[1].process
        killed_at.append(time.monotonic())
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait()
        for thread in threads:
            thread.join(timeout=60)
        total = clients * per_client
        # Every request was answered with the right reply, or cleanly refused (HAProxy's
        # 502/503 or a connection closed without an answer), and only the requests caught
        # by the kill: the one each client had in flight on the dead replica, or one sent on
        # a connection HAProxy had open to it and had not yet seen close; nothing before
        # the kill. Without `retry-on conn-failure` every request routed to the dead replica
        # until the health check marks it down fails too (dozens here). `who` writes
        # nothing, so nothing is half-written.
        log = balancer.log()
        flags = {state: log.count(f" {state} ") for state in ("SH--", "SC--", "CD--")}
        assert sum(statuses.values()) == total, statuses
        assert set(statuses) <= {200, 502, 503, 0}, statuses
        assert total - statuses[200] <= 2 * clients, (statuses, flags)
        assert all(at >= killed_at[0] for at in lost_at), (statuses, flags)
        assert wrong == []
        assert replicas["replica0"] > 0 and replicas["replica1"] > 0, replicas
        # After the kill, HAProxy sends everything to the replica left: all answered.
        slack = sender(balancer.url, fake_api)
        for _ in range(6):
            reply = slack.command("who", fields={"channel_id": team.channel,
                                                  "user_id": team.admin})  # fmt: skip
            assert reply.status == 200 and team.name in reply.text
            assert served_by(reply.headers) == "replica0"
        slack.close()
        assert "Traceback" not in balancer.replicas[0].log()
