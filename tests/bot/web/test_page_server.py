"""The rotation page through a real `queueday serve` while another process changes the
rotation: nothing is cached in the server, so the ETag and 304 follow the database."""

from __future__ import annotations

import http.client
from datetime import timedelta

from sqlalchemy.engine import Engine

import bot.usecases as uc
from bot.usecases.page import page_link
from tests.bot.flows import TEAM, now, seed
from tests.bot.server import RunningServer

SECRET = "test-secret-key-at-least-32-characters"  # tests/bot/server.py's
BASE = "http://queueday.test"


def get(
    server: RunningServer, path: str, method: str = "GET", etag: str | None = None
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", int(server.url.rsplit(":", 1)[1]), timeout=30)
    try:
        conn.request(method, path, headers={"If-None-Match": etag} if etag else {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def test_a_change_made_by_another_process_is_a_new_page_and_etag(
    server: RunningServer, db: Engine
) -> None:
    team = seed(db, people=4)
    with team.session() as session:
        path = page_link(
            session, team_id=TEAM, rotation=team.name, now=now(), secret=SECRET,
            base_url=BASE, actor=team.admin,
        ).url.removeprefix(BASE)  # fmt: skip
    status, headers, before = get(server, path)
    assert status == 200 and headers["etag"].startswith('"')
    first = headers["etag"]
    assert get(server, path, etag=first)[0] == 304
    # This test's process writes the database the server reads: time off for someone.
    away = team.people[0]
    start = now().date() + timedelta(days=1)
    with team.session() as session:
        uc.book_time_off(
            session, team_id=TEAM, rotation=team.name, actor=team.admin, now=now(),
            user=away, first_day=start, last_day=start + timedelta(days=6),
        )  # fmt: skip
    status, headers, after = get(server, path, etag=first)
    assert status == 200 and headers["etag"] != first and after != before
    assert b"Off: " in after and b"Off: " not in before
    status, headers, head = get(server, path, method="HEAD", etag=None)
    assert status == 200 and head == b"" and headers["content-length"] == str(len(after))
    assert get(server, path, etag=headers["etag"])[0] == 304
