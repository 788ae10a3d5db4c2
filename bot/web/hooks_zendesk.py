"""`POST /hooks/zendesk`: Zendesk webhooks, as tickets and satisfaction highlights.

Signed as Zendesk documents ("Verifying webhook authenticity"): X-Zendesk-Webhook-
Signature is base64(HMAC-SHA256(secret, X-Zendesk-Webhook-Signature-Timestamp + body));
a timestamp more than five minutes from the server's clock is refused as a replay.

Two payloads are read:
- Zendesk's ticket events (`"type": "zen:event-type:ticket.…"`, the ticket in `detail`:
  id, subject, status, priority, type, tags), for a webhook subscribed to ticket events;
- the JSON body of a trigger's "Notify webhook" action, written with placeholders as
  `queueday hooks` prints: `{"ticket": {"id", "title", "url", "status", "priority",
  "type", "tags"}, "satisfaction": {"score", "comment"}}`.
A ticket of type problem or incident, or tagged ZENDESK_TAG, is a ticket for the queue;
solved or closed closes it; priority becomes severity; a tag starting with
ZENDESK_AREA_PREFIX names the area. A `good` rating with a comment is a highlight (one
per ticket); a bad one is left out.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, Field, field_validator
from starlette.datastructures import Headers

from bot.usecases import capture
from bot.web.hook_text import HIGHLIGHT_LIMIT, TITLE_LIMIT, clean
from bot.web.hooks import MAX_NAME, MAX_NUMBER, Refused
from bot.web.vendor_hooks import (
    HighlightNote,
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

PATH = "/hooks/zendesk"
WINDOW = timedelta(minutes=5)
CLOSED = {"solved", "closed", "deleted"}
BUG_TYPES = {"problem", "incident"}
RATED = ("good", "bad")  # {{satisfaction.current_rating}} once the customer rated
PRIORITIES = {"urgent": "critical", "high": "high", "normal": "medium", "low": "low"}
MAX_TEXT = 20_000  # a ticket's subject or a rating's comment, before it is cleaned
MAX_TAGS = 200

Text = Annotated[str, Field(max_length=MAX_TEXT)]
Name = Annotated[str, Field(max_length=MAX_NAME)]


def _tags(value: Any) -> Any:
    """Tags as a list: the `{{ticket.tags}}` placeholder renders them space-separated."""
    return value.split() if isinstance(value, str) else value


def _id_text(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_NUMBER:
        return str(value)
    return value


Id = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^\d+$")]


class ZendeskTicket(BaseModel):
    """A ticket as an event's `detail` or a trigger's `ticket` carries it."""

    id: Id
    subject: Text | None = None
    title: Text | None = None  # the trigger placeholder {{ticket.title}}
    url: Annotated[str, Field(max_length=2000)] | None = None
    status: Name | None = None
    priority: Name | None = None
    type: Name | None = None
    tags: Annotated[list[Name], Field(max_length=MAX_TAGS)] | None = None

    @field_validator("id", mode="before")
    @classmethod
    def number_as_text(cls, value: Any) -> Any:
        return _id_text(value)

    @field_validator("tags", mode="before")
    @classmethod
    def tag_list(cls, value: Any) -> Any:
        return _tags(value)


class ZendeskEvent(BaseModel):
    """Zendesk's event schema: type, id, detail (the ticket)."""

    type: Name
    id: Name | None = None
    detail: ZendeskTicket


class Satisfaction(BaseModel):
    score: Name | None = None
    comment: Text | None = None


class ZendeskTrigger(BaseModel):
    """The trigger body QueueDay's setup help gives."""

    ticket: ZendeskTicket
    satisfaction: Satisfaction | None = None


@dataclass(frozen=True)
class ZendeskHook:
    """The Zendesk webhook, with its settings."""

    signing_secret: str | None = field(default=None, repr=False)
    tag: str = "bug"
    area_prefix: str = "area_"
    title: str = "Zendesk"
    path: str = PATH
    secret_variable: str = "ZENDESK_WEBHOOK_SECRET"
    source: capture.Source = capture.Source.ZENDESK

    @classmethod
    def from_settings(cls, settings: Settings) -> ZendeskHook:
        return cls(
            secret_of(settings.zendesk_webhook_secret),
            settings.zendesk_tag.strip().lower(),
            settings.zendesk_area_prefix.strip().lower(),
        )

    @property
    def secret(self) -> str | None:
        return self.signing_secret

    def verify(self, headers: Headers, body: bytes, now: datetime) -> None:
        assert self.signing_secret is not None
        given = headers.get("x-zendesk-webhook-signature", "")
        stamp = headers.get("x-zendesk-webhook-signature-timestamp", "")
        if not given or not stamp:
            raise Refused(
                401,
                "missing X-Zendesk-Webhook-Signature or X-Zendesk-Webhook-Signature-Timestamp",
            )
        expected = zendesk_signature(self.signing_secret, stamp, body)
        if not same(given, expected):
            raise Refused(401, "bad X-Zendesk-Webhook-Signature")
        try:
            sent = datetime.fromisoformat(stamp[:40].replace("Z", "+00:00"))
        except ValueError:
            raise Refused(401, "X-Zendesk-Webhook-Signature-Timestamp: not a time") from None
        if sent.tzinfo is None:
            raise Refused(401, "X-Zendesk-Webhook-Signature-Timestamp: no offset")
        check_age(sent, now, WINDOW, "X-Zendesk-Webhook-Signature-Timestamp")

    def parse(self, data: Any, now: datetime) -> Note | Ignored:
        if isinstance(data, dict) and "detail" in data:
            event = validated(ZendeskEvent, data, "a Zendesk ticket event")
            if not event.type.startswith("zen:event-type:ticket."):
                return Ignored(f"event {event.type[:60]}")
            closed = event.type == "zen:event-type:ticket.deleted" or None
            return self._ticket(event.detail, closed)
        trigger = validated(ZendeskTrigger, data, "ticket, satisfaction")
        rating = trigger.satisfaction
        # `Offered`, `Unoffered` or blank: no rating yet, so the body is about the ticket.
        if rating is not None and (rating.score or "").strip().lower().startswith(RATED):
            return self._rating(trigger.ticket, rating)
        return self._ticket(trigger.ticket, None)

    def _area(self, ticket: ZendeskTicket) -> str | None:
        if not self.area_prefix:
            return None
        for tag in ticket.tags or ():
            if tag.lower().startswith(self.area_prefix) and len(tag) > len(self.area_prefix):
                return tag[len(self.area_prefix) :][: capture.MAX_AREA]
        return None

    def _ticket(self, ticket: ZendeskTicket, closed: bool | None) -> Note | Ignored:
        tags = {t.lower() for t in ticket.tags or ()}
        kind = (ticket.type or "").lower()
        if ticket.tags is not None or ticket.type is not None:
            if kind not in BUG_TYPES and not (self.tag and self.tag in tags):
                return Ignored(f"not a problem, an incident or tagged {self.tag!r}")
        status = (ticket.status or "").strip().lower()
        if closed is None and status:
            closed = status in CLOSED
        subject = clean(ticket.subject or ticket.title, TITLE_LIMIT)
        severity = PRIORITIES.get((ticket.priority or "").strip().lower())
        return capture.TrackerTicket(
            external_id=f"zendesk:{ticket.id}",
            title=f"{subject} (Zendesk #{ticket.id})" if subject else None,
            url=_web_url(ticket.url),
            area=self._area(ticket),
            severity=severity,
            closed=closed,
            author="zendesk",
        )

    def _rating(self, ticket: ZendeskTicket, rating: Satisfaction) -> Note | Ignored:
        score = (rating.score or "").strip().lower()
        comment = clean(rating.comment, HIGHLIGHT_LIMIT)
        if not score.startswith("good"):
            return Ignored(f"a {score[:20]!r} rating (only good ones are highlights)")
        if not comment:
            return Ignored("a good rating without a comment")
        return HighlightNote(
            external_id=f"zendesk:satisfaction:{ticket.id}",
            text=comment,
            url=_web_url(ticket.url),
            area=self._area(ticket),
            author="zendesk",
        )


def _web_url(url: str | None) -> str | None:
    """A link Zendesk rendered (`{{ticket.link}}` omits the scheme)."""
    if not url:
        return None
    url = url.strip()
    return url if url.startswith(("https://", "http://")) else f"https://{url}"


def zendesk_signature(secret: str, timestamp: str, body: bytes) -> str:
    """X-Zendesk-Webhook-Signature as Zendesk computes it."""
    digest = hmac_digest(secret, timestamp.encode() + body, "sha256")
    return base64.b64encode(digest).decode()
