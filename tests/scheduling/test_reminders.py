"""Reminder timing (DST, holidays) and composition (tickets paired with highlights)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from scheduling.calendar import WorkCalendar
from scheduling.reminders import (
    MUTABLE,
    Highlight,
    ReminderKind,
    ReminderTimes,
    Ticket,
    compose,
    digest_due,
    due_at,
    parse_clock,
    preview_due,
    useful_until,
    week_start,
)

BERLIN = WorkCalendar(country="DE", subdivision="BE")
NEW_YORK = WorkCalendar(country="US", subdivision="NY")
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("name", "kind", "day", "zone", "calendar", "expected"),
    [
        # Berlin goes to summer time on Easter Sunday 2027-03-28; for Tuesday the 30th the
        # working day before is Thursday the 25th (Good Friday, Easter Monday), still CET.
        (
            "spring DST, day before",
            ReminderKind.DAY_BEFORE,
            date(2027, 3, 30),
            "Europe/Berlin",
            BERLIN,
            utc(2027, 3, 25, 15, 0),
        ),
        (
            "spring DST, morning of",
            ReminderKind.MORNING_OF,
            date(2027, 3, 30),
            "Europe/Berlin",
            BERLIN,
            utc(2027, 3, 30, 7, 0),
        ),
        # Back to CET on Sunday 2027-10-31.
        (
            "autumn DST, day before",
            ReminderKind.DAY_BEFORE,
            date(2027, 11, 1),
            "Europe/Berlin",
            BERLIN,
            utc(2027, 10, 29, 14, 0),
        ),
        (
            "autumn DST, morning of",
            ReminderKind.MORNING_OF,
            date(2027, 11, 1),
            "Europe/Berlin",
            BERLIN,
            utc(2027, 11, 1, 8, 0),
        ),
        (
            "autumn DST, end of day",
            ReminderKind.END_OF_DAY,
            date(2027, 11, 1),
            "Europe/Berlin",
            BERLIN,
            utc(2027, 11, 1, 16, 0),
        ),
        # New York: EDT from 2027-03-14.
        (
            "US DST, morning of",
            ReminderKind.MORNING_OF,
            date(2027, 3, 15),
            "America/New_York",
            NEW_YORK,
            utc(2027, 3, 15, 13, 0),
        ),
        (
            "US DST, day before",
            ReminderKind.DAY_BEFORE,
            date(2027, 3, 15),
            "America/New_York",
            NEW_YORK,
            utc(2027, 3, 12, 21, 0),
        ),
        # Christmas: the working day before Monday 2026-12-28 is Thursday the 24th.
        (
            "holidays skipped",
            ReminderKind.DAY_BEFORE,
            date(2026, 12, 28),
            "Europe/Berlin",
            BERLIN,
            utc(2026, 12, 24, 15, 0),
        ),
        # Year boundary: the day before Monday 2027-01-04 in New York is Thursday 2026-12-31.
        (
            "year boundary",
            ReminderKind.DAY_BEFORE,
            date(2027, 1, 4),
            "America/New_York",
            NEW_YORK,
            utc(2026, 12, 31, 21, 0),
        ),
        # A person in Tokyo on a Berlin rotation: their own timezone.
        (
            "own timezone",
            ReminderKind.MORNING_OF,
            date(2027, 3, 29),
            "Asia/Tokyo",
            BERLIN,
            utc(2027, 3, 29, 0, 0),
        ),
    ],
)
def test_due_at(
    name: str, kind: ReminderKind, day: date, zone: str, calendar: WorkCalendar, expected: datetime
) -> None:
    assert due_at(kind, day, zone, ReminderTimes(), calendar) == expected


def test_a_local_time_skipped_by_dst_still_maps_to_one_instant() -> None:
    # 02:30 does not exist in Berlin on 2027-03-28; it resolves to 03:30 CEST = 01:30 UTC.
    times = ReminderTimes(morning_of=time(2, 30))
    assert due_at(
        ReminderKind.MORNING_OF, date(2027, 3, 28), "Europe/Berlin", times, BERLIN
    ) == utc(2027, 3, 28, 1, 30)


def test_useful_until() -> None:
    day = date(2027, 3, 29)
    assert useful_until(ReminderKind.MORNING_OF, day, "Europe/Berlin") == utc(2027, 3, 29, 10, 0)
    assert useful_until(ReminderKind.DAY_BEFORE, day, "Europe/Berlin") == utc(2027, 3, 28, 22, 0)
    assert useful_until(ReminderKind.END_OF_DAY, day, "Europe/Berlin") == utc(2027, 3, 30, 10, 0)


def test_tied_kinds_only() -> None:
    with pytest.raises(ValueError):
        due_at(ReminderKind.PUBLISHED, date(2027, 1, 4), "UTC", ReminderTimes(), BERLIN)


def test_muting() -> None:
    times = ReminderTimes(muted=frozenset({ReminderKind.DAY_BEFORE, ReminderKind.MORNING_OF}))
    assert not times.wants(ReminderKind.DAY_BEFORE)
    assert times.wants(ReminderKind.MORNING_OF)  # essential: cannot be muted
    assert times.wants(ReminderKind.END_OF_DAY)


def ticket(
    tid: str, severity: str | None = None, area: str | None = None, age_days: int = 0
) -> Ticket:
    return Ticket(tid, f"Bug {tid}", T0 - timedelta(days=age_days), area=area, severity=severity)


def highlight(hid: str, area: str | None = None, age_days: int = 0) -> Highlight:
    return Highlight(hid, f"Customers love {hid}", T0 - timedelta(days=age_days), area=area)


def test_tickets_by_severity_then_preferred_area_then_age() -> None:
    tickets = [
        ticket("low-old", "low", age_days=30),
        ticket("high-new", "high", "billing", age_days=1),
        ticket("high-old", "high", "search", age_days=9),
        ticket("critical", "critical", age_days=0),
        ticket("unknown", None, age_days=99),
    ]
    highlights = [highlight(f"h{n}", age_days=n) for n in range(5)]
    digest = compose(tickets, highlights, limit=4)
    assert [t.id for t, _ in digest.pairs] == ["critical", "high-old", "high-new", "low-old"]
    preferred = compose(tickets, highlights, preferred_areas=["Billing"], limit=3)
    assert [t.id for t, _ in preferred.pairs] == ["critical", "high-new", "high-old"]


def test_highlights_same_area_first_then_recent_never_repeated() -> None:
    tickets = [ticket("a", "high", "search", 3), ticket("b", "high", "billing", 2)]
    highlights = [
        highlight("old-billing", "billing", age_days=40),
        highlight("recent", "ui", age_days=1),
        highlight("shown-search", "search", age_days=0),
        highlight("recent-2", "ui", age_days=2),
    ]
    digest = compose(tickets, highlights, already_shown=["shown-search"])
    pairs = {t.id: h.id if h else None for t, h in digest.pairs}
    assert pairs == {"a": "recent", "b": "old-billing"}
    assert digest.shown_highlights == {"recent", "old-billing"}
    assert digest.note is None


def test_never_more_bugs_than_highlights_when_there_are_some() -> None:
    tickets = [ticket(str(n), "high", age_days=n) for n in range(5)]
    digest = compose(tickets, [highlight("only")], limit=3)
    assert len(digest.pairs) == 1 and digest.pairs[0][1] is not None


def test_no_highlights_asks_the_team_to_add_some() -> None:
    digest = compose([ticket("x", "high")], [highlight("seen")], already_shown=["seen"])
    assert len(digest.pairs) == 1 and digest.pairs[0][1] is None
    assert digest.note is not None and "/queueday highlight" in digest.note


def test_no_tickets_still_shows_what_works() -> None:
    digest = compose([], [highlight("h1"), highlight("h2", age_days=3)], limit=1)
    assert digest.pairs == ()
    assert [h.id for h in digest.extra_highlights] == ["h1"]
    assert digest.note == "No bug tickets are waiting on the queue right now."


@pytest.mark.parametrize(
    ("text", "expected"),
    [("09:30", time(9, 30)), ("9:05", time(9, 5)), (" 23:59 ", time(23, 59)), ("00:00", time(0))],
)
def test_parse_clock(text: str, expected: time) -> None:
    assert parse_clock(text) == expected


@pytest.mark.parametrize("text", ["24:00", "9", "9:5", "noon", "12:60", "-1:00", "123:00", ""])
def test_parse_clock_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_clock(text)


def test_settings_move_and_mute_only_what_may_change() -> None:
    times = ReminderTimes().moved(ReminderKind.END_OF_DAY, time(18, 15))
    assert times.at(ReminderKind.END_OF_DAY) == time(18, 15)
    muted = times.muting(ReminderKind.END_OF_DAY)
    assert not muted.wants(ReminderKind.END_OF_DAY)
    assert muted.muting(ReminderKind.END_OF_DAY, mute=False).wants(ReminderKind.END_OF_DAY)
    assert MUTABLE == {ReminderKind.DAY_BEFORE, ReminderKind.END_OF_DAY}
    with pytest.raises(ValueError):
        times.muting(ReminderKind.MORNING_OF)
    with pytest.raises(ValueError):
        times.moved(ReminderKind.PUBLISHED, time(9))


def test_days_before_counts_working_days_and_zero_turns_it_off() -> None:
    # Two working days before Tuesday 2027-03-30 (Easter Monday and Good Friday closed):
    # Thursday the 25th is one, Wednesday the 24th two.
    two = ReminderTimes(days_before=2)
    assert due_at(ReminderKind.DAY_BEFORE, date(2027, 3, 30), "Europe/Berlin", two, BERLIN) == (
        utc(2027, 3, 24, 15, 0)
    )
    assert not ReminderTimes(days_before=0).wants(ReminderKind.DAY_BEFORE)


def test_preview_three_weeks_ahead_across_dst() -> None:
    # Q2 2027 starts Thursday 1 April (CEST); three weeks earlier, 11 March, is still CET.
    assert preview_due(date(2027, 4, 1), "Europe/Berlin") == utc(2027, 3, 11, 9, 0)
    # Q4 starts 1 October (CEST, as is 10 September).
    assert preview_due(date(2027, 10, 1), "Europe/Berlin") == utc(2027, 9, 10, 8, 0)


def test_weekly_digest_on_friday_afternoon_local_time() -> None:
    # Any day of the week of 22 March 2027 -> Friday the 26th, 16:00 CET.
    for day in (date(2027, 3, 22), date(2027, 3, 26), date(2027, 3, 28)):
        assert week_start(day) == date(2027, 3, 22)
        assert digest_due(day, "Europe/Berlin") == utc(2027, 3, 26, 15, 0)
    # The week after the switch to summer time: 16:00 CEST.
    assert digest_due(date(2027, 3, 29), "Europe/Berlin") == utc(2027, 4, 2, 14, 0)
    # Worth posting until Monday noon.
    assert useful_until(ReminderKind.WEEKLY_DIGEST, date(2027, 4, 2), "Europe/Berlin") == utc(
        2027, 4, 5, 10, 0
    )


def test_nothing_at_all_says_both() -> None:
    digest = compose([], [])
    assert digest.pairs == () and digest.note is not None
    assert "No bug tickets" in digest.note and "/queueday highlight" in digest.note
