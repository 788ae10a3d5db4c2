"""Tickets from trackers: `POST /hooks/tickets` (any tracker) and `POST /hooks/github`.

`/hooks/tickets` takes one ticket as JSON, `{"id", "title", "url", "area", "severity",
"status", "rotation"}`, authorised by `Authorization: Bearer <QUEUEDAY_HOOK_SECRET>`:
a new id creates a ticket, a known one updates it, `"status": "closed"` (or resolved,
done, fixed) closes it. `/hooks/github` takes GitHub's `issues` webhook, verified with
X-Hub-Signature-256 (HMAC-SHA256 of the body with GITHUB_WEBHOOK_SECRET): issues with
the label GITHUB_LABEL become tickets when opened or labeled, and close when closed.

The rotation is `?rotation=NAME` (or `"rotation"` in the JSON), or the workspace's only
one. A request that is refused (bad secret 401, bad JSON 400) stores nothing. Bodies
are checked against pydantic models (`TicketHook`, `GitHubIssuesEvent`) before
anything is stored: a field of the wrong type, too long, a number beyond any id, an
unknown severity, all answer 400 naming the field. A ticket sent without `status`
keeps the state it has.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.usecases import capture
from bot.usecases.errors import InvalidInput, NotFound, UseCaseError
from bot.usecases.notes import LONGEST_TEXT
from bot.web.bodies import load_json, validation_message
from scheduling.reminders import SEVERITY_RANK

if TYPE_CHECKING:
    from pydantic import SecretStr

    from bot.settings import Settings

log = logging.getLogger(__name__)

TICKETS_PATH = "/hooks/tickets"
GITHUB_PATH = "/hooks/github"
CLOSED = {"closed", "close", "resolved", "done", "fixed", "wontfix", "won't fix", "cancelled"}
OPEN = {"open", "opened", "new", "reopened", "todo", "in progress", "in_progress", "triage"}
GITHUB_ACTIONS = {"opened", "labeled", "reopened", "edited", "closed"}
PRIORITIES = {"p0": "critical", "p1": "high", "p2": "medium", "p3": "low"}
_LABEL_FIELD = re.compile(r"^(area|component|severity|priority)\s*[:/]\s*(.+)$", re.IGNORECASE)
# A numeric id fits a bigint; anything longer is no tracker's id.
MAX_NUMBER = 2**63 - 1
MAX_NAME = 200  # a rotation, a repository, a label, a login
_Model = TypeVar("_Model", bound=BaseModel)


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


@contextmanager
def refused_as_use_cases_say() -> Iterator[None]:
    """A use case's refusal as a hook's answer: 404 unknown, 400 invalid, 409 otherwise
    (the transaction is rolled back, so nothing is stored)."""
    try:
        yield
    except NotFound as exc:
        raise Refused(404, exc.message) from None
    except InvalidInput as exc:
        raise Refused(400, exc.message) from None
    except UseCaseError as exc:
        raise Refused(409, exc.message) from None


def saved_reply(saved: capture.Saved) -> dict[str, Any]:
    """What a hook answers for a stored note: its id under its kind, and what changed."""
    return {
        "ok": True,
        saved.kind.value: saved.id,
        "rotation": saved.rotation,
        "state": saved.state,
        "created": saved.created,
        "changed": saved.created or saved.changed,
    }


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message, "status": status}, status_code=status)


async def _body(request: Request) -> bytes:
    """The body, already bounded while it streamed in (bot.web.bodies.LimitBody)."""
    return await request.body()


def _json(body: bytes) -> Any:
    try:
        return load_json(body)
    except ValueError as exc:
        raise Refused(400, f"body: {exc}") from None


def _validated(model: type[_Model], data: Any, what: str) -> _Model:
    """`data` as `model`, or Refused(400) naming the first bad field."""
    if not isinstance(data, dict):
        raise Refused(400, f"body: expected a JSON object with {what}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise Refused(400, validation_message(exc, fields=sorted(model.model_fields))) from None


def _number_as_text(value: Any) -> Any:
    """A tracker's numeric id as text; a number beyond any id is refused."""
    if isinstance(value, int) and not isinstance(value, bool):
        if not 0 <= value <= MAX_NUMBER:
            raise ValueError(f"a number from 0 to {MAX_NUMBER}")
        return str(value)
    return value


def severity_name(value: str) -> str:
    """A severity as reminders rank it (`critical` … `low`, their aliases, or P0–P3);
    ValueError for any other."""
    name = value.strip().lower()
    name = PRIORITIES.get(name, name)
    if name not in SEVERITY_RANK:
        known = ", ".join(dict.fromkeys(["critical", "high", "medium", "low", *SEVERITY_RANK]))
        raise ValueError(f"{value[:40]!r} is not a severity (use {known}, or P0-P3)")
    return name


Name = Annotated[str, Field(max_length=MAX_NAME)]


class TicketHook(BaseModel):
    """The body of `POST /hooks/tickets`."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: Annotated[str, Field(min_length=1, max_length=capture.MAX_EXTERNAL_ID)]
    title: Annotated[str, Field(max_length=LONGEST_TEXT)] | None = None
    url: Annotated[str, Field(max_length=2000)] | None = None
    area: Annotated[str, Field(max_length=capture.MAX_AREA)] | None = None
    severity: Name | None = None
    status: Name | None = None  # None: the ticket keeps its state
    rotation: Name | None = None

    @field_validator("title", "url", "area", "severity", "status", "rotation", mode="before")
    @classmethod
    def _blank(cls, value: Any) -> Any:
        return None if value == "" else value  # an empty field is an absent one

    @field_validator("id", mode="before")
    @classmethod
    def _id(cls, value: Any) -> Any:
        return _number_as_text(value)

    @field_validator("severity")
    @classmethod
    def _severity(cls, value: str | None) -> str | None:
        return severity_name(value) if value else None

    @field_validator("status")
    @classmethod
    def _status(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if value.lower() not in CLOSED | OPEN:
            raise ValueError(f"{value[:40]!r} is neither open nor closed")
        return value.lower()


def parse_ticket(data: Any) -> tuple[capture.TrackerTicket, str | None]:
    """The generic hook's JSON as a tracker ticket and the rotation it names, if any."""
    hook = _validated(TicketHook, data, "id, title, url, area, severity, status")
    ticket = capture.TrackerTicket(
        external_id=capture.tracker_key(hook.id),
        title=hook.title,
        url=hook.url,
        area=hook.area,
        severity=hook.severity,
        closed=None if hook.status is None else hook.status in CLOSED,
    )
    return ticket, hook.rotation


class GitHubLabel(BaseModel):
    name: Name = ""


class GitHubUser(BaseModel):
    login: Name | None = None


class GitHubIssue(BaseModel):
    number: Annotated[int, Field(ge=0, le=MAX_NUMBER)]
    title: Annotated[str, Field(min_length=1, max_length=LONGEST_TEXT)]
    html_url: Annotated[str, Field(max_length=2000)] | None = None
    state: Name | None = None
    labels: list[GitHubLabel] | None = None
    user: GitHubUser | None = None


class GitHubRepository(BaseModel):
    full_name: Name | None = None


class GitHubIssuesEvent(BaseModel):
    """What QueueDay reads of GitHub's `issues` webhook (GitHub sends much more)."""

    action: Name
    issue: GitHubIssue
    repository: GitHubRepository | None = None


def parse_github(data: Any, label: str) -> capture.TrackerTicket | None:
    """GitHub's `issues` event as a ticket; None when it is not one for the queue.

    An `area: …` or `severity: …` label that says nothing QueueDay knows is left out,
    not refused: the ticket still matters, and its labels are GitHub's to choose.
    """
    event = _validated(GitHubIssuesEvent, data, "action and issue (GitHub's issues event)")
    if event.action not in GITHUB_ACTIONS:
        return None
    issue = event.issue
    labels = [x.name for x in issue.labels or ()]
    if label and label.lower() not in {name.lower() for name in labels}:
        return None
    area = severity = None
    for name in labels:
        found = _LABEL_FIELD.match(name)
        if found and found.group(1).lower() in ("area", "component"):
            area = area or found.group(2).strip()[: capture.MAX_AREA]
        elif found:
            severity = severity or _known_severity(found.group(2))
        elif name.lower() in PRIORITIES:
            severity = severity or PRIORITIES[name.lower()]
    repo = (event.repository.full_name if event.repository else None) or "github"
    login = issue.user.login if issue.user else None
    return capture.TrackerTicket(
        external_id=f"github:{repo}#{issue.number}",
        title=f"{issue.title} ({repo}#{issue.number})",
        url=issue.html_url,
        area=area,
        severity=severity,
        closed=event.action == "closed" or issue.state == "closed",
        author=f"github:{login}" if login else "github",
    )


def _known_severity(value: str) -> str | None:
    try:
        return severity_name(value)
    except ValueError:
        return None


def github_signature(secret: str, body: bytes) -> str:
    """X-Hub-Signature-256 as GitHub computes it."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def hook_routes(
    engine: Engine, config: HookConfig, *, clock: Callable[[], datetime]
) -> list[Route]:
    """The two hook endpoints, for `create_web_app(routes=...)`."""

    def store(
        ticket: capture.TrackerTicket, rotation: str | None, source: capture.Source
    ) -> dict[str, Any]:
        with Session(engine, expire_on_commit=False) as session:
            name = rotation or capture.only_rotation(session, team_id=config.team_id)
            if name is None:
                raise Refused(
                    400,
                    'rotation: name the rotation (?rotation=NAME or "rotation" in the JSON); '
                    "this workspace has several, or none yet",
                )
            with refused_as_use_cases_say():
                saved = capture.apply_tracker_ticket(
                    session,
                    team_id=config.team_id,
                    rotation=name,
                    now=clock(),
                    ticket=ticket,
                    source=source,
                )
        return saved_reply(saved)

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
