"""GET|HEAD /rotations/<token> (and its fairness PNG) through the ASGI app, on each
database backend: the link, the headers, 304, 404s, and names escaped."""

from __future__ import annotations

import asyncio
import io
import logging
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from PIL import Image
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from starlette.applications import Starlette

import bot.usecases as uc
from bot.usecases.errors import NotAllowed
from bot.usecases.page import PageLink, page_link
from bot.web.app import create_web_app
from bot.web.page import CSS, page_routes
from bot.web.redact import RedactFeedPaths
from storage import queries
from storage.models import PageToken
from tests.bot.web.test_web import call
from tests.storage.databases import database, engine
from tests.usecases.conftest import ADMIN, NOW, PEOPLE, Q1, TEAM, Team, build_team

__all__ = ["database", "engine"]

SECRET = "web-page-secret"
BASE = "https://q.example.com"


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def team(session: Session) -> Team:
    return build_team(session)


class Client:
    """The web app with the page routes, a clock the test moves, and the test's session."""

    def __init__(self, session: Session, engine: Engine) -> None:
        self.session = session
        self.now = NOW
        self.app: Starlette = create_web_app(
            None,
            routes=page_routes(engine, secret=SECRET, base_url=BASE, clock=lambda: self.now),
        )

    def request(
        self, method: str, path: str, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        self.session.rollback()  # in-memory SQLite: one connection, shared with the app
        return asyncio.run(call(self.app, method, path, headers=headers))

    def link(self, *, actor: str = ADMIN, reset: bool = False) -> PageLink:
        return page_link(
            self.session,
            team_id=TEAM,
            rotation="support",
            now=NOW,
            secret=SECRET,
            base_url=BASE,
            actor=actor,
            reset=reset,
        )

    def path(self) -> str:
        return self.link().url.removeprefix(BASE)


@pytest.fixture
def client(team: Team, session: Session, engine: Engine) -> Client:
    return Client(session, engine)


class Grid(HTMLParser):
    """The page's day cells: each data-day's names, classes and holiday text."""

    def __init__(self) -> None:
        super().__init__()
        self.names: dict[date, list[str]] = defaultdict(list)
        self.classes: dict[date, str] = {}
        self.holidays: dict[date, str] = {}
        self.bars = 0
        self._day: date | None = None
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "td" and found.get("data-day"):
            self._day = date.fromisoformat(found["data-day"] or "")
            self.classes[self._day] = found.get("class") or ""
        elif tag == "li" and self._day is not None:
            self._in = "li"
        elif tag == "span" and self._day is not None and found.get("class") == "holiday":
            self._in = "holiday"
        elif tag == "rect" and "now" in (found.get("class") or "").split():
            self.bars += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self._day = None
        self._in = None if tag in ("li", "span") else self._in

    def handle_data(self, data: str) -> None:
        if self._day is None or self._in is None:
            return
        if self._in == "li":
            self.names[self._day].append(data)
        else:
            self.holidays[self._day] = data


def grid_of(body: bytes) -> Grid:
    grid = Grid()
    grid.feed(body.decode("utf-8"))
    return grid


def test_the_link_is_the_same_each_time_and_only_a_hash_is_stored(client: Client) -> None:
    first = client.link()
    assert first.url.startswith(BASE + "/rotations/") and len(first.token) == 43
    assert client.link() == first
    stored = client.session.exec(select(PageToken)).all()
    assert [row.revision for row in stored] == [1]
    assert first.token not in stored[0].token_hash


def test_get_serves_the_page_with_strict_headers(client: Client) -> None:
    status, headers, body = client.request("GET", client.path())
    assert status == 200
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert headers["content-length"] == str(len(body))
    assert headers["etag"].startswith('"') and not headers["etag"].startswith("W/")
    assert headers["cache-control"] == "private, no-cache"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    csp = headers["content-security-policy"]
    assert csp.startswith("default-src 'none'; style-src 'sha256-")
    assert "img-src 'self' data:" in csp and "script-src" not in csp
    text = body.decode()
    assert "<script" not in text and "http://" not in text.replace("http://www.w3.org/2000/svg", "")
    assert f"<style>{CSS}</style>" in text  # exactly the bytes the CSP hash allows
    assert "<main>" in text and "<header>" in text and 'scope="col"' in text


def test_the_grid_has_every_published_day_with_its_people(client: Client, team: Team) -> None:
    _, _, body = client.request("GET", client.path())
    grid = grid_of(body)
    rotation = queries.rotation_of_team(client.session, team_id=TEAM, name="support")
    assert rotation is not None and rotation.id is not None
    expected: dict[date, list[str]] = defaultdict(list)
    for day, _, name in queries.live_days_with_names(
        client.session, rotation_id=rotation.id, first=Q1[0], last=Q1[1]
    ):
        expected[day].append(name)
    assert expected  # the team's quarter is published
    assert {d: sorted(n) for d, n in grid.names.items()} == {
        d: sorted(n) for d, n in expected.items()
    }
    # Holidays are named (Berlin: New Year's Day, Good Friday), today is outlined.
    assert grid.holidays[date(2027, 1, 1)] == "New Year's Day"
    assert "closed" in grid.classes[date(2027, 3, 26)]
    assert "today" in grid.classes[NOW.date()]
    # The next quarter is shown too, not yet published: no day of it is "unfilled".
    assert date(2027, 4, 1) in grid.classes and not grid.names.get(date(2027, 4, 1))
    assert not any("unfilled" in grid.classes[d] for d in grid.classes if d >= date(2027, 4, 1))
    # One bar per person on the team in the fairness chart.
    assert grid.bars == len(PEOPLE) + 1


def test_time_off_and_unfilled_days_are_marked(client: Client, team: Team) -> None:
    day = next(d for d in team.days("U01") if d > NOW.date() + timedelta(days=7))
    # Everyone off that day: nobody can take it, so it is published short.
    for user in (ADMIN, *PEOPLE):
        uc.book_time_off(
            client.session,
            team_id=TEAM,
            rotation="support",
            actor=ADMIN,
            now=NOW,
            user=user,
            first_day=day,
            last_day=day,
        )
    _, _, body = client.request("GET", client.path())
    grid = grid_of(body)
    assert "unfilled" in grid.classes[day] and not grid.names.get(day)
    cell = body.decode().split(f'data-day="{day.isoformat()}"', 1)[1].split("</td>", 1)[0]
    assert "1 place unfilled" in cell
    assert "Off: Ada, Person 1, Person 2" in cell
    others = [d for d, c in grid.classes.items() if "unfilled" in c]
    assert others == [day]


def test_head_has_the_headers_and_no_body(client: Client) -> None:
    path = client.path()
    _, got, body = client.request("GET", path)
    status, headers, empty = client.request("HEAD", path)
    assert status == 200 and empty == b""
    assert headers["content-length"] == str(len(body))
    for name in ("etag", "content-type", "cache-control", "content-security-policy"):
        assert headers[name] == got[name]


def test_if_none_match_answers_304_and_a_change_a_new_page(client: Client, team: Team) -> None:
    path = client.path()
    _, headers, _ = client.request("GET", path)
    etag = headers["etag"]
    for if_none_match in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        status, got, body = client.request("GET", path, {"if-none-match": if_none_match})
        assert (status, body) == (304, b""), if_none_match
        assert got["etag"] == etag and got["referrer-policy"] == "no-referrer"
    assert client.request("HEAD", path, {"if-none-match": etag})[0] == 304
    assert client.request("GET", path, {"if-none-match": '"stale"'})[0] == 200
    # The page sends no Last-Modified, so a date alone never answers 304.
    assert (
        client.request("GET", path, {"if-modified-since": "Sat, 01 Jan 2100 00:00:00 GMT"})[0]
        == 200
    )
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
    uc.accept_request(client.session, team_id=TEAM, actor="U02", now=NOW, request_id=request.id)
    status, second, body = client.request("GET", path, {"if-none-match": etag})
    assert status == 200 and second["etag"] != etag
    grid = grid_of(body)
    assert "Person 2" in grid.names[d1] and "Person 1" in grid.names[d2]


def test_unknown_reset_and_malformed_links_all_answer_the_same_404(client: Client) -> None:
    old = client.path()
    assert client.request("GET", old)[0] == 200
    with pytest.raises(NotAllowed):
        client.link(actor="U01", reset=True)  # members can't reset it
    assert client.request("GET", old)[0] == 200
    new = client.link(reset=True)
    assert new.revision == 2 and new.url.removeprefix(BASE) != old
    assert client.request("GET", new.url.removeprefix(BASE))[0] == 200
    _, _, unknown_body = client.request("GET", "/rotations")
    answers = set()
    for path in (
        old,
        old + "/fairness.png",
        "/rotations/" + "A" * 43,
        "/rotations/short",
        "/rotations/%2E%2E%2Fsecret",
        "/rotations/" + new.token.replace(new.token[5], "%" + format(ord(new.token[5]), "02X")),
    ):
        status, headers, body = client.request("GET", path)
        assert status == 404, path
        answers.add((body, headers["content-type"]))
        assert client.request("HEAD", path)[0] == 404
    assert answers == {(unknown_body, "application/json")}
    # A link made with another secret key is refused as well.
    other = Client(client.session, client.session.get_bind())  # type: ignore[arg-type]
    other.app = create_web_app(
        None,
        routes=page_routes(
            client.session.get_bind(),  # type: ignore[arg-type]
            secret="another-secret",
            base_url=BASE,
            clock=lambda: NOW,
        ),
    )
    assert other.request("GET", new.url.removeprefix(BASE))[0] == 404


def test_a_person_named_with_html_renders_as_text(client: Client) -> None:
    uc.add_member(
        client.session,
        team_id=TEAM,
        rotation="support",
        actor=ADMIN,
        now=NOW,
        user="U0EVIL",
        name='<script>alert("x")</script>',
        email="evil@example.com",
        joined=date(2026, 1, 1),
    )
    _, _, body = client.request("GET", client.path())
    text = body.decode()
    assert "<script" not in text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in text  # the table, by Jinja2
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in text  # the chart's own escape
    assert grid_of(body).bars == len(PEOPLE) + 2


def test_the_fairness_png_is_served_from_the_page_link(client: Client) -> None:
    path = client.path() + "/fairness.png"
    status, headers, body = client.request("GET", path)
    assert status == 200 and headers["content-type"] == "image/png"
    assert headers["x-content-type-options"] == "nosniff"
    image = Image.open(io.BytesIO(body))
    assert image.format == "PNG" and image.width == 720 and image.height > 7 * 22
    assert client.request("GET", path, {"if-none-match": headers["etag"]})[0] == 304
    status, head, empty = client.request("HEAD", path)
    assert (status, empty, head["content-length"]) == (200, b"", str(len(body)))


def test_page_paths_are_redacted_in_access_logs(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test.page.access")
    logger.addFilter(RedactFeedPaths())
    token = "B" * 43
    with caplog.at_level(logging.INFO, logger="test.page.access"):
        logger.info(
            '%s - "%s %s HTTP/%s" %d', "1.2.3.4:5", "GET", f"/rotations/{token}", "1.1", 200
        )
        logger.info(f"GET /%72otations/{token}/fairness.png")
    assert token not in caplog.text
    assert caplog.text.count("/rotations/[redacted]") == 2
