"""Time-off calendars synced over real loopback HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, col, select

import bot.usecases as uc
from bot.usecases.backup import export_data
from bot.usecases.timeoff_feeds import (
    SyncReport,
    add_time_off_feed,
    list_time_off_feeds,
    remove_time_off_feed,
    sync_time_off,
)
from bot.usecases.timeoff_fetch import Fetched, FetchError, fetch, url_hint
from bot.usecases.timeoff_ical import Absence, Matcher, Person
from storage.models import METADATA, AuditEntry, Member, TimeOff, TimeOffFeed
from tests.storage.databases import Database
from tests.usecases.conftest import ADMIN, NOW, TEAM, Team, build_team
from tests.usecases.icsserver import IcsServer, ics_server


@pytest.fixture
def ics() -> Iterator[IcsServer]:
    with ics_server() as server:
        yield server


def calendar(*events: str) -> str:
    body = "".join(events)
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//EN\r\n{body}END:VCALENDAR\r\n"


def all_day(uid: str, first: date, last: date, summary: str, *extra: str) -> str:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        "DTSTAMP:20270101T000000Z",
        f"DTSTART;VALUE=DATE:{first:%Y%m%d}",
        f"DTEND;VALUE=DATE:{last + timedelta(days=1):%Y%m%d}",
        f"SUMMARY:{summary}",
        *extra,
        "END:VEVENT",
    ]
    return "\r\n".join(lines) + "\r\n"


def getter(timeout: float = 2.0) -> object:
    def get(url: str, etag: str | None, last_modified: str | None) -> Fetched:
        return fetch(
            url, etag=etag, last_modified=last_modified, allow_private=True, timeout=timeout
        )

    return get


def sync(session: Session, timeout: float = 2.0) -> list[SyncReport]:
    return sync_time_off(session, team_id=TEAM, now=NOW, fetch=getter(timeout))  # type: ignore[arg-type]


def add(session: Session, url: str) -> int:
    info = add_time_off_feed(
        session,
        team_id=TEAM,
        rotation="support",
        actor=ADMIN,
        now=NOW,
        url=url,
        allow_private=True,
    )
    return info.id


def blocks(session: Session, user: str) -> list[tuple[date, date, int | None, str | None]]:
    query = (
        select(
            col(TimeOff.first_day),
            col(TimeOff.last_day),
            col(TimeOff.feed_id),
            col(TimeOff.feed_event),
        )  # fmt: skip
        .join(Member)
        .where(Member.user_id == user)
        .order_by(col(TimeOff.first_day))
    )
    return [(a, b, c, d) for a, b, c, d in session.exec(query)]


def day_of(team: Team, user: str, after: date = date(2027, 1, 11)) -> date:
    return next(d for d in team.days(user) if d >= after)


def test_a_bamboohr_feed_books_by_name_and_a_second_sync_changes_nothing(
    session: Session, team: Team, ics: IcsServer
) -> None:
    d1 = day_of(team, "U01")
    d2 = day_of(team, "U02")
    url = ics.serve(
        "/feeds/bamboo.ics",
        calendar(
            all_day("bamboo-1", d1, d1, "Person 1 (Vacation)"),
            all_day("bamboo-2", d2 - timedelta(days=1), d2 + timedelta(days=1),
                    "Person 2 (Vacation)", "STATUS:CANCELLED"),
            all_day("bamboo-3", d1, d1, "Nobody Known (Sick)"),
            all_day("bamboo-4", date(2026, 12, 1), date(2026, 12, 2), "Person 3 (Vacation)"),
        ),
    )  # fmt: skip
    feed_id = add(session, url)
    [report] = sync(session)
    assert report.outcome == "updated", report
    assert blocks(session, "U01") == [(d1, d1, feed_id, "bamboo-1")]
    assert blocks(session, "U02") == [] and blocks(session, "U03") == []
    assert d1 not in team.days("U01")
    [booked] = report.booked
    [given] = booked.replacements
    assert given.day == d1 and given.member != "U01" and (d1, given.member) in team.live()
    assert report.unmatched == ("Nobody Known (Sick)",) and report.unmatched_count == 1
    assert report.removed == () and report.skipped == ()
    assert "time_off.book" in team.audit()

    before = (team.rows(), team.counts(), blocks(session, "U01"))
    [again] = sync(session)
    assert again.outcome == "unchanged" and again.booked == () and again.removed == ()
    assert (
        ics.hits["/feeds/bamboo.ics"][-1].get("If-None-Match")
        == ics.routes["/feeds/bamboo.ics"].etag
    )
    assert (team.rows(), team.counts(), blocks(session, "U01")) == before
    [info] = list_time_off_feeds(session, team_id=TEAM, rotation="support")
    assert info.hint == url_hint(url) and info.blocks == 1 and info.unmatched == 1


def test_a_google_feed_matches_attendees_expands_a_weekly_absence_and_reads_time_zones(
    session: Session, team: Team, ics: IcsServer
) -> None:
    first = day_of(team, "U03")
    weekly = "\r\n".join(
        [
            "BEGIN:VEVENT",
            "UID:weekly-ooo@google.com",
            "DTSTAMP:20270101T000000Z",
            f"DTSTART;VALUE=DATE:{first:%Y%m%d}",
            f"DTEND;VALUE=DATE:{first + timedelta(days=1):%Y%m%d}",
            "RRULE:FREQ=WEEKLY;COUNT=4",
            f"EXDATE;VALUE=DATE:{first + timedelta(weeks=1):%Y%m%d}",
            "SUMMARY:Out of office",
            "ORGANIZER;CN=Boss:mailto:boss@example.com",
            "ATTENDEE;CN=Person 3;PARTSTAT=ACCEPTED:mailto:P3@Example.com",
            "END:VEVENT\r\n",
        ]
    )
    # 20:00-23:00 in New York on 10 March is 02:00-05:00 on 11 March in Berlin (the US
    # has not changed its clocks yet, 14 March; Europe does on 28 March).
    evening = "\r\n".join(
        [
            "BEGIN:VEVENT",
            "UID:ny-evening@google.com",
            "DTSTAMP:20270101T000000Z",
            "DTSTART;TZID=America/New_York:20270310T200000",
            "DTEND;TZID=America/New_York:20270310T230000",
            "SUMMARY:Flight",
            "ORGANIZER:mailto:p4@example.com",
            "END:VEVENT\r\n",
        ]
    )
    feed_id = add(session, ics.serve("/calendar/ical/team/basic.ics", calendar(weekly, evening)))
    [report] = sync(session)
    assert report.outcome == "updated" and report.unmatched == (), report
    assert report.skipped == (), report.skipped
    weeks = [first, first + timedelta(weeks=2), first + timedelta(weeks=3)]
    assert blocks(session, "U03") == [
        (d, d, feed_id, f"weekly-ooo@google.com#{d.isoformat()}") for d in weeks
    ]
    assert blocks(session, "U04") == [
        (date(2027, 3, 11), date(2027, 3, 11), feed_id, "ny-evening@google.com")
    ]
    assert not set(weeks) & set(team.days("U03"))
    assert date(2027, 3, 11) not in team.days("U04")
    [again] = sync(session)
    assert again.outcome == "unchanged"


def test_a_deleted_absence_is_removed_and_a_moved_one_moves_never_hand_booked_time_off(
    session: Session, team: Team, ics: IcsServer
) -> None:
    x, y = team.days("U05")[1:3]
    hand = y + timedelta(days=14)
    uc.book_time_off(
        session, team_id=TEAM, rotation="support", actor="U05", now=NOW, user="U05",
        first_day=hand, last_day=hand,
    )  # fmt: skip
    url = ics.serve(
        "/out.ics",
        calendar(
            all_day("a", x, x, "Person 5 (Vacation)"),
            all_day("b", y, y, "Person 5 (Vacation)"),
        ),
    )
    feed_id = add(session, url)
    sync(session)
    assert blocks(session, "U05") == [
        (x, x, feed_id, "a"),
        (y, y, feed_id, "b"),
        (hand, hand, None, None),
    ]
    moved = y + timedelta(days=7)
    ics.serve("/out.ics", calendar(all_day("b", moved, moved, "Person 5 (Vacation)")))
    audit_before = len(team.audit())
    [report] = sync(session)
    assert report.outcome == "updated"
    assert sorted(r.first_day for r in report.removed) == [x, y]
    assert [r.first_day for r in report.booked] == [moved]
    assert blocks(session, "U05") == [
        (moved, moved, feed_id, "b"),
        (hand, hand, None, None),
    ]
    assert team.audit()[audit_before:].count("time_off.cancel") == 2
    assert team.audit()[audit_before:].count("time_off.book") == 1
    [again] = sync(session)
    assert again.outcome == "unchanged"

    info, cancelled = remove_time_off_feed(
        session, team_id=TEAM, rotation="support", actor=ADMIN, now=NOW, feed_id=feed_id
    )
    assert [r.first_day for r in cancelled] == [moved]
    assert blocks(session, "U05") == [(hand, hand, None, None)]
    assert session.exec(select(TimeOffFeed)).all() == []


@pytest.mark.parametrize("failure", ["500", "hang", "garbage", "huge", "redirects"])
def test_a_failing_feed_changes_nothing_and_tells_the_admins_once(
    session: Session, team: Team, ics: IcsServer, failure: str
) -> None:
    d1 = day_of(team, "U01")
    good = calendar(all_day("ok", d1, d1, "Person 1 (Vacation)"))
    url = ics.serve("/feed.ics", good)
    add(session, url)
    sync(session)  # a good first sync: what is there must stay
    before = (team.rows(), team.counts(), blocks(session, "U01"))
    routes: dict[str, dict[str, Any]] = {
        "500": dict(status=500),
        "hang": dict(hang=threading.Event()),
        "garbage": dict(),
        "huge": dict(size=20 * 1024 * 1024),
        "redirects": dict(redirect="/feed.ics"),
    }
    route = routes[failure]
    ics.serve("/feed.ics", b"\x00garbage, not a calendar" if failure == "garbage" else good,
              **route)  # fmt: skip
    [report] = sync(session, timeout=0.5)
    assert report.outcome == "failed" and report.error is not None
    assert url not in report.error and "/feed.ics" not in report.error.replace("/…/", "")
    assert report.tell_admins == (ADMIN,)
    assert (team.rows(), team.counts(), blocks(session, "U01")) == before
    [again] = sync(session, timeout=0.5)
    assert again.outcome == "failed" and again.tell_admins == ()
    assert (team.rows(), team.counts(), blocks(session, "U01")) == before
    ics.serve("/feed.ics", good)
    [recovered] = sync(session)
    assert recovered.error is None
    feed = session.exec(select(TimeOffFeed)).one()
    session.refresh(feed)
    assert feed.last_error is None


def test_private_addresses_and_plain_http_are_refused_unless_allowed(
    session: Session, team: Team, ics: IcsServer
) -> None:
    url = ics.serve("/x.ics", calendar())
    with pytest.raises(FetchError, match="QUEUEDAY_ALLOW_PRIVATE_URLS"):
        fetch(url.replace("http://", "https://"), allow_private=False, timeout=1)
    for refused in ("http://example.com/x.ics", "https://169.254.169.254/latest/meta-data"):
        with pytest.raises(FetchError):
            fetch(refused, allow_private=False, timeout=1)
    counts = team.counts()
    with pytest.raises(uc.InvalidInput, match="https://"):
        add_time_off_feed(
            session, team_id=TEAM, rotation="support", actor=ADMIN, now=NOW,
            url=url, allow_private=False,
        )  # fmt: skip
    with pytest.raises(uc.NotAllowed):
        add_time_off_feed(
            session, team_id=TEAM, rotation="support", actor="U01", now=NOW,
            url="https://hr.example.com/feed.ics?key=k", allow_private=False,
        )  # fmt: skip
    assert team.counts() == counts and session.exec(select(TimeOffFeed)).all() == []


def test_the_url_is_a_secret_the_hint_keeps_no_key(session: Session, team: Team) -> None:
    secret = "https://acme.bamboohr.com/feeds/feed.php?id=7&type=timeOff&key=S3CR3T"
    assert url_hint(secret) == "https://acme.bamboohr.com/…/feed.php?…"
    add_time_off_feed(
        session, team_id=TEAM, rotation="support", actor=ADMIN, now=NOW, url=secret,
        allow_private=False,
    )  # fmt: skip
    audit = session.exec(select(AuditEntry).where(AuditEntry.action == "time_off_feed.add")).one()
    assert "S3CR3T" not in repr(audit.after)
    exported = export_data(session, now=NOW)
    assert "S3CR3T" not in repr(exported) and "key=" not in repr(exported)


@pytest.mark.parametrize(
    ("summary", "whose"),
    [
        ("Person 1 (Vacation)", ("U01",)),
        ("person 1 - PTO", ("U01",)),
        ("[Paid vacation] Person 2", ("U02",)),
        ("Person 12 (Vacation)", ()),
        ("Person 1x (Vacation)", ()),
        ("Out: Person 1", ()),
    ],
)
def test_names_match_at_the_start_of_the_summary(
    session: Session, team: Team, summary: str, whose: tuple[str, ...]
) -> None:
    members = session.exec(select(Member)).all()
    matcher = Matcher(Person(m.id or 0, m.display_name, m.email) for m in members)
    found = matcher.match(Absence("k", summary, (), None, date(2027, 2, 1), date(2027, 2, 1)))
    users = {m.id: m.user_id for m in members}
    assert tuple(users[i] for i in found) == whose


def test_a_sync_and_an_away_for_the_same_person_at_once_leave_one_block(
    database: Database, ics: IcsServer, tmp_path: Path
) -> None:
    """Both lock the rotation: whichever comes second sees the first one's block."""
    if database.backend == "sqlite":
        # In memory there is one connection; two at once need a file, as in production.
        database = Database("sqlite", f"sqlite:///{tmp_path / 'race.db'}")
    engine = database.engine()
    METADATA.create_all(engine)
    try:
        with Session(engine, expire_on_commit=False) as session:
            team = build_team(session)
            d1 = day_of(team, "U01")
            add(session, ics.serve("/race.ics", calendar(all_day("r", d1, d1, "Person 1 (PTO)"))))
        both = threading.Barrier(2, timeout=10)

        def fetch_then_race(url: str, etag: str | None, modified: str | None) -> Fetched:
            got = fetch(url, etag=etag, last_modified=modified, allow_private=True, timeout=5)
            both.wait()
            return got

        outcome: dict[str, object] = {}

        def syncing() -> None:
            with Session(engine, expire_on_commit=False) as session:
                outcome["sync"] = sync_time_off(
                    session, team_id=TEAM, now=NOW, fetch=fetch_then_race
                )

        def booking() -> None:
            both.wait()
            with Session(engine, expire_on_commit=False) as session:
                try:
                    outcome["away"] = uc.book_away(
                        session, team_id=TEAM, actor="U01", now=NOW, first_day=d1, last_day=d1
                    )
                except uc.Conflict as exc:
                    outcome["away"] = exc

        threads = [threading.Thread(target=syncing), threading.Thread(target=booking)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        with Session(engine) as session:
            rows = blocks(session, "U01")
            assert len(rows) == 1 and rows[0][:2] == (d1, d1), rows
            assert d1 not in Team(session).days("U01")
            assert (d1, "U01") not in Team(session).live()
        [report] = outcome["sync"]  # type: ignore[misc]
        if isinstance(outcome["away"], uc.Conflict):  # the sync came first
            assert rows[0][2] is not None and len(report.booked) == 1
        else:  # the away came first: the feed's absence overlaps it and is not booked
            assert rows[0][2] is None and report.booked == () and len(report.skipped) == 1
    finally:
        engine.dispose()
