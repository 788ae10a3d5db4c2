"""Issue 9's attacks on a real `queueday serve`, each refused before anything acts.

The server is this module's own (tests.bot.hostile), so its log is read in isolation:
no request here may leave a traceback, a body or a feed token in it.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_bolt import App, BoltRequest
from sqlmodel import Session, select

from bot.slack.app import SlackConfig, create_app
from bot.slack.dispatch import CommandContext, handles
from bot.slack.listeners.errors import is_slack_reply_url
from bot.slack.views import admin, days, swaps
from bot.slack.views.limits import Message
from bot.web.app import create_web_app
from bot.web.hooks import github_signature
from storage.db import make_engine
from storage.models import Ticket
from tests.bot.fake_slack import RESPONSE_URL, FakeSlack, response_name
from tests.bot.hostile import (
    ROTATION,
    Catcher,
    Hardened,
    chunked,
    declared,
    hardened_server,
    raw,
)
from tests.bot.server import GITHUB_SECRET, HOOK_SECRET, SIGNING_SECRET
from tests.bot.slack_requests import SlackSender, signature

# int() takes some of these ("1_700_000_000", " 1700000000"), str.isdigit() others ("1²3").
MALFORMED_TIMESTAMPS = ["abc", "", "1e9", "0x10", " 1700000000", "1_700_000_000", "1²3",
                        "١٧٠٠".encode().decode("latin-1"), "9" * 40, "-1"]  # fmt: skip


@pytest.fixture(scope="module")
def hardened(fake_slack: FakeSlack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hardened]:
    with hardened_server(fake_slack, Path(tmp_path_factory.mktemp("hardened"))) as running:
        yield running


@pytest.fixture
def sender(hardened: Hardened, fake_slack: FakeSlack) -> Iterator[SlackSender]:
    slack = SlackSender(
        base_url=hardened.server.url,
        signing_secret=SIGNING_SECRET,
        team_id=fake_slack.team_id,
        response_url=fake_slack.response_url(f"sec-{uuid.uuid4().hex[:8]}"),
    )
    yield slack
    slack.close()


def unsigned(timestamp: str, body: bytes, content_type: str) -> dict[str, str]:
    """Headers an attacker can send: any timestamp, a signature made up (or ours, for a
    timestamp that cannot be checked: nothing may rest on the HMAC being wrong)."""
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature(SIGNING_SECRET, timestamp, body),
    }


def block_action(response_url: str, action_id: str = swaps.ACCEPT, value: str = "1") -> bytes:
    payload = {
        "type": "block_actions",
        "team": {"id": "T0TEST"},
        "user": {"id": "U0ADA", "team_id": "T0TEST"},
        "actions": [{"action_id": action_id, "block_id": "b", "type": "button", "value": value}],
        "response_url": response_url,
        "trigger_id": "1.2.3",
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


def command_form(response_url: str) -> bytes:
    return command_text("help", response_url).encode()


def command_text(text: str, response_url: str) -> str:
    form = {
        "command": "/queueday",
        "text": text,
        "team_id": "T0TEST",
        "user_id": "U0ADA",
        "channel_id": "C0TEST",
        "response_url": response_url,
        "trigger_id": "1.2.3",
    }
    return urlencode(form)


# -- defect 1: nothing acts before the signature is verified


@pytest.mark.parametrize("timestamp", MALFORMED_TIMESTAMPS)
def test_a_timestamp_that_is_no_number_is_refused_and_nothing_is_posted(
    hardened: Hardened, timestamp: str
) -> None:
    mark = hardened.mark()
    with Catcher() as attacker:
        for body in (block_action(attacker.url), command_form(attacker.url)):
            headers = unsigned(timestamp, body, "application/x-www-form-urlencoded")
            answer = raw(hardened.server.url, "POST", "/slack/events", body, headers)
            assert answer.status == 401, (timestamp, answer)
        # The error handler ran (if at all) inside the request: its post would be here.
        assert attacker.received == []
    assert "Traceback" not in hardened.log_since(mark)


def test_a_stale_or_wrong_signature_is_refused(hardened: Hardened) -> None:
    body = command_form("https://hooks.slack.com/commands/1")
    stale = str(int(time.time()) - 301)
    for headers in (
        unsigned(stale, body, "application/x-www-form-urlencoded"),
        {**unsigned(str(int(time.time())), body, "x"), "X-Slack-Signature": "v0=" + "0" * 64},
        {**unsigned(str(int(time.time())), body, "x"), "X-Slack-Signature": "v0=é"},
        {"Content-Type": "application/x-www-form-urlencoded"},
    ):
        assert raw(hardened.server.url, "POST", "/slack/events", body, headers).status == 401


@pytest.fixture
def bolt(fake_slack: FakeSlack) -> App:
    config = SlackConfig(
        bot_token=fake_slack.bot_token, signing_secret=SIGNING_SECRET, api_url=fake_slack.api_url
    )
    # One listener thread: lazy listeners run one after another, in the order sent.
    return create_app(config, listener_executor=ThreadPoolExecutor(1))


def test_the_error_handler_replies_only_on_slacks_host(
    bolt: App, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In-process, past the web layer: Bolt's own verifier raises on `abc` and hands the
    unverified body to the error handler, which must not post to its response_url; a
    verified request whose listener fails is answered only on Slack's (here: the fake's)
    host."""
    with Catcher() as attacker:
        body = block_action(attacker.url).decode()
        headers: dict[str, str | Sequence[str]] = {
            **unsigned("abc", body.encode(), "application/x-www-form-urlencoded")
        }
        bolt.dispatch(BoltRequest(body=body, headers=headers))
        assert attacker.received == []

        monkeypatch.setattr("bot.slack.dispatch.HANDLERS", {})

        @handles("stats")
        def stats(ctx: CommandContext) -> Message:
            raise RuntimeError("listener bug")

        ours = fake_slack.response_url(f"err-{uuid.uuid4().hex[:8]}")
        for url in (attacker.url, ours):
            form = command_text("stats", url)
            ts = str(int(time.time()))
            signed: dict[str, str | Sequence[str]] = {
                **unsigned(ts, form.encode(), "application/x-www-form-urlencoded")
            }
            assert bolt.dispatch(BoltRequest(body=form, headers=signed)).status == 200
        [apology] = fake_slack.wait_for(RESPONSE_URL, about=response_name(ours))
        assert "something went wrong" in apology.params["text"]
        assert attacker.received == []  # its lazy listener ran first (one thread)


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://hooks.slack.com/commands/T1/2/abc", True),
        ("https://HOOKS.slack.com:443/actions/T1/2/abc", True),
        ("http://hooks.slack.com/commands/1", False),
        ("https://hooks.slack.com.evil.example/x", False),
        ("https://hooks.slack.com@evil.example/x", False),
        ("https://evil.example/?https://hooks.slack.com/", False),
        ("http://127.0.0.1:9999/response/1", False),  # the API's host, another port
        ("http://127.0.0.1:8000/response/1", True),  # the configured API's own origin
        ("https://hooks.slack.com:99999/x", False),
        ("gopher://hooks.slack.com/x", False),
        ("", False),
    ],
)
def test_which_response_urls_are_slacks(url: str, allowed: bool) -> None:
    assert is_slack_reply_url(url, "http://127.0.0.1:8000/api/") is allowed


# -- defect 4: the body limit holds while the body streams, on every route


@pytest.mark.parametrize(
    "path",
    ["/slack/events", "/hooks/tickets", "/hooks/github", "/calendar/x.ics", "/healthz", "/nope"],
)
def test_a_chunked_body_over_the_limit_is_refused_as_it_streams(
    hardened: Hardened, path: str
) -> None:
    mark = hardened.mark()
    answer = chunked(hardened.server.url, path, 5_000_000, {"Content-Type": "application/json"})
    assert answer.status == 413
    log = hardened.log_since(mark)
    assert "xxxxxxxx" not in log and len(log) < 2000, log[:2000]


def test_a_declared_length_over_the_limit_is_refused_unread(hardened: Hardened) -> None:
    answer = raw(hardened.server.url, "POST", "/hooks/github", b"{}")
    assert answer.status == 401  # under the limit: on to the signature check
    assert declared(hardened.server.url, "/hooks/github", 50_000_000).status == 413
    assert declared(hardened.server.url, "/slack/events", 1_000_001).status == 413


# -- defect 5: malformed requests answer 400 or 401, never 500


UNSIGNED_SHAPES = [
    ("application/json", b"command=%2Fqueueday&text=help"),
    ("application/x-www-form-urlencoded", b"payload=%5B%5D"),  # payload=[]
    ("application/x-www-form-urlencoded", b"payload=null"),
    ("application/x-www-form-urlencoded", b"payload=not-json"),
    ("application/json", b"[]"),
    ("application/json", b"\xff\xfe"),
    ("text/plain", b"{" * 50_000),
]


@pytest.mark.parametrize(("content_type", "body"), UNSIGNED_SHAPES)
def test_a_malformed_unsigned_request_is_401(
    hardened: Hardened, content_type: str, body: bytes
) -> None:
    mark = hardened.mark()
    headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": str(int(time.time())),
               "X-Slack-Signature": "v0=" + "1" * 64}  # fmt: skip
    assert raw(hardened.server.url, "POST", "/slack/events", body, headers).status == 401
    assert "Traceback" not in hardened.log_since(mark)


SIGNED_SHAPES = [
    ("application/json", b"command=%2Fqueueday&text=help", "body: not JSON"),
    ("application/x-www-form-urlencoded", b"payload=%5B%5D", "expected a JSON object"),
    ("application/x-www-form-urlencoded", b"payload=null", "expected a JSON object"),
    ("application/x-www-form-urlencoded", b"payload=not-json", "body: not JSON"),
    ("application/json", b"[]", "expected a JSON object"),
    ("application/json", b"5", "expected a JSON object"),
    ("application/json", b"[" * 50_000 + b"]" * 50_000, "nested"),
    ("application/json", b'{"a":' * 100 + b"1" + b"}" * 100, "nested"),
    ("application/json", b'{"team": 5}', "team"),
    ("application/json", b'{"type": "event_callback", "event": "x"}', "event"),
    ("application/json", b'{"type": "event_callback", "event": {"user": "U1"}}', "event.type"),
    ("application/json", b'{"type": "block_actions", "user": "U1"}', "user"),
    ("application/json", b'{"type": "block_actions", "user": {"id": 1}}', "user.id"),
    (
        "application/json",
        b'{"type": "block_actions", "user": {"id": "U"}, "actions": 5}',
        "actions",
    ),
    ("application/json", b'{"type": "view_submission", "user": {"id": "U"}, "view": []}', "view"),
    ("application/json", b'{"authorizations": "x"}', "authorizations"),
    ("application/json", b'{"response_urls": [5]}', "response_urls"),
    ("application/json", b'{"id": ' + b"9" * 5000 + b"}", "body: not JSON"),
    # What the fuzz test found reaching Bolt or a listener and failing there:
    ("application/json", b'{"type": "view_submission", "user": {"id": "U"}, '
                         b'"view": {"callback_id": "config"}}', "view.type"),
    ("application/json", b'{"type": "block_actions", "user": {"id": "U"}, "trigger_id": "t", '
                         b'"actions": []}', "actions"),
    ("application/json", b'{"type": "block_actions", "user": {"id": "U"}, '
                         b'"actions": [{"action_id": "home:swap"}]}', "trigger_id: required"),
    ("application/json", b'{"type": "dialog_submission", "callback_id": "feeds:reset", '
                         b'"user": {"id": "U"}, "team": "T0TEST"}', "team: expected an object"),
    ("application/json", b'{"type": "event_callback", "event": {"type": "app_home_opened"}}',
     "event.user"),
    ("application/json", b'{"type": "event_callback", "event": {"type": "reaction_added", '
                         b'"user": "U", "item": {"channel": true}}}', "wrong type"),
    ("application/json", b'{"response_url": "99999"}', "response_url: expected a web address"),
    ("application/json", b'{"response_urls": [{"response_url": 5}]}', "response_urls.0"),
]  # fmt: skip


@pytest.mark.parametrize(("content_type", "body", "named"), SIGNED_SHAPES)
def test_a_signed_request_slack_would_not_send_is_400_naming_the_field(
    hardened: Hardened, sender: SlackSender, content_type: str, body: bytes, named: str
) -> None:
    mark = hardened.mark()
    answer = sender.post(body, content_type)
    assert answer.status == 400, answer
    assert named in answer.json()["error"]
    assert "Traceback" not in hardened.log_since(mark)


# -- defect 8: feed tokens never in the log, whatever the spelling of the path


def test_a_feed_path_spelt_with_escapes_is_not_served_nor_logged(hardened: Hardened) -> None:
    token = hardened.feed_token
    assert raw(hardened.server.url, "GET", f"/calendar/{token}.ics").status == 200
    spellings = [
        f"/%63alendar/{token}.ics",
        f"/calendar%2F{token}.ics",
        f"/calendar%2f{token}.ics",
        f"/calendar/%{ord(token[0]):02X}{token[1:]}.ics",
        f"/%2563alendar/{token}.ics",
        f"/CALENDAR/{token}.ics",
        f"/calendar/{token}%2Eics",
    ]
    for path in spellings:
        assert raw(hardened.server.url, "GET", path).status == 404, path
        assert raw(hardened.server.url, "HEAD", path).status == 404, path
    assert token not in hardened.server.log()


# -- defect 11: hook bodies validated, a missing status keeps the state, odd buttons


def tickets(hardened: Hardened, data: Any) -> tuple[int, dict[str, Any]]:
    body = data if isinstance(data, bytes) else json.dumps(data).encode()
    headers = {"Authorization": f"Bearer {HOOK_SECRET}", "Content-Type": "application/json"}
    path = f"/hooks/tickets?rotation={ROTATION}"
    answer = raw(hardened.server.url, "POST", path, body, headers)
    return answer.status, json.loads(answer.body)


def github(hardened: Hardened, data: Any) -> tuple[int, dict[str, Any]]:
    body = json.dumps(data).encode()
    headers = {
        "X-GitHub-Event": "issues",
        "X-Hub-Signature-256": github_signature(GITHUB_SECRET, body),
        "Content-Type": "application/json",
    }
    answer = raw(hardened.server.url, "POST", f"/hooks/github?rotation={ROTATION}", body, headers)
    return answer.status, json.loads(answer.body)


def stored(hardened: Hardened) -> list[tuple[str | None, str]]:
    engine = make_engine(hardened.database_url)
    try:
        with Session(engine) as session:
            return [(t.external_id, t.state) for t in session.exec(select(Ticket))]
    finally:
        engine.dispose()


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    ("data", "named"),
    [
        ({"id": int("9" * 4300), "title": "x"}, "id: a number from 0 to"),
        ({"id": -1, "title": "x"}, "id: a number from 0 to"),
        ({"id": 2**63, "title": "x"}, "id: a number from 0 to"),
        (b'{"id": ' + b"9" * 4301 + b', "title": "x"}', "body: not JSON"),
        ({"id": "x" * 201, "title": "x"}, "id:"),
        ({"id": True, "title": "x"}, "id: expected a string"),
        ({"id": "1", "title": {"a": {"b": 1}}}, "title: expected a string"),
        (f'{{"id": "1", "title": {nested(100_000)}}}'.encode(), "body: nested"),
        (f'{{"id": "1", "title": {nested(70)}}}'.encode(), "body: nested"),
        ({"id": "1", "title": "x", "severity": "apocalyptic"}, "severity: 'apocalyptic'"),
        ({"id": "1", "title": "x", "severity": 5}, "severity: expected a string"),
        ({"id": "1", "title": "x", "status": "maybe"}, "status: 'maybe'"),
        ({"id": "1", "title": "x" * 100_000}, "title:"),
        ({"id": "1", "title": "x", "rotation": ["support"]}, "rotation: expected a string"),
    ],
)
def test_a_ticket_hook_body_out_of_shape_is_400_naming_the_field(
    hardened: Hardened, data: Any, named: str
) -> None:
    mark, before = hardened.mark(), stored(hardened)
    status, answer = tickets(hardened, data)
    assert (status, answer["status"]) == (400, 400) and answer["error"].startswith(named), answer
    assert stored(hardened) == before
    assert "Traceback" not in hardened.log_since(mark)


def test_a_ticket_without_status_keeps_its_state(hardened: Hardened) -> None:
    key = f"SEC-{uuid.uuid4().hex[:6]}"
    assert tickets(hardened, {"id": key, "title": "Export", "severity": "P1"})[0] == 200
    assert tickets(hardened, {"id": key, "status": "resolved"})[1]["state"] == "closed"
    status, answer = tickets(hardened, {"id": key, "title": "Export (edited)"})
    assert (status, answer["state"], answer["changed"]) == (200, "closed", True)
    status, answer = tickets(hardened, {"id": key, "status": "reopened"})
    assert answer["state"] == "open"
    assert (f"hook:{key}", "open") in stored(hardened)


def issue_event(**issue: Any) -> dict[str, Any]:
    number = issue.pop("number", 7)
    return {
        "action": "opened",
        "issue": {
            "number": number,
            "title": "Safari loops",
            "state": "open",
            "labels": [{"name": "bug"}],
            **issue,
        },  # fmt: skip
        "repository": {"full_name": "acme/app"},
    }


@pytest.mark.parametrize(
    ("data", "named"),
    [
        (issue_event(labels=5), "issue.labels: expected an array"),
        ({**issue_event(), "repository": "x"}, "repository: expected an object"),
        (issue_event(number=int("9" * 4300)), "issue.number"),
        (issue_event(number=[7]), "issue.number"),
        (issue_event(title=["x"]), "issue.title: expected a string"),
        (issue_event(user="octo"), "issue.user: expected an object"),
        ({"action": "opened", "issue": "x"}, "issue: expected an object"),
        ({"action": "opened"}, "issue: required"),
        ([issue_event()], "body: expected a JSON object"),
    ],
)
def test_a_github_event_out_of_shape_is_400_naming_the_field(
    hardened: Hardened, data: Any, named: str
) -> None:
    mark, before = hardened.mark(), stored(hardened)
    status, answer = github(hardened, data)
    assert status == 400 and answer["error"].startswith(named), answer
    assert stored(hardened) == before
    assert "Traceback" not in hardened.log_since(mark)


def test_a_github_label_of_unknown_severity_is_left_out(hardened: Hardened) -> None:
    number = int(uuid.uuid4().int % 10**9)
    labels = [{"name": "bug"}, {"name": "severity: apocalyptic"}]
    status, answer = github(hardened, issue_event(number=number, labels=labels))
    assert status == 200 and answer["created"]


@pytest.mark.parametrize(
    ("action_id", "value"),
    [
        (swaps.ACCEPT, "abc"),
        (swaps.ACCEPT, ""),
        (swaps.DECLINE, "9" * 40),
        (admin.PUBLISH, "{not json"),
        (admin.PUBLISH, '{"r": "x", "s": 5, "e": "2027-01-01", "v": 1}'),
        (days.CANCEL_AWAY, "soon"),
    ],
)
def test_a_button_with_a_value_it_never_carries_gets_a_polite_no(
    hardened: Hardened, fake_slack: FakeSlack, sender: SlackSender, action_id: str, value: str
) -> None:
    mark = hardened.mark()
    name = response_name(sender.response_url)
    clicked = block_action(sender.response_url, action_id, value)
    assert sender.post(clicked, "application/x-www-form-urlencoded").status == 200
    [reply] = fake_slack.wait_for(RESPONSE_URL, about=name)
    assert "can't be read" in reply.params["text"]
    log = hardened.log_since(mark)
    assert "INFO bot.slack.listeners.actions: button" in log
    assert "Traceback" not in log and "ERROR" not in log


def test_bolt_never_logs_a_refused_body(bolt: App, caplog: pytest.LogCaptureFixture) -> None:
    """Past the web layer (the console, a test): Bolt's own verifier logs the body of a
    request it refuses at INFO; once the web app is built, that line is dropped."""
    create_web_app(bolt, signing_secret=SIGNING_SECRET)
    body = "command=%2Fqueueday&text=" + "SECRET-BODY-" * 1000
    stale = str(int(time.time()) - 3600)
    headers: dict[str, str | Sequence[str]] = {
        **unsigned(stale, body.encode(), "application/x-www-form-urlencoded")
    }
    with caplog.at_level(logging.DEBUG):
        assert bolt.dispatch(BoltRequest(body=body, headers=headers)).status == 401
    assert "SECRET-BODY" not in caplog.text
