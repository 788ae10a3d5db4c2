"""The migrations build exactly the models' schema, and never lose data going up or down."""

from __future__ import annotations

from datetime import UTC, date, datetime

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from storage import migrate
from storage.models import METADATA

T0 = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)
TABLES = {
    "alembic_version",
    "assignments",
    "audit_log",
    "closed_days",
    "feed_tokens",
    "highlights",
    "members",
    "page_tokens",
    "plan_versions",
    "received_events",
    "reminder_outbox",
    "rotations",
    "shown_highlights",
    "slack_bots",
    "slack_installations",
    "slack_oauth_states",
    "slack_pace",
    "swap_requests",
    "tickets",
    "time_off",
    "time_off_feeds",
    "workspaces",
}


def _diff(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, METADATA))


def _seed_at_0001(engine: Engine) -> None:
    """Rows as the first schema knew them (no reminder columns yet)."""
    with engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO workspaces (id, team_id, name, created_at) "
                "VALUES (1, 'T1', 'Acme', :t)"
            ),
            {"t": T0},
        )
        c.execute(
            text(
                "INSERT INTO rotations (id, workspace_id, name, timezone, workdays, slots_per_day, "
                "quarter_start_month, published_version, created_at, updated_at) "
                "VALUES (1, 1, 'support', 'Europe/Berlin', 'MO TU WE TH FR', 2, 1, 1, :t, :t)"
            ),
            {"t": T0},
        )
        c.execute(
            text(
                "INSERT INTO members (id, rotation_id, user_id, display_name, weight, joined, "
                "role, created_at, updated_at) VALUES (1, 1, 'U1', 'Ada', 0.5, :d, 'admin', :t, :t)"
            ),
            {"t": T0, "d": date(2026, 1, 1)},
        )
        c.execute(
            text(
                "INSERT INTO assignments (id, rotation_id, day, member_id, state, origin, "
                "revision, created_at, updated_at) VALUES (1, 1, :d, 1, 'done', 'plan', 3, :t, :t)"
            ),
            {"t": T0, "d": date(2027, 1, 5)},
        )


def _rows(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    with engine.connect() as c:
        return {
            "rotations": [
                tuple(r)
                for r in c.execute(text("SELECT id, name, timezone, slots_per_day FROM rotations"))
            ],
            "members": [
                tuple(r)
                for r in c.execute(text("SELECT id, user_id, weight, joined, role FROM members"))
            ],
            "assignments": [
                tuple(r)
                for r in c.execute(text("SELECT id, day, state, revision FROM assignments"))
            ],
        }


def test_models_and_migrations_agree(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)
    assert _diff(empty_engine) == []


def test_upgrade_from_empty_creates_every_table(empty_engine: Engine) -> None:
    assert migrate.current_revision(empty_engine) is None
    migrate.upgrade(empty_engine)
    assert migrate.current_revision(empty_engine) == migrate.head_revision()
    assert migrate.is_current(empty_engine)
    assert set(inspect(empty_engine).get_table_names()) == TABLES


def test_upgrade_twice_changes_nothing(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)
    migrate.upgrade(empty_engine)
    assert migrate.current_revision(empty_engine) == migrate.head_revision()


def test_an_old_database_upgrades_with_its_data(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine, "0001")
    _seed_at_0001(empty_engine)
    before = _rows(empty_engine)
    migrate.upgrade(empty_engine)
    assert _rows(empty_engine) == before
    with empty_engine.connect() as c:
        reminders = c.execute(
            text("SELECT reminders_enabled, reminder_time, reminder_days_before FROM rotations")
        ).one()
    assert tuple(reminders) == (True, "09:00", 1)
    assert _diff(empty_engine) == []


def test_downgrade_and_upgrade_round_trip_keeps_data(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine, "0001")
    _seed_at_0001(empty_engine)
    migrate.upgrade(empty_engine)
    with empty_engine.begin() as c:
        c.execute(text("UPDATE rotations SET reminder_time = '10:15'"))
        c.execute(
            text("INSERT INTO closed_days (rotation_id, day, note) VALUES (1, :d, 'offsite')"),
            {"d": date(2027, 2, 1)},
        )
    before = _rows(empty_engine)
    migrate.downgrade(empty_engine, "0001")
    assert migrate.current_revision(empty_engine) == "0001"
    assert "closed_days" not in inspect(empty_engine).get_table_names()
    assert _rows(empty_engine) == before
    migrate.upgrade(empty_engine)
    assert _rows(empty_engine) == before
    with empty_engine.connect() as c:
        # Foreign keys are back on after the SQLite table copies (and intact on PostgreSQL).
        if empty_engine.dialect.name == "sqlite":
            assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert c.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []


def test_downgrade_to_base_removes_everything(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)
    migrate.downgrade(empty_engine, "base")
    assert set(inspect(empty_engine).get_table_names()) == {"alembic_version"}
    assert migrate.current_revision(empty_engine) is None


def test_migrations_are_package_data() -> None:
    versions = sorted(p.name for p in (migrate.MIGRATIONS / "versions").glob("0*.py"))
    assert versions[0].startswith("0001") and len(versions) >= 2
    assert (migrate.MIGRATIONS / "script.py.mako").is_file()
