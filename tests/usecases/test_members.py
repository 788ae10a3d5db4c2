"""Adding people, taking them off a rotation, deactivating them, changing roles."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlmodel import Session, select

import bot.usecases as uc
from storage.models import Member
from tests.usecases.conftest import ADMIN, NOW, PEOPLE, TEAM, Team, build_team

LATER = NOW + timedelta(days=20)  # Sunday 24 January 2027


def member(team: Team, user: str) -> Member:
    return team.session.exec(select(Member).where(Member.user_id == user)).one()


def test_add_member(team: Team) -> None:
    info = uc.add_member(
        team.session,
        team_id=TEAM,
        rotation="support",
        actor=ADMIN,
        now=NOW,
        user="U07",
        name="Grace",
        email="Grace@Example.com",
        weight=0.5,
        timezone="America/New_York",
    )
    assert (info.user, info.weight, info.email, info.joined) == (
        "U07",
        0.5,
        "grace@example.com",
        date(2027, 1, 4),
    )
    assert team.audit()[-1] == "member.add"


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"actor": "U01"}, uc.NotAllowed, "Only an admin"),
        ({"user": "U01"}, uc.Conflict, "already a member"),
        ({"weight": 0.0}, uc.InvalidInput, "Weight"),
        ({"weight": 1.5}, uc.InvalidInput, "Weight"),
        ({"timezone": "Atlantis"}, uc.InvalidInput, "timezone"),
        ({"rotation": "nope"}, uc.NotFound, "no rotation"),
    ],
)
def test_add_member_refusals_write_nothing(
    team: Team, kwargs: dict[str, object], error: type[Exception], message: str
) -> None:
    before = team.counts()
    args: dict[str, object] = {
        "rotation": "support",
        "actor": ADMIN,
        "user": "U07",
        "name": "G",
        **kwargs,
    }
    with pytest.raises(error, match=message):
        uc.add_member(team.session, team_id=TEAM, now=NOW, **args)  # type: ignore[arg-type]
    assert team.counts() == before


def test_removing_someone_without_history_deletes_them(team: Team) -> None:
    uc.add_member(
        team.session, team_id=TEAM, rotation="support", actor=ADMIN, now=NOW, user="U07", name="G"
    )
    result = uc.remove_member(
        team.session, team_id=TEAM, rotation="support", actor=ADMIN, now=NOW, user="U07"
    )
    assert result.deleted
    assert team.session.exec(select(Member).where(Member.user_id == "U07")).first() is None
    assert team.audit()[-1] == "member.delete"


def test_removing_someone_keeps_history_and_replans_their_later_days(team: Team) -> None:
    uc.mark_days_done(team.session, team_id=TEAM, rotation="support", actor=ADMIN, now=LATER)
    done = team.days("U01", ("done",))
    later = [d for d in team.days("U01", ("published",)) if d > LATER.date()]
    assert done and later
    others_before = {e for e in team.live() if e[1] != "U01"}
    result = uc.remove_member(
        team.session, team_id=TEAM, rotation="support", actor=ADMIN, now=LATER, user="U01"
    )
    assert not result.deleted and result.left == date(2027, 1, 24)
    assert list(result.released) == later
    assert sorted(e.day for e in result.replacements) == later
    assert all(e.member != "U01" for e in result.replacements)
    # History stays; every other day stays as it was; each released day is filled again.
    assert team.days("U01") == done
    assert member(team, "U01").left == date(2027, 1, 24)
    after = team.live()
    assert others_before <= after
    assert {d for d, u in after if u != "U01" and (d, u) not in others_before} == set(later)


def test_remove_refusals(team: Team) -> None:
    before = team.counts()
    with pytest.raises(uc.PastDate, match="in the past"):
        uc.remove_member(
            team.session,
            team_id=TEAM,
            rotation="support",
            actor=ADMIN,
            now=NOW,
            user="U01",
            last_day=date(2027, 1, 1),
        )
    with pytest.raises(uc.NotFound, match="not a member"):
        uc.remove_member(
            team.session, team_id=TEAM, rotation="support", actor=ADMIN, now=NOW, user="U99"
        )
    with pytest.raises(uc.NotAllowed, match="Only an admin"):
        uc.remove_member(
            team.session, team_id=TEAM, rotation="support", actor="U02", now=NOW, user="U01"
        )
    with pytest.raises(uc.NotAllowed, match="only admin"):
        uc.remove_member(
            team.session, team_id=TEAM, rotation="support", actor=ADMIN, now=NOW, user=ADMIN
        )
    assert team.counts() == before
    assert member(team, "U01").left is None


def test_deactivate_takes_someone_off_every_rotation(session: Session) -> None:
    team = build_team(session)
    uc.create_rotation(session, team_id=TEAM, actor=ADMIN, actor_name="Ada", now=NOW, name="oncall")
    uc.add_member(
        session, team_id=TEAM, rotation="oncall", actor=ADMIN, now=NOW, user="U01", name="P1"
    )
    results = uc.deactivate_member(session, team_id=TEAM, actor=uc.SYSTEM, now=LATER, user="U01")
    assert len(results) == 2
    # Their membership ends on the day of the deactivation, which stays theirs if they
    # served it; only later days go to others.
    lefts = session.exec(select(Member.left).where(Member.user_id == "U01")).all()
    assert lefts == [date(2027, 1, 24), date(2027, 1, 24)]
    assert all(d <= date(2027, 1, 24) for d in team.days("U01"))
    again = uc.deactivate_member(session, team_id=TEAM, actor=uc.SYSTEM, now=LATER, user="U01")
    assert again == []


def test_a_deactivation_keeps_the_day_served_that_day(team: Team) -> None:
    day = next(d for d in team.days("U02") if d > NOW.date())
    moment = datetime.combine(day, time(17, 0), tzinfo=UTC)  # after their day, Berlin time
    [gone] = uc.deactivate_member(
        team.session, team_id=TEAM, actor=uc.SYSTEM, now=moment, user="U02"
    )
    assert gone.left == day and day in team.days("U02")
    assert all(d <= day for d in team.days("U02")) and day not in gone.released


def test_deactivate_refuses_a_non_admin(team: Team) -> None:
    before = team.counts()
    with pytest.raises(uc.NotAllowed):
        uc.deactivate_member(team.session, team_id=TEAM, actor="U02", now=NOW, user="U01")
    assert team.counts() == before


def test_roles(team: Team) -> None:
    uc.set_member_role(
        team.session,
        team_id=TEAM,
        rotation="support",
        actor=ADMIN,
        now=NOW,
        user="U01",
        role=uc.members.Role.ADMIN,
    )  # type: ignore[attr-defined]
    assert member(team, "U01").role == "admin"
    uc.set_member_role(
        team.session,
        team_id=TEAM,
        rotation="support",
        actor="U01",
        now=NOW,
        user=ADMIN,
        role=uc.members.Role.MEMBER,
    )  # type: ignore[attr-defined]
    with pytest.raises(uc.NotAllowed, match="only admin"):
        uc.set_member_role(
            team.session,
            team_id=TEAM,
            rotation="support",
            actor="U01",
            now=NOW,
            user="U01",
            role=uc.members.Role.MEMBER,
        )  # type: ignore[attr-defined]
    with pytest.raises(uc.NotAllowed, match="Only an admin"):
        uc.set_member_role(
            team.session,
            team_id=TEAM,
            rotation="support",
            actor=PEOPLE[2],
            now=NOW,
            user=PEOPLE[2],
            role=uc.members.Role.ADMIN,
        )  # type: ignore[attr-defined]
