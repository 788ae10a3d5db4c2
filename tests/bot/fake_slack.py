"""A fake Slack Web API on 127.0.0.1 that records every call, for end-to-end tests.

Point `SLACK_API_URL` at `fake.api_url`; give payloads `fake.response_url(...)` as their
response_url and what the app posts there is recorded too (as method "response_url").
Like slack-bolt's tests/mock_web_api_server, but one object with the calls as data.

    with FakeSlack() as fake:
        ...
        calls = fake.wait_for("views.publish")
        assert calls[0].params["user_id"] == "U0ADA"
        fake.rate_limit(2, retry_after=0)  # the next two calls answer 429

One fake may serve many tests (a session's server), and a call an earlier test caused
can land after `reset()`: a lazy listener still finishing, a follow-up DM. So a test
reads only the calls about ids of its own: `fake.calls("views.publish", about=me)` keeps
the calls whose channel, user, user_id, users, trigger_id or response_url name is one
of them (`Call.names`). Give each test its own user, channel, trigger and response_url
name, and no other test's late call can reach its assertions.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs

from bot.cli.local_slack import LoopbackServer
from tests.bot.fake_slack_oauth import FakeOAuth

RESPONSE_URL = "response_url"
# The parameters that say whom or where a Web API call is about.
_NAMING = (
    "channel", "user", "user_id", "users", "trigger_id", "usergroup", "handle", "view_id",
)  # fmt: skip


@dataclass(frozen=True)
class Call:
    """One request the app made: the API method, its parameters and the token used."""

    method: str
    params: dict[str, Any]
    token: str | None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    name: str | None = None  # a response_url call's name, as given to `response_url(name)`

    @property
    def names(self) -> frozenset[str]:
        """The ids this call is about: its channel, user(s), trigger_id, response_url name."""
        found = {self.name} if self.name else set()
        for key in _NAMING:
            value = self.params.get(key)
            if isinstance(value, str):
                found.update(part for part in value.split(",") if part)
        return frozenset(found)

    def json_param(self, name: str) -> Any:
        """A parameter that slack_sdk may send JSON-encoded in a form (`view`, `blocks`)."""
        value = self.params.get(name)
        return json.loads(value) if isinstance(value, str) else value


class FakeSlack:
    """The fake Web API server; see the module docstring."""

    def __init__(
        self,
        *,
        team_id: str = "T0TEST",
        team_name: str = "Test Team",
        bot_token: str = "xoxb-test-token",
        bot_user_id: str = "U0BOT",
    ) -> None:
        self.team_id = team_id
        self.team_name = team_name
        self.bot_token = bot_token
        self.bot_user_id = bot_user_id
        self.users: dict[str, dict[str, Any]] = {}
        self._calls: list[Call] = []
        self._changed = threading.Condition()
        self._limited = 0
        self._retry_after = 1
        self._limited_method: str | None = None
        self._ts = itertools.count(1)
        self._server = LoopbackServer(self._handle, get=True)
        # Messages in conversations: posted by the app, or put there by a test.
        self._messages: list[dict[str, Any]] = []
        self._last_ts = 0.0
        # Slack's rate for chat.postMessage: about one message a second per channel.
        self._pace: float | None = None
        self._last_post: dict[str, float] = {}
        self._every: tuple[int, int] | None = None  # (every nth call, Retry-After)
        self._counted = 0
        self._post_delay = 0.0
        self._failing: dict[str, tuple[str, int]] = {}  # method -> (error, calls left)
        # User groups and channels (the queue in the channel): see `_channel_refusal`.
        self.usergroups: dict[str, dict[str, Any]] = {}
        self.topics: dict[str, str] = {}  # channel -> its topic
        self.outside: set[str] = set()  # channels the app was not invited to
        self.missing: set[str] = set()  # channels that do not exist (or were archived)
        self.groups_refused: str | None = None  # every usergroups.* call answers this
        # Custom statuses users.profile.get answers: user id -> status_text, status_emoji,
        # status_expiration (a Unix time, 0: never), as `_profile` documents.
        self.statuses: dict[str, dict[str, Any]] = {}
        # OAuth installs (tests/bot/fake_slack_oauth.py): the authorize page, oauth.v2.access
        # and the tokens they issued, each for its own workspace.
        self.oauth = FakeOAuth()
        # Modals it has shown: view id -> the view with its current hash (`_view_refusal`).
        self.views: dict[str, dict[str, Any]] = {}
        self._pushed_triggers: set[str] = set()

    # -- life cycle

    def start(self) -> FakeSlack:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return self._server.base_url

    @property
    def api_url(self) -> str:
        """SLACK_API_URL for the app (with the trailing slash slack_sdk expects)."""
        return self.base_url + "/api/"

    def response_url(self, name: str = "1") -> str:
        """A response_url for a payload; posts to it are recorded as "response_url"."""
        return f"{self.base_url}/response/{name}"

    # -- what tests read and set

    def calls(
        self, method: str | None = None, *, about: str | Iterable[str] | None = None
    ) -> list[Call]:
        """Every call so far (answered 200 or 429), oldest first; only `method`'s if given,
        only those naming one of the ids `about` if given (see the module docstring)."""
        wanted = _ids(about)
        with self._changed:
            return [
                c
                for c in self._calls
                if (method is None or c.method == method) and (wanted is None or wanted & c.names)
            ]

    def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = 5.0,
        *,
        about: str | Iterable[str] | None = None,
    ) -> list[Call]:
        """The calls of `method` (naming one of `about`, if given) once there are at least
        `count` answered 200; AssertionError on timeout."""
        wanted = _ids(about)
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [
                    c
                    for c in self._calls
                    if c.method == method
                    and c.status == 200
                    and (wanted is None or wanted & c.names)
                ]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [c.method for c in self._calls]
                    raise AssertionError(f"expected {count} {method} call(s); calls: {seen}")
                self._changed.wait(left)

    def rate_limit(self, calls: int, retry_after: int = 1, method: str | None = None) -> None:
        """Answer the next `calls` API calls (of `method` only, if given) with 429 and
        `Retry-After: retry_after`."""
        with self._changed:
            self._limited = calls
            self._retry_after = retry_after
            self._limited_method = method

    def reset(self) -> None:
        """Forget the calls, the messages, any pending 429s and pacing."""
        with self._changed:
            self._calls.clear()
            self._messages.clear()
            self._last_post.clear()
            self._limited = 0
            self._pace = None
            self._every = None
            self._counted = 0
            self._post_delay = 0.0
            self._failing.clear()
            self.usergroups.clear()
            self.topics.clear()
            self.outside.clear()
            self.missing.clear()
            self.groups_refused = None
            self.statuses.clear()

    def pace(self, interval: float | None) -> None:
        """Refuse (429, Retry-After: 1) a chat.postMessage to a channel that had one less
        than `interval` seconds ago, as Slack does; None stops checking."""
        with self._changed:
            self._pace = interval
            self._last_post.clear()

    def fail(self, method: str, error: str = "fatal_error", times: int = 1) -> None:
        """Answer the next `times` calls of `method` with `{"ok": false, "error": error}`."""
        with self._changed:
            self._failing[method] = (error, times)

    def slow(self, seconds: float) -> None:
        """Take this long to answer each chat.postMessage (after posting it)."""
        self._post_delay = seconds

    def rate_limit_every(self, n: int | None, retry_after: int = 1) -> None:
        """Answer every `n`th API call with 429 (occasional rate limits); None stops."""
        with self._changed:
            self._every = (n, retry_after) if n else None
            self._counted = 0

    def messages(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Messages posted by the app (oldest first), with their parsed metadata."""
        with self._changed:
            return [
                m
                for m in self._messages
                if m.get("posted") and (channel is None or m["channel"] == channel)
            ]

    def add_message(
        self,
        channel: str,
        text: str,
        *,
        user: str = "U0SOMEONE",
        thread_ts: str | None = None,
        ts: str | None = None,
    ) -> str:
        """Put a message into a conversation (someone else wrote it); returns its ts."""
        with self._changed:
            message = {
                "type": "message",
                "channel": channel,
                "user": user,
                "text": text,
                "ts": ts or self._new_ts(),
            }
            if thread_ts is not None:
                message["thread_ts"] = thread_ts
            self._messages.append(message)
            return str(message["ts"])

    # -- the server side

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b""
        params = _params(raw, request.headers.get("Content-Type", ""))
        path, _, query = request.path.partition("?")
        if query:  # GET methods (conversations.history) send their arguments here
            params = {**{k: v[0] for k, v in parse_qs(query).items()}, **params}
        auth = request.headers.get("Authorization", "")
        token = auth[7:] if auth.startswith("Bearer ") else params.get("token")
        headers = {k.lower(): v for k, v in request.headers.items()}
        if path.startswith("/response/"):
            name = path.removeprefix("/response/")
            self._record(Call(RESPONSE_URL, params, token, 200, headers, name))
            _send(request, 200, b"ok", "text/plain")
            return
        if path == "/oauth/v2/authorize":  # the browser's visit to Slack's consent page
            self._record(Call("oauth.authorize", params, None, 200, headers))
            status, extra, page = self.oauth.authorize(params)
            _send(request, status, page, "text/plain; charset=utf-8", extra=extra)
            return
        method = path.removeprefix("/api/")
        with self._changed:
            limited = self._limited > 0 and self._limited_method in (None, method)
            retry_after = self._retry_after
            if limited:
                self._limited -= 1
            elif self._every is not None:
                self._counted += 1
                if self._counted % self._every[0] == 0:
                    limited, retry_after = True, self._every[1]
            if not limited and self._pace is not None and method == "chat.postMessage":
                channel, now = str(params.get("channel")), time.monotonic()
                last = self._last_post.get(channel)
                if last is not None and now - last < self._pace:
                    limited, retry_after = True, 1
                else:
                    self._last_post[channel] = now
        if limited:
            self._record(Call(method, params, token, 429, headers))
            body = json.dumps({"ok": False, "error": "ratelimited"}).encode()
            _send(request, 429, body, extra={"Retry-After": str(retry_after)})
            return
        self._record(Call(method, params, token, 200, headers))
        if method == "oauth.v2.access":  # the app's credentials, no token
            answer = self.oauth.access(params, headers.get("authorization", ""))
        else:
            answer = self._answer(method, params, token)
        _send(request, 200, json.dumps(answer).encode())

    def _record(self, call: Call) -> None:
        with self._changed:
            self._calls.append(call)
            self._changed.notify_all()

    def _answer(self, method: str, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        if token != self.bot_token:
            refused = self.oauth.refusal(token)  # a token an OAuth install got, or none
            if refused is not None:
                return {"ok": False, "error": refused}
            if method == "auth.test":
                return {"ok": True, **self.oauth.auth_test(str(token))}
        with self._changed:
            error, left = self._failing.get(method, ("", 0))
            if left > 0:
                self._failing[method] = (error, left - 1)
        if left > 0:
            return {"ok": False, "error": error}
        refused = self._channel_refusal(method, params) or self._view_refusal(method, params)
        if method == "users.profile.get" and not _is_user_id(str(params.get("user") or "U")):
            refused = "user_not_found"  # "Value passed for `user` was invalid."
        if refused is not None:
            return {"ok": False, "error": refused}
        answer = self._answers().get(method)
        if answer is None:
            return {"ok": False, "error": "unknown_method"}
        return {"ok": True, **answer(params)}

    def _channel_refusal(self, method: str, params: dict[str, Any]) -> str | None:
        """What Slack refuses in user groups and channels, with its documented error codes
        (docs.slack.dev/reference/methods/<method>, "Errors"):

        - usergroups.list/create/users.update: `permission_denied` or
          `not_allowed_token_type` where apps may not manage user groups
          (`groups_refused`); usergroups.users.update with an empty `users` ->
          `invalid_users` ("Value passed for users was empty or invalid"); create with a
          handle in use -> `name_already_exists`;
        - conversations.setTopic over 250 characters -> `too_long`; setTopic and
          chat.postMessage in a channel the app is not in -> `not_in_channel`;
          conversations.info/setTopic/chat.postMessage of a channel that does not exist
          -> `channel_not_found`.
        """
        channel = str(params.get("channel", ""))
        if method.startswith("usergroups.") and self.groups_refused:
            return self.groups_refused
        if method == "usergroups.users.update":
            users = [u for u in str(params.get("users") or "").split(",") if u]
            if not users or any(not u.startswith(("U", "W")) for u in users):
                return "invalid_users"
            if str(params.get("usergroup")) not in self.usergroups:
                return "invalid_arguments"
        if method == "usergroups.create":
            handle = str(params.get("handle") or "")
            taken = {g["handle"] for g in self.usergroups.values()}
            taken |= {g["name"] for g in self.usergroups.values()}
            if handle in taken or str(params.get("name")) in taken:
                return "name_already_exists"
        if method in ("conversations.info", "conversations.setTopic", "chat.postMessage"):
            if channel in self.missing:
                return "channel_not_found"
        if method in ("conversations.setTopic", "chat.postMessage") and channel in self.outside:
            return "not_in_channel"
        if method == "conversations.setTopic" and len(str(params.get("topic") or "")) > 250:
            return "too_long"
        return None

    def _view_refusal(self, method: str, params: dict[str, Any]) -> str | None:
        """What Slack refuses in views.push and views.update, with its documented codes
        (docs.slack.dev/reference/methods/views.push and views.update, "Errors"):

        - views.push without a trigger_id -> `invalid_arguments`; with a trigger that
          was already exchanged for a view -> `exchanged_trigger_id` (a trigger opens
          one view; views.open is not checked, as tests reuse a default trigger);
        - views.update without a view_id or external_id -> `invalid_arguments`; a view
          id it never returned -> `not_found`; a `hash` that is not the view's current
          one (it changed since the caller read it) -> `hash_conflict`.
        """
        if method == "views.push":
            trigger = str(params.get("trigger_id") or "")
            if not trigger:
                return "invalid_arguments"
            with self._changed:
                if trigger in self._pushed_triggers:
                    return "exchanged_trigger_id"
                self._pushed_triggers.add(trigger)
        if method == "views.update":
            view_id = str(params.get("view_id") or "")
            if not view_id and not params.get("external_id"):
                return "invalid_arguments"
            with self._changed:
                shown = self.views.get(view_id)
            if shown is None:
                return "not_found"
            given = params.get("hash")
            if given and given != shown["hash"]:
                return "hash_conflict"
        return None

    def _usergroups_list(self, params: dict[str, Any]) -> dict[str, Any]:
        with_users = str(params.get("include_users")).lower() in ("1", "true")
        groups = [
            {k: v for k, v in g.items() if with_users or k != "users"}
            for g in self.usergroups.values()
        ]
        return {"usergroups": groups}

    def _usergroups_create(self, params: dict[str, Any]) -> dict[str, Any]:
        group_id = f"S{len(self.usergroups) + 1:08d}"
        group = {
            "id": group_id,
            "team_id": self.team_id,
            "is_usergroup": True,
            "name": str(params.get("name")),
            "description": str(params.get("description") or ""),
            "handle": str(params.get("handle") or params.get("name")),
            "users": [],
            "user_count": 0,
        }
        self.usergroups[group_id] = group
        return {"usergroup": {k: v for k, v in group.items() if k != "users"}}

    def _usergroups_users_update(self, params: dict[str, Any]) -> dict[str, Any]:
        group = self.usergroups[str(params.get("usergroup"))]
        group["users"] = [u for u in str(params.get("users")).split(",") if u]
        group["user_count"] = len(group["users"])
        return {"usergroup": dict(group)}

    def _set_topic(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel"))
        self.topics[channel] = str(params.get("topic") or "")
        return {"channel": self._channel_info(channel)}

    def _channel_info(self, channel: str) -> dict[str, Any]:
        topic = self.topics.get(channel, "")
        return {
            "id": channel,
            "is_channel": True,
            "is_member": channel not in self.outside,
            "topic": {"value": topic, "creator": self.bot_user_id if topic else "", "last_set": 0},
        }

    def _answers(self) -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
        return {
            "auth.test": lambda p: {
                "url": "https://test.slack.com/",
                "team": self.team_name,
                "user": "queueday",
                "team_id": self.team_id,
                "user_id": self.bot_user_id,
                "bot_id": "B0BOT",
                "is_enterprise_install": False,
            },
            "chat.postMessage": self._post,
            "chat.getPermalink": lambda p: {
                "channel": p.get("channel"),
                "permalink": f"https://test.slack.com/archives/{p.get('channel')}/"
                f"p{str(p.get('message_ts', '')).replace('.', '')}",
            },
            "conversations.replies": self._replies,
            "chat.postEphemeral": lambda p: {"message_ts": self._next_ts()},
            "chat.update": lambda p: {"channel": p.get("channel"), "ts": p.get("ts")},
            "views.publish": self._view,
            "views.open": self._view,
            "views.push": self._view,
            "views.update": self._view,
            "users.info": lambda p: {"user": self._user(str(p.get("user")))},
            "users.profile.get": self._profile,
            "conversations.open": lambda p: {"channel": {"id": "D" + str(p.get("users", "X"))}},
            "conversations.history": self._history,
            "usergroups.list": self._usergroups_list,
            "usergroups.create": self._usergroups_create,
            "usergroups.users.update": self._usergroups_users_update,
            "conversations.setTopic": self._set_topic,
            "conversations.info": lambda p: {"channel": self._channel_info(str(p.get("channel")))},
        }

    def _new_ts(self) -> str:
        """A message ts: the current time, strictly increasing (the caller holds the lock)."""
        self._last_ts = max(self._last_ts + 0.000001, time.time())
        return f"{self._last_ts:.6f}"

    def _post(self, params: dict[str, Any]) -> dict[str, Any]:
        metadata = params.get("metadata")
        if isinstance(metadata, str):
            metadata = json.loads(metadata)
        channel = str(params.get("channel"))
        if channel.startswith(("U", "W")):  # a user id: the app's DM with them
            channel = "D" + channel
        with self._changed:
            message = {
                "type": "message",
                "channel": channel,
                "user": self.bot_user_id,
                "bot_id": "B0BOT",
                "text": params.get("text"),
                "blocks": params.get("blocks"),
                "metadata": metadata,
                "ts": self._new_ts(),
                "posted": True,
            }
            self._messages.append(message)
        shown = {k: v for k, v in message.items() if k not in ("posted", "channel")}
        if self._post_delay:
            time.sleep(self._post_delay)
        return {"channel": message["channel"], "ts": message["ts"], "message": shown}

    def _visible(self, message: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        shown = {k: v for k, v in message.items() if k not in ("posted", "channel")}
        if str(params.get("include_all_metadata")).lower() not in ("1", "true"):
            shown.pop("metadata", None)
        elif not shown.get("metadata"):
            shown.pop("metadata", None)
        return shown

    def _in_range(self, message: dict[str, Any], params: dict[str, Any]) -> bool:
        ts = float(message["ts"])
        inclusive = str(params.get("inclusive")).lower() in ("1", "true")
        latest, oldest = params.get("latest"), params.get("oldest")
        if latest is not None and (ts > float(latest) or (ts == float(latest) and not inclusive)):
            return False
        return not (
            oldest is not None and (ts < float(oldest) or (ts == float(oldest) and not inclusive))
        )

    def _history(self, params: dict[str, Any]) -> dict[str, Any]:
        """Top-level messages of a conversation, newest first (threads' replies left out)."""
        limit = int(params.get("limit") or 100)
        with self._changed:
            found = [
                self._visible(m, params)
                for m in reversed(self._messages)
                if m["channel"] == params.get("channel")
                and m.get("thread_ts") in (None, m["ts"])
                and self._in_range(m, params)
            ]
        return {"messages": found[:limit], "has_more": len(found) > limit}

    def _replies(self, params: dict[str, Any]) -> dict[str, Any]:
        """A thread: the parent, then its replies, oldest first."""
        ts = str(params.get("ts"))
        with self._changed:
            mine = [m for m in self._messages if m["channel"] == params.get("channel")]
            target = next((m for m in mine if m["ts"] == ts), None)
            if target is None:
                return {"messages": []}
            parent = str(target.get("thread_ts") or target["ts"])
            thread = [
                self._visible(m, params)
                for m in mine
                if m["ts"] == parent or m.get("thread_ts") == parent
            ]
        in_range = [m for m in thread if self._in_range(m, params)]
        return {"messages": in_range[: int(params.get("limit") or 1000)]}

    def _view(self, params: dict[str, Any]) -> dict[str, Any]:
        """The view as shown, with an id (kept by views.update) and a new hash."""
        view = params.get("view")
        view = json.loads(view) if isinstance(view, str) else (view or {})
        number = next(self._ts)
        view_id = str(params.get("view_id") or f"V{number}")
        shown = {**view, "id": view_id, "team_id": self.team_id, "hash": f"{number}.h{number}"}
        with self._changed:
            self.views[view_id] = shown
        return {"view": shown}

    def _profile(self, params: dict[str, Any]) -> dict[str, Any]:
        """users.profile.get as docs.slack.dev/reference/methods/users.profile.get shows
        it: `{"ok": true, "profile": {..., "status_text", "status_emoji": ":books:",
        "status_expiration": 0, ...}}` (Tier 4, scope users.profile:read). Slack refuses
        a `user` that is no user id with `user_not_found`; without `user` it answers for
        the token's own user (here the bot)."""
        user_id = str(params.get("user") or self.bot_user_id)
        user = self._user(user_id)
        status = {"status_text": "", "status_emoji": "", "status_expiration": 0}
        status.update(self.statuses.get(user_id, {}))
        return {
            "profile": {
                **user.get("profile", {}),
                **status,
                "status_emoji_display_info": [],
                "team": self.team_id,
            }
        }

    def _user(self, user_id: str) -> dict[str, Any]:
        return self.users.get(
            user_id,
            {
                "id": user_id,
                "team_id": self.team_id,
                "name": user_id.lower(),
                "real_name": f"User {user_id}",
                "tz": "Europe/Berlin",
                "is_bot": False,
                # As Slack answers an app with users:read.email.
                "profile": {
                    "real_name": f"User {user_id}",
                    "display_name": user_id.lower(),
                    "email": email_of(user_id),
                },
            },
        )

    def _next_ts(self) -> str:
        return f"1700000000.{next(self._ts):06d}"


def _is_user_id(value: str) -> bool:
    return value[:1] in ("U", "W") and value.isascii() and value.isalnum()


def email_of(user_id: str) -> str:
    """The email the fake's users.info gives a user it was not told about."""
    return f"{user_id.lower()}@example.test"


def response_name(url: str) -> str:
    """The name a response_url was made with (`fake.response_url(name)`)."""
    return url.rsplit("/", 1)[-1]


def _ids(about: str | Iterable[str] | None) -> frozenset[str] | None:
    """The ids a test asked about; None for every call (an empty list matches none)."""
    if about is None:
        return None
    return frozenset([about] if isinstance(about, str) else about)


def _params(raw: bytes, content_type: str) -> dict[str, Any]:
    if not raw:
        return {}
    if content_type.startswith("application/json"):
        loaded = json.loads(raw)
        return loaded if isinstance(loaded, dict) else {"_": loaded}
    return {k: v[0] for k, v in parse_qs(raw.decode("utf-8"), keep_blank_values=True).items()}


def _send(
    request: BaseHTTPRequestHandler,
    status: int,
    body: bytes,
    content_type: str = "application/json; charset=utf-8",
    extra: dict[str, str] | None = None,
) -> None:
    request.send_response(status)
    request.send_header("Content-Type", content_type)
    request.send_header("Content-Length", str(len(body)))
    for name, value in (extra or {}).items():
        request.send_header(name, value)
    request.end_headers()
    request.wfile.write(body)
