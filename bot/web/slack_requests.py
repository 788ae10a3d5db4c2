"""Requests to /slack/events: Slack's signature checked, then the payload's shape.

A request must carry Slack's v0 signature over its body, timestamped within 5 minutes
(401, before anything parses it); then its body must read as the object Slack sends
(400, with the field named) before Bolt sees it. Bolt's own logging never prints a body
(`QuietBolt`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from slack_sdk.signature import SignatureVerifier

from bot.slack.requests import SlackRequest, read_body
from bot.web.bodies import MAX_JSON_DEPTH, json_depth, json_kind, validation_message

# Seconds since the epoch, ASCII digits only: int() would also take " 17", "1_7" or
# Arabic-Indic digits, and raise on "abc" (slack_sdk's verifier calls int() unguarded;
# it also refuses a timestamp more than 5 minutes from now, Slack's replay window).
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
# Headers only Bolt's own FaaS adapters set; from outside they would steer dispatch.
_BOLT_INTERNAL = "x-slack-bolt-"
# A log line's message is cut to this length (Bolt quotes payloads in some warnings).
LOGGED_CHARS = 500


class SlackSignature:
    """Slack's v0 request signature, checked before anything reads the request.

    slack_sdk's verifier does the HMAC and the 5-minute window; the timestamp and the
    signature are checked for shape first, since it raises on a timestamp int() cannot
    read and `hmac.compare_digest` on a non-ASCII signature.
    """

    def __init__(self, signing_secret: str) -> None:
        self._verifier = SignatureVerifier(signing_secret)

    def verified(self, body: bytes, headers: Mapping[str, str]) -> bool:
        timestamp = headers.get("x-slack-request-timestamp", "")
        signature = headers.get("x-slack-signature", "")
        if not _TIMESTAMP.fullmatch(timestamp) or not signature.isascii():
            return False
        try:
            text = body.decode("utf-8")  # Slack signs UTF-8 text; nothing else is Slack's
        except UnicodeDecodeError:
            return False
        return self._verifier.is_valid(text, timestamp, signature)


class BadSlackRequest(Exception):
    """A signed request whose body is not what Slack sends (answered 400)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# Where a reply may go: a web URL (which host is the error handler's to check).
ReplyUrl = Annotated[str, Field(pattern=r"^https?://[^\s/?#]+\S*$", max_length=2000)]


class SlackReplyUrl(BaseModel):
    """One of a view submission's `response_urls`."""

    model_config = ConfigDict(extra="allow")

    response_url: ReplyUrl


class SlackPayload(BaseModel):
    """The fields Bolt and the listeners read from every payload, typed as Slack sends
    them; anything else passes through unchecked."""

    model_config = ConfigDict(extra="allow")

    type: str | None = None
    command: str | None = None
    text: str | None = None
    team: str | dict[str, Any] | None = None
    team_id: str | None = None
    user: str | dict[str, Any] | None = None
    user_id: str | None = None
    channel: str | dict[str, Any] | None = None
    channel_id: str | None = None
    enterprise: str | dict[str, Any] | None = None
    enterprise_id: str | None = None
    authorizations: list[dict[str, Any]] | None = None
    event: dict[str, Any] | None = None
    event_id: str | None = None
    view: dict[str, Any] | None = None
    message: dict[str, Any] | None = None
    container: dict[str, Any] | None = None
    actions: list[dict[str, Any]] | None = None
    response_url: ReplyUrl | None = None
    response_urls: list[SlackReplyUrl] | None = None
    trigger_id: str | None = None
    callback_id: str | None = None


class SlackEvent(BaseModel):
    """An Events API callback's `event`: Bolt matches on its type and reads these."""

    model_config = ConfigDict(extra="allow")

    type: str
    user: str | dict[str, Any] | None = None
    channel: str | dict[str, Any] | None = None
    item: dict[str, Any] | None = None
    message: dict[str, Any] | None = None
    previous_message: dict[str, Any] | None = None


class SlackUser(BaseModel):
    """Who clicked or submitted: interactive payloads always name them."""

    model_config = ConfigDict(extra="allow")

    id: str
    team_id: str | None = None


class SlackAction(BaseModel):
    """One element of a block_actions payload's `actions`."""

    model_config = ConfigDict(extra="allow")

    action_id: str
    block_id: str | None = None
    type: str | None = None
    value: str | None = None


class SlackView(BaseModel):
    """A view_submission's or view_closed's `view`."""

    model_config = ConfigDict(extra="allow")

    id: str | None = None
    callback_id: str
    type: str  # Bolt reads it to tell a workflow step's save from a modal's
    private_metadata: str | None = None
    state: dict[str, Any] | None = None


_Model = TypeVar("_Model", bound=BaseModel)
# Interactions Slack always sends a trigger_id with (listeners open modals with it).
_WITH_A_TRIGGER = {"block_actions", "shortcut", "message_action"}

# Interactive payloads: always from a person, whose id the listeners read.
_FROM_A_PERSON = {
    "block_actions",
    "view_submission",
    "view_closed",
    "shortcut",
    "message_action",
    "block_suggestion",
    # Bolt's action and option listeners match these legacy kinds by callback_id too.
    "interactive_message",
    "dialog_submission",
    "dialog_cancellation",
    "dialog_suggestion",
    "workflow_step_edit",
}
# Events that always name the person they are about (by user id).
_EVENTS_OF_A_PERSON = {"app_home_opened", "reaction_added"}


def slack_request(body: bytes, query: str, headers: Mapping[str, str]) -> SlackRequest:
    """A signed body as Bolt's request, once it reads as a payload Slack sends.

    Read as Slack sends it (`read_body`: JSON, a form with a JSON `payload`, or a plain form)
    and shape-checked here, so Bolt and the listeners never fail on its shape.

    Raises:
        BadSlackRequest: the body is not JSON or a form, not an object, nested too
            deeply, or a field Slack always sends as one type is another.
    """
    text = body.decode("utf-8")  # verified: it decodes
    content_type = headers.get("content-type", "").split(";")[0] or None
    try:
        data = read_body(text, content_type)
    except RecursionError:
        raise BadSlackRequest(f"body: nested deeper than {MAX_JSON_DEPTH} levels") from None
    except ValueError as exc:  # json.JSONDecodeError, and int() on a huge number
        raise BadSlackRequest(f"body: not JSON ({str(exc)[:80]})") from None
    check_payload(data)
    wanted: dict[str, str | Sequence[str]] = {
        k: v for k, v in headers.items() if not k.lower().startswith(_BOLT_INTERNAL)
    }
    try:
        return SlackRequest(body=text, query=query, headers=wanted)
    except (TypeError, AttributeError, KeyError, IndexError, ValueError) as exc:
        # Bolt reads ids from nested objects too (event.item.channel, message.user, …):
        # one of the wrong type, past the checks above, is as malformed as they are.
        problem = f"{type(exc).__name__}: {str(exc)[:80]}"
        raise BadSlackRequest(f"body: a field Bolt reads has the wrong type ({problem})") from None


def check_payload(data: object) -> None:
    """Raises BadSlackRequest unless `data` has the shape of a Slack payload."""
    if not isinstance(data, dict):
        raise BadSlackRequest(f"body: expected a JSON object, got {json_kind(data)}")
    if json_depth(data) > MAX_JSON_DEPTH:
        raise BadSlackRequest(f"body: nested deeper than {MAX_JSON_DEPTH} levels")
    payload = _validated(SlackPayload, data, "")
    if payload.type == "event_callback" or payload.event is not None:
        event = _validated(SlackEvent, payload.event, "event")
        if event.type in _EVENTS_OF_A_PERSON and not isinstance(event.user, str):
            raise BadSlackRequest("event.user: expected a user id")
    if payload.type in _FROM_A_PERSON:
        _validated(SlackUser, payload.user, "user")
        if not isinstance(payload.team, dict | None):  # an interaction's team is an object
            raise BadSlackRequest("team: expected an object")
    if payload.type in _WITH_A_TRIGGER and payload.trigger_id is None:
        raise BadSlackRequest("trigger_id: required")
    if payload.type in ("block_actions", "interactive_message"):
        # Bolt hands every listener (and the error handler) `actions[0]`.
        if not payload.actions:
            raise BadSlackRequest("actions: expected an array of at least one action")
        if payload.type == "block_actions":
            for number, action in enumerate(payload.actions):
                _validated(SlackAction, action, f"actions.{number}")
    if payload.type in ("view_submission", "view_closed"):
        view = _validated(SlackView, payload.view, "view")
        if view.type == "workflow_step":
            _require_object(data, "workflow_step")
    if payload.type == "workflow_step_edit":
        _require_object(data, "workflow_step")


def _require_object(data: dict[str, Any], name: str) -> None:
    if not isinstance(data.get(name), dict):
        raise BadSlackRequest(f"{name}: expected an object")


def _validated(model: type[_Model], data: object, where: str) -> _Model:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise BadSlackRequest(validation_message(exc, where)) from None


class QuietBolt(logging.Filter):
    """Keeps request bodies out of Bolt's logging.

    Bolt logs a request whose signature fails, body and all, at INFO (a 300 MB body
    made 314 MB of log): that line is dropped, the web layer logs its own. Its
    warnings about unhandled requests quote parts of the payload: cut short.
    """

    VERIFICATION = "slack_bolt.RequestVerification"
    LOGGERS = (VERIFICATION, "bot.slack.bolt")  # the one Bolt's App is given (bot.slack.app)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == self.VERIFICATION and record.levelno < logging.WARNING:
            return False
        message = record.getMessage()
        if len(message) > LOGGED_CHARS:
            record.msg = f"{message[:LOGGED_CHARS]}… ({len(message)} characters)"
            record.args = None
        return True

    @classmethod
    def install(cls) -> None:
        """On Bolt's loggers (filters on a logger see only its own records), once each."""
        for name in cls.LOGGERS:
            logger = logging.getLogger(name)
            if not any(isinstance(f, cls) for f in logger.filters):
                logger.addFilter(cls())
