"""Time-off calendars in `/queueday config`, end to end: the real `queueday serve`, signed
requests, the fake Slack recording views.open / views.push / views.update, and the
server's database."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.slack.views import timeoff_config as views
from bot.usecases.timeoff_feeds import add_time_off_feed, sync_time_off
from bot.usecases.timeoff_fetch import Fetched, fetch
from storage.models import Member, TimeOff, TimeOffFeed
from tests.bot.fake_slack import FakeSlack
from tests.bot.flows import TEAM, Rotation, now, seed, wait_calls
from tests.bot.slack.test_views import texts
from tests.bot.slack_requests import SlackSender
from tests.usecases.icsserver import ics_server

SECRET_URL = "https://acme.bamboohr.com/feeds/feed.php?id=7&type=timeOff&key=S3CR3TKEY"


@pytest.fixture
def team(db: Engine) -> Rotation:
    return seed(db)


def _trigger() -> str:
    return f"trigger-{uuid.uuid4().hex[:10]}"


def _open_settings(slack: SlackSender, fake: FakeSlack, team: Rotation) -> dict[str, Any]:
    trigger = _trigger()
    fields = {"user_id": team.admin, "channel_id": team.channel, "trigger_id": trigger}
    assert slack.command("config", fields=fields).status == 200
    [opened] = wait_calls(fake, "views.open", about=trigger)
    view: dict[str, Any] = opened.json_param("view")
    return {**view, "id": f"VCONFIG{uuid.uuid4().hex[:6]}", "hash": "1.h1"}


def _click(
    slack: SlackSender, user: str, view: dict[str, Any], action_id: str, value: str, trigger: str
) -> None:
    """A button inside a modal, as Slack sends it: the view, no response_url."""
    payload = {
        "type": "block_actions",
        "user": {"id": user, "team_id": TEAM},
        "api_app_id": "A0QUEUEDAY",
        "container": {"type": "view", "view_id": view["id"]},
        "trigger_id": trigger,
        "view": view,
        "actions": [{"action_id": action_id, "block_id": "b", "type": "button", "value": value}],
        "response_url": None,
    }
    assert slack.interaction(payload).status == 200


def _submit(slack: SlackSender, user: str, view: dict[str, Any], url: str | None) -> Any:
    values = {views.URL_BLOCK: {views.URL_ACTION: {"type": "url_text_input", "value": url}}}
    payload = {
        "type": "view_submission",
        "user": {"id": user, "team_id": TEAM},
        "trigger_id": _trigger(),
        "view": {**view, "state": {"values": values}},
    }
    reply = slack.interaction(payload)
    assert reply.status == 200, reply.text
    return reply.json() if reply.body else None


def _button(view: dict[str, Any], action_id: str) -> dict[str, Any]:
    for block in view["blocks"]:
        for element in [*block.get("elements", []), block.get("accessory") or {}]:
            if element.get("action_id") == action_id:
                return dict(element)
    raise AssertionError(f"no {action_id} button in {view.get('callback_id')}")


def _feeds(db: Engine, team: Rotation) -> list[TimeOffFeed]:
    from storage.models import Rotation as RotationRow

    with Session(db) as session:
        row = session.exec(select(RotationRow).where(RotationRow.name == team.name)).one()
        return list(session.exec(select(TimeOffFeed).where(TimeOffFeed.rotation_id == row.id)))


def _pushed(fake: FakeSlack, slack: SlackSender, team: Rotation) -> dict[str, Any]:
    """The rotation's calendars modal, pushed over the settings modal of an admin."""
    settings = _open_settings(slack, fake, team)
    button = _button(settings, views.OPEN)
    assert button["value"] == team.name
    trigger = _trigger()
    _click(slack, team.admin, settings, views.OPEN, button["value"], trigger)
    [pushed] = wait_calls(fake, "views.push", about=trigger)
    view: dict[str, Any] = pushed.json_param("view")
    shown = next(
        v for v in fake.views.values() if v.get("callback_id") == views.FEEDS
        and v.get("private_metadata") == team.name
    )  # fmt: skip
    assert view["callback_id"] == views.FEEDS and view["private_metadata"] == team.name
    return shown


def test_admins_add_and_list_calendars_from_the_settings_modal_the_url_never_shown(
    slack: SlackSender, fake: FakeSlack, team: Rotation, db: Engine
) -> None:
    shown = _pushed(fake, slack, team)
    assert "No time-off calendars yet." in texts(shown["blocks"])
    assert "Secret address in iCal format" in "\n".join(texts(shown["blocks"]))
    answer = _submit(slack, team.admin, shown, SECRET_URL)
    assert answer["response_action"] == "update"
    listed = "\n".join(texts(answer["view"]["blocks"]))
    [feed] = _feeds(db, team)
    assert f"`https://acme.bamboohr.com/…/feed.php?…` (#{feed.id})" in listed
    assert "Added" in listed and "never synced" in listed
    assert "S3CR3TKEY" not in repr(answer) and "key=" not in repr(answer)
    assert feed.created_by == team.admin
    assert _button(answer["view"], views.REMOVE)["value"] == str(feed.id)
    again = _submit(slack, team.admin, shown, SECRET_URL)
    assert again["response_action"] == "errors"
    assert "already syncs that calendar" in again["errors"][views.URL_BLOCK]


@pytest.mark.parametrize(
    ("url", "said"),
    [
        (None, "Paste the calendar's iCal link"),
        ("webcal://calendar.google.com/x/basic.ics", "use https:// instead of webcal://"),
        ("http://hr.example.com/feed.ics", "must start with https://"),
        ("https://10.1.2.3/feed.ics", "private, loopback or link-local address"),
        ("https://[::1]/feed.ics", "private, loopback or link-local address"),
        ("https://localhost/feed.ics", "private, loopback or link-local address"),
        ("https://user:pw@hr.example.com/f.ics", "user name or password"),
        ("https://hr.example.com/" + "x" * 2100, "longer than 2048 characters"),
    ],
)
def test_a_url_that_cannot_be_used_is_refused_under_the_field(
    slack: SlackSender, fake: FakeSlack, team: Rotation, db: Engine, url: str | None, said: str
) -> None:
    view = views.feeds_modal(team.name, [])
    answer = _submit(slack, team.admin, {**view, "id": "VX", "hash": "1.h"}, url)
    assert answer["response_action"] == "errors"
    assert said in answer["errors"][views.URL_BLOCK]
    assert _feeds(db, team) == []


def test_only_admins_see_add_or_remove_calendars(
    slack: SlackSender, fake: FakeSlack, team: Rotation, db: Engine
) -> None:
    someone = team.people[0]
    view = {**views.feeds_modal(team.name, []), "id": f"V{uuid.uuid4().hex[:6]}", "hash": "h"}
    fake.views[view["id"]] = view
    answer = _submit(slack, someone, view, SECRET_URL)
    assert answer["errors"][views.URL_BLOCK].startswith(f"Only an admin of {team.name}")
    assert _feeds(db, team) == []
    trigger = _trigger()
    _click(slack, someone, view, views.OPEN, team.name, trigger)  # a hand-made click
    [pushed] = wait_calls(fake, "views.push", about=trigger)
    assert "Only an admin" in "\n".join(texts(pushed.json_param("view")["blocks"]))
    with Session(db) as session:
        feed_id = add_time_off_feed(
            session, team_id=TEAM, rotation=team.name, actor=team.admin, now=now(),
            url=SECRET_URL, allow_private=False,
        ).id  # fmt: skip
    _click(slack, someone, view, views.REMOVE, str(feed_id), _trigger())
    [updated] = wait_calls(fake, "views.update", about=view["id"])
    assert "Only an admin" in "\n".join(texts(updated.json_param("view")["blocks"]))
    assert [f.id for f in _feeds(db, team)] == [feed_id]


def test_remove_cancels_the_calendars_time_off_to_come_and_redraws_the_list(
    slack: SlackSender, fake: FakeSlack, team: Rotation, db: Engine
) -> None:
    person = team.people[1]
    day = team.days(person)[0]
    hand = day + timedelta(days=1)
    body = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:x1\r\n"
        f"DTSTAMP:20270101T000000Z\r\nDTSTART;VALUE=DATE:{day:%Y%m%d}\r\n"
        f"DTEND;VALUE=DATE:{day + timedelta(days=1):%Y%m%d}\r\n"
        f"SUMMARY:Person {person} (Vacation)\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )

    def get(url: str, etag: str | None, modified: str | None) -> Fetched:
        return fetch(url, etag=etag, last_modified=modified, allow_private=True, timeout=5)

    with ics_server() as ics, Session(db, expire_on_commit=False) as session:
        feed = add_time_off_feed(
            session, team_id=TEAM, rotation=team.name, actor=team.admin, now=now(),
            url=ics.serve("/hr.ics", body), allow_private=True,
        )  # fmt: skip
        [report] = sync_time_off(session, team_id=TEAM, now=now(), fetch=get, rotation=team.name)
        assert len(report.booked) == 1, report
        member = session.exec(select(Member).where(Member.user_id == person)).one()
        session.add(TimeOff(member_id=member.id or 0, first_day=hand, last_day=hand,
                            created_by=person, created_at=now()))  # fmt: skip
        session.commit()
    assert day not in team.days(person)
    shown = _pushed(fake, slack, team)
    assert "1 absence booked" in "\n".join(texts(shown["blocks"]))
    _click(slack, team.admin, shown, views.REMOVE, str(feed.id), _trigger())
    [updated] = wait_calls(fake, "views.update", about=shown["id"])
    assert updated.params["hash"] == shown["hash"]
    redrawn = "\n".join(texts(updated.json_param("view")["blocks"]))
    assert (
        "Removed `http://127.0.0.1:" in redrawn and "1 absence it had booked cancelled" in redrawn
    )
    assert "No time-off calendars yet." in redrawn
    assert _feeds(db, team) == []
    with Session(db) as session:
        left = session.exec(select(TimeOff).where(TimeOff.member_id == member.id)).all()
    assert [(t.first_day, t.feed_id) for t in left] == [(hand, None)]  # hand-booked stays


def test_config_me_adds_and_removes_ones_own_calendar_only(
    slack: SlackSender, fake: FakeSlack, team: Rotation, db: Engine
) -> None:
    person, other = team.people[0], team.people[1]
    trigger = _trigger()
    fields = {"user_id": person, "channel_id": "D0DM", "trigger_id": trigger}
    assert slack.command("config me", fields=fields).status == 200
    [opened] = wait_calls(fake, "views.open", about=trigger)
    view = opened.json_param("view")
    assert view["callback_id"] == views.MINE and "No calendar yet." in texts(view["blocks"])
    shown = {**view, "id": f"VME{uuid.uuid4().hex[:6]}", "hash": "1.h1"}
    fake.views[shown["id"]] = shown
    secret = "https://calendar.google.com/calendar/ical/p%40example.com/private-S3CR3T/basic.ics"
    bad = _submit(slack, person, shown, "https://127.0.0.1/basic.ics")
    assert "private, loopback" in bad["errors"][views.URL_BLOCK]
    outsider = _submit(slack, "U0NOTINANY", shown, secret)
    assert "not in any rotation" in outsider["errors"][views.URL_BLOCK]
    answer = _submit(slack, person, shown, secret)
    assert answer["response_action"] == "update" and answer["view"]["callback_id"] == views.MINE
    listed = "\n".join(texts(answer["view"]["blocks"]))
    assert "https://calendar.google.com/…/basic.ics" in listed and "S3CR3T" not in repr(answer)
    with Session(db) as session:
        [feed] = session.exec(select(TimeOffFeed).where(TimeOffFeed.owner == person)).all()
    assert feed.rotation_id is None
    _click(slack, other, shown, views.REMOVE_MINE, str(feed.id), _trigger())  # not theirs
    [refused] = wait_calls(fake, "views.update", about=shown["id"])
    assert f"You have no out-of-office calendar #{feed.id}" in "\n".join(
        texts(refused.json_param("view")["blocks"])
    )
    _click(slack, person, shown, views.REMOVE_MINE, str(feed.id), _trigger())
    [_, removed] = wait_calls(fake, "views.update", about=shown["id"], count=2)
    assert "Removed `https://calendar.google.com/…/basic.ics`" in "\n".join(
        texts(removed.json_param("view")["blocks"])
    )
    with Session(db) as session:
        assert session.exec(select(TimeOffFeed).where(TimeOffFeed.owner == person)).all() == []


def test_the_app_homes_button_opens_my_settings(
    slack: SlackSender, fake: FakeSlack, team: Rotation
) -> None:
    from bot.slack.views.home import OPEN_MINE

    person, trigger = team.people[2], _trigger()
    home = {"id": f"VHOME{uuid.uuid4().hex[:6]}", "type": "home", "blocks": [], "hash": "1.h"}
    _click(slack, person, home, OPEN_MINE, "mine", trigger)
    [opened] = wait_calls(fake, "views.open", about=trigger)
    view = opened.json_param("view")
    assert view["callback_id"] == views.MINE and "No calendar yet." in texts(view["blocks"])
