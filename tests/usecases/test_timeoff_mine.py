"""A person's own out-of-office calendar, synced over real loopback HTTP, on SQLite and
PostgreSQL: every event is the owner's, in each of their rotations, and nobody else's."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlmodel import Session, col, select

import bot.usecases as uc
from bot.usecases.backup import export_data
from bot.usecases.timeoff_feeds import SyncReport, sync_time_off
from bot.usecases.timeoff_fetch import Fetched, fetch
from bot.usecases.timeoff_mine import add_my_calendar, my_calendars, remove_my_calendar
from bot.worker.timeoff import messages_of
from storage.models import Assignment, AuditEntry, Member, Rotation, TimeOff, TimeOffFeed
from tests.usecases.conftest import ADMIN, NOW, Q1, TEAM, Team
from tests.usecases.icsserver import IcsServer, ics_server
from tests.usecases.test_timeoff_feeds import all_day, calendar

OWNER = "U01"


@pytest.fixture
def ics() -> Iterator[IcsServer]:
    with ics_server() as server:
        yield server


@pytest.fixture
def two(session: Session, team: Team) -> Team:
    """`support` (everyone) and `billing` (Ada, U01, U02, U03), both with Q1 published."""
    uc.create_rotation(
        session, team_id=TEAM, actor=ADMIN, actor_name="Ada", now=NOW, name="billing",
        timezone="America/New_York", country="US",
    )  # fmt: skip
    for n, user in enumerate(["U01", "U02", "U03"], start=1):
        uc.add_member(
            session, team_id=TEAM, rotation="billing", actor=ADMIN, now=NOW, user=user,
            name=f"Person {n}", email=f"p{n}@example.com", joined=date(2026, 1, 1),
        )  # fmt: skip
    uc.publish_plan(
        session, team_id=TEAM, rotation="billing", actor=ADMIN, now=NOW, start=Q1[0],
        end=Q1[1], expected_version=0,
    )  # fmt: skip
    return team


def sync(session: Session, rotation: str | None = None) -> list[SyncReport]:
    def get(url: str, etag: str | None, modified: str | None) -> Fetched:
        return fetch(url, etag=etag, last_modified=modified, allow_private=True, timeout=2)

    return sync_time_off(session, team_id=TEAM, now=NOW, fetch=get, rotation=rotation)


def meeting(uid: str, day: date, summary: str, *extra: str) -> str:
    """A one-hour timed event in Berlin."""
    lines = [
        "BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20270101T000000Z",
        f"DTSTART;TZID=Europe/Berlin:{day:%Y%m%d}T100000",
        f"DTEND;TZID=Europe/Berlin:{day:%Y%m%d}T110000", f"SUMMARY:{summary}", *extra,
        "END:VEVENT",
    ]  # fmt: skip
    return "\r\n".join(lines) + "\r\n"


def days_in(session: Session, rotation: str, user: str) -> list[date]:
    query = (
        select(col(Assignment.day))
        .join(Member, col(Member.id) == Assignment.member_id)
        .join(Rotation, col(Rotation.id) == Member.rotation_id)
        .where(Rotation.name == rotation, Member.user_id == user)
        .where(col(Assignment.state).in_(("published", "done")))
        .order_by(col(Assignment.day))
    )
    return [d for d in session.exec(query) if d > NOW.date()]


def blocks(session: Session, user: str) -> list[tuple[str, date, bool]]:
    """(rotation, first day, from a feed) of the person's time off."""
    query = (
        select(col(Rotation.name), col(TimeOff.first_day), col(TimeOff.feed_id))
        .join(Member, col(Member.id) == TimeOff.member_id)
        .join(Rotation, col(Rotation.id) == Member.rotation_id)
        .where(Member.user_id == user)
        .order_by(col(Rotation.name), col(TimeOff.first_day))
    )
    return [(r, d, f is not None) for r, d, f in session.exec(query)]


def test_every_event_is_the_owners_in_each_of_their_rotations_and_nobody_elses(
    session: Session, two: Team, ics: IcsServer
) -> None:
    s1, s2, s3 = days_in(session, "support", OWNER)[:3]
    b1 = days_in(session, "billing", OWNER)[0]
    u2 = days_in(session, "support", "U02")[0]
    hand = max(s1, s2, s3, b1, u2) + timedelta(days=1)
    uc.book_time_off(
        session, team_id=TEAM, rotation="support", actor=OWNER, now=NOW, user=OWNER,
        first_day=hand, last_day=hand,
    )  # fmt: skip
    body = calendar(
        all_day("dentist", s1, s1, "Dentist"),
        all_day("trip", b1, b1, "Trip"),
        # A calendar holding someone else's absence books it for the owner, never them.
        all_day("theirs", u2, u2, "Person 2 (Vacation)", "ATTENDEE:mailto:p2@example.com"),
        meeting("standup", s2, "Team standup"),  # a meeting: not a day away
        meeting("free", s2, "Out of office", "TRANSP:TRANSPARENT"),  # shown as free
        meeting("dr", s3, "Doctor", "X-MICROSOFT-CDO-BUSYSTATUS:OOF"),  # Outlook's OOF
    )
    url = ics.serve("/personal/basic.ics", body)
    info = add_my_calendar(session, team_id=TEAM, actor=OWNER, now=NOW, url=url, allow_private=True)
    before_u2 = (days_in(session, "support", "U02"), blocks(session, "U02"))
    [report] = sync(session)
    assert (report.owner, report.rotation, report.outcome) == (OWNER, "", "updated")
    assert report.unmatched == () and report.unmatched_count == 0 and report.skipped == ()
    booked = {(r.rotation, r.first_day) for r in report.booked}
    assert {("support", s1), ("billing", b1), ("support", s3)} <= booked
    assert s2 in days_in(session, "support", OWNER) and ("support", s2) not in booked
    assert all(r.user == OWNER for r in report.booked)
    assert blocks(session, "U02") == before_u2[1] == []
    assert s1 not in days_in(session, "support", OWNER)
    assert b1 not in days_in(session, "billing", OWNER)
    given = {e.member for r in report.booked for e in r.replacements}
    assert given and OWNER not in given
    told = {user for user, _ in messages_of(report)}
    assert told == given  # those who gain a day hear of it; the owner is asked nothing
    for rotation, day in (("support", s1), ("billing", b1)):
        [entry] = [e for r in report.booked if r.rotation == rotation for e in r.replacements
                   if e.day == day]  # fmt: skip
        assert day in days_in(session, rotation, entry.member)

    state = (two.rows(), blocks(session, OWNER))
    [again] = sync(session)  # 304
    assert again.outcome == "unchanged" and (two.rows(), blocks(session, OWNER)) == state
    ics.routes["/personal/basic.ics"].body += b"\r\n"  # a new ETag, the same events
    [third] = sync(session)
    assert third.outcome == "unchanged" and (two.rows(), blocks(session, OWNER)) == state

    [mine] = my_calendars(session, team_id=TEAM, user=OWNER)
    assert mine.hint == info.hint and mine.blocks == len(report.booked)
    assert my_calendars(session, team_id=TEAM, user="U02") == []
    with pytest.raises(uc.NotFound):
        remove_my_calendar(session, team_id=TEAM, actor="U02", now=NOW, feed_id=info.id)
    removed, cancelled = remove_my_calendar(
        session, team_id=TEAM, actor=OWNER, now=NOW, feed_id=info.id
    )
    assert {(r.rotation, r.first_day) for r in cancelled} == booked
    assert blocks(session, OWNER) == [("support", hand, False)]  # hand-booked stays
    assert session.exec(select(TimeOffFeed)).all() == []


def test_a_failing_personal_calendar_changes_nothing_and_tells_its_owner_once(
    session: Session, team: Team, ics: IcsServer
) -> None:
    url = ics.serve("/p.ics", "not a calendar", status=500)
    add_my_calendar(session, team_id=TEAM, actor=OWNER, now=NOW, url=url, allow_private=True)
    counts = team.counts()
    [report] = sync(session)
    assert report.outcome == "failed" and report.tell_admins == (OWNER,)
    [(user, message)] = messages_of(report)
    assert user == OWNER and "Your out-of-office calendar" in message["text"]
    [again] = sync(session)
    assert again.tell_admins == () and team.counts() == counts


def test_adding_is_checked_and_the_url_is_never_exported_or_audited(
    session: Session, team: Team
) -> None:
    secret = "https://calendar.google.com/calendar/ical/ada%40example.com/private-S3CR3T/basic.ics"
    with pytest.raises(uc.InvalidInput, match="private, loopback"):
        add_my_calendar(session, team_id=TEAM, actor=OWNER, now=NOW,
                        url="https://192.168.1.10/x.ics", allow_private=False)  # fmt: skip
    with pytest.raises(uc.NotFound, match="not in any rotation"):
        add_my_calendar(session, team_id=TEAM, actor="U0NOBODY", now=NOW, url=secret,
                        allow_private=False)  # fmt: skip
    info = add_my_calendar(
        session, team_id=TEAM, actor=OWNER, now=NOW, url=secret, allow_private=False
    )
    assert "S3CR3T" not in info.hint
    with pytest.raises(uc.Conflict):
        add_my_calendar(
            session, team_id=TEAM, actor=OWNER, now=NOW, url=secret, allow_private=False
        )
    exported = export_data(session, now=NOW)
    audit = session.exec(select(AuditEntry).where(AuditEntry.action == "time_off_feed.add")).one()
    assert "S3CR3T" not in repr(exported) and "S3CR3T" not in repr(audit.after)
    assert audit.after == {"hint": info.hint, "owner": OWNER}
