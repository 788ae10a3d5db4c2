"""`POST /hooks/highlights`: praise from any other source (an NPS tool, app-store
reviews, a Zapier zap), `{"id", "text", "url", "area", "author", "source"}`, authorised
by `Authorization: Bearer <QUEUEDAY_HOOK_SECRET>` like `/hooks/tickets`; idempotent on
`id` (per source)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.datastructures import Headers

from bot.usecases import capture
from bot.web.hook_text import HIGHLIGHT_LIMIT, clean
from bot.web.hooks import MAX_NUMBER, Refused
from bot.web.vendor_hooks import HighlightNote, Ignored, Note, same, secret_of, validated

if TYPE_CHECKING:
    from bot.settings import Settings

PATH = "/hooks/highlights"


class HighlightHookBody(BaseModel):
    """The body of `POST /hooks/highlights`."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: Annotated[str, Field(min_length=1, max_length=150)]
    text: Annotated[str, Field(min_length=1, max_length=20_000)]
    url: Annotated[str, Field(max_length=2000, pattern=r"^https?://")] | None = None
    area: Annotated[str, Field(max_length=capture.MAX_AREA)] | None = None
    author: Annotated[str, Field(max_length=100)] | None = None
    source: Annotated[str, Field(max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")] | None = None

    @field_validator("url", "area", "author", "source", mode="before")
    @classmethod
    def blank(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator("id", mode="before")
    @classmethod
    def number_as_text(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_NUMBER:
            return str(value)
        return value


@dataclass(frozen=True)
class HighlightsHook:
    """The generic highlights hook, with its secret."""

    hook_secret: str | None = field(default=None, repr=False)
    title: str = "highlights"
    path: str = PATH
    secret_variable: str = "QUEUEDAY_HOOK_SECRET"
    source: capture.Source = capture.Source.HOOK

    @classmethod
    def from_settings(cls, settings: Settings) -> HighlightsHook:
        return cls(secret_of(settings.queueday_hook_secret))

    @property
    def secret(self) -> str | None:
        return self.hook_secret

    def verify(self, headers: Headers, body: bytes, now: datetime) -> None:
        assert self.hook_secret is not None
        given = headers.get("authorization", "")
        token = given[7:] if given.lower().startswith("bearer ") else ""
        if not same(token, self.hook_secret):
            raise Refused(401, "bad or missing secret (Authorization: Bearer <secret>)")

    def parse(self, data: Any, now: datetime) -> Note | Ignored:
        body = validated(HighlightHookBody, data, "id, text, url, area, author, source")
        text = clean(body.text, HIGHLIGHT_LIMIT)
        if not text:
            raise Refused(400, "text: nothing left once markup is removed")
        source = (body.source or "hook").lower()
        author = clean(body.author, 80) if body.author else None
        return HighlightNote(
            external_id=f"hook:{source}:{body.id}",
            text=text,
            url=body.url,
            area=body.area,
            author=f"{source}: {author}" if author else source,
        )
