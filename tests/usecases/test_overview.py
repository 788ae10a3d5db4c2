"""The use cases behind the Slack commands: finding the rotation, reading the queue,
joining and leaving, time off everywhere, publishing without a preview."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

import pytest

import bot.usecases as uc
from storage.models import Role
from tests.usecases.conftest import ADMIN, NOW, PEOPLE, TEAM, Team


def second_rotation(team: Team, *, with_u01: bool = True) -> None:
    uc.create_rotation(
        team.session,
        team_id=TEAM,
        actor=ADMIN,
        actor_name="Ada",
        now=NOW,
        name="billing",
        channel="C0BILL",
        timezone="Europe/Berlin",
    )
    people = ["U01", "U0B1", "U0B2"] if with_u01 else ["U0B1", "U0B2"]
    uc.add_members(
        team.session,
        team_id=TEAM,
        rotation="billing",
        actor=ADMIN,
        now=NOW,
        people=[uc.NewMember(u, u.lower(), joined=date(2026, 1, 1)) for u in people],
    )
    uc.publish_plan(
        team.session,
        team_id=TEAM,
        rotation="billing",
        actor=ADMIN,
        now=NOW,
        start=date(2027, 1, 1),
        end=date(2027, 3, 31),
        expected_version=None,
    )


def find(team: Team, user: str = "U01", **kwargs: object) -> str:
    return uc.find_rotation(team.session, team_id=TEAM, user=user, now=NOW, **kwargs).name  # type: ignore[arg-type]


def test_the_rotation_is_named_or_inferred(team: Team) -> None:
    second_rotation(team)
    assert find(team, name="Billing") == "billing"
    assert find(team, channel="C0BILL") == "billing"
    assert find(team, user="U02") == "support"  # their only one
    assert find(team, user="U02", channel="C0ELSEWHERE") == "support"
    ref = uc.find_rotation(team.session, team_id=TEAM, user="U02", now=NOW)
    assert (ref.timezone, ref.today, ref.quarter_start_month) == ("Europe/Berlin", NOW.date(), 1)


def test_several_rotations_are_ambiguous_unless_a_day_tells(team: Team) -> None:
    second_rotation(team)
    with pytest.raises(uc.RotationUnclear) as caught:
        find(team)
    assert caught.value.ambiguous and caught.value.options == ("billing", "support")
    assert "`billing`, `support`" in caught.value.message
    day = next(d for d in team.days("U01") if d > NOW.date())
    billing_days = set(
        uc.quarter_schedule(team.session, team_id=TEAM, rotation="billing", now=NOW).days
    )
    if not any(d.day == day and any(u == "U01" for u, _ in d.people) for d in billing_days):
        assert find(team, on_day=day) == "support"


def test_nobody_and_unknown_names_get_the_options(team: Team) -> None:
    with pytest.raises(uc.RotationUnclear) as unknown:
        find(team, name="nope")
    assert unknown.value.options == ("support",) and not unknown.value.ambiguous
    with pytest.raises(uc.RotationUnclear) as stranger:
        find(team, user="U0NEW")
    assert "not in any rotation" in stranger.value.message
    assert find(team, user="U0NEW", any_in_workspace=True) == "support"
    with pytest.raises(uc.RotationUnclear) as empty:
        uc.find_rotation(team.session, team_id="T0NONE", user="U01", now=NOW)
    assert empty.value.options == ()


def test_someone_who_left_is_no_longer_inferred(team: Team) -> None:
    second_rotation(team)
    uc.leave_rotation(team.session, team_id=TEAM, rotation="billing", actor="U01", now=NOW)
    assert find(team, user="U01", channel=None) == "support"


def test_who_is_on_a_day_and_why_nobody_is(team: Team) -> None:
    day = next(d for d in team.days("U01") if d > NOW.date())
    on = uc.who_is_on(team.session, team_id=TEAM, rotation="support", day=day)
    assert ("U01", "Person 1") in on.people and on.closed is None
    holiday = uc.who_is_on(team.session, team_id=TEAM, rotation="support", day=date(2027, 1, 1))
    assert holiday.people == () and holiday.closed is not None and "holiday" in holiday.closed


def test_a_quarter_schedule(team: Team) -> None:
    this = uc.quarter_schedule(team.session, team_id=TEAM, rotation="support", now=NOW)
    assert (this.start, this.end, this.published) == (date(2027, 1, 1), date(2027, 3, 31), True)
    assert all(day.closed is None for day in this.days)  # only working days are listed
    assert all(len(day.people) == 1 for day in this.days if day.day >= NOW.date())
    following = uc.quarter_schedule(
        team.session, team_id=TEAM, rotation="support", now=NOW, offset=1
    )
    assert (following.start, following.published) == (date(2027, 4, 1), False)


def test_my_overview_and_home(team: Team) -> None:
    mine = uc.my_overview(team.session, team_id=TEAM, user="U01", now=NOW)
    [support] = mine.rotations
    assert support.rotation == "support" and support.role == Role.MEMBER
    assert list(support.next_days) == [d for d in team.days("U01") if d >= NOW.date()][:10]
    assert support.upcoming == len([d for d in team.days("U01") if d > NOW.date()])
    assert isinstance(support.balance, Fraction) and abs(support.projected) < 1
    home = uc.home_overview(team.session, team_id=TEAM, user=ADMIN, now=NOW)
    assert home.admin_of == ("support",)
    [fortnight] = home.fortnights
    assert fortnight.start == NOW.date() and fortnight.end == NOW.date() + timedelta(days=13)
    assert len(fortnight.days) == 10  # two working weeks
    assert uc.my_overview(team.session, team_id=TEAM, user="U0NEW", now=NOW).rotations == ()


def test_joining_and_leaving_oneself(team: Team) -> None:
    joined = uc.join_rotation(
        team.session, team_id=TEAM, rotation="support", actor="U0NEW", now=NOW, name="Newt"
    )
    assert (joined.user, joined.joined, joined.role) == ("U0NEW", NOW.date(), "member")
    with pytest.raises(uc.Conflict, match="already a member"):
        uc.join_rotation(
            team.session, team_id=TEAM, rotation="support", actor="U0NEW", now=NOW, name="Newt"
        )
    gone = uc.leave_rotation(team.session, team_id=TEAM, rotation="support", actor="U0NEW", now=NOW)
    assert gone.deleted  # no history yet: the row goes
    left = uc.leave_rotation(team.session, team_id=TEAM, rotation="support", actor="U01", now=NOW)
    assert not left.deleted and left.left == NOW.date()
    assert set(left.released) == {d for d in team.days("U01", ("cancelled",)) if d > NOW.date()}
    with pytest.raises(uc.Conflict, match="You left"):
        uc.leave_rotation(team.session, team_id=TEAM, rotation="support", actor="U01", now=NOW)
    with pytest.raises(uc.NotAllowed, match="only admin"):
        uc.leave_rotation(team.session, team_id=TEAM, rotation="support", actor=ADMIN, now=NOW)


def test_adding_several_people_skips_those_already_in(team: Team) -> None:
    result = uc.add_members(
        team.session,
        team_id=TEAM,
        rotation="support",
        actor=ADMIN,
        now=NOW,
        people=[uc.NewMember("U0X1", "Xia"), uc.NewMember("U01", "again")],
    )
    assert [m.user for m in result.added] == ["U0X1"]
    assert result.skipped[0][0] == "U01" and "already" in result.skipped[0][1]
    with pytest.raises(uc.NotAllowed):
        uc.add_members(
            team.session,
            team_id=TEAM,
            rotation="support",
            actor="U01",
            now=NOW,
            people=[uc.NewMember("U0X2", "Xu")],
        )


def test_away_books_and_cancels_in_every_rotation(team: Team) -> None:
    second_rotation(team)
    first, last = NOW.date() + timedelta(days=7), NOW.date() + timedelta(days=11)
    booked = uc.book_away(
        team.session, team_id=TEAM, actor="U01", now=NOW, first_day=first, last_day=last, note="ski"
    )
    assert [b.rotation for b in booked] == ["billing", "support"]
    assert all(d not in team.days("U01") for d in (first + timedelta(days=n) for n in range(5)))
    listed = uc.time_off_list(team.session, team_id=TEAM, user="U01", now=NOW)
    assert [(e.rotation, e.first_day, e.note) for e in listed] == [
        ("billing", first, "ski"),
        ("support", first, "ski"),
    ]
    with pytest.raises(uc.Conflict, match="overlaps"):
        uc.book_away(
            team.session, team_id=TEAM, actor="U01", now=NOW, first_day=last, last_day=last
        )
    cancelled = uc.cancel_away(
        team.session, team_id=TEAM, actor="U01", now=NOW, day=first + timedelta(days=2)
    )
    assert len(cancelled) == 2
    assert uc.time_off_list(team.session, team_id=TEAM, user="U01", now=NOW) == ()
    with pytest.raises(uc.NotFound, match="no time off"):
        uc.cancel_away(team.session, team_id=TEAM, actor="U01", now=NOW, day=first)
    with pytest.raises(uc.NotFound, match="not in any rotation"):
        uc.book_away(
            team.session, team_id=TEAM, actor="U0NEW", now=NOW, first_day=first, last_day=first
        )


def test_publishing_without_a_preview(team: Team) -> None:
    version = uc.publish_plan(
        team.session,
        team_id=TEAM,
        rotation="support",
        actor=ADMIN,
        now=NOW,
        start=date(2027, 4, 1),
        end=date(2027, 6, 30),
        expected_version=None,
    )
    assert version.version == 2 and version.assignments


def test_a_swap_without_their_day_offers_their_nearest(team: Team) -> None:
    mine = next(d for d in team.days("U01") if d > NOW.date() + timedelta(days=3))
    theirs = [d for d in team.days("U02") if d > NOW.date()]
    request = uc.request_swap(
        team.session,
        team_id=TEAM,
        rotation="support",
        actor="U01",
        now=NOW,
        day=mine,
        counterpart="U02",
    )
    nearest = min(theirs, key=lambda d: (abs((d - mine).days), d))
    assert request.counterpart_day == nearest
    assert PEOPLE  # the six people of the team fixture


def test_settings_are_checked_one_by_one_for_a_form(team: Team) -> None:
    errors = uc.setting_errors(
        {
            "timezone": "Mars/Base",
            "country": "XX",
            "subdivision": "BE",
            "workdays": [],
            "slots_per_day": 0,
            "reminder_time": "25:00",
            "reminder_days_before": 3,
        }
    )
    assert set(errors) == {"timezone", "country", "workdays", "slots_per_day", "reminder_time"}
    assert "Mars/Base" in errors["timezone"]
    assert uc.setting_errors({"country": "DE", "subdivision": "ZZ"}).keys() == {"subdivision"}
    assert uc.setting_errors({"country": None, "subdivision": "BE"}).keys() == {"subdivision"}
    assert uc.setting_errors({"timezone": "Europe/Berlin", "country": "de"}) == {}
    settings = uc.rotation_settings(team.session, team_id=TEAM, rotation="support", actor=ADMIN)
    assert (settings.timezone, settings.country) == ("Europe/Berlin", "DE")
    with pytest.raises(uc.NotAllowed):
        uc.rotation_settings(team.session, team_id=TEAM, rotation="support", actor="U01")


def test_only_requests_asking_the_person_count_as_in_their_dms(team: Team) -> None:
    """A cover asked of anyone is posted in the channel, not DMed: it is counted apart."""
    days = [d for d in team.days("U01") if d > NOW.date()]
    asked = uc.request_cover(
        team.session, team_id=TEAM, rotation="support", actor="U01", now=NOW, day=days[0],
        counterpart="U02",
    )  # fmt: skip
    to_all = uc.request_cover(
        team.session, team_id=TEAM, rotation="support", actor="U01", now=NOW, day=days[1]
    )
    mine = uc.my_overview(team.session, team_id=TEAM, user="U02", now=NOW).rotations[0]
    assert (mine.requests, mine.open_covers) == ((asked.id,), (to_all.id,))
    other = uc.my_overview(team.session, team_id=TEAM, user="U03", now=NOW).rotations[0]
    assert (other.requests, other.open_covers) == ((), (to_all.id,))
    own = uc.my_overview(team.session, team_id=TEAM, user="U01", now=NOW).rotations[0]
    assert (own.requests, own.open_covers) == ((), ())  # one's own requests wait for others
