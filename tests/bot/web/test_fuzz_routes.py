"""Fuzzing every route of a real `queueday serve` with malformed requests (issue 9).

A bounded loop with a fixed seed, so every run sends the same requests: /slack/events
with every content type and payload shape, signed and unsigned; the hooks with wrong and
right secrets; feeds under every spelling; odd methods and headers. Whatever comes:
never a 5xx, never a traceback in the log; unsigned, nothing changes (the fake Slack
hears nothing, no row moves); and a 50 MB chunked body leaves the memory where it was.
"""

from __future__ import annotations

import json
import random
import string
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

import pytest
from sqlalchemy import inspect, text

from bot.slack.listeners.shortcuts import SAVE_BUG, SAVE_HIGHLIGHT
from bot.slack.views import admin, config, days, home, mine, modals, swaps
from bot.slack.views.capture import CAPTURE
from bot.slack.views.reminders import REFLECT, REFLECTION
from bot.web.hooks import github_signature
from storage.db import make_engine
from tests.bot.fake_slack import FakeSlack
from tests.bot.hostile import Answer, Hardened, chunked, hardened_server, raw, rss_kib
from tests.bot.server import GITHUB_SECRET, HOOK_SECRET, SIGNING_SECRET
from tests.bot.slack_requests import signature

_T = TypeVar("_T")

SEED = 20270104
ROUNDS = 500  # requests of each kind (unsigned, signed); about 10 s in all
BIG_BODY = 50 * 1024 * 1024
RSS_GROWTH_LIMIT_KIB = 20 * 1024

CONTENT_TYPES = [
    "application/json",
    "application/json; charset=utf-8",
    "APPLICATION/JSON",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "text/plain",
    "application/xml",
    "",
    ";;;",
]
TYPES = ["block_actions", "view_submission", "view_closed", "shortcut", "message_action",
         "event_callback", "url_verification", "block_suggestion", "interactive_message",
         "dialog_submission", "app_rate_limited", "", "✓"]  # fmt: skip
ACTION_IDS = [swaps.ACCEPT, swaps.DECLINE, swaps.WITHDRAW, admin.PUBLISH, days.CANCEL_AWAY,
              home.OPEN_AWAY, home.OPEN_SWAP, home.REFRESH, mine.RESET_FEED, REFLECT,
              "link:x", "unknown"]  # fmt: skip
CALLBACK_IDS = [config.CALLBACK, modals.AWAY, modals.SWAP, CAPTURE, REFLECTION, SAVE_BUG,
                SAVE_HIGHLIGHT, "unknown"]  # fmt: skip
EVENT_TYPES = ["app_home_opened", "reaction_added", "message", "app_mention", "x"]
KEYS = ["type", "team", "user", "channel", "event", "actions", "view", "response_url",
        "response_urls", "authorizations", "command", "text", "trigger_id", "enterprise",
        "message", "container", "callback_id", "event_id", "team_id", "user_id", "token",
        "challenge", "ssl_check", "api_app_id", "state", "id", "item", "value"]  # fmt: skip


class Junk:
    """Deterministic malformed input, from one seeded generator."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def pick(self, items: Sequence[_T]) -> _T:
        return self.rng.choice(items)

    def scalar(self) -> Any:
        return self.pick([
            None, True, False, 0, -1, 2**63, 10**400 if self.rng.random() < 0.1 else 7,
            1.5, 1e308, "", "x", "U0ADA", "T0TEST", "é\u202e<!channel>", "\x00", "9" * 50,
            "http://127.0.0.1:9/steal", "2027-01-04", "{not json", self.pick(ACTION_IDS),
            self.pick(CALLBACK_IDS), self.pick(TYPES), self.pick(EVENT_TYPES),
        ])  # fmt: skip

    def value(self, depth: int = 0) -> Any:
        roll = self.rng.random()
        if depth > 4 or roll < 0.45:
            return self.scalar()
        if roll < 0.7:
            return [self.value(depth + 1) for _ in range(self.rng.randint(0, 3))]
        return self.obj(depth + 1)

    def obj(self, depth: int = 0) -> dict[str, Any]:
        keys = self.rng.sample(KEYS, self.rng.randint(0, 6))
        if self.rng.random() < 0.2:
            keys.append("".join(self.rng.choices(string.printable, k=5)))
        return {key: self.value(depth) for key in keys}

    def payload(self) -> Any:
        """A Slack-like payload with the wrong thing somewhere, or no payload at all."""
        roll = self.rng.random()
        if roll < 0.15:
            return self.value()
        data = self.obj()
        data["type"] = self.pick(TYPES)
        if self.rng.random() < 0.7:
            data["user"] = self.pick([{"id": "U0FUZZ", "team_id": "T0TEST"}, self.value()])
        if data["type"] == "block_actions" and self.rng.random() < 0.8:
            action = {"action_id": self.pick(ACTION_IDS), "value": self.scalar()}
            data["actions"] = self.pick([[action], [self.value()], self.value()])
        if data["type"] in ("view_submission", "view_closed", "shortcut", "message_action"):
            data["view"] = {"callback_id": self.pick(CALLBACK_IDS), "state": self.value(),
                            "private_metadata": self.scalar()}  # fmt: skip
            data["callback_id"] = self.pick(CALLBACK_IDS)
        if data["type"] == "event_callback":
            data["event"] = self.pick([{"type": self.pick(EVENT_TYPES), **self.obj(2)},
                                       self.value()])  # fmt: skip
            data["event_id"] = f"EvFUZZ{self.rng.randrange(10**9)}"
        data["team"] = self.pick([{"id": "T0TEST"}, self.value()])
        return data

    def plausible(self, response_url: str) -> tuple[str, bytes]:
        """A payload of the shape Slack sends, to one of QueueDay's own listeners, with
        junk where the values go: past the web layer's checks, into the listeners."""
        person = {"id": self.pick(["U0FUZZ", "U0ADA"]), "team_id": "T0TEST"}
        common = {"team": {"id": "T0TEST"}, "user": person, "trigger_id": "1.2.3",
                  "response_url": response_url, "channel": {"id": "C0TEST"}}  # fmt: skip
        kind = self.pick(["command", "block_actions", "view_submission", "shortcut", "event"])
        if kind == "command":
            form = {"command": "/queueday", "text": self.command(), "team_id": "T0TEST",
                    "user_id": person["id"], "channel_id": "C0TEST",
                    "response_url": response_url, "trigger_id": "1.2.3"}  # fmt: skip
            return "application/x-www-form-urlencoded", urlencode(form).encode()
        if kind == "block_actions":
            value = self.scalar()
            action = {"action_id": self.pick(ACTION_IDS), "block_id": "b", "type": "button",
                      "value": value if isinstance(value, str) else json.dumps(value)}  # fmt: skip
            data = {**common, "type": kind, "actions": [action],
                    "container": {"type": "message"}}  # fmt: skip
        elif kind == "view_submission":
            state = {"values": {"b": {"a": self.obj()}, **self.obj()}}
            view = {"id": "V1", "type": "modal", "callback_id": self.pick(CALLBACK_IDS),
                    "private_metadata": str(self.scalar()), "state": state}  # fmt: skip
            data = {**common, "type": kind, "view": view}
        elif kind == "shortcut":
            data = {**common, "type": self.pick(["shortcut", "message_action"]),
                    "callback_id": self.pick(CALLBACK_IDS), "message": self.obj()}  # fmt: skip
        else:
            event = {"type": self.pick(EVENT_TYPES), "user": person["id"], "tab": "home",
                     "reaction": self.pick(["bug", "x"]), "item": self.obj()}  # fmt: skip
            data = {"type": "event_callback", "team_id": "T0TEST", "event": event,
                    "event_id": f"EvFUZZ{self.rng.randrange(10**12)}"}  # fmt: skip
        if self.rng.random() < 0.5:
            return "application/json", json.dumps(data).encode()
        return "application/x-www-form-urlencoded", urlencode(
            {"payload": json.dumps(data)}
        ).encode()

    def body(self) -> tuple[str, bytes]:
        """A content type and a body, matching or not."""
        content_type = self.pick(CONTENT_TYPES)
        roll = self.rng.random()
        payload = self.payload()
        if roll < 0.35:
            return content_type, urlencode({"payload": json.dumps(payload)}).encode()
        if roll < 0.6:
            return content_type, json.dumps(payload).encode()
        if roll < 0.75:
            form = {k: str(v) for k, v in self.obj().items()}
            form.update(command=self.pick(["/queueday", "/other", ""]), text=self.command())
            return content_type, urlencode(form).encode()
        return content_type, self.pick([
            b"", b"payload=", b"payload=%5B%5D", b"payload=null", b"\xff\xfe\xfd", b"{",
            b"[" * 5000, b'{"a":' * 70 + b"1" + b"}" * 70, b"payload=" + b"%5B" * 3000,
            bytes(self.rng.randrange(256) for _ in range(64)), b"a=1&" * 2000,
        ])  # fmt: skip

    def command(self) -> str:
        return self.pick(["", "help", "abc", "away 9999-12-31", "bug " + "x" * 3000,
                          "swap ✓", "\x00", "who", "%%%"])  # fmt: skip

    def timestamp(self) -> str:
        now = int(time.time())
        return self.pick([str(now), str(now - 3600), "abc", "", "1e9", "0x10", "-1", "9" * 30])

    def path(self) -> tuple[str, str]:
        """A method and a path: half the time Slack's endpoint, as an attacker would."""
        if self.rng.random() < 0.5:
            return "POST", self.pick(["/slack/events", "/slack/events?ssl_check=1"])
        token = "".join(self.rng.choices(string.ascii_letters + string.digits + "-_", k=43))
        paths = [
            "/slack/events", "/slack/events?x=%ZZ", "/hooks/tickets", "/hooks/github",
            "/hooks/nope", f"/calendar/{token}.ics", f"/%63alendar/{token}.ics",
            f"/calendar%2F{token}.ics", "/calendar/.ics", "/calendar/" + "a" * 5000 + ".ics",
            "/healthz", "/healthz?deep=1", "/", "/%00", "/..%2f..%2fetc/passwd",
        ]  # fmt: skip
        method = self.pick(["GET", "HEAD", "POST", "POST", "PUT", "DELETE", "OPTIONS"])
        return method, self.pick(paths)

    def headers(self) -> dict[str, str]:
        extra = {
            "If-None-Match": self.pick(['"x"', "*", "W/", "", ",,,"]),
            "If-Modified-Since": self.pick(["yesterday", "Mon, 99 Foo 2027", ""]),
            "X-Slack-Bolt-Lazy-Only": "1",
            "X-Slack-Bolt-Lazy-Function-Name": "run_command",
            "Authorization": self.pick(["Bearer ", "Bearer wrong", "Basic x", "bearer"]),
            "X-Hub-Signature-256": self.pick(["", "sha256=00", "sha1=x", "sha256=é"]),
            "X-GitHub-Event": self.pick(["issues", "ping", "push", ""]),
        }
        chosen = self.rng.sample(sorted(extra), self.rng.randint(0, len(extra)))
        return {name: extra[name] for name in chosen}


@pytest.fixture(scope="module")
def own_fake() -> Iterator[FakeSlack]:
    """A fake Slack for this module's server only: every call it records is ours."""
    with FakeSlack() as fake:
        yield fake


@pytest.fixture(scope="module")
def target(own_fake: FakeSlack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hardened]:
    with hardened_server(own_fake, Path(tmp_path_factory.mktemp("fuzz"))) as running:
        yield running


def rows(database_url: str) -> dict[str, int]:
    """How many rows each table holds."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            names = inspect(connection).get_table_names()
            return {
                name: int(connection.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one())
                for name in names
            }
    finally:
        engine.dispose()


def send(target: Hardened, method: str, path: str, body: bytes, headers: dict[str, str]) -> Answer:
    headers = {k: v.encode("utf-8").decode("latin-1") for k, v in headers.items()}
    if method in ("GET", "HEAD", "OPTIONS") and not body:
        return raw(target.server.url, method, path, b"", headers)
    return raw(target.server.url, method, path, body, headers)


def test_unsigned_malformed_requests_change_nothing_and_never_fail(
    target: Hardened, own_fake: FakeSlack
) -> None:
    junk = Junk(SEED)
    own_fake.reset()
    before, mark = rows(target.database_url), target.mark()
    statuses: dict[int, int] = {}
    for _ in range(ROUNDS):
        method, path = junk.path()
        content_type, body = junk.body()
        headers = {**junk.headers(), "Content-Type": content_type}
        if junk.rng.random() < 0.6:
            ts = junk.timestamp()
            forged = junk.pick([SIGNING_SECRET, "not-the-secret"])
            headers["X-Slack-Request-Timestamp"] = ts
            headers["X-Slack-Signature"] = junk.pick(
                ["", "v0=", "v0=" + "0" * 64, signature(forged, ts, body + b" ")]
            )
        answer = send(target, method, path, body, headers)
        statuses[answer.status] = statuses.get(answer.status, 0) + 1
        assert answer.status < 500, (method, path, headers, body[:200], answer)
    log = target.log_since(mark)
    assert "Traceback" not in log and " ERROR " not in log, log[-3000:]
    assert own_fake.calls() == []
    assert rows(target.database_url) == before
    assert set(statuses) <= {200, 202, 304, 400, 401, 404, 405, 413}, statuses


def test_signed_malformed_requests_never_fail(target: Hardened, own_fake: FakeSlack) -> None:
    """Signed, so they may act (a signed `help` is answered): but never a 5xx or a
    traceback, whatever the shape."""
    junk = Junk(SEED + 1)
    mark = target.mark()
    statuses: dict[int, int] = {}
    for _ in range(ROUNDS):
        if junk.rng.random() < 0.4:
            content_type, body = junk.plausible(own_fake.response_url("fuzz"))
        else:
            content_type, body = junk.body()
        roll = junk.rng.random()
        if roll < 0.7:
            ts = str(int(time.time()))
            path = "/slack/events"
            headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts,
                       "X-Slack-Signature": signature(SIGNING_SECRET, ts, body)}  # fmt: skip
        elif roll < 0.85:
            path = junk.pick(["/hooks/tickets", "/hooks/tickets?rotation=support"])
            headers = {"Content-Type": content_type, "Authorization": f"Bearer {HOOK_SECRET}"}
            body = junk.pick([body, json.dumps(junk.obj()).encode(),
                              json.dumps({"id": junk.scalar(), "title": junk.value(),
                                          "status": junk.scalar()}).encode()])  # fmt: skip
        else:
            path = junk.pick(["/hooks/github", "/hooks/github?rotation=support"])
            body = junk.pick([body, json.dumps({"action": junk.pick(["opened", "closed"]),
                                                "issue": junk.obj(),
                                                "repository": junk.value()}).encode()])  # fmt: skip
            headers = {"Content-Type": content_type,
                       "X-GitHub-Event": junk.pick(["issues", "ping", "push"]),
                       "X-Hub-Signature-256": github_signature(GITHUB_SECRET, body)}  # fmt: skip
        answer = send(target, "POST", path, body, headers)
        statuses[answer.status] = statuses.get(answer.status, 0) + 1
        assert answer.status < 500, (path, headers, body[:300], answer)
    assert "Traceback" not in target.log_since(mark)  # lazy listeners: see the last test
    assert 400 in statuses and 200 in statuses, statuses


@pytest.mark.parametrize("path", ["/slack/events", "/hooks/github", f"/calendar/{'a' * 43}.ics"])
def test_a_50_mb_chunked_body_leaves_memory_and_log_where_they_were(
    target: Hardened, own_fake: FakeSlack, path: str
) -> None:
    pid = target.server.process.pid
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # reset the peak (VmHWM) to now
    before, mark = rss_kib(pid), target.mark()
    answer = chunked(target.server.url, path, BIG_BODY, {"Content-Type": "application/json"})
    assert answer.status == 413
    peak = peak_kib(pid)
    assert peak - before <= RSS_GROWTH_LIMIT_KIB, (before, peak)
    assert len(target.log_since(mark)) < 1000


def peak_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


def test_every_spelling_of_a_feed_path_is_404_or_served_and_never_logged(
    target: Hardened,
) -> None:
    token = target.feed_token
    junk = Junk(SEED + 2)
    for _ in range(100):
        spelt = "".join(
            quote(c, safe="") if junk.rng.random() < 0.2 else c for c in f"calendar/{token}.ics"
        )
        spelt = spelt.replace("/", junk.pick(["/", "%2F", "%2f"]), 1)
        answer = raw(target.server.url, junk.pick(["GET", "HEAD"]), "/" + spelt)
        canonical = spelt == f"calendar/{token}.ics"
        assert answer.status == (200 if canonical else 404), spelt
    assert token not in target.server.log()


def test_when_it_is_all_over_the_log_holds_no_traceback(target: Hardened) -> None:
    """Last: stopping the server waits for every lazy listener still running (the
    listener threads are joined at exit), so the log is then complete."""
    target.server.stop()
    log = target.server.log()
    at = log.find("Traceback")
    assert at == -1, log[max(0, at - 1500) : at + 4000]
    assert target.feed_token not in log
    assert len(log) < 400_000, len(log)
