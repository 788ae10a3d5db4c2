"""GET|HEAD /calendar/<token>.ics through the ASGI app, on each database backend."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from datetime import timedelta
from email.utils import format_datetime

import icalendar
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.applications import Starlette

import bot.usecases as uc
from bot.usecases.feeds import FeedLinks, feed_links, reset_feed_link
from bot.usecases.tokens import FeedKind
from bot.web.app import create_web_app
from bot.web.calendar import calendar_routes
from bot.web.redact import RedactFeedPaths
from tests.bot.web.test_web import call
from tests.storage.databases import database, engine
from tests.usecases.conftest import NOW, TEAM, Team, build_team

__all__ = ["database", "engine"]

SECRET = "web-feed-secret"
BASE = "https://q.example.com"


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def team(session: Session) -> Team:
    return build_team(session)


class Client:
    """The web app with the feed route, a clock the test moves, and the test's session."""

    def __init__(self, session: Session, engine: Engine) -> None:
        self.session = session
        self.now = NOW
        self.app: Starlette = create_web_app(
            None, routes=calendar_routes(engine, secret=SECRET, clock=lambda: self.now)
        )

    def request(
        self, method: str, path: str, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        self.session.rollback()  # in-memory SQLite: one connection, shared with the app
        return asyncio.run(call(self.app, method, path, headers=headers))

    def links(self, user: str = "U01") -> FeedLinks:
        return feed_links(
            self.session, team_id=TEAM, user=user, now=NOW, secret=SECRET, base_url=BASE
        )


@pytest.fixture
def client(team: Team, session: Session, engine: Engine) -> Client:
    return Client(session, engine)


def path_of(url: str) -> str:
    return url.removeprefix(BASE)


def test_get_serves_the_calendar(client: Client) -> None:
    path = path_of(client.links().person.url)
    status, headers, body = client.request("GET", path, {"accept-encoding": "gzip, deflate"})
    assert status == 200
    assert headers["content-type"] == "text/calendar; charset=utf-8"
    assert "content-encoding" not in headers  # never compressed
    assert headers["content-length"] == str(len(body))
    assert headers["etag"].startswith('"') and not headers["etag"].startswith("W/")
    assert headers["last-modified"] == format_datetime(NOW, usegmt=True)
    assert headers["cache-control"] == "private, no-cache"
    calendar = icalendar.Calendar.from_ical(body)
    assert str(calendar["X-WR-CALNAME"]) == "QueueDay: Person 1"
    assert len(list(calendar.walk("VEVENT"))) > 0


def test_head_has_the_headers_and_no_body(client: Client) -> None:
    path = path_of(client.links().rotations[0].url)
    _, got, body = client.request("GET", path)
    status, headers, empty = client.request("HEAD", path)
    assert status == 200 and empty == b""
    assert headers["content-length"] == str(len(body))
    for name in ("etag", "last-modified", "content-type", "cache-control"):
        assert headers[name] == got[name]


def test_conditional_requests_answer_304(client: Client) -> None:
    path = path_of(client.links().person.url)
    _, headers, _ = client.request("GET", path)
    etag, modified = headers["etag"], headers["last-modified"]
    for if_none_match in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        status, got, body = client.request("GET", path, {"if-none-match": if_none_match})
        assert (status, body) == (304, b""), if_none_match
        assert got["etag"] == etag and got["last-modified"] == modified
    status, _, _ = client.request("HEAD", path, {"if-none-match": etag})
    assert status == 304
    assert client.request("GET", path, {"if-modified-since": modified})[0] == 304
    later = format_datetime(NOW + timedelta(days=1), usegmt=True)
    assert client.request("GET", path, {"if-modified-since": later})[0] == 304
    earlier = format_datetime(NOW - timedelta(seconds=1), usegmt=True)
    assert client.request("GET", path, {"if-modified-since": earlier})[0] == 200
    assert client.request("GET", path, {"if-modified-since": "yesterday-ish"})[0] == 200
    # If-None-Match decides when both are sent.
    both = {"if-none-match": '"stale"', "if-modified-since": modified}
    assert client.request("GET", path, both)[0] == 200


def test_a_swap_shows_at_the_next_poll(client: Client, team: Team) -> None:
    path = path_of(client.links().person.url)
    _, first, _ = client.request("GET", path)
    d1 = next(d for d in team.days("U01") if d > NOW.date())
    d2 = next(d for d in team.days("U02") if d > d1)
    request = uc.request_swap(
        client.session,
        team_id=TEAM,
        rotation="support",
        actor="U01",
        now=NOW,
        day=d1,
        counterpart="U02",
        counterpart_day=d2,
    )
    later = NOW + timedelta(minutes=5)
    uc.accept_request(client.session, team_id=TEAM, actor="U02", now=later, request_id=request.id)
    client.now = later + timedelta(minutes=1)
    conditional = {"if-none-match": first["etag"]}
    status, second, body = client.request("GET", path, conditional)
    assert status == 200 and second["etag"] != first["etag"]
    assert second["last-modified"] == format_datetime(
        client.now.replace(microsecond=0), usegmt=True
    )
    starts = [e["DTSTART"].dt for e in icalendar.Calendar.from_ical(body).walk("VEVENT")]
    assert d1 not in starts and d2 in starts
    assert client.request("GET", path, {"if-modified-since": first["last-modified"]})[0] == 200
    assert client.request("GET", path, {"if-none-match": second["etag"]})[0] == 304
    assert client.request("GET", path, {"if-modified-since": second["last-modified"]})[0] == 304


def test_unknown_revoked_and_malformed_links_all_answer_the_same_404(client: Client) -> None:
    old = path_of(client.links().person.url)
    assert client.request("GET", old)[0] == 200
    reset_feed_link(
        client.session,
        team_id=TEAM,
        actor="U01",
        now=NOW,
        secret=SECRET,
        base_url=BASE,
        kind=FeedKind.PERSON,
    )
    _, _, unknown_path = client.request("GET", "/calendar")
    answers = set()
    for path in (
        old,
        "/calendar/" + "A" * 43 + ".ics",
        "/calendar/short.ics",
        "/calendar/%2E%2E%2Fsecret.ics",
        old.removesuffix(".ics") + ".ICS",
    ):
        status, headers, body = client.request("GET", path)
        assert status == 404, path
        answers.add((body, headers["content-type"]))
        assert client.request("HEAD", path)[0] == 404
    assert answers == {(unknown_path, "application/json")}


def test_feed_paths_are_redacted_in_access_logs(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test.feed.access")
    logger.addFilter(RedactFeedPaths())
    token = "A" * 43
    with caplog.at_level(logging.INFO, logger="test.feed.access"):
        # uvicorn's access log line, as httptools_impl writes it.
        logger.info(
            '%s - "%s %s HTTP/%s" %d', "1.2.3.4:5", "GET", f"/calendar/{token}.ics", "1.1", 200
        )
        logger.info(f"GET /calendar/{token}.ics?x=1")
    assert token not in caplog.text
    assert caplog.text.count("/calendar/[redacted].ics") == 2
