"""Deleting everything one workspace has, in every table (for `queueday demo --reset`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, ColumnElement, CursorResult, Table, delete, or_, select
from sqlmodel import Session

from storage.models import METADATA, Workspace
from storage.slack_installs import NO_WORKSPACE, TEAM_KEYED


def delete_workspace(session: Session, *, workspace_id: int) -> int:
    """Delete a workspace and every row that belongs to it; returns the rows deleted.

    A row belongs to the workspace when any of its foreign keys points at a row that
    does, down to the workspace itself (`ownership`), so a table added later is covered
    as soon as it references any table that is. Tables are emptied children first (the
    metadata's dependency order, reversed): a row's owners are still there when it goes.
    Does not commit.
    """
    owned = ownership(workspace_id)
    deleted = 0
    # The team-keyed tables first: their condition reads the workspace row, deleted last.
    tables = sorted(reversed(METADATA.sorted_tables), key=lambda t: t.name not in TEAM_KEYED)
    for table in tables:
        condition = owned.get(table.name)
        if condition is not None:
            deleted += _count(session.execute(delete(table).where(condition)))
    return deleted


def ownership(workspace_id: int) -> dict[str, ColumnElement[bool]]:
    """For each table that hangs off `workspaces`, the condition that picks the rows
    of this workspace: its own row there, or a foreign key into an owned row."""
    owned: dict[str, ColumnElement[bool]] = {
        Workspace.__tablename__: METADATA.tables[Workspace.__tablename__].c["id"] == workspace_id
    }
    for name in TEAM_KEYED:  # slack_sdk's stores: the workspace's Slack id, no foreign key
        workspaces = METADATA.tables[Workspace.__tablename__]
        team = select(workspaces.c["team_id"]).where(workspaces.c["id"] == workspace_id)
        owned[name] = METADATA.tables[name].c["team_id"] == team.scalar_subquery()
    for table in METADATA.sorted_tables:  # parents first
        if table.name in owned:
            continue
        conditions = [
            _points_into(key.parent, key.column, owned, workspace_id)
            for key in sorted(table.foreign_keys, key=lambda k: k.parent.name)
            if isinstance(key.column.table, Table) and key.column.table.name in owned
        ]
        if conditions:
            owned[table.name] = or_(*conditions)
    return owned


def _points_into(
    column: Column[Any],
    target: Column[Any],
    owned: dict[str, ColumnElement[bool]],
    workspace_id: int,
) -> ColumnElement[bool]:
    """`column` holds the key of an owned row of `target`'s table."""
    if target.table.name == Workspace.__tablename__:
        return column == workspace_id
    return column.in_(select(target).where(owned[target.table.name]))


def unowned_tables() -> list[str]:
    """Tables whose rows `delete_workspace` cannot place in a workspace (none should be,
    but those listed in NO_WORKSPACE: an OAuth state is nobody's until Slack answers)."""
    owned = ownership(0)
    return [
        table.name
        for table in METADATA.sorted_tables
        if table.name not in owned and table.name not in NO_WORKSPACE
    ]


def _count(result: Any) -> int:
    return result.rowcount if isinstance(result, CursorResult) else 0
