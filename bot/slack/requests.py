"""Bolt's request, with its reading of form bodies made exact.

Bolt reads any form body that merely contains the word "payload" as an interactive
payload (`payload=...`); a slash command whose text says "payload" has no such field,
so Bolt saw an empty body and the command went unanswered (404). `SlackRequest` reads
the form as Slack sends it: an interactive payload is the `payload` field's JSON, any
other form is its fields. Lazy listeners get a copy made the same way.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt import BoltRequest
from slack_bolt.request.internals import build_context


def read_body(text: str, content_type: str | None) -> Any:
    """A Slack request body as data: JSON (the Events API), the JSON in a form's
    `payload` field (interactivity), or a form's fields (slash commands).

    Raises:
        ValueError: JSON that does not parse (json.JSONDecodeError).
        RecursionError: JSON nested deeper than the parser goes.
    """
    if not text:
        return {}
    if content_type == "application/json" or text.startswith("{"):
        return json.loads(text)
    fields = dict(parse_qsl(text, keep_blank_values=True))
    if "payload" in fields:
        return json.loads(fields["payload"])
    return fields


class SlackRequest(BoltRequest):
    """A BoltRequest whose body is read by `read_body` instead of Bolt's guess."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if self.mode == "http" and self.raw_body and not self.body:
            self.body = read_body(self.raw_body, self.content_type)
            self.context = build_context(self.context, self.body)

    def to_copyable(self) -> SlackRequest:
        body: str | dict[str, Any] = self.raw_body if self.mode == "http" else self.body
        return SlackRequest(
            body=body,
            query=self.query,
            headers=self.headers,
            context=self.context.to_copyable(),
            mode=self.mode,
        )
