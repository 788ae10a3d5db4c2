"""Settings from the environment (and a `.env` file), built once at start-up.

Nothing here runs at import: `Settings()` reads the environment when called, and the
secret key file is only created by `secret_key()`.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL, Engine

from storage.db import is_memory_sqlite, make_engine, normalize_url

log = logging.getLogger(__name__)

SECRET_FILE_NAME = ".queueday-secret"


class Settings(BaseSettings):
    """Everything QueueDay reads from its environment."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = "sqlite:///queueday.db"
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    queueday_base_url: str = "http://localhost:3000"
    queueday_secret_key: SecretStr | None = None
    # Reminders and capture (README, "Tickets and highlights"):
    queueday_hook_secret: SecretStr | None = None  # POST /hooks/tickets (Bearer token)
    github_webhook_secret: SecretStr | None = None  # POST /hooks/github (X-Hub-Signature-256)
    github_label: str = "bug"  # only issues with this label; empty: every issue
    queueday_bug_emoji: str = "bug"
    queueday_highlight_emoji: str = "sparkles"

    @property
    def sqlalchemy_url(self) -> URL:
        """DATABASE_URL with its driver made explicit (postgres:// -> postgresql+psycopg://)."""
        return normalize_url(self.database_url)


def make_engine_from(settings: Settings) -> Engine:
    """The engine for DATABASE_URL."""
    return make_engine(settings.sqlalchemy_url)


def secret_key_file(settings: Settings) -> Path | None:
    """Where a generated key is kept: beside the SQLite file; None for other databases."""
    url = settings.sqlalchemy_url
    if url.get_backend_name() != "sqlite" or is_memory_sqlite(url):
        return None
    assert url.database is not None
    return Path(url.database).resolve().parent / SECRET_FILE_NAME


def secret_key(settings: Settings) -> str | None:
    """QUEUEDAY_SECRET_KEY, or for SQLite one generated once and kept beside the database.

    PostgreSQL deployments run several processes on several machines, which must all
    sign feed tokens with the same key: there None is returned, and the callers that
    need a key refuse to start. An in-memory SQLite database gets a key for this process
    only.
    """
    if settings.queueday_secret_key is not None:
        return settings.queueday_secret_key.get_secret_value()
    url = settings.sqlalchemy_url
    if url.get_backend_name() != "sqlite":
        return None
    path = secret_key_file(settings)
    if path is None:
        log.warning("QUEUEDAY_SECRET_KEY is not set; using a key for this process only")
        return secrets.token_urlsafe(32)
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        pass
    key = secrets.token_urlsafe(32)
    try:
        # O_EXCL: if another process creates the file first, use its key instead.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    log.warning(
        "QUEUEDAY_SECRET_KEY is not set; generated one into %s (keep it with the database)",
        path,
    )
    return key
