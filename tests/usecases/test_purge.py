"""Deleting a workspace reaches every table (issue 9, D10), and a write the database
refuses as inconsistent is not reported as someone else's concurrent change.

The seeding walks storage.models' METADATA, so a table added later is seeded and
checked here without anyone remembering to.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import CheckConstraint, CursorResult, Table, func, insert, select
from sqlmodel import Session

import bot.usecases as uc
from bot.usecases import demo
from bot.usecases.transaction import RACE_MESSAGE, unit_of_work
from storage.models import METADATA, Highlight, ShownHighlight, Workspace
from storage.purge import unowned_tables
from storage.slack_installs import NO_WORKSPACE, TEAM_KEYED

NOW = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)
DAY = date(2027, 1, 4)
_IN_LIST = re.compile(r"(\w+) IN \('([^']*)'")


def _allowed(table: Table) -> dict[str, str]:
    """The first value each `column IN ('a', 'b')` check of the table allows."""
    found: dict[str, str] = {}
    for constraint in table.constraints:
        if isinstance(constraint, CheckConstraint):
            for column, value in _IN_LIST.findall(str(constraint.sqltext)):
                found.setdefault(column, value)
    return found


def _value(table: Table, column: Any, tag: str, ids: dict[str, int]) -> object:
    """A value for a column of a row belonging to the workspace tagged `tag`."""
    keys = list(column.foreign_keys)
    if keys:
        return ids[keys[0].column.table.name]
    allowed = _allowed(table)
    if column.name in allowed:
        return allowed[column.name]
    kind = getattr(column.type, "impl", column.type).python_type  # a TypeDecorator: its impl
    if kind is bool:
        return True
    if kind is int:
        return 1
    if kind is float:
        return 1.0
    if kind is datetime:
        return NOW
    if kind is date:
        return DAY
    if kind in (dict, list):
        return {}
    length = getattr(column.type, "length", None)  # slack_sdk's String(32) columns
    return f"{tag}-{table.name}-{column.name}"[:length]


def seed_every_table(session: Session, team_id: str) -> dict[str, int]:
    """One row in every table, each pointing at this workspace's rows; ids by table."""
    ids: dict[str, int] = {}
    for table in METADATA.sorted_tables:  # parents first
        values = {
            column.name: _value(table, column, team_id, ids)
            for column in table.c
            if not column.primary_key
            and (column.foreign_keys or (column.default is None and column.server_default is None))
        }
        if table.name == Workspace.__tablename__ or table.name in TEAM_KEYED:
            values["team_id"] = team_id  # slack_sdk's stores name the workspace by its id
        result = session.execute(insert(table).values(values))
        assert isinstance(result, CursorResult) and result.inserted_primary_key is not None
        ids[table.name] = int(result.inserted_primary_key[0])
    session.commit()
    return ids


def rows_left(session: Session) -> dict[str, list[int]]:
    return {
        table.name: sorted(session.execute(select(table.c["id"])).scalars())
        for table in METADATA.sorted_tables
    }


def test_every_table_hangs_off_a_workspace() -> None:
    assert unowned_tables() == []


def test_removing_the_demo_deletes_its_rows_in_every_table_and_nothing_else(
    session: Session,
) -> None:
    """D10: `queueday demo --reset` failed once any reminder had shown a highlight,
    since shown_highlights was left out of the purge."""
    doomed = seed_every_table(session, demo.TEAM)
    kept = seed_every_table(session, "T0OTHER")
    assert set(doomed) == {table.name for table in METADATA.sorted_tables}
    deleted = demo.remove_demo(session, now=NOW)
    assert deleted == len(METADATA.sorted_tables) - len(NO_WORKSPACE)
    # An OAuth state belongs to no workspace: the purge leaves both states alone.
    expected = {name: [row_id] for name, row_id in kept.items()}
    expected.update({name: sorted([doomed[name], kept[name]]) for name in NO_WORKSPACE})
    assert rows_left(session) == expected


def test_a_foreign_key_violation_says_what_happened(session: Session) -> None:
    """Not "someone else changed this": nobody did, the data did not fit together."""
    seed_every_table(session, "T0OTHER")
    highlight = session.execute(select(func.min(Highlight.id))).scalar_one()
    with pytest.raises(uc.Inconsistent) as refused:  # noqa: PT012
        with unit_of_work(session):
            session.execute(insert(ShownHighlight).values(
                highlight_id=highlight + 1000, user_id="U1", shown_at=NOW
            ))  # fmt: skip
    message = refused.value.message
    assert RACE_MESSAGE not in message and "Someone else" not in message
    assert message.startswith("Nothing was saved: the database refused the change as")
    assert re.search("foreign key", message, re.IGNORECASE), message
    assert "bug in QueueDay" in message


def test_deleting_a_row_still_referred_to_says_so(session: Session) -> None:
    seed_every_table(session, "T0OTHER")
    with pytest.raises(uc.Inconsistent, match="(?i)foreign key"):  # noqa: PT012
        with unit_of_work(session):
            session.execute(Highlight.__table__.delete())  # type: ignore[attr-defined]
    assert session.execute(select(func.count()).select_from(ShownHighlight)).scalar_one() == 1


def test_a_unique_violation_is_still_a_race(session: Session) -> None:
    seed_every_table(session, "T0OTHER")
    with pytest.raises(uc.Conflict) as refused:  # noqa: PT012
        with unit_of_work(session):
            session.execute(insert(Workspace).values(team_id="T0OTHER", created_at=NOW))
    assert refused.value.message == RACE_MESSAGE
