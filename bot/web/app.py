"""The HTTP side of `queueday serve`: a Starlette app for uvicorn.

`POST /slack/events` hands the raw request to Bolt in a worker thread: Bolt's dispatch
is synchronous and waits up to 3 s for the ack, and run inside the event loop it made
four concurrent 1 s commands take 4.1 s (DESIGN.md section 5).

Nothing acts on a request before it is checked, and the checks come in this order:
every body is read at most MAX_BODY_BYTES while it streams in (413 beyond, whatever
Content-Length says or omits: `bot.web.bodies`); a request to /slack/events must carry
Slack's signature over that body, timestamped within 5 minutes (401, before anything
parses it); then its body must read as the object Slack sends (400, with the field
named) before Bolt sees it (`bot.web.slack_requests`, which also keeps bodies out of
Bolt's logging).

Extension points: other features pass their routes to `create_web_app(routes=...)`,
e.g. `Route("/calendar/{token}.ics", feed, methods=["GET", "HEAD"])` and
`Route("/hooks/{name}", hook, methods=["POST"])`; unknown paths answer 404 JSON.
"""

from __future__ import annotations

import gc
import logging
import sys
from collections.abc import Mapping, Sequence
from importlib.metadata import PackageNotFoundError, version

from slack_bolt import App, BoltResponse
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.web.bodies import MAX_BODY_BYTES, LimitBody
from bot.web.slack_requests import BadSlackRequest, QuietBolt, SlackSignature, slack_request

log = logging.getLogger(__name__)

SLACK_EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"


def _version() -> str:
    try:
        return version("queueday")
    except PackageNotFoundError:
        return "unknown"


def create_web_app(
    bolt_app: App | None,
    *,
    signing_secret: str | None = None,
    team_id: str | None = None,
    socket_mode: bool = False,
    engine: Engine | None = None,
    routes: Sequence[BaseRoute] = (),
    max_body_bytes: int = MAX_BODY_BYTES,
) -> Starlette:
    """The ASGI app: Slack's endpoint (unless in Socket Mode), health, and `routes`.

    With `bolt_app` None or `socket_mode`, Slack's events arrive over the socket and
    `POST /slack/events` answers 404; otherwise `signing_secret` (SLACK_SIGNING_SECRET)
    is required, and checked here before Bolt sees a request. With an `engine`,
    /healthz also checks the database and answers 503 when it cannot reach it.
    """
    app_version = _version()
    mode = "socket" if socket_mode else "http"
    serves_slack = bolt_app is not None and not socket_mode
    if serves_slack and not signing_secret:
        raise ValueError("signing_secret: HTTP mode needs SLACK_SIGNING_SECRET")
    verifier = SlackSignature(signing_secret) if serves_slack and signing_secret else None
    if bolt_app is not None:
        QuietBolt.install()

    async def slack_events(request: Request) -> Response:
        if bolt_app is None or verifier is None:
            return _error(404, "Socket Mode: Slack events arrive over the socket")
        body = await request.body()  # LimitBody has bounded it
        if not verifier.verified(body, request.headers):
            log.info("refused a request to %s: bad or missing Slack signature", request.url.path)
            return _error(401, "invalid request: bad or missing Slack signature")
        try:
            bolt_request = slack_request(body, request.url.query, request.headers)
        except BadSlackRequest as exc:
            log.info("refused a signed request Slack would not send: %s", exc.message)
            return _error(400, exc.message)
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
        middleware=[Middleware(LimitBody, max_bytes=max_body_bytes)],
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


def freeze_startup_heap() -> None:
    """Move everything alive after start-up out of the cyclic collector's sight.

    The modules, the Bolt app, SQLAlchemy's mappers and compiled queries live as long as
    the process, yet every full collection walked them all again, in the middle of a
    rotation page or an ack (bench/page_bench.py measures both ways). Sound because
    nothing is lost: garbage is collected first, frozen objects are still freed by
    reference counting, and only a cycle among them left unreachable later would stay
    (start-up builds nothing it later drops). As CPython's gc.freeze() documents.
    """
    gc.collect()
    gc.freeze()


def run(app: Starlette, *, host: str, port: int, access_log: bool = False) -> None:
    """Serve `app` with uvicorn until interrupted (uvloop and httptools when installed).

    One process: the listener threads share memory (the event dedup, the engine pool).
    """
    import uvicorn

    # The event loop shares the GIL with the threads running Bolt; at CPython's default
    # switch interval (5 ms) a busy thread held it that long while replies waited,
    # which was most of the ack's p99 (bench/slack_bench.py: ~25 ms, at 1 ms ~17 ms).
    sys.setswitchinterval(0.001)
    freeze_startup_heap()
    uvicorn.run(
        app,
        host=host,
        port=port,
        access_log=access_log,
        log_config=None,
        server_header=False,
    )
