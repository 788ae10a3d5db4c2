"""Engine setup, UTC datetimes and the constraints the schema itself enforces."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, StatementError
from sqlmodel import Session, select

from storage.db import DatabaseURLError, make_engine, normalize_url
from storage.models import (
    Assignment,
    AssignmentState,
    AuditEntry,
    Member,
    RequestState,
    Rotation,
    SwapRequest,
    Workspace,
)

T0 = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("given", "driver"),
    [
        ("postgres://u:p@db.example:5432/q", "postgresql+psycopg"),
        ("postgresql://u:p@db.example/q", "postgresql+psycopg"),
        ("postgresql+psycopg://u@h/q", "postgresql+psycopg"),
        ("sqlite:///queueday.db", "sqlite"),
        ("sqlite://", "sqlite"),
    ],
)
def test_urls_are_normalised_to_psycopg(given: str, driver: str) -> None:
    url = normalize_url(given)
    assert url.drivername == driver
    if driver != "sqlite":
        assert url.password in (None, "p") and url.database == "q"


@pytest.mark.parametrize("bad", ["mysql://x/y", "not a url", "oracle://a/b"])
def test_unsupported_urls_are_refused(bad: str) -> None:
    with pytest.raises(DatabaseURLError, match="DATABASE_URL"):
        normalize_url(bad)


def test_sqlite_file_uses_wal_foreign_keys_and_busy_timeout(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'q.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000
    engine.dispose()


def _seed(session: Session) -> tuple[Rotation, Member, Member]:
    workspace = Workspace(team_id="T1", created_at=T0)
    session.add(workspace)
    session.flush()
    rotation = Rotation(
        workspace_id=workspace.id or 0, name="support", created_at=T0, updated_at=T0
    )
    session.add(rotation)
    session.flush()
    ada = Member(
        rotation_id=rotation.id or 0, user_id="U1", display_name="Ada", created_at=T0, updated_at=T0
    )
    bob = Member(
        rotation_id=rotation.id or 0, user_id="U2", display_name="Bob", created_at=T0, updated_at=T0
    )
    session.add_all([ada, bob])
    session.flush()
    return rotation, ada, bob


def _day(rotation: Rotation, member: Member, day: date) -> Assignment:
    return Assignment(
        rotation_id=rotation.id or 0,
        day=day,
        member_id=member.id or 0,
        created_at=T0,
        updated_at=T0,
    )


def test_datetimes_come_back_aware_in_utc(engine: Engine) -> None:
    berlin = timezone(timedelta(hours=1))
    with Session(engine) as session:
        session.add(Workspace(team_id="T1", created_at=datetime(2027, 1, 4, 9, 30, tzinfo=berlin)))
        session.commit()
    with Session(engine) as session:
        stored = session.exec(select(Workspace)).one().created_at
    assert stored == datetime(2027, 1, 4, 8, 30, tzinfo=UTC)
    assert stored.utcoffset() == timedelta(0)


def test_naive_datetimes_are_refused(engine: Engine) -> None:
    with Session(engine) as session:
        session.add(Workspace(team_id="T1", created_at=datetime(2027, 1, 4, 9, 30)))
        with pytest.raises(StatementError, match="naive datetime"):
            session.commit()


def test_a_member_is_on_a_day_at_most_once(engine: Engine) -> None:
    with Session(engine) as session:
        rotation, ada, _ = _seed(session)
        session.add(_day(rotation, ada, date(2027, 1, 5)))
        session.commit()
        session.add(_day(rotation, ada, date(2027, 1, 5)))
        with pytest.raises(IntegrityError):
            session.commit()


def test_one_open_request_per_assignment(engine: Engine) -> None:
    with Session(engine) as session:
        rotation, ada, bob = _seed(session)
        day = _day(rotation, ada, date(2027, 1, 5))
        session.add(day)
        session.flush()

        def request(state: str) -> SwapRequest:
            return SwapRequest(
                rotation_id=rotation.id or 0,
                kind="cover",
                state=state,
                assignment_id=day.id or 0,
                assignment_revision=1,
                requester_id=ada.id or 0,
                counterpart_id=bob.id,
                created_at=T0,
            )

        # Closed requests may pile up; only one may be open.
        session.add_all([request(RequestState.DECLINED), request(RequestState.CANCELLED)])
        session.add(request(RequestState.OPEN))
        session.commit()
        session.add(request(RequestState.OPEN))
        with pytest.raises(IntegrityError):
            session.commit()


def test_foreign_keys_are_enforced(engine: Engine) -> None:
    with Session(engine) as session:
        rotation, _, _ = _seed(session)
        session.commit()
        session.add(
            Assignment(
                rotation_id=rotation.id or 0,
                day=date(2027, 1, 5),
                member_id=9999,
                created_at=T0,
                updated_at=T0,
            )
        )
        with pytest.raises(IntegrityError):
            session.commit()


@pytest.mark.parametrize(
    ("column", "value"), [("state", "maybe"), ("origin", "magic"), ("revision", 0)]
)
def test_states_origins_and_revisions_are_checked(
    engine: Engine, column: str, value: object
) -> None:
    with Session(engine) as session:
        rotation, ada, _ = _seed(session)
        row = _day(rotation, ada, date(2027, 1, 5))
        setattr(row, column, value)
        session.add(row)
        with pytest.raises(IntegrityError):
            session.commit()


def test_json_columns_round_trip(engine: Engine) -> None:
    with Session(engine) as session:
        session.add(
            AuditEntry(
                actor="U1", action="x", subject="y", before={"a": [1, "b"]}, after=None, at=T0
            )
        )
        session.commit()
    with Session(engine) as session:
        entry = session.exec(select(AuditEntry)).one()
        assert entry.before == {"a": [1, "b"]} and entry.after is None


def test_states_are_plain_strings(engine: Engine) -> None:
    with Session(engine) as session:
        rotation, ada, _ = _seed(session)
        session.add(_day(rotation, ada, date(2027, 1, 5)))
        session.commit()
        raw = session.exec(text("SELECT state, origin FROM assignments")).one()  # type: ignore[call-overload]
    assert tuple(raw) == (AssignmentState.PUBLISHED.value, "plan")


def test_sqlite_readers_do_not_block_a_writer(tmp_path: Path) -> None:
    """Reads begin deferred; only a write transaction takes SQLite's write lock."""
    from storage.db import write_transaction
    from storage.models import METADATA

    engine = make_engine(f"sqlite:///{tmp_path / 'q.db'}", connect_args={"timeout": 0.2})
    METADATA.create_all(engine)
    with Session(engine) as reader, Session(engine) as writer:
        assert reader.exec(select(Workspace)).all() == []  # a read transaction stays open
        write_transaction(writer)
        writer.add(Workspace(team_id="T1", created_at=T0))
        writer.commit()
        reader.rollback()
        assert [w.team_id for w in reader.exec(select(Workspace))] == ["T1"]
    engine.dispose()
