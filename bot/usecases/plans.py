"""Planning a period (a preview) and publishing it (a new plan version)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction

from dateutil.relativedelta import relativedelta
from sqlmodel import Session

from bot.usecases import audit, outbox
from bot.usecases.access import check_now, load_rotation, local_today, require_admin
from bot.usecases.days import close_requests_touching, place, release
from bot.usecases.errors import Conflict, InvalidInput, PastDate
from bot.usecases.loading import planning_input
from bot.usecases.transaction import unit_of_work
from scheduling.model import DayEntry, RuleWarning, Unfilled
from scheduling.planner import make_plan
from storage import queries
from storage.models import Assignment, AssignmentState, Origin, PlanVersion, Rotation

LONGEST_PERIOD_DAYS = 400
# How far ahead a plan may reach: what is published bounds every later re-plan and how
# far ahead time off can be booked (days.booking_limit), so it stays near today.
PLAN_REACH_YEARS = 2


@dataclass(frozen=True)
class PlanPreview:
    """A plan of a period as it would be published, and how it differs from what is."""

    rotation: str
    start: date  # the first day planned: the period's start, or today if that is later
    end: date
    based_on_version: int  # pass to publish_plan as expected_version
    assignments: tuple[DayEntry, ...]
    unfilled: tuple[Unfilled, ...]
    balances: dict[str, Fraction]
    added: tuple[DayEntry, ...]
    removed: tuple[DayEntry, ...]
    # Where min_gap_days or stint_days could not be kept for someone (time off, churn).
    warnings: tuple[RuleWarning, ...] = ()


@dataclass(frozen=True)
class PublishResult:
    """A published plan version."""

    rotation: str
    version: int
    start: date
    end: date
    assignments: tuple[DayEntry, ...]
    unfilled: tuple[Unfilled, ...]
    added: tuple[DayEntry, ...]
    removed: tuple[DayEntry, ...]
    warnings: tuple[RuleWarning, ...] = ()


def _compute(
    session: Session, rotation: Rotation, *, start: date, end: date, today: date
) -> tuple[PlanPreview, list[Assignment], dict[int, str]]:
    """The plan of [max(start, today), end] against the live days in it.

    Kept as they are (`fixed`): days already done and days people arranged themselves
    (swaps, covers, manual entries). Kept where still valid (`previous`): the rest of
    what is published. Days before today are history, never re-planned.
    """
    assert rotation.id is not None
    if end < start:
        raise InvalidInput(f"The end {end.isoformat()} is before the start {start.isoformat()}.")
    if end < today:
        raise PastDate(f"The period ends on {end.isoformat()}, before today ({today.isoformat()}).")
    if (end - start).days > LONGEST_PERIOD_DAYS:
        raise InvalidInput("Plan at most about a year at a time.")
    reach = today + relativedelta(years=PLAN_REACH_YEARS)
    if end > reach:
        raise InvalidInput(
            f"Plans reach at most {PLAN_REACH_YEARS} years ahead, to {reach.isoformat()} "
            f"(this one ends on {end.isoformat()})."
        )
    first = max(start, today)
    users = {m.id or 0: m.user_id for m in queries.members_of(session, rotation_id=rotation.id)}
    live = queries.assignments_of(session, rotation_id=rotation.id, first=first, last=end)
    fixed = [
        DayEntry(a.day, users[a.member_id])
        for a in live
        if a.state == AssignmentState.DONE or a.origin != Origin.PLAN
    ]
    previous = [DayEntry(a.day, users[a.member_id]) for a in live if a.origin == Origin.PLAN]
    plan = make_plan(
        planning_input(session, rotation, start=first, end=end, fixed=fixed, previous=previous)
    )
    current = {DayEntry(a.day, users[a.member_id]) for a in live}
    planned = set(plan.assignments)
    preview = PlanPreview(
        rotation=rotation.name,
        start=first,
        end=end,
        based_on_version=rotation.published_version,
        assignments=plan.assignments,
        unfilled=plan.unfilled,
        balances=plan.balances,
        added=tuple(sorted(planned - current)),
        removed=tuple(sorted(current - planned)),
        warnings=plan.warnings,
    )
    return preview, live, users


def plan_period(
    session: Session,
    *,
    team_id: str,
    rotation: str,
    actor: str,
    now: datetime,
    start: date,
    end: date,
) -> PlanPreview:
    """Plan a period without publishing it (admins only); nothing is written."""
    check_now(now)
    row = load_rotation(session, team_id=team_id, name=rotation)
    require_admin(session, row, actor, "plan")
    preview, _, _ = _compute(session, row, start=start, end=end, today=local_today(row, now))
    session.rollback()  # a read-only use case: release what the reads held
    return preview


def publish_plan(
    session: Session,
    *,
    team_id: str,
    rotation: str,
    actor: str,
    now: datetime,
    start: date,
    end: date,
    expected_version: int | None,
) -> PublishResult:
    """Publish the plan of a period (admins only) as the rotation's next version.

    `expected_version` is the `based_on_version` of the preview the admin saw: if anyone
    published in between, this refuses rather than overwrite their plan unseen. None
    publishes without a preview (`/queueday publish`): whatever the plan is now. The
    rotation row is locked first, so of two concurrent publishes exactly one wins.
    Changed days get a new revision; removed days are cancelled, not deleted.
    """
    check_now(now)
    with unit_of_work(session):
        row = load_rotation(session, team_id=team_id, name=rotation, for_update=True)
        require_admin(session, row, actor, "publish")
        assert row.id is not None
        if expected_version is None:
            expected_version = row.published_version
        elif row.published_version != expected_version:
            raise Conflict(
                f"{row.name} was published meanwhile (now version {row.published_version}, "
                f"you previewed version {expected_version}); preview again."
            )
        preview, live, users = _compute(
            session, row, start=start, end=end, today=local_today(row, now)
        )
        removed = set(preview.removed)
        gone = [a for a in live if DayEntry(a.day, users[a.member_id]) in removed]
        for assignment in gone:
            release(session, assignment, now=now)
        close_requests_touching(
            session, [a.id for a in gone if a.id is not None], actor=actor, now=now
        )
        members = {m.user_id: m for m in queries.members_of(session, rotation_id=row.id)}
        for entry in preview.added:
            place(
                session,
                rotation=row,
                member=members[entry.member],
                day=entry.day,
                origin=Origin.PLAN,
                now=now,
            )
        row.published_version += 1
        row.updated_at = now
        session.add(row)

        def listed(entries: tuple[DayEntry, ...]) -> list[list[str]]:
            return [[e.day.isoformat(), e.member] for e in entries]

        version = PlanVersion(
            rotation_id=row.id,
            version=row.published_version,
            period_start=preview.start,
            period_end=end,
            published_by=actor,
            published_at=now,
            assignments=listed(preview.assignments),
            added=listed(preview.added),
            removed=listed(preview.removed),
        )
        session.add(version)
        session.flush()
        outbox.queue_published(  # "your days" DMs to everyone whose days this changed
            session,
            rotation=row,
            version=row.published_version,
            start=preview.start,
            end=end,
            users={e.member for e in preview.added + preview.removed},
            now=now,
        )
        audit.record(
            session,
            rotation=row,
            actor=actor,
            action="plan.publish",
            subject=f"plan_version:{version.id}",
            before={"version": expected_version},
            after={
                "version": row.published_version,
                "start": preview.start.isoformat(),
                "end": end.isoformat(),
                "added": listed(preview.added),
                "removed": listed(preview.removed),
            },
            now=now,
        )
        result = PublishResult(
            rotation=row.name,
            version=row.published_version,
            start=preview.start,
            end=end,
            assignments=preview.assignments,
            unfilled=preview.unfilled,
            added=preview.added,
            removed=preview.removed,
            warnings=preview.warnings,
        )
    return result
