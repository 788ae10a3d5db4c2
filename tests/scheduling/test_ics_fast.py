"""The fast feed writer gives exactly render_calendar's bytes; per-assignment stamps."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduling.ics import (
    FeedEvent,
    assignment_uid,
    plan_events,
    render_calendar,
    render_calendar_fast,
)
from scheduling.model import DayEntry
from tests.scheduling.test_ics import CHANNEL, NAMES, TEAM, UPDATED, round_robin, weekdays

# Text that exercises escaping and folding: backslashes and carets at fold points,
# multi-octet characters, commas, semicolons, line breaks and control characters.
TEXT = st.text(
    alphabet=st.sampled_from(list("ab ,;:\\^\n\r\t\x00\x1b\"'é☕𝄞Ł-"))
    | st.characters(exclude_categories=["Cs"]),
    max_size=400,
)
EVENT = st.builds(
    FeedEvent,
    uid=st.text(min_size=1, max_size=120) | st.just("support-20270104-U0ADA@queueday"),
    day=st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 30)),
    summary=TEXT,
    description=TEXT,
    sequence=st.integers(min_value=0, max_value=10**9),
    updated_at=st.datetimes(
        min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
    ),
    url=st.none()
    | st.just(CHANNEL)
    | st.text(
        alphabet=st.characters(
            min_codepoint=0x21, exclude_characters="\x7f", exclude_categories=["Cs"]
        ),
        min_size=1,
    ),
)


def same_bytes(name: str, events: list[FeedEvent], **kwargs: object) -> bytes:
    slow = render_calendar(name, events, **kwargs)  # type: ignore[arg-type]
    fast = render_calendar_fast(name, events, **kwargs)  # type: ignore[arg-type]
    assert fast == slow
    return fast


@settings(max_examples=150, deadline=None)
@given(st.lists(EVENT, max_size=6, unique_by=lambda e: e.uid), TEXT)
def test_fast_writer_matches_icalendar_byte_for_byte(events: list[FeedEvent], name: str) -> None:
    same_bytes(name, events, timezone="Europe/Berlin")


@pytest.mark.parametrize("length", range(60, 160))
def test_fold_boundaries_with_escapes(length: int) -> None:
    """Every line length around the 75-octet fold, with an escape at each boundary."""
    for filler in ("a", "é", "☕", "\\", "^", ","):
        text = (filler * length)[:length]
        event = FeedEvent("u@q", date(2027, 1, 4), text, "x" * length + text, 1, UPDATED, CHANNEL)
        same_bytes(text, [event])


def test_a_big_rotation_feed_is_the_same() -> None:
    """1,000 people, 24 a day, a quarter (a year is tested through the web app)."""
    team = [f"U{n:04d}" for n in range(1000)]
    names = {user: f"Person Ünïcode {n}" for n, user in enumerate(team)}
    entries = round_robin(weekdays(date(2027, 1, 1), date(2027, 3, 31)), team, 24)
    events = plan_events(
        entries, names, rotation="support", channel_url=CHANNEL, updated_at=UPDATED
    )
    assert len(events) > 1500
    same_bytes("Support", events, timezone="Europe/Berlin", refresh=timedelta(minutes=30))


def test_duplicate_uids_and_bad_refresh_are_refused_alike() -> None:
    event = FeedEvent("u@q", date(2027, 1, 4), "s", "d", 0, UPDATED)
    for render in (render_calendar, render_calendar_fast):
        with pytest.raises(ValueError, match="duplicate uid"):
            render("n", [event, event])
        with pytest.raises(ValueError, match="refresh"):
            render("n", [event], refresh=timedelta(0))


def test_each_event_is_stamped_with_its_own_update() -> None:
    first, second = DayEntry(date(2027, 1, 4), "U0ADA"), DayEntry(date(2027, 1, 5), "U0KEN")
    later = datetime(2027, 2, 1, 12, 0, 30, 999, tzinfo=UTC)
    events = plan_events(
        [first, second], NAMES, rotation="support", updated_at=UPDATED, updated={second: later}
    )
    assert [e.updated_at for e in events] == [UPDATED, later]
    ics = same_bytes("n", events)
    assert b"DTSTAMP:20270201T120030Z\r\n" in ics and b"LAST-MODIFIED:20270201T120030Z" in ics


def test_member_only_keeps_teammates_in_the_description() -> None:
    day = date(2027, 1, 4)
    entries = round_robin([day, day + timedelta(days=1)], TEAM, 3)
    events = plan_events(
        entries,
        NAMES,
        rotation="support",
        channel_url=CHANNEL,
        updated_at=UPDATED,
        member_only="U0ADA",
    )
    # Day one: Ada, Grace, Linus; day two: Ken, Barbara, Ada.
    assert [e.uid for e in events] == [
        assignment_uid("support", day, "U0ADA"),
        assignment_uid("support", day + timedelta(days=1), "U0ADA"),
    ]
    assert events[0].description == f"Also on the queue: Grace, Linus.\nChannel: {CHANNEL}"
    assert events[1].description == f"Also on the queue: Barbara, Ken.\nChannel: {CHANNEL}"
    everyone = plan_events(
        entries, NAMES, rotation="support", channel_url=CHANNEL, updated_at=UPDATED
    )
    assert set(events) <= set(everyone) and len(everyone) == 6
