"""Signed requests as Slack sends them: slash commands, interactivity payloads, events.

Signing is Slack's v0 scheme: `X-Slack-Signature: v0=HMAC-SHA256(secret,
"v0:{timestamp}:{body}")` with `X-Slack-Request-Timestamp`; Bolt refuses a bad
signature or a timestamp more than 5 minutes off with 401.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

COMMAND = "/queueday"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass
class Reply:
    """What the server answered."""

    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class SlackSender:
    """Sends signed requests to a QueueDay server at `base_url` (one keep-alive connection).

    `response_url` is put into commands and payloads, so that what the app posts
    there later is recorded by the fake Slack.
    """

    base_url: str
    signing_secret: str
    team_id: str = "T0TEST"
    response_url: str = "http://127.0.0.1:9/response"
    path: str = "/slack/events"
    _conn: http.client.HTTPConnection | None = field(default=None, repr=False)

    def post(
        self,
        body: bytes,
        content_type: str,
        *,
        timestamp: int | None = None,
        secret: str | None = None,
        headers: dict[str, str] | None = None,
        path: str | None = None,
    ) -> Reply:
        """POST `body` signed (with `secret`, at `timestamp`; now and ours by default)."""
        ts = str(int(time.time()) if timestamp is None else timestamp)
        sent = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature(secret or self.signing_secret, ts, body),
            **(headers or {}),
        }
        return self.request("POST", path or self.path, body, sent)

    def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> Reply:
        for attempt in (1, 2):
            conn = self._connection()
            try:
                conn.request(method, path, body=body, headers=headers or {})
                response = conn.getresponse()
                data = response.read()
            except (ConnectionError, http.client.HTTPException):
                self.close()
                if attempt == 2:
                    raise
                continue
            return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, data)
        raise AssertionError("unreachable")

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            parts = urlsplit(self.base_url)
            self._conn = http.client.HTTPConnection(
                parts.hostname or "127.0.0.1", parts.port, timeout=10
            )
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def command_body(self, text: str, **fields: str) -> bytes:
        form = {
            "token": "legacy-verification-token",
            "team_id": self.team_id,
            "team_domain": "test",
            "channel_id": "C0TEST",
            "channel_name": "support",
            "user_id": "U0ADA",
            "user_name": "ada",
            "command": COMMAND,
            "text": text,
            "api_app_id": "A0QUEUEDAY",
            "response_url": self.response_url,
            "trigger_id": "1.2.abc",
            **fields,
        }
        return urlencode(form).encode()

    def command(self, text: str, **kwargs: Any) -> Reply:
        """`/queueday text` as Slack sends it; keyword `fields` override form fields."""
        fields = kwargs.pop("fields", {})
        body = self.command_body(text, **fields)
        return self.post(body, "application/x-www-form-urlencoded", **kwargs)

    def interaction(self, payload: dict[str, Any], **kwargs: Any) -> Reply:
        """An interactivity payload (block action, shortcut, view submission)."""
        payload = {"team": {"id": self.team_id, "domain": "test"}, **payload}
        payload.setdefault("response_url", self.response_url)
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return self.post(body, "application/x-www-form-urlencoded", **kwargs)

    def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
        **kwargs: Any,
    ) -> Reply:
        """An Events API callback; `retry_num` sends it as Slack's retry of it, for
        `retry_reason` (one of Slack's: http_timeout, http_error, connection_failed, ...)."""
        body = json.dumps(
            {
                "token": "legacy-verification-token",
                "team_id": self.team_id,
                "api_app_id": "A0QUEUEDAY",
                "event": event,
                "type": "event_callback",
                "event_id": event_id,
                "event_time": int(time.time()),
                "authorizations": [{"team_id": self.team_id, "user_id": "U0BOT", "is_bot": True}],
            }
        ).encode()
        headers = kwargs.pop("headers", {})
        if retry_num is not None:
            headers = {
                **headers,
                "X-Slack-Retry-Num": str(retry_num),
                "X-Slack-Retry-Reason": retry_reason,
            }
        return self.post(body, "application/json", headers=headers, **kwargs)
