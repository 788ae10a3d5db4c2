"""Tickets from trackers: `POST /hooks/tickets` (any tracker) and `POST /hooks/github`.

`/hooks/tickets` takes one ticket as JSON, `{"id", "title", "url", "area", "severity",
"status", "rotation"}`, authorised by `Authorization: Bearer <QUEUEDAY_HOOK_SECRET>`:
a new id creates a ticket, a known one updates it, `"status": "closed"` (or resolved,
done, fixed) closes it. `/hooks/github` takes GitHub's `issues` webhook, verified with
X-Hub-Signature-256 (HMAC-SHA256 of the body with GITHUB_WEBHOOK_SECRET): issues with
the label GITHUB_LABEL become tickets when opened or labeled, and close when closed.

The rotation is `?rotation=NAME` (or `"rotation"` in the JSON), or the workspace's only
one. A request that is refused (bad secret 401, bad JSON 400) stores nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.usecases import capture
from bot.usecases.errors import InvalidInput, NotFound, UseCaseError

if TYPE_CHECKING:
    from pydantic import SecretStr

    from bot.settings import Settings

log = logging.getLogger(__name__)

TICKETS_PATH = "/hooks/tickets"
GITHUB_PATH = "/hooks/github"
MAX_BODY_BYTES = 1_000_000
CLOSED = {"closed", "close", "resolved", "done", "fixed", "wontfix", "won't fix", "cancelled"}
OPEN = {"open", "opened", "new", "reopened", "todo", "in progress", "in_progress", "triage"}
GITHUB_ACTIONS = {"opened", "labeled", "reopened", "edited", "closed"}
PRIORITIES = {"p0": "critical", "p1": "high", "p2": "medium", "p3": "low"}
_LABEL_FIELD = re.compile(r"^(area|component|severity|priority)\s*[:/]\s*(.+)$", re.IGNORECASE)


@dataclass(frozen=True)
class HookConfig:
    """What the hooks need from the settings (secrets kept out of repr)."""

    team_id: str
    hook_secret: str | None = field(default=None, repr=False)
    github_secret: str | None = field(default=None, repr=False)
    github_label: str = "bug"


def hook_config(settings: Settings, team_id: str) -> HookConfig:
    """The hooks' settings: QUEUEDAY_HOOK_SECRET, GITHUB_WEBHOOK_SECRET, GITHUB_LABEL."""

    def secret(value: SecretStr | None) -> str | None:
        return value.get_secret_value() or None if value is not None else None

    return HookConfig(
        team_id=team_id,
        hook_secret=secret(settings.queueday_hook_secret),
        github_secret=secret(settings.github_webhook_secret),
        github_label=settings.github_label.strip(),
    )


class Refused(Exception):
    """A request answered with an error status and nothing stored."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message, "status": status}, status_code=status)


async def _body(request: Request) -> bytes:
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > MAX_BODY_BYTES:
        raise Refused(413, "request body too large")
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise Refused(413, "request body too large")
    return body


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Refused(400, f"body: not JSON ({exc})") from None


def _text(data: dict[str, Any], key: str, *, required: bool = False) -> str | None:
    value = data.get(key)
    if value is None or value == "":
        if required:
            raise Refused(400, f"{key}: required")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise Refused(400, f"{key}: expected a string, got {type(value).__name__}")
    return str(value).strip()


def parse_ticket(data: Any) -> tuple[capture.TrackerTicket, str | None]:
    """The generic hook's JSON as a tracker ticket and the rotation it names, if any."""
    if not isinstance(data, dict):
        raise Refused(
            400, "body: expected a JSON object with id, title, url, area, severity, status"
        )
    known = {"id", "title", "url", "area", "severity", "status", "rotation"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise Refused(400, f"{unknown[0]}: unknown field (use {', '.join(sorted(known))})")
    status = (_text(data, "status") or "open").lower()
    if status not in CLOSED | OPEN:
        raise Refused(400, f"status: {status!r} is neither open nor closed")
    ticket = capture.TrackerTicket(
        external_id=capture.tracker_key(_text(data, "id", required=True) or ""),
        title=_text(data, "title"),
        url=_text(data, "url"),
        area=_text(data, "area"),
        severity=_text(data, "severity"),
        closed=status in CLOSED,
    )
    return ticket, _text(data, "rotation")


def parse_github(data: Any, label: str) -> capture.TrackerTicket | None:
    """GitHub's `issues` event as a ticket; None when it is not one for the queue."""
    if not isinstance(data, dict) or not isinstance(data.get("issue"), dict):
        raise Refused(400, "body: not a GitHub issues event (no `issue`)")
    action = data.get("action")
    if action not in GITHUB_ACTIONS:
        return None
    issue = data["issue"]
    labels = [str(x.get("name", "")) for x in issue.get("labels") or [] if isinstance(x, dict)]
    if label and label.lower() not in {name.lower() for name in labels}:
        return None
    area = severity = None
    for name in labels:
        found = _LABEL_FIELD.match(name)
        if found and found.group(1).lower() in ("area", "component"):
            area = area or found.group(2).strip()
        elif found:
            severity = severity or found.group(2).strip()
        elif name.lower() in PRIORITIES:
            severity = severity or PRIORITIES[name.lower()]
    if severity and severity.lower() in PRIORITIES:
        severity = PRIORITIES[severity.lower()]
    repo = str((data.get("repository") or {}).get("full_name") or "github")
    number = issue.get("number")
    if number is None or not issue.get("title"):
        raise Refused(400, "issue: needs a number and a title")
    login = (issue.get("user") or {}).get("login")
    return capture.TrackerTicket(
        external_id=f"github:{repo}#{number}",
        title=f"{issue['title']} ({repo}#{number})",
        url=issue.get("html_url"),
        area=area,
        severity=severity,
        closed=action == "closed" or issue.get("state") == "closed",
        author=f"github:{login}" if login else "github",
    )


def github_signature(secret: str, body: bytes) -> str:
    """X-Hub-Signature-256 as GitHub computes it."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def hook_routes(
    engine: Engine, config: HookConfig, *, clock: Callable[[], datetime]
) -> list[Route]:
    """The two hook endpoints, for `create_web_app(routes=...)`."""

    def store(ticket: capture.TrackerTicket, rotation: str | None, source: capture.Source) -> Any:
        with Session(engine, expire_on_commit=False) as session:
            name = rotation or capture.only_rotation(session, team_id=config.team_id)
            if name is None:
                raise Refused(
                    400,
                    'rotation: name the rotation (?rotation=NAME or "rotation" in the JSON); '
                    "this workspace has several, or none yet",
                )
            try:
                saved = capture.apply_tracker_ticket(
                    session,
                    team_id=config.team_id,
                    rotation=name,
                    now=clock(),
                    ticket=ticket,
                    source=source,
                )
            except NotFound as exc:
                raise Refused(404, exc.message) from None
            except InvalidInput as exc:
                raise Refused(400, exc.message) from None
            except UseCaseError as exc:
                raise Refused(409, exc.message) from None
        return {
            "ok": True,
            "ticket": saved.id,
            "rotation": saved.rotation,
            "state": saved.state,
            "created": saved.created,
            "changed": saved.created or saved.changed,
        }

    async def tickets(request: Request) -> Response:
        try:
            if not config.hook_secret:
                raise Refused(404, "the tickets hook is off (set QUEUEDAY_HOOK_SECRET)")
            given = request.headers.get("authorization", "")
            token = given[7:] if given.lower().startswith("bearer ") else ""
            token = token or request.headers.get("x-queueday-secret", "")
            if not hmac.compare_digest(token.encode(), config.hook_secret.encode()):
                raise Refused(401, "bad or missing secret (Authorization: Bearer <secret>)")
            ticket, named = parse_ticket(_json(await _body(request)))
            rotation = request.query_params.get("rotation") or named
            result = await run_in_threadpool(store, ticket, rotation, capture.Source.HOOK)
        except Refused as exc:
            return _error(exc.status, exc.message)
        return JSONResponse(result)

    async def github(request: Request) -> Response:
        try:
            if not config.github_secret:
                raise Refused(404, "the GitHub hook is off (set GITHUB_WEBHOOK_SECRET)")
            body = await _body(request)
            given = request.headers.get("x-hub-signature-256", "")
            expected = github_signature(config.github_secret, body)
            if not hmac.compare_digest(given.encode(), expected.encode()):
                raise Refused(401, "bad or missing X-Hub-Signature-256")
            event = request.headers.get("x-github-event", "")
            if event == "ping":
                return JSONResponse({"ok": True, "pong": True})
            if event != "issues":
                return JSONResponse({"ok": True, "ignored": f"event {event or 'unnamed'}"}, 202)
            ticket = parse_github(_json(body), config.github_label)
            if ticket is None:
                return JSONResponse(
                    {"ok": True, "ignored": f"not an issue labelled {config.github_label!r}"}, 202
                )
            rotation = request.query_params.get("rotation")
            result = await run_in_threadpool(store, ticket, rotation, capture.Source.GITHUB)
        except Refused as exc:
            if exc.status == 401:
                log.warning("GitHub hook refused: %s", exc.message)
            return _error(exc.status, exc.message)
        return JSONResponse(result)

    return [
        Route(TICKETS_PATH, tickets, methods=["POST"]),
        Route(GITHUB_PATH, github, methods=["POST"]),
    ]
