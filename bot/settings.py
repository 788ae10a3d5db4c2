"""Settings from the environment (and a `.env` file), built once at start-up.

Nothing here runs at import: `Settings()` reads the environment when called, and the
secret key file is only created by `secret_key()`.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from pydantic import Field, SecretStr, ValidationError
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
    # OAuth mode (README, "Installing in several workspaces"): on when both are set;
    # each workspace's token then comes from the install, not SLACK_BOT_TOKEN.
    slack_client_id: SecretStr | None = None
    slack_client_secret: SecretStr | None = None
    slack_scopes: str = ""  # comma-separated bot scopes; empty: bot.slack.installs's
    # Seconds from /slack/install to Slack's redirect back before the install starts over.
    queueday_oauth_state_ttl: int = Field(default=600, ge=60, le=3600)
    queueday_base_url: str = "http://localhost:3000"
    queueday_secret_key: SecretStr | None = None
    # Reminders and capture (README, "Tickets and highlights"):
    queueday_hook_secret: SecretStr | None = None  # POST /hooks/tickets (Bearer token)
    github_webhook_secret: SecretStr | None = None  # POST /hooks/github (X-Hub-Signature-256)
    github_label: str = "bug"  # only issues with this label; empty: every issue
    # Support tools (README, "Connecting Zendesk, Intercom, Jira and Linear"); unset: 404.
    zendesk_webhook_secret: SecretStr | None = None  # X-Zendesk-Webhook-Signature
    zendesk_tag: str = "bug"  # besides problem/incident tickets, those with this tag
    zendesk_area_prefix: str = "area_"  # a tag `area_billing` names the area `billing`
    intercom_client_secret: SecretStr | None = None  # X-Hub-Signature (HMAC-SHA1)
    intercom_tag: str = "bug"  # conversations with this tag become tickets
    jira_webhook_secret: SecretStr | None = None  # X-Hub-Signature (sha256=)
    jira_issue_type: str = "Bug"  # only issues of this type; empty: every type
    jira_projects: str = ""  # comma-separated project keys; empty: every project
    linear_webhook_secret: SecretStr | None = None  # Linear-Signature
    linear_label: str = "bug"  # only issues with this label; empty: every issue
    # Reminders leave out highlights older than this many days.
    queueday_highlight_max_age_days: int = Field(default=90, ge=1, le=3650)
    queueday_bug_emoji: str = "bug"
    queueday_highlight_emoji: str = "sparkles"
    # Time-off calendars (README, "Time off"): fetching a URL an admin gave is an SSRF
    # vector, so private, loopback and link-local addresses (and http://) need this.
    queueday_allow_private_urls: bool = False
    queueday_timeoff_sync_minutes: int = Field(default=30, ge=1, le=1440)
    # Database connections each process keeps open (README, "Running more than one
    # process"); one beyond it is opened for a burst and closed when returned.
    queueday_db_pool_size: int = Field(default=20, ge=1, le=200)
    # `serve --port` wins; platforms set PORT in the environment, a .env file may too.
    port: int = Field(default=3000, ge=1, le=65535)

    @property
    def sqlalchemy_url(self) -> URL:
        """DATABASE_URL with its driver made explicit (postgres:// -> postgresql+psycopg://)."""
        return normalize_url(self.database_url)


def settings_error(exc: ValidationError) -> str:
    """One line naming the variable that is wrong, e.g. `PORT: Input should be ...`."""
    error = exc.errors()[0]
    name = "_".join(str(part) for part in error["loc"]).upper() or "settings"
    return f"{name}: {error['msg']}"


def make_engine_from(settings: Settings) -> Engine:
    """The engine for DATABASE_URL, keeping QUEUEDAY_DB_POOL_SIZE connections open.

    SQLAlchemy's default keeps 5 and closes any other when it is returned: 20 concurrent
    commands on PostgreSQL then opened a connection (a new server process) for most of
    them, which cost more than the command (bench/slack_bench.py).
    """
    url = settings.sqlalchemy_url
    if is_memory_sqlite(url):
        return make_engine(url)  # one shared connection: no pool to size
    return make_engine(url, pool_size=settings.queueday_db_pool_size)


def secret_key_file(settings: Settings) -> Path | None:
    """Where a generated key is kept: beside the SQLite file; None for other databases."""
    url = settings.sqlalchemy_url
    if url.get_backend_name() != "sqlite" or is_memory_sqlite(url):
        return None
    assert url.database is not None
    return Path(url.database).resolve().parent / SECRET_FILE_NAME


class SecretKeyError(ValueError):
    """No usable key to sign feed links: one line for the person starting QueueDay."""


# token_urlsafe(32) gives 43 characters; anything shorter than 32 is guessable or a typo.
MIN_SECRET_KEY_LENGTH = 32
MAKE_A_KEY = "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
NO_SECRET_KEY = (
    "QUEUEDAY_SECRET_KEY is not set; with PostgreSQL every process that makes feed links "
    f"needs the same key (make one with {MAKE_A_KEY}; README, Deploying)"
)


def check_secret_key(key: str, where: str = "QUEUEDAY_SECRET_KEY") -> str:
    """The key if it is long enough and plain printable ASCII; SecretKeyError otherwise."""
    if not key:
        raise SecretKeyError(f"{where} is empty; make a key with {MAKE_A_KEY}")
    if any(not ("!" <= char <= "~") for char in key):
        raise SecretKeyError(
            f"{where} holds spaces, control or non-ASCII characters; make a key with {MAKE_A_KEY}"
        )
    if len(key) < MIN_SECRET_KEY_LENGTH:
        raise SecretKeyError(
            f"{where} is {len(key)} characters long; it needs at least "
            f"{MIN_SECRET_KEY_LENGTH} (make one with {MAKE_A_KEY})"
        )
    return key


def require_secret_key(settings: Settings) -> str:
    """The key every command that makes feed links starts with; SecretKeyError without one.

    One function, so `serve`, `worker`, `remind`, `console` and `feeds` refuse with the
    same words.
    """
    key = secret_key(settings)
    if key is None:
        raise SecretKeyError(NO_SECRET_KEY)
    return key


def secret_key(settings: Settings) -> str | None:
    """QUEUEDAY_SECRET_KEY, or for SQLite one generated once and kept beside the database.

    PostgreSQL deployments run several processes on several machines, which must all
    sign feed tokens with the same key: there None is returned, and the callers that
    need a key refuse to start (`require_secret_key`). An in-memory SQLite database gets
    a key for this process only. A set key that is empty, short or malformed, and a
    damaged key file, raise SecretKeyError.
    """
    if settings.queueday_secret_key is not None:
        return check_secret_key(settings.queueday_secret_key.get_secret_value())
    url = settings.sqlalchemy_url
    if url.get_backend_name() != "sqlite":
        return None
    path = secret_key_file(settings)
    if path is None:
        log.warning("QUEUEDAY_SECRET_KEY is not set; using a key for this process only")
        return secrets.token_urlsafe(32)
    try:
        try:
            return _read_key_file(path)
        except FileNotFoundError:
            created = _create_key_file(path, secrets.token_urlsafe(32))
            key = _read_key_file(path)  # ours, or the key of a process that linked first
    except OSError as exc:
        raise SecretKeyError(
            f"cannot keep a generated key in {path}: {exc.strerror or exc}; set QUEUEDAY_SECRET_KEY"
        ) from None
    if created:
        log.warning(
            "QUEUEDAY_SECRET_KEY is not set; generated one into %s (keep it with the database)",
            path,
        )
    return key


def _read_key_file(path: Path) -> str:
    """The generated key; a file that is empty or not a key is refused, never used."""
    key = path.read_text(encoding="utf-8").strip()
    try:
        return check_secret_key(key, where=str(path))
    except SecretKeyError as exc:
        raise SecretKeyError(
            f"{exc} (or delete the file to generate a new key; feed links then change)"
        ) from None


def _create_key_file(path: Path, key: str) -> bool:
    """Write `key` to `path` unless it exists; True if this call created it.

    The key is written to a private temporary file first, then hard-linked into place:
    the file appears complete or not at all, and `link` fails if it exists, so of several
    processes starting at once on a fresh directory the first one wins and the others
    read its key (with create-then-write, one read an empty file in between).
    """
    temporary = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(key + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return False
        return True
    finally:
        temporary.unlink(missing_ok=True)
