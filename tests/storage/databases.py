"""Fresh databases for tests: in-memory SQLite, and PostgreSQL when TEST_DATABASE_URL is set.

Every test gets its own database: SQLite in memory (one connection, StaticPool), or a
new schema in the PostgreSQL database that TEST_DATABASE_URL names, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from storage.db import make_engine, normalize_url
from storage.models import METADATA

PG_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = [
    "sqlite",
    pytest.param(
        "postgresql",
        marks=pytest.mark.skipif(not PG_URL, reason="TEST_DATABASE_URL is not set"),
    ),
]


@dataclass(frozen=True)
class Database:
    """Where a test database lives: enough for another process to open it too."""

    backend: str
    url: str
    schema: str | None = None

    def engine(self) -> Engine:
        """A new engine on this database (one per process)."""
        if self.schema is None:
            return make_engine(self.url)
        return make_engine(self.url, connect_args={"options": f"-c search_path={self.schema}"})


@contextmanager
def pg_schema() -> Iterator[Database]:
    """A new, empty schema in the TEST_DATABASE_URL database, dropped afterwards."""
    assert PG_URL is not None
    url = normalize_url(PG_URL).render_as_string(hide_password=False)
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield Database("postgresql", url, schema)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest) -> Iterator[Database]:
    """An empty database on each backend."""
    if request.param == "sqlite":
        yield Database("sqlite", "sqlite://")
        return
    with pg_schema() as database:
        yield database


@pytest.fixture
def empty_engine(database: Database) -> Iterator[Engine]:
    """An engine on an empty database (no tables), for migration tests."""
    engine = database.engine()
    yield engine
    engine.dispose()


@pytest.fixture
def engine(database: Database) -> Iterator[Engine]:
    """An engine on a database with the current tables."""
    engine = database.engine()
    METADATA.create_all(engine)
    yield engine
    engine.dispose()
