"""Every /queueday subcommand end to end: the real `queueday serve`, signed requests, the
fake Slack Web API, and the server's SQLite database seeded through the use cases."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import bot.usecases as uc
from bot.usecases.history_import import HistoryRow, import_history
from storage.models import Member
from storage.models import Rotation as RotationRow
from tests.bot.fake_slack import RESPONSE_URL, FakeSlack, email_of
from tests.bot.flows import (
    TEAM,
    Person,
    Rotation,
    buttons_of,
    dms_to,
    homes_of,
    now,
    seed,
    text_of,
    wait_calls,
)
from tests.bot.slack_requests import SlackSender


@pytest.fixture
def team(db: Engine) -> Rotation:
    return seed(db)


@pytest.fixture
def as_(slack: SlackSender, fake: FakeSlack, team: Rotation) -> Callable[..., Person]:
    """`as_(user)` types in the rotation's channel, `as_(user, channel)` elsewhere."""

    def person(user: str, channel: str | None = None) -> Person:
        return Person(slack, fake, user, channel or team.channel)

    return person


# -- seeing the queue


def test_who_is_posted_in_the_channel(team: Rotation, as_: Callable[..., Person]) -> None:
    someone = team.people[0]
    day = team.days(someone)[0]
    reply = as_(someone).command(f"who {day.isoformat()}")
    assert reply["response_type"] == "in_channel"
    assert f"<@{someone}>" in text_of(reply) and team.name in text_of(reply)
    elsewhere = as_(someone, "C0ELSEWHERE").command(f"who {day.isoformat()} {team.name}")
    assert f"<@{someone}>" in text_of(elsewhere)


def test_who_says_why_nobody_is_on(team: Rotation, as_: Callable[..., Person]) -> None:
    saturday = now().date() + timedelta(days=(5 - now().date().weekday()) % 7)
    reply = as_(team.admin).command(f"who {saturday.isoformat()}")
    assert "not a working day (Saturday)" in text_of(reply)
    nope = as_(team.admin).command("who tomorrow nosuchrotation")
    assert "There is no rotation called `nosuchrotation`" in text_of(nope)
    assert nope["response_type"] == "ephemeral"


def test_my_shows_next_days_balance_and_calendar_links(
    team: Rotation, as_: Callable[..., Person]
) -> None:
    someone = team.people[1]
    reply = as_(someone).command("my")
    assert reply["response_type"] == "ephemeral"
    shown = text_of(reply)
    assert team.name in shown and "Balance" in shown and "Next days" in shown
    assert "http://queueday.test/calendar/" in shown
    stranger = as_("U0STRANGER1").command("my")
    assert "not in a rotation yet" in text_of(stranger)


def test_calendar_links_and_resetting_mine(
    team: Rotation, as_: Callable[..., Person], fake: FakeSlack
) -> None:
    me = as_(team.people[0])
    reply = me.command("calendar")
    before = [line for line in text_of(reply).split() if "/calendar/" in line]
    assert before and "Reset my links" in buttons_of(reply)
    after = me.click(reply, "Reset my links")
    assert after.get("replace_original") is True
    links = [line for line in text_of(after).split() if "/calendar/" in line]
    assert links and links[0] != before[0]  # the person's own link is new
    assert homes_of(fake, team.people[0])
    nobody = as_("U0NOLINKS1").command("calendar")
    assert "no calendar links yet" in text_of(nobody)
    unknown = me.command("calendar nosuchrotation")
    assert "There is no rotation called `nosuchrotation`" in text_of(unknown)


def test_schedule_this_and_next_quarter(team: Rotation, as_: Callable[..., Person]) -> None:
    someone = team.people[2]
    this = as_(someone).command("schedule")
    assert "this quarter" in text_of(this) and f"<@{someone}>" in text_of(this)
    following = as_(someone).command(f"schedule next quarter {team.name}")
    assert "next quarter" in text_of(following)
    unknown = as_(someone).command("schedule this quarter nosuchrotation")
    assert "There is no rotation called `nosuchrotation`" in text_of(unknown)


def test_schedule_of_an_unpublished_quarter(db: Engine, as_: Callable[..., Person]) -> None:
    bare = seed(db, publish=False)
    reply = as_(bare.admin, bare.channel).command("schedule next quarter")
    assert "Nothing is published" in text_of(reply)


def test_stats_is_the_fairness_report(team: Rotation, as_: Callable[..., Person]) -> None:
    reply = as_(team.admin).command("stats")
    shown = text_of(reply)
    assert "fairness" in shown and "Furthest from fair" in shown
    assert all(f"<@{u}>" in shown for u in team.everyone)


# -- rotation inference


def test_the_rotation_is_inferred_or_the_options_listed(
    db: Engine, team: Rotation, as_: Callable[..., Person]
) -> None:
    other = seed(db, people=2)
    both = team.people[0]
    with team.session() as session:
        uc.add_members(
            session, team_id=TEAM, rotation=other.name, actor=other.admin, now=now(),
            people=[uc.NewMember(both, "Both")],
        )  # fmt: skip
    outside = "C0NOROTATION"
    only_one = as_(team.people[1], outside).command("stats")
    assert f"{team.name}: fairness" in text_of(only_one)  # their only rotation
    ambiguous = as_(both, outside).command("stats")
    shown = text_of(ambiguous)
    assert "more than one rotation" in shown and team.name in shown and other.name in shown
    assert f"/queueday stats {min(team.name, other.name)}" in shown
    named = as_(both, outside).command(f"stats {other.name}")
    assert f"{other.name}: fairness" in text_of(named)
    by_channel = as_(both, other.channel).command("stats")
    assert f"{other.name}: fairness" in text_of(by_channel)
    bug = as_(both, outside).command("bug Something broke")
    assert "rotation's channel" in text_of(bug)


# -- your days


def test_join_and_leave(team: Rotation, as_: Callable[..., Person], fake: FakeSlack) -> None:
    newcomer = as_("U0JOIN" + team.channel[1:])
    joined = newcomer.command("join")
    assert f"You joined *{team.name}*" in text_of(joined)
    assert homes_of(fake, newcomer.user)
    again = newcomer.command("join")
    assert "already a member" in text_of(again)
    left = newcomer.command("leave")
    assert f"You left *{team.name}*" in text_of(left)
    admin_leaving = as_(team.admin).command("leave")
    assert "only admin" in text_of(admin_leaving)


def test_away_books_lists_and_cancels(
    team: Rotation, as_: Callable[..., Person], fake: FakeSlack
) -> None:
    someone = team.people[0]
    day = team.days(someone)[0]
    me = as_(someone)
    booked = me.command(f"away {day.isoformat()}..{(day + timedelta(days=1)).isoformat()} dentist")
    shown = text_of(booked)
    assert "Booked time off" in shown and "dentist" in shown and "went to others" in shown
    taker = next(u for u in team.on(day))
    assert taker != someone
    assert "new queue days" in text_of(dms_to(fake, taker)[0].params)
    assert homes_of(fake, someone) and homes_of(fake, taker)
    listed = me.command("away list")
    assert "dentist" in text_of(listed) and "Cancel" in buttons_of(listed)
    overlapping = me.command(f"away {day.isoformat()}")
    assert "overlaps" in text_of(overlapping)
    cancelled = me.command(f"away cancel {day.isoformat()}")
    assert "Cancelled your time off" in text_of(cancelled)
    assert "no time off booked" in text_of(me.command("away list"))
    past = me.command("away yesterday")
    assert "in the past" in text_of(past)


def test_away_cancel_by_button(team: Rotation, as_: Callable[..., Person]) -> None:
    me = as_(team.people[1])
    day = team.days(team.people[1])[-1]
    me.command(f"away {day.isoformat()} trip")
    listed = me.command("away list")
    done = me.click(listed, "Cancel")
    assert "Cancelled your time off" in text_of(done) and done.get("replace_original") is True


def test_swap_accepted(team: Rotation, as_: Callable[..., Person], fake: FakeSlack) -> None:
    asker, other = team.people[0], team.people[1]
    mine, theirs = team.days(asker)[0], team.days(other)[0]
    asked = as_(asker).command(f"swap {mine.isoformat()} with <@{other}> {theirs.isoformat()}")
    assert "Asked" in text_of(asked) and "Withdraw" in buttons_of(asked)
    [dm] = dms_to(fake, other)
    request = {"text": dm.params["text"], "blocks": dm.json_param("blocks")}
    assert {"Accept", "Decline"} <= set(buttons_of(request))
    outcome = as_(other).click(request, "Accept")
    assert "Swapped" in text_of(outcome) and outcome.get("replace_original") is True
    assert "Swapped" in text_of(dms_to(fake, asker)[0].params)
    assert other in team.on(mine) and asker in team.on(theirs)
    assert asker not in team.on(mine) and other not in team.on(theirs)
    assert homes_of(fake, asker) and homes_of(fake, other)
    twice = as_(other).click(request, "Accept")
    assert "already accepted" in text_of(twice)


def test_swap_declined(team: Rotation, as_: Callable[..., Person], fake: FakeSlack) -> None:
    asker, other = team.people[1], team.people[2]
    mine = team.days(asker)[0]
    as_(asker).command(f"swap {mine.isoformat()} with <@{other}>")  # their nearest day
    [dm] = dms_to(fake, other)
    request = {"text": dm.params["text"], "blocks": dm.json_param("blocks")}
    outcome = as_(other).click(request, "Decline")
    assert "declined" in text_of(outcome)
    assert "declined" in text_of(dms_to(fake, asker)[0].params)
    assert asker in team.on(mine)


def test_accepting_a_swap_whose_day_changed_is_refused(
    team: Rotation, as_: Callable[..., Person], fake: FakeSlack
) -> None:
    asker, other, third = team.people
    mine, theirs = team.days(asker)[0], team.days(other)[0]
    as_(asker).command(f"swap {mine.isoformat()} with <@{other}> {theirs.isoformat()}")
    [dm] = dms_to(fake, other)
    request = {"text": dm.params["text"], "blocks": dm.json_param("blocks")}
    # The person asked books time off on the day they would take: still open, now invalid.
    as_(other).command(f"away {mine.isoformat()}")
    refused = as_(other).click(request, "Accept")
    assert "is away on" in text_of(refused) and refused.get("replace_original") is not True
    assert asker in team.on(mine)
    # The asker gives their day away meanwhile: the request is closed with it.
    as_(asker).command(f"away {mine.isoformat()}")
    closed = as_(other).click(request, "Accept")
    assert "already cancelled" in text_of(closed)
    assert third  # the rotation's third person took neither day


def test_a_swap_request_can_be_withdrawn(
    team: Rotation, as_: Callable[..., Person], fake: FakeSlack
) -> None:
    asker, other = team.people[2], team.people[0]
    asked = as_(asker).command(f"swap {team.days(asker)[0].isoformat()} with <@{other}>")
    withdrawn = as_(asker).click(asked, "Withdraw")
    assert "withdrawn" in text_of(withdrawn)
    assert "withdrawn" in text_of(dms_to(fake, other, count=2)[-1].params)


def test_swap_refusals(team: Rotation, as_: Callable[..., Person]) -> None:
    asker = team.people[0]
    not_mine = next(d for d in team.days(team.people[1]) if asker not in team.on(d))
    refused = as_(asker).command(f"swap {not_mine.isoformat()} with <@{team.people[1]}>")
    assert "is not on the queue" in text_of(refused)
    stranger = as_(asker).command(f"swap {team.days(asker)[0].isoformat()} with <@U0NOBODY9>")
    assert "not a member" in text_of(stranger)
    unparsable = as_(asker).command("swap soon with someone")
    assert "Usage: `/queueday swap" in text_of(unparsable)


def test_cover_by_someone_named(
    team: Rotation, as_: Callable[..., Person], fake: FakeSlack
) -> None:
    asker, helper = team.people[1], team.people[2]
    day = next(d for d in team.days(asker) if helper not in team.on(d))
    as_(asker).command(f"cover {day.isoformat()} <@{helper}>")
    [dm] = dms_to(fake, helper)
    request = {"text": dm.params["text"], "blocks": dm.json_param("blocks")}
    outcome = as_(helper).click(request, "Accept")
    assert "covers" in text_of(outcome)
    assert helper in team.on(day) and asker not in team.on(day)


def test_cover_by_anyone_is_posted_in_the_channel(
    team: Rotation, as_: Callable[..., Person], fake: FakeSlack
) -> None:
    asker = team.people[0]
    day = team.days(asker)[0]
    asked = as_(asker, "C0SOMEWHEREELSE").command(f"cover {day.isoformat()}")
    assert "Asked everyone" in text_of(asked)
    [post] = dms_to(fake, team.channel)  # the rotation's channel
    request = {"text": post.params["text"], "blocks": post.json_param("blocks")}
    taker = next(u for u in team.everyone if u != asker and u not in team.on(day))
    outcome = as_(taker).click(request, "Take it")
    assert "covers" in text_of(outcome) and taker in team.on(day)
    mine = as_(asker).command(f"cover {team.days(asker)[0].isoformat()} <@{asker}>")
    assert "yourself" in text_of(mine)


# -- bugs and highlights


def test_bug_and_highlight(team: Rotation, as_: Callable[..., Person]) -> None:
    me = as_(team.people[0])
    bug = me.command("bug Export times out <https://tracker.test/QD-1|QD-1> #billing")
    assert "Saved bug ticket" in text_of(bug) and "billing" in text_of(bug)
    highlight = me.command("highlight Acme loves the invoices #billing")
    assert "Saved highlight" in text_of(highlight)
    empty = me.command("bug #billing")
    assert "say what it is about" in text_of(empty)
    stranger = as_("U0OUTSIDER1").command("bug Something")
    assert "is not a member" in text_of(stranger)


# -- admins


def test_create_a_rotation(slack: SlackSender, fake: FakeSlack, db: Engine) -> None:
    creator = Person(slack, fake, "U0CREATOR1", "C0NEWROTATION")
    reply = creator.command("create Payments")
    assert "Created the rotation *payments*" in text_of(reply) and "<#C0NEWROTATION>" in text_of(
        reply
    )
    with Session(db) as session:
        row = session.exec(select(RotationRow).where(RotationRow.name == "payments")).one()
    assert (row.channel, row.timezone) == ("C0NEWROTATION", "Europe/Berlin")  # users.info tz
    again = creator.command("create payments")
    assert "already a rotation called 'payments'" in text_of(again)
    bad = creator.command("create <#C0X|x>")
    assert "Usage: `/queueday create" in text_of(bad)


def test_config_opens_the_settings_modal_and_checks_the_submission(
    team: Rotation, as_: Callable[..., Person], fake: FakeSlack
) -> None:
    admin = as_(team.admin)
    trigger = f"1.2.{team.channel}"
    fields = {"user_id": team.admin, "channel_id": team.channel, "trigger_id": trigger}
    assert admin.slack.command("config", fields=fields).status == 200
    [opened] = wait_calls(fake, "views.open", about=trigger)
    assert opened.params["trigger_id"] == trigger
    view = opened.json_param("view")
    assert view["callback_id"] == "config" and view["private_metadata"] == team.name
    values = {b["block_id"]: {"value": _initial(b)} for b in view["blocks"] if b["type"] == "input"}
    values["timezone"]["value"] = {"type": "plain_text_input", "value": "Mars/Olympus"}
    values["country"]["value"] = {"type": "plain_text_input", "value": "XX"}
    values["workdays"]["value"] = {"type": "checkboxes", "selected_options": []}
    errors = admin.submit("config", values, team.name)
    assert errors["response_action"] == "errors"
    assert set(errors["errors"]) == {"timezone", "country", "workdays"}
    values["timezone"]["value"] = {"type": "plain_text_input", "value": "Europe/Berlin"}
    values["country"]["value"] = {"type": "plain_text_input", "value": "DE"}
    values["workdays"]["value"] = {
        "type": "checkboxes",
        "selected_options": [{"value": d} for d in ("MO", "TU", "WE", "TH")],
    }
    assert admin.submit("config", values, team.name) is None
    assert "Saved the settings" in text_of(dms_to(fake, team.admin)[0].params)
    with team.session() as session:
        saved = uc.rotation_settings(session, team_id=TEAM, rotation=team.name, actor=team.admin)
    assert (saved.country, saved.workdays) == ("DE", ("MO", "TU", "WE", "TH"))
    assert saved.queue_handle == f"{team.name}-today"  # the round trip kept the defaults
    assert (saved.queue_group, saved.queue_topic, saved.queue_post) == (True, True, True)
    values["queue_channel"]["value"] = {
        "type": "checkboxes",
        "selected_options": [{"value": "queue_group"}, {"value": "queue_topic_overwrite"}],
    }
    values["queue_handle"]["value"] = {"type": "plain_text_input", "value": "Not A Handle"}
    errors = admin.submit("config", values, team.name)
    assert set(errors["errors"]) == {"queue_handle"}
    assert "lower-case letters" in errors["errors"]["queue_handle"]
    values["queue_handle"]["value"] = {"type": "plain_text_input", "value": "@oncall-now"}
    assert admin.submit("config", values, team.name) is None
    with team.session() as session:
        saved = uc.rotation_settings(session, team_id=TEAM, rotation=team.name, actor=team.admin)
    assert saved.queue_handle == "oncall-now"
    assert (saved.queue_group, saved.queue_topic, saved.queue_post) == (True, False, False)
    assert saved.queue_topic_overwrite is True
    not_admin = as_(team.people[0]).command("config")
    assert "Only an admin" in text_of(not_admin)


def test_handle_names_the_user_group_admins_only(
    team: Rotation, as_: Callable[..., Person]
) -> None:
    admin = as_(team.admin)
    reply = text_of(admin.command("handle <!subteam^S0GROUP1|@queue-today>"))
    assert "now `@queue-today`" in reply
    with team.session() as session:
        saved = uc.rotation_settings(session, team_id=TEAM, rotation=team.name, actor=team.admin)
    assert saved.queue_handle == "queue-today"
    assert "lower-case letters" in text_of(admin.command("handle @Bad!Handle"))
    assert "Usage: `/queueday handle" in text_of(admin.command("handle"))
    assert "Only an admin" in text_of(as_(team.people[0]).command("handle @mine"))


def _initial(block: dict[str, object]) -> dict[str, object]:
    element = dict(block["element"])  # type: ignore[call-overload]
    kind = element["type"]
    if kind == "plain_text_input":
        return {"type": kind, "value": element.get("initial_value")}
    if kind == "number_input":
        return {"type": kind, "value": element.get("initial_value")}
    if kind == "timepicker":
        return {"type": kind, "selected_time": element.get("initial_time")}
    if kind in ("radio_buttons", "static_select"):
        return {"type": kind, "selected_option": element.get("initial_option")}
    return {"type": kind, "selected_options": element.get("initial_options", [])}


def test_add_remove_and_admin(team: Rotation, as_: Callable[..., Person], fake: FakeSlack) -> None:
    admin = as_(team.admin)
    newcomers = [f"U0NEW{n}{team.channel[1:]}" for n in (1, 2)]
    added = admin.command(f"add <@{newcomers[0]}|new1> <@{newcomers[1]}> <@{team.people[0]}>")
    shown = text_of(added)
    assert "Added" in shown and "already a member" in shown
    assert all("added you" in text_of(dms_to(fake, u)[0].params) for u in newcomers)
    made = admin.command(f"admin <@{newcomers[0]}>")
    assert "now an admin" in text_of(made)
    removed = admin.command(f"remove <@{newcomers[1]}>")
    assert "Removed" in text_of(removed)
    for text in (
        f"add <@{newcomers[1]}>",
        f"remove <@{team.people[0]}>",
        f"admin <@{team.people[0]}>",
    ):
        refused = as_(team.people[1]).command(text)
        assert "Only an admin" in text_of(refused), text
    two = admin.command(f"remove <@{team.people[0]}> <@{team.people[1]}>")
    assert "one person at a time" in text_of(two)


def test_people_added_or_joining_through_slack_are_matched_by_email_in_history(
    team: Rotation, as_: Callable[..., Person], db: Engine
) -> None:
    added, joining = (f"U0MAIL{n}{team.channel[1:]}" for n in (1, 2))
    assert "Added" in text_of(as_(team.admin).command(f"add <@{added}>"))
    assert "You joined" in text_of(as_(joining).command("join"))
    with Session(db) as session:
        rows = session.exec(select(Member).where(Member.user_id.in_([added, joining]))).all()  # type: ignore[attr-defined]
    assert {m.user_id: m.email for m in rows} == {u: email_of(u) for u in (added, joining)}
    day = now().date() - timedelta(days=1)
    history = [HistoryRow(1, day, email_of(added).upper()), HistoryRow(2, day, email_of(joining))]
    with team.session() as session:
        report = import_history(
            session, team_id=TEAM, rotation=team.name, actor=team.admin, now=now(), rows=history
        )
    assert (report.unknown, report.imported) == ((), 2)


def test_plan_preview_and_publish_button(
    team: Rotation, as_: Callable[..., Person], fake: FakeSlack
) -> None:
    admin = as_(team.admin)
    preview = admin.command("plan next quarter")
    shown = text_of(preview)
    assert "(preview)" in shown and "Largest gap" in shown and "balance" in shown
    with team.session() as session:
        uc.add_members(
            session, team_id=TEAM, rotation=team.name, actor=team.admin, now=now(),
            people=[uc.NewMember("U0LATE" + team.channel[1:], "Late")],
        )  # fmt: skip
    fresh = admin.command("plan next quarter")
    published = admin.click(fresh, "Publish")
    assert "Published" in text_of(published) and published.get("replace_original") is True
    assert homes_of(fake, team.admin)
    stale = admin.click(preview, "Publish")  # previewed before that publish
    assert "published meanwhile" in text_of(stale)
    not_admin = as_(team.people[0]).command("plan")
    assert "Only an admin" in text_of(not_admin)


def test_publish_command(team: Rotation, as_: Callable[..., Person]) -> None:
    published = as_(team.admin).command("publish next quarter")
    assert "Published" in text_of(published)
    refused = as_(team.people[0]).command("publish")
    assert "Only an admin" in text_of(refused)


# -- App Home


def test_app_home_shows_my_days_and_the_fortnight(
    team: Rotation, slack: SlackSender, fake: FakeSlack
) -> None:
    someone = team.people[0]
    event = {"type": "app_home_opened", "user": someone, "channel": "D0HOME", "tab": "home"}
    assert slack.event(event, event_id=f"EvHome{team.channel}").status == 200
    [view] = homes_of(fake, someone)
    shown = text_of(view)
    assert team.name in shown and "the next two weeks" in shown and "Balance" in shown
    assert {"Book time off", "Swap or give away a day", "My calendar feed"} <= set(buttons_of(view))


def test_app_home_buttons_open_modals_whose_submissions_work(
    team: Rotation, as_: Callable[..., Person], fake: FakeSlack
) -> None:
    me = as_(team.people[1])
    view = {
        "blocks": [
            {
                "type": "actions",
                "elements": [
                    {"type": "button", "text": {"type": "plain_text", "text": label},
                     "action_id": action, "value": "x"}
                    for label, action in (("away", "home:away"), ("swap", "home:swap"))
                ],
            }
        ]
    }  # fmt: skip
    me.click(view, "away", wait=False)
    me.click(view, "swap", wait=False)
    opened = [
        c.json_param("view") for c in wait_calls(fake, "views.open", about=me.triggers, count=2)
    ]
    assert {v["callback_id"] for v in opened} == {"away", "swap"}
    day = team.days(me.user)[0]
    bad = me.submit("away", {"first": {"value": {"type": "datepicker", "selected_date": None}}})
    assert bad["errors"] == {"first": "Pick the first day."}
    form = {
        "first": {"value": {"type": "datepicker", "selected_date": day.isoformat()}},
        "note": {"value": {"type": "plain_text_input", "value": "parents visiting"}},
    }
    assert me.submit("away", form) is None
    assert "parents visiting" in text_of(dms_to(fake, me.user)[0].params)
    assert me.user not in team.on(day)
    other = team.people[2]
    swap = {
        "my_day": {"value": {"type": "static_select",
                             "selected_option": {"value": f"{team.name}|{team.days(me.user)[0]}"}}},
        "kind": {"value": {"type": "radio_buttons", "selected_option": {"value": "swap"}}},
        "person": {"value": {"type": "users_select", "selected_user": other}},
    }  # fmt: skip
    assert me.submit("swap", swap) is None
    assert "asks to swap" in text_of(dms_to(fake, other)[0].params)
    swap["person"] = {"value": {"type": "users_select", "selected_user": None}}
    assert me.submit("swap", swap)["errors"] == {"person": "Pick who to swap with."}
    # A refusal under a modal's input is plain text: no <@U…> markup, friendly days.
    theirs = next(d for d in team.days(other) if d not in team.days(me.user))
    swap["my_day"] = {
        "value": {"type": "static_select", "selected_option": {"value": f"{team.name}|{theirs}"}}
    }
    swap["person"] = {"value": {"type": "users_select", "selected_user": other}}
    refused = me.submit("swap", swap)["errors"]["my_day"]
    assert f"@{me.user} is not on the queue on {theirs:%a} {theirs.day} " in refused, refused
    assert "<@" not in refused and theirs.isoformat() not in refused


def test_every_reply_above_answered_at_the_response_url_or_in_the_ack(fake: FakeSlack) -> None:
    """Nothing a test above did left a response_url call unanswered (a sanity check)."""
    assert all(c.status == 200 for c in fake.calls(RESPONSE_URL))
