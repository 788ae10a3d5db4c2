"""`who` reads the day's people and its rotation's group in one query, in the transaction
finding the rotation began: the same answer as before, for the right workspace only,
and never more than one transaction, on each backend."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import bot.usecases as uc
from storage.models import Assignment, Member, Rotation
from tests.usecases.conftest import ADMIN, NOW, TEAM, Team, build_team

OTHER = "T2OTHER"


def _day_of(team: Team, user: str) -> date:
    return next(d for d in team.days(user) if d > NOW.date())


def _set(session: Session, **fields: object) -> None:
    row = session.exec(select(Rotation).where(Rotation.name == "support")).first()
    assert row is not None
    for name, value in fields.items():
        setattr(row, name, value)
    session.add(row)
    session.commit()


def test_the_group_handle_as_the_rotation_says(team: Team) -> None:
    session = team.session
    day = _day_of(team, "U01")

    def handle() -> str | None:
        return uc.who_is_on(session, team_id=TEAM, rotation="support", day=day).handle

    assert handle() is None  # no channel: no group is kept in step
    _set(session, channel="C0SUPPORT")
    assert handle() == "support-today"
    _set(session, queue_handle="help-now")
    assert handle() == "help-now"
    _set(session, queue_group=False)
    assert handle() is None


def test_cancelled_days_and_other_workspaces_are_not_the_answer(team: Team) -> None:
    session = team.session
    day = _day_of(team, "U01")
    build_team_in_other_workspace(session)
    on = uc.who_is_on(session, team_id=TEAM, rotation="support", day=day)
    assert on.people == (("U01", "Person 1"),)
    row = session.exec(
        select(Assignment).join(Member).where(Assignment.day == day, Member.user_id == "U01")
    ).one()
    row.state = "cancelled"
    session.add(row)
    session.commit()
    nobody = uc.who_is_on(session, team_id=TEAM, rotation="support", day=day)
    assert nobody.people == () and nobody.closed is None
    theirs = uc.who_is_on(session, team_id=OTHER, rotation="support", day=day)
    assert theirs.people and all(name.startswith("Other") for _, name in theirs.people)


def build_team_in_other_workspace(session: Session) -> None:
    """The same rotation name, people and plan in another workspace."""
    uc.create_rotation(
        session, team_id=OTHER, actor=ADMIN, actor_name="Ada", now=NOW, name="support",
        timezone="Europe/Berlin", country="DE", subdivision="BE",
    )  # fmt: skip
    for n, user in enumerate(("U01", "U02", "U03"), start=1):
        uc.add_member(
            session, team_id=OTHER, rotation="support", actor=ADMIN, now=NOW, user=user,
            name=f"Other {n}", joined=date(2026, 1, 1),
        )  # fmt: skip
    uc.publish_plan(
        session, team_id=OTHER, rotation="support", actor=ADMIN, now=NOW,
        start=date(2027, 1, 1), end=date(2027, 3, 31), expected_version=0,
    )  # fmt: skip


@contextmanager
def counted(engine: Engine) -> Iterator[dict[str, int]]:
    """Transactions begun and queries run on `engine` inside the block."""
    seen = {"begin": 0, "statements": 0}

    def began(_connection: object) -> None:
        seen["begin"] += 1

    def ran(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if not statement.startswith("BEGIN"):  # SQLite's own BEGIN is the transaction
            seen["statements"] += 1

    event.listen(engine, "begin", began)
    event.listen(engine, "before_cursor_execute", ran)
    try:
        yield seen
    finally:
        event.remove(engine, "begin", began)
        event.remove(engine, "before_cursor_execute", ran)


def test_who_in_a_channel_is_one_transaction_of_two_reads(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as setup:
        team = build_team(setup)
        day = _day_of(team, "U01")
        _set(setup, channel="C0SUPPORT")
    with Session(engine) as session, counted(engine) as seen:
        ref = uc.find_rotation(
            session, team_id=TEAM, user="U09", now=NOW, channel="C0SUPPORT", keep_open=True
        )
        connection = session.connection()
        if engine.dialect.name == "postgresql":
            # Outside a transaction: psycopg sent no BEGIN and will send no ROLLBACK.
            dbapi = connection.connection.dbapi_connection
            assert dbapi is not None and dbapi.autocommit
            assert dbapi.info.transaction_status == 0  # IDLE
        on = uc.who_is_on(session, team_id=TEAM, rotation=ref.name, day=day)
        assert not session.in_transaction()  # who_is_on let the connection go
    assert on.people == (("U01", "Person 1"),) and on.handle == "support-today"
    assert seen == {"begin": 1, "statements": 2}
    with engine.connect() as again:  # the pool gave the connection back as it was
        dbapi = again.connection.dbapi_connection
        assert dbapi is not None and not getattr(dbapi, "autocommit", False)
