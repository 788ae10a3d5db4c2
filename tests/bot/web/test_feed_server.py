"""Calendar feeds through the real `queueday serve` process, its access log switched on."""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import icalendar
import pytest
import vobject
from sqlmodel import Session

import tests.bot.server as server_module
from bot.usecases.feeds import FeedLinks, feed_links, reset_feed_link
from bot.usecases.tokens import FeedKind
from storage import migrate
from storage.db import make_engine
from tests.bot.fake_slack import FakeSlack
from tests.bot.server import RunningServer, start_server
from tests.usecases.conftest import NOW, TEAM, build_team

# What tests.bot.server.serve_env gives the server.
SECRET = "test-secret-key-at-least-32-characters"
BASE = "http://queueday.test"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, FeedLinks, FeedLinks]:
    """A published rotation in the server's database, and two people's links."""
    workdir = tmp_path_factory.mktemp("feeds-serve")
    engine = make_engine(f"sqlite:///{workdir / 'queueday.db'}")
    migrate.upgrade(engine)
    with Session(engine, expire_on_commit=False) as session:
        build_team(session)
        mine = feed_links(session, team_id=TEAM, user="U01", now=NOW, secret=SECRET, base_url=BASE)
        revoked = feed_links(
            session, team_id=TEAM, user="U02", now=NOW, secret=SECRET, base_url=BASE
        )
        reset_feed_link(
            session,
            team_id=TEAM,
            actor="U02",
            now=NOW,
            secret=SECRET,
            base_url=BASE,
            kind=FeedKind.PERSON,
        )
    engine.dispose()
    return workdir, mine, revoked


@pytest.fixture(scope="module")
def served(
    seeded: tuple[Path, FeedLinks, FeedLinks], fake_slack: FakeSlack
) -> Iterator[RunningServer]:
    original = server_module.serve_command
    server_module.serve_command = lambda port, *extra: original(port, "--access-log", *extra)
    try:
        running = start_server(fake_slack, seeded[0])
    finally:
        server_module.serve_command = original
    yield running
    running.stop()


def request(
    server: RunningServer, method: str, url: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    target = urlsplit(server.url)
    connection = http.client.HTTPConnection(target.hostname or "", target.port, timeout=10)
    try:
        connection.request(method, urlsplit(url).path, headers=headers or {})
        response = connection.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        connection.close()


def test_feeds_through_the_real_server(
    served: RunningServer, seeded: tuple[Path, FeedLinks, FeedLinks]
) -> None:
    _, mine, revoked = seeded
    for link in mine.all():
        status, headers, body = request(served, "GET", link.url, {"accept-encoding": "gzip"})
        assert status == 200
        assert headers["content-type"] == "text/calendar; charset=utf-8"
        assert "content-encoding" not in headers
        assert int(headers["content-length"]) == len(body)
        assert list(icalendar.Calendar.from_ical(body).walk("VEVENT"))
        assert vobject.readOne(body.decode("utf-8")).vevent_list

        status, head, empty = request(served, "HEAD", link.url)
        assert (status, empty) == (200, b"")
        assert head["content-length"] == headers["content-length"]
        assert head["etag"] == headers["etag"]

        status, _, body = request(served, "GET", link.url, {"if-none-match": headers["etag"]})
        assert (status, body) == (304, b"")
        since = {"if-modified-since": headers["last-modified"]}
        assert request(served, "GET", link.url, since)[0] == 304

    status, _, body = request(served, "GET", revoked.person.url)
    assert status == 404
    assert body == request(served, "GET", "/calendar/nothing-here.ics")[2]


def test_tokens_never_reach_the_log(
    served: RunningServer, seeded: tuple[Path, FeedLinks, FeedLinks]
) -> None:
    _, mine, revoked = seeded
    for link in (*mine.all(), revoked.person):
        request(served, "GET", link.url)
    request(served, "GET", "/healthz")
    log = served.log()
    assert '"GET /healthz HTTP/1.1" 200' in log  # the access log is on
    assert '"GET /calendar/[redacted].ics HTTP/1.1" 200' in log
    assert '"GET /calendar/[redacted].ics HTTP/1.1" 404' in log
    for link in (*mine.all(), revoked.person):
        token = link.url.rsplit("/", 1)[1].removesuffix(".ics")
        assert token not in log
