"""The reminder and capture builders: Slack's limits with the longest content, fallbacks,
metadata, and the values their buttons and modals carry."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction

import pytest

from bot.slack.views import capture, reminders
from bot.slack.views.limits import MAX_TEXT, MAX_VIEW_BLOCKS
from bot.usecases.capture import NoteKind, Saved
from bot.usecases.delivery import (
    DayContent,
    DigestContent,
    EndOfDayContent,
    PreviewContent,
    PublishedContent,
    Reflection,
    RotationInfo,
)
from bot.usecases.plans import PlanPreview
from bot.usecases.reminder_settings import ReminderSettings
from scheduling.model import DayEntry
from scheduling.reminders import Highlight, ReminderKind, ReminderTimes, Ticket, compose
from tests.bot.slack.test_views import assert_within_limits, texts

ROTATION = RotationInfo(1, "support", "T1", "Europe/Berlin", "C1")
TODAY = date(2027, 1, 11)
LONG = "word <@U1> & more " * 400
T0 = datetime(2027, 1, 1, tzinfo=UTC)


def digest(n: int = 3) -> DayContent:
    tickets = [Ticket(str(i), LONG, T0, url="https://t.test/" + "x" * 300, area="a" * 40,
                      severity="critical") for i in range(n)]  # fmt: skip
    highlights = [Highlight(f"h{i}", LONG, T0, area="a" * 40) for i in range(n)]
    chosen = compose(tickets, highlights, limit=n)
    return DayContent(ReminderKind.DAY_BEFORE, ROTATION, TODAY, chosen, (1, 2, 3))


def test_every_kind_fits_slacks_limits_with_the_longest_content() -> None:
    reflections = tuple(Reflection(f"U{i}", LONG, LONG, "billing") for i in range(80))
    preview = PlanPreview(
        rotation="support",
        start=date(2027, 4, 1),
        end=date(2027, 6, 30),
        based_on_version=2,
        assignments=tuple(
            DayEntry(date(2027, 4, 1) + timedelta(days=k), f"U{k % 90}") for k in range(91)
        ),  # fmt: skip
        unfilled=(),
        balances={f"U{k}": Fraction(k - 45, 7) for k in range(90)},
        added=(),
        removed=(),
    )
    contents = [
        digest(3),
        digest(0),
        EndOfDayContent(ROTATION, TODAY),
        PublishedContent(
            ROTATION,
            TODAY,
            TODAY + timedelta(days=400),
            tuple(TODAY + timedelta(days=k) for k in range(300)),
            3,
        ),  # fmt: skip
        PublishedContent(ROTATION, TODAY, TODAY, (), 3),
        PreviewContent(ROTATION, preview, {}),
        DigestContent(ROTATION, TODAY, reflections),
    ]
    feeds = [reminders.FeedLinkView("x" * 200, "https://q.test/" + "t" * 43, "webcal://q")] * 3
    for content in contents:
        message = reminders.reminder_message(
            content, today=TODAY, feeds=feeds, swap_action="home:swap"
        )
        assert_within_limits(message)
        assert message["response_type"] == "in_channel"  # a post, not a reply


def test_the_day_before_pairs_each_bug_with_a_highlight_and_says_when() -> None:
    message = reminders.day_reminder(digest(2), today=TODAY - timedelta(days=1))
    shown = "\n".join(texts(message["blocks"]))
    assert shown.count("Waiting on the queue") == 2 and shown.count("Working well") == 2
    assert "Mon 11 Jan (tomorrow)" in message["text"]
    assert "&lt;@U1&gt;" not in shown or "<@U1>" not in shown  # one form, never broken


def test_metadata_names_the_row_and_is_read_back() -> None:
    meta = reminders.metadata(42, ReminderKind.MORNING_OF)
    assert meta == {
        "event_type": "queueday_reminder",
        "event_payload": {"outbox_id": 42, "kind": "morning_of"},
    }
    assert reminders.outbox_id_of({"metadata": meta}) == 42
    assert reminders.outbox_id_of({"metadata": {"event_type": "other"}}) is None
    assert reminders.outbox_id_of({"text": "hi"}) is None


def test_the_end_of_day_button_and_modal_carry_the_day() -> None:
    message = reminders.end_of_day(EndOfDayContent(ROTATION, TODAY), today=TODAY)
    [button] = message["blocks"][1]["elements"]
    assert button["action_id"] == reminders.REFLECT
    assert reminders.read_reflect_value(button["value"]) == ("support", TODAY)
    modal = reminders.reflection_modal("support", TODAY, today=TODAY)
    assert len(modal["title"]["text"]) <= 24 and len(modal["blocks"]) <= MAX_VIEW_BLOCKS
    form, errors = reminders.read_reflection(
        {
            **modal,
            "state": {
                "values": {
                    "hurt": {"value": {"value": " slow export "}},
                    "area": {"value": {"value": ""}},
                }
            },
        }
    )
    assert errors == {} and form is not None
    assert (form.rotation, form.day, form.hurt, form.works, form.area) == (
        "support",
        TODAY,
        "slow export",
        "",
        None,
    )
    with pytest.raises(ValueError):
        reminders.read_reflect_value('{"x": 1}')


def test_settings_reply_shows_times_mutes_and_essential_kinds() -> None:
    times = ReminderTimes(morning_of=time(8, 15), muted=frozenset({ReminderKind.DAY_BEFORE}))
    settings = ReminderSettings("U1", times, ("billing",), "Asia/Tokyo", ("support",))
    message = reminders.settings_message(settings, note="Done.")
    assert_within_limits(message)
    text = message["text"]
    assert "day before: muted" in text and "morning of (always sent): 08:15" in text
    assert "Asia/Tokyo" in text and "#billing" in text


def test_capture_modal_and_confirmations() -> None:
    modal = capture.capture_modal(
        NoteKind.TICKET,
        text=LONG,
        channel="C1",
        ts="1.2",
        url="https://x.test",
        rotations=tuple(f"r{i}" for i in range(150)),
    )
    assert len(modal["blocks"]) <= MAX_VIEW_BLOCKS and len(modal["title"]["text"]) <= 24
    text_input = next(b for b in modal["blocks"] if b.get("block_id") == "text")
    assert len(text_input["element"]["initial_value"]) <= 2000
    rotation = next(b for b in modal["blocks"] if b.get("block_id") == "rotation")
    assert len(rotation["element"]["options"]) == 100
    saved = Saved(NoteKind.HIGHLIGHT, 7, "support", "x", "ui", None, True)
    view = capture.saved_view(saved)
    assert "highlight #7" in view["blocks"][0]["text"]["text"]
    reply = capture.saved_by_reaction(saved, "sparkles")
    assert_within_limits(reply)
    assert all(len(t) <= MAX_TEXT for t in texts(capture.not_in_rotation(NoteKind.TICKET)))
