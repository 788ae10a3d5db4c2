"""A stand-in for Slack's Web API on 127.0.0.1, in this process, for `queueday console`.

The Bolt app talks to it exactly as to Slack (its client's base URL, and each
request's response_url), so the console runs the same listeners as `queueday serve`.
It records what the app sent, in order, for the console to print.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

RESPONSE_PATH = "/response/"
BOT_USER = "U0QUEUEDAY"


@dataclass(frozen=True)
class Sent:
    """One thing the app sent: an API method (or `response_url`) and its parameters."""

    method: str
    params: dict[str, Any]
    target: str = ""  # the response_url's name, for replies to one message

    def json_param(self, name: str) -> Any:
        value = self.params.get(name)
        return json.loads(value) if isinstance(value, str) else value


class LoopbackServer:
    """An HTTP/1.1 server on a free port of 127.0.0.1, serving from a daemon thread.

    Each POST (and GET, with `get`) goes to `handle`; the test suite's fake Slack uses
    it too.
    """

    def __init__(
        self, handle: Callable[[BaseHTTPRequestHandler], None], *, get: bool = False
    ) -> None:
        self._handle = handle
        self._get = get
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> None:
        handle = self._handle

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        if self._get:
            Handler.do_GET = Handler.do_POST  # type: ignore[attr-defined]
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() it first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"


class LocalSlack:
    """The Web API methods QueueDay uses, answered locally; see the module docstring.

    `profiles(user_id)` gives users.info its name and timezone.
    """

    def __init__(
        self,
        *,
        team_id: str,
        token: str,
        profiles: Callable[[str], tuple[str, str | None]],
    ) -> None:
        self.team_id = team_id
        self.token = token
        self.profiles = profiles
        self._sent: list[Sent] = []
        self._lock = threading.Lock()
        self._ts = itertools.count(1)
        self._server = LoopbackServer(self._handle)
        # The queue in the channel: user groups by id and channel topics, as Slack keeps them.
        self.usergroups: dict[str, dict[str, Any]] = {}
        self.topics: dict[str, str] = {}

    def start(self) -> LocalSlack:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    @property
    def base_url(self) -> str:
        return self._server.base_url

    @property
    def api_url(self) -> str:
        return self.base_url + "/api/"

    def response_url(self, name: str) -> str:
        """A response_url whose posts are recorded under `name`."""
        return f"{self.base_url}{RESPONSE_PATH}{name}"

    def take(self) -> list[Sent]:
        """What was sent since the last call, oldest first."""
        with self._lock:
            sent, self._sent = self._sent, []
        return sent

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b""
        params = _params(raw, request.headers.get("Content-Type", ""))
        path = request.path.split("?", 1)[0]
        if path.startswith(RESPONSE_PATH):
            self._record(Sent("response_url", params, path.removeprefix(RESPONSE_PATH)))
            _send(request, b"ok", "text/plain")
            return
        method = path.removeprefix("/api/")
        self._record(Sent(method, params))
        _send(request, json.dumps(self._answer(method, params)).encode())

    def _record(self, sent: Sent) -> None:
        with self._lock:
            self._sent.append(sent)

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        ts = f"1700000000.{next(self._ts):06d}"
        if method == "auth.test":
            return {"ok": True, "team_id": self.team_id, "user_id": BOT_USER, "bot_id": "B0QD"}
        if method == "users.info":
            user = str(params.get("user"))
            name, timezone = self.profiles(user)
            return {"ok": True, "user": {"id": user, "real_name": name, "tz": timezone}}
        if method in ("views.publish", "views.open", "views.update", "views.push"):
            view = params.get("view")
            view = json.loads(view) if isinstance(view, str) else (view or {})
            return {"ok": True, "view": {"id": f"V{ts}", **view}}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + str(params.get("users", ""))}}
        if method.startswith("usergroups.") or method in (
            "conversations.info",
            "conversations.setTopic",
        ):
            return self._channel_answer(method, params)
        return {"ok": True, "channel": params.get("channel"), "ts": ts, "message_ts": ts}

    def _channel_answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """User groups and topics, refusing an empty user list as Slack does."""
        with self._lock:
            if method == "usergroups.list":
                return {"ok": True, "usergroups": list(self.usergroups.values())}
            if method == "usergroups.create":
                group = {"id": f"S{len(self.usergroups) + 1:08d}", "handle": params.get("handle")}
                self.usergroups[str(group["id"])] = {**group, "users": []}
                return {"ok": True, "usergroup": group}
            if method == "usergroups.users.update":
                users = [u for u in str(params.get("users") or "").split(",") if u]
                found = self.usergroups.get(str(params.get("usergroup")))
                if not users or found is None:
                    return {"ok": False, "error": "invalid_users"}
                found["users"] = users
                return {"ok": True, "usergroup": found}
            channel = str(params.get("channel"))
            if method == "conversations.setTopic":
                self.topics[channel] = str(params.get("topic") or "")
            topic = {"value": self.topics.get(channel, "")}
            return {"ok": True, "channel": {"id": channel, "topic": topic}}


def _params(raw: bytes, content_type: str) -> dict[str, Any]:
    if not raw:
        return {}
    if content_type.startswith("application/json"):
        loaded = json.loads(raw)
        return loaded if isinstance(loaded, dict) else {}
    return {k: v[0] for k, v in parse_qs(raw.decode("utf-8"), keep_blank_values=True).items()}


def _send(
    request: BaseHTTPRequestHandler, body: bytes, content_type: str = "application/json"
) -> None:
    request.send_response(200)
    request.send_header("Content-Type", content_type)
    request.send_header("Content-Length", str(len(body)))
    request.end_headers()
    request.wfile.write(body)
