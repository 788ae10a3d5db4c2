"""Time-off calendars in Slack: a rotation's feeds (its admins, from the settings modal)
and a person's own out-of-office calendar (`/queueday config me`).

The same use cases as `queueday timeoff feed ...`. The rotation's list is pushed over
the settings modal (`views.push`); Remove updates it in place (`views.update`, with the
view's hash, so a stale modal is not overwritten); Add answers in the submission's ack
(`response_action: update`, or `errors` under the URL field).
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

import bot.usecases as uc
from bot.services import services_of
from bot.slack.followups import post
from bot.slack.listeners.errors import reported
from bot.slack.views import home
from bot.slack.views import timeoff_config as views
from bot.slack.views.errors import modal_error
from bot.slack.views.timeoff import handovers
from bot.usecases.timeoff_feeds import add_time_off_feed, list_time_off_feeds, remove_time_off_feed
from bot.usecases.timeoff_mine import add_my_calendar, my_calendars, remove_my_calendar


def register(app: App) -> None:
    app.action(views.OPEN)(ack=_acknowledge, lazy=[reported(open_feeds)])
    app.action(views.REMOVE)(ack=_acknowledge, lazy=[reported(remove_feed)])
    app.view(views.FEEDS)(add_feed)
    app.action(views.REMOVE_MINE)(ack=_acknowledge, lazy=[reported(remove_mine)])
    app.view(views.MINE)(add_mine)
    app.action(home.OPEN_MINE)(ack=_acknowledge, lazy=[reported(open_mine)])


def _acknowledge(ack: Ack) -> None:
    ack()


def _who(body: dict[str, Any]) -> tuple[str, str, str]:
    """The team, the person, and the clicked button's value."""
    team = (body.get("team") or {}).get("id") or body.get("user", {}).get("team_id", "")
    value = (body.get("actions") or [{}])[0].get("value", "")
    return str(team), str(body["user"]["id"]), str(value)


def open_feeds(
    body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond
) -> None:
    """The settings modal's button: the rotation's calendars, pushed over it."""
    services = services_of(context)
    team, user, rotation = _who(body)
    with services.session() as session:
        try:
            feeds = list_time_off_feeds(session, team_id=team, rotation=rotation, actor=user)
        except uc.UseCaseError as exc:
            view = views.refused_modal(exc.message)
        else:
            view = views.feeds_modal(rotation, feeds)
    client.views_push(trigger_id=body["trigger_id"], view=view)


def remove_feed(
    body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond
) -> None:
    """A feed's Remove: unsubscribed, its time off to come cancelled, the list redrawn."""
    services = services_of(context)
    team, user, value = _who(body)
    shown = body.get("view") or {}
    rotation = str(shown.get("private_metadata") or "")
    given: tuple[Any, ...] = ()
    with services.session() as session:
        try:
            if not value.isdigit() or len(value) > 9:
                raise uc.InvalidInput("That button does not name a calendar; open the list again.")
            info, cancelled = remove_time_off_feed(
                session, team_id=team, rotation=rotation, actor=user, now=services.clock(),
                feed_id=int(value),
            )  # fmt: skip
            notice = views.removed_notice(info, cancelled)
            given = handovers(cancelled)
        except uc.UseCaseError as exc:
            notice = f":no_entry_sign: {modal_error(exc.message)}"
        try:
            feeds = list_time_off_feeds(session, team_id=team, rotation=rotation, actor=user)
        except uc.UseCaseError as exc:
            feeds, notice = [], f":no_entry_sign: {modal_error(exc.message)}"
    client.views_update(
        view_id=shown.get("id"),
        hash=shown.get("hash"),
        view=views.feeds_modal(rotation, feeds, notice=notice),
    )
    for channel, message in given:
        post(client, channel, message)


def add_feed(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Add: the URL checked and stored; the modal shows the list with it, or the error."""
    services = services_of(context)
    team = (body.get("team") or {}).get("id") or body["user"].get("team_id", "")
    user = str(body["user"]["id"])
    rotation = str(body["view"].get("private_metadata") or "")
    url = views.read_url(body["view"].get("state", {}).get("values", {}))
    if not url:
        ack(response_action="errors", errors={views.URL_BLOCK: views.NO_URL})
        return
    with services.session() as session:
        try:
            info = add_time_off_feed(
                session, team_id=str(team), rotation=rotation, actor=user,
                now=services.clock(), url=url, allow_private=services.allow_private_urls,
                secret=services.secret_key,
            )  # fmt: skip
            feeds = list_time_off_feeds(session, team_id=str(team), rotation=rotation, actor=user)
        except uc.UseCaseError as exc:
            ack(response_action="errors", errors={views.URL_BLOCK: modal_error(exc.message)})
            return
    ack(
        response_action="update",
        view=views.feeds_modal(rotation, feeds, notice=views.added_notice(info)),
    )


def open_mine(
    body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond
) -> None:
    """App Home's button: the person's own settings, as `/queueday config me` opens them."""
    services = services_of(context)
    team, user, _ = _who(body)
    with services.session() as session:
        feeds = my_calendars(session, team_id=team, user=user)
    client.views_open(trigger_id=body["trigger_id"], view=views.mine_modal(feeds))


def remove_mine(
    body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond
) -> None:
    """Remove on one's own calendar: its time off to come cancelled, the modal redrawn."""
    services = services_of(context)
    team, user, value = _who(body)
    shown = body.get("view") or {}
    with services.session() as session:
        try:
            if not value.isdigit() or len(value) > 9:
                raise uc.InvalidInput("That button does not name a calendar; open it again.")
            info, cancelled = remove_my_calendar(
                session, team_id=team, actor=user, now=services.clock(), feed_id=int(value)
            )
            notice = views.removed_notice(info, cancelled)
        except uc.UseCaseError as exc:
            notice = f":no_entry_sign: {modal_error(exc.message)}"
        feeds = my_calendars(session, team_id=team, user=user)
    client.views_update(
        view_id=shown.get("id"), hash=shown.get("hash"), view=views.mine_modal(feeds, notice=notice)
    )


def add_mine(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Add on one's own settings: the URL checked and stored, or the error under it."""
    services = services_of(context)
    team = str((body.get("team") or {}).get("id") or body["user"].get("team_id", ""))
    user = str(body["user"]["id"])
    url = views.read_url(body["view"].get("state", {}).get("values", {}))
    if not url:
        ack(response_action="errors", errors={views.URL_BLOCK: views.NO_URL})
        return
    with services.session() as session:
        try:
            info = add_my_calendar(
                session, team_id=team, actor=user, now=services.clock(), url=url,
                allow_private=services.allow_private_urls, secret=services.secret_key,
            )  # fmt: skip
        except uc.UseCaseError as exc:
            ack(response_action="errors", errors={views.URL_BLOCK: modal_error(exc.message)})
            return
        feeds = my_calendars(session, team_id=team, user=user)
    ack(response_action="update", view=views.mine_modal(feeds, notice=views.added_notice(info)))
