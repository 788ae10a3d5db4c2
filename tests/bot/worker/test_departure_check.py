"""The worker's daily check asks Slack about the coming week's people (users.info) and
ends the memberships of anyone deactivated, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.services import make_client
from bot.worker.departures import check_departures
from tests.bot.fake_slack import FakeSlack
from tests.storage.databases import database, engine
from tests.usecases.conftest import ADMIN, NOW, PEOPLE, TEAM, Team, build_team

__all__ = ["database", "engine"]


@pytest.fixture(scope="module")
def fake_api() -> Iterator[FakeSlack]:
    with FakeSlack(team_id=TEAM) as fake:
        yield fake


@pytest.fixture
def fake(fake_api: FakeSlack) -> Iterator[FakeSlack]:
    fake_api.reset()
    yield fake_api
    fake_api.users.clear()


def test_a_deactivated_person_with_a_day_this_week_leaves_and_admins_hear_once(
    engine: Engine, fake: FakeSlack
) -> None:
    with Session(engine, expire_on_commit=False) as session:
        team = build_team(session)
        week = (NOW.date(), NOW.date() + timedelta(days=7))
        soon = {u for u in PEOPLE if any(week[0] <= d <= week[1] for d in team.days(u))}
        gone = sorted(soon)[0]
        kept = {u: team.days(u) for u in soon if u != gone}
    fake.users[gone] = {"id": gone, "team_id": TEAM, "name": gone.lower(), "deleted": True,
                        "profile": {"real_name": "Gone"}}  # fmt: skip
    client = make_client(fake.api_url, fake.bot_token)

    assert check_departures(engine, client, team_id=TEAM, now=NOW) == [gone]
    asked = {str(c.params["user"]) for c in fake.calls("users.info")}
    assert asked >= soon and gone in asked
    with Session(engine, expire_on_commit=False) as session:
        team = Team(session)
        # The day of the deactivation stays theirs (bot.usecases.members.deactivate_member).
        assert [d for d in team.days(gone) if d > NOW.date()] == []
        for user in kept:  # the others keep every day, plus any they were given
            assert set(kept[user]) <= set(team.days(user))
    told = [
        c
        for c in fake.calls("chat.postMessage", about=ADMIN)
        if c.params["channel"] == ADMIN and "deactivated" in str(c.params["blocks"])
    ]
    assert len(told) == 1 and str(told[0].params["text"]) == f"{gone} left support"

    fake.reset()
    assert check_departures(engine, client, team_id=TEAM, now=NOW) == []  # no longer on soon
    assert fake.calls("chat.postMessage", about=ADMIN) == []
