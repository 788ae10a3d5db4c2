"""The one error handler: log with the traceback, tell the person politely.

Bolt routes errors of ack functions here; errors of lazy listeners it would only log
(without a traceback, and the person would hear nothing), so lazy listeners are
wrapped with `reported`, which sends them here too.

Bolt also calls the handler for a request that failed in its own checks, before its
signature was verified, so the apology goes only where it is safe: to a request that
got through every middleware (its context carries the Services), and to a
response_url on Slack's own host (`is_slack_reply_url`), never one a body merely names.
"""

from __future__ import annotations

import functools
import inspect
import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from slack_bolt import App, BoltContext, BoltResponse, Respond

from bot.services import SERVICES_KEY
from bot.slack.views.errors import something_went_wrong

log = logging.getLogger(__name__)

# Where Slack's response_urls point; the configured Web API's host is allowed too, so
# that a local stand-in (the tests' fake, the console) receives the replies.
SLACK_REPLY_ORIGIN = ("https", "hooks.slack.com", 443)
_DEFAULT_PORTS = {"https": 443, "http": 80}


def register(app: App) -> None:
    app.error(handle_error)


def handle_error(
    error: Exception,
    body: dict[str, Any],
    response: BoltResponse | None,
    respond: Respond | None,
    context: BoltContext | None = None,
) -> BoltResponse | None:
    """Log `error` with its traceback; apologise in the ack if not sent yet, else via
    the response_url when the request has one (see the module docstring for where)."""
    log.error("listener failed on %s", _describe(body), exc_info=error)
    if context is None or SERVICES_KEY not in context:
        return None  # it failed in Bolt's own checks: nothing says it came from Slack
    reply = something_went_wrong()
    if response is not None and "command" in body:
        return BoltResponse(
            status=200,
            body=json.dumps(reply),
            headers={"content-type": "application/json;charset=utf-8"},
        )
    url = respond.response_url if respond is not None else None
    if respond is not None and url:
        if is_slack_reply_url(url, context.client.base_url):
            respond(**reply)
        else:
            log.warning("no apology sent: response_url is not on Slack's host")
    return None


def is_slack_reply_url(url: str, api_url: str) -> bool:
    """True if `url` is on Slack's response host, or on the host (and port) of the Web
    API this app calls (`api_url`, SLACK_API_URL). A URL with a user part is refused."""
    origin = _origin(url)
    return origin is not None and origin in (SLACK_REPLY_ORIGIN, _origin(api_url))


def _origin(url: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if scheme not in _DEFAULT_PORTS or not host or "@" in parts.netloc:
        return None
    return scheme, host, port or _DEFAULT_PORTS[scheme]


def reported(func: Callable[..., None]) -> Callable[..., None]:
    """A lazy listener whose failures go to `handle_error` instead of a one-line log.

    Bolt passes a listener only the arguments it names, so `func` must take `body`,
    `respond` and `context` for the report to say what failed and to reach the person.
    """
    names = inspect.signature(func).parameters
    if not {"body", "respond", "context"} <= set(names):
        raise TypeError(f"{func.__name__} must take `body`, `respond` and `context`")

    @functools.wraps(func)
    def run(**kwargs: Any) -> None:
        try:
            func(**kwargs)
        except Exception as error:  # handed to the error handler, which logs and replies
            body = kwargs.get("body") or {}
            handle_error(error, body, None, kwargs.get("respond"), kwargs.get("context"))

    return run


@contextmanager
def reporting(
    body: dict[str, Any], respond: Respond | None = None, context: BoltContext | None = None
) -> Iterator[None]:
    """Hands failures inside to `handle_error`: for a listener's work after `ack()`,
    where Bolt would otherwise turn the acknowledgement not yet sent into a 404."""
    try:
        yield
    except Exception as error:  # handed to the error handler, which logs and replies
        handle_error(error, body, None, respond, context)


def _describe(body: object) -> str:
    """What failed, in a few words; any body shape (Bolt may hand an unverified one)."""
    if not isinstance(body, dict):
        return "a request"
    if "command" in body:
        return _short(f"{body['command']} from {body.get('user_id')}")
    kind = body.get("type", "request")
    if kind == "event_callback":
        event = body.get("event")
        event_type = event.get("type") if isinstance(event, dict) else None
        return _short(f"event {event_type} {body.get('event_id')}")
    user = body.get("user")
    return _short(f"{kind} from {user.get('id') if isinstance(user, dict) else user}")


def _short(text: str) -> str:
    return text if len(text) <= 120 else text[:120] + "…"
