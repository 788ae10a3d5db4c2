"""Message shortcuts: "Save as bug ticket" (save_bug) and "Save as highlight" (save_highlight).

The shortcut opens a modal holding the message's text, its product area (from a
`#area` in the text) and, for a bug, a severity; saving stores it once per message
(`slack:<channel>:<ts>`, shared with the emoji reactions) and turns the modal into a
confirmation.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services import services_of
from bot.slack.followups import post
from bot.slack.listeners.errors import reported
from bot.slack.views.capture import (
    CAPTURE,
    capture_modal,
    external_id,
    not_in_rotation,
    read_capture,
    saved_view,
)
from bot.slack.views.errors import modal_error
from bot.usecases import capture
from bot.usecases.errors import NotFound, UseCaseError

log = logging.getLogger(__name__)

SAVE_BUG = "save_bug"
SAVE_HIGHLIGHT = "save_highlight"


def register(app: App) -> None:
    app.shortcut(SAVE_BUG)(ack=acknowledge, lazy=[reported(open_capture)])
    app.shortcut(SAVE_HIGHLIGHT)(ack=acknowledge, lazy=[reported(open_capture)])
    app.view(CAPTURE)(save_capture)


def acknowledge(ack: Ack) -> None:
    ack()


def _team(body: dict[str, Any]) -> str:
    return str((body.get("team") or {}).get("id") or body.get("user", {}).get("team_id", ""))


def permalink(client: WebClient, channel: str, ts: str) -> str | None:
    """The message's link, or None when Slack won't give one (no access to the channel)."""
    try:
        return str(client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"])
    except SlackApiError as exc:
        log.info("no permalink for %s/%s: %s", channel, ts, exc.response.get("error"))
        return None


def open_capture(
    body: dict[str, Any], respond: Respond, context: BoltContext, client: WebClient
) -> None:
    """After the ack: the modal, for the rotation of the channel or of the person."""
    services = services_of(context)
    kind = (
        capture.NoteKind.TICKET if body["callback_id"] == SAVE_BUG else capture.NoteKind.HIGHLIGHT
    )
    channel = str((body.get("channel") or {}).get("id") or "")
    message = body.get("message") or {}
    with services.session() as session:
        try:
            names = capture.rotations_for(
                session, team_id=_team(body), user=body["user"]["id"], channel=channel
            )
        except NotFound:
            names = ()
    if not names:
        reply = not_in_rotation(kind)
        if respond.response_url:
            respond(**reply)
        else:  # a global shortcut carries no response_url: say it in a DM
            post(client, body["user"]["id"], reply)
        return
    ts = str(message.get("ts") or "")
    view = capture_modal(
        kind,
        text=str(message.get("text") or ""),
        channel=channel,
        ts=ts,
        url=permalink(client, channel, ts) if channel and ts else None,
        rotations=names,
    )
    client.views_open(trigger_id=body["trigger_id"], view=view)


def save_capture(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """The modal submitted: saved before the ack, so problems show under the inputs."""
    services = services_of(context)
    form, errors = read_capture(body["view"])
    if form is None:
        ack(response_action="errors", errors=errors)
        return
    with services.session() as session:
        try:
            saved = capture.save_note(
                session,
                team_id=_team(body),
                rotation=form.rotation,
                actor=body["user"]["id"],
                now=services.clock(),
                kind=form.kind,
                note=capture.NoteInput(
                    form.text,
                    url=form.url,
                    area=form.area,
                    severity=form.severity,
                    external_id=external_id(form.channel, form.ts),
                ),
                source=capture.Source.SHORTCUT,
                channel=form.channel,
            )
        except UseCaseError as exc:
            ack(response_action="errors", errors={"text": modal_error(exc.message)})
            return
    ack(response_action="update", view=saved_view(saved))
