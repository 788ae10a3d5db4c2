"""The .ics renderer: deterministic bytes that calendar clients read as all-day queue days."""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
import vobject
from hypothesis import given
from hypothesis import strategies as st

from scheduling.ics import (
    FeedEvent,
    assignment_uid,
    clean_text,
    plan_events,
    render_calendar,
)
from scheduling.model import DayEntry

UPDATED = datetime(2027, 1, 4, 8, 30, 0, tzinfo=UTC)
CHANNEL = "https://example.slack.com/archives/C0DEMO"
NAMES = {
    "U0ADA": "Ada",
    "U0GRACE": "Grace",
    "U0LINUS": "Linus",
    "U0KEN": "Ken",
    "U0BARBARA": "Barbara",
}
TEAM = tuple(NAMES)


def weekdays(first: date, last: date) -> list[date]:
    """Mon-Fri days in [first, last]."""
    return [
        first + timedelta(days=n)
        for n in range((last - first).days + 1)
        if (first + timedelta(days=n)).weekday() < 5
    ]


def round_robin(days: Iterable[date], team: Sequence[str], per_day: int) -> list[DayEntry]:
    """`per_day` people a day, taken in turn from `team`."""
    entries = []
    turn = 0
    for day in days:
        for _ in range(per_day):
            entries.append(DayEntry(day=day, member=team[turn % len(team)]))
            turn += 1
    return entries


def feed(
    assignments: Sequence[DayEntry],
    *,
    timezone: str | None = "Europe/Berlin",
    revisions: dict[DayEntry, int] | None = None,
) -> bytes:
    events = plan_events(
        assignments,
        NAMES,
        rotation="support",
        channel_url=CHANNEL,
        revisions=revisions,
        updated_at=UPDATED,
    )
    return render_calendar("Support queue", events, timezone=timezone)


def parsed_events(ics: bytes) -> list[icalendar.Event]:
    return list(icalendar.Calendar.from_ical(ics).walk("VEVENT"))


def on_queue(ics: bytes, when: date | tuple[datetime, datetime]) -> list[str]:
    """Who a calendar client shows on the queue on a day (or within a local time span)."""
    query = recurring_ical_events.of(icalendar.Calendar.from_ical(ics))
    found = query.at(when) if isinstance(when, date) else query.between(*when)
    return sorted(str(event["SUMMARY"]).removeprefix("Support queue: ") for event in found)


def expected_on(assignments: Iterable[DayEntry], day: date) -> list[str]:
    return sorted(NAMES[entry.member] for entry in assignments if entry.day == day)


def content_lines(ics: bytes) -> list[bytes]:
    """The unfolded content lines, as bytes."""
    return ics.replace(b"\r\n ", b"").split(b"\r\n")


# --- determinism and the calendar's own properties ------------------------------------


def test_same_input_gives_byte_identical_output_whatever_the_order() -> None:
    assignments = round_robin(weekdays(date(2027, 1, 4), date(2027, 3, 31)), TEAM, 2)
    events = plan_events(assignments, NAMES, rotation="support", updated_at=UPDATED)
    shuffled = list(events)
    random.Random(7).shuffle(shuffled)

    first = render_calendar("Support queue", events, timezone="Europe/Berlin")
    assert render_calendar("Support queue", events, timezone="Europe/Berlin") == first
    assert render_calendar("Support queue", shuffled, timezone="Europe/Berlin") == first
    assert feed(list(reversed(assignments))) == feed(assignments)


def test_golden_bytes_of_a_small_feed() -> None:
    event = FeedEvent(
        uid="support-20270104-U0ADA@queueday",
        day=date(2027, 1, 4),
        summary="Support queue: Ada",
        description="Nobody else is on the queue this day.",
        sequence=2,
        updated_at=UPDATED,
        url=CHANNEL,
    )
    expected = (
        b"BEGIN:VCALENDAR\r\n"
        b"VERSION:2.0\r\n"
        b"PRODID:-//QueueDay//QueueDay//EN\r\n"
        b"CALSCALE:GREGORIAN\r\n"
        b"METHOD:PUBLISH\r\n"
        b"NAME:Support\\, EU\r\n"
        b"X-WR-CALNAME:Support\\, EU\r\n"
        b"REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n"
        b"X-PUBLISHED-TTL:PT1H\r\n"
        b"X-WR-TIMEZONE:Europe/Berlin\r\n"
        b"BEGIN:VEVENT\r\n"
        b"SUMMARY:Support queue: Ada\r\n"
        b"DTSTART;VALUE=DATE:20270104\r\n"
        b"DTEND;VALUE=DATE:20270105\r\n"
        b"DTSTAMP:20270104T083000Z\r\n"
        b"UID:support-20270104-U0ADA@queueday\r\n"
        b"SEQUENCE:2\r\n"
        b"DESCRIPTION:Nobody else is on the queue this day.\r\n"
        b"LAST-MODIFIED:20270104T083000Z\r\n"
        b"TRANSP:TRANSPARENT\r\n"
        b"URL:https://example.slack.com/archives/C0DEMO\r\n"
        b"END:VEVENT\r\n"
        b"END:VCALENDAR\r\n"
    )
    assert render_calendar("Support, EU", [event], timezone="Europe/Berlin") == expected


def test_calendar_properties() -> None:
    lines = content_lines(feed(round_robin([date(2027, 1, 4)], TEAM, 1)))
    for line in (
        b"VERSION:2.0",
        b"PRODID:-//QueueDay//QueueDay//EN",
        b"CALSCALE:GREGORIAN",
        b"METHOD:PUBLISH",
        b"NAME:Support queue",
        b"X-WR-CALNAME:Support queue",
        b"X-WR-TIMEZONE:Europe/Berlin",
        b"REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        b"X-PUBLISHED-TTL:PT1H",
    ):
        assert lines.count(line) == 1, line


def test_refresh_interval_follows_refresh_and_timezone_is_optional() -> None:
    ics = render_calendar("Ada", [], refresh=timedelta(minutes=30), prodid="-//Acme//Q//EN")
    lines = content_lines(ics)
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT30M" in lines
    assert b"X-PUBLISHED-TTL:PT30M" in lines
    assert b"PRODID:-//Acme//Q//EN" in lines
    assert not any(line.startswith(b"X-WR-TIMEZONE") for line in lines)
    assert b"BEGIN:VEVENT" not in ics


def test_crlf_line_endings_and_folding_at_75_octets() -> None:
    event = FeedEvent(
        uid="u1@queueday",
        day=date(2027, 1, 4),
        summary="Support queue: Zoë " + "Ünïcödé ☕ " * 20,
        description="Also on the queue: " + ", ".join(["Łukasz Grzęgorz"] * 30),
        sequence=0,
        updated_at=UPDATED,
    )
    ics = render_calendar("Support queue", [event])
    assert ics.endswith(b"\r\n")
    physical = ics.split(b"\r\n")[:-1]
    assert b"\n" not in b"".join(physical) and b"\r" not in b"".join(physical)
    assert any(line.startswith(b" ") for line in physical)  # it did fold
    for line in physical:
        assert len(line) <= 75
        line.decode("utf-8")  # no character split across a fold


# --- events, read back by two independent parsers -------------------------------------


def test_events_read_back_with_icalendar() -> None:
    assignments = round_robin(weekdays(date(2027, 1, 4), date(2027, 1, 8)), TEAM, 2)
    revisions = {assignments[0]: 3}
    events = parsed_events(feed(assignments, revisions=revisions))

    assert len(events) == 10
    first = events[0]
    for event in events:
        start, end = event["DTSTART"].dt, event["DTEND"].dt
        assert type(start) is date and type(end) is date
        assert end == start + timedelta(days=1)
        assert event["DTSTAMP"].dt == UPDATED
        assert event["LAST-MODIFIED"].dt == UPDATED
        assert str(event["TRANSP"]) == "TRANSPARENT"
        assert str(event["URL"]) == CHANNEL
    assert str(first["UID"]) == "support-20270104-U0ADA@queueday"
    assert first["SEQUENCE"] == 3
    assert [e["SEQUENCE"] for e in events[1:]] == [0] * 9
    assert str(first["SUMMARY"]) == "Support queue: Ada"
    assert str(first["DESCRIPTION"]) == f"Also on the queue: Grace.\nChannel: {CHANNEL}"


def test_events_read_back_with_vobject() -> None:
    assignments = round_robin(weekdays(date(2027, 1, 4), date(2027, 1, 8)), TEAM, 2)
    ics = feed(assignments, revisions={assignments[3]: 1})
    calendar = vobject.readOne(ics.decode("utf-8"))

    assert calendar.refresh_interval.value == "PT1H"
    events = calendar.vevent_list
    assert len(events) == 10
    uids = []
    in_feed_order = sorted(assignments, key=lambda e: (e.day, e.member))
    for event, entry in zip(events, in_feed_order, strict=True):
        assert type(event.dtstart.value) is date
        assert event.dtstart.value == entry.day
        assert event.dtend.value == entry.day + timedelta(days=1)
        assert event.summary.value == f"Support queue: {NAMES[entry.member]}"
        uids.append(event.uid.value)
        assert uids[-1] == assignment_uid("support", entry.day, entry.member)
    assert uids == sorted(uids)  # within a day, by uid
    revised = [e.uid.value for e in events if int(e.sequence.value) == 1]
    assert revised == [assignment_uid("support", assignments[3].day, assignments[3].member)]
    assert len(set(uids)) == 10


def test_uid_is_stable_when_the_rest_of_the_plan_changes() -> None:
    kept = DayEntry(day=date(2027, 2, 3), member="U0KEN")
    before = plan_events([kept], NAMES, rotation="support", updated_at=UPDATED)
    after = plan_events(
        [kept, DayEntry(day=date(2027, 2, 3), member="U0ADA")],
        NAMES,
        rotation="support",
        revisions={kept: 1},
        updated_at=UPDATED + timedelta(days=2),
    )
    (mine,) = [event for event in after if event.summary.endswith("Ken")]
    assert mine.uid == before[0].uid == "support-20270203-U0KEN@queueday"
    assert mine.sequence == 1
    assert mine.description.startswith("Also on the queue: Ada.")


# --- "who is on day X" around DST changes, the new year and a leap day ---------------


@pytest.mark.parametrize(
    ("zone", "monday"),
    [
        pytest.param("Europe/Berlin", date(2027, 3, 29), id="berlin-spring-forward-2027-03-28"),
        pytest.param("America/New_York", date(2027, 3, 15), id="new-york-spring-forward-03-14"),
        pytest.param("Europe/Berlin", date(2027, 11, 1), id="berlin-fall-back-2027-10-31"),
    ],
)
def test_dst_week_keeps_everyone_on_their_day(zone: str, monday: date) -> None:
    # The DST change falls on the Sunday before `monday`: all-day events must not move.
    days = weekdays(monday - timedelta(days=7), monday + timedelta(days=4))
    assignments = round_robin(days, TEAM, 2)
    ics = feed(assignments, timezone=zone)
    tz = ZoneInfo(zone)
    for offset in range(-3, 5):
        day = monday + timedelta(days=offset)
        expected = expected_on(assignments, day)
        assert on_queue(ics, day) == expected, day
        # The same answer over the local day, which is 23 or 25 hours on the change day.
        local_day = (
            datetime(day.year, day.month, day.day, tzinfo=tz),
            datetime(day.year, day.month, day.day, tzinfo=tz) + timedelta(days=1),
        )
        assert on_queue(ics, local_day) == expected, day


def test_year_boundary() -> None:
    new_years_eve, new_year = date(2026, 12, 31), date(2027, 1, 1)
    assignments = [
        DayEntry(day=new_years_eve, member="U0ADA"),
        DayEntry(day=new_year, member="U0GRACE"),
    ]
    ics = feed(assignments)
    assert on_queue(ics, new_years_eve) == ["Ada"]
    assert on_queue(ics, new_year) == ["Grace"]
    assert on_queue(ics, date(2027, 1, 2)) == []
    assert b"DTSTART;VALUE=DATE:20261231\r\nDTEND;VALUE=DATE:20270101\r\n" in ics
    assert parsed_events(ics)[0]["UID"] == "support-20261231-U0ADA@queueday"


def test_leap_day() -> None:
    leap_day = date(2028, 2, 29)
    ics = feed([DayEntry(day=leap_day, member="U0LINUS")])
    assert on_queue(ics, leap_day) == ["Linus"]
    assert on_queue(ics, date(2028, 2, 28)) == []
    assert on_queue(ics, date(2028, 3, 1)) == []
    (event,) = parsed_events(ics)
    assert event["DTEND"].dt == date(2028, 3, 1)


# --- text escaping ---------------------------------------------------------------------

TRICKY = 'Ticket #12, "login"; Zoë was here ☕\nSecond line\r\nThird: C:\\New\\Folder'


def test_text_is_escaped_and_round_trips() -> None:
    event = FeedEvent(
        uid="u1@queueday",
        day=date(2027, 1, 4),
        summary="Support queue: Zoë; Ünal, Ada",
        description=TRICKY,
        sequence=0,
        updated_at=UPDATED,
    )
    ics = render_calendar("Support; EU, team", [event])
    lines = content_lines(ics)
    assert b"NAME:Support\\; EU\\, team" in lines
    assert "SUMMARY:Support queue: Zoë\\; Ünal\\, Ada".encode() in lines
    assert (
        'DESCRIPTION:Ticket #12\\, "login"\\; Zoë was here ☕\\nSecond line\\nThird: '
        "C:\\\\New\\\\Folder".encode()
    ) in lines

    expected = TRICKY.replace("\r\n", "\n")
    read = vobject.readOne(ics.decode("utf-8")).vevent
    assert read.description.value == expected
    assert read.summary.value == event.summary
    # icalendar's parser turns an escaped backslash before "N" into a line break, so it
    # checks everything but the backslashes.
    (parsed,) = parsed_events(ics)
    assert str(parsed["DESCRIPTION"]).split("Third")[0] == expected.split("Third")[0]
    assert str(parsed["SUMMARY"]) == event.summary


def test_control_characters_are_dropped_and_line_breaks_normalised() -> None:
    assert clean_text("a\r\nb\rc\nd\te\x00f\x1bg\x7f") == "a\nb\nc\nd\tefg"
    event = FeedEvent("u@q", date(2027, 1, 4), "a\x00b", "x\ry", 0, UPDATED)
    lines = content_lines(render_calendar("n", [event]))
    assert b"SUMMARY:ab" in lines
    assert b"DESCRIPTION:x\\ny" in lines


@given(st.text(max_size=300))
def test_any_description_round_trips_through_vobject(text: str) -> None:
    event = FeedEvent("u@q", date(2027, 1, 4), "s", text, 0, UPDATED)
    ics = render_calendar("n", [event])
    assert all(len(line) <= 75 for line in ics.split(b"\r\n"))
    read = vobject.readOne(ics.decode("utf-8")).vevent
    assert read.description.value == clean_text(text)


# --- plan_events -----------------------------------------------------------------------


def test_plan_events_one_event_per_person_and_day() -> None:
    day = date(2027, 1, 5)
    assignments = [
        DayEntry(day=day, member="U0LINUS"),
        DayEntry(day=day, member="U0ADA"),
        DayEntry(day=day, member="U0ADA"),  # a duplicate counts once
        DayEntry(day=day, member="U0NEW"),  # no name known: shown as the id
    ]
    events = plan_events(
        assignments, NAMES, rotation="support", channel_url=CHANNEL, updated_at=UPDATED
    )
    assert [event.summary for event in events] == [
        "Support queue: Ada",
        "Support queue: Linus",
        "Support queue: U0NEW",
    ]
    assert events[0].description == f"Also on the queue: Linus, U0NEW.\nChannel: {CHANNEL}"
    assert events[2].description == f"Also on the queue: Ada, Linus.\nChannel: {CHANNEL}"
    assert all(event.url == CHANNEL and event.sequence == 0 for event in events)

    alone = plan_events([assignments[0]], NAMES, rotation="support", updated_at=UPDATED)
    assert alone[0].description == "Nobody else is on the queue this day."
    assert alone[0].url is None


def test_uids_are_safe_and_never_collide() -> None:
    day = date(2027, 1, 4)
    assert assignment_uid("support", day, "U0ADA") == "support-20270104-U0ADA@queueday"
    assert assignment_uid("Support EU/2", day, "U0 ADA@x") == (
        "Support%20EU%2F2-20270104-U0%20ADA%40x@queueday"
    )
    # Without escaping '-' in the member, these two would read the same.
    a = assignment_uid("x", day, "y-20270104-z")
    b = assignment_uid("x-20270104-y", day, "z")
    assert a != b
    for uid in (a, b, assignment_uid("ünï;cödé,", day, "\n")):
        assert uid.isascii() and not set(uid) & set(' ,;:\\"\n')


def test_invalid_input_is_refused() -> None:
    with pytest.raises(ValueError, match="updated_at"):
        FeedEvent("u", date(2027, 1, 4), "s", "d", 0, datetime(2027, 1, 4))
    with pytest.raises(ValueError, match="sequence"):
        FeedEvent("u", date(2027, 1, 4), "s", "d", -1, UPDATED)
    with pytest.raises(ValueError, match="url"):
        FeedEvent("u", date(2027, 1, 4), "s", "d", 0, UPDATED, url="https://x/\r\nX-EVIL:1")
    with pytest.raises(ValueError, match="uid"):
        FeedEvent("", date(2027, 1, 4), "s", "d", 0, UPDATED)
    twice = FeedEvent("u", date(2027, 1, 4), "s", "d", 0, UPDATED)
    other_day = FeedEvent("u", date(2027, 1, 5), "s", "d", 0, UPDATED)
    with pytest.raises(ValueError, match="duplicate uid"):
        render_calendar("n", [twice, other_day])
    with pytest.raises(ValueError, match="refresh"):
        render_calendar("n", [], refresh=timedelta(0))
    with pytest.raises(ValueError, match="rotation"):
        assignment_uid("", date(2027, 1, 4), "U0ADA")


def test_a_non_utc_update_time_is_written_in_utc() -> None:
    berlin = datetime(2027, 7, 1, 9, 15, 30, 123456, tzinfo=ZoneInfo("Europe/Berlin"))
    event = FeedEvent("u", date(2027, 7, 1), "s", "d", 0, berlin)
    lines = content_lines(render_calendar("n", [event]))
    assert b"DTSTAMP:20270701T071530Z" in lines
    assert b"LAST-MODIFIED:20270701T071530Z" in lines


# --- size ------------------------------------------------------------------------------


def test_a_thousand_people_for_a_year() -> None:
    people = [f"U{n:05d}" for n in range(1000)]
    names = {person: f"Person {n}" for n, person in enumerate(people)}
    days = weekdays(date(2027, 1, 1), date(2027, 12, 31))
    assignments = round_robin(days, people, 24)
    events = plan_events(
        assignments, names, rotation="support", channel_url=CHANNEL, updated_at=UPDATED
    )
    ics = render_calendar("Support queue", events, timezone="Europe/Berlin")

    assert len(days) == 261
    assert len(events) == 261 * 24
    assert ics.count(b"\r\nBEGIN:VEVENT\r\n") == 261 * 24
