"""Slack status as away: at the rotation's morning the worker reads the day's people's
status (users.profile.get on the fake Slack) and books a match as away, on SQLite and
PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

import bot.usecases as uc
from bot.services import make_client
from bot.worker.sender import Pacer, Sender, WorkerConfig
from bot.worker.status import check_statuses
from storage.models import AuditEntry, TimeOff
from tests.bot.fake_slack import FakeSlack
from tests.storage.databases import database, engine
from tests.usecases.conftest import ADMIN, NOW, TEAM, build_team

__all__ = ["database", "engine"]

CHANNEL = "C0STATUS"
DAY = NOW.date()  # Monday 4 January 2027; NOW is 09:00 in Berlin, the morning time


@pytest.fixture(scope="module")
def fake_api() -> Iterator[FakeSlack]:
    with FakeSlack(team_id=TEAM) as fake:
        yield fake


@pytest.fixture
def fake(fake_api: FakeSlack) -> FakeSlack:
    fake_api.reset()
    return fake_api


def seeded(engine: Engine, emoji: str | None = ":palm_tree: :face_with_thermometer:") -> str:
    """The team with the status check on (or off, with None); who is on today."""
    with Session(engine, expire_on_commit=False) as session:
        build_team(session)
        uc.configure_rotation(
            session, team_id=TEAM, rotation="support", actor=ADMIN, now=NOW - timedelta(hours=1),
            channel=CHANNEL, status_away_emoji=emoji,
        )  # fmt: skip
        [(user, _)] = uc.who_is_on(session, team_id=TEAM, rotation="support", day=DAY).people
    return user


def on_today(engine: Engine) -> list[str]:
    with Session(engine) as session:
        found = uc.who_is_on(session, team_id=TEAM, rotation="support", day=DAY)
    return [user for user, _ in found.people]


def time_off(engine: Engine) -> list[tuple[str, str]]:
    with Session(engine) as session:
        return [(b.note, b.created_by) for b in session.exec(select(TimeOff))]


def test_a_matching_status_books_the_day_as_away_and_hands_it_on(
    engine: Engine, fake: FakeSlack
) -> None:
    ben = seeded(engine)
    fake.statuses[ben] = {"status_text": "Out sick", "status_emoji": ":face_with_thermometer:",
                          "status_expiration": 0}  # fmt: skip
    client = make_client(fake.api_url, fake.bot_token)

    [away] = check_statuses(engine, client, team_id=TEAM, now=NOW)
    assert (away.user, away.day, away.emoji) == (ben, DAY, "face_with_thermometer")
    assert [c.params["user"] for c in fake.calls("users.profile.get")] == [ben]
    [taker] = on_today(engine)
    assert taker != ben and [e.member for e in away.result.replacements] == [taker]
    assert time_off(engine) == [("Slack status :face_with_thermometer:", "system")]
    [post] = [c for c in fake.calls("chat.postMessage") if c.params["channel"] == CHANNEL]
    said = str(post.params["blocks"])
    assert f"<@{ben}>'s Slack status is :face_with_thermometer:" in said
    assert f"<@{taker}> takes the day" in said and "A status is a guess" in said
    dm = [c for c in fake.calls("chat.postMessage") if c.params["channel"] == taker]
    assert len(dm) == 1 and "new queue days" in str(dm[0].params["blocks"])
    with Session(engine) as session:
        actions = list(session.exec(select(AuditEntry.action).order_by(col(AuditEntry.id))))
    assert "time_off.book" in actions

    fake.reset()  # later passes the same day ask nothing
    assert check_statuses(engine, client, team_id=TEAM, now=NOW + timedelta(hours=2)) == []
    assert fake.calls("users.profile.get") == []


def test_a_status_that_is_not_named_changes_nothing(engine: Engine, fake: FakeSlack) -> None:
    ben = seeded(engine)
    fake.statuses[ben] = {"status_text": "In a meeting", "status_emoji": ":spiral_calendar_pad:",
                          "status_expiration": 0}  # fmt: skip
    client = make_client(fake.api_url, fake.bot_token)
    assert check_statuses(engine, client, team_id=TEAM, now=NOW) == []
    assert [c.params["user"] for c in fake.calls("users.profile.get")] == [ben]
    assert on_today(engine) == [ben] and time_off(engine) == []
    assert fake.calls("chat.postMessage") == []


def test_an_expired_status_changes_nothing(engine: Engine, fake: FakeSlack) -> None:
    ben = seeded(engine)
    ran_out = int((NOW - timedelta(hours=1)).timestamp())  # last night's, not yet cleared
    fake.statuses[ben] = {"status_text": "Vacationing", "status_emoji": ":palm_tree:",
                          "status_expiration": ran_out}  # fmt: skip
    client = make_client(fake.api_url, fake.bot_token)
    assert check_statuses(engine, client, team_id=TEAM, now=NOW) == []
    assert on_today(engine) == [ben] and time_off(engine) == []


def test_a_status_that_expires_later_today_counts(engine: Engine, fake: FakeSlack) -> None:
    ben = seeded(engine)
    later = int((NOW + timedelta(hours=8)).timestamp())
    fake.statuses[ben] = {"status_emoji": ":palm_tree:", "status_expiration": later}
    client = make_client(fake.api_url, fake.bot_token)
    [away] = check_statuses(engine, client, team_id=TEAM, now=NOW)
    assert away.user == ben and ben not in on_today(engine)


def test_with_the_setting_off_nobody_is_asked(engine: Engine, fake: FakeSlack) -> None:
    ben = seeded(engine, emoji=None)
    fake.statuses[ben] = {"status_emoji": ":palm_tree:", "status_expiration": 0}
    client = make_client(fake.api_url, fake.bot_token)
    assert check_statuses(engine, client, team_id=TEAM, now=NOW) == []
    assert fake.calls("users.profile.get") == []
    assert on_today(engine) == [ben]


def test_before_the_morning_nobody_is_asked_and_slack_refusals_are_no_match(
    engine: Engine, fake: FakeSlack
) -> None:
    ben = seeded(engine)
    fake.statuses[ben] = {"status_emoji": ":palm_tree:", "status_expiration": 0}
    client = make_client(fake.api_url, fake.bot_token)
    assert check_statuses(engine, client, team_id=TEAM, now=NOW - timedelta(minutes=1)) == []
    assert fake.calls("users.profile.get") == []
    fake.fail("users.profile.get", "missing_scope")
    assert check_statuses(engine, client, team_id=TEAM, now=NOW) == []
    assert on_today(engine) == [ben] and time_off(engine) == []


def test_the_worker_pass_checks_before_the_morning_post_names_the_day(
    engine: Engine, fake: FakeSlack
) -> None:
    ben = seeded(engine)
    fake.statuses[ben] = {"status_emoji": ":palm_tree:", "status_expiration": 0}
    sender = Sender(
        engine, make_client(fake.api_url, fake.bot_token), team_id=TEAM,
        config=WorkerConfig(channel_interval=0), wall=lambda: NOW, pacer=Pacer(0),
    )  # fmt: skip
    sender.run_once(NOW)
    [taker] = on_today(engine)
    posts = [str(c.params.get("text")) for c in fake.calls("chat.postMessage")
             if c.params["channel"] == CHANNEL]  # fmt: skip
    assert any("away today by their Slack status" in p for p in posts), posts
    morning = [p for p in posts if p.startswith("Good morning")]
    assert len(morning) == 1 and f"<@{taker}>" in morning[0] and f"<@{ben}>" not in morning[0]
