"""Deleting everything one workspace has, in every table (for `queueday demo --reset`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, CursorResult, Select, delete, or_, select
from sqlmodel import Session, col

from storage.models import METADATA, Assignment, Member, Rotation, Workspace


def delete_workspace(session: Session, *, workspace_id: int) -> int:
    """Delete a workspace and every row that belongs to it; returns the rows deleted.

    Tables are emptied children first (the metadata's dependency order, reversed). A
    row belongs to the workspace through whichever of `workspace_id`, `rotation_id`,
    `member_id` or `assignment_id` it has, so tables added later are covered as long
    as they hang off one of those. Does not commit.
    """
    rotations: Select[Any] = select(col(Rotation.id)).where(
        col(Rotation.workspace_id) == workspace_id
    )
    owners: dict[str, Select[Any]] = {
        "rotation_id": rotations,
        "member_id": select(col(Member.id)).where(col(Member.rotation_id).in_(rotations)),
        "assignment_id": select(col(Assignment.id)).where(
            col(Assignment.rotation_id).in_(rotations)
        ),
    }
    deleted = 0
    for table in reversed(METADATA.sorted_tables):
        if table.name == Workspace.__tablename__:
            continue
        conditions: list[ColumnElement[bool]] = []
        if "workspace_id" in table.c:
            conditions.append(table.c["workspace_id"] == workspace_id)
        conditions += [table.c[name].in_(ids) for name, ids in owners.items() if name in table.c]
        if conditions:
            deleted += _count(session.execute(delete(table).where(or_(*conditions))))
    return deleted + _count(
        session.execute(delete(Workspace).where(col(Workspace.id) == workspace_id))
    )


def _count(result: Any) -> int:
    return result.rowcount if isinstance(result, CursorResult) else 0
