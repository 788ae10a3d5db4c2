"""A published rotation to act on, on each database backend."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

import bot.usecases as uc
from storage.models import (
    Assignment,
    AuditEntry,
    Member,
    PlanVersion,
    SwapRequest,
    TimeOff,
)
from tests.storage.databases import database, empty_engine, engine

__all__ = ["database", "empty_engine", "engine"]

TEAM = "T1"
ADMIN = "U0ADA"
PEOPLE = ["U01", "U02", "U03", "U04", "U05", "U06"]
# Monday 4 January 2027, 09:00 in Berlin.
NOW = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)
Q1 = (date(2027, 1, 1), date(2027, 3, 31))


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


@dataclass
class Team:
    session: Session

    def days(self, user: str, states: tuple[str, ...] = ("published", "done")) -> list[date]:
        query = (
            select(Assignment.day)
            .join(Member)
            .where(Member.user_id == user, Assignment.state.in_(states))  # type: ignore[attr-defined]
            .order_by(Assignment.day)
        )
        return list(self.session.exec(query))

    def live(self) -> set[tuple[date, str]]:
        query = (
            select(Assignment.day, Member.user_id)
            .join(Member)
            .where(
                Assignment.state.in_(("published", "done"))  # type: ignore[attr-defined]
            )
        )
        return {(d, u) for d, u in self.session.exec(query)}

    def rows(self) -> list[tuple[object, ...]]:
        """Every assignment row with its state and revision, for before/after checks."""
        query = select(
            Assignment.day,
            Assignment.member_id,
            Assignment.state,
            Assignment.origin,
            Assignment.revision,
        ).order_by(Assignment.id)
        return [tuple(r) for r in self.session.exec(query)]

    def count(self, model: type) -> int:
        return int(self.session.exec(select(func.count()).select_from(model)).one())

    def counts(self) -> dict[str, int]:
        """Rows per table, to prove a refusal wrote nothing."""
        return {
            m.__name__: self.count(m)
            for m in (Assignment, AuditEntry, Member, PlanVersion, SwapRequest, TimeOff)
        }

    def audit(self) -> list[str]:
        return list(self.session.exec(select(AuditEntry.action).order_by(AuditEntry.id)))


def build_team(session: Session, *, publish: bool = True, slots: int = 1) -> Team:
    uc.create_rotation(
        session,
        team_id=TEAM,
        actor=ADMIN,
        actor_name="Ada",
        now=NOW,
        name="support",
        timezone="Europe/Berlin",
        country="DE",
        subdivision="BE",
        slots_per_day=slots,
    )
    for n, user in enumerate(PEOPLE, start=1):
        uc.add_member(
            session,
            team_id=TEAM,
            rotation="support",
            actor=ADMIN,
            now=NOW,
            user=user,
            name=f"Person {n}",
            email=f"p{n}@example.com",
            joined=date(2026, 1, 1),
        )
    if publish:
        uc.publish_plan(
            session,
            team_id=TEAM,
            rotation="support",
            actor=ADMIN,
            now=NOW,
            start=Q1[0],
            end=Q1[1],
            expected_version=0,
        )
    return Team(session)


@pytest.fixture
def team(session: Session) -> Team:
    """Seven people (Ada the admin and six more) with the first quarter of 2027 published."""
    return build_team(session)
