"""Creating and configuring rotations."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session, select

import bot.usecases as uc
from storage.models import Member, Rotation, Workspace
from tests.usecases.conftest import ADMIN, NOW, TEAM, Team


def test_create_makes_the_workspace_and_the_creator_admin(session: Session) -> None:
    settings = uc.create_rotation(
        session,
        team_id=TEAM,
        actor=ADMIN,
        actor_name="Ada",
        now=NOW,
        name="support",
        channel="C0DEMO",
        timezone="Europe/Berlin",
        country="de",
        subdivision="be",
        workdays=["mo", "we", "fr"],
        slots_per_day=2,
        quarter_start_month=2,
    )
    assert settings.workdays == ("MO", "WE", "FR")
    assert (settings.country, settings.subdivision, settings.slots_per_day) == ("DE", "BE", 2)
    assert session.exec(select(Workspace.team_id)).all() == [TEAM]
    admin = session.exec(select(Member)).one()
    assert (admin.user_id, admin.role, admin.display_name) == (ADMIN, "admin", "Ada")
    assert Team(session).audit() == ["rotation.create"]


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"name": "Support Team"}, "rotation name"),
        ({"name": ""}, "rotation name"),
        ({"timezone": "Mars/Base"}, "Unknown timezone"),
        ({"country": "XX"}, "holiday region"),
        ({"country": "DE", "subdivision": "ZZ"}, "holiday region"),
        ({"subdivision": "BE"}, "needs a country"),
        ({"workdays": ["MO", "FUNDAY"]}, "Unknown weekday"),
        ({"workdays": []}, "at least one"),
        ({"slots_per_day": 0}, "between 1 and 1000"),
        ({"quarter_start_month": 13}, "between 1 and 12"),
        ({"reminder_time": "9am"}, "24-hour"),
    ],
)
def test_create_refuses_bad_settings_and_writes_nothing(
    session: Session, settings: dict[str, object], message: str
) -> None:
    args: dict[str, object] = {"name": "support", **settings}
    with pytest.raises(uc.InvalidInput, match=message):
        uc.create_rotation(session, team_id=TEAM, actor=ADMIN, actor_name="Ada", now=NOW, **args)  # type: ignore[arg-type]
    assert session.exec(select(Workspace)).all() == []
    assert session.exec(select(Rotation)).all() == []


def test_create_refuses_a_duplicate_name(team: Team) -> None:
    before = team.counts()
    with pytest.raises(uc.Conflict, match="already a rotation"):
        uc.create_rotation(
            team.session, team_id=TEAM, actor="U02", actor_name="", now=NOW, name="support"
        )
    assert team.counts() == before


def test_create_refuses_a_naive_now(session: Session) -> None:
    with pytest.raises(uc.InvalidInput, match="no timezone"):
        uc.create_rotation(
            session,
            team_id=TEAM,
            actor=ADMIN,
            actor_name="",
            now=NOW.replace(tzinfo=None),
            name="x",
        )


def test_configure_changes_settings_with_an_audit_entry(team: Team) -> None:
    settings = uc.configure_rotation(
        team.session,
        team_id=TEAM,
        rotation="support",
        actor=ADMIN,
        now=NOW,
        slots_per_day=2,
        reminder_time="10:30",
        reminder_days_before=2,
        channel="C1",
        closed_days=[date(2027, 2, 1), date(2027, 2, 2)],
    )
    assert settings.slots_per_day == 2 and settings.reminder_time == "10:30"
    assert settings.closed_days == (date(2027, 2, 1), date(2027, 2, 2))
    settings = uc.configure_rotation(
        team.session,
        team_id=TEAM,
        rotation="support",
        actor=ADMIN,
        now=NOW,
        closed_days=[date(2027, 2, 2)],
        country=None,
    )
    assert settings.closed_days == (date(2027, 2, 2),) and settings.country is None
    assert settings.subdivision is None
    assert team.audit()[-1] == "rotation.configure"


def test_configure_refuses_a_non_admin(team: Team) -> None:
    before = team.counts()
    with pytest.raises(uc.NotAllowed, match="Only an admin"):
        uc.configure_rotation(
            team.session, team_id=TEAM, rotation="support", actor="U01", now=NOW, slots_per_day=3
        )
    assert team.counts() == before
    rotation = team.session.exec(select(Rotation)).one()
    assert rotation.slots_per_day == 1


def test_configure_refuses_unknown_rotations_and_workspaces(team: Team) -> None:
    with pytest.raises(uc.NotFound, match="no rotation called 'sales'"):
        uc.configure_rotation(team.session, team_id=TEAM, rotation="sales", actor=ADMIN, now=NOW)
    with pytest.raises(uc.NotFound, match="no rotations yet"):
        uc.configure_rotation(team.session, team_id="T9", rotation="support", actor=ADMIN, now=NOW)


def test_configure_refuses_bad_values_and_keeps_the_old_ones(team: Team) -> None:
    with pytest.raises(uc.InvalidInput):
        uc.configure_rotation(
            team.session,
            team_id=TEAM,
            rotation="support",
            actor=ADMIN,
            now=NOW,
            channel="C9",
            timezone="Nowhere/Land",
        )
    rotation = team.session.exec(select(Rotation)).one()
    assert (rotation.channel, rotation.timezone) == (None, "Europe/Berlin")
