"""`queueday feeds --member U… [--rotation NAME]` prints the feed links."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlmodel import Session

import bot.usecases as uc
from bot.cli.main import main
from bot.settings import SECRET_FILE_NAME
from storage.db import make_engine
from tests.usecases.conftest import ADMIN, NOW, TEAM, build_team

LINK = re.compile(r"^(https|webcal)://q\.example\.com/calendar/[A-Za-z0-9_-]{43}\.ics$")


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["feeds", *args], catch_exceptions=False)


@pytest.fixture
def seeded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A SQLite file with a published rotation; commands run from another directory."""
    url = f"sqlite:///{tmp_path / 'q.db'}"
    for name in ("QUEUEDAY_SECRET_KEY", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("QUEUEDAY_BASE_URL", "https://q.example.com/")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert CliRunner().invoke(main, ["db", "upgrade"]).exit_code == 0
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        build_team(session)
        uc.create_rotation(
            session, team_id=TEAM, actor=ADMIN, actor_name="Ada", now=NOW, name="backend"
        )
    engine.dispose()
    return tmp_path


def links_of(result: Result) -> list[str]:
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert all(LINK.match(line) for line in lines), lines
    return lines


def test_prints_the_person_and_rotation_links(
    seeded: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QUEUEDAY_SECRET_KEY", "cli-secret-key-at-least-32-characters")
    lines = links_of(run("--member", "U01"))
    assert [line.split(":")[0] for line in lines] == ["https", "webcal", "https", "webcal"]
    assert lines[0].split("//")[1] == lines[1].split("//")[1]
    assert run("--member", "U01").stdout.splitlines() == lines  # the same links again
    assert "# Person 1's queue days" in run("--member", "U01").stderr
    assert links_of(run("--member", "U01", "--rotation", "support")) == lines
    # An admin in two rotations gets both rotations' links.
    assert len(links_of(run("--member", ADMIN))) == 6
    assert len(links_of(run("--member", ADMIN, "--rotation", "backend"))) == 4
    assert links_of(run("--member", "U01", "--team", TEAM)) == lines


def test_without_a_key_sqlite_keeps_a_generated_one_beside_the_database(seeded: Path) -> None:
    first = links_of(run("--member", "U02"))
    key = seeded / SECRET_FILE_NAME
    assert key.is_file() and key.stat().st_mode & 0o777 == 0o600
    assert links_of(run("--member", "U02")) == first


@pytest.mark.parametrize(
    ("args", "message"),
    [
        # Plain ids in a shell: the use cases' `<@U99>` is for Slack.
        (("--member", "U99"), "U99 is not in any rotation here."),
        (("--member", "U0NOPE"), "U0NOPE is not in any rotation here."),
        (("--member", "U01", "--rotation", "nope"), "There is no rotation called 'nope'."),
        (("--member", "U01", "--rotation", "backend"), "U01 is not a member of backend."),
        (("--member", "U01", "--team", "T404"), "This workspace (T404) has no rotations yet."),
    ],
)
def test_unknown_people_and_rotations_exit_2(
    seeded: Path, args: tuple[str, ...], message: str
) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert result.output.strip() == f"Error: {message}"


def test_postgresql_without_a_secret_key_refuses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("QUEUEDAY_SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
    monkeypatch.chdir(tmp_path)
    result = run("--member", "U01")
    assert result.exit_code == 2
    assert result.output.startswith("Error: QUEUEDAY_SECRET_KEY is not set")
    assert "Traceback" not in result.output


def test_reset_replaces_a_link(seeded: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUEUEDAY_SECRET_KEY", "cli-secret-key-at-least-32-characters")
    person, person_webcal, shared, shared_webcal = links_of(run("--member", "U01"))
    after = links_of(run("--member", "U01", "--reset", "person"))
    assert after[0] != person and after[2:] == [shared, shared_webcal]
    again = links_of(run("--member", "U01", "--rotation", "support", "--reset", "rotation"))
    assert again[0] == after[0] and again[2] != shared
    assert links_of(run("--member", "U02"))[2] == again[2]  # everyone's new rotation link
    result = run("--member", "U01", "--reset", "rotation")
    assert result.exit_code == 2 and "--rotation" in result.output
