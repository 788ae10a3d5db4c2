"""`queueday timeoff feed add|list|remove` and `queueday timeoff sync` from the shell:
real feeds over loopback HTTP, DMs through the fake Slack, one-line refusals (exit 2)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlmodel import Session, col, select

from bot.cli.main import main
from storage.db import make_engine
from storage.models import Assignment, Member, TimeOffFeed
from tests.bot.fake_slack import FakeSlack
from tests.usecases.conftest import ADMIN, TEAM, build_team
from tests.usecases.icsserver import IcsServer, ics_server
from tests.usecases.test_timeoff_feeds import all_day, calendar


@pytest.fixture(scope="module")
def fake_api() -> Iterator[FakeSlack]:
    with FakeSlack(team_id=TEAM) as fake:
        yield fake


@pytest.fixture
def fake(fake_api: FakeSlack) -> FakeSlack:
    fake_api.reset()
    return fake_api


@pytest.fixture
def ics() -> Iterator[IcsServer]:
    with ics_server() as server:
        yield server


@pytest.fixture
def seeded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake: FakeSlack) -> str:
    url = f"sqlite:///{tmp_path / 'q.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", fake.bot_token)
    monkeypatch.setenv("SLACK_API_URL", fake.api_url)
    monkeypatch.setenv("QUEUEDAY_ALLOW_PRIVATE_URLS", "1")
    monkeypatch.delenv("QUEUEDAY_SECRET_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    assert run("db", "upgrade").exit_code == 0
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        build_team(session)
    engine.dispose()
    return url


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def first_day_of(url: str, user: str) -> date:
    """A published day of the person's in mid-quarter (the CLI runs on the real clock)."""
    engine = make_engine(url)
    with Session(engine) as session:
        query = (
            select(Assignment.day)
            .join(Member)
            .where(Member.user_id == user, Assignment.state == "published")
            .order_by(col(Assignment.day))
        )
        days = list(session.exec(query))
    engine.dispose()
    return days[len(days) // 2]


def one_line_error(result: Result, text: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and text in lines[0], result.output


def test_add_list_sync_dm_and_remove(seeded: str, ics: IcsServer, fake: FakeSlack) -> None:
    day = first_day_of(seeded, "U01")
    feed = ics.serve("/feeds/feed.ics", calendar(all_day("e1", day, day, "Person 1 (Vacation)")))
    secret = f"{feed}?id=7&key=S3CR3T"
    added = run("timeoff", "feed", "add", "--rotation", "support", secret)
    assert added.exit_code == 0, added.output
    assert "S3CR3T" not in added.output and "/…/feed.ics?…" in added.output
    listed = run("timeoff", "feed", "list")
    assert listed.exit_code == 0 and "S3CR3T" not in listed.output
    assert "synced never" in listed.output

    synced = run("timeoff", "sync", "--rotation", "support")
    assert synced.exit_code == 0, synced.output
    assert "1 booked, 0 removed, 0 unmatched" in synced.output and "S3CR3T" not in synced.output
    posts = fake.calls("chat.postMessage")
    assert len(posts) == 1, posts
    gainer = str(posts[0].params["channel"])
    assert gainer != "U01" and gainer.startswith("U")
    assert str(posts[0].params["text"]).startswith("New queue days in support")
    assert fake.calls("chat.postMessage", about="U01") == []  # the person away is not asked

    again = run("timeoff", "sync")
    assert again.exit_code == 0 and "unchanged" in again.output
    assert len(fake.calls("chat.postMessage")) == 1

    engine = make_engine(seeded)
    with Session(engine) as session:
        feed_id, stored = session.exec(select(TimeOffFeed.id, TimeOffFeed.url)).one()
    engine.dispose()
    assert stored.startswith("fernet:") and "S3CR3T" not in stored  # sealed at rest
    removed = run("timeoff", "feed", "remove", "--rotation", "support", str(feed_id))
    assert removed.exit_code == 0 and "1 absences cancelled" in removed.output
    assert "no time-off calendars" in run("timeoff", "feed", "list").output


def test_a_failing_feed_exits_0_and_tells_the_admin_once(
    seeded: str, ics: IcsServer, fake: FakeSlack
) -> None:
    url = ics.serve("/broken.ics", "", status=500)
    assert run("timeoff", "feed", "add", "--rotation", "support", url).exit_code == 0
    first = run("timeoff", "sync")
    assert first.exit_code == 0 and "failed" in first.output and "500" in first.output
    assert len(fake.calls("chat.postMessage", about=ADMIN)) == 1
    second = run("timeoff", "sync")
    assert second.exit_code == 0 and "failed" in second.output
    assert len(fake.calls("chat.postMessage", about=ADMIN)) == 1
    assert "failing: " in run("timeoff", "feed", "list", "--rotation", "support").output


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("feed", "add", "--rotation", "support", "ftp://hr.example.com/x.ics"), "https://"),
        (("feed", "add", "--rotation", "support", "webcal://hr.example.com/x"), "https://"),
        (("feed", "add", "--rotation", "nope", "https://hr.example.com/x.ics"), "nope"),
        (("feed", "add", "--rotation", "support", "https://" + "a" * 3000), "longer"),
        (("feed", "remove", "--rotation", "support", "99"), "#99"),
        (("sync", "--rotation", "nope"), "nope"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(seeded: str, args: tuple[str, ...], says: str) -> None:
    one_line_error(run("timeoff", *args), says)


def test_a_feed_id_must_be_a_number(seeded: str) -> None:
    result = run("timeoff", "feed", "remove", "--rotation", "support", "x")
    assert result.exit_code == 2 and "'x' is not a valid integer" in result.output


def test_plain_http_needs_private_urls_allowed(
    seeded: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QUEUEDAY_ALLOW_PRIVATE_URLS", "0")
    one_line_error(
        run("timeoff", "feed", "add", "--rotation", "support", "http://hr.example.com/x.ics"),
        "QUEUEDAY_ALLOW_PRIVATE_URLS",
    )


def test_sync_names_a_personal_calendar_by_its_owner(seeded: str, ics: IcsServer) -> None:
    from datetime import UTC, datetime

    from bot.usecases.timeoff_mine import add_my_calendar
    from tests.usecases.conftest import TEAM

    day = first_day_of(seeded, "U02")
    url = ics.serve("/me.ics", calendar(all_day("m1", day, day, "Dentist")))
    engine = make_engine(seeded)
    with Session(engine) as session:
        add_my_calendar(session, team_id=TEAM, actor="U02", now=datetime.now(UTC), url=url,
                        allow_private=True)  # fmt: skip
    engine.dispose()
    synced = run("timeoff", "sync")
    assert synced.exit_code == 0, synced.output
    assert "U02's own\thttp://127.0.0.1:" in synced.output and "1 booked" in synced.output
    engine = make_engine(seeded)
    with Session(engine) as session:
        still = session.exec(
            select(Assignment.id)
            .join(Member)
            .where(Member.user_id == "U02", Assignment.day == day)
            .where(Assignment.state == "published")
        ).all()
    engine.dispose()
    assert still == []  # the day went to someone else
