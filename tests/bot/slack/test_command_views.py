"""The command replies' builders within Slack's limits at any size, the text rendering of
the console, and a listener for every button and modal the builders make."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_bolt import App, BoltRequest

from bot.slack.app import SlackConfig, create_app
from bot.slack.commands import BY_NAME
from bot.slack.views import (
    admin,
    config,
    days,
    home,
    mine,
    modals,
    notes,
    queue,
    rotations,
    swaps,
    timeoff_config,
)
from bot.slack.views.limits import MAX_VIEW_BLOCKS
from bot.slack.views.text import message_text, view_text
from bot.usecases.lookup import RotationUnclear
from bot.usecases.members import AddResult, MemberInfo
from bot.usecases.notes import NoteInfo
from bot.usecases.overview import (
    AwayEntry,
    HomeOverview,
    MyOverview,
    MyRotation,
    QueueDay,
    Schedule,
)
from bot.usecases.plans import PlanPreview, PublishResult
from bot.usecases.reports import FairnessReport, MemberBalance
from bot.usecases.rotations import RotationSettings
from bot.usecases.swaps import RequestInfo
from bot.usecases.time_off import TimeOffResult
from scheduling.model import DayEntry, RuleWarning, Unfilled
from tests.bot.fake_slack import FakeSlack
from tests.bot.slack.test_views import assert_within_limits, texts
from tests.bot.slack_requests import signature

TODAY = date(2027, 1, 7)
LONG = "Maximiliana Wolfeschlegelsteinhausenbergerdorff " * 3
USERS = [f"U{n:06d}" for n in range(1000)]


def my_rotation(name: str = "support", n: int = 10) -> MyRotation:
    return MyRotation(
        rotation=name, timezone="Europe/Berlin", today=TODAY, role="admin",
        next_days=tuple(TODAY + timedelta(days=7 * k) for k in range(n)), done=12, upcoming=n,
        balance=Fraction(1, 3), projected=Fraction(-2, 7),
        away=((TODAY, TODAY + timedelta(days=4), LONG),) * 5, requests=(1, 2),
    )  # fmt: skip


def schedule(name: str = "support", days: int = 90, per_day: int = 3) -> Schedule:
    found = tuple(
        QueueDay(
            TODAY + timedelta(days=k),
            tuple((u, LONG) for u in USERS[k : k + per_day]),
            None if k % 7 < 5 else "not a working day (Saturday)",
        )
        for k in range(days)
    )
    return Schedule(name, TODAY, TODAY + timedelta(days=days - 1), TODAY, found, 3)


def test_who_and_schedule_at_any_size() -> None:
    many = QueueDay(TODAY, tuple((u, LONG) for u in USERS[:300]))
    for message in (
        queue.who_message("support", TODAY, many),
        queue.who_message("support", TODAY, QueueDay(TODAY, (), "a public holiday (x)")),
        queue.who_message("support", TODAY, QueueDay(TODAY + timedelta(days=1), ())),
        queue.schedule_message(schedule(), USERS[0], "this"),
        queue.schedule_message(schedule(per_day=0), USERS[0], "next"),
    ):
        assert_within_limits(message)
    assert queue.who_message("s", TODAY, many)["response_type"] == "in_channel"
    shown = "\n".join(texts(queue.schedule_message(schedule(), USERS[1], "this")["blocks"]))
    assert f"*<@{USERS[1]}>*" in shown  # the person's own days in bold


def test_stats_of_a_thousand_people_fit() -> None:
    members = tuple(
        MemberBalance(
            user=u, name=LONG, on_team=True, done=n % 9, upcoming=2, share=Fraction(n, 7),
            balance=Fraction(n % 5 - 2, 3), projected=Fraction(n % 3 - 1, 4), this_quarter=2,
        )
        for n, u in enumerate(USERS)
    )  # fmt: skip
    report = FairnessReport("support", TODAY, TODAY + timedelta(days=80), members, (TODAY, TODAY))
    message = queue.stats_message(report, USERS[500])
    assert_within_limits(message)
    shown = "\n".join(texts(message["blocks"]))
    assert "…and 880 more" in shown and f"<@{USERS[500]}>" in shown


def test_my_home_and_modals_at_any_size() -> None:
    overview = MyOverview(USERS[0], tuple(my_rotation(f"r{n}") for n in range(30)))
    feeds = [mine.Feed(LONG, "https://q.test/calendar/x.ics", "webcal://q.test/x.ics")] * 40
    assert_within_limits(mine.my_message(overview, feeds))
    assert_within_limits(mine.my_message(MyOverview(USERS[0], ())))
    assert_within_limits(mine.calendar_message(feeds))
    assert_within_limits(mine.calendar_message([]))
    overview_home = HomeOverview(overview, tuple(schedule(f"r{n}", 14) for n in range(30)), ("r1",))
    view = home.home_view(USERS[0], overview=overview_home, feeds=feeds)
    assert view["type"] == "home" and len(view["blocks"]) <= MAX_VIEW_BLOCKS
    assert all(len(t) <= 3000 for t in texts(view["blocks"]))
    for modal in (
        modals.away_modal(TODAY),
        modals.swap_modal(overview),
        modals.swap_modal(MyOverview("U", ())),
    ):
        assert modal["type"] == "modal" and len(modal["blocks"]) <= MAX_VIEW_BLOCKS
        assert len(modal["title"]["text"]) <= 24


def test_days_notes_admin_and_swaps_replies_fit() -> None:
    entries = tuple(DayEntry(TODAY + timedelta(days=k), u) for k, u in enumerate(USERS[:400]))
    booked = TimeOffResult(
        1,
        "U1",
        TODAY,
        TODAY + timedelta(days=300),
        tuple(e.day for e in entries),
        entries,
        "support",
    )
    listed = [
        AwayEntry(f"r{n}", n, TODAY + timedelta(days=n), TODAY + timedelta(days=n), LONG)
        for n in range(120)
    ]
    note = NoteInfo(
        1,
        "ticket",
        "x" * 2000,
        "https://t.test/" + "y" * 500,
        "billing",
        "U1",
        "slack",
        "open",
        datetime(2027, 1, 7),
    )
    preview = PlanPreview(
        rotation="support", start=TODAY, end=TODAY + timedelta(days=90), based_on_version=3,
        assignments=entries, unfilled=tuple(Unfilled(TODAY, 2, LONG) for _ in range(300)),
        balances={u: Fraction(n % 5, 7) for n, u in enumerate(USERS)}, added=entries, removed=(),
    )  # fmt: skip
    settings = RotationSettings(
        "support", "C1", "Europe/Berlin", "DE", "BE", ("MO", "TU"), 2, 1, True, "09:00", 1, (), 3
    )
    request = RequestInfo(5, "support", "swap", "open", "U1", TODAY, "U2", TODAY, None)
    cover = RequestInfo(6, "support", "cover", "open", "U1", TODAY, None, None, None)
    member = MemberInfo("U1", LONG, None, None, 1.0, TODAY, None, "admin")
    for message in (
        days.away_booked([booked] * 3, TODAY, LONG),
        days.away_list(listed, TODAY),
        days.away_cancelled([booked], TODAY),
        days.taken_over("support", [e.day for e in entries], "U1"),
        notes.saved(note, "support"),
        admin.plan_preview(preview, "next", TODAY),
        admin.added(AddResult("support", (member,) * 300, (("U9", LONG),) * 300)),
        admin.created(settings),
        config.saved(settings),
        swaps.ask(request, TODAY),
        swaps.ask(cover, TODAY),
        swaps.asked(request, TODAY),
        swaps.asked(cover, TODAY, posted_in="C1"),
        swaps.decided(
            RequestInfo(5, "s", "swap", "accepted", "U1", TODAY, "U2", TODAY, None), TODAY
        ),
        rotations.rotation_unclear(
            RotationUnclear("x", tuple(USERS), ambiguous=True), BY_NAME["stats"]
        ),
        rotations.rotation_unclear(RotationUnclear("x", (), ambiguous=False), BY_NAME["bug"]),
    ):
        assert_within_limits(message)
    value = admin.read_publish_value(admin.publish_value(preview))
    assert value == {
        "rotation": "support",
        "start": TODAY,
        "end": preview.end,
        "expected_version": 3,
    }
    with pytest.raises(ValueError):
        admin.read_publish_value('{"r": "x"}')
    modal = config.config_modal(settings)
    assert len(modal["blocks"]) <= MAX_VIEW_BLOCKS and modal["private_metadata"] == "support"


def test_the_settings_modal_reads_back_what_it_shows() -> None:
    settings = RotationSettings(
        "support", "C1", "Europe/Berlin", "DE", None, ("MO", "FR"), 2, 1, False, "08:30", 2, (), 3
    )
    modal = config.config_modal(settings)
    values: dict[str, Any] = {}
    for block in modal["blocks"]:
        if block["type"] != "input":
            continue
        element = block["element"]
        state = {
            "plain_text_input": {"value": element.get("initial_value")},
            "number_input": {"value": element.get("initial_value")},
            "timepicker": {"selected_time": element.get("initial_time")},
            "checkboxes": {"selected_options": element.get("initial_options", [])},
            "radio_buttons": {"selected_option": element.get("initial_option")},
        }[element["type"]]
        values[block["block_id"]] = {"value": state}
    changes, errors = config.read_config(values)
    assert errors == {}
    assert changes == {
        "timezone": "Europe/Berlin", "country": "DE", "subdivision": None,
        "workdays": ["MO", "FR"], "slots_per_day": 2, "reminder_days_before": 2,
        "reminder_time": "08:30", "reminders_enabled": False,
        "queue_handle": "", "queue_group": True, "queue_topic": True,
        "queue_topic_overwrite": False, "queue_post": True,
        "min_gap_days": None, "stint_days": 1,
        "status_away_emoji": None,  # the Slack status check, off
    }  # fmt: skip
    values["slots_per_day"] = {"value": {"value": "two"}}
    assert config.read_config(values)[1] == {"slots_per_day": "Enter a whole number."}


def test_block_kit_as_text_shows_names_links_and_numbered_buttons() -> None:
    names = {"U1": "Ada Lovelace"}.get
    request = RequestInfo(5, "support", "swap", "open", "U1", TODAY, "U2", TODAY, None)
    numbered = iter(range(1, 10))
    shown = message_text(
        swaps.ask(request, TODAY),
        lambda u: names(u) or u,
        lambda b: f"[{next(numbered)}: {b['text']['text']}]",
    )
    assert "@Ada Lovelace asks to swap" in shown and "[1: Accept]  [2: Decline]" in shown
    assert "&lt;" not in message_text({"text": "a &lt;b&gt; <https://x.test|link>"}, str)
    assert "link (https://x.test)" in message_text({"text": "<https://x.test|link>"}, str)
    modal = view_text(modals.away_modal(TODAY), str)
    assert modal.startswith("[modal: Book time off]") and "First day: [2027-01-07]" in modal


# -- every button and modal has a listener

SECRET = "views-secret"


@pytest.fixture(scope="module")
def bolt() -> Iterator[App]:
    with FakeSlack() as fake:
        yield create_app(SlackConfig(fake.bot_token, SECRET, api_url=fake.api_url))


def signed(body: str, content_type: str) -> BoltRequest:
    ts = str(int(time.time()))
    return BoltRequest(
        body=body,
        headers={
            "content-type": content_type,
            "x-slack-request-timestamp": ts,
            "x-slack-signature": signature(SECRET, ts, body.encode()),
        },
    )


def all_buttons() -> set[str]:
    """Every button action id the builders can produce."""
    overview = MyOverview("U1", (my_rotation(),))
    feeds = [mine.Feed("f", "https://q.test/a.ics", "webcal://q.test/a.ics")]
    request = RequestInfo(5, "support", "swap", "open", "U1", TODAY, "U2", TODAY, None)
    preview = PlanPreview("s", TODAY, TODAY, 1, (), (), {"U1": Fraction(0)}, (), ())
    payloads: list[Any] = [
        home.home_view("U1", overview=HomeOverview(overview, (schedule(days=3),), ()), feeds=feeds),
        mine.my_message(overview, feeds),
        days.away_list([AwayEntry("s", 1, TODAY, TODAY, "")], TODAY),
        swaps.ask(request, TODAY),
        swaps.asked(request, TODAY),
        admin.plan_preview(preview, "next", TODAY),
    ]
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "button":
                found.add(node["action_id"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(payloads)
    return found


def test_every_button_the_views_make_has_a_listener(bolt: App) -> None:
    buttons = all_buttons()
    expected = {swaps.ACCEPT, swaps.DECLINE, swaps.WITHDRAW, admin.PUBLISH, days.CANCEL_AWAY,
                home.OPEN_AWAY, home.OPEN_SWAP, home.REFRESH, mine.RESET_FEED}  # fmt: skip
    expected.add("link:feed")
    assert expected <= buttons
    for action_id in sorted(buttons):
        payload = {
            "type": "block_actions",
            "team": {"id": "T0TEST"},
            "user": {"id": "U0ADA"},
            "trigger_id": "t",
            "container": {"type": "view"},
            "actions": [{"action_id": action_id, "block_id": "b", "type": "button", "value": "1"}],
        }
        body = urlencode({"payload": json.dumps(payload)})
        assert bolt.dispatch(signed(body, "application/x-www-form-urlencoded")).status == 200, (
            action_id
        )


@pytest.mark.parametrize(
    "callback_id",
    [config.CALLBACK, modals.AWAY, modals.SWAP, timeoff_config.FEEDS, timeoff_config.MINE],
)
def test_every_modal_has_a_submission_listener(bolt: App, callback_id: str) -> None:
    payload = {
        "type": "view_submission",
        "team": {"id": "T0TEST"},
        "user": {"id": "U0ADA"},
        "view": {
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": "",
            "state": {"values": {}},
        },
    }
    body = urlencode({"payload": json.dumps(payload)})
    response = bolt.dispatch(signed(body, "application/x-www-form-urlencoded"))
    assert response.status == 200
    assert json.loads(response.body)["response_action"] == "errors"  # nothing was filled in


def test_home_counts_only_dm_requests_as_waiting_and_shows_channel_covers_apart() -> None:
    only_channel = replace(my_rotation(), requests=(), open_covers=(7,))
    shown = mine.rotation_summary(only_channel)
    assert "see your DMs" not in shown
    assert "1 day in the channel needs someone to take over" in shown
    both = replace(my_rotation(), requests=(1,), open_covers=(7, 8))
    shown = mine.rotation_summary(both)
    assert "1 swap or cover request waits for you (see your DMs)" in shown
    assert "2 days in the channel need someone" in shown


def test_feed_links_are_labelled_by_their_real_scheme() -> None:
    """Under an http:// base URL the web link says http; webcal:// stays webcal://."""
    feeds = [mine.Feed("Ada's queue days", "http://localhost:3000/calendar/t.ics",
                       "webcal://localhost:3000/calendar/t.ics")]  # fmt: skip
    for message in (
        mine.calendar_message(feeds),
        mine.my_message(MyOverview("U1", (my_rotation(),)), feeds),
    ):
        shown = "\n".join(texts(message["blocks"]))
        assert "<http://localhost:3000/calendar/t.ics|http link>" in shown
        assert "<webcal://localhost:3000/calendar/t.ics|subscribe>" in shown
        assert "https link" not in shown
    secure = mine.feed_line("x", "https://q.test/calendar/t.ics", "webcal://q.test/calendar/t.ics")
    assert "|https link>" in secure


def test_counts_read_as_english() -> None:
    one = RotationSettings(
        "support", "C1", "Europe/Berlin", None, None, ("MO",), 1, 1, True, "09:00", 1, (), 3
    )
    assert "1 day before" in config.saved(one)["blocks"][0]["text"]["text"]
    two = config.saved(replace(one, reminder_days_before=2))
    assert "2 days before" in two["blocks"][0]["text"]["text"]
    entry = (DayEntry(TODAY, "U1"),)
    preview = PlanPreview("support", TODAY, TODAY, 1, entry, (Unfilled(TODAY, 1, "x"),),
                          {"U1": Fraction(1)}, entry, ())  # fmt: skip
    shown = "\n".join(texts(admin.plan_preview(preview, "next", TODAY)["blocks"]))
    assert "*1 queue day* for *1 person*" in shown and "*1 day*" in shown
    assert "(s)" not in shown
    result = admin.published(
        PublishResult("support", 2, TODAY, TODAY, entry, (Unfilled(TODAY, 1, "x"),), entry, ()),
        TODAY,
    )
    shown = "\n".join(texts(result["blocks"]))
    assert "1 queue day," in shown and "1 day is short of people" in shown and "(s)" not in shown


def test_stats_count_one_person_as_a_person() -> None:
    one = MemberBalance("U1", "Ada", True, 1, 0, Fraction(1), Fraction(0), Fraction(0))
    report = FairnessReport("support", TODAY, TODAY, (one,))
    shown = "\n".join(texts(queue.stats_message(report, "U1")["blocks"]))
    assert "*1 person* on the team" in shown


def test_the_settings_modal_shows_and_reads_the_planner_rules() -> None:
    settings = replace(
        RotationSettings(
            "support", "C1", "Europe/Berlin", "DE", None, ("MO",), 1, 1, True, "09:00", 1, (), 0
        ),
        min_gap_days=5,
        stint_days=2,
    )
    modal = config.config_modal(settings)
    inputs = {b["block_id"]: b["element"] for b in modal["blocks"] if b["type"] == "input"}
    gap, stints = inputs["min_gap_days"], inputs["stint_days"]
    assert (gap["type"], gap["initial_value"], gap["min_value"], gap["max_value"]) == (
        "number_input", "5", "1", "366",
    )  # fmt: skip
    assert stints["type"] == "radio_buttons" and stints["initial_option"]["value"] == "2"

    def read(gap_value: object, stint: object) -> tuple[dict[str, Any], dict[str, str]]:
        values = {
            "min_gap_days": {"value": {"type": "number_input", "value": gap_value}},
            "stint_days": {"value": {"type": "radio_buttons", "selected_option": stint}},
        }
        changes, errors = config.read_config(values)
        rules = {k: v for k, v in changes.items() if k in ("min_gap_days", "stint_days")}
        return rules, {k: v for k, v in errors.items() if k in ("min_gap_days", "stint_days")}

    assert read("7", {"value": "1"}) == ({"min_gap_days": 7, "stint_days": 1}, {})
    assert read(None, {"value": "2"}) == ({"min_gap_days": None, "stint_days": 2}, {})
    assert read(" ", {"value": "2"})[0]["min_gap_days"] is None  # empty: no minimum
    for bad in ("0", "367", "2.5", "-3", "five", "²"):
        assert read(bad, {"value": "2"})[1] == {
            "min_gap_days": "Enter a whole number, 1 to 366, or leave it empty."
        }, bad
    assert read("3", None)[1] == {"stint_days": "Pick single days or two-day stints."}
    assert read("3", {"value": "3"})[1] == {"stint_days": "Pick single days or two-day stints."}
    saved = texts(config.saved(settings)["blocks"])[0]
    assert "two-day stints, at least 5 working days between stints" in saved


def test_plan_warnings_reach_the_admin_escaped_and_within_limits() -> None:
    entry = (DayEntry(TODAY, "U1"),)
    warnings = tuple(
        RuleWarning("U1", (TODAY, TODAY + timedelta(days=1)), "min_gap_days",
                    f"<Ada> & co serves twice {n}: their time off leaves room for only 1")
        for n in range(13)
    )  # fmt: skip
    preview = PlanPreview("support", TODAY, TODAY, 1, entry, (), {"U1": Fraction(1)}, entry, (),
                          warnings)  # fmt: skip
    result = PublishResult("support", 2, TODAY, TODAY, entry, (), entry, (), warnings)
    for message in (admin.plan_preview(preview, "next", TODAY), admin.published(result, TODAY)):
        assert_within_limits(message)
        shown = "\n".join(texts(message["blocks"]))
        assert "13 places where the plan could not keep the rules" in shown
        assert "&lt;Ada&gt; &amp; co serves twice 0" in shown and "<Ada>" not in shown
        assert "serves twice 9" in shown and "serves twice 10" not in shown
        assert "…and 3 more" in shown
    quiet = admin.published(PublishResult("support", 2, TODAY, TODAY, entry, (), entry, ()), TODAY)
    assert "could not keep" not in "\n".join(texts(quiet["blocks"]))
