"""Settings: defaults, the DATABASE_URL forms, and the generated secret key."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from bot.settings import SECRET_FILE_NAME, Settings, secret_key, secret_key_file

ENV = (
    "DATABASE_URL",
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_API_URL",
    "QUEUEDAY_BASE_URL",
    "QUEUEDAY_SECRET_KEY",
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
    settings = Settings(queueday_secret_key="s3cret")  # type: ignore[arg-type]
    assert secret_key(settings) == "s3cret"
    assert not (tmp_path / SECRET_FILE_NAME).exists()


def test_postgresql_without_a_key_has_none() -> None:
    assert secret_key(Settings(database_url="postgresql://u@h/db")) is None


def test_memory_sqlite_gets_a_key_for_the_process_only(tmp_path: Path) -> None:
    assert secret_key(Settings(database_url="sqlite://"))
    assert list(tmp_path.iterdir()) == []
