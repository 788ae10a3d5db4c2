"""The minimum gap and two-day stints end to end: `/queueday config` through the real
server (a signed view_submission), then `/queueday plan` and `publish` planning with them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy.engine import Engine

import bot.usecases as uc
from scheduling.calendar import WorkCalendar
from scheduling.quarters import quarter_of
from storage.db import make_engine
from tests.bot.fake_slack import FakeSlack
from tests.bot.flows import TEAM, Person, Rotation, dms_to, now, seed, text_of, wait_calls
from tests.bot.server import RunningServer
from tests.bot.slack_requests import SlackSender


@pytest.fixture(scope="module")
def db(server: RunningServer) -> Iterator[Engine]:
    """The server's own database (a SQLite file in WAL mode, shared with the server)."""
    engine = make_engine(f"sqlite:///{server.log_path.parent / 'queueday.db'}")
    yield engine
    engine.dispose()


def open_settings(admin: Person, fake: FakeSlack, team: Rotation) -> dict[str, Any]:
    """Type `/queueday config` and read the modal Slack was asked to open."""
    trigger = f"9.7.{team.channel}"
    fields = {"user_id": team.admin, "channel_id": team.channel, "trigger_id": trigger}
    assert admin.slack.command("config", fields=fields).status == 200
    [opened] = wait_calls(fake, "views.open", about=trigger)
    view: dict[str, Any] = opened.json_param("view")
    return view


def state_of(view: dict[str, Any]) -> dict[str, Any]:
    """The view's inputs as Slack submits them untouched (state.values)."""
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element = block["element"]
        kind = element["type"]
        if kind in ("plain_text_input", "number_input"):
            state = {"type": kind, "value": element.get("initial_value")}
        elif kind == "timepicker":
            state = {"type": kind, "selected_time": element.get("initial_time")}
        elif kind == "radio_buttons":
            state = {"type": kind, "selected_option": element.get("initial_option")}
        else:
            state = {"type": kind, "selected_options": element.get("initial_options", [])}
        values[block["block_id"]] = {"value": state}
    return values


def days_of(team: Rotation, start: date, end: date) -> dict[str, list[int]]:
    """Each person's days of [start, end] as working-day numbers (Monday to Friday)."""
    working = WorkCalendar((0, 1, 2, 3, 4), None, None).working_days(start, end)
    index = {day: t for t, day in enumerate(working)}
    found: dict[str, list[int]] = {user: [] for user in team.everyone}
    for day in working:
        for user in team.on(day):
            found[user].append(index[day])
    return found


def test_config_sets_the_gap_and_stints_and_publish_plans_with_them(
    db: Engine, slack: SlackSender, fake: FakeSlack
) -> None:
    team = seed(db, people=4, publish=False)
    admin = Person(slack, fake, team.admin, team.channel)
    view = open_settings(admin, fake, team)
    values = state_of(view)
    assert values["min_gap_days"]["value"]["value"] is None  # off until set
    assert values["stint_days"]["value"]["selected_option"]["value"] == "1"
    values["min_gap_days"]["value"]["value"] = "0"
    values["stint_days"]["value"]["selected_option"] = None
    errors = admin.submit("config", values, team.name)
    assert errors["response_action"] == "errors"
    assert errors["errors"] == {
        "min_gap_days": "Enter a whole number, 1 to 366, or leave it empty.",
        "stint_days": "Pick single days or two-day stints.",
    }
    with team.session() as session:  # nothing was saved
        kept = uc.rotation_settings(session, team_id=TEAM, rotation=team.name, actor=team.admin)
    assert (kept.min_gap_days, kept.stint_days) == (None, 1)
    values["min_gap_days"]["value"]["value"] = "6"
    values["stint_days"]["value"]["selected_option"] = {"value": "2"}
    assert admin.submit("config", values, team.name) is None
    saved = text_of(dms_to(fake, team.admin)[0].params)
    assert "two-day stints, at least 6 working days between stints" in saved
    assert open_settings(admin, fake, team) is not None  # the modal shows them again

    reply = text_of(admin.command("publish next quarter"))
    assert "Published" in reply and "could not keep the rules" not in reply
    start, end = quarter_of(now().date(), 1, 1)
    for user, at in days_of(team, start, end).items():
        steps = [b - a for a, b in zip(at, at[1:], strict=False)]
        runs = [1]
        for step in steps:
            runs[-1:] = [runs[-1] + 1] if step == 1 else [runs[-1], 1]
        assert set(runs) <= {1, 2} and runs.count(1) == len(at) % 2, (user, runs)
        assert min(s for s in steps if s != 1) >= 6, (user, steps)


def test_plan_and_publish_tell_the_admin_where_the_gap_cannot_hold(
    db: Engine, slack: SlackSender, fake: FakeSlack
) -> None:
    # Two people, one a day: every other day is someone's, so a three-day gap cannot
    # hold for anyone; coverage stays and the replies say where the rule gives way.
    team = seed(db, people=2, publish=False)
    with team.session() as session:
        uc.configure_rotation(
            session, team_id=TEAM, rotation=team.name, actor=team.admin, now=now(),
            min_gap_days=3,
        )  # fmt: skip
    admin = Person(slack, fake, team.admin, team.channel)
    preview = text_of(admin.command("plan next quarter"))
    assert "places where the plan could not keep the rules" in preview
    assert "closer than min_gap_days 3" in preview and "more" in preview
    published = text_of(admin.command("publish next quarter"))
    assert "places where the plan could not keep the rules" in published
    start, end = quarter_of(now().date(), 1, 1)
    assert sum(len(at) for at in days_of(team, start, end).values()) == len(
        WorkCalendar((0, 1, 2, 3, 4), None, None).working_days(start, end)
    )  # every day covered
