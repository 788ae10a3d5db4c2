"""Bookings are bounded and re-planning stays inside what is published (issue 9: D2, D3).

Time off reaches at most a year past the published plan; cancelling it, or anything
else that re-plans, fills only days of a published period, never beyond the last one.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import Session, col, select

import bot.usecases as uc
from storage.models import Assignment, ReminderOutbox, TimeOff
from tests.usecases.conftest import ADMIN, NOW, Q1, TEAM, Team, build_team

# Q1 2027 is published (conftest); a year past its last day is Friday 31 March 2028.
LIMIT = date(2028, 3, 31)
LIMIT_TEXT = "Time off can be booked up to Fri 31 Mar 2028 (a year past the published plan)."


def book(team: Team, first: date, last: date, user: str = "U01") -> int:
    result = uc.book_time_off(
        team.session,
        team_id=TEAM,
        rotation="support",
        actor=user,
        now=NOW,
        user=user,
        first_day=first,
        last_day=last,
    )
    return result.id


def days_after(session: Session, day: date) -> list[tuple[date, str]]:
    query = (
        select(col(Assignment.day), col(Assignment.state))
        .where(Assignment.day > day)
        .order_by(col(Assignment.day))
    )
    return [(d, s) for d, s in session.exec(query)]


@pytest.mark.parametrize(
    "last", [LIMIT + timedelta(days=1), date(2031, 6, 3), date(2200, 6, 3), date(9999, 12, 31)]
)
def test_time_off_past_a_year_beyond_the_plan_is_refused(team: Team, last: date) -> None:
    before, rows = team.counts(), team.rows()
    with pytest.raises(uc.InvalidInput) as refused:
        book(team, last, last)
    assert refused.value.message == LIMIT_TEXT
    with pytest.raises(uc.InvalidInput, match="up to Fri 31 Mar 2028"):
        uc.book_away(
            team.session, team_id=TEAM, actor="U01", now=NOW, first_day=last, last_day=last
        )
    assert team.counts() == before and team.rows() == rows


def test_time_off_up_to_the_bound_is_booked(team: Team) -> None:
    assert book(team, LIMIT - timedelta(days=4), LIMIT)
    assert days_after(team.session, Q1[1]) == []  # nothing planned out there


def test_with_nothing_published_the_bound_is_a_year_from_today(session: Session) -> None:
    team = build_team(session, publish=False)
    with pytest.raises(uc.InvalidInput) as refused:
        book(team, date(2028, 1, 5), date(2028, 1, 5))
    assert refused.value.message == (
        "Time off can be booked up to Tue 4 Jan 2028 (a year from today)."
    )
    assert book(team, date(2028, 1, 4), date(2028, 1, 4))


def test_away_in_several_rotations_may_reach_the_furthest_plan(team: Team) -> None:
    uc.create_rotation(
        team.session, team_id=TEAM, actor=ADMIN, actor_name="Ada", now=NOW, name="backend"
    )
    uc.add_member(
        team.session, team_id=TEAM, rotation="backend", actor=ADMIN, now=NOW, user="U01",
        name="Person 1", joined=date(2026, 1, 1),
    )  # fmt: skip
    q2 = (date(2027, 4, 1), date(2027, 6, 30))
    uc.publish_plan(
        team.session, team_id=TEAM, rotation="backend", actor=ADMIN, now=NOW, start=q2[0],
        end=q2[1], expected_version=None,
    )  # fmt: skip
    day = date(2028, 6, 30)  # past support's bound, inside backend's
    booked = uc.book_away(
        team.session, team_id=TEAM, actor="U01", now=NOW, first_day=day, last_day=day
    )
    assert sorted(r.rotation for r in booked) == ["backend", "support"]
    with pytest.raises(uc.InvalidInput, match="up to Fri 30 Jun 2028"):
        uc.book_away(
            team.session, team_id=TEAM, actor="U01", now=NOW, first_day=day + timedelta(days=1),
            last_day=day + timedelta(days=1),
        )  # fmt: skip


def test_cancelling_time_off_past_the_plan_publishes_nothing(team: Team) -> None:
    """D3: `away 2031-06-03` then `away cancel 2031-06-03` published a day in 2031."""
    first, last = date(2027, 6, 1), date(2027, 6, 4)  # after Q1, inside the bound
    book(team, first, last)
    before, reminders = team.rows(), team.count(ReminderOutbox)
    results = uc.cancel_away(team.session, team_id=TEAM, actor="U01", now=NOW, day=first)
    assert [r.replacements for r in results] == [()]
    assert team.rows() == before
    assert days_after(team.session, Q1[1]) == []
    assert team.count(ReminderOutbox) == reminders  # no reminders queued for 2027-06


@pytest.mark.parametrize("last", [date(2031, 6, 3), date(9999, 12, 31)])
def test_cancelling_unbounded_old_time_off_plans_no_further_than_published(
    team: Team, last: date
) -> None:
    """D2: time off booked before the bound (to 9999-12-31) re-planned every day up to
    it while holding the write lock (11 s, BAD_COST_RANGE from OR-Tools, or minutes)."""
    booked = book(team, date(2027, 3, 1), Q1[1])
    block = team.session.get(TimeOff, booked)
    assert block is not None
    block.last_day = last  # as the unbounded booking of an older version left it
    team.session.add(block)
    team.session.commit()
    before = team.rows()
    result = uc.cancel_time_off(
        team.session, team_id=TEAM, rotation="support", actor="U01", now=NOW, time_off_id=booked
    )
    assert result.replacements == ()  # its days in Q1 were handed on when it was booked
    assert team.rows() == before
    assert days_after(team.session, Q1[1]) == []


def test_a_gap_between_published_periods_stays_unplanned(team: Team) -> None:
    q3 = (date(2027, 7, 1), date(2027, 9, 30))
    uc.publish_plan(
        team.session, team_id=TEAM, rotation="support", actor=ADMIN, now=NOW, start=q3[0],
        end=q3[1], expected_version=None,
    )  # fmt: skip
    first, last = date(2027, 5, 3), date(2027, 5, 7)  # in Q2, never published
    book(team, first, last)
    uc.cancel_away(team.session, team_id=TEAM, actor="U01", now=NOW, day=first)
    gap = [(d, s) for d, s in days_after(team.session, Q1[1]) if d < q3[0]]
    assert gap == []


def test_time_off_inside_the_plan_is_still_replanned(team: Team) -> None:
    """The bound changes nothing inside the plan: released days are filled again."""
    mine = [d for d in team.days("U01") if d >= date(2027, 2, 1)]
    booked = uc.book_time_off(
        team.session, team_id=TEAM, rotation="support", actor="U01", now=NOW, user="U01",
        first_day=mine[0], last_day=mine[0],
    )  # fmt: skip
    assert [e.day for e in booked.replacements] == [mine[0]]


def test_a_last_day_is_bounded_like_time_off(team: Team) -> None:
    before = team.counts()
    for last_day in (LIMIT + timedelta(days=1), date(9999, 12, 31)):
        with pytest.raises(uc.InvalidInput) as refused:
            uc.remove_member(
                team.session, team_id=TEAM, rotation="support", actor=ADMIN, now=NOW,
                user="U02", last_day=last_day,
            )  # fmt: skip
        assert refused.value.message == (
            "A last day can be set up to Fri 31 Mar 2028 (a year past the published plan)."
        )
    assert team.counts() == before
    gone = uc.remove_member(
        team.session, team_id=TEAM, rotation="support", actor=ADMIN, now=NOW, user="U02",
        last_day=LIMIT,
    )  # fmt: skip
    assert gone.left == LIMIT and gone.replacements == ()


def test_a_plan_reaches_at_most_two_years_ahead(team: Team) -> None:
    before = team.counts()
    with pytest.raises(uc.InvalidInput, match="at most 2 years ahead, to 2029-01-04"):
        uc.publish_plan(
            team.session, team_id=TEAM, rotation="support", actor=ADMIN, now=NOW,
            start=date(2028, 10, 1), end=date(2029, 3, 31), expected_version=None,
        )  # fmt: skip
    with pytest.raises(uc.InvalidInput, match="at most 2 years ahead"):
        uc.plan_period(
            team.session, team_id=TEAM, rotation="support", actor=ADMIN, now=NOW,
            start=date(9999, 1, 1), end=date(9999, 12, 31),
        )  # fmt: skip
    assert team.counts() == before
