"""Admins acting for someone in covers and swaps (bot.usecases.acting), on each backend."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import col, select

import bot.usecases as uc
from bot.usecases.acting import cover_for, swap_for
from storage.models import Assignment, AuditEntry, SwapRequest
from tests.usecases.conftest import ADMIN, NOW, TEAM, Team


def ahead(team: Team, user: str) -> list[date]:
    return [d for d in team.days(user) if d > NOW.date()]


def last_audit(team: Team) -> AuditEntry:
    entry = team.session.exec(select(AuditEntry).order_by(col(AuditEntry.id).desc())).first()
    assert entry is not None
    return entry


def test_an_admin_hands_someones_day_to_another_at_once(team: Team) -> None:
    day = ahead(team, "U01")[0]
    before = team.live()
    done = cover_for(
        team.session, team_id=TEAM, rotation="support", actor=ADMIN, now=NOW,
        user="U01", day=day, taker="U02",
    )  # fmt: skip
    assert (done.kind, done.person, done.day, done.taker, done.taker_day) == (
        "cover", "U01", day, "U02", None,
    )  # fmt: skip
    assert before - team.live() == {(day, "U01")}
    assert team.live() - before == {(day, "U02")}
    row = team.session.exec(select(Assignment).where(Assignment.origin == "cover")).one()
    assert row.day == day and row.state == "published"
    entry = last_audit(team)
    assert (entry.action, entry.actor) == ("cover.assign", ADMIN)
    assert entry.before == {"day": day.isoformat(), "user": "U01"}
    assert entry.after is not None and (entry.after["user"], entry.after["for"]) == ("U02", "U01")


def test_an_admin_swaps_for_someone_with_the_nearest_day_when_none_is_named(team: Team) -> None:
    mine = ahead(team, "U01")[1]
    before = team.live()
    done = swap_for(
        team.session, team_id=TEAM, rotation="support", actor=ADMIN, now=NOW,
        user="U01", day=mine, counterpart="U03",
    )  # fmt: skip
    theirs = done.taker_day
    assert theirs is not None and theirs in {d for d, u in before if u == "U03"}
    assert before - team.live() == {(mine, "U01"), (theirs, "U03")}
    assert team.live() - before == {(mine, "U03"), (theirs, "U01")}
    entry = last_audit(team)
    assert (entry.action, entry.actor) == ("swap.assign", ADMIN)
    assert entry.after is not None and entry.after["for"] == "U01"
    assert entry.after["counterpart_day"] == theirs.isoformat()


def test_next_day_forms_take_the_persons_own_next_day(team: Team) -> None:
    first = ahead(team, "U04")[0]
    done = cover_for(
        team.session, team_id=TEAM, rotation="support", actor=ADMIN, now=NOW,
        user="U04", day=None, taker="U05",
    )  # fmt: skip
    assert done.day == first and first not in team.days("U04")


def test_an_admin_offers_someones_day_in_their_name(team: Team) -> None:
    day = ahead(team, "U01")[0]
    info = uc.request_cover(
        team.session, team_id=TEAM, rotation="support", actor=ADMIN, now=NOW,
        day=day, for_user="U01",
    )  # fmt: skip
    assert (info.requester, info.counterpart, info.state) == ("U01", None, "open")
    entry = last_audit(team)
    assert (entry.action, entry.actor) == ("cover.request", ADMIN)
    assert entry.after is not None and entry.after["for"] == "U01"
    taken = uc.accept_request(team.session, team_id=TEAM, actor="U02", now=NOW, request_id=info.id)
    assert taken.state == "accepted" and day in team.days("U02")


def test_a_handover_closes_the_open_request_for_that_day(team: Team) -> None:
    day = ahead(team, "U01")[0]
    info = uc.request_cover(
        team.session, team_id=TEAM, rotation="support", actor="U01", now=NOW, day=day
    )
    cover_for(
        team.session, team_id=TEAM, rotation="support", actor=ADMIN, now=NOW,
        user="U01", day=day, taker="U02",
    )  # fmt: skip
    request = team.session.get(SwapRequest, info.id)
    assert request is not None and request.state == "cancelled"


@pytest.mark.parametrize(
    ("actor", "user", "taker", "error", "says"),
    [
        ("U02", "U01", "U03", uc.NotAllowed, "Only an admin of support"),
        (ADMIN, "U01", "U01", uc.InvalidInput, "with themselves"),
        (ADMIN, "U01", "U0NOBODY", uc.NotFound, "is not a member"),
    ],
)
def test_refusals_change_nothing(
    team: Team, actor: str, user: str, taker: str, error: type[Exception], says: str
) -> None:
    day = ahead(team, user)[0]
    before = team.counts()
    for act in (cover_for, swap_for):
        kwargs = {"taker": taker} if act is cover_for else {"counterpart": taker}
        with pytest.raises(error, match=says):
            act(
                team.session, team_id=TEAM, rotation="support", actor=actor, now=NOW,
                user=user, day=day, **kwargs,
            )  # fmt: skip
    assert team.counts() == before


def test_someone_elses_day_and_a_taker_who_is_away_are_refused(team: Team) -> None:
    not_hers = ahead(team, "U02")[0]
    with pytest.raises(uc.NotFound, match="is not on the queue"):
        cover_for(
            team.session, team_id=TEAM, rotation="support", actor=ADMIN, now=NOW,
            user="U01", day=not_hers, taker="U03",
        )  # fmt: skip
    day = ahead(team, "U01")[0]
    uc.book_time_off(
        team.session, team_id=TEAM, rotation="support", actor="U03", now=NOW,
        user="U03", first_day=day, last_day=day,
    )  # fmt: skip
    before = team.counts()
    with pytest.raises(uc.Conflict, match="is away"):
        cover_for(
            team.session, team_id=TEAM, rotation="support", actor=ADMIN, now=NOW,
            user="U01", day=day, taker="U03",
        )  # fmt: skip
    assert team.counts() == before


def test_only_an_admin_may_ask_in_someone_elses_name(team: Team) -> None:
    day = ahead(team, "U01")[0]
    before = team.counts()
    with pytest.raises(uc.NotAllowed, match="Only an admin of support"):
        uc.request_cover(
            team.session, team_id=TEAM, rotation="support", actor="U02", now=NOW,
            day=day, for_user="U01",
        )  # fmt: skip
    assert team.counts() == before
