"""Slack deliveries already received: record one, forget the old ones (never commits)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CursorResult, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from storage.models import ReceivedEvent, Workspace


def record_receipt(session: Session, *, key: str, team_id: str | None, now: datetime) -> bool:
    """Remember `key` as received now; False when it already was (a retry).

    One statement, ON CONFLICT DO NOTHING: two replicas taking the same id at once see
    exactly one True between them.
    """
    table = ReceivedEvent.__table__  # type: ignore[attr-defined]
    workspace = (
        select(col(Workspace.id)).where(col(Workspace.team_id) == team_id).scalar_subquery()
        if team_id
        else None
    )
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(table)
        .values(key=key, workspace_id=workspace, received_at=now)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(table.c.id)  # a row back only when inserted (rowcount is -1 on psycopg)
    )
    return session.execute(statement).scalar_one_or_none() is not None


def forget_receipts(session: Session, *, before: datetime) -> int:
    """Delete every receipt older than `before`; returns how many went."""
    result = session.execute(delete(ReceivedEvent).where(col(ReceivedEvent.received_at) < before))
    return result.rowcount if isinstance(result, CursorResult) else 0


def trim_receipts(session: Session, *, keep: int) -> int:
    """Delete all but the newest `keep` receipts (the table's hard bound)."""
    newest = select(col(ReceivedEvent.id)).order_by(col(ReceivedEvent.id).desc())
    cutoff = session.execute(newest.offset(keep).limit(1)).scalar_one_or_none()
    if cutoff is None:
        return 0
    result = session.execute(delete(ReceivedEvent).where(col(ReceivedEvent.id) <= cutoff))
    return result.rowcount if isinstance(result, CursorResult) else 0
