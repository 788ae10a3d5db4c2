"""The one place database rows become the planner's Rotation."""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date
from fractions import Fraction

from sqlmodel import Session

from scheduling.calendar import WorkCalendar
from scheduling.model import WEEKDAY_NAMES, DayEntry
from scheduling.model import Member as PlanMember
from scheduling.model import Rotation as PlanRotation
from storage import queries
from storage.models import Member, Rotation


def workday_numbers(workdays: str) -> tuple[int, ...]:
    """ "MO TU WE" -> (0, 1, 2)."""
    return tuple(sorted({WEEKDAY_NAMES.index(name) for name in workdays.split()}))


@functools.lru_cache(maxsize=1024)
def weight_fraction(weight: float) -> Fraction:
    """The weight exactly as written in decimal: 0.6 is 3/5, not the nearest binary float.

    Kept per value: a team has a handful of weights, and parsing one takes longer than
    the rest of turning a member row into the core's Member."""
    return Fraction(repr(weight))


def plan_members(session: Session, rotation: Rotation) -> tuple[PlanMember, ...]:
    """Everyone ever in the rotation, with their time off as unavailable ranges."""
    assert rotation.id is not None
    away: dict[int, list[tuple[date, date]]] = defaultdict(list)
    for member_id, first, last in queries.time_off_spans_of(session, rotation_id=rotation.id):
        away[member_id].append((first, last))
    # Columns, not rows: a 1,000-person rotation's ORM rows were most of this.
    return tuple(
        PlanMember(
            id=user,
            name=name,
            joined=joined,
            left=left,
            weight=weight_fraction(weight),
            unavailable=tuple(sorted(away.get(member_id, ()))),
        )
        for member_id, user, name, joined, left, weight in queries.member_fields_of(
            session, rotation_id=rotation.id
        )
    )


def to_plan_member(member: Member, away: Iterable[tuple[date, date]] = ()) -> PlanMember:
    """A member row as the core's Member."""
    return PlanMember(
        id=member.user_id,
        name=member.display_name,
        joined=member.joined,
        left=member.left,
        weight=weight_fraction(member.weight),
        unavailable=tuple(sorted(away)),
    )


def work_calendar(session: Session, rotation: Rotation) -> WorkCalendar:
    """The rotation's working days: weekdays, public holidays, closed days."""
    assert rotation.id is not None
    closed = frozenset(row.day for row in queries.closed_days_of(session, rotation_id=rotation.id))
    return _calendar(rotation.workdays, rotation.country, rotation.subdivision, closed)


@functools.lru_cache(maxsize=256)
def _calendar(
    workdays: str, country: str | None, subdivision: str | None, closed: frozenset[date]
) -> WorkCalendar:
    """Calendars are kept per settings: building one's public holidays takes about 1 ms,
    more than answering `/queueday who` itself."""
    return WorkCalendar(workday_numbers(workdays), country, subdivision, closed)


def planning_input(
    session: Session,
    rotation: Rotation,
    *,
    start: date,
    end: date,
    fixed: Iterable[DayEntry] = (),
    previous: Iterable[DayEntry] | None = None,
) -> PlanRotation:
    """The planner's view of one period: members, calendar, history before `start`.

    `fixed` entries that can no longer be kept (a day that stopped being a working day,
    someone away or gone, more people than slots) are left out rather than handed to the
    planner, which trusts its input: the caller sees them as removed from the plan.
    """
    assert rotation.id is not None
    members = plan_members(session, rotation)
    calendar = work_calendar(session, rotation)
    by_id = {member.id: member for member in members}
    kept: list[DayEntry] = []
    per_day: Counter[date] = Counter()
    for entry in sorted(set(fixed)):
        member = by_id.get(entry.member)
        if (
            member is None
            or not start <= entry.day <= end
            or not calendar.is_working(entry.day)
            or not member.available(entry.day)
            or per_day[entry.day] >= rotation.slots_per_day
        ):
            continue
        per_day[entry.day] += 1
        kept.append(entry)
    history = tuple(
        DayEntry(day, user)
        for day, user in queries.live_entries(
            session, rotation_id=rotation.id, last=date.fromordinal(start.toordinal() - 1)
        )
    )
    return PlanRotation(
        start=start,
        end=end,
        members=members,
        workdays=workday_numbers(rotation.workdays),
        country=rotation.country,
        subdivision=rotation.subdivision,
        closed=frozenset(calendar.closed),
        slots_per_day=rotation.slots_per_day,
        timezone=rotation.timezone,
        history=tuple(sorted(set(history))),
        fixed=tuple(kept),
        previous=None if previous is None else tuple(sorted(set(previous))),
        min_gap_days=rotation.min_gap_days,
        stint_days=rotation.stint_days,
    )
