"""The minimum gap and two-day stints end to end: `/queueday config` through the real
server (a signed view_submission), then `/queueday plan` and `publish` planning with them."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy.engine import Engine

import bot.usecases as uc
from scheduling.calendar import WorkCalendar
from scheduling.quarters import quarter_of
from tests.bot.fake_slack import FakeSlack
from tests.bot.flows import TEAM, Person, Rotation, dms_to, now, seed, text_of, wait_calls
from tests.bot.slack_requests import SlackSender


def open_settings(admin: Person, fake: FakeSlack, team: Rotation) -> dict[str, Any]:
    """Type `/queueday config` and read the modal Slack was asked to open."""
    trigger = f"9.7.{team.channel}"
    fields = {"user_id": team.admin, "channel_id": team.channel, "trigger_id": trigger}
    before = len(wait_calls(fake, "views.open", about=trigger, count=0))
    assert admin.slack.command("config", fields=fields).status == 200
    [opened] = wait_calls(fake, "views.open", about=trigger, after=before)
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
    shown = state_of(open_settings(admin, fake, team))  # the modal shows them again
    assert shown["min_gap_days"]["value"]["value"] == "6"
    assert shown["stint_days"]["value"]["selected_option"]["value"] == "2"

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


def stints_of(team: Rotation, user: str) -> list[tuple[date, date]]:
    """The person's upcoming two-day stints (two consecutive working days)."""
    days = team.days(user)
    calendar = WorkCalendar((0, 1, 2, 3, 4), None, None)
    found, k = [], 0
    while k + 1 < len(days):
        between = calendar.working_days(days[k], days[k + 1])
        if len(between) == 2:
            found.append((days[k], days[k + 1]))
            k += 2
        else:
            k += 1
    return found


def test_swap_and_cover_move_a_whole_stint(db: Engine, slack: SlackSender, fake: FakeSlack) -> None:
    team = seed(db, people=4, publish=False)
    moment = now()
    with team.session() as session:
        uc.configure_rotation(
            session, team_id=TEAM, rotation=team.name, actor=team.admin, now=moment,
            stint_days=2,
        )  # fmt: skip
        for offset in (0, 1):
            start, end = quarter_of(moment.date(), 1, offset)
            uc.publish_plan(
                session, team_id=TEAM, rotation=team.name, actor=team.admin, now=moment,
                start=start, end=end, expected_version=None,
            )  # fmt: skip
    asker, other, taker = team.people
    first, second = stints_of(team, asker)[0]
    counts = {u: len(team.days(u)) for u in (asker, other)}
    me = Person(slack, fake, asker, team.channel)
    asked = text_of(me.command(f"swap {first.isoformat()}..{second.isoformat()} with <@{other}>"))
    assert "Asked" in asked and " and " in asked
    [dm] = dms_to(fake, other)
    request = {"text": dm.params["text"], "blocks": dm.json_param("blocks")}
    shown = text_of(request)
    outcome = Person(slack, fake, other, team.channel).click(request, "Accept")
    assert "Swapped" in text_of(outcome)
    assert other in team.on(first) and other in team.on(second)
    assert asker not in team.on(first) and asker not in team.on(second)
    assert {u: len(team.days(u)) for u in (asker, other)} == counts  # two days for two
    assert shown.count(" and ") >= 2  # both of their days and both of the asker's

    # A whole stint covered: both days go to whoever takes it, with one click.
    first, second = stints_of(team, asker)[0]
    covered = text_of(me.command(f"cover {first.isoformat()}..{second.isoformat()}"))
    assert "to cover your" in covered
    post = wait_calls(fake, "chat.postMessage", about=team.channel)[-1]
    offer = {"text": post.params["text"], "blocks": post.json_param("blocks")}
    assert "counts as two days" in text_of(offer)
    Person(slack, fake, taker, team.channel).click(offer, "Take it")
    assert taker in team.on(first) and taker in team.on(second)

    # Three days are no stint: refused, saying why.
    third = stints_of(team, other)[0]
    wrong = text_of(
        Person(slack, fake, other, team.channel).command(
            f"swap {third[0].isoformat()}..{(third[1] + timedelta(days=7)).isoformat()} "
            f"with <@{asker}>"
        )
    )
    assert "two consecutive working days" in wrong
