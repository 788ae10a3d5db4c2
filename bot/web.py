"""The HTTP side of `queueday serve`: a Starlette app for uvicorn.

`POST /slack/events` hands the raw request to Bolt in a worker thread: Bolt's dispatch
is synchronous and waits up to 3 s for the ack, and run inside the event loop it made
four concurrent 1 s commands take 4.1 s (DESIGN.md section 5).

Extension points: other features pass their routes to `create_web_app(routes=...)`,
e.g. `Route("/calendar/{token}.ics", feed, methods=["GET", "HEAD"])` and
`Route("/hooks/{name}", hook, methods=["POST"])`; unknown paths answer 404 JSON.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from importlib.metadata import PackageNotFoundError, version

from slack_bolt import App, BoltRequest, BoltResponse
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

SLACK_EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
# Slack's payloads are a few kilobytes; a view submission stays far below this.
MAX_BODY_BYTES = 1_000_000


def _version() -> str:
    try:
        return version("queueday")
    except PackageNotFoundError:
        return "unknown"


def create_web_app(
    bolt_app: App | None,
    *,
    team_id: str | None = None,
    socket_mode: bool = False,
    engine: Engine | None = None,
    routes: Sequence[BaseRoute] = (),
) -> Starlette:
    """The ASGI app: Slack's endpoint (unless in Socket Mode), health, and `routes`.

    With `bolt_app` None or `socket_mode`, Slack's events arrive over the socket and
    `POST /slack/events` answers 404. With an `engine`, /healthz also checks the
    database and answers 503 when it cannot reach it.
    """
    app_version = _version()
    mode = "socket" if socket_mode else "http"

    async def slack_events(request: Request) -> Response:
        if bolt_app is None or socket_mode:
            return _error(404, "Socket Mode: Slack events arrive over the socket")
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > MAX_BODY_BYTES:
            return _error(413, "request body too large")
        body = await request.body()
        bolt_request = BoltRequest(
            body=body.decode("utf-8", errors="replace"),
            query=request.url.query,
            headers=dict(request.headers.items()),
        )
        bolt_response: BoltResponse = await run_in_threadpool(bolt_app.dispatch, bolt_request)
        return Response(
            content=bolt_response.body,
            status_code=bolt_response.status,
            headers=bolt_response.first_headers_without_set_cookie(),
        )

    async def healthz(request: Request) -> Response:
        health: dict[str, str | None] = {
            "status": "ok",
            "mode": mode,
            "team": team_id,
            "version": app_version,
        }
        if engine is not None:
            problem = await run_in_threadpool(_database_problem, engine)
            health["database"] = problem or "ok"
            if problem is not None:
                health["status"] = "error"
                return JSONResponse(health, status_code=503)
        return JSONResponse(health)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return _error(exc.status_code, exc.detail, headers=exc.headers)

    return Starlette(
        routes=[
            Route(SLACK_EVENTS_PATH, slack_events, methods=["POST"]),
            Route(HEALTH_PATH, healthz, methods=["GET"]),
            *routes,
        ],
        exception_handlers={HTTPException: http_error},
    )


def _database_problem(engine: Engine) -> str | None:
    """None when the database answers, else the first line of the reason."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        return str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    return None


def _error(status: int, message: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message, "status": status}, status_code=status, headers=headers)


def run(app: Starlette, *, host: str, port: int, access_log: bool = False) -> None:
    """Serve `app` with uvicorn until interrupted (uvloop and httptools when installed).

    One process: the listener threads share memory (the event dedup, the engine pool).
    """
    import uvicorn

    # The event loop shares the GIL with the threads running Bolt; at CPython's default
    # switch interval (5 ms) a busy thread held it that long while replies waited,
    # which was most of the ack's p99 (bench/slack_bench.py: ~25 ms, at 1 ms ~17 ms).
    sys.setswitchinterval(0.001)
    uvicorn.run(
        app,
        host=host,
        port=port,
        access_log=access_log,
        log_config=None,
        server_header=False,
    )
