"""The HTTP side of `queueday serve`: a Starlette app for uvicorn.

`POST /slack/events` hands the raw request to Bolt in a worker thread: Bolt's dispatch
is synchronous and waits up to 3 s for the ack, and run inside the event loop it made
four concurrent 1 s commands take 4.1 s (DESIGN.md section 5).

Nothing acts on a request before it is checked, and the checks come in this order:
every body is read at most MAX_BODY_BYTES while it streams in (`LimitBody`, 413
beyond, whatever Content-Length says or omits); a request to /slack/events must carry
Slack's signature over that body, timestamped within 5 minutes (401, before anything
parses it); then its body must read as the object Slack sends (400, with the field
named) before Bolt sees it. Bolt's own logging never prints a body (`QuietBolt`).

Extension points: other features pass their routes to `create_web_app(routes=...)`,
e.g. `Route("/calendar/{token}.ics", feed, methods=["GET", "HEAD"])` and
`Route("/hooks/{name}", hook, methods=["POST"])`; unknown paths answer 404 JSON.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Mapping, Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.request.internals import parse_body
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

SLACK_EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
# Slack's payloads are a few kilobytes; a view submission stays far below this, and so
# does a tracker's ticket or a GitHub issues event.
MAX_BODY_BYTES = 1_000_000
# Slack's deepest payloads (rich text in a message event) nest about a dozen levels.
MAX_JSON_DEPTH = 64
# Seconds since the epoch, ASCII digits only: int() would also take " 17", "1_7" or
# Arabic-Indic digits, and raise on "abc" (slack_sdk's verifier calls int() unguarded;
# it also refuses a timestamp more than 5 minutes from now, Slack's replay window).
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
# Headers only Bolt's own FaaS adapters set; from outside they would steer dispatch.
_BOLT_INTERNAL = "x-slack-bolt-"
# A log line's message is cut to this length (Bolt quotes payloads in some warnings).
LOGGED_CHARS = 500


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


class LimitBody:
    """ASGI middleware: reads each request's body whole, at most `max_bytes`, before the
    app runs; a longer one gets 413 as soon as the count passes the limit.

    Counted as the body streams in, so neither a false Content-Length nor a chunked
    body (which has none) gets past it; the connection is closed after the 413, so the
    rest of the body is never read. Every route sees a body already bounded.
    """

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk: bytes = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # only a disconnect is left to hear
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send) -> None:
        content = json.dumps({"error": "request body too large", "status": 413}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(content)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": content})


class SlackSignature:
    """Slack's v0 request signature, checked before anything reads the request.

    slack_sdk's verifier does the HMAC and the 5-minute window; the timestamp and the
    signature are checked for shape first, since it raises on a timestamp int() cannot
    read and `hmac.compare_digest` on a non-ASCII signature.
    """

    def __init__(self, signing_secret: str) -> None:
        self._verifier = SignatureVerifier(signing_secret)

    def verified(self, body: bytes, headers: Mapping[str, str]) -> bool:
        timestamp = headers.get("x-slack-request-timestamp", "")
        signature = headers.get("x-slack-signature", "")
        if not _TIMESTAMP.fullmatch(timestamp) or not signature.isascii():
            return False
        try:
            text = body.decode("utf-8")  # Slack signs UTF-8 text; nothing else is Slack's
        except UnicodeDecodeError:
            return False
        return self._verifier.is_valid(text, timestamp, signature)


class BadSlackRequest(Exception):
    """A signed request whose body is not what Slack sends (answered 400)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# Where a reply may go: a web URL (which host is the error handler's to check).
ReplyUrl = Annotated[str, Field(pattern=r"^https?://[^\s/?#]+\S*$", max_length=2000)]


class SlackReplyUrl(BaseModel):
    """One of a view submission's `response_urls`."""

    model_config = ConfigDict(extra="allow")

    response_url: ReplyUrl


class SlackPayload(BaseModel):
    """The fields Bolt and the listeners read from every payload, typed as Slack sends
    them; anything else passes through unchecked."""

    model_config = ConfigDict(extra="allow")

    type: str | None = None
    command: str | None = None
    text: str | None = None
    team: str | dict[str, Any] | None = None
    team_id: str | None = None
    user: str | dict[str, Any] | None = None
    user_id: str | None = None
    channel: str | dict[str, Any] | None = None
    channel_id: str | None = None
    enterprise: str | dict[str, Any] | None = None
    enterprise_id: str | None = None
    authorizations: list[dict[str, Any]] | None = None
    event: dict[str, Any] | None = None
    event_id: str | None = None
    view: dict[str, Any] | None = None
    message: dict[str, Any] | None = None
    container: dict[str, Any] | None = None
    actions: list[dict[str, Any]] | None = None
    response_url: ReplyUrl | None = None
    response_urls: list[SlackReplyUrl] | None = None
    trigger_id: str | None = None
    callback_id: str | None = None


class SlackEvent(BaseModel):
    """An Events API callback's `event`: Bolt matches on its type and reads these."""

    model_config = ConfigDict(extra="allow")

    type: str
    user: str | dict[str, Any] | None = None
    channel: str | dict[str, Any] | None = None
    item: dict[str, Any] | None = None
    message: dict[str, Any] | None = None
    previous_message: dict[str, Any] | None = None


class SlackUser(BaseModel):
    """Who clicked or submitted: interactive payloads always name them."""

    model_config = ConfigDict(extra="allow")

    id: str
    team_id: str | None = None


class SlackAction(BaseModel):
    """One element of a block_actions payload's `actions`."""

    model_config = ConfigDict(extra="allow")

    action_id: str
    block_id: str | None = None
    type: str | None = None
    value: str | None = None


class SlackView(BaseModel):
    """A view_submission's or view_closed's `view`."""

    model_config = ConfigDict(extra="allow")

    id: str | None = None
    callback_id: str
    type: str  # Bolt reads it to tell a workflow step's save from a modal's
    private_metadata: str | None = None
    state: dict[str, Any] | None = None


_Model = TypeVar("_Model", bound=BaseModel)
# Interactions Slack always sends a trigger_id with (listeners open modals with it).
_WITH_A_TRIGGER = {"block_actions", "shortcut", "message_action"}

# Interactive payloads: always from a person, whose id the listeners read.
_FROM_A_PERSON = {
    "block_actions",
    "view_submission",
    "view_closed",
    "shortcut",
    "message_action",
    "block_suggestion",
    # Bolt's action and option listeners match these legacy kinds by callback_id too.
    "interactive_message",
    "dialog_submission",
    "dialog_cancellation",
    "dialog_suggestion",
    "workflow_step_edit",
}
# Events that always name the person they are about (by user id).
_EVENTS_OF_A_PERSON = {"app_home_opened", "reaction_added"}


def slack_request(body: bytes, query: str, headers: Mapping[str, str]) -> BoltRequest:
    """A signed body as Bolt's request, once it reads as a payload Slack sends.

    Parsed by Bolt's own rules (JSON, a form with a JSON `payload`, or a plain form)
    and shape-checked here, so Bolt and the listeners never fail on its shape.

    Raises:
        BadSlackRequest: the body is not JSON or a form, not an object, nested too
            deeply, or a field Slack always sends as one type is another.
    """
    text = body.decode("utf-8")  # verified: it decodes
    content_type = headers.get("content-type", "").split(";")[0] or None
    try:
        data = parse_body(text, content_type)
    except RecursionError:
        raise BadSlackRequest(f"body: nested deeper than {MAX_JSON_DEPTH} levels") from None
    except ValueError as exc:  # json.JSONDecodeError, and int() on a huge number
        raise BadSlackRequest(f"body: not JSON ({str(exc)[:80]})") from None
    check_payload(data)
    wanted: dict[str, str | Sequence[str]] = {
        k: v for k, v in headers.items() if not k.lower().startswith(_BOLT_INTERNAL)
    }
    try:
        return BoltRequest(body=text, query=query, headers=wanted)
    except (TypeError, AttributeError, KeyError, IndexError, ValueError) as exc:
        # Bolt reads ids from nested objects too (event.item.channel, message.user, …):
        # one of the wrong type, past the checks above, is as malformed as they are.
        problem = f"{type(exc).__name__}: {str(exc)[:80]}"
        raise BadSlackRequest(f"body: a field Bolt reads has the wrong type ({problem})") from None


def check_payload(data: object) -> None:
    """Raises BadSlackRequest unless `data` has the shape of a Slack payload."""
    if not isinstance(data, dict):
        raise BadSlackRequest(f"body: expected a JSON object, got {_kind(data)}")
    if json_depth(data) > MAX_JSON_DEPTH:
        raise BadSlackRequest(f"body: nested deeper than {MAX_JSON_DEPTH} levels")
    payload = _validated(SlackPayload, data, "")
    if payload.type == "event_callback" or payload.event is not None:
        event = _validated(SlackEvent, payload.event, "event")
        if event.type in _EVENTS_OF_A_PERSON and not isinstance(event.user, str):
            raise BadSlackRequest("event.user: expected a user id")
    if payload.type in _FROM_A_PERSON:
        _validated(SlackUser, payload.user, "user")
        if not isinstance(payload.team, dict | None):  # an interaction's team is an object
            raise BadSlackRequest("team: expected an object")
    if payload.type in _WITH_A_TRIGGER and payload.trigger_id is None:
        raise BadSlackRequest("trigger_id: required")
    if payload.type in ("block_actions", "interactive_message"):
        # Bolt hands every listener (and the error handler) `actions[0]`.
        if not payload.actions:
            raise BadSlackRequest("actions: expected an array of at least one action")
        if payload.type == "block_actions":
            for number, action in enumerate(payload.actions):
                _validated(SlackAction, action, f"actions.{number}")
    if payload.type in ("view_submission", "view_closed"):
        view = _validated(SlackView, payload.view, "view")
        if view.type == "workflow_step":
            _require_object(data, "workflow_step")
    if payload.type == "workflow_step_edit":
        _require_object(data, "workflow_step")


def _require_object(data: dict[str, Any], name: str) -> None:
    if not isinstance(data.get(name), dict):
        raise BadSlackRequest(f"{name}: expected an object")


def _validated(model: type[_Model], data: object, where: str) -> _Model:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise BadSlackRequest(validation_message(exc, where)) from None


def validation_message(exc: ValidationError, where: str = "", fields: Sequence[str] = ()) -> str:
    """Pydantic's first error as `field.path: what is wrong`, `where` the prefix of the
    path and `fields` the names to suggest for an unknown one."""
    errors = exc.errors(include_url=False, include_input=False)
    first = errors[0]
    loc = _field_path(first["loc"])
    path = ".".join(str(part) for part in (where, *loc) if part != "") or "body"
    kind = first["type"]
    if kind == "missing":
        return f"{path}: required"
    if kind == "extra_forbidden":
        return f"{path}: unknown field" + (f" (use {', '.join(fields)})" if fields else "")
    expected = [
        _EXPECTED[e["type"]]
        for e in errors
        if e["type"] in _EXPECTED and _field_path(e["loc"]) == loc
    ]
    if expected:
        return f"{path}: expected {' or '.join(dict.fromkeys(expected))}"
    message = first["msg"].removeprefix("Value error, ")
    return f"{path}: {message[:1].lower()}{message[1:]}"


# Pydantic's error types that say only "not the right type", as what was expected.
_EXPECTED = {
    "string_type": "a string",
    "dict_type": "an object",
    "model_type": "an object",
    "model_attributes_type": "an object",
    "list_type": "an array",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "an integer",
    "bool_type": "true or false",
    "float_type": "a number",
    "string_pattern_mismatch": "a web address (https://…)",  # the one pattern: ReplyUrl
}


def _field_path(loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    """`loc` without the tags pydantic adds for a union's members (`str`,
    `dict[str,any]`, a model's class name): only field names and indexes."""
    return tuple(
        part
        for part in loc
        if isinstance(part, int)
        or not ("[" in part or part[:1].isupper() or part in ("str", "int", "float", "bool"))
    )


def json_depth(value: object) -> int:
    """How deeply `value` nests lists and objects (a scalar is 0); iterative, so any
    depth is measured without recursion."""
    deepest = 0
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Sequence[object] = list(item.values())
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth + 1)
        stack.extend((child, depth + 1) for child in children)
    return deepest


def load_json(body: bytes) -> object:
    """`body` as JSON, bounded: ValueError (saying why) for text that is not JSON, a
    number too long to read, or nesting deeper than MAX_JSON_DEPTH."""
    try:
        data = json.loads(body)
    except RecursionError:
        raise ValueError(f"nested deeper than {MAX_JSON_DEPTH} levels") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"not JSON ({str(exc)[:80]})") from None
    if json_depth(data) > MAX_JSON_DEPTH:
        raise ValueError(f"nested deeper than {MAX_JSON_DEPTH} levels")
    return data


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, list):
        return "an array"
    return f"a {type(value).__name__}"


class QuietBolt(logging.Filter):
    """Keeps request bodies out of Bolt's logging.

    Bolt logs a request whose signature fails, body and all, at INFO (a 300 MB body
    made 314 MB of log): that line is dropped, the web layer logs its own. Its
    warnings about unhandled requests quote parts of the payload: cut short.
    """

    VERIFICATION = "slack_bolt.RequestVerification"
    LOGGERS = (VERIFICATION, "bot.slack")  # the one Bolt's App is given (bot.app)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == self.VERIFICATION and record.levelno < logging.WARNING:
            return False
        message = record.getMessage()
        if len(message) > LOGGED_CHARS:
            record.msg = f"{message[:LOGGED_CHARS]}… ({len(message)} characters)"
            record.args = None
        return True

    @classmethod
    def install(cls) -> None:
        """On Bolt's loggers (filters on a logger see only its own records), once each."""
        for name in cls.LOGGERS:
            logger = logging.getLogger(name)
            if not any(isinstance(f, cls) for f in logger.filters):
                logger.addFilter(cls())


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
