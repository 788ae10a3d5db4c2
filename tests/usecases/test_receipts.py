"""Received Slack ids in the database: once per id across sessions (replicas), expired
after KEEP_FOR, bounded by MAX_RECEIPTS, placed in their workspace for the purge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from bot.usecases import receipts
from storage.models import ReceivedEvent, Workspace

NOW = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)


def count(engine: Engine) -> int:
    with Session(engine) as session:
        found: int = session.execute(select(func.count()).select_from(ReceivedEvent)).scalar_one()
        return found


def test_an_id_is_first_once_whichever_session_sees_it(engine: Engine) -> None:
    # Two sessions stand for two replicas: the second one is told it is a retry.
    with Session(engine) as a, Session(engine) as b:
        assert receipts.first_receipt(a, key="event:Ev1", team_id="T1", now=NOW)
        assert not receipts.first_receipt(b, key="event:Ev1", team_id="T1", now=NOW)
        assert receipts.first_receipt(b, key="event:Ev2", team_id="T1", now=NOW)
    assert count(engine) == 2


def test_the_row_names_the_workspace_when_there_is_one(engine: Engine) -> None:
    with Session(engine) as session:
        session.add(Workspace(team_id="T1", created_at=NOW))
        session.commit()
        assert receipts.first_receipt(session, key="event:Ev1", team_id="T1", now=NOW)
        assert receipts.first_receipt(session, key="event:Ev2", team_id="T0NEW", now=NOW)
        rows = {r.key: r.workspace_id for r in session.execute(select(ReceivedEvent)).scalars()}
        workspace = session.execute(select(col(Workspace.id))).scalar_one()
    assert rows == {"event:Ev1": workspace, "event:Ev2": None}


def test_old_ids_are_forgotten_and_then_first_again(engine: Engine) -> None:
    with Session(engine) as session:
        assert receipts.first_receipt(session, key="event:Old", team_id=None, now=NOW)
        later = NOW + receipts.KEEP_FOR + timedelta(seconds=1)
        assert receipts.first_receipt(session, key="event:New", team_id=None, now=later)
        assert receipts.forget_old_receipts(session, now=later) == 1
        assert receipts.first_receipt(session, key="event:Old", team_id=None, now=later)
        assert not receipts.first_receipt(session, key="event:New", team_id=None, now=later)


def test_the_table_is_cut_to_its_bound(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(receipts, "MAX_RECEIPTS", 3)
    with engine.begin() as connection:
        connection.execute(
            insert(ReceivedEvent),
            [{"key": f"event:{n}", "received_at": NOW} for n in range(10)],
        )
    with Session(engine) as session:
        assert receipts.forget_old_receipts(session, now=NOW) == 7
        kept = sorted(session.execute(select(col(ReceivedEvent.key))).scalars())
    assert kept == ["event:7", "event:8", "event:9"]
