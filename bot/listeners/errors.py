"""The one error handler: log with the traceback, tell the person politely.

Bolt routes errors of ack functions here; errors of lazy listeners it would only log
(without a traceback, and the person would hear nothing), so lazy listeners are
wrapped with `reported`, which sends them here too.
"""

from __future__ import annotations

import functools
import inspect
import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from slack_bolt import App, BoltResponse, Respond

from bot.views.errors import something_went_wrong

log = logging.getLogger(__name__)


def register(app: App) -> None:
    app.error(handle_error)


def handle_error(
    error: Exception,
    body: dict[str, Any],
    response: BoltResponse | None,
    respond: Respond | None,
) -> BoltResponse | None:
    """Log `error` with its traceback; apologise in the ack if not sent yet, else via
    the response_url when the request has one."""
    log.error("listener failed on %s", _describe(body), exc_info=error)
    reply = something_went_wrong()
    if response is not None and "command" in body:
        return BoltResponse(
            status=200,
            body=json.dumps(reply),
            headers={"content-type": "application/json;charset=utf-8"},
        )
    if respond is not None and respond.response_url:
        respond(**reply)
    return None


def reported(func: Callable[..., None]) -> Callable[..., None]:
    """A lazy listener whose failures go to `handle_error` instead of a one-line log.

    Bolt passes a listener only the arguments it names, so `func` must take `body`
    and `respond` for the report to say what failed and to reach the person.
    """
    names = inspect.signature(func).parameters
    if "body" not in names or "respond" not in names:
        raise TypeError(f"{func.__name__} must take `body` and `respond` to be reported")

    @functools.wraps(func)
    def run(**kwargs: Any) -> None:
        try:
            func(**kwargs)
        except Exception as error:  # handed to the error handler, which logs and replies
            handle_error(error, kwargs.get("body") or {}, None, kwargs.get("respond"))

    return run


@contextmanager
def reporting(body: dict[str, Any], respond: Respond | None = None) -> Iterator[None]:
    """Hands failures inside to `handle_error`: for a listener's work after `ack()`,
    where Bolt would otherwise turn the acknowledgement not yet sent into a 404."""
    try:
        yield
    except Exception as error:  # handed to the error handler, which logs and replies
        handle_error(error, body, None, respond)


def _describe(body: dict[str, Any]) -> str:
    if "command" in body:
        return f"{body['command']} from {body.get('user_id')}"
    kind = body.get("type", "request")
    if kind == "event_callback":
        return f"event {body.get('event', {}).get('type')} {body.get('event_id')}"
    return f"{kind} from {body.get('user', {}).get('id')}"
