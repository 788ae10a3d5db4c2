"""`POST /hooks/linear`: Linear issue webhooks, as tickets.

Signed as Linear documents: Linear-Signature is the hex HMAC-SHA256 of the raw body
with the webhook's signing secret, and the body's `webhookTimestamp` (milliseconds)
must be within a minute of the server's clock. The payload is `{"action": "create" |
"update" | "remove", "type": "Issue", "data": {id, identifier, title, url, priority,
state: {type}, team: {name}, project: {name}, labels: [{name}]}, "webhookTimestamp"}`.
An issue labelled LINEAR_LABEL (any case) is a ticket; a `completed` or `canceled`
state (or removal) closes it; priority 1-4 (urgent, high, medium, low) is its
severity; its project, else its team, is its area.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, Field
from starlette.datastructures import Headers

from bot.usecases import capture
from bot.web.hook_text import TITLE_LIMIT, clean
from bot.web.hooks import MAX_NAME, Refused
from bot.web.vendor_hooks import (
    Ignored,
    Note,
    check_age,
    hmac_digest,
    same,
    secret_of,
    validated,
)

if TYPE_CHECKING:
    from bot.settings import Settings

PATH = "/hooks/linear"
WINDOW = timedelta(minutes=1)
CLOSED = {"completed", "canceled"}
PRIORITIES = {1: "critical", 2: "high", 3: "medium", 4: "low"}
# Milliseconds since 1970 up to the year 9999: a bound before datetime sees the number.
MAX_MS = 253_402_300_799_000
Name = Annotated[str, Field(max_length=MAX_NAME)]


class Named(BaseModel):
    name: Name | None = None


class State(BaseModel):
    type: Name | None = None
    name: Name | None = None


class IssueData(BaseModel):
    id: Annotated[str, Field(min_length=1, max_length=100)]
    identifier: Name | None = None
    title: Annotated[str, Field(max_length=20_000)] | None = None
    url: Annotated[str, Field(max_length=2000)] | None = None
    priority: Annotated[int, Field(ge=0, le=4)] | None = None
    state: State | None = None
    team: Named | None = None
    project: Named | None = None
    labels: Annotated[list[Named], Field(max_length=500)] | None = None


class LinearEvent(BaseModel):
    """What QueueDay reads of Linear's data change webhook."""

    action: Name
    type: Name
    data: dict[str, Any] | None = None
    webhookTimestamp: Annotated[int, Field(ge=0, le=MAX_MS)]  # noqa: N815 (Linear's name)


@dataclass(frozen=True)
class LinearHook:
    """The Linear webhook, with its settings."""

    signing_secret: str | None = field(default=None, repr=False)
    label: str = "bug"
    title: str = "Linear"
    path: str = PATH
    secret_variable: str = "LINEAR_WEBHOOK_SECRET"
    source: capture.Source = capture.Source.LINEAR

    @classmethod
    def from_settings(cls, settings: Settings) -> LinearHook:
        return cls(secret_of(settings.linear_webhook_secret), settings.linear_label.strip().lower())

    @property
    def secret(self) -> str | None:
        return self.signing_secret

    def verify(self, headers: Headers, body: bytes, now: datetime) -> None:
        assert self.signing_secret is not None
        expected = linear_signature(self.signing_secret, body)
        if not same(headers.get("linear-signature", ""), expected):
            raise Refused(401, "bad or missing Linear-Signature")

    def parse(self, data: Any, now: datetime) -> Note | Ignored:
        event = validated(LinearEvent, data, "action, type, data, webhookTimestamp")
        sent = datetime.fromtimestamp(event.webhookTimestamp / 1000, UTC)
        check_age(sent, now, WINDOW, "webhookTimestamp")
        if event.type != "Issue":
            return Ignored(f"type {event.type[:60]}")
        if event.data is None:
            raise Refused(400, "data: required")
        issue = validated(IssueData, event.data, "an issue")
        labels = {(x.name or "").lower() for x in issue.labels or ()}
        if self.label and self.label not in labels:
            return Ignored(f"not an issue labelled {self.label!r}")
        state = (issue.state.type or "").lower() if issue.state else ""
        title = clean(issue.title, TITLE_LIMIT) or "Issue"
        area = (issue.project.name if issue.project else None) or (
            issue.team.name if issue.team else None
        )
        return capture.TrackerTicket(
            external_id=f"linear:{issue.id}",
            title=f"{title} ({issue.identifier})" if issue.identifier else title,
            url=issue.url if issue.url and issue.url.startswith("https://") else None,
            area=area[: capture.MAX_AREA] if area else None,
            severity=PRIORITIES.get(issue.priority or 0),
            closed=event.action == "remove" or (state in CLOSED if state else None),
            author="linear",
        )


def linear_signature(secret: str, body: bytes) -> str:
    """Linear-Signature as Linear computes it."""
    return hmac_digest(secret, body, "sha256").hex()
