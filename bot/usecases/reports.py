"""Marking days done, and the fairness report: who did how much against their share."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction

from sqlmodel import Session

from bot.usecases import audit
from bot.usecases.access import (
    check_now,
    load_rotation,
    local_today,
    require_admin,
)
from bot.usecases.errors import InvalidInput
from bot.usecases.loading import to_plan_member
from bot.usecases.transaction import unit_of_work
from scheduling.ledger import build_ledger
from scheduling.quarters import quarter_of
from storage import queries
from storage.models import AssignmentState, Rotation


def mark_days_done(
    session: Session,
    *,
    team_id: str,
    rotation: str,
    actor: str,
    now: datetime,
    through: date | None = None,
) -> int:
    """Mark published days up to `through` (default today) as done; returns how many.

    Admins, or QueueDay's worker at the end of each day. A future day can't be done.
    """
    check_now(now)
    with unit_of_work(session):
        row = load_rotation(session, team_id=team_id, name=rotation, for_update=True)
        require_admin(session, row, actor, "mark days done")
        assert row.id is not None
        today = local_today(row, now)
        last = through if through is not None else today
        if last > today:
            raise InvalidInput(
                f"{last.isoformat()} has not happened yet (today is {today.isoformat()})."
            )
        rows = queries.assignments_of(
            session, rotation_id=row.id, last=last, states=(AssignmentState.PUBLISHED,)
        )
        for assignment in rows:
            assignment.state = AssignmentState.DONE
            assignment.revision += 1
            assignment.updated_at = now
            session.add(assignment)
        if rows:
            audit.record(
                session,
                rotation=row,
                actor=actor,
                action="days.done",
                subject=f"rotation:{row.id}",
                after={"through": last.isoformat(), "assignments": [a.id for a in rows]},
                now=now,
            )
    return len(rows)


@dataclass(frozen=True)
class MemberBalance:
    """One person's standing: days done and planned against their fair share."""

    user: str
    name: str
    on_team: bool
    done: int  # days served up to today
    upcoming: int  # published days after today
    share: Fraction  # fair share of the days up to today
    balance: Fraction  # done - share: +1 is one day more than fair
    projected: Fraction  # the balance at the end of the published plan
    this_quarter: int = 0  # days done and published in the current quarter


@dataclass(frozen=True)
class FairnessReport:
    """The ledger of a rotation as of today."""

    rotation: str
    today: date
    horizon: date  # the last published day (today if none is ahead)
    members: tuple[MemberBalance, ...]
    quarter: tuple[date, date] | None = None  # the current quarter's first and last day

    @property
    def max_abs_balance(self) -> Fraction:
        """The largest |balance| among the people on the team today."""
        return max((abs(m.balance) for m in self.members if m.on_team), default=Fraction(0))

    @property
    def max_abs_projected(self) -> Fraction:
        """The largest |projected balance| among the people on the team today."""
        return max((abs(m.projected) for m in self.members if m.on_team), default=Fraction(0))


def fairness_report(
    session: Session, *, team_id: str, rotation: str, now: datetime
) -> FairnessReport:
    """Every member's balance today and at the end of what is published (read only).

    Shares come from scheduling.ledger, over every recorded day: a covered day counts
    for the person who covered it, which later plans pay back.
    """
    check_now(now)
    row = load_rotation(session, team_id=team_id, name=rotation)
    report = ledger_of(session, row, today=local_today(row, now))
    session.rollback()  # read only: end the transaction the reads opened
    return report


def ledger_of(session: Session, row: Rotation, *, today: date) -> FairnessReport:
    """The fairness report of a loaded rotation as of `today` (reads only)."""
    assert row.id is not None
    members = queries.members_of(session, rotation_id=row.id)
    plan_members = [to_plan_member(m) for m in members]
    entries = queries.live_entries(session, rotation_id=row.id)
    first, last = quarter_of(today, row.quarter_start_month)
    past = [(day, user) for day, user in entries if day <= today]
    ahead = [(day, user) for day, user in entries if day > today]
    horizon = max((day for day, _ in ahead), default=today)
    past_days: Counter[date] = Counter(day for day, _ in past)
    all_days: Counter[date] = Counter(day for day, _ in entries)
    done = Counter(user for _, user in past)
    upcoming = Counter(user for _, user in ahead)
    quarter = Counter(user for day, user in entries if first <= day <= last)
    ledger = build_ledger(plan_members, past_days, done, today)
    projected = build_ledger(plan_members, all_days, done, horizon)
    rows = tuple(
        MemberBalance(
            user=m.id,
            name=m.name,
            on_team=m.on_team(today),
            done=done[m.id],
            upcoming=upcoming[m.id],
            share=ledger.share(m.id),
            balance=ledger.balance(m.id),
            projected=projected.balance(m.id, upcoming[m.id]),
            this_quarter=quarter[m.id],
        )
        for m in plan_members
    )
    return FairnessReport(
        rotation=row.name, today=today, horizon=horizon, members=rows, quarter=(first, last)
    )
