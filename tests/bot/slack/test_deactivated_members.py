"""Slack deactivates someone who left the company: a `user_change` event through the real
app ends their memberships and re-plans their days; the admins are told once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.usecases.departures import leave_company, return_to_company
from tests.bot.fake_slack import FakeSlack
from tests.bot.flows import TEAM, Rotation, dms_to, now, seed, text_of
from tests.bot.slack_requests import SlackSender


@pytest.fixture
def team(db: Engine) -> Rotation:
    return seed(db)


def user_change(user: str, team_id: str, *, deleted: bool) -> dict[str, object]:
    """The event as Slack documents it: the full user object, `deleted` set."""
    return {
        "type": "user_change",
        "user": {
            "id": user,
            "team_id": team_id,
            "name": "ben",
            "deleted": deleted,
            "real_name": "Ben",
            "profile": {"real_name": "Ben", "display_name": "ben"},
            "is_bot": False,
            "updated": 1767225600,
        },
        "cache_ts": 1767225600,
        "event_ts": "1767225600.000100",
    }


def test_a_deactivated_member_loses_every_future_day_and_admins_hear_once(
    team: Rotation, slack: SlackSender, fake: FakeSlack, db: Engine
) -> None:
    ben = team.people[1]
    ahead = [d for d in team.days(ben) if d >= now().date()]
    assert ahead
    sent = slack.event(user_change(ben, fake.team_id, deleted=True), event_id=f"Ev{ben}")
    assert sent.status == 200
    # The admins are told first, then whoever got days (the admin may be one of them).
    told = dms_to(fake, team.admin)[0]
    said = text_of(told.params)
    assert f"<@{ben}>'s Slack account was deactivated" in said and team.name in said
    assert [d for d in team.days(ben) if d >= now().date()] == []
    notices = [
        c
        for c in fake.calls("chat.postMessage", about=team.admin)
        if "deactivated" in str(c.params)
    ]
    assert len(notices) == 1
    for day in ahead:
        assert ben not in team.on(day)
    with Session(db, expire_on_commit=False) as session:  # a second event: nothing left
        again = leave_company(session, team_id=fake.team_id, now=datetime.now(UTC), user=ben)
    assert again.departures == ()


def test_a_profile_change_that_is_not_a_deactivation_changes_nothing(
    team: Rotation, slack: SlackSender, fake: FakeSlack, db: Engine
) -> None:
    cleo = team.people[2]
    before = team.days(cleo)
    assert before
    event = user_change(cleo, fake.team_id, deleted=False)
    assert slack.event(event, event_id=f"Ev{uuid.uuid4().hex[:8]}").status == 200
    # Events are handled after the ack: a deactivation sent next, in another rotation, is
    # waited for, so the profile change above has been handled by the time it is told.
    other = seed(db)
    gone = other.people[0]
    assert (
        slack.event(user_change(gone, fake.team_id, deleted=True), event_id=f"Ev{gone}").status
        == 200
    )
    dms_to(fake, other.admin)
    assert team.days(cleo) == before
    assert fake.calls("chat.postMessage", about=team.admin) == []


def dm_saying(fake: FakeSlack, user: str, words: str) -> list[str]:
    """The texts of the DMs to `user` that say `words`, once there is one (each new DM
    is waited for as it lands; AssertionError if none says it in time)."""
    count = 1
    while True:
        found = dms_to(fake, user, count=count)
        said = [text_of(c.params) for c in found if words in text_of(c.params)]
        if said:
            return said
        count = len(found) + 1


def test_a_reactivated_member_is_reported_to_the_admins_once_and_not_re_added(
    team: Rotation, slack: SlackSender, fake: FakeSlack, db: Engine
) -> None:
    ben = team.people[0]
    gone = slack.event(user_change(ben, fake.team_id, deleted=True), event_id=f"Ev{ben}")
    assert gone.status == 200
    dm_saying(fake, team.admin, "was deactivated")
    back = user_change(ben, fake.team_id, deleted=False)
    assert slack.event(back, event_id=f"Ev{ben}back").status == 200
    [said] = dm_saying(fake, team.admin, "active again")
    assert f"<@{ben}>'s Slack account is active again" in said and team.name in said, said
    assert "not supported yet" in said and "/queueday add" in said
    assert [d for d in team.days(ben) if d > now().date()] == []  # never re-added
    with Session(db, expire_on_commit=False) as session:  # a later profile change: nothing
        again = return_to_company(session, team_id=fake.team_id, now=datetime.now(UTC), user=ben)
    assert again == ()


def test_someone_never_deactivated_is_no_comeback(team: Rotation, db: Engine) -> None:
    with Session(db, expire_on_commit=False) as session:
        found = return_to_company(session, team_id=TEAM, now=datetime.now(UTC), user=team.people[2])
    assert found == ()
