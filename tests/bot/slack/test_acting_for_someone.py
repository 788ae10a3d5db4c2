"""An admin books time off for someone through the real app: `/queueday away @ben ...`.

The person's days are re-planned as if they had typed it, the audit log keeps who acted
for whom, and the person gets a DM saying what was done and by whom."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from storage.db import make_engine
from storage.models import AuditEntry
from tests.bot.fake_slack import FakeSlack
from tests.bot.flows import Person, Rotation, dms_to, seed, text_of
from tests.bot.server import RunningServer
from tests.bot.slack_requests import SlackSender


@pytest.fixture(scope="module")
def db(server: RunningServer) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{server.log_path.parent / 'queueday.db'}")
    yield engine
    engine.dispose()


@pytest.fixture
def team(db: Engine) -> Rotation:
    return seed(db)


@pytest.fixture
def as_(slack: SlackSender, fake: FakeSlack, team: Rotation) -> Callable[..., Person]:
    def person(user: str) -> Person:
        return Person(slack, fake, user, team.channel)

    return person


def test_an_admin_books_time_off_for_someone_who_is_told(
    team: Rotation, as_: Callable[..., Person], fake: FakeSlack, db: Engine
) -> None:
    ben = team.people[1]
    day = team.days(ben)[0]
    span = f"{day.isoformat()}..{(day + timedelta(days=1)).isoformat()}"
    reply = as_(team.admin).command(f"away <@{ben}> {span} flu")
    shown = text_of(reply)
    assert f"Booked time off for <@{ben}>" in shown and "flu" in shown, shown
    assert day not in team.days(ben)
    taker = next(u for u in team.on(day))
    assert taker != ben
    [told] = dms_to(fake, ben)
    said = text_of(told.params)
    assert f"<@{team.admin}> booked time off for you" in said and "away cancel" in said
    assert "new queue days" in text_of(dms_to(fake, taker)[0].params)
    with Session(db) as session:
        entry = session.exec(
            select(AuditEntry)
            .where(AuditEntry.action == "time_off.book", AuditEntry.actor == team.admin)
            .order_by(col(AuditEntry.id).desc())
        ).first()
    assert entry is not None and entry.after is not None and entry.after["user"] == ben


def test_only_an_admin_may_book_for_someone_else(
    team: Rotation, as_: Callable[..., Person], fake: FakeSlack
) -> None:
    ben, cleo = team.people[1], team.people[2]
    day = team.days(ben)[0]
    refused = as_(cleo).command(f"away <@{ben}> {day.isoformat()}")
    assert "Only an admin" in text_of(refused), text_of(refused)
    assert day in team.days(ben)
    assert [
        c for c in fake.calls("chat.postMessage", about=ben) if c.params["channel"] == ben
    ] == []
    nothing = as_(team.admin).command(f"away <@{ben}>")
    assert "say which days" in text_of(nothing)
