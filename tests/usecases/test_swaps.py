"""Swap and cover requests: the happy paths and every refusal."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

import bot.usecases as uc
from storage.models import Assignment, Member, SwapRequest
from tests.usecases.conftest import ADMIN, NOW, TEAM, Team


def future_days(team: Team, user: str) -> list[date]:
    return [d for d in team.days(user) if d > NOW.date()]


def swap(team: Team, a: str = "U01", b: str = "U02", n: int = 1) -> uc.swaps.RequestInfo:  # type: ignore[name-defined]
    return uc.request_swap(
        team.session,
        team_id=TEAM,
        rotation="support",
        actor=a,
        now=NOW,
        day=future_days(team, a)[n],
        counterpart=b,
        counterpart_day=future_days(team, b)[n],
    )


def test_a_swap_trades_the_two_days(team: Team) -> None:
    mine, theirs = future_days(team, "U01")[1], future_days(team, "U02")[1]
    request = swap(team)
    assert (request.state, request.kind, request.day, request.counterpart_day) == (
        "open",
        "swap",
        mine,
        theirs,
    )
    before = team.live()
    accepted = uc.accept_request(
        team.session, team_id=TEAM, actor="U02", now=NOW, request_id=request.id
    )
    assert accepted.state == "accepted"
    after = team.live()
    assert before - after == {(mine, "U01"), (theirs, "U02")}
    assert after - before == {(mine, "U02"), (theirs, "U01")}
    rows = team.session.exec(select(Assignment).where(Assignment.origin == "swap")).all()
    assert len(rows) == 2 and all(r.state == "published" for r in rows)
    assert team.audit()[-2:] == ["swap.request", "swap.accept"]


def test_an_open_cover_is_taken_by_whoever_accepts_and_moves_a_day_of_balance(team: Team) -> None:
    day = future_days(team, "U01")[0]
    before = {
        m.user: m.projected
        for m in uc.fairness_report(team.session, team_id=TEAM, rotation="support", now=NOW).members
    }
    request = uc.request_cover(
        team.session, team_id=TEAM, rotation="support", actor="U01", now=NOW, day=day
    )
    assert request.counterpart is None
    taker = next(u for u in ("U03", "U04", "U05") if day not in team.days(u))
    result = uc.accept_request(
        team.session, team_id=TEAM, actor=taker, now=NOW, request_id=request.id
    )
    assert result.counterpart == taker
    assert (day, taker) in team.live() and (day, "U01") not in team.live()
    after = {
        m.user: m.projected
        for m in uc.fairness_report(team.session, team_id=TEAM, rotation="support", now=NOW).members
    }
    assert after["U01"] == before["U01"] - 1 and after[taker] == before[taker] + 1


def test_a_cover_asked_of_one_person(team: Team) -> None:
    day = future_days(team, "U01")[0]
    request = uc.request_cover(
        team.session,
        team_id=TEAM,
        rotation="support",
        actor="U01",
        now=NOW,
        day=day,
        counterpart="U03",
    )
    with pytest.raises(uc.NotAllowed, match="Only <@U03>"):
        uc.accept_request(team.session, team_id=TEAM, actor="U04", now=NOW, request_id=request.id)
    uc.accept_request(team.session, team_id=TEAM, actor="U03", now=NOW, request_id=request.id)
    row = team.session.exec(
        select(Assignment).join(Member).where(Member.user_id == "U03", Assignment.day == day)
    ).one()
    assert row.origin == "cover"


def test_request_refusals_write_nothing(team: Team) -> None:
    before = team.counts()
    mine, theirs = future_days(team, "U01")[1], future_days(team, "U02")[1]
    past = [d for d in team.days("U01") if d <= NOW.date() + timedelta(days=1)]
    cases = [
        (uc.PastDate, {"day": date(2027, 1, 1)}),
        (uc.NotFound, {"day": theirs}),  # not the requester's day
        (uc.NotFound, {"counterpart": "U99"}),  # unknown member
        (uc.InvalidInput, {"counterpart": "U01"}),
        (uc.NotFound, {"actor": "U77"}),
    ]
    for error, override in cases:
        args: dict[str, object] = {
            "actor": "U01",
            "day": mine,
            "counterpart": "U02",
            "counterpart_day": theirs,
            **override,
        }
        with pytest.raises(error):
            uc.request_swap(team.session, team_id=TEAM, rotation="support", now=NOW, **args)  # type: ignore[arg-type]
    assert past is not None
    assert team.counts() == before


def test_a_second_open_request_for_a_day_is_a_conflict(team: Team) -> None:
    request = swap(team)
    before = team.counts()
    with pytest.raises(uc.Conflict, match="already an open"):
        uc.request_cover(
            team.session, team_id=TEAM, rotation="support", actor="U01", now=NOW, day=request.day
        )
    with pytest.raises(uc.Conflict, match="already an open"):
        uc.request_cover(
            team.session,
            team_id=TEAM,
            rotation="support",
            actor="U02",
            now=NOW,
            day=request.counterpart_day,
        )  # type: ignore[arg-type]
    assert team.counts() == before


def test_a_swap_with_someone_away_is_refused(team: Team) -> None:
    mine = future_days(team, "U01")[1]
    uc.book_time_off(
        team.session,
        team_id=TEAM,
        rotation="support",
        actor="U02",
        now=NOW,
        user="U02",
        first_day=mine,
        last_day=mine,
    )
    with pytest.raises(uc.Conflict, match="away"):
        uc.request_swap(
            team.session,
            team_id=TEAM,
            rotation="support",
            actor="U01",
            now=NOW,
            day=mine,
            counterpart="U02",
            counterpart_day=future_days(team, "U02")[1],
        )


def test_accept_revalidates_a_day_that_changed(team: Team) -> None:
    request = swap(team)
    # The requester's day is marked done meanwhile (its revision moves on).
    later = NOW.replace(day=NOW.day) + timedelta(days=(request.day - NOW.date()).days)
    uc.mark_days_done(team.session, team_id=TEAM, rotation="support", actor=ADMIN, now=later)
    rows = team.rows()
    with pytest.raises(uc.Conflict, match="changed since"):
        uc.accept_request(team.session, team_id=TEAM, actor="U02", now=later, request_id=request.id)
    assert team.rows() == rows
    state = team.session.exec(select(SwapRequest.state)).one()
    assert state == "open"


def test_accept_twice_and_decline_after_accept_are_conflicts(team: Team) -> None:
    request = swap(team)
    uc.accept_request(team.session, team_id=TEAM, actor="U02", now=NOW, request_id=request.id)
    rows = team.rows()
    with pytest.raises(uc.Conflict, match="already accepted"):
        uc.accept_request(team.session, team_id=TEAM, actor="U02", now=NOW, request_id=request.id)
    with pytest.raises(uc.Conflict, match="already accepted"):
        uc.decline_request(team.session, team_id=TEAM, actor="U02", now=NOW, request_id=request.id)
    assert team.rows() == rows


def test_decline_and_cancel(team: Team) -> None:
    request = swap(team)
    with pytest.raises(uc.NotAllowed, match="person asked"):
        uc.decline_request(team.session, team_id=TEAM, actor="U01", now=NOW, request_id=request.id)
    declined = uc.decline_request(
        team.session, team_id=TEAM, actor="U02", now=NOW, request_id=request.id
    )
    assert declined.state == "declined"
    request = swap(team)  # the day is free to ask about again
    with pytest.raises(uc.NotAllowed, match="or an admin"):
        uc.cancel_request(team.session, team_id=TEAM, actor="U03", now=NOW, request_id=request.id)
    assert (
        uc.cancel_request(
            team.session, team_id=TEAM, actor=ADMIN, now=NOW, request_id=request.id
        ).state
        == "cancelled"
    )
    with pytest.raises(uc.NotFound):
        uc.cancel_request(team.session, team_id=TEAM, actor=ADMIN, now=NOW, request_id=999)
    assert team.audit()[-1] == "swap.cancel"


def test_expired_requests_cannot_be_accepted(team: Team) -> None:
    day = future_days(team, "U01")[0]
    request = uc.request_cover(
        team.session,
        team_id=TEAM,
        rotation="support",
        actor="U01",
        now=NOW,
        day=day,
        expires_at=NOW + timedelta(hours=1),
    )
    with pytest.raises(uc.Conflict, match="expired"):
        uc.accept_request(
            team.session,
            team_id=TEAM,
            actor="U03",
            now=NOW + timedelta(hours=2),
            request_id=request.id,
        )


def test_time_off_cancels_open_requests_on_the_days_it_takes(team: Team) -> None:
    request = swap(team)
    uc.book_time_off(
        team.session,
        team_id=TEAM,
        rotation="support",
        actor="U01",
        now=NOW,
        user="U01",
        first_day=request.day,
        last_day=request.day,
    )
    assert team.session.exec(select(SwapRequest.state)).one() == "cancelled"


def test_my_next_day_is_the_first_day_after_today(team: Team) -> None:
    """`swap my next day with @…` and `cover my next day`: no date, the asker's next one."""
    swapped = uc.request_swap(
        team.session, team_id=TEAM, rotation="support", actor="U01", now=NOW, day=None,
        counterpart="U02",
    )  # fmt: skip
    assert swapped.day == future_days(team, "U01")[0]
    covered = uc.request_cover(
        team.session, team_id=TEAM, rotation="support", actor="U03", now=NOW, day=None,
        counterpart=None,
    )  # fmt: skip
    assert covered.day == future_days(team, "U03")[0]
