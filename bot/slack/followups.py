"""What a change calls for after the reply: messages to people, App Homes refreshed.

Shared by the command, button and modal listeners, so every change that affects a
person refreshes their Home the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

import bot.usecases as uc
from bot.services import Services
from bot.slack.dispatch import Outcome
from bot.slack.handlers.feeds import links_of
from bot.slack.handlers.pages import page_url_of
from bot.slack.views.home import home_view
from bot.slack.views.limits import Message
from bot.slack.views.mine import Feed

log = logging.getLogger(__name__)


def deliver(
    outcome: Outcome,
    *,
    client: WebClient,
    services: Services,
    team_id: str,
    respond: Respond | None = None,
    trigger_id: str | None = None,
) -> None:
    """Reply, open the modal, post the messages, refresh the Homes, in that order."""
    if outcome.reply is not None and respond is not None and respond.response_url:
        respond(**outcome.reply)
    if outcome.modal is not None and trigger_id:
        client.views_open(trigger_id=trigger_id, view=outcome.modal)
    for channel, message in outcome.posts:
        post(client, channel, message)
    refresh_homes(client, services, team_id, outcome.refresh)


def post(client: WebClient, channel: str, message: Message) -> None:
    """Post a message to a channel, or to a person's DM with QueueDay (a user id)."""
    client.chat_postMessage(
        channel=channel,
        text=message["text"],
        blocks=message.get("blocks"),
        unfurl_links=False,
    )


def refresh_homes(
    client: WebClient, services: Services, team_id: str, users: Iterable[str]
) -> None:
    """Publish the App Home of each person (each once); one failing does not stop the rest."""
    for user in dict.fromkeys(users):
        try:
            publish_home(client, services, team_id, user)
        except SlackApiError as exc:
            log.warning("views.publish for %s failed: %s", user, exc.response.get("error"))


def publish_home(client: WebClient, services: Services, team_id: str, user: str) -> None:
    """Build and publish one person's App Home from the database."""
    overview = None
    feeds: tuple[Feed, ...] = ()
    pages: dict[str, str] = {}
    if services.engine is not None:
        with services.session() as session:
            try:
                overview = uc.home_overview(
                    session, team_id=team_id, user=user, now=services.clock()
                )
            except uc.NotFound:
                overview = None  # a workspace with no rotation yet: the start-here guide
            if overview is not None and overview.me.rotations:
                feeds = links_of(session, services, team_id=team_id, user=user)
                for fortnight in overview.fortnights:
                    url = page_url_of(
                        session, services, team_id=team_id, rotation=fortnight.rotation
                    )
                    if url is not None:
                        pages[fortnight.rotation] = url
    view = home_view(user, overview=overview, feeds=feeds, pages=pages)
    client.views_publish(user_id=user, view=view)
