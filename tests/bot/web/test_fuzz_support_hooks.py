"""Fuzzing the support tools' hooks of a real `queueday serve` with validly signed junk.

A bounded loop with a fixed seed: each vendor's documented payload with one part
replaced, removed or retyped, and JSON of random shapes, every one signed with the right
secret (and, for Zendesk and Linear, a current timestamp), so every request reaches the
parsing. Whatever comes: a 2xx or a 4xx, never a 5xx, never a traceback in the log.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.bot.server import RunningServer
from tests.bot.slack_requests import SlackSender
from tests.bot.web import vendor_payloads as vp
from tests.bot.web.test_support_hooks import engine, fake_api, server, workdir  # noqa: F401

SEED = 20270104
ROUNDS = 80  # requests per vendor; about 15 s in all
ANSWERS = {200, 202, 400, 401, 404, 409, 413}
WORDS = ["", "bug", "Bug", "closed", "SOLVED", "problem", "<p>x</p>", "é✓", "0", "-1", "a" * 300]


def _documented(vendor: str, rng: random.Random) -> dict[str, Any]:
    n = str(rng.randrange(1, 10**6))
    return {
        "zendesk": lambda: rng.choice([vp.zendesk_event(n), vp.zendesk_rating(n, "Good", "Nice")]),
        "intercom": lambda: rng.choice(
            [vp.intercom_conversation(n), vp.intercom_rating(n, 5, "Great")]
        ),
        "jira": lambda: vp.jira_issue(n, f"SUP-{n}"),
        "linear": lambda: vp.linear_issue(n, int(n)),
        "highlights": lambda: vp.highlight(n),
    }[vendor]()  # fmt: skip


def _junk(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(9 if depth < 3 else 6)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.choice([0, -1, 7, 2**63, -(2**70), 10**30, 4])
    if kind == 3:
        return rng.choice([1.5, -0.0, 1e308])
    if kind in (4, 5):
        return rng.choice(WORDS)
    if kind in (6, 7):
        return {rng.choice(WORDS + ["id", "type", "data", "tags"]): _junk(rng, depth + 1)
                for _ in range(rng.randrange(4))}  # fmt: skip
    return [_junk(rng, depth + 1) for _ in range(rng.randrange(4))]


def _mutated(data: Any, rng: random.Random) -> Any:
    """`data` with one value somewhere replaced by junk, or its key removed."""
    data = copy.deepcopy(data)
    node = data
    while True:
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        if not keys:
            return data
        key = rng.choice(keys)
        child = node[key]
        if isinstance(child, dict | list) and child and rng.random() < 0.6:
            node = child
            continue
        if isinstance(node, dict) and rng.random() < 0.3:
            del node[key]
        else:
            node[key] = _junk(rng)
        return data


@pytest.fixture(scope="module")
def deliver(server: RunningServer) -> Iterator[Callable[[str, bytes], int]]:  # noqa: F811
    sender = SlackSender(base_url=server.url, signing_secret="unused")

    def post(vendor: str, body: bytes) -> int:
        reply = sender.request("POST", f"/hooks/{vendor}", body, vp.HEADERS[vendor](body))
        assert reply.json()["status" if reply.status >= 400 else "ok"], reply.json()
        return reply.status

    yield post
    sender.close()


@pytest.mark.parametrize("vendor", ["zendesk", "intercom", "jira", "linear", "highlights"])
def test_signed_junk_never_fails(
    vendor: str,
    deliver: Callable[[str, bytes], int],
    server: RunningServer,  # noqa: F811
) -> None:
    rng = random.Random(f"{SEED}:{vendor}")
    statuses = []
    for n in range(ROUNDS):
        data = _documented(vendor, rng)
        data = _junk(rng) if n % 4 == 0 else _mutated(data, rng)
        statuses.append(deliver(vendor, vp.body_of(data)))
    assert set(statuses) <= ANSWERS, sorted(set(statuses))
    assert statuses.count(400) > ROUNDS // 10  # the junk really reached the parsing
    assert "Traceback" not in server.log() and "Internal Server Error" not in server.log()
