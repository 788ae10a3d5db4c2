"""Buttons: swap and cover answers, Publish, cancelling time off, the App Home's buttons.

Each button is acknowledged at once; its work runs in a lazy listener (wrapped in
`reported`, so a failure is logged and told to the person), which calls one use case
and renders. Slack
sends an action even for a link button (one with a `url`); those use action ids
starting `link:` (`bot.slack.views.blocks.button(..., url=...)`) and are acknowledged here.
A button whose value does not read (a hand-made payload, an old message) is the
clicker's doing, not a failure: they are told so, and it is logged at INFO
(`read_button_value`, which every listener of a button with a value uses).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

import bot.usecases as uc
from bot.services import services_of
from bot.slack.dispatch import Outcome
from bot.slack.followups import deliver, post, publish_home
from bot.slack.handlers.feeds import links_of
from bot.slack.listeners.errors import reported
from bot.slack.views import admin, days, home, mine, modals, swaps
from bot.slack.views.errors import refusal
from bot.slack.views.limits import Message
from bot.usecases.feeds import reset_feed_link
from bot.usecases.tokens import FeedKind

log = logging.getLogger(__name__)

LINK_ACTION = re.compile(r"^link:")
# A swap request's id as its buttons carry it (a bigint in the database).
_REQUEST_ID = re.compile(r"[0-9]{1,18}")
_Value = TypeVar("_Value")


def register(app: App) -> None:
    app.action(LINK_ACTION)(acknowledge_link)
    for action_id, work in (
        (swaps.ACCEPT, accept),
        (swaps.DECLINE, decline),
        (swaps.WITHDRAW, withdraw),
        (admin.PUBLISH, publish),
        (days.CANCEL_AWAY, cancel_away),
        (home.OPEN_AWAY, open_away),
        (home.OPEN_SWAP, open_swap),
        (home.REFRESH, refresh),
        (mine.RESET_FEED, reset_feed),
    ):
        app.action(action_id)(ack=acknowledge, lazy=[reported(work)])


def acknowledge(ack: Ack) -> None:
    ack()


def acknowledge_link(ack: Ack) -> None:
    """A link button opens its URL in the browser; nothing to do but acknowledge."""
    ack()


def _tell(body: dict[str, Any], client: WebClient, respond: Respond, message: Message) -> None:
    """Answer the person who clicked: on the message clicked, else (App Home) in a DM."""
    if respond.response_url:
        respond(**message)
    else:
        post(client, body["user"]["id"], message)


def _who(body: dict[str, Any]) -> tuple[str, str, str]:
    """The team, the person who clicked, and the clicked button's value."""
    team = (body.get("team") or {}).get("id") or body.get("user", {}).get("team_id", "")
    value = (body.get("actions") or [{}])[0].get("value", "")
    return str(team), str(body["user"]["id"]), str(value)


def read_button_value(
    body: dict[str, Any], client: WebClient, respond: Respond, parse: Callable[[str], _Value]
) -> _Value | None:
    """The clicked button's value as `parse` reads it; None, the person told, when it
    does not read (a user's error: logged at INFO, without a traceback)."""
    _, user, value = _who(body)
    try:
        return parse(value)
    except (ValueError, TypeError, RecursionError) as exc:  # json.loads on "[[[…" recurses
        action = (body.get("actions") or [{}])[0].get("action_id")
        log.info("button %s from %s has a value that does not read: %s", action, user, exc)
        message = "That button's value can't be read, so nothing was changed. Open the list again."
        _tell(body, client, respond, swaps.not_done(message))
        return None


def request_id(value: str) -> int:
    """A swap or cover request's id from its button; ValueError if it is not one."""
    if not _REQUEST_ID.fullmatch(value):
        raise ValueError(f"not a request id: {value[:40]!r}")
    return int(value)


Answer = Callable[..., uc.swaps.RequestInfo]


def _answer(
    body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond, use: Answer
) -> None:
    """Accept, decline or withdraw a request; the message clicked shows the outcome."""
    services = services_of(context)
    team, user, _ = _who(body)
    number = read_button_value(body, client, respond, request_id)
    if number is None:
        return
    with services.session() as session:
        try:
            info = use(session, team_id=team, actor=user, now=services.clock(), request_id=number)
        except uc.UseCaseError as exc:
            _tell(body, client, respond, swaps.not_done(exc.message))
            return
        # Dates read in the rotation's own day, not UTC's (00:30 on 1 Jan in Berlin is
        # already the new year there, so its dates need no year).
        today = uc.find_rotation(
            session, team_id=team, user=user, now=services.clock(), name=info.rotation
        ).today
    outcome = swaps.decided(info, today)
    others = [u for u in (info.requester, info.counterpart) if u and u != user]
    deliver(
        Outcome(
            {**outcome, "replace_original": True},
            posts=tuple((u, outcome) for u in others),
            refresh=(info.requester, info.counterpart or user),
        ),
        client=client,
        services=services,
        team_id=team,
        respond=respond,
    )


def accept(body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond) -> None:
    """Accept (or take, for an open cover): re-validated and applied at once."""
    _answer(body, context, client, respond, uc.accept_request)


def decline(
    body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond
) -> None:
    _answer(body, context, client, respond, uc.decline_request)


def withdraw(
    body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond
) -> None:
    _answer(body, context, client, respond, uc.cancel_request)


def publish(
    body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond
) -> None:
    """Publish exactly the preview the admin saw, unless someone published meanwhile."""
    services = services_of(context)
    team, user, _ = _who(body)
    publish = read_button_value(body, client, respond, admin.read_publish_value)
    if publish is None:
        return
    with services.session() as session:
        try:
            result = uc.publish_plan(
                session, team_id=team, actor=user, now=services.clock(), **publish
            )
        except uc.UseCaseError as exc:
            _tell(body, client, respond, swaps.not_done(exc.message))
            return
    changed = sorted({e.member for e in (*result.added, *result.removed)})
    reply = admin.published(result, services.clock().date())
    deliver(
        Outcome({**reply, "replace_original": True}, refresh=(user, *changed)),
        client=client,
        services=services,
        team_id=team,
        respond=respond,
    )


def cancel_away(
    body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond
) -> None:
    """The Cancel button of `away list`: that time off goes, in every rotation."""
    services = services_of(context)
    team, user, _ = _who(body)
    day = read_button_value(body, client, respond, date.fromisoformat)
    if day is None:
        return
    with services.session() as session:
        try:
            results = uc.cancel_away(
                session, team_id=team, actor=user, now=services.clock(), day=day
            )
        except uc.UseCaseError as exc:
            _tell(body, client, respond, refusal(exc.message))
            return
    reply = days.away_cancelled(results, services.clock().date())
    refresh_too = (e.member for r in results for e in r.replacements)
    deliver(
        Outcome({**reply, "replace_original": True}, refresh=(user, *refresh_too)),
        client=client,
        services=services,
        team_id=team,
        respond=respond,
    )


def open_away(
    body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond
) -> None:
    """App Home: the time-off modal."""
    today = services_of(context).clock().date()
    client.views_open(trigger_id=body["trigger_id"], view=modals.away_modal(today))


def open_swap(
    body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond
) -> None:
    """App Home: the swap-or-cover modal, listing the person's next days."""
    services = services_of(context)
    team, user, _ = _who(body)
    with services.session() as session:
        overview = uc.my_overview(session, team_id=team, user=user, now=services.clock())
    client.views_open(trigger_id=body["trigger_id"], view=modals.swap_modal(overview))


def refresh(
    body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond
) -> None:
    """App Home: publish it again."""
    team, user, _ = _who(body)
    publish_home(client, services_of(context), team, user)


def reset_feed(
    body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond
) -> None:
    """A new calendar link for the person; the old one stops working."""
    services = services_of(context)
    team, user, _ = _who(body)
    if services.secret_key is None:
        _tell(body, client, respond, refusal("This server signs no calendar links."))
        return
    with services.session() as session:
        try:
            reset_feed_link(
                session,
                team_id=team,
                actor=user,
                now=services.clock(),
                secret=services.secret_key,
                base_url=services.base_url,
                kind=FeedKind.PERSON,
            )
        except uc.UseCaseError as exc:
            _tell(body, client, respond, refusal(exc.message))
            return
        feeds = links_of(session, services, team_id=team, user=user)
    reply = {**mine.calendar_message(feeds), "replace_original": True}
    if respond.response_url:
        respond(**reply)
    publish_home(client, services, team, user)
