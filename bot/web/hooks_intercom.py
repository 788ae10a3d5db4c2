"""`POST /hooks/intercom`: Intercom webhook notifications, as tickets and highlights.

Signed as Intercom documents: X-Hub-Signature is `sha1=` and the hex HMAC-SHA1 of the
raw body with the app's client secret (Intercom sends no timestamp, so retries are made
harmless by the conversation's id). The notification is `{"type": "notification_event",
"topic", "id", "data": {"item": <conversation>}}`:
- a conversation tagged INTERCOM_TAG (`tags.tags[].name`) is a ticket; its `state`
  `closed` closes it; `priority: "priority"` makes it high severity;
- `conversation.rating.added` with `conversation_rating.rating` 4 or 5 and a `remark` is
  a highlight (one per conversation);
- `ping` (sent when the webhook is saved) answers 200.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
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
    hmac_digest,
    same,
    secret_of,
    validated,
)

if TYPE_CHECKING:
    from bot.settings import Settings

PATH = "/hooks/intercom"
MAX_TEXT = 50_000
Text = Annotated[str, Field(max_length=MAX_TEXT)]
Name = Annotated[str, Field(max_length=MAX_NAME)]


class Tag(BaseModel):
    name: Name = ""


class TagList(BaseModel):
    tags: Annotated[list[Tag], Field(max_length=500)] = []


class Source(BaseModel):
    subject: Text | None = None
    body: Text | None = None
    url: Annotated[str, Field(max_length=2000)] | None = None


class Rating(BaseModel):
    rating: Annotated[int, Field(ge=0, le=10)] | None = None
    remark: Text | None = None


class Conversation(BaseModel):
    """What QueueDay reads of Intercom's conversation model."""

    type: Name | None = None
    id: Annotated[str, Field(min_length=1, max_length=60)]
    title: Text | None = None
    state: Name | None = None
    priority: Name | None = None
    tags: TagList | None = None
    source: Source | None = None
    conversation_rating: Rating | None = None

    @field_validator("id", mode="before")
    @classmethod
    def number_as_text(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_NUMBER:
            return str(value)
        return value


class NotificationData(BaseModel):
    item: dict[str, Any] | None = None


class Notification(BaseModel):
    """Intercom's notification envelope."""

    type: Name | None = None
    topic: Name
    id: Name | None = None
    data: NotificationData | None = None


@dataclass(frozen=True)
class IntercomHook:
    """The Intercom webhook, with its settings."""

    client_secret: str | None = field(default=None, repr=False)
    tag: str = "bug"
    title: str = "Intercom"
    path: str = PATH
    secret_variable: str = "INTERCOM_CLIENT_SECRET"
    source: capture.Source = capture.Source.INTERCOM

    @classmethod
    def from_settings(cls, settings: Settings) -> IntercomHook:
        return cls(secret_of(settings.intercom_client_secret), settings.intercom_tag.strip())

    @property
    def secret(self) -> str | None:
        return self.client_secret

    def verify(self, headers: Headers, body: bytes, now: datetime) -> None:
        assert self.client_secret is not None
        expected = intercom_signature(self.client_secret, body)
        if not same(headers.get("x-hub-signature", ""), expected):
            raise Refused(401, "bad or missing X-Hub-Signature (sha1=…)")

    def parse(self, data: Any, now: datetime) -> Note | Ignored:
        notification = validated(Notification, data, "Intercom's notification: topic, data.item")
        topic = notification.topic
        if topic == "ping":
            return Ignored("ping")
        if not topic.startswith("conversation."):
            return Ignored(f"topic {topic[:60]}")
        item = notification.data.item if notification.data else None
        if item is None:
            raise Refused(400, "data.item: required")
        conversation = validated(Conversation, item, "a conversation")
        if topic == "conversation.rating.added":
            return self._rating(conversation)
        names = {t.name.lower() for t in (conversation.tags.tags if conversation.tags else [])}
        if self.tag and self.tag.lower() not in names:
            return Ignored(f"not a conversation tagged {self.tag!r}")
        source = conversation.source or Source()
        title = clean(conversation.title or source.subject or source.body, TITLE_LIMIT)
        state = (conversation.state or "").lower()
        return capture.TrackerTicket(
            external_id=f"intercom:{conversation.id}",
            title=f"{title or 'Conversation'} (Intercom {conversation.id})",
            url=source.url if source.url and source.url.startswith("http") else None,
            severity="high" if conversation.priority == "priority" else None,
            closed=(state == "closed") if state else None,
            author="intercom",
        )

    def _rating(self, conversation: Conversation) -> Note | Ignored:
        rating = conversation.conversation_rating
        if rating is None or rating.rating is None:
            raise Refused(400, "data.item.conversation_rating.rating: required")
        if rating.rating < 4:
            return Ignored(f"a rating of {rating.rating} (4 or 5 are highlights)")
        remark = clean(rating.remark, HIGHLIGHT_LIMIT)
        if not remark:
            return Ignored("a rating without a remark")
        return HighlightNote(
            external_id=f"intercom:rating:{conversation.id}", text=remark, author="intercom"
        )


def intercom_signature(secret: str, body: bytes) -> str:
    """X-Hub-Signature as Intercom computes it."""
    return "sha1=" + hmac_digest(secret, body, "sha1").hex()
