"""The reminders' buttons and modal: "Share my day" at the end of a support day.

The published-quarter DM's Swap button and the preview's Publish button are the App
Home's and the plan's own (bot/slack/listeners/actions.py); only the reflection is new here.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.services import services_of
from bot.slack.listeners.actions import read_button_value
from bot.slack.views.errors import modal_error
from bot.slack.views.reminders import (
    REFLECT,
    REFLECTION,
    read_reflect_value,
    read_reflection,
    reflection_modal,
    reflection_saved,
)
from bot.usecases.capture import record_reflection
from bot.usecases.errors import UseCaseError


def register(app: App) -> None:
    app.action(REFLECT)(open_reflection)
    app.view(REFLECTION)(save_reflection)


def open_reflection(
    ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond
) -> None:
    """The end-of-day button: the modal asking what hurt and what works well."""
    ack()
    read = read_button_value(body, client, respond, read_reflect_value)
    if read is None:
        return
    rotation, day = read
    today = services_of(context).clock().date()
    client.views_open(
        trigger_id=body["trigger_id"], view=reflection_modal(rotation, day, today=today)
    )


def save_reflection(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Stored as a ticket and a highlight before the ack; the modal then says thanks."""
    services = services_of(context)
    form, errors = read_reflection(body["view"])
    if form is None:
        ack(response_action="errors", errors=errors)
        return
    team = str((body.get("team") or {}).get("id") or body["user"].get("team_id", ""))
    with services.session() as session:
        try:
            ticket, highlight = record_reflection(
                session,
                team_id=team,
                rotation=form.rotation,
                actor=body["user"]["id"],
                now=services.clock(),
                day=form.day,
                hurt=form.hurt,
                works=form.works,
                area=form.area,
            )
        except UseCaseError as exc:
            ack(response_action="errors", errors={"hurt": modal_error(exc.message)})
            return
    ack(response_action="update", view=reflection_saved(ticket, highlight))
