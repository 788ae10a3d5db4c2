"""Emoji reactions in a rotation's channel: :bug: saves the message as a bug ticket,
:sparkles: as a highlight (the emoji are settings: QUEUEDAY_BUG_EMOJI and
QUEUEDAY_HIGHLIGHT_EMOJI).

reaction_added carries only the message's channel and ts, so its text is read with
conversations.history (or conversations.replies for a message inside a thread).
Saving is idempotent: the message's key is shared with the shortcuts, and Slack's
retries of the event are dropped by the app's middleware.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services import services_of
from bot.slack.listeners.shortcuts import permalink
from bot.slack.views.capture import area_tag, external_id, plain_message, saved_by_reaction
from bot.usecases import capture
from bot.usecases.access import SYSTEM
from bot.usecases.notes import LONGEST_TEXT

log = logging.getLogger(__name__)


def save_reaction(
    event: dict[str, Any], body: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    """Save the reacted-to message when the emoji is one of ours and the channel a rotation's."""
    services = services_of(context)
    emoji = services.reactions
    kinds = {emoji.bug: capture.NoteKind.TICKET, emoji.highlight: capture.NoteKind.HIGHLIGHT}
    kind = kinds.get(str(event.get("reaction") or "").split("::")[0])
    item = event.get("item") or {}
    if kind is None or item.get("type") != "message":
        return
    team = str(body.get("team_id") or context.team_id or "")
    channel, ts = str(item.get("channel") or ""), str(item.get("ts") or "")
    with services.session() as session:
        rotation = capture.channel_rotation(session, team_id=team, channel=channel)
    if rotation is None:
        return  # only a rotation's channel: an emoji elsewhere means nothing to QueueDay
    message = read_message(client, channel, ts)
    text = plain_message(str((message or {}).get("text") or "")).strip()
    if not text:
        log.info("reaction on %s/%s: no text to save", channel, ts)
        return
    user = str(event.get("user") or "")
    with services.session() as session:
        saved = capture.save_note(
            session,
            team_id=team,
            rotation=rotation,
            actor=SYSTEM,
            now=services.clock(),
            kind=kind,
            note=capture.NoteInput(
                text[:LONGEST_TEXT],
                url=permalink(client, channel, ts),
                area=area_tag(text),
                external_id=external_id(channel, ts),
                author=user or None,
            ),
            source=capture.Source.REACTION,
            channel=channel,
        )
    if user:
        reply = saved_by_reaction(saved, str(event.get("reaction")))
        try:
            client.chat_postEphemeral(
                channel=channel, user=user, text=reply["text"], blocks=reply["blocks"]
            )
        except SlackApiError as exc:
            log.info("could not confirm the reaction to %s: %s", user, exc.response.get("error"))


def read_message(client: WebClient, channel: str, ts: str) -> dict[str, Any] | None:
    """The message at `ts` in `channel`: a channel message, else a reply in a thread."""
    history = client.conversations_history(channel=channel, latest=ts, inclusive=True, limit=1)
    for message in history.get("messages") or []:
        if message.get("ts") == ts:
            return dict(message)
    # A reply's thread comes back with its parent first: look for the reply itself.
    replies = client.conversations_replies(
        channel=channel, ts=ts, oldest=ts, latest=ts, inclusive=True, limit=20
    )
    for message in replies.get("messages") or []:
        if message.get("ts") == ts:
            return dict(message)
    return None
