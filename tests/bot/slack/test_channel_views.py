"""The channel's topic and morning post as pure builders: Slack's limits (250 characters
a topic, 50 blocks, 3000 a text field) and outside text escaped."""

from __future__ import annotations

import json
from datetime import date, datetime

from bot.slack.views.channel import MAX_TOPIC, morning_post, problem_message, topic_text
from bot.slack.views.limits import MAX_MESSAGE_BLOCKS, MAX_TEXT
from bot.usecases.channel_queue import Handover, Person, QueueChannel
from scheduling.reminders import Highlight, Ticket

MONDAY = date(2027, 1, 4)


def day(**changes: object) -> QueueChannel:
    values: dict[str, object] = {
        "rotation_id": 1,
        "rotation": "support",
        "team_id": "T1",
        "channel": "C1",
        "timezone": "Europe/Berlin",
        "day": MONDAY,
        "people": (Person("U0ADA", "Ada"),),
        "closed": None,
        "next_day": date(2027, 1, 5),
        "next_people": (Person("U0BEN", "Ben"),),
        "handle": "support-today",
        "group_on": True,
        "topic_on": True,
        "topic_overwrite": False,
        "post_on": True,
        "group_id": None,
        "group_users": ("U0ADA",),
        "last_group_users": (),
        "topic_set": None,
        "notified": {},
        "admins": ("U0ADA",),
    }
    values.update(changes)
    return QueueChannel(**values)  # type: ignore[arg-type]


def test_the_topic_names_today_and_next() -> None:
    assert topic_text(day()) == "On the support queue today: <@U0ADA> · next: Tue <@U0BEN>"
    nobody = topic_text(day(people=(), closed="a public holiday"))
    assert nobody == "No support queue today · next: Tue <@U0BEN>"


def test_a_crowded_day_fits_250_characters_with_a_count_of_the_rest() -> None:
    many = tuple(Person(f"U{n:010d}", f"P{n}") for n in range(40))
    text = topic_text(day(people=many, next_people=many))
    assert len(text) <= MAX_TOPIC and "more" in text
    assert text.startswith("On the support queue today: <@U0000000000>")


def test_the_post_escapes_outside_text_and_keeps_slacks_limits() -> None:
    hostile = "<!channel> & <https://evil.example|click> " + "x" * 5000
    post = morning_post(
        day(
            handovers=tuple(Handover("U0BEN", hostile, hostile) for _ in range(10)),
            open_tickets=7,
            urgent=(Ticket("1", hostile, datetime(2027, 1, 1)),),
            highlight=Highlight("2", hostile, datetime(2027, 1, 1)),
        ),
        swap_action="home:swap",
    )
    raw = json.dumps(post)
    assert "<!channel>" not in raw and "<https://evil" not in raw
    assert len(post["blocks"]) <= MAX_MESSAGE_BLOCKS and len(post["text"]) <= MAX_TEXT
    for block in post["blocks"]:
        text = (block.get("text") or {}).get("text", "")
        assert len(text) <= MAX_TEXT
    assert "7 open bug tickets" in raw and "@support-today" in raw
    assert any(b["type"] == "actions" for b in post["blocks"])


def test_the_admins_note_says_what_to_do() -> None:
    note = problem_message(
        "not_in_channel", rotation="support", channel="C1", handle="support-today", error=""
    )
    assert "/invite @QueueDay" in note["text"] and "<#C1>" in note["text"]
    denied = problem_message(
        "group_denied", rotation="sup<port>", channel="C1", handle="x", error="permission_denied"
    )
    assert "sup&lt;port&gt;" in denied["text"] and "permission_denied" in denied["text"]
