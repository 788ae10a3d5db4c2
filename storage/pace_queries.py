"""Slack pacing shared by every worker: when a key may next be used (never commits)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from storage.models import SlackPace, Workspace


def _workspace(team_id: str) -> object:
    return select(col(Workspace.id)).where(col(Workspace.team_id) == team_id).scalar_subquery()


def lock_next_at(session: Session, *, key: str, team_id: str, now: datetime) -> datetime:
    """`key`'s next allowed instant, its row created (as `now`) if new and locked
    (FOR UPDATE on PostgreSQL; SQLite's write transaction already excludes others)."""
    table = SlackPace.__table__  # type: ignore[attr-defined]
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(table)
        .values(key=key, workspace_id=_workspace(team_id), next_at=now)
        .on_conflict_do_nothing(index_elements=["key"])
    )
    query = select(SlackPace).where(col(SlackPace.key) == key).with_for_update()
    row: SlackPace = session.execute(query).scalar_one()
    return row.next_at


def next_at(session: Session, *, key: str) -> datetime | None:
    """`key`'s next allowed instant without locking it (None: never used)."""
    query = select(col(SlackPace.next_at)).where(col(SlackPace.key) == key)
    found: datetime | None = session.execute(query).scalar_one_or_none()
    return found


def set_next_at(session: Session, *, key: str, team_id: str, at: datetime, now: datetime) -> None:
    """`key` may next be used at `at` (its row created if new)."""
    lock_next_at(session, key=key, team_id=team_id, now=now)
    session.execute(update(SlackPace).where(col(SlackPace.key) == key).values(next_at=at))
