"""Every builder in bot/slack/views/ with hostile outside text: titles, highlights, notes,
reflections, names of people and rotations, areas and the plain `text` fallbacks.

Text from trackers, imports and people reaches mrkdwn through `bot.slack.text.escape`
exactly once: `<!channel>` must not ping, `<https://evil.example|click>` must not
become a disguised link, nothing is escaped twice, and QueueDay's own mentions and
links still work.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from typing import Any

import pytest

from bot.slack.commands import BY_NAME, CommandError
from bot.slack.text import escape, link
from bot.slack.views import (
    admin,
    capture,
    config,
    days,
    errors,
    help,
    home,
    mine,
    modals,
    notes,
    queue,
    reminders,
    rotations,
    swaps,
)
from bot.slack.views.text import message_text
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
from bot.usecases.lookup import RotationUnclear
from bot.usecases.members import AddResult, Departure, MemberInfo
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
from bot.usecases.reminder_settings import ReminderSettings
from bot.usecases.reports import FairnessReport, MemberBalance
from bot.usecases.rotations import RotationSettings
from bot.usecases.swaps import RequestInfo
from bot.usecases.time_off import TimeOffResult
from scheduling.model import DayEntry, Unfilled
from scheduling.reminders import Highlight, ReminderKind, ReminderTimes, Ticket, compose

HOSTILE = "<!channel> P0 outage <https://evil.example|click> & <@U0EVIL> <#C0EVIL>"
SHOWN = escape(HOSTILE)  # how it must read in mrkdwn
RAW_MARKUP = ("<!channel>", "<https://evil.example", "<@U0EVIL>", "<#C0EVIL>")
TWICE = ("&amp;lt;", "&amp;gt;", "&amp;amp;")
TODAY = date(2027, 1, 11)
T0 = datetime(2027, 1, 1, tzinfo=UTC)
ROTATION = RotationInfo(1, HOSTILE, "T1", "Europe/Berlin", "C1")


def mrkdwn_texts(payload: Any) -> Iterator[str]:
    """Every text Slack reads as mrkdwn: mrkdwn objects and the message's `text`.

    plain_text objects (headers, buttons, inputs) are not parsed, so they may hold
    the text as it is.
    """
    if isinstance(payload, dict):
        if payload.get("type") == "mrkdwn" and isinstance(payload.get("text"), str):
            yield payload["text"]
        if "blocks" in payload and isinstance(payload.get("text"), str):
            yield payload["text"]  # a message's fallback
        for key, value in payload.items():
            if key != "text" or not isinstance(value, str):
                yield from mrkdwn_texts(value)
    elif isinstance(payload, list):
        for item in payload:
            yield from mrkdwn_texts(item)


def assert_safe(
    payload: dict[str, Any], *, shown: bool = True, keeps_mentions: bool = False
) -> str:
    """No raw markup from HOSTILE and nothing escaped twice; with `shown`, HOSTILE is
    shown (escaped) somewhere, so the test is not passing on text that was dropped.

    `keeps_mentions`: text someone typed in Slack, or a use case's refusal, may hold
    `<@U…>`/`<#C…>` mentions on purpose; `<!channel>` and links are still refused.
    """
    refused = RAW_MARKUP[:2] if keeps_mentions else RAW_MARKUP
    everything = list(mrkdwn_texts(payload))
    for text in everything:
        for markup in refused:
            assert markup not in text, (markup, text)
        for twice in TWICE:
            assert twice not in text, (twice, text)
    joined = "\n".join(everything)
    if shown:
        assert "&lt;!channel&gt;" in joined, joined
    return joined


def assert_fallback_safe(message: dict[str, Any]) -> None:
    """The fallback `text` (notifications) shows the hostile text escaped too."""
    assert "&lt;!channel&gt;" in message["text"], message["text"]
    assert "<!channel>" not in message["text"]


def test_escape_and_link() -> None:
    assert escape("a & <b> &amp;") == "a &amp; &lt;b&gt; &amp;amp;"
    assert link("https://x.test/a?b=1&c=2", "<!here>") == (
        "<https://x.test/a?b=1&amp;c=2|&lt;!here&gt;>"
    )
    # A `|` or `>` in the URL cannot end the link and let the rest pose as its label.
    assert link("https://x.test/a|<!channel>", "t") == "<https://x.test/a%7C%3C!channel%3E|t>"
    assert link("javascript:alert(1)", "t<") == "t&lt;"  # not a web link: text only


# -- reminders: the tracker text the issue was about


def ticket(**extra: Any) -> Ticket:
    return Ticket("1", HOSTILE, T0, severity="<!here>", area="bill<ing>", **extra)


def highlight(**extra: Any) -> Highlight:
    return Highlight("h1", HOSTILE, T0, area="<!everyone>", **extra)


@pytest.mark.parametrize("url", [None, "https://tracker.test/1?a=1&b=2"])
def test_day_reminder_escapes_ticket_and_highlight_text_and_its_fallback(url: str | None) -> None:
    chosen = compose([ticket(url=url)], [highlight(url=url)], limit=3)
    for kind in (ReminderKind.DAY_BEFORE, ReminderKind.MORNING_OF):
        message = reminders.day_reminder(
            DayContent(kind, ROTATION, TODAY, chosen, (1,)), today=TODAY
        )
        shown = assert_safe(message)
        assert_fallback_safe(message)
        assert "<!here>" not in shown and "&lt;!here&gt;" in shown
        assert "<!everyone>" not in shown and "bill&lt;ing&gt;" in shown
        if url:  # our own link to the ticket still works, labelled with the escaped title
            assert "<https://tracker.test/1?a=1&amp;b=2|&lt;!channel&gt; P0" in shown
            assert "<https://tracker.test/1?a=1&amp;b=2|&lt;!channel&gt; P0" in message["text"]


def test_a_digest_without_highlights_shows_its_note_verbatim() -> None:
    chosen = compose([ticket()], [], limit=3)
    message = reminders.day_reminder(
        DayContent(ReminderKind.DAY_BEFORE, ROTATION, TODAY, chosen, (1,)), today=TODAY
    )
    assert_safe(message)
    # The note's own `<what a customer loved>` is text, not a link.
    assert "&lt;what a customer loved&gt;" in "\n".join(mrkdwn_texts(message))


def test_end_of_day_published_preview_and_digest_escape_names_and_reflections() -> None:
    preview = PlanPreview(
        HOSTILE, TODAY, TODAY + timedelta(days=80), 1,
        (DayEntry(TODAY, "U0ADA"),), (Unfilled(TODAY, 1, HOSTILE),),
        {"U0ADA": Fraction(1, 3)}, (), (),
    )  # fmt: skip
    feeds = [reminders.FeedLinkView(HOSTILE, "https://q.test/calendar/t.ics", "webcal://q.test/t")]
    reflections = (
        Reflection("U0ADA", HOSTILE, HOSTILE, HOSTILE),
        Reflection("U0BEN", "", "", None),
    )
    for content in (
        EndOfDayContent(ROTATION, TODAY),
        PublishedContent(ROTATION, TODAY, TODAY + timedelta(days=80), (TODAY,), 2),
        PublishedContent(ROTATION, TODAY, TODAY + timedelta(days=80), (), 2),
        PreviewContent(ROTATION, preview, {}),
        DigestContent(ROTATION, TODAY, reflections),
    ):
        message = reminders.reminder_message(content, today=TODAY, feeds=feeds, swap_action="x")
        shown = assert_safe(message)
        assert_fallback_safe(message)
        if isinstance(content, DigestContent):
            assert "<@U0ADA>" in shown and "<@U0ADA>" in message["text"]  # our mention works
        if isinstance(content, PublishedContent):
            assert "<webcal://q.test/t|subscribe>" in shown


def test_reflection_modal_and_settings_reply() -> None:
    assert_safe(reminders.reflection_modal(HOSTILE, TODAY, today=TODAY))
    settings = ReminderSettings("U1", ReminderTimes(), (HOSTILE,), HOSTILE, (HOSTILE,))
    message = reminders.settings_message(settings, note=HOSTILE)
    assert_safe(message)
    assert_fallback_safe(message)


# -- capture, notes


def test_capture_builders() -> None:
    modal = capture.capture_modal(
        NoteKind.TICKET, text=HOSTILE, channel="C1", ts="1.2", url=None, rotations=(HOSTILE,)
    )
    assert_safe(modal)
    saved = Saved(NoteKind.TICKET, 7, HOSTILE, HOSTILE, HOSTILE, "open", True)
    assert_safe(capture.saved_view(saved))
    for fresh in (True, False):
        message = capture.saved_by_reaction(
            Saved(NoteKind.HIGHLIGHT, 7, HOSTILE, "x", None, None, fresh), "sparkles"
        )
        assert_safe(message)
        assert_fallback_safe(message)


@pytest.mark.parametrize("url", [None, "https://tracker.test/x|<!channel>"])
def test_saved_note_quotes_text_area_and_url_verbatim(url: str | None) -> None:
    note = NoteInfo(1, "ticket", HOSTILE + " <@U0ADA>", url, HOSTILE, "U1", "slack", "open", T0)
    message = notes.saved(note, HOSTILE)
    shown = assert_safe(message, keeps_mentions=True)
    assert "<@U0ADA>" in shown  # a mention written in the note still shows as one
    if url:
        assert "<https://tracker.test/x%7C%3C!channel%3E|https://tracker.test/x|&lt;" in shown


# -- the command replies


def settings() -> RotationSettings:
    return RotationSettings(
        HOSTILE, "C1", HOSTILE, HOSTILE, HOSTILE, ("MO",), 1, 1, True, "09:00", 1, (), 3
    )


def test_admin_builders() -> None:
    member = MemberInfo("U0ADA", HOSTILE, None, None, 1.0, TODAY, None, "admin")
    departed = Departure("U0ADA", False, TODAY, (TODAY,), (DayEntry(TODAY, "U0BEN"),))
    preview = PlanPreview(
        HOSTILE, TODAY, TODAY + timedelta(days=80), 1, (DayEntry(TODAY, "U0ADA"),),
        (Unfilled(TODAY, 1, HOSTILE),), {"U0ADA": Fraction(1, 3)}, (), (),
    )  # fmt: skip
    result = PublishResult(
        HOSTILE, 2, TODAY, TODAY + timedelta(days=80), (DayEntry(TODAY, "U0ADA"),),
        (Unfilled(TODAY, 1, HOSTILE),), (), (),
    )  # fmt: skip
    skipped = (("U0BEN", f"<@U0BEN> is already in {HOSTILE}."),)
    assert_safe(admin.created(settings()))
    assert_fallback_safe(admin.created(settings()))
    for message in (
        admin.added(AddResult(HOSTILE, (member,), skipped)),
        admin.removed(departed, HOSTILE, TODAY),
        admin.removed(Departure("U0ADA", True, None, (), ()), HOSTILE, TODAY),
        admin.made_admin(member, HOSTILE),
        admin.plan_preview(preview, "next", TODAY),
        admin.published(result, TODAY),
        admin.welcome(HOSTILE, "U0ADA"),
    ):
        shown = assert_safe(message, keeps_mentions=message["text"].startswith("Added"))
        assert_fallback_safe(message)
        if not message["text"].startswith("Published"):  # it names nobody
            assert "<@U0ADA>" in shown or "<@U0BEN>" in shown  # our mentions still work
    assert "<@U0BEN> is already in" in "\n".join(
        mrkdwn_texts(admin.added(AddResult(HOSTILE, (), skipped)))
    )


def test_config_builders() -> None:
    assert_safe(config.config_modal(settings()))
    message = config.saved(settings())
    assert_safe(message)
    assert_fallback_safe(message)


def test_days_builders() -> None:
    member = MemberInfo("U0ADA", HOSTILE, None, None, 1.0, TODAY, None, "member")
    booked = TimeOffResult(1, "U0ADA", TODAY, TODAY, (TODAY,), (DayEntry(TODAY, "U0BEN"),), HOSTILE)
    for message in (
        days.joined(member, HOSTILE),
        days.left(Departure("U0ADA", True, None, (), ()), HOSTILE, TODAY),
        days.left(Departure("U0ADA", False, TODAY, (TODAY,), ()), HOSTILE, TODAY),
        days.away_booked([booked], TODAY, HOSTILE),
        days.away_cancelled([booked], TODAY),
        days.taken_over(HOSTILE, [TODAY], "U0ADA"),
    ):
        assert_safe(message)
    for message in (days.joined(member, HOSTILE), days.taken_over(HOSTILE, [TODAY], "U0ADA")):
        assert_fallback_safe(message)
    assert_safe(days.away_list([AwayEntry(HOSTILE, 1, TODAY, TODAY, HOSTILE)], TODAY))


def test_errors_help_and_rotation_unclear_keep_use_case_mentions() -> None:
    said = f"<@U0ADA> is not on {HOSTILE} on 2027-01-12."
    for message in (
        errors.refusal(said),
        swaps.not_done(said),
        help.command_error(CommandError(said, BY_NAME["swap"])),
        rotations.rotation_unclear(
            RotationUnclear(said, (HOSTILE,), ambiguous=False), BY_NAME["stats"]
        ),
    ):
        shown = assert_safe(message, keeps_mentions=True)
        assert "<@U0ADA> is not on" in shown
        assert "Tue 12 Jan 2027" in shown and "2027-01-12" not in shown  # the friendly form
    assert_safe(help.unknown_subcommand(HOSTILE, None))


def my_rotation() -> MyRotation:
    return MyRotation(
        rotation=HOSTILE, timezone="Europe/Berlin", today=TODAY, role="admin",
        next_days=(TODAY,), done=1, upcoming=1, balance=Fraction(0), projected=Fraction(0),
        away=((TODAY, TODAY, HOSTILE),), requests=(1,), open_covers=(2,),
    )  # fmt: skip


def schedule() -> Schedule:
    on = (QueueDay(TODAY, (("U0ADA", HOSTILE),)), QueueDay(TODAY + timedelta(days=5), (), HOSTILE))
    return Schedule(HOSTILE, TODAY, TODAY + timedelta(days=13), TODAY, on, 1)


def test_my_calendar_and_home() -> None:
    overview = MyOverview("U0ADA", (my_rotation(),))
    feeds = [mine.Feed(HOSTILE, "https://q.test/calendar/t.ics", "webcal://q.test/calendar/t.ics")]
    for message in (mine.my_message(overview, feeds), mine.calendar_message(feeds)):
        shown = assert_safe(message)
        assert "<https://q.test/calendar/t.ics|https link>" in shown
    assert_fallback_safe(mine.my_message(overview, feeds))
    view = home.home_view(
        "U0ADA", overview=HomeOverview(overview, (schedule(),), (HOSTILE,)), feeds=feeds
    )
    assert "<@U0ADA>" in assert_safe(view)
    # The modals show rotation names only in plain_text options, which Slack never parses.
    assert_safe(modals.swap_modal(overview), shown=False)
    assert_safe(modals.away_modal(TODAY), shown=False)


def test_queue_builders_escape_names_closed_days_and_fallbacks() -> None:
    report = FairnessReport(
        HOSTILE, TODAY, TODAY,
        (MemberBalance("U0ADA", HOSTILE, True, 1, 0, Fraction(1), Fraction(0), Fraction(0)),),
    )  # fmt: skip
    for message in (
        queue.who_message(HOSTILE, TODAY, QueueDay(TODAY, (("U0ADA", HOSTILE),))),
        queue.who_message(HOSTILE, TODAY, QueueDay(TODAY, (), HOSTILE)),
        queue.who_message(HOSTILE, TODAY, QueueDay(TODAY, ())),
        queue.schedule_message(schedule(), "U0ADA", "this"),
        queue.stats_message(report, "U0ADA"),
    ):
        assert_safe(message)
        assert_fallback_safe(message)


def test_swap_builders() -> None:
    swap = RequestInfo(5, HOSTILE, "swap", "open", "U0ADA", TODAY, "U0BEN", TODAY, None)
    cover = RequestInfo(6, HOSTILE, "cover", "open", "U0ADA", TODAY, None, None, None)
    assert_safe(swaps.asked(swap, TODAY), shown=False)
    assert "<#C1>" in assert_safe(swaps.asked(cover, TODAY, posted_in="C1"))
    for request in (swap, cover):
        assert "<@U0ADA>" in assert_safe(swaps.ask(request, TODAY))
    assert_fallback_safe(swaps.ask(cover, TODAY))
    for state in ("accepted", "declined", "cancelled"):
        decided = RequestInfo(5, HOSTILE, "swap", state, "U0ADA", TODAY, "U0BEN", TODAY, None)
        assert_safe(decided_message := swaps.decided(decided, TODAY), shown=state == "accepted")
        assert "<@U0ADA>" in "\n".join(mrkdwn_texts(decided_message))


def test_the_console_shows_hostile_text_as_typed() -> None:
    chosen = compose([ticket()], [highlight()], limit=3)
    message = reminders.day_reminder(
        DayContent(ReminderKind.DAY_BEFORE, ROTATION, TODAY, chosen, (1,)), today=TODAY
    )
    shown = message_text(message, lambda user: user)
    assert "<!channel> P0 outage <https://evil.example|click> & <@U0EVIL>" in shown
