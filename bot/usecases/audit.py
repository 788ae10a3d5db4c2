"""The audit log: one row per change, with the row before and after."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, SQLModel

from storage.models import AuditEntry, Rotation


def snapshot(row: SQLModel | None, *fields: str) -> dict[str, Any] | None:
    """The row as JSON-safe values (only `fields` if given); None for no row."""
    if row is None:
        return None
    data = row.model_dump(mode="json")
    return {key: data[key] for key in fields} if fields else data


def record(
    session: Session,
    *,
    rotation: Rotation | None,
    actor: str,
    action: str,
    subject: str,
    now: datetime,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    workspace_id: int | None = None,
) -> AuditEntry:
    """Add an audit row to the session (the use case commits it with the change)."""
    entry = AuditEntry(
        workspace_id=rotation.workspace_id if rotation is not None else workspace_id,
        rotation_id=rotation.id if rotation is not None else None,
        actor=actor,
        action=action,
        subject=subject,
        before=before,
        after=after,
        at=now,
    )
    session.add(entry)
    return entry
