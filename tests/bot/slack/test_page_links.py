"""`/queueday schedule`, `/queueday stats` and App Home link to the rotation page, end to
end: the real `queueday serve`, signed requests, the fake Slack Web API; the links they
give open the page (and the chart) on the same server."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from tests.bot.fake_slack import FakeSlack
from tests.bot.flows import Person, Rotation, homes_of, seed, text_of
from tests.bot.server import RunningServer
from tests.bot.slack_requests import SlackSender

BASE = "http://queueday.test"  # QUEUEDAY_BASE_URL of the test server
PAGE = re.compile(r"http://queueday\.test(/rotations/[A-Za-z0-9_-]{43})")


@pytest.fixture
def team(db: Engine) -> Rotation:
    return seed(db)


@pytest.fixture
def as_(slack: SlackSender, fake: FakeSlack, team: Rotation) -> Callable[..., Person]:
    def person(user: str, channel: str | None = None) -> Person:
        return Person(slack, fake, user, channel or team.channel)

    return person


def fetch(server: RunningServer, path: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(server.url + path, timeout=10) as response:
            return response.status, response.headers["content-type"], response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["content-type"], exc.read()


def blocks_of(message: dict[str, Any]) -> list[dict[str, Any]]:
    blocks = message.get("blocks") or []
    return json.loads(blocks) if isinstance(blocks, str) else list(blocks)


def test_schedule_links_the_page_which_shows_the_rotation(
    team: Rotation, as_: Callable[..., Person], server: RunningServer
) -> None:
    reply = as_(team.people[0]).command("schedule")
    found = PAGE.search(text_of(reply))
    assert found, text_of(reply)
    status, kind, body = fetch(server, found.group(1))
    assert (status, kind) == (200, "text/html; charset=utf-8")
    assert f"<h1>{team.name}</h1>" in body.decode()
    # The same link next time, and from the next quarter's schedule too.
    again = as_(team.people[1]).command(f"schedule next quarter {team.name}")
    assert PAGE.search(text_of(again)).group(1) == found.group(1)  # type: ignore[union-attr]


def test_stats_shows_the_chart_as_an_image_with_the_text_below(
    team: Rotation, as_: Callable[..., Person], server: RunningServer
) -> None:
    reply = as_(team.admin).command("stats")
    images = [b for b in blocks_of(reply) if b["type"] == "image"]
    assert len(images) == 1
    image = images[0]
    assert image["alt_text"].startswith(f"Fairness chart of {team.name}")
    path = image["image_url"].removeprefix(BASE)
    assert re.fullmatch(r"/rotations/[A-Za-z0-9_-]{43}/fairness\.png", path)
    status, kind, body = fetch(server, path)
    assert (status, kind) == (200, "image/png") and body.startswith(b"\x89PNG")
    shown = text_of(reply)  # the text table stays, as the fallback
    assert "Furthest from fair" in shown and all(f"<@{u}>" in shown for u in team.everyone)


def test_app_home_links_each_rotation_page(
    team: Rotation, slack: SlackSender, fake: FakeSlack, server: RunningServer
) -> None:
    someone = team.people[2]
    event = {"type": "app_home_opened", "user": someone, "channel": "D0HOME", "tab": "home"}
    assert slack.event(event, event_id=f"Ev{uuid.uuid4().hex[:10]}").status == 200
    (view,) = homes_of(fake, someone)
    found = PAGE.search(json.dumps(view))
    assert found
    assert fetch(server, found.group(1))[0] == 200
