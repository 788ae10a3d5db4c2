"""The README's PostgreSQL set-up, as written there: a role, a database it owns, an upgrade."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import text

from storage import migrate
from storage.db import make_engine, normalize_url
from tests.bot.server import ROOT
from tests.storage.databases import PG_URL

pytestmark = pytest.mark.skipif(not PG_URL, reason="TEST_DATABASE_URL is not set")


def _readme_sql() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    deploying = readme.split("## Deploying", 1)[1]
    (block,) = re.findall(r"```sql\n(.*?)```", deploying, flags=re.DOTALL)
    return [statement.strip() for statement in block.split(";") if statement.strip()]


def test_the_readme_creates_a_database_queueday_can_upgrade() -> None:
    assert PG_URL is not None
    name = f"qd_{uuid.uuid4().hex[:10]}"  # the README's `queueday`, unique on a shared server
    statements = [
        re.sub(r"\bqueueday\b", name, s).replace("change-me", "pw-" + name) for s in _readme_sql()
    ]
    assert [s.split()[:2] for s in statements] == [["CREATE", "ROLE"], ["CREATE", "DATABASE"]]
    admin = make_engine(normalize_url(PG_URL), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            for statement in statements:
                connection.execute(text(statement))
        url = normalize_url(PG_URL).set(username=name, password="pw-" + name, database=name)
        engine = make_engine(url)
        try:
            migrate.upgrade(engine)
            assert migrate.is_current(engine)
        finally:
            engine.dispose()
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            connection.execute(text(f"DROP ROLE IF EXISTS {name}"))
        admin.dispose()
