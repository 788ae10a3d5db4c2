"""Reading the queue: who is on a day, a quarter's schedule, one person's days and balance.

Read-only use cases: they load, compute and end the read transaction; nothing is written.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction

from sqlmodel import Session

from bot.usecases.access import check_now, load_rotation, load_workspace, local_today
from bot.usecases.channel_queue import default_handle, handle_of
from bot.usecases.errors import NotFound
from bot.usecases.loading import work_calendar
from bot.usecases.reports import ledger_of
from scheduling.quarters import quarter_of
from storage import queries
from storage.models import RequestState, Role, Rotation, SwapRequest

Person = tuple[str, str]  # (Slack user id, display name)
FORTNIGHT = 14


@dataclass(frozen=True)
class QueueDay:
    """One day of a rotation: who is on it, or why nobody is."""

    day: date
    people: tuple[Person, ...]
    closed: str | None = None  # why it is not a working day ("a public holiday (…)")
    handle: str | None = None  # the user group QueueDay keeps in step, when it does


@dataclass(frozen=True)
class Schedule:
    """The published days of one period of a rotation."""

    rotation: str
    start: date
    end: date
    today: date
    days: tuple[QueueDay, ...]  # working days and days with someone on, in order
    published_version: int

    @property
    def published(self) -> bool:
        """True if anyone is on any day of the period."""
        return any(day.people for day in self.days)


@dataclass(frozen=True)
class MyRotation:
    """One person's standing in one rotation."""

    rotation: str
    timezone: str
    today: date
    role: str
    next_days: tuple[date, ...]
    done: int
    upcoming: int
    balance: Fraction  # today
    projected: Fraction  # at the end of what is published
    away: tuple[tuple[date, date, str], ...]  # upcoming time off: first, last, reason
    requests: tuple[int, ...]  # open swap/cover requests asking this person (in their DMs)
    open_covers: tuple[int, ...] = ()  # open cover requests to anyone (in the channel)


@dataclass(frozen=True)
class MyOverview:
    """Everything about one person across the workspace's rotations."""

    user: str
    rotations: tuple[MyRotation, ...]


@dataclass(frozen=True)
class HomeOverview:
    """The App Home of one person: their standing and each rotation's next two weeks."""

    me: MyOverview
    fortnights: tuple[Schedule, ...]
    admin_of: tuple[str, ...]


@dataclass(frozen=True)
class AwayEntry:
    """Booked time off, in one rotation."""

    rotation: str
    id: int
    first_day: date
    last_day: date
    note: str


def who_is_on(session: Session, *, team_id: str, rotation: str, day: date) -> QueueDay:
    """Who is on the queue of a rotation on `day` (read only).

    One query when someone is on (the day's people with their rotation's group); the
    rotation and its calendar are only read to say why nobody is. `/queueday who`
    answers in the ack, so this stays lean.
    """
    on = queries.on_duty_by_name(session, team_id=team_id, name=rotation, day=day)
    if on:
        first = on[0]
        grouped = first.queue_group and first.channel
        session.rollback()
        return QueueDay(
            day,
            tuple((p.user, p.name) for p in on),
            None,
            (first.queue_handle or default_handle(rotation)) if grouped else None,
        )
    row = queries.rotation_of_team(session, team_id=team_id, name=rotation)
    if row is None or row.id is None:
        raise NotFound(f"There is no rotation called {rotation!r}.")
    people = tuple(queries.on_duty(session, rotation_id=row.id, day=day))
    closed = None if people else work_calendar(session, row).non_working_reason(day)
    handle = handle_of(row) if row.queue_group and row.channel else None
    session.rollback()
    return QueueDay(day, people, closed, handle)


def quarter_schedule(
    session: Session, *, team_id: str, rotation: str, now: datetime, offset: int = 0
) -> Schedule:
    """The days of the rotation's current quarter (`offset` 0) or the next (1)."""
    check_now(now)
    row = load_rotation(session, team_id=team_id, name=rotation)
    today = local_today(row, now)
    start, end = quarter_of(today, row.quarter_start_month, offset)
    result = _schedule(session, row, start=start, end=end, today=today)
    session.rollback()
    return result


def _schedule(session: Session, row: Rotation, *, start: date, end: date, today: date) -> Schedule:
    assert row.id is not None
    by_day: dict[date, list[Person]] = defaultdict(list)
    for day, user, name in queries.live_days_with_names(
        session, rotation_id=row.id, first=start, last=end
    ):
        by_day[day].append((user, name))
    calendar = work_calendar(session, row)
    days = []
    for n in range((end - start).days + 1):
        day = start + timedelta(days=n)
        closed = calendar.non_working_reason(day)
        if closed is None or by_day.get(day):
            days.append(QueueDay(day, tuple(by_day.get(day, ())), closed))
    return Schedule(row.name, start, end, today, tuple(days), row.published_version)


def my_overview(
    session: Session, *, team_id: str, user: str, now: datetime, limit: int = 10
) -> MyOverview:
    """A person's next days, balance, time off and waiting requests in every rotation."""
    check_now(now)
    result = _mine(session, team_id=team_id, user=user, now=now, limit=limit)
    session.rollback()
    return result


def _mine(session: Session, *, team_id: str, user: str, now: datetime, limit: int) -> MyOverview:
    workspace = queries.workspace_by_team(session, team_id=team_id)
    if workspace is None or workspace.id is None:
        return MyOverview(user, ())  # no rotation in the workspace yet
    found = []
    for rotation, member in queries.memberships_of_user(
        session, workspace_id=workspace.id, user_id=user
    ):
        assert rotation.id is not None and member.id is not None
        today = local_today(rotation, now)
        if member.left is not None and member.left < today:
            continue
        report = ledger_of(session, rotation, today=today)
        mine = next(m for m in report.members if m.user == user)
        next_days = [
            a.day
            for a in queries.assignments_of(session, rotation_id=rotation.id, first=today)
            if a.member_id == member.id
        ]
        away = tuple(
            (b.first_day, b.last_day, b.note)
            for b in queries.time_off_of(session, rotation_id=rotation.id, member_id=member.id)
            if b.last_day >= today
        )
        asked, open_to_all = _waiting_for(session, rotation.id, member.id)
        found.append(
            MyRotation(
                rotation=rotation.name,
                timezone=rotation.timezone,
                today=today,
                role=member.role,
                next_days=tuple(next_days[:limit]),
                done=mine.done,
                upcoming=mine.upcoming,
                balance=mine.balance,
                projected=mine.projected,
                away=away,
                requests=asked,
                open_covers=open_to_all,
            )
        )
    return MyOverview(user, tuple(found))


def _waiting_for(
    session: Session, rotation_id: int, member_id: int
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Open requests other than the member's own: those asking them (sent to their DMs),
    and covers asked of anyone (posted in the channel, not in anyone's DMs)."""
    requests: list[SwapRequest] = queries.open_requests_of_rotation(
        session, rotation_id=rotation_id
    )
    waiting = [
        r
        for r in requests
        if r.id is not None and r.state == RequestState.OPEN and r.requester_id != member_id
    ]
    asked = tuple(r.id for r in waiting if r.id is not None and r.counterpart_id == member_id)
    to_all = tuple(r.id for r in waiting if r.id is not None and r.counterpart_id is None)
    return asked, to_all


def home_overview(
    session: Session, *, team_id: str, user: str, now: datetime, days: int = FORTNIGHT
) -> HomeOverview:
    """The App Home of a person: their standing and the next `days` of each rotation."""
    check_now(now)
    me = _mine(session, team_id=team_id, user=user, now=now, limit=10)
    fortnights = []
    admin_of = []
    for mine in me.rotations:
        row = load_rotation(session, team_id=team_id, name=mine.rotation)
        end = mine.today + timedelta(days=days - 1)
        fortnights.append(_schedule(session, row, start=mine.today, end=end, today=mine.today))
        if mine.role == Role.ADMIN:
            admin_of.append(mine.rotation)
    session.rollback()
    return HomeOverview(me, tuple(fortnights), tuple(admin_of))


def time_off_list(
    session: Session, *, team_id: str, user: str, now: datetime
) -> tuple[AwayEntry, ...]:
    """A person's time off that has not ended, in every rotation, by first day."""
    check_now(now)
    workspace = load_workspace(session, team_id=team_id)
    assert workspace.id is not None
    # The earliest "today" of any timezone: a block ending today anywhere is still shown.
    earliest = (now - timedelta(days=1)).date()
    entries = []
    for name, block in queries.time_off_of_user(
        session, workspace_id=workspace.id, user_id=user, ending_on_or_after=earliest
    ):
        assert block.id is not None
        entries.append(AwayEntry(name, block.id, block.first_day, block.last_day, block.note))
    session.rollback()
    return tuple(entries)


def workspace_people(session: Session, *, team_id: str) -> dict[str, tuple[str, str | None]]:
    """Everyone in any rotation of the workspace: user id -> (name, timezone)."""
    workspace = queries.workspace_by_team(session, team_id=team_id)
    people: dict[str, tuple[str, str | None]] = {}
    if workspace is not None and workspace.id is not None:
        for rotation in queries.rotations_of(session, workspace_id=workspace.id):
            assert rotation.id is not None
            for member in queries.members_of(session, rotation_id=rotation.id):
                people.setdefault(member.user_id, (member.display_name, member.timezone))
    session.rollback()
    return people
