"""Time-off calendar URLs are sealed at rest (Fernet, HKDF of QUEUEDAY_SECRET_KEY), on
SQLite and PostgreSQL; URLs stored before sealing are sealed at the next sync."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import Session, select

import bot.usecases as uc
from bot.usecases.sealing import PREFIX, SealError, seal, unseal
from bot.usecases.timeoff_feeds import SyncReport, add_time_off_feed, sync_time_off
from bot.usecases.timeoff_fetch import Fetched, fetch
from bot.usecases.timeoff_mine import add_my_calendar
from storage.models import TimeOffFeed
from tests.usecases.conftest import ADMIN, NOW, TEAM, Team
from tests.usecases.icsserver import IcsServer, ics_server
from tests.usecases.test_timeoff_feeds import all_day, blocks, calendar, day_of

KEY = "k" * 40
OTHER = "o" * 40


@pytest.fixture
def ics() -> Iterator[IcsServer]:
    with ics_server() as server:
        yield server


def sync(session: Session, secret: str | None) -> list[SyncReport]:
    def get(url: str, etag: str | None, modified: str | None) -> Fetched:
        return fetch(url, etag=etag, last_modified=modified, allow_private=True, timeout=2)

    return sync_time_off(session, team_id=TEAM, now=NOW, fetch=get, secret=secret)


def stored(session: Session) -> list[str]:
    session.expire_all()
    return [f.url for f in session.exec(select(TimeOffFeed).order_by(TimeOffFeed.id))]


def test_seal_round_trip_needs_the_same_key() -> None:
    url = "https://acme.bamboohr.com/feeds/feed.php?id=7&key=S3CR3T"
    sealed = seal(url, KEY)
    assert sealed.startswith(PREFIX) and "S3CR3T" not in sealed and "acme" not in sealed
    assert seal(url, KEY) != sealed  # a new IV each time: equal URLs do not look equal
    assert unseal(sealed, KEY) == url and unseal(url, KEY) == url and seal(url, None) == url
    with pytest.raises(SealError, match="another QUEUEDAY_SECRET_KEY"):
        unseal(sealed, OTHER)
    with pytest.raises(SealError, match="no QUEUEDAY_SECRET_KEY"):
        unseal(sealed, None)
    with pytest.raises(SealError):
        unseal(PREFIX + "not-a-token", KEY)


def test_a_sealed_feed_syncs_and_its_url_is_never_stored_plain(
    session: Session, team: Team, ics: IcsServer
) -> None:
    d1 = day_of(team, "U01")
    url = ics.serve("/hr/feed.ics", calendar(all_day("s1", d1, d1, "Person 1 (Vacation)")))
    add_time_off_feed(session, team_id=TEAM, rotation="support", actor=ADMIN, now=NOW,
                      url=url, allow_private=True, secret=KEY)  # fmt: skip
    [row] = stored(session)
    assert row.startswith(PREFIX) and "/hr/feed.ics" not in row and "127.0.0.1" not in row
    with pytest.raises(uc.Conflict):  # the same URL is found through the seal
        add_time_off_feed(session, team_id=TEAM, rotation="support", actor=ADMIN, now=NOW,
                          url=url, allow_private=True, secret=KEY)  # fmt: skip
    [report] = sync(session, KEY)
    assert report.outcome == "updated" and len(report.booked) == 1
    assert blocks(session, "U01")[0][:2] == (d1, d1)
    [again] = sync(session, KEY)
    assert again.outcome == "unchanged" and stored(session) == [row]


def test_a_url_stored_plain_is_sealed_at_the_next_sync_and_a_wrong_key_changes_nothing(
    session: Session, team: Team, ics: IcsServer
) -> None:
    d1 = day_of(team, "U02")
    url = ics.serve("/old.ics", calendar(all_day("o1", d1, d1, "Person 2 (PTO)")))
    add_time_off_feed(session, team_id=TEAM, rotation="support", actor=ADMIN, now=NOW,
                      url=url, allow_private=True, secret=None)  # fmt: skip
    add_my_calendar(session, team_id=TEAM, actor="U03", now=NOW, url=ics.serve("/me.ics",
                    calendar()), allow_private=True, secret=None)  # fmt: skip
    assert stored(session) == [url, ics.url("/me.ics")]  # as a process without a key did
    reports = sync(session, KEY)
    assert [r.outcome for r in reports] == ["updated", "unchanged"]
    rows = stored(session)
    assert all(r.startswith(PREFIX) for r in rows)
    assert [unseal(r, KEY) for r in rows] == [url, ics.url("/me.ics")]
    before = (team.rows(), team.counts(), blocks(session, "U02"))
    for secret, said in ((OTHER, "another QUEUEDAY_SECRET_KEY"), (None, "no QUEUEDAY_SECRET_KEY")):
        failed = sync(session, secret)
        assert [r.outcome for r in failed] == ["failed", "failed"]
        assert all(said in (r.error or "") for r in failed)
        assert (team.rows(), team.counts(), blocks(session, "U02")) == before
    assert [r.tell_admins for r in failed] == [(), ()]  # told once, at the first failure
    assert stored(session) == rows
    recovered = sync(session, KEY)
    assert [r.error for r in recovered] == [None, None]
