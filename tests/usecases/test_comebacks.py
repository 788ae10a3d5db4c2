"""Deactivated and reactivated accounts (bot.usecases.departures), on each backend."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlmodel import select

from bot.usecases import leave_rotation
from bot.usecases.departures import leave_company, return_to_company
from storage.models import AuditEntry
from tests.usecases.conftest import ADMIN, NOW, TEAM, Team


def test_a_comeback_is_reported_once_per_membership_the_deactivation_ended(team: Team) -> None:
    day = next(d for d in team.days("U01") if d > NOW.date())
    moment = datetime.combine(day, time(6, 0), tzinfo=UTC)  # their day, in the morning
    gone = leave_company(team.session, team_id=TEAM, now=moment, user="U01")
    assert gone.on_today == ("support",) and gone.admins == {"support": (ADMIN,)}
    assert [d.left for d in gone.departures] == [day]
    later = moment + timedelta(days=3)
    [back] = return_to_company(team.session, team_id=TEAM, now=later, user="U01")
    assert (back.rotation, back.left, back.admins) == ("support", day, (ADMIN,))
    assert return_to_company(team.session, team_id=TEAM, now=later, user="U01") == ()
    marks = team.session.exec(
        select(AuditEntry.action).where(AuditEntry.subject.like("member:%"))  # type: ignore[attr-defined]
    ).all()
    assert marks.count("member.deactivated") == 1 and marks.count("member.reactivated") == 1


def test_someone_who_left_by_hand_is_no_comeback(team: Team) -> None:
    leave_rotation(team.session, team_id=TEAM, rotation="support", actor="U02", now=NOW)
    assert return_to_company(team.session, team_id=TEAM, now=NOW, user="U02") == ()
    assert return_to_company(team.session, team_id="T0NONE", now=NOW, user="U02") == ()
