"""An admin acts for someone through the real app: `/queueday away @ben ...`, `cover ...
for @ben [@cleo]`, `swap ... of @ben with @cleo`.

The person's days move as if they had typed it (or, with the taker named, at once), the
audit log keeps who acted for whom, and the person gets a DM saying what was done and by
whom."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from storage.models import AuditEntry
from tests.bot.fake_slack import FakeSlack
from tests.bot.flows import Person, Rotation, dms_to, seed, text_of, wait_calls
from tests.bot.slack_requests import SlackSender


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


def last_audit(db: Engine, action: str, actor: str) -> AuditEntry:
    with Session(db) as session:
        entry = session.exec(
            select(AuditEntry)
            .where(AuditEntry.action == action, AuditEntry.actor == actor)
            .order_by(col(AuditEntry.id).desc())
        ).first()
    assert entry is not None, action
    return entry


def test_an_admin_hands_someones_day_to_a_teammate_and_both_are_told(
    team: Rotation, as_: Callable[..., Person], fake: FakeSlack, db: Engine
) -> None:
    ben, cleo = team.people[1], team.people[2]
    day = team.days(ben)[0]
    reply = as_(team.admin).command(f"cover {day.isoformat()} for <@{ben}> <@{cleo}>")
    shown = text_of(reply)
    assert f"<@{cleo}> now covers <@{ben}>'s" in shown, shown
    assert day not in team.days(ben) and cleo in team.on(day)
    said = text_of(dms_to(fake, ben)[0].params)
    assert f"<@{team.admin}> handed your" in said and f"to <@{cleo}>" in said, said
    got = text_of(dms_to(fake, cleo)[0].params)
    assert f"<@{team.admin}> asked you to cover <@{ben}>'s" in got, got
    entry = last_audit(db, "cover.assign", team.admin)
    assert entry.after is not None and (entry.after["user"], entry.after["for"]) == (cleo, ben)


def test_an_admin_swaps_someones_next_day_and_both_are_told(
    team: Rotation, as_: Callable[..., Person], fake: FakeSlack, db: Engine
) -> None:
    ben, cleo = team.people[1], team.people[2]
    bens, cleos = team.days(ben), team.days(cleo)
    reply = as_(team.admin).command(f"swap next day of <@{ben}> with <@{cleo}>")
    shown = text_of(reply)
    assert f"<@{cleo}> now has <@{ben}>'s" in shown, shown
    entry = last_audit(db, "swap.assign", team.admin)
    assert entry.after is not None and entry.after["for"] == ben
    theirs = date.fromisoformat(entry.after["counterpart_day"])
    assert theirs in cleos and bens[0] in team.days(cleo) and theirs in team.days(ben)
    assert bens[0] not in team.days(ben)
    assert f"<@{team.admin}> swapped your" in text_of(dms_to(fake, ben)[0].params)
    assert f"<@{team.admin}> swapped your" in text_of(dms_to(fake, cleo)[0].params)


def test_an_admin_offers_someones_day_to_everyone_and_the_taker_gets_it(
    team: Rotation, as_: Callable[..., Person], fake: FakeSlack, db: Engine
) -> None:
    ben, dave = team.people[1], team.people[0]
    day = team.days(ben)[0]
    reply = as_(team.admin).command(f"cover {day.isoformat()} for <@{ben}>")
    assert f"to cover <@{ben}>'s" in text_of(reply), text_of(reply)
    [offer] = wait_calls(fake, "chat.postMessage", about=team.channel)
    assert f"<@{ben}> needs someone to take their" in text_of(offer.params)
    told = text_of(dms_to(fake, ben)[0].params)
    assert f"<@{team.admin}> asked everyone" in told and "still yours" in told, told
    assert day in team.days(ben)  # offered, not moved yet
    entry = last_audit(db, "cover.request", team.admin)
    assert entry.after is not None and entry.after["for"] == ben
    as_(dave).click(offer.params, "Take it")
    assert day in team.days(dave) and day not in team.days(ben)
    decided = dms_to(fake, ben, count=2)[1]
    assert f"<@{dave}> covers <@{ben}>'s" in text_of(decided.params)


def test_only_an_admin_may_cover_or_swap_for_someone(
    team: Rotation, as_: Callable[..., Person], fake: FakeSlack
) -> None:
    ben, cleo = team.people[1], team.people[2]
    day = team.days(ben)[0]
    for line in (
        f"cover {day.isoformat()} for <@{ben}> <@{cleo}>",
        f"cover {day.isoformat()} for <@{ben}>",
        f"swap {day.isoformat()} of <@{ben}> with <@{cleo}>",
    ):
        refused = text_of(as_(cleo).command(line))
        assert "Only an admin of" in refused, refused
    assert day in team.days(ben)
    assert [
        c for c in fake.calls("chat.postMessage", about=ben) if c.params["channel"] == ben
    ] == []
    unclear = text_of(as_(team.admin).command(f"swap {day.isoformat()} of <@{ben}>"))
    assert f"say who <@{ben}> swaps with" in unclear, unclear
