"""Schema migrations: bring any database to the current schema (`queueday db upgrade`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# The PostgreSQL advisory lock that one upgrade at a time holds (any constant bigint;
# this one spells "queueday" in ASCII, well out of the way of other applications' keys).
MIGRATION_LOCK_KEY = 0x7175657565646179


class MigrationError(RuntimeError):
    """The database is not in a state the migrations can handle."""


def alembic_config() -> Config:
    """An Alembic config pointing at the packaged migrations; no alembic.ini needed."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    """The newest migration."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at; None for a database never migrated."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def is_current(engine: Engine) -> bool:
    """True when the database is at the newest migration."""
    return current_revision(engine) == head_revision()


@contextmanager
def _migration_connection(engine: Engine) -> Iterator[Connection]:
    """One transaction for the whole run, holding the migration lock; SQLite's foreign keys
    off while tables are copied.

    The lock: `serve` and `worker` both upgrade on start, often at the same moment. On
    PostgreSQL the transaction first takes an advisory lock (released at commit), so a
    second upgrade waits for the first and then finds the schema at head; without it the
    second failed creating tables the first had just made. On SQLite the transaction is
    BEGIN IMMEDIATE, which holds the write lock from the start (a second upgrade waits
    out the busy timeout).

    Batch mode rebuilds a SQLite table by copying it and dropping the old one; with
    foreign keys on, that drop would cascade or fail. The pragma only takes effect
    outside a transaction, so it is set on the raw connection before BEGIN, and the
    keys are checked before commit.
    """
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as plain:
        connection = plain.execution_options(sqlite_begin="immediate")
        raw = connection.connection.dbapi_connection
        assert raw is not None
        if sqlite:
            raw.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                if engine.dialect.name == "postgresql":
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
                    )
                yield connection
                if sqlite:
                    broken = connection.execute(text("PRAGMA foreign_key_check")).fetchall()
                    if broken:
                        raise MigrationError(f"foreign keys broken by the migration: {broken[:5]}")
        finally:
            if sqlite:
                raw.execute("PRAGMA foreign_keys=ON")


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database up to `revision` (default: the newest)."""
    config = alembic_config()
    with _migration_connection(engine) as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Migrate the database down to `revision` ("base" removes every table)."""
    config = alembic_config()
    with _migration_connection(engine) as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
