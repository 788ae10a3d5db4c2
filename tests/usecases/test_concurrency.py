"""Two processes doing the same thing at once: exactly one wins, nothing is half-written.

Runs on PostgreSQL (row locks) and on a SQLite file (BEGIN IMMEDIATE), each process with
its own engine and session, started together at a barrier.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import Session, func, select

import bot.usecases as uc
from storage.models import METADATA, Assignment, PlanVersion, SwapRequest
from tests.storage.databases import PG_URL, Database, pg_schema
from tests.usecases.conftest import ADMIN, NOW, TEAM, Team, build_team

Q2 = (date(2027, 4, 1), date(2027, 6, 30))
CONTEXT = multiprocessing.get_context("fork")


@pytest.fixture(
    params=[
        "sqlite-file",
        pytest.param(
            "postgresql",
            marks=pytest.mark.skipif(not PG_URL, reason="TEST_DATABASE_URL is not set"),
        ),
    ]
)
def shared(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A database two processes can open: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite-file":
        yield Database("sqlite", f"sqlite:///{tmp_path / 'shared.db'}")
        return
    with pg_schema() as database:
        yield database


def _worker(db: Database, barrier: Any, results: Any, action: Callable[[Session], object]) -> None:
    engine = db.engine()
    try:
        with Session(engine, expire_on_commit=False) as session:
            barrier.wait(timeout=30)
            try:
                action(session)
                results.put(("ok", ""))
            except uc.UseCaseError as exc:
                results.put((type(exc).__name__, exc.message))
    except Exception as exc:  # report anything else to the test instead of hanging it
        results.put(("crash", repr(exc)))
    finally:
        engine.dispose()
        results.close()
        results.join_thread()  # flush the queue before leaving without cleanup
        os._exit(0)


def race(
    db: Database, session: Session, action: Callable[[Session], object]
) -> list[tuple[str, str]]:
    """Run `action` in two processes at the same moment; their outcomes, sorted."""
    session.rollback()  # the test's own reads hold no transaction (SQLite: no lock) meanwhile
    barrier, results = CONTEXT.Barrier(2), CONTEXT.Queue()
    processes = [
        CONTEXT.Process(target=_worker, args=(db, barrier, results, action)) for _ in range(2)
    ]
    for process in processes:
        process.start()
    outcomes = sorted(results.get(timeout=60) for _ in processes)
    for process in processes:
        process.join(timeout=30)
    return outcomes


@pytest.fixture
def setup(shared: Database) -> Iterator[tuple[Database, Team]]:
    engine = shared.engine()
    METADATA.create_all(engine)
    with Session(engine, expire_on_commit=False) as session:
        team = build_team(session)
        yield shared, team
    engine.dispose()


def test_two_accepts_of_one_swap(setup: tuple[Database, Team]) -> None:
    db, team = setup
    mine = [d for d in team.days("U01") if d > NOW.date()][0]
    theirs = [d for d in team.days("U02") if d > NOW.date()][0]
    request = uc.request_swap(
        team.session,
        team_id=TEAM,
        rotation="support",
        actor="U01",
        now=NOW,
        day=mine,
        counterpart="U02",
        counterpart_day=theirs,
    )
    live_before = team.live()

    def accept(session: Session) -> object:
        return uc.accept_request(session, team_id=TEAM, actor="U02", now=NOW, request_id=request.id)

    outcomes = race(db, team.session, accept)
    assert (
        outcomes[0] == ("Conflict", "This request was already accepted.")
        or outcomes[0][0] == "Conflict"
    ), outcomes
    assert [o[0] for o in outcomes] == ["Conflict", "ok"], outcomes
    team.session.expire_all()
    assert team.session.exec(select(SwapRequest.state)).one() == "accepted"
    # The swap happened exactly once: two days moved, each to its new owner.
    after = team.live()
    assert live_before - after == {(mine, "U01"), (theirs, "U02")}
    assert after - live_before == {(mine, "U02"), (theirs, "U01")}
    assert team.audit().count("swap.accept") == 1


def test_two_publishes_at_once(setup: tuple[Database, Team]) -> None:
    db, team = setup
    rows_before = team.rows()

    def publish(session: Session) -> object:
        return uc.publish_plan(
            session,
            team_id=TEAM,
            rotation="support",
            actor=ADMIN,
            now=NOW,
            start=Q2[0],
            end=Q2[1],
            expected_version=1,
        )

    outcomes = race(db, team.session, publish)
    assert [o[0] for o in outcomes] == ["Conflict", "ok"], outcomes
    assert "published meanwhile" in outcomes[0][1]
    team.session.expire_all()
    versions = team.session.exec(select(PlanVersion.version).order_by(PlanVersion.version)).all()
    assert versions == [1, 2]
    q2_days = team.session.exec(
        select(func.count()).select_from(Assignment).where(Assignment.day >= Q2[0])
    ).one()
    # One quarter's worth of days, not two: the loser wrote nothing.
    assert q2_days == len({r for r in team.rows() if r[0] >= Q2[0]}) and q2_days < 70
    assert [r for r in team.rows() if r[0] < Q2[0]] == [r for r in rows_before if r[0] < Q2[0]]
    assert team.audit().count("plan.publish") == 2  # Q1 in the fixture, Q2 once


def test_two_people_taking_one_open_cover(setup: tuple[Database, Team]) -> None:
    db, team = setup
    day = [d for d in team.days("U01") if d > NOW.date()][0]
    request = uc.request_cover(
        team.session, team_id=TEAM, rotation="support", actor="U01", now=NOW, day=day
    )
    takers = iter(u for u in ("U03", "U04", "U05", "U06") if day not in team.days(u))
    first, second = next(takers), next(takers)
    queue = CONTEXT.Queue()
    queue.put(first)
    queue.put(second)

    def take(session: Session) -> object:
        return uc.accept_request(
            session, team_id=TEAM, actor=queue.get(timeout=5), now=NOW, request_id=request.id
        )

    outcomes = race(db, team.session, take)
    assert outcomes == [("Conflict", "This request was already accepted."), ("ok", "")], outcomes
    team.session.expire_all()
    on_day = {u for d, u in team.live() if d == day}
    assert "U01" not in on_day and len(on_day & {first, second}) == 1
    if db.backend == "sqlite":
        team.session.rollback()  # its read transaction holds SQLite's write lock
        with team.session.get_bind().connect() as c:  # type: ignore[union-attr]
            assert c.execute(text("PRAGMA integrity_check")).scalar() == "ok"
