"""The ASGI app in-process: Bolt dispatched off the event loop, health, 404s, extensions."""

from __future__ import annotations

import asyncio
import json
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import Ack, App
from slack_bolt.authorization import AuthorizeResult
from sqlalchemy import create_engine
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from bot.web.app import create_web_app
from tests.bot.slack_requests import signature

SECRET = "web-secret"


async def call(
    app: ASGIApp, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """One HTTP request through the ASGI app, as uvicorn would make it."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
        "client": ("127.0.0.1", 1234),
        "server": ("127.0.0.1", 3000),
    }
    received = False
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal received
        if received:
            await asyncio.sleep(3600)
        received = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    content = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, content


def slow_app(seconds: float) -> App:
    """A Bolt app (no token needed) whose command listener takes `seconds` to ack."""
    app = App(
        signing_secret=SECRET,
        authorize=lambda: AuthorizeResult(enterprise_id=None, team_id="T1", bot_token="xoxb-1"),
        listener_executor=ThreadPoolExecutor(8),
    )

    @app.command("/queueday")
    def slow(ack: Ack) -> None:
        time.sleep(seconds)
        ack("done")

    return app


def signed_command(text: str = "") -> tuple[bytes, dict[str, str]]:
    body = f"command=%2Fqueueday&text={text}&team_id=T1&user_id=U1".encode()
    ts = str(int(time.time()))
    return body, {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": ts,
        "x-slack-signature": signature(SECRET, ts, body),
    }


def test_concurrent_slow_commands_do_not_wait_for_each_other() -> None:
    """Dispatch runs in a thread pool: four 0.5 s acks take ~0.5 s, not 2 s."""
    app = create_web_app(slow_app(0.5), signing_secret=SECRET)
    body, headers = signed_command()

    async def four() -> list[tuple[int, dict[str, str], bytes]]:
        return await asyncio.gather(
            *(call(app, "POST", "/slack/events", body, headers) for _ in range(4))
        )

    began = time.perf_counter()
    replies = asyncio.run(four())
    elapsed = time.perf_counter() - began
    assert [r[0] for r in replies] == [200] * 4 and all(r[2] == b"done" for r in replies)
    assert elapsed < 1.5, elapsed


def test_health_with_a_database() -> None:
    ok = create_web_app(None, team_id="T1", engine=create_engine("sqlite://"))
    status, headers, body = asyncio.run(call(ok, "GET", "/healthz"))
    assert status == 200 and headers["content-type"] == "application/json"
    assert json.loads(body)["database"] == "ok"
    broken = create_engine("sqlite:////nonexistent-dir/x/queueday.db")
    status, _, body = asyncio.run(call(create_web_app(None, engine=broken), "GET", "/healthz"))
    assert status == 503
    health = json.loads(body)
    assert health["status"] == "error" and "unable to open" in health["database"]


def test_socket_mode_has_no_http_slack_endpoint() -> None:
    app = create_web_app(slow_app(0), socket_mode=True)
    body, headers = signed_command()
    status, _, content = asyncio.run(call(app, "POST", "/slack/events", body, headers))
    assert status == 404 and b"Socket Mode" in content
    status, _, content = asyncio.run(call(app, "GET", "/healthz"))
    assert status == 200 and json.loads(content)["mode"] == "socket"


def test_extension_routes_and_json_errors() -> None:
    async def feed(request: Request) -> Response:
        return PlainTextResponse(f"BEGIN:VCALENDAR {request.path_params['token']}")

    app = create_web_app(None, routes=[Route("/calendar/{token}.ics", feed, methods=["GET"])])
    status, _, content = asyncio.run(call(app, "GET", "/calendar/abc.ics"))
    assert (status, content) == (200, b"BEGIN:VCALENDAR abc")
    status, _, _ = asyncio.run(call(app, "HEAD", "/calendar/abc.ics"))
    assert status == 200
    status, headers, content = asyncio.run(call(app, "GET", "/calendar"))
    assert status == 404 and headers["content-type"] == "application/json"
    assert json.loads(content) == {"error": "Not Found", "status": 404}
    status, _, content = asyncio.run(call(app, "PUT", "/healthz"))
    assert status == 405 and json.loads(content)["status"] == 405


def test_a_huge_body_is_refused_before_bolt_sees_it() -> None:
    app = create_web_app(slow_app(0), signing_secret=SECRET)
    status, _, _ = asyncio.run(
        call(app, "POST", "/slack/events", b"x", {"content-length": "5000000"})
    )
    assert status == 413
