"""QUEUEDAY_DB_POOL_SIZE: the connections a process keeps, so a burst of commands reuses
them instead of opening a PostgreSQL connection per request."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlalchemy.pool import QueuePool, StaticPool

from bot.settings import Settings, make_engine_from

PG = "postgresql+psycopg://queueday@127.0.0.1:9/queueday"  # never connected to here


def test_the_pool_keeps_the_configured_connections() -> None:
    engine = make_engine_from(Settings(database_url=PG, queueday_db_pool_size=7))
    assert isinstance(engine.pool, QueuePool)
    assert engine.pool.size() == 7 and engine.pool._max_overflow == 10  # noqa: SLF001
    default = make_engine_from(Settings(database_url=PG))
    assert isinstance(default.pool, QueuePool) and default.pool.size() == 20


def test_an_in_memory_database_is_one_connection_whatever_the_setting() -> None:
    engine = make_engine_from(Settings(database_url="sqlite://", queueday_db_pool_size=7))
    assert isinstance(engine.pool, StaticPool)


@pytest.mark.parametrize("size", [0, 201])
def test_a_pool_size_out_of_bounds_is_refused_by_name(size: int) -> None:
    with pytest.raises(ValidationError, match="queueday_db_pool_size"):
        Settings(database_url=PG, queueday_db_pool_size=size)
