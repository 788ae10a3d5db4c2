"""What every support tool's webhook shares: verify, parse, store one note, answer.

Each vendor module (`hooks_zendesk`, `hooks_intercom`, `hooks_jira`, `hooks_linear`,
`hooks_highlights`) says how its requests are signed and what its payload means; this
module runs them all the same way. Nothing is read as JSON before the signature holds,
nothing is stored unless the whole request is valid, and a delivery sent twice (a
vendor's retry) stores once: every note carries the vendor's own id.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.usecases import capture
from bot.usecases.access import SYSTEM
from bot.web.bodies import MAX_BODY_BYTES, load_json, validation_message
from bot.web.hooks import MAX_NAME, Refused, refused_as_use_cases_say, saved_reply

log = logging.getLogger(__name__)

_Model = TypeVar("_Model", bound=BaseModel)


@dataclass(frozen=True)
class HighlightNote:
    """Praise a tool reports (a good rating with a comment), cleaned already."""

    external_id: str
    text: str
    url: str | None = None
    area: str | None = None
    author: str | None = None


Note = capture.TrackerTicket | HighlightNote


@dataclass(frozen=True)
class Ignored:
    """A verified delivery that is not for the queue (another issue type, a ping)."""

    reason: str


class Vendor(Protocol):
    """One support tool's webhook."""

    @property
    def title(self) -> str: ...  # "Zendesk"

    @property
    def path(self) -> str: ...  # "/hooks/zendesk"

    @property
    def secret_variable(self) -> str: ...  # "ZENDESK_WEBHOOK_SECRET"

    @property
    def source(self) -> capture.Source: ...

    @property
    def secret(self) -> str | None: ...

    def verify(self, headers: Headers, body: bytes, now: datetime) -> None:
        """Refused(401) unless the request is signed with the secret (and recent)."""

    def parse(self, data: Any, now: datetime) -> Note | Ignored:
        """The note the payload carries; Refused(400) naming the field it cannot read."""


def hmac_digest(secret: str, message: bytes, algorithm: str) -> bytes:
    return hmac.new(secret.encode(), message, getattr(hashlib, algorithm)).digest()


def same(given: str, expected: str) -> bool:
    """Constant-time comparison of two signatures as text."""
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode())


def check_age(sent: datetime, now: datetime, window: timedelta, what: str) -> None:
    """Refused(401) when `sent` is further than `window` from `now` (a replay)."""
    if abs(now - sent) > window:
        raise Refused(
            401, f"{what} is {int(abs(now - sent).total_seconds())} s from now; a replay?"
        )


def validated(model: type[_Model], data: Any, what: str) -> _Model:
    """`data` as `model`, or Refused(400) naming the first field that is wrong."""
    if not isinstance(data, dict):
        raise Refused(400, f"body: expected a JSON object ({what})")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise Refused(400, validation_message(exc)) from None


def secret_of(value: Any) -> str | None:
    """A SecretStr setting as text; None when unset or empty."""
    return (value.get_secret_value() or None) if value is not None else None


def names(value: str) -> tuple[str, ...]:
    """A comma-separated setting as its lower-case names."""
    return tuple(part.strip().lower() for part in value.split(",") if part.strip())


def vendor_routes(
    engine: Engine, vendors: Sequence[Vendor], *, team_id: str, clock: Callable[[], datetime]
) -> list[Route]:
    """One POST route per vendor, for `create_web_app(routes=...)`."""
    return [_route(engine, vendor, team_id=team_id, clock=clock) for vendor in vendors]


def _route(engine: Engine, vendor: Vendor, *, team_id: str, clock: Callable[[], datetime]) -> Route:
    def store(note: Note, rotation: str | None, now: datetime) -> dict[str, Any]:
        with Session(engine, expire_on_commit=False) as session:
            name = rotation or capture.only_rotation(session, team_id=team_id)
            if name is None:
                raise Refused(
                    400,
                    "rotation: name the rotation in the URL (?rotation=NAME); this "
                    "workspace has several, or none yet",
                )
            with refused_as_use_cases_say():
                if isinstance(note, HighlightNote):
                    saved = capture.save_note(
                        session,
                        team_id=team_id,
                        rotation=name,
                        actor=SYSTEM,
                        now=now,
                        kind=capture.NoteKind.HIGHLIGHT,
                        note=capture.NoteInput(
                            note.text,
                            note.url,
                            note.area,
                            external_id=note.external_id,
                            author=note.author,
                        ),
                        source=vendor.source,
                    )
                else:
                    saved = capture.apply_tracker_ticket(
                        session,
                        team_id=team_id,
                        rotation=name,
                        now=now,
                        ticket=note,
                        source=vendor.source,
                    )
        return saved_reply(saved)

    async def endpoint(request: Request) -> Response:
        try:
            if not vendor.secret:
                raise Refused(404, f"the {vendor.title} hook is off (set {vendor.secret_variable})")
            body = await request.body()
            if len(body) > MAX_BODY_BYTES:  # LimitBody has refused it already when mounted
                raise Refused(413, "request body too large")
            now = clock()
            vendor.verify(request.headers, body, now)
            try:
                data = load_json(body)
            except ValueError as exc:
                raise Refused(400, f"body: {exc}") from None
            note = vendor.parse(data, now)
            if isinstance(note, Ignored):
                return JSONResponse({"ok": True, "ignored": note.reason}, status_code=202)
            rotation = request.query_params.get("rotation") or None
            if rotation is not None and len(rotation) > MAX_NAME:
                raise Refused(400, f"rotation: at most {MAX_NAME} characters")
            result = await run_in_threadpool(store, note, rotation, now)
        except Refused as exc:
            if exc.status == 401:
                log.warning("%s hook refused: %s", vendor.title, exc.message)
            return JSONResponse({"error": exc.message, "status": exc.status}, exc.status)
        return JSONResponse(result)

    return Route(vendor.path, endpoint, methods=["POST"])
