"""`queueday page [--rotation NAME] [--reset]` prints the rotation page's link."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlmodel import Session

import bot.usecases as uc
from bot.cli.main import main
from bot.web.app import create_web_app
from bot.web.page import page_routes
from storage.db import make_engine
from tests.bot.web.test_web import call
from tests.usecases.conftest import ADMIN, NOW, TEAM, build_team

SECRET = "cli-secret-key-at-least-32-characters"
LINK = re.compile(r"^https://q\.example\.com/rotations/[A-Za-z0-9_-]{43}$")


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["page", *args], catch_exceptions=False)


@pytest.fixture
def seeded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A SQLite file with a published rotation; commands run from another directory."""
    url = f"sqlite:///{tmp_path / 'q.db'}"
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("QUEUEDAY_SECRET_KEY", SECRET)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("QUEUEDAY_BASE_URL", "https://q.example.com/")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert CliRunner().invoke(main, ["db", "upgrade"]).exit_code == 0
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        build_team(session)
    engine.dispose()
    return url


def status_of(url: str, link: str) -> int:
    engine = make_engine(url)
    try:
        app = create_web_app(
            None,
            routes=page_routes(
                engine, secret=SECRET, base_url="https://q.example.com", clock=lambda: NOW
            ),
        )
        return asyncio.run(call(app, "GET", link.removeprefix("https://q.example.com")))[0]
    finally:
        engine.dispose()


def test_prints_the_same_link_until_reset(seeded: str) -> None:
    first = run()
    assert first.exit_code == 0, first.output
    assert LINK.match(first.stdout.strip()), first.stdout
    assert run("--rotation", "support").stdout == first.stdout
    assert status_of(seeded, first.stdout.strip()) == 200
    reset = run("--reset")
    assert reset.exit_code == 0 and reset.stdout != first.stdout
    assert LINK.match(reset.stdout.strip())
    assert status_of(seeded, first.stdout.strip()) == 404
    assert status_of(seeded, reset.stdout.strip()) == 200
    assert run().stdout == reset.stdout


def test_bad_input_is_one_line_and_exit_2(seeded: str, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run("--rotation", "nope")
    assert result.exit_code == 2 and "no rotation called 'nope'" in result.output
    engine = make_engine(seeded)
    with Session(engine) as session:
        uc.create_rotation(
            session, team_id=TEAM, actor=ADMIN, actor_name="Ada", now=NOW, name="backend"
        )
    engine.dispose()
    result = run()
    assert result.exit_code == 2 and "pass --rotation NAME" in result.output
    monkeypatch.setenv("QUEUEDAY_SECRET_KEY", "short")
    result = run("--rotation", "support")
    assert result.exit_code == 2 and "QUEUEDAY_SECRET_KEY" in result.output
    assert "Traceback" not in result.output
