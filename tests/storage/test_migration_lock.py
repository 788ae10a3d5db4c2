"""`serve` and `worker` both upgrade on start: two upgrades at the same moment both succeed.

Each upgrade runs in its own process (Alembic's `context` is process-global), released
together by a barrier, on a fresh PostgreSQL schema and on a SQLite file.
"""

from __future__ import annotations

import multiprocessing
from multiprocessing.synchronize import Barrier
from pathlib import Path
from queue import Queue

import pytest
from sqlalchemy import text

from storage import migrate
from tests.storage.databases import PG_URL, Database, pg_schema

UPGRADES = 3


def _upgrade(database: Database, barrier: Barrier, results: Queue[str]) -> None:
    engine = database.engine()
    try:
        with engine.connect():  # connected before the barrier: the upgrades start together
            pass
        barrier.wait(timeout=60)
        migrate.upgrade(engine)
        results.put("ok")
    except Exception as exc:  # reported to the test, which prints it
        results.put(f"{type(exc).__name__}: {exc}")
    finally:
        engine.dispose()


def _upgrade_at_once(database: Database) -> list[str]:
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(UPGRADES)
    results: Queue[str] = context.Queue()  # type: ignore[assignment]
    processes = [
        context.Process(target=_upgrade, args=(database, barrier, results)) for _ in range(UPGRADES)
    ]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    return outcomes


def _assert_at_head_once(database: Database) -> None:
    engine = database.engine()
    try:
        assert migrate.current_revision(engine) == migrate.head_revision()
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT version_num FROM alembic_version")).all()
        assert [row[0] for row in rows] == [migrate.head_revision()]
    finally:
        engine.dispose()


@pytest.mark.skipif(not PG_URL, reason="TEST_DATABASE_URL is not set")
def test_upgrades_at_the_same_moment_on_postgresql_both_succeed() -> None:
    """Without the advisory lock the later one failed creating tables that now existed."""
    with pg_schema() as database:
        outcomes = _upgrade_at_once(database)
        assert outcomes == ["ok"] * UPGRADES, outcomes
        _assert_at_head_once(database)


def test_upgrades_at_the_same_moment_on_sqlite_both_succeed(tmp_path: Path) -> None:
    database = Database("sqlite", f"sqlite:///{tmp_path / 'q.db'}")
    outcomes = _upgrade_at_once(database)
    assert outcomes == ["ok"] * UPGRADES, outcomes
    _assert_at_head_once(database)
