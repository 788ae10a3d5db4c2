"""Capture in the Slack app (in-process, against the fake Slack and a SQLite file):
the message shortcuts and their modal, emoji reactions, the end-of-day reflection
modal, and `/queueday reminders`."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_bolt import App, BoltRequest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.cli.console import CountingExecutor
from bot.services import ReactionEmoji
from bot.slack.app import SlackConfig, create_app
from bot.slack.views.capture import CAPTURE, area_tag, plain_message
from bot.slack.views.reminders import REFLECT, REFLECTION, reflect_value
from storage.db import make_engine
from storage.models import METADATA, Assignment, Highlight, Member, ReminderOutbox, Ticket
from tests.bot.fake_slack import FakeSlack
from tests.bot.slack_requests import signature
from tests.usecases.conftest import NOW, TEAM, build_team

SECRET = "capture-secret"
CHANNEL = "C0SUPPORT"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    """A fake Slack of this test's own: an earlier test's app, still finishing a lazy
    listener, can't add a call to what this test reads."""
    with FakeSlack(team_id=TEAM) as fake:
        yield fake


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'capture.db'}")
    METADATA.create_all(engine)
    with Session(engine, expire_on_commit=False) as session:
        build_team(session)
        import bot.usecases as uc

        uc.configure_rotation(
            session, team_id=TEAM, rotation="support", actor="U0ADA", now=NOW, channel=CHANNEL
        )
    yield engine
    engine.dispose()


@pytest.fixture
def listeners() -> Iterator[CountingExecutor]:
    """The app's listener threads, which a test can wait on until nothing runs."""
    pool = CountingExecutor(8)
    yield pool
    pool.shutdown(wait=True)


@pytest.fixture
def app(fake: FakeSlack, engine: Engine, listeners: CountingExecutor) -> App:
    config = SlackConfig(bot_token=fake.bot_token, signing_secret=SECRET, api_url=fake.api_url)
    built = create_app(
        config,
        engine=engine,
        clock=lambda: datetime(2027, 1, 8, 17, 0, tzinfo=UTC),
        reactions=ReactionEmoji("ladybug", "star"),
        listener_executor=listeners,
    )
    fake.reset()
    return built


def dispatch(app: App, body: str, content_type: str) -> tuple[int, str]:
    ts = str(int(time.time()))
    response = app.dispatch(
        BoltRequest(
            body=body,
            headers={
                "content-type": content_type,
                "x-slack-request-timestamp": ts,
                "x-slack-signature": signature(SECRET, ts, body.encode()),
            },
        )
    )
    return response.status, response.body


def interaction(app: App, payload: dict[str, Any]) -> tuple[int, str]:
    payload = {"team": {"id": TEAM}, "api_app_id": "A0Q", **payload}
    return dispatch(
        app, urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
    )


def event(app: App, fake: FakeSlack, payload: dict[str, Any], event_id: str) -> int:
    body = {
        "type": "event_callback",
        "team_id": TEAM,
        "api_app_id": "A0Q",
        "event_id": event_id,
        "event_time": int(time.time()),
        "event": payload,
    }
    return dispatch(app, json.dumps(body), "application/json")[0]


def notes(engine: Engine, model: type[Ticket] | type[Highlight]) -> list[Any]:
    with Session(engine) as session:
        return list(session.exec(select(model).order_by(model.id)))  # type: ignore[arg-type]


def shortcut(callback: str, user: str, text: str, channel: str = "C0OTHER") -> dict[str, Any]:
    return {
        "type": "message_action",
        "callback_id": callback,
        "user": {"id": user},
        "channel": {"id": channel},
        "trigger_id": "trig",
        "response_url": "http://127.0.0.1:9/unused",
        "message": {"type": "message", "text": text, "ts": "1700000001.000100", "user": "U9"},
    }


def submit(view: dict[str, Any], user: str, values: dict[str, dict[str, Any]]) -> dict[str, Any]:
    state = {block: {"value": value} for block, value in values.items()}
    return {
        "type": "view_submission",
        "user": {"id": user},
        "view": {**view, "state": {"values": state}},
    }


def test_the_bug_shortcut_opens_a_modal_and_saving_stores_the_ticket_once(
    app: App, fake: FakeSlack, engine: Engine
) -> None:
    text = "Export of <https://acme.example/r/1|report 1> fails for big teams #Billing"
    assert interaction(app, shortcut("save_bug", "U01", text))[0] == 200
    [opened] = fake.wait_for("views.open")
    view = opened.json_param("view")
    assert view["callback_id"] == CAPTURE
    blocks = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert blocks["text"]["element"]["initial_value"].startswith("Export of report 1 fails")
    assert blocks["area"]["element"]["initial_value"] == "billing"
    values = {
        "text": {"type": "plain_text_input", "value": "Export fails for big teams"},
        "area": {"type": "plain_text_input", "value": "billing"},
        "severity": {"type": "static_select", "selected_option": {"value": "high"}},
    }
    status, body = interaction(app, submit(view, "U01", values))
    assert status == 200 and json.loads(body)["response_action"] == "update"
    assert "bug ticket #1" in body
    [ticket] = notes(engine, Ticket)
    assert (ticket.text, ticket.product_area, ticket.severity, ticket.source) == (
        "Export fails for big teams",
        "billing",
        "high",
        "shortcut",
    )
    assert ticket.external_id == "slack:C0OTHER:1700000001.000100"
    assert ticket.url and "C0OTHER" in ticket.url  # the message's permalink
    again = interaction(app, submit(view, "U01", values))[1]
    assert "already saved" in again and len(notes(engine, Ticket)) == 1


def test_the_highlight_shortcut_stores_a_highlight(
    app: App, fake: FakeSlack, engine: Engine
) -> None:
    interaction(app, shortcut("save_highlight", "U02", "Acme: invoices are great now"))
    view = fake.wait_for("views.open")[0].json_param("view")
    assert not any(b.get("block_id") == "severity" for b in view["blocks"])
    values = {"text": {"type": "plain_text_input", "value": "Acme: invoices are great now"}}
    assert interaction(app, submit(view, "U02", values))[0] == 200
    [highlight] = notes(engine, Highlight)
    assert (highlight.text, highlight.author, highlight.source) == (
        "Acme: invoices are great now",
        "U02",
        "shortcut",
    )


def test_someone_in_no_rotation_is_told_how_to_join(app: App, fake: FakeSlack) -> None:
    interaction(
        app, {**shortcut("save_bug", "U0STRANGER", "x"), "response_url": fake.response_url("s")}
    )
    [reply] = fake.wait_for("response_url")
    assert "join a rotation" in reply.params["text"]
    assert not fake.calls("views.open")


def test_a_bug_emoji_in_the_rotations_channel_saves_the_message_once(
    app: App, fake: FakeSlack, engine: Engine
) -> None:
    ts = fake.add_message(CHANNEL, "Search is down for EU customers #search", user="U0SUPPORT")
    reaction = {
        "type": "reaction_added",
        "user": "U0AGENT",  # not in the rotation: fine in its own channel
        "reaction": "ladybug",
        "item": {"type": "message", "channel": CHANNEL, "ts": ts},
    }
    assert event(app, fake, reaction, "Ev1") == 200
    fake.wait_for("chat.postEphemeral")
    assert event(app, fake, {**reaction, "user": "U01"}, "Ev2") == 200
    fake.wait_for("chat.postEphemeral", 2)
    [ticket] = notes(engine, Ticket)
    assert (ticket.text, ticket.product_area, ticket.author, ticket.source) == (
        "Search is down for EU customers #search",
        "search",
        "U0AGENT",
        "reaction",
    )
    confirmations = [c.params["text"] for c in fake.calls("chat.postEphemeral")]
    assert "Saved as bug ticket #1" in confirmations[0]
    assert "Already saved" in confirmations[1]


def test_a_star_on_a_thread_reply_saves_a_highlight(
    app: App, fake: FakeSlack, engine: Engine
) -> None:
    parent = fake.add_message(CHANNEL, "How is the new dashboard?")
    reply = fake.add_message(CHANNEL, "Globex loves it #ui", thread_ts=parent)
    reaction = {
        "type": "reaction_added",
        "user": "U03",
        "reaction": "star",
        "item": {"type": "message", "channel": CHANNEL, "ts": reply},
    }
    assert event(app, fake, reaction, "Ev3") == 200
    fake.wait_for("conversations.replies")
    fake.wait_for("chat.postEphemeral")
    [highlight] = notes(engine, Highlight)
    assert (highlight.text, highlight.product_area) == ("Globex loves it #ui", "ui")


def test_other_emoji_and_other_channels_are_ignored(
    app: App, fake: FakeSlack, engine: Engine, listeners: CountingExecutor
) -> None:
    ts = fake.add_message("C0RANDOM", "a bug somewhere")
    for n, (reaction, channel) in enumerate((("ladybug", "C0RANDOM"), ("tada", CHANNEL))):
        item = {"type": "message", "channel": channel, "ts": ts}
        payload = {"type": "reaction_added", "user": "U01", "reaction": reaction, "item": item}
        assert event(app, fake, payload, f"Ev9{n}") == 200
    assert listeners.wait_idle()  # every listener those events started has finished
    assert notes(engine, Ticket) == [] and not fake.calls("conversations.history")


def test_the_end_of_day_button_opens_a_modal_that_stores_a_ticket_and_a_highlight(
    app: App, fake: FakeSlack, engine: Engine
) -> None:
    with Session(engine) as session:
        member = session.exec(select(Member).where(Member.user_id == "U01")).one()
        day = session.exec(select(Assignment.day).where(Assignment.member_id == member.id)).first()
    assert day is not None
    click = {
        "type": "block_actions",
        "user": {"id": "U01"},
        "trigger_id": "trig",
        "actions": [{"action_id": REFLECT, "value": reflect_value("support", day)}],
    }
    assert interaction(app, click)[0] == 200
    view = fake.wait_for("views.open")[0].json_param("view")
    assert view["callback_id"] == REFLECTION
    values = {
        "hurt": {"type": "plain_text_input", "value": "Nobody knew who owns invoices."},
        "works": {"type": "plain_text_input", "value": "The new macros saved an hour."},
        "area": {"type": "plain_text_input", "value": "billing"},
    }
    status, body = interaction(app, submit(view, "U01", values))
    assert status == 200 and "Thank you" in body
    [ticket], [highlight] = notes(engine, Ticket), notes(engine, Highlight)
    assert (ticket.text, ticket.source, ticket.product_area) == (
        "Nobody knew who owns invoices.",
        "reflection",
        "billing",
    )
    assert highlight.text == "The new macros saved an hour."
    assert ticket.external_id == highlight.external_id  # paired in the weekly digest
    status, body = interaction(app, submit(view, "U01", values))
    again = json.loads(body)["errors"]["hurt"]
    assert "already shared" in again
    assert day.isoformat() not in again and f"{day:%a} {day.day} {day:%b %Y}" in again
    empty = interaction(app, submit(view, "U01", {}))[1]
    assert "at least one" in json.loads(empty)["errors"]["hurt"]


def command(app: App, fake: FakeSlack, text: str, user: str = "U01") -> str:
    form = {
        "command": "/queueday",
        "text": text,
        "team_id": TEAM,
        "user_id": user,
        "channel_id": CHANNEL,
        "response_url": fake.response_url(text.replace(" ", "-")),
        "trigger_id": "t",
    }
    before = len(fake.calls("response_url"))
    status, body = dispatch(app, urlencode(form), "application/x-www-form-urlencoded")
    assert status == 200
    if body and "text" in body:  # answered in the ack (a usage error)
        return str(json.loads(body)["text"])
    replies = fake.wait_for("response_url", before + 1)  # after the ack
    return str(replies[-1].params.get("text"))


def test_reminders_command_shows_mutes_and_moves(app: App, fake: FakeSlack, engine: Engine) -> None:
    shown = command(app, fake, "reminders")
    assert "day before: 16:00" in shown and "morning of (always sent): 09:00" in shown
    muted = command(app, fake, "reminders mute day_before")
    assert "day before: muted" in muted
    moved = command(app, fake, "reminders at morning 08:15")
    assert "morning of (always sent): 08:15" in moved
    refused = command(app, fake, "reminders mute morning_of")
    assert "can't be muted" in refused
    bad = command(app, fake, "reminders at morning 25:00")
    assert "not a time of day" in bad
    with Session(engine) as session:
        pending = session.exec(
            select(ReminderOutbox).where(
                ReminderOutbox.user_id == "U01", ReminderOutbox.state == "pending"
            )
        ).all()
    assert pending and not [r for r in pending if r.kind == "day_before"]
    ahead = [r for r in pending if r.due_at > datetime(2027, 1, 9, tzinfo=UTC)]
    assert {r.due_at.minute for r in ahead if r.kind == "morning_of"} == {15}


@pytest.mark.parametrize(
    ("text", "area"),
    [("Broken #Billing export", "billing"), ("see <#C123|support>", None), ("a&#b", None)],
)
def test_area_tags(text: str, area: str | None) -> None:
    assert area_tag(text) == area


def test_plain_message_shows_labels() -> None:
    assert plain_message("<https://x.test|link> &amp; <@U1|ada>") == "link & ada"
    assert date(2027, 1, 1)  # keep the import used
