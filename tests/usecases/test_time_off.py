"""Booking and cancelling time off re-plans only the days it touches."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

import bot.usecases as uc
from storage.models import Assignment, Member
from tests.usecases.conftest import ADMIN, NOW, TEAM, Team


def test_booking_moves_only_the_days_inside_it(team: Team) -> None:
    mine = [d for d in team.days("U01") if d >= date(2027, 1, 11)]
    first, last = mine[0] - timedelta(days=1), mine[0] + timedelta(days=1)
    before = team.live()
    result = uc.book_time_off(
        team.session,
        team_id=TEAM,
        rotation="support",
        actor="U01",
        now=NOW,
        user="U01",
        first_day=first,
        last_day=last,
        note="dentist",
    )
    assert result.released == (mine[0],)
    assert [e.day for e in result.replacements] == [mine[0]]
    assert result.replacements[0].member != "U01"
    after = team.live()
    assert before - after == {(mine[0], "U01")}
    assert after - before == {(mine[0], result.replacements[0].member)}
    # The cancelled row stays as history, one revision on.
    row = team.session.exec(
        select(Assignment).join(Member).where(Member.user_id == "U01", Assignment.day == mine[0])
    ).one()
    assert (row.state, row.revision) == ("cancelled", 2)
    assert team.audit()[-2:] == ["time_off.book", "assignment.replanned"]


def test_booking_with_no_days_inside_changes_no_day(team: Team) -> None:
    before = team.rows()
    result = uc.book_time_off(
        team.session,
        team_id=TEAM,
        rotation="support",
        actor="U01",
        now=NOW,
        user="U01",
        first_day=date(2027, 6, 1),
        last_day=date(2027, 6, 5),
    )
    assert result.released == () and result.replacements == ()
    assert team.rows() == before


def test_an_admin_books_for_someone_else(team: Team) -> None:
    result = uc.book_time_off(
        team.session,
        team_id=TEAM,
        rotation="support",
        actor=ADMIN,
        now=NOW,
        user="U02",
        first_day=date(2027, 2, 1),
        last_day=date(2027, 2, 28),
    )
    assert not [d for d in team.days("U02") if date(2027, 2, 1) <= d <= date(2027, 2, 28)]
    assert len(result.replacements) == len(result.released)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"first_day": date(2027, 1, 1)}, uc.PastDate, "in the past"),
        ({"last_day": date(2027, 1, 10)}, uc.InvalidInput, "before the first"),
        ({"actor": "U02"}, uc.NotAllowed, "or an admin"),
        ({"user": "U99", "actor": ADMIN}, uc.NotFound, "not a member"),
        ({"first_day": date(2027, 1, 20), "last_day": date(2028, 3, 1)}, uc.InvalidInput, "a year"),
    ],
)
def test_booking_refusals_write_nothing(
    team: Team, kwargs: dict[str, object], error: type[Exception], message: str
) -> None:
    before, rows = team.counts(), team.rows()
    args: dict[str, object] = {
        "actor": "U01",
        "user": "U01",
        "first_day": date(2027, 1, 12),
        "last_day": date(2027, 1, 15),
        **kwargs,
    }
    with pytest.raises(error, match=message):
        uc.book_time_off(team.session, team_id=TEAM, rotation="support", now=NOW, **args)  # type: ignore[arg-type]
    assert team.counts() == before and team.rows() == rows


def test_overlapping_time_off_is_a_conflict(team: Team) -> None:
    uc.book_time_off(
        team.session,
        team_id=TEAM,
        rotation="support",
        actor="U01",
        now=NOW,
        user="U01",
        first_day=date(2027, 2, 1),
        last_day=date(2027, 2, 5),
    )
    before = team.counts()
    with pytest.raises(uc.Conflict, match="overlaps"):
        uc.book_time_off(
            team.session,
            team_id=TEAM,
            rotation="support",
            actor="U01",
            now=NOW,
            user="U01",
            first_day=date(2027, 2, 5),
            last_day=date(2027, 2, 9),
        )
    assert team.counts() == before


def test_cancelling_time_off(team: Team) -> None:
    booked = uc.book_time_off(
        team.session,
        team_id=TEAM,
        rotation="support",
        actor="U01",
        now=NOW,
        user="U01",
        first_day=date(2027, 2, 1),
        last_day=date(2027, 2, 5),
    )
    rows = team.rows()
    result = uc.cancel_time_off(
        team.session, team_id=TEAM, rotation="support", actor="U01", now=NOW, time_off_id=booked.id
    )
    # Days handed to others stay with them: every day was already filled.
    assert result.replacements == () and team.rows() == rows
    assert team.audit()[-1] == "time_off.cancel"


def test_cancelling_time_off_refusals(team: Team) -> None:
    booked = uc.book_time_off(
        team.session,
        team_id=TEAM,
        rotation="support",
        actor="U01",
        now=NOW,
        user="U01",
        first_day=date(2027, 1, 5),
        last_day=date(2027, 1, 6),
    )
    before = team.counts()
    with pytest.raises(uc.NotAllowed):
        uc.cancel_time_off(
            team.session,
            team_id=TEAM,
            rotation="support",
            actor="U02",
            now=NOW,
            time_off_id=booked.id,
        )
    with pytest.raises(uc.NotFound):
        uc.cancel_time_off(
            team.session,
            team_id=TEAM,
            rotation="support",
            actor="U01",
            now=NOW,
            time_off_id=booked.id + 100,
        )
    with pytest.raises(uc.PastDate):
        uc.cancel_time_off(
            team.session,
            team_id=TEAM,
            rotation="support",
            actor="U01",
            now=NOW + timedelta(days=10),
            time_off_id=booked.id,
        )
    assert team.counts() == before
