"""`POST /hooks/tickets` and `POST /hooks/github` through the ASGI app: secrets and
signatures checked, bad input refused with nothing stored, create/update/close."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select
from starlette.types import ASGIApp

import bot.usecases as uc
from bot.web.app import create_web_app
from bot.web.hooks import HookConfig, github_signature, hook_routes
from storage.db import make_engine
from storage.models import METADATA, AuditEntry, Ticket
from tests.bot.server import HOOK_SECRET as SERVER_HOOK_SECRET
from tests.bot.server import RunningServer
from tests.bot.slack_requests import SlackSender
from tests.usecases.conftest import ADMIN, NOW, TEAM, build_team

HOOK_SECRET = "hook-secret"
GITHUB_SECRET = "github-secret"


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'hooks.db'}")
    METADATA.create_all(engine)
    with Session(engine, expire_on_commit=False) as session:
        build_team(session, publish=False)
    yield engine
    engine.dispose()


@pytest.fixture
def web(engine: Engine) -> ASGIApp:
    config = HookConfig(TEAM, HOOK_SECRET, GITHUB_SECRET, "bug")
    return create_web_app(None, routes=hook_routes(engine, config, clock=lambda: NOW))


def post(
    app: ASGIApp, path: str, body: bytes, headers: dict[str, str]
) -> tuple[int, dict[str, Any]]:
    """One request through the ASGI app, as uvicorn would make it."""
    raw_path, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": raw_path,
        "raw_path": raw_path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 1234),
        "server": ("127.0.0.1", 3000),
    }
    sent: list[dict[str, Any]] = []
    received = False

    async def receive() -> dict[str, Any]:
        nonlocal received
        if received:
            await asyncio.sleep(3600)
        received = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))  # type: ignore[arg-type]
    status = next(m for m in sent if m["type"] == "http.response.start")["status"]
    content = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, json.loads(content)


def tickets(app: ASGIApp, data: Any, secret: str = HOOK_SECRET, path: str = "/hooks/tickets"):  # type: ignore[no-untyped-def]
    body = data if isinstance(data, bytes) else json.dumps(data).encode()
    return post(
        app, path, body, {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}
    )


def github(app: ASGIApp, data: Any, *, event: str = "issues", secret: str = GITHUB_SECRET):  # type: ignore[no-untyped-def]
    body = json.dumps(data).encode()
    headers = {
        "X-GitHub-Event": event,
        "X-Hub-Signature-256": github_signature(secret, body),
        "Content-Type": "application/json",
    }
    return post(app, "/hooks/github", body, headers)


def stored(engine: Engine) -> list[Ticket]:
    with Session(engine) as session:
        return list(session.exec(select(Ticket).order_by(Ticket.id)))  # type: ignore[arg-type]


def audit_rows(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(AuditEntry)).one())


def test_a_tracker_creates_updates_and_closes_a_ticket(web: ASGIApp, engine: Engine) -> None:
    item = {"id": "QD-7", "title": "Export times out", "url": "https://t.example/QD-7",
            "area": "billing", "severity": "high", "status": "open"}  # fmt: skip
    status, answer = tickets(web, item)
    assert status == 200 and answer["created"] is True and answer["state"] == "open"
    status, answer = tickets(web, {**item, "title": "Export times out (500+ rows)"})
    assert status == 200 and not answer["created"] and answer["changed"]
    status, answer = tickets(web, {"id": "QD-7", "status": "Resolved"})  # status only
    assert status == 200 and answer["state"] == "closed"
    [ticket] = stored(engine)
    assert (ticket.text, ticket.state, ticket.external_id, ticket.severity, ticket.source) == (
        "Export times out (500+ rows)",
        "closed",
        "hook:QD-7",
        "high",
        "hook",
    )
    again = tickets(web, {"id": "QD-7", "status": "closed"})[1]
    assert again["changed"] is False  # a repeated delivery changes nothing


@pytest.mark.parametrize(
    ("body", "secret", "status", "message"),
    [
        ({"id": "1", "title": "x"}, "wrong", 401, "secret"),
        ({"id": "1", "title": "x"}, "", 401, "secret"),
        (b"{not json", HOOK_SECRET, 400, "not JSON"),
        ([{"id": "1"}], HOOK_SECRET, 400, "expected a JSON object"),
        ({"title": "x"}, HOOK_SECRET, 400, "id: required"),
        ({"id": "1"}, HOOK_SECRET, 400, "title: required for a new ticket"),
        ({"id": "1", "title": "x", "status": "maybe"}, HOOK_SECRET, 400, "status"),
        ({"id": "1", "title": "x", "colour": "red"}, HOOK_SECRET, 400, "colour: unknown field"),
        ({"id": "1", "title": "x", "url": "ftp://x"}, HOOK_SECRET, 400, "url"),
        ({"id": "1", "title": "x", "rotation": "nope"}, HOOK_SECRET, 404, "nope"),
        ({"id": "1", "title": ["x"]}, HOOK_SECRET, 400, "title: expected a string"),
    ],
)
def test_bad_requests_are_refused_and_store_nothing(
    web: ASGIApp, engine: Engine, body: Any, secret: str, status: int, message: str
) -> None:
    before = audit_rows(engine)
    got, answer = tickets(web, body, secret=secret)
    assert got == status and message in answer["error"]
    assert stored(engine) == [] and audit_rows(engine) == before


def test_the_hooks_are_off_without_their_secrets(engine: Engine) -> None:
    web = create_web_app(None, routes=hook_routes(engine, HookConfig(TEAM), clock=lambda: NOW))
    assert tickets(web, {"id": "1", "title": "x"})[0] == 404
    assert github(web, {})[0] == 404
    assert stored(engine) == []


def test_the_rotation_is_named_when_the_workspace_has_several(web: ASGIApp, engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        uc.create_rotation(
            session, team_id=TEAM, actor=ADMIN, actor_name="Ada", now=NOW, name="billing"
        )
    status, answer = tickets(web, {"id": "1", "title": "x"})
    assert status == 400 and "rotation" in answer["error"]
    status, answer = tickets(web, {"id": "1", "title": "x"}, path="/hooks/tickets?rotation=billing")
    assert status == 200 and answer["rotation"] == "billing"


def issue(action: str, labels: list[str], state: str = "open") -> dict[str, Any]:
    return {
        "action": action,
        "issue": {
            "number": 42,
            "title": "Login loops on Safari",
            "html_url": "https://github.com/acme/app/issues/42",
            "state": state,
            "labels": [{"name": n} for n in labels],
            "user": {"login": "octo"},
        },
        "repository": {"full_name": "acme/app"},
    }


def test_github_issues_with_the_label_become_tickets_and_close(
    web: ASGIApp, engine: Engine
) -> None:
    assert github(web, {"zen": "hi"}, event="ping") == (200, {"ok": True, "pong": True})
    status, answer = github(web, issue("opened", ["question"]))
    assert status == 202 and stored(engine) == []  # not labelled bug
    status, answer = github(web, issue("labeled", ["Bug", "area: auth", "P1"]))
    assert status == 200 and answer["created"]
    [ticket] = stored(engine)
    assert (ticket.external_id, ticket.product_area, ticket.severity, ticket.author) == (
        "github:acme/app#42",
        "auth",
        "high",
        "github:octo",
    )
    assert ticket.url == "https://github.com/acme/app/issues/42"
    status, answer = github(web, issue("closed", ["bug"], state="closed"))
    assert status == 200 and answer["state"] == "closed"
    status, answer = github(web, issue("reopened", ["bug"]))
    assert answer["state"] == "open" and len(stored(engine)) == 1
    assert github(web, issue("assigned", ["bug"]))[0] == 202
    assert github(web, {"action": "opened"}, event="pull_request")[0] == 202


def test_a_bad_github_signature_is_refused_and_stores_nothing(web: ASGIApp, engine: Engine) -> None:
    before = audit_rows(engine)
    status, answer = github(web, issue("opened", ["bug"]), secret="not-the-secret")
    assert status == 401 and "X-Hub-Signature-256" in answer["error"]
    body = json.dumps(issue("opened", ["bug"])).encode()
    status, _ = post(web, "/hooks/github", body, {"X-GitHub-Event": "issues"})
    assert status == 401
    assert stored(engine) == [] and audit_rows(engine) == before


def test_the_clock_is_the_servers(web: ASGIApp, engine: Engine) -> None:
    tickets(web, {"id": "9", "title": "x"})
    [ticket] = stored(engine)
    assert ticket.created_at == NOW and NOW.tzinfo is UTC
    assert datetime(2027, 1, 4, tzinfo=UTC) <= ticket.created_at


def test_queueday_serve_mounts_the_hooks(server: RunningServer) -> None:
    """Through the real server: a bad secret is refused, a good one reaches the use case
    (its workspace has no rotation named `nowhere`)."""
    sender = SlackSender(base_url=server.url, signing_secret="unused")
    try:
        body = json.dumps({"id": "1", "title": "x", "rotation": "nowhere"}).encode()
        refused = sender.request("POST", "/hooks/tickets", body, {"Authorization": "Bearer wrong"})
        assert refused.status == 401 and "secret" in refused.json()["error"]
        heard = sender.request(
            "POST", "/hooks/tickets", body, {"Authorization": f"Bearer {SERVER_HOOK_SECRET}"}
        )
        assert heard.status in (400, 404) and heard.json()["status"] == heard.status
        unsigned = sender.request("POST", "/hooks/github", b"{}", {"X-GitHub-Event": "issues"})
        assert unsigned.status == 401
    finally:
        sender.close()
