"""Swaps and covers of a whole two-day stint, on each database backend: a stint for a
stint (every count stays), a stint covered (two days to the taker), one day of a stint
alone as before, and the refusals, with nothing written."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import bot.usecases as uc
from bot.usecases.backup import export_data, restore_data
from scheduling.calendar import WorkCalendar
from storage.models import METADATA, SwapRequest
from tests.usecases.conftest import ADMIN, NOW, PEOPLE, Q1, TEAM, Team, build_team

WORKING = WorkCalendar((0, 1, 2, 3, 4), "DE", "BE").working_days(NOW.date(), Q1[1])
FOLLOWING = dict(zip(WORKING, WORKING[1:], strict=False))


@pytest.fixture
def team(session: Session) -> Iterator[Team]:
    """Seven people in two-day stints, the first quarter of 2027 published."""
    built = build_team(session, publish=False)
    uc.configure_rotation(
        session, team_id=TEAM, rotation="support", actor=ADMIN, now=NOW, stint_days=2
    )
    uc.publish_plan(
        session, team_id=TEAM, rotation="support", actor=ADMIN, now=NOW,
        start=Q1[0], end=Q1[1], expected_version=None,
    )  # fmt: skip
    yield built


def stints(team: Team, user: str) -> list[tuple[date, date]]:
    """The person's two-day stints from today on, as the planner pairs them."""
    days = [d for d in team.days(user) if d >= NOW.date()]
    found, k = [], 0
    while k + 1 < len(days):
        if FOLLOWING.get(days[k]) == days[k + 1]:
            found.append((days[k], days[k + 1]))
            k += 2
        else:
            k += 1
    return found


def accept(team: Team, user: str, request_id: int) -> uc.swaps.RequestInfo:
    return uc.accept_request(team.session, team_id=TEAM, actor=user, now=NOW, request_id=request_id)


def test_a_stint_swaps_for_the_nearest_stint_of_theirs_two_days_for_two(team: Team) -> None:
    asker, other = PEOPLE[0], PEOPLE[1]
    first, second = stints(team, asker)[0]
    counts = {u: len(team.days(u)) for u in (asker, other)}
    info = uc.request_swap(
        team.session, team_id=TEAM, rotation="support", actor=asker, now=NOW,
        day=first, counterpart=other, through=second,
    )  # fmt: skip
    theirs = (info.counterpart_day, info.counterpart_through)
    assert info.through == second and theirs in stints(team, other)
    nearest = min(stints(team, other), key=lambda s: (abs((s[0] - first).days), s[0]))
    assert theirs == nearest
    done = accept(team, other, info.id)
    assert done.state == "accepted" and done.through == second
    assert {first, second} <= set(team.days(other)) and not {first, second} & set(team.days(asker))
    assert set(theirs) <= set(team.days(asker))
    assert {u: len(team.days(u)) for u in (asker, other)} == counts  # exactly as fair


def test_a_stint_swaps_for_the_stint_their_named_day_is_in(team: Team) -> None:
    asker, other = PEOPLE[2], PEOPLE[3]
    first, second = stints(team, asker)[0]
    their_first, their_second = stints(team, other)[-1]
    info = uc.request_swap(
        team.session, team_id=TEAM, rotation="support", actor=asker, now=NOW,
        day=first, through=second, counterpart=other, counterpart_day=their_second,
    )  # fmt: skip
    assert (info.counterpart_day, info.counterpart_through) == (their_first, their_second)


def test_a_covered_stint_gives_both_days_to_whoever_takes_it(team: Team) -> None:
    asker, taker = PEOPLE[0], PEOPLE[4]
    first, second = stints(team, asker)[1]
    before = len(team.days(taker))
    info = uc.request_cover(
        team.session, team_id=TEAM, rotation="support", actor=asker, now=NOW,
        day=first, through=second,
    )  # fmt: skip
    assert (info.kind, info.counterpart, info.through) == ("cover", None, second)
    accept(team, taker, info.id)
    assert {first, second} <= set(team.days(taker)) and len(team.days(taker)) == before + 2
    assert not {first, second} & set(team.days(asker))


def test_one_day_of_a_stint_still_moves_alone(team: Team) -> None:
    asker, other = PEOPLE[1], PEOPLE[2]
    first, second = stints(team, asker)[0]
    info = uc.request_swap(
        team.session, team_id=TEAM, rotation="support", actor=asker, now=NOW,
        day=second, counterpart=other,
    )  # fmt: skip
    assert info.through is None and info.counterpart_through is None
    accept(team, other, info.id)
    assert first in team.days(asker) and second in team.days(other)


def test_stint_requests_that_do_not_fit_are_refused_and_write_nothing(team: Team) -> None:
    asker = PEOPLE[0]
    first, second = stints(team, asker)[0]
    # Someone with an odd count has a lone day: it is no stint to swap for.
    other, lone = next(
        (user, d)
        for user in [ADMIN, *PEOPLE[1:]]
        for d in team.days(user)
        if d >= NOW.date() and not any(d in s for s in stints(team, user))
    )
    counts = team.counts()

    def swap(**kwargs: object) -> None:
        uc.request_swap(
            team.session, team_id=TEAM, rotation="support", actor=asker, now=NOW,
            counterpart=other, **kwargs,  # type: ignore[arg-type]
        )  # fmt: skip

    with pytest.raises(uc.InvalidInput, match="two consecutive working days"):
        swap(day=first, through=FOLLOWING[second])  # three days
    with pytest.raises(uc.Conflict, match="not part of a two-day stint"):
        swap(day=first, through=second, counterpart_day=lone)
    not_mine = next(d for d in WORKING if d > first and d not in team.days(asker))
    with pytest.raises(uc.InvalidInput, match="two consecutive working days"):
        swap(day=first, through=not_mine)
    assert team.counts() == counts


def test_a_stint_request_blocks_its_second_day_and_closes_with_it(team: Team) -> None:
    asker = PEOPLE[3]
    first, second = stints(team, asker)[0]
    info = uc.request_cover(
        team.session, team_id=TEAM, rotation="support", actor=asker, now=NOW,
        day=first, through=second,
    )  # fmt: skip
    with pytest.raises(uc.Conflict, match="already an open swap or cover request"):
        uc.request_cover(
            team.session, team_id=TEAM, rotation="support", actor=asker, now=NOW, day=second
        )
    # Time off on the second day releases it, and the request for the stint with it.
    uc.book_time_off(
        team.session, team_id=TEAM, rotation="support", actor=asker, now=NOW,
        user=asker, first_day=second, last_day=second,
    )  # fmt: skip
    row = team.session.exec(select(SwapRequest).where(SwapRequest.id == info.id)).one()
    team.session.refresh(row)
    assert row.state == "cancelled"
    with pytest.raises(uc.Conflict, match="already cancelled"):
        accept(team, PEOPLE[4], info.id)


def test_export_and_restore_carry_a_stint_request(team: Team, engine: Engine) -> None:
    asker, other = PEOPLE[0], PEOPLE[1]
    first, second = stints(team, asker)[0]
    uc.request_swap(
        team.session, team_id=TEAM, rotation="support", actor=asker, now=NOW,
        day=first, through=second, counterpart=other,
    )  # fmt: skip
    data = json.loads(json.dumps(export_data(team.session, now=NOW)))
    [swap] = data["swaps"]
    assert swap["second_date"] == second.isoformat() and swap["counterpart_second_date"]
    team.session.close()
    METADATA.drop_all(engine)
    METADATA.create_all(engine)
    with Session(engine) as fresh:
        restore_data(fresh, data=data, now=NOW)
        again = export_data(fresh, now=NOW)
    assert again["swaps"] == data["swaps"]
