"""Settings: defaults, the DATABASE_URL forms, and the generated secret key."""

from __future__ import annotations

import multiprocessing
import re
import secrets
import stat
from multiprocessing.synchronize import Barrier
from pathlib import Path
from queue import Queue

import pytest
from click.testing import CliRunner

from bot.cli.main import main
from bot.settings import (
    NO_SECRET_KEY,
    SECRET_FILE_NAME,
    SecretKeyError,
    Settings,
    require_secret_key,
    secret_key,
    secret_key_file,
)
from tests.bot.server import ROOT

KEY = secrets.token_urlsafe(32)

ENV = (
    "DATABASE_URL",
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_API_URL",
    "QUEUEDAY_BASE_URL",
    "QUEUEDAY_SECRET_KEY",
    "PORT",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env, and the default database lands here


def test_defaults(tmp_path: Path) -> None:
    settings = Settings()
    assert settings.database_url == "sqlite:///queueday.db"
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.queueday_base_url == "http://localhost:3000"
    assert settings.slack_bot_token is None and settings.queueday_secret_key is None
    assert list(tmp_path.iterdir()) == []  # building settings creates nothing


def test_environment_and_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "SLACK_BOT_TOKEN=xoxb-from-dotenv\nQUEUEDAY_BASE_URL=https://q.example\n"
    )
    monkeypatch.setenv("DATABASE_URL", "postgres://u:pw@db.example/queueday")
    settings = Settings()
    assert settings.slack_bot_token is not None
    assert settings.slack_bot_token.get_secret_value() == "xoxb-from-dotenv"
    assert "xoxb" not in repr(settings)
    assert settings.queueday_base_url == "https://q.example"
    assert settings.sqlalchemy_url.drivername == "postgresql+psycopg"


def test_sqlite_key_is_generated_once_beside_the_database(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/data/q.db")
    (tmp_path / "data").mkdir()
    path = secret_key_file(settings)
    assert path == tmp_path / "data" / SECRET_FILE_NAME
    key = secret_key(settings)
    assert key and len(key) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "generated one" in caplog.text
    assert secret_key(settings) == key


def test_the_default_database_keeps_its_key_in_the_working_directory(tmp_path: Path) -> None:
    assert secret_key(Settings()) == (tmp_path / SECRET_FILE_NAME).read_text().strip()


def test_an_explicit_key_wins(tmp_path: Path) -> None:
    settings = Settings(queueday_secret_key=KEY)  # type: ignore[arg-type]
    assert secret_key(settings) == KEY
    assert not (tmp_path / SECRET_FILE_NAME).exists()


def test_postgresql_without_a_key_has_none() -> None:
    assert secret_key(Settings(database_url="postgresql://u@h/db")) is None


def test_memory_sqlite_gets_a_key_for_the_process_only(tmp_path: Path) -> None:
    assert secret_key(Settings(database_url="sqlite://"))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("key", "says"),
    [
        ("", "QUEUEDAY_SECRET_KEY is empty"),
        ("short-key", "QUEUEDAY_SECRET_KEY is 9 characters long; it needs at least 32"),
        ("a" * 31, "is 31 characters long"),
        ("with spaces " * 4, "holds spaces, control or non-ASCII characters"),
        ("\u00e9" * 40, "holds spaces, control or non-ASCII characters"),
    ],
)
def test_an_empty_short_or_malformed_key_is_refused(key: str, says: str) -> None:
    with pytest.raises(SecretKeyError, match=says) as raised:
        secret_key(Settings(queueday_secret_key=key))  # type: ignore[arg-type]
    assert "token_urlsafe(32)" in str(raised.value)


def test_postgresql_without_a_key_is_refused_in_the_same_words() -> None:
    with pytest.raises(SecretKeyError) as raised:
        require_secret_key(Settings(database_url="postgresql://u@h/db"))
    assert str(raised.value) == NO_SECRET_KEY
    assert NO_SECRET_KEY.startswith("QUEUEDAY_SECRET_KEY is not set")


def test_an_empty_key_file_is_refused_not_used(tmp_path: Path) -> None:
    (tmp_path / SECRET_FILE_NAME).write_text("\n")
    with pytest.raises(SecretKeyError, match="is empty"):
        secret_key(Settings())


COMMANDS = [
    ["serve"],
    ["worker"],
    ["remind", "--now", "2027-01-04T09:30:00+01:00"],
    ["console"],
    ["feeds", "--member", "U01"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"QUEUEDAY_SECRET_KEY": ""}, "Error: QUEUEDAY_SECRET_KEY is empty"),
        ({"QUEUEDAY_SECRET_KEY": "too-short"}, "Error: QUEUEDAY_SECRET_KEY is 9 characters"),
        ({"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}, f"Error: {NO_SECRET_KEY}"),
    ],
    ids=["empty", "short", "postgresql-unset"],
)
def test_every_command_that_makes_links_refuses_the_same_way(
    monkeypatch: pytest.MonkeyPatch, command: list[str], env: dict[str, str], says: str
) -> None:
    """One line, exit 2, before any database or Slack is touched (neither exists here)."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-never-used")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "never-used")
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api/")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 2, result.output
    assert result.output.startswith(says), result.output
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert "Traceback" not in result.output


PROCESSES, ROUNDS = 4, 40


def _race(base: Path, barrier: Barrier, results: Queue[tuple[int, str]]) -> None:
    for n in range(ROUNDS):
        barrier.wait(timeout=60)  # every process asks for round n's key at the same moment
        try:
            key = secret_key(Settings(database_url=f"sqlite:///{base}/r{n}/q.db"))
        except SecretKeyError as exc:
            key = f"refused: {exc}"
        results.put((n, key or ""))


def test_processes_starting_at_once_on_a_fresh_directory_share_one_key(tmp_path: Path) -> None:
    """Four processes, forty fresh directories: every one of them reads the same full key.

    Creating the file and then writing it let a second process read it empty in between
    (the old code failed this test in every run).
    """
    for n in range(ROUNDS):
        (tmp_path / f"r{n}").mkdir()
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(PROCESSES)
    results: Queue[tuple[int, str]] = context.Queue()  # type: ignore[assignment]
    workers = [
        context.Process(target=_race, args=(tmp_path, barrier, results)) for _ in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    keys: dict[int, list[str]] = {}
    for _ in range(PROCESSES * ROUNDS):
        n, key = results.get(timeout=60)
        keys.setdefault(n, []).append(key)
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    for n, got in keys.items():
        on_disk = (tmp_path / f"r{n}" / SECRET_FILE_NAME).read_text().strip()
        assert got == [on_disk] * PROCESSES and len(on_disk) >= 32, (n, got)
        assert [p.name for p in (tmp_path / f"r{n}").iterdir()] == [SECRET_FILE_NAME]


def _documented_names() -> tuple[set[str], set[str]]:
    """The variables .env.example lists, and those the README's Environment table names."""
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    listed = set(re.findall(r"^# ([A-Z][A-Z0-9_]*)=", example, flags=re.MULTILINE))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("### Environment", 1)[1].split("\n#", 1)[0]
    first_cells = re.findall(r"^\| ([^|]*)\|", table, flags=re.MULTILINE)
    return listed, {name for cell in first_cells for name in re.findall(r"`([A-Z0-9_]+)`", cell)}


def test_every_setting_is_in_env_example_and_the_readme() -> None:
    names = {name.upper() for name in Settings.model_fields}
    listed, documented = _documented_names()
    assert "PORT" in names
    assert names == listed, "update .env.example"
    assert names <= documented, f"README Environment lacks {names - documented}"
    assert ".env" in (ROOT / ".gitignore").read_text().splitlines()


def test_env_example_copied_to_dotenv_changes_nothing(tmp_path: Path) -> None:
    """Everything in it is commented out, so copying it never sets an empty secret."""
    (tmp_path / ".env").write_text((ROOT / ".env.example").read_text())
    assert Settings() == Settings(_env_file=None)  # type: ignore[call-arg]


def test_port_comes_from_the_environment_or_dotenv(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert Settings().port == 3000
    (tmp_path / ".env").write_text("PORT=4321\n")
    assert Settings().port == 4321
    monkeypatch.setenv("PORT", "8080")
    assert Settings().port == 8080
    monkeypatch.setenv("PORT", "http")
    result = CliRunner().invoke(main, ["serve"])
    assert result.exit_code == 2
    assert result.output.startswith("Error: PORT: Input should be a valid integer")
