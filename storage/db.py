"""Engines and sessions from a database URL, for SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, create_engine

# How long a SQLite writer waits for another one before giving up, in milliseconds.
SQLITE_BUSY_TIMEOUT_MS = 10_000


class DatabaseURLError(ValueError):
    """A DATABASE_URL that names no database QueueDay can use."""


def normalize_url(url: str) -> URL:
    """The URL with its driver made explicit: postgres:// and postgresql:// use psycopg 3.

    Hosting platforms hand out `postgres://user:pw@host/db`; SQLAlchemy only knows
    `postgresql`, and would pick psycopg2 by default, which is not installed.
    """
    try:
        parsed = make_url(url)
    except Exception as exc:  # sqlalchemy raises ArgumentError, a plain one for junk
        raise DatabaseURLError(f"DATABASE_URL: cannot parse {url!r}") from exc
    backend = parsed.get_backend_name()
    if backend in ("postgres", "postgresql"):
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        return parsed
    raise DatabaseURLError(
        f"DATABASE_URL: unsupported database {backend!r} (use sqlite:/// or postgresql://)"
    )


def is_memory_sqlite(url: URL) -> bool:
    """True for an in-memory SQLite database (`sqlite://` or `sqlite:///:memory:`)."""
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def make_engine(url: str | URL, *, echo: bool = False, **kwargs: Any) -> Engine:
    """An engine for the URL, with SQLite made safe for several processes.

    SQLite: WAL (readers never block the writer), foreign keys enforced, a busy timeout
    so a second writer waits instead of failing. Transactions begin deferred (a reader
    takes no lock); one opened with the execution option `sqlite_begin="immediate"`
    (see `write_transaction`) begins with BEGIN IMMEDIATE, so two read-then-write
    transactions queue for the write lock instead of one failing when it upgrades.
    An in-memory database is one shared connection (StaticPool).
    """
    parsed = (
        normalize_url(url)
        if isinstance(url, str)
        else normalize_url(url.render_as_string(hide_password=False))
    )
    if parsed.get_backend_name() != "sqlite":
        kwargs.setdefault("pool_pre_ping", True)
        return create_engine(parsed, echo=echo, **kwargs)
    connect_args = kwargs.pop("connect_args", {})
    connect_args.setdefault("check_same_thread", False)
    connect_args.setdefault("timeout", SQLITE_BUSY_TIMEOUT_MS / 1000)
    if is_memory_sqlite(parsed):
        kwargs.setdefault("poolclass", StaticPool)
    engine = create_engine(parsed, echo=echo, connect_args=connect_args, **kwargs)
    _configure_sqlite(engine, memory=is_memory_sqlite(parsed))
    return engine


def _configure_sqlite(engine: Engine, *, memory: bool) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the sqlite3 module: it would BEGIN (deferred)
        # lazily and never for DDL; the "begin" listener below does it instead.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get("sqlite_begin") == "immediate"
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def autocommit_reads(session: Session) -> None:
    """Run the session's next reads outside a transaction, on the one connection.

    For a quick read of a row or two (`/queueday who` in the ack). PostgreSQL: no BEGIN
    and no ROLLBACK round trips, and psycopg keeps its prepared statements, which a
    ROLLBACK drops; each statement sees every commit made before it, so no answer is
    staler than a commit. The pool restores the isolation level when the session lets
    the connection go. SQLite (no round trips to save), or a session already in a
    transaction: nothing changes.
    """
    if session.in_transaction() or session.get_bind().dialect.name != "postgresql":
        return
    session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def write_transaction(session: Session) -> None:
    """Start the session's transaction as a writer (SQLite: BEGIN IMMEDIATE).

    A transaction that reads before it writes must hold SQLite's write lock from the
    start: otherwise another writer committing in between makes its first write fail
    with "database is locked" however long the busy timeout. PostgreSQL is unaffected
    (its writers lock the rows they read with FOR UPDATE). A read-only transaction the
    session still has open is ended first.
    """
    if session.in_transaction() and not (session.new or session.dirty or session.deleted):
        session.rollback()
    session.connection(execution_options={"sqlite_begin": "immediate"})


def make_session_factory(engine: Engine) -> Callable[[], Session]:
    """Sessions that keep loaded values readable after commit (use cases return them)."""

    def factory() -> Session:
        return Session(engine, expire_on_commit=False)

    return factory
