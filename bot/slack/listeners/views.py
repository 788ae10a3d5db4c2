"""Modal submissions: rotation settings, time off and swap requests from the App Home.

A submission's problems go back in the ack (`response_action: errors`, under the
input concerned), so the use case runs before the ack; it is one quick transaction.
What follows (DMs, App Homes) runs after the ack, in the same listener thread.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

import bot.usecases as uc
from bot.services import services_of
from bot.slack.dispatch import Outcome
from bot.slack.followups import deliver
from bot.slack.handlers.days import handed_over
from bot.slack.listeners.errors import reporting
from bot.slack.views import config, days, modals, swaps
from bot.slack.views.errors import modal_error


def register(app: App) -> None:
    app.view(config.CALLBACK)(save_settings)
    app.view(modals.AWAY)(book_away)
    app.view(modals.SWAP)(ask_for_swap)


def _submission(body: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    """The team, the person submitting, and the view's input values."""
    team = (body.get("team") or {}).get("id") or body["user"].get("team_id", "")
    values = body["view"].get("state", {}).get("values", {})
    return str(team), str(body["user"]["id"]), values


def save_settings(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """The settings modal: every field checked, errors shown under their inputs."""
    services = services_of(context)
    team, user, values = _submission(body)
    changes, errors = config.read_config(values)
    errors = {**uc.setting_errors(changes), **errors}
    if errors:
        ack(response_action="errors", errors=errors)
        return
    with services.session() as session:
        try:
            saved = uc.configure_rotation(
                session,
                team_id=team,
                rotation=body["view"]["private_metadata"],
                actor=user,
                now=services.clock(),
                **changes,
            )
        except uc.UseCaseError as exc:
            ack(response_action="errors", errors={"timezone": modal_error(exc.message)})
            return
    ack()
    deliver(
        Outcome(posts=((user, config.saved(saved)),)),
        client=client,
        services=services,
        team_id=team,
    )


def book_away(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """The App Home's time-off modal: booked in every rotation, like `/queueday away`."""
    services = services_of(context)
    team, user, values = _submission(body)
    form, errors = modals.read_away(values)
    if form is None:
        ack(response_action="errors", errors=errors)
        return
    with services.session() as session:
        try:
            results = uc.book_away(
                session,
                team_id=team,
                actor=user,
                now=services.clock(),
                first_day=form.first,
                last_day=form.last,
                note=form.note,
            )
        except uc.UseCaseError as exc:
            ack(response_action="errors", errors={"first": modal_error(exc.message)})
            return
    ack()
    with reporting(body):
        others = tuple(p for r in results for p in handed_over(r.rotation, r.replacements, user))
        reply = days.away_booked(results, services.clock().date(), form.note)
        refresh = (user, *(u for u, _ in others))
        outcome = Outcome(posts=((user, reply), *others), refresh=refresh)
        deliver(outcome, client=client, services=services, team_id=team)


def ask_for_swap(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """The App Home's swap modal: a swap, or a cover from someone or anyone."""
    services = services_of(context)
    team, user, values = _submission(body)
    form, errors = modals.read_swap(values)
    if form is None:
        ack(response_action="errors", errors=errors)
        return
    now = services.clock()
    with services.session() as session:
        try:
            info = uc.request_swap(
                session, team_id=team, rotation=form.rotation, actor=user, now=now,
                day=form.day, counterpart=form.person or "", counterpart_day=form.their_day,
            ) if form.kind == "swap" else uc.request_cover(
                session, team_id=team, rotation=form.rotation, actor=user, now=now,
                day=form.day, counterpart=form.person,
            )  # fmt: skip
            ref = uc.find_rotation(session, team_id=team, user=user, now=now, name=form.rotation)
        except uc.UseCaseError as exc:
            ack(response_action="errors", errors={"my_day": modal_error(exc.message)})
            return
    ack()
    with reporting(body):
        where = info.counterpart or ref.channel or user
        today, posted_in = now.date(), None if info.counterpart else where
        asked = swaps.asked(info, today, posted_in=posted_in)
        posts = ((user, asked), (where, swaps.ask(info, today)))
        deliver(Outcome(posts=posts), client=client, services=services, team_id=team)
