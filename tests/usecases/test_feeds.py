"""Calendar feeds on each database: links, reset, what a feed holds, read by three parsers."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
import vobject
from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import bot.usecases as uc
import bot.usecases.feeds as feeds_module
from bot.usecases.feeds import FeedLink, FeedLinks, feed_links, reset_feed_link
from bot.usecases.tokens import FeedKind, token_hash
from bot.web.calendar import FeedCache, Served, load_feed
from scheduling.ics import assignment_uid, render_calendar
from storage.models import Assignment, FeedToken, Member, Rotation
from tests.storage.databases import Database
from tests.usecases.conftest import ADMIN, NOW, PEOPLE, TEAM, Team, build_team
from tests.usecases.test_concurrency import race, setup, shared

__all__ = ["setup", "shared"]

SECRET = "feed-test-secret"
BASE = "https://queueday.example.com/"


def links(
    session: Session, user: str, *, rotation: str | None = None, secret: str = SECRET
) -> FeedLinks:
    return feed_links(
        session,
        team_id=TEAM,
        user=user,
        rotation=rotation,
        now=NOW,
        secret=secret,
        base_url=BASE,
    )


def token_of(link: FeedLink) -> str:
    return link.url.rsplit("/", 1)[1].removesuffix(".ics")


def fetch(
    session: Session,
    link: FeedLink,
    *,
    now: datetime = NOW,
    secret: str = SECRET,
    cache: FeedCache | None = None,
) -> Served | None:
    """The feed as the web app loads it, in a session of its own."""
    # In-memory SQLite is one shared connection: the test's session must be idle.
    session.rollback()
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    return load_feed(
        engine, token=token_of(link), secret=secret, now=now, cache=cache or FeedCache()
    )


def body(session: Session, link: FeedLink, **kwargs: object) -> bytes:
    served = fetch(session, link, **kwargs)  # type: ignore[arg-type]
    assert served is not None
    return served.body


def events(ics: bytes) -> list[icalendar.Event]:
    return list(icalendar.Calendar.from_ical(ics).walk("VEVENT"))


def days_of(ics: bytes) -> list[date]:
    return sorted(event["DTSTART"].dt for event in events(ics))


@functools.lru_cache(maxsize=8)
def _query(ics: bytes) -> recurring_ical_events.CalendarQuery:
    return recurring_ical_events.of(icalendar.Calendar.from_ical(ics))


def on_queue(ics: bytes, when: date | tuple[datetime, datetime]) -> list[str]:
    """Who a calendar client shows on the queue on a day (recurring-ical-events)."""
    query = _query(ics)
    found = query.at(when) if isinstance(when, date) else query.between(*when)
    return sorted(str(event["SUMMARY"]).removeprefix("Support queue: ") for event in found)


def vobject_days(ics: bytes) -> list[tuple[date, str]]:
    calendar = vobject.readOne(ics.decode("utf-8"))
    found = []
    for event in getattr(calendar, "vevent_list", []):
        assert type(event.dtstart.value) is date
        assert event.dtend.value == event.dtstart.value + timedelta(days=1)
        found.append((event.dtstart.value, event.summary.value))
    return sorted(found)


def names(team: Team) -> dict[str, str]:
    return {m.user_id: m.display_name for m in team.session.exec(select(Member))}


def expected_on(team: Team, day: date) -> list[str]:
    who = names(team)
    return sorted(who[user] for d, user in team.live() if d == day)


def put_days(
    session: Session,
    entries: Iterable[tuple[date, str]],
    *,
    rotation: str = "support",
    state: str = "published",
    at: datetime = NOW,
) -> None:
    """Assignment rows written directly, for days a plan would not pick."""
    row = session.exec(select(Rotation).where(Rotation.name == rotation)).one()
    members = {
        m.user_id: m.id for m in session.exec(select(Member).where(Member.rotation_id == row.id))
    }
    for day, user in entries:
        session.add(
            Assignment(
                rotation_id=row.id or 0,
                day=day,
                member_id=members[user] or 0,
                state=state,
                created_at=at,
                updated_at=at,
            )
        )
    session.commit()


# --- links -------------------------------------------------------------------------


def test_links_are_the_same_every_time_and_only_hashes_are_stored(
    team: Team, session: Session
) -> None:
    first = links(session, "U01")
    assert links(session, "U01") == first
    assert first.person.kind == FeedKind.PERSON and first.person.title == "Person 1's queue days"
    (shared,) = first.rotations
    assert (shared.kind, shared.rotation) == (FeedKind.ROTATION, "support")
    for link in first.all():
        token = token_of(link)
        assert len(token) == 43  # 256 bits, url-safe base64
        assert link.url == f"https://queueday.example.com/calendar/{token}.ics"
        assert link.webcal == f"webcal://queueday.example.com/calendar/{token}.ics"
    # Another person: their own link, the same rotation link.
    second = links(session, "U02")
    assert second.rotations == first.rotations and second.person != first.person
    rows = session.exec(select(FeedToken)).all()
    assert len(rows) == 3
    stored = json.dumps([row.model_dump(mode="json") for row in rows])
    for link in (*first.all(), second.person):
        assert token_of(link) not in stored
        assert token_hash(token_of(link)) in stored
    assert team.audit().count("feed.create") == 3


def test_links_name_a_rotation_or_refuse(team: Team, session: Session) -> None:
    assert [r.rotation for r in links(session, "U03", rotation="support").rotations] == ["support"]
    with pytest.raises(uc.NotFound, match="not in any rotation"):
        links(session, "U99")
    with pytest.raises(uc.NotFound, match="no rotation called"):
        links(session, "U01", rotation="nope")
    uc.create_rotation(
        session, team_id=TEAM, actor=ADMIN, actor_name="Ada", now=NOW, name="backend"
    )
    with pytest.raises(uc.NotFound, match="not a member"):
        links(session, "U01", rotation="backend")


def test_reset_link_answers_404_for_the_old_one(team: Team, session: Session) -> None:
    before = links(session, "U01")
    assert fetch(session, before.person) is not None
    new = reset_feed_link(
        session,
        team_id=TEAM,
        actor="U01",
        now=NOW,
        secret=SECRET,
        base_url=BASE,
        kind=FeedKind.PERSON,
    )
    assert new.url != before.person.url and new.title == "Person 1's queue days"
    assert fetch(session, before.person) is None
    assert fetch(session, new) is not None
    assert links(session, "U01").person == new
    # A rotation's link: its admins only, since everyone has to subscribe again.
    with pytest.raises(uc.NotAllowed):
        reset_feed_link(
            session,
            team_id=TEAM,
            actor="U01",
            now=NOW,
            secret=SECRET,
            base_url=BASE,
            kind=FeedKind.ROTATION,
            rotation="support",
        )
    with pytest.raises(uc.NotAllowed):
        reset_feed_link(
            session,
            team_id=TEAM,
            actor="U02",
            now=NOW,
            secret=SECRET,
            base_url=BASE,
            kind=FeedKind.PERSON,
            user="U01",
        )
    shared = reset_feed_link(
        session,
        team_id=TEAM,
        actor=ADMIN,
        now=NOW,
        secret=SECRET,
        base_url=BASE,
        kind=FeedKind.ROTATION,
        rotation="support",
    )
    assert fetch(session, before.rotations[0]) is None and fetch(session, shared) is not None
    assert links(session, "U02").rotations == (shared,)
    assert team.audit().count("feed.reset") == 2
    revisions = sorted(r.revision for r in session.exec(select(FeedToken)))
    assert revisions == [1, 1, 1, 2, 2]


def test_a_new_secret_key_ends_every_old_link(team: Team, session: Session) -> None:
    old = links(session, "U01")
    assert fetch(session, old.person, secret="another key") is None
    new = links(session, "U01", secret="another key")
    assert new.person.url != old.person.url
    assert fetch(session, new.person, secret="another key") is not None
    assert fetch(session, old.person, secret="another key") is None
    assert fetch(session, old.person) is None  # its hash is gone too


def test_malformed_and_unknown_tokens_find_nothing(team: Team, session: Session) -> None:
    real = links(session, "U01").person
    for token in ("", "x", "a" * 43, "../../etc/passwd", "é" * 43, token_of(real) + "a"):
        link = FeedLink(FeedKind.PERSON, None, "", f"https://x/calendar/{token}.ics", "")
        assert fetch(session, link) is None
    assert fetch(session, real) is not None


# --- what a feed holds ---------------------------------------------------------------


def test_a_person_sees_exactly_their_days_and_the_rotation_everyones(
    team: Team, session: Session
) -> None:
    mine = links(session, "U01")
    person = body(session, mine.person)
    rotation = body(session, mine.rotations[0])
    assert days_of(person) == team.days("U01")
    assert len(events(rotation)) == len(team.live()) == 60
    assert vobject_days(person) == [(d, "Support queue: Person 1") for d in team.days("U01")]
    assert len(vobject_days(rotation)) == 60
    day = date(2027, 1, 4)
    while day <= date(2027, 3, 31):
        assert on_queue(rotation, day) == expected_on(team, day), day
        assert on_queue(person, day) == (["Person 1"] if day in team.days("U01") else []), day
        day += timedelta(days=1)
    calendar = icalendar.Calendar.from_ical(person)
    assert str(calendar["X-WR-CALNAME"]) == "QueueDay: Person 1"
    assert str(calendar["X-WR-TIMEZONE"]) == "Europe/Berlin"
    (event, *_) = events(person)
    assert str(event["UID"]) == assignment_uid("support", team.days("U01")[0], "U01")
    assert "URL" not in event  # no channel set
    assert str(event["DESCRIPTION"]).startswith("Nobody else is on the queue")


def test_previews_planned_and_cancelled_days_never_show(team: Team, session: Session) -> None:
    put_days(session, [(date(2027, 4, 5), "U01")], state="planned")
    put_days(session, [(date(2027, 4, 6), "U01")], state="cancelled")
    put_days(session, [(date(2026, 12, 1), "U01")], state="done")
    put_days(session, [(date(2025, 12, 1), "U01")], state="done")  # over a year ago
    mine = links(session, "U01")
    shown = days_of(body(session, mine.person))
    assert date(2026, 12, 1) in shown
    assert not {date(2027, 4, 5), date(2027, 4, 6), date(2025, 12, 1)} & set(shown)
    assert date(2027, 4, 5) not in days_of(body(session, mine.rotations[0]))


def test_descriptions_name_teammates_and_link_the_channel(team: Team, session: Session) -> None:
    uc.configure_rotation(
        session, team_id=TEAM, rotation="support", actor=ADMIN, now=NOW, channel="C0SUPPORT"
    )
    day = date(2027, 4, 7)
    put_days(session, [(day, "U01"), (day, "U02"), (day, "U03")])
    ics = body(session, links(session, "U01").person)
    (event,) = [e for e in events(ics) if e["DTSTART"].dt == day]
    channel = "https://slack.com/app_redirect?channel=C0SUPPORT&team=T1"
    assert (
        str(event["DESCRIPTION"]) == f"Also on the queue: Person 2, Person 3.\nChannel: {channel}"
    )
    assert str(event["URL"]) == channel
    assert str(event["TRANSP"]) == "TRANSPARENT"


def test_a_person_in_two_rotations_gets_both_in_one_feed(team: Team, session: Session) -> None:
    uc.create_rotation(
        session,
        team_id=TEAM,
        actor=ADMIN,
        actor_name="Ada",
        now=NOW,
        name="backend",
        timezone="America/New_York",
    )
    uc.add_member(
        session,
        team_id=TEAM,
        rotation="backend",
        actor=ADMIN,
        now=NOW,
        user="U01",
        name="Person 1",
        joined=date(2026, 1, 1),
    )
    put_days(session, [(date(2027, 4, 7), "U01")], rotation="backend")
    mine = links(session, "U01")
    assert [r.rotation for r in mine.rotations] == ["backend", "support"]
    ics = body(session, mine.person)
    assert date(2027, 4, 7) in team.days("U01")  # both rotations' days
    assert days_of(ics) == team.days("U01")
    uids = [str(e["UID"]) for e in events(ics)]
    assert assignment_uid("backend", date(2027, 4, 7), "U01") in uids
    assert len(set(uids)) == len(uids)


@pytest.mark.parametrize(
    ("zone", "days"),
    [
        pytest.param(
            "Europe/Berlin",
            [date(2027, 3, 26), date(2027, 3, 29), date(2027, 10, 29), date(2027, 11, 1)],
            id="berlin-dst-weeks",
        ),
        pytest.param(
            "America/New_York", [date(2027, 3, 12), date(2027, 3, 15)], id="new-york-dst-week"
        ),
        pytest.param(
            "Pacific/Auckland", [date(2027, 12, 31), date(2028, 1, 3)], id="year-boundary"
        ),
        pytest.param("Europe/Berlin", [date(2028, 2, 29)], id="leap-day"),
    ],
)
def test_days_stay_on_their_date_across_dst_year_end_and_leap_day(
    session: Session, zone: str, days: list[date]
) -> None:
    build_team(session, publish=False)
    uc.configure_rotation(
        session, team_id=TEAM, rotation="support", actor=ADMIN, now=NOW, timezone=zone
    )
    put_days(session, [(day, PEOPLE[n % 2]) for n, day in enumerate(days)])
    mine = links(session, "U01")
    rotation = body(session, mine.rotations[0])
    assert str(icalendar.Calendar.from_ical(rotation)["X-WR-TIMEZONE"]) == zone
    tz = ZoneInfo(zone)
    for n, day in enumerate(days):
        expected = [f"Person {n % 2 + 1}"]
        assert on_queue(rotation, day) == expected
        # The whole local day (23 or 25 hours on a change day) and nothing either side.
        start = datetime(day.year, day.month, day.day, tzinfo=tz)
        assert on_queue(rotation, (start, start + timedelta(days=1))) == expected
        if day - timedelta(days=1) not in days:
            assert on_queue(rotation, day - timedelta(days=1)) == []
        assert (day, f"Support queue: Person {n % 2 + 1}") in vobject_days(rotation)
    person = body(session, mine.person)
    assert [d for d in days_of(person) if d in days] == days[::2]


# --- swaps, and Last-Modified --------------------------------------------------------


def swap(session: Session, mine: tuple[str, date], theirs: tuple[str, date]) -> None:
    request = uc.request_swap(
        session,
        team_id=TEAM,
        rotation="support",
        actor=mine[0],
        now=NOW,
        day=mine[1],
        counterpart=theirs[0],
        counterpart_day=theirs[1],
    )
    uc.accept_request(session, team_id=TEAM, actor=theirs[0], now=NOW, request_id=request.id)


def test_a_swap_moves_the_day_and_leaves_no_stale_copy(team: Team, session: Session) -> None:
    mine = links(session, "U01")
    d1 = next(d for d in team.days("U01") if d > date(2027, 1, 10))
    d2 = next(d for d in team.days("U02") if d > d1)
    before = body(session, mine.person)
    before_sequence = {str(e["UID"]): int(e["SEQUENCE"]) for e in events(before)}
    uid1 = assignment_uid("support", d1, "U01")
    assert before_sequence[uid1] == 1

    swap(session, ("U01", d1), ("U02", d2))
    after = body(session, mine.person)
    assert d1 not in days_of(after) and d2 in days_of(after)
    assert uid1 not in {str(e["UID"]) for e in events(after)}
    rotation = body(session, mine.rotations[0])
    assert on_queue(rotation, d1) == ["Person 2"] and on_queue(rotation, d2) == ["Person 1"]
    assert len(events(rotation)) == 60
    uids = [str(e["UID"]) for e in events(rotation)]
    assert len(uids) == len(set(uids))

    # Swapped back: the day returns under its old UID with a higher SEQUENCE.
    swap(session, ("U01", d2), ("U02", d1))
    back = {str(e["UID"]): int(e["SEQUENCE"]) for e in events(body(session, mine.person))}
    assert back[uid1] > before_sequence[uid1]
    assert assignment_uid("support", d2, "U01") not in back


def test_last_modified_never_moves_backwards(team: Team, session: Session) -> None:
    link = links(session, "U01").rotations[0]
    cache = FeedCache()
    first = fetch(session, link, cache=cache)
    assert first is not None and first.last_modified == NOW
    assert fetch(session, link, now=NOW + timedelta(hours=1), cache=cache) == first

    # A day taken away (time off), with a clock that runs behind the last answer.
    earlier = NOW - timedelta(hours=2)
    day = team.days("U01")[1]
    uc.book_time_off(
        session,
        team_id=TEAM,
        rotation="support",
        actor="U01",
        now=NOW,
        user="U01",
        first_day=day,
        last_day=day,
    )
    second = fetch(session, link, now=earlier, cache=cache)
    assert second is not None and second.etag != first.etag
    assert second.last_modified == first.last_modified + timedelta(seconds=1)

    # Someone with no days removed outright (a row deleted): the feed is unchanged.
    uc.add_member(
        session, team_id=TEAM, rotation="support", actor=ADMIN, now=NOW, user="U77", name="New"
    )
    uc.remove_member(session, team_id=TEAM, rotation="support", actor=ADMIN, now=NOW, user="U77")
    third = fetch(session, link, now=NOW + timedelta(days=1), cache=cache)
    assert third == second
    # A restarted server (empty cache) answers the same.
    assert fetch(session, link, now=NOW + timedelta(days=2)) == second


# --- a big rotation ------------------------------------------------------------------


def test_a_rotation_of_a_thousand_people_over_a_year(
    team: Team, session: Session, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    rotation_id = session.exec(select(Rotation.id).where(Rotation.name == "support")).one()
    users = [f"UBIG{n:04d}" for n in range(1000)]
    session.rollback()
    with engine.begin() as connection:
        connection.execute(
            insert(Member),
            [
                {
                    "rotation_id": rotation_id,
                    "user_id": u,
                    "display_name": f"Big {n}",
                    "weight": 1.0,
                    "role": "member",
                    "created_at": NOW,
                    "updated_at": NOW,
                }
                for n, u in enumerate(users)
            ],
        )
        ids = dict(connection.execute(select(Member.user_id, Member.id)).all())
        first = date(2027, 4, 1)
        workdays = [first + timedelta(days=n) for n in range(365)]
        workdays = [d for d in workdays if d.weekday() < 5]
        rows = []
        for n, day in enumerate(workdays):
            for k in range(4):
                user = users[(n * 4 + k) % 1000]
                rows.append(
                    {
                        "rotation_id": rotation_id,
                        "day": day,
                        "member_id": ids[user],
                        "state": "published",
                        "origin": "plan",
                        "revision": 1,
                        "created_at": NOW,
                        "updated_at": NOW,
                    }
                )
        connection.execute(insert(Assignment), rows)
    link = links(session, "U01").rotations[0]
    ics = body(session, link)
    assert len(events(ics)) == 60 + len(rows)
    assert len(vobject_days(ics)) == 60 + len(rows)
    probe = workdays[100]
    assert on_queue(ics, probe) == sorted(f"Big {(100 * 4 + k) % 1000}" for k in range(4))
    # The fast writer's bytes are icalendar's.
    monkeypatch.setattr(feeds_module, "render_calendar_fast", render_calendar)
    assert body(session, link) == ics


# --- two first requests at once ------------------------------------------------------


def test_two_first_requests_for_links_at_once_agree(
    setup: tuple[Database, Team],
) -> None:
    """Both derive the same token; one insert wins and the other finds its row."""
    db, team = setup

    def ask(session: Session) -> object:
        return links(session, "U03")

    assert race(db, team.session, ask) == [("ok", ""), ("ok", "")]
    team.session.expire_all()
    rows = team.session.exec(select(FeedToken)).all()
    assert len(rows) == 2 and all(r.revoked_at is None for r in rows)
    assert links(team.session, "U03") == links(team.session, "U03")
