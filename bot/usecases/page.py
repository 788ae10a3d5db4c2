"""The rotation page: its link (made like a feed link), and everything the page shows.

The link is HMAC-SHA256(secret key, scheme, workspace, rotation, revision) as unpadded
url-safe base64; only its SHA-256 is stored (storage.models.PageToken). Resetting bumps
the revision, and the old link answers 404 like any unknown path. The page shows the
current and the next quarter as weeks by working days, the fairness ledger now and at
the end of what is published, and each person's balance at the end of the last eight
quarters. Only published and done days are shown, never previews.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session

from bot.usecases import audit
from bot.usecases.access import SYSTEM, check_now, is_admin, load_rotation, local_today
from bot.usecases.errors import NotAllowed
from bot.usecases.feeds import rotation_feed_url
from bot.usecases.loading import plan_members, work_calendar, workday_numbers
from bot.usecases.tokens import is_token, same_token, token_hash
from bot.usecases.transaction import unit_of_work
from scheduling.model import Member as PlanMember
from scheduling.quarters import quarter_of
from scheduling.standing import balances_from_counts
from storage import page_queries, queries
from storage.models import PageToken, Rotation
from storage.page_queries import PageOwner

PAGE_PATH = "/rotations/{token}"
# Bumping this would change every page link at once, like a new secret key.
_SCHEME = "queueday-page-v1"
HISTORY_QUARTERS = 8


def page_token(secret: str, team_id: str, rotation: str, revision: int) -> str:
    """The link token of a rotation's page; fields joined with NUL, which none holds."""
    if not secret:
        raise ValueError("secret: must not be empty")
    if revision < 1:
        raise ValueError(f"revision: must be >= 1, got {revision}")
    for field in (team_id, rotation):
        if not field or "\0" in field:
            raise ValueError(f"page owner: bad name {field!r}")
    message = "\0".join((_SCHEME, team_id, rotation, str(revision)))
    digest = hmac.new(secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def page_url(base_url: str, token: str) -> str:
    """The page's link under QUEUEDAY_BASE_URL."""
    return base_url.rstrip("/") + PAGE_PATH.format(token=token)


@dataclass(frozen=True)
class PageLink:
    """A rotation page's link."""

    rotation: str
    url: str
    token: str
    revision: int


def page_link(
    session: Session,
    *,
    team_id: str,
    rotation: str,
    now: datetime,
    secret: str,
    base_url: str,
    actor: str = SYSTEM,
    reset: bool = False,
) -> PageLink:
    """The rotation's page link, made on first use and the same ever after; with
    `reset` (the rotation's admins only) a new one, and the old one answers 404.

    Also makes the rotation's calendar feed link, which the page shows.
    """
    check_now(now)
    if not reset:
        # After the first time the link is only read: no write lock, so
        # `/queueday schedule` never waits for a writer.
        session.expire_all()
        try:
            found = _current_link(session, team_id, rotation, now, secret, base_url)
        finally:
            session.rollback()
        if found is not None:
            return found
    with unit_of_work(session):
        row = load_rotation(session, team_id=team_id, name=rotation, for_update=True)
        assert row.id is not None
        if reset and not is_admin(session, row, actor):
            raise NotAllowed(f"Only an admin of {row.name} can reset its page link.")
        current = page_queries.active_page_token(session, rotation_id=row.id, for_update=True)
        if current is not None and reset:
            current.revoked_at = now
            session.add(current)
            session.flush()
        if current is None or reset:
            revision = page_queries.last_page_revision(session, rotation_id=row.id) + 1
            token = page_token(secret, team_id, row.name, revision)
            added = PageToken(
                rotation_id=row.id, revision=revision, token_hash=token_hash(token), created_at=now
            )
            session.add(added)
            session.flush()
            audit.record(
                session,
                rotation=row,
                actor=actor,
                action="page.reset" if reset else "page.create",
                subject=f"page_token:{added.id}",
                before={"revision": current.revision} if current is not None else None,
                after={"revision": revision},
                now=now,
            )
        else:
            revision = current.revision
            token = page_token(secret, team_id, row.name, revision)
            if current.token_hash != token_hash(token):
                # The secret key changed: re-key at the same revision, old links stop.
                current.token_hash = token_hash(token)
                session.add(current)
        rotation_feed_url(
            session, rotation=row, team_id=team_id, secret=secret, base_url=base_url, now=now
        )
    return PageLink(
        rotation=row.name, url=page_url(base_url, token), token=token, revision=revision
    )


def _current_link(
    session: Session, team_id: str, rotation: str, now: datetime, secret: str, base_url: str
) -> PageLink | None:
    """The link as it is, or None when it (or the rotation's feed link) must be made."""
    row = load_rotation(session, team_id=team_id, name=rotation)
    assert row.id is not None
    current = page_queries.active_page_token(session, rotation_id=row.id)
    if current is None:
        return None
    token = page_token(secret, team_id, row.name, current.revision)
    if current.token_hash != token_hash(token):
        return None
    feed = rotation_feed_url(
        session,
        rotation=row,
        team_id=team_id,
        secret=secret,
        base_url=base_url,
        now=now,
        write=False,
    )
    if feed is None:
        return None
    return PageLink(
        rotation=row.name, url=page_url(base_url, token), token=token, revision=current.revision
    )


def open_page(session: Session, *, token: str, secret: str) -> PageOwner | None:
    """The rotation a page token names, or None: not a token, unknown, revoked, or made
    with another secret key. Callers answer every None alike (404)."""
    if not is_token(token):
        return None
    owner = page_queries.page_owner(session, token_hash=token_hash(token))
    if owner is None or owner.token.revoked_at is not None:
        return None
    expected = page_token(secret, owner.team_id, owner.rotation.name, owner.token.revision)
    if not same_token(expected, token):
        return None
    return owner


@dataclass(frozen=True)
class Cell:
    """One working-day column of one week."""

    day: date
    people: tuple[str, ...]  # display names, by name
    closed: str | None  # the holiday's or closed day's name
    open_slots: int  # a published working day short of people
    away: tuple[str, ...]  # people on the team who are off that day
    today: bool
    published: bool  # inside a published period


@dataclass(frozen=True)
class QuarterGrid:
    """One quarter as weeks (rows) by working days (columns); None outside it."""

    label: str
    start: date
    end: date
    weeks: tuple[tuple[Cell | None, ...], ...]
    published: bool

    def cells(self) -> list[Cell]:
        return [cell for week in self.weeks for cell in week if cell is not None]


@dataclass(frozen=True)
class PersonLine:
    """One person's row of the table and bar of the fairness chart."""

    user: str
    name: str
    weight: float
    on_team: bool
    done: int
    planned: int  # published days after today
    away_days: int  # working days off in the quarters shown
    balance: float  # today
    projected: float  # at the end of what is published


@dataclass(frozen=True)
class RotationPage:
    """Everything the rotation page shows."""

    rotation: str
    timezone: str
    today: date
    horizon: date
    slots_per_day: int
    weekdays: tuple[int, ...]  # the grid's columns, Monday = 0
    quarters: tuple[QuarterGrid, ...]
    people: tuple[PersonLine, ...]
    history_labels: tuple[str, ...]
    history: tuple[tuple[str, tuple[float | None, ...]], ...]  # name, balance per quarter
    feed_url: str | None


def quarter_label(start: date, end: date) -> str:
    """ "Jan–Mar 2027" (quarters need not start in January)."""
    if start.year == end.year:
        return f"{start:%b}–{end:%b %Y}"
    return f"{start:%b %Y}–{end:%b %Y}"


def rotation_page(
    session: Session, owner: PageOwner, *, now: datetime, secret: str, base_url: str
) -> RotationPage:
    """The page's data for the rotation of an opened link, as of `now` (reads only)."""
    check_now(now)
    row = owner.rotation
    assert row.id is not None
    today = local_today(row, now)
    members = plan_members(session, row)
    quarters = (
        quarter_of(today, row.quarter_start_month),
        quarter_of(today, row.quarter_start_month, 1),
    )
    # The ledger from sums the database makes; rows only for the two quarters shown.
    per_day = page_queries.live_day_counts(session, rotation_id=row.id)
    horizon = max((day for day in per_day if day > today), default=today)
    ends = _history_ends(min(per_day, default=None), today, row.quarter_start_month)
    points = [today, horizon, *(end for _, end in ends)]
    done = page_queries.live_days_up_to(session, rotation_id=row.id, ends=points)
    at_today, at_horizon, *at_ends = balances_from_counts(members, per_day, done, points)
    entries = queries.live_entries(
        session, rotation_id=row.id, first=quarters[0][0], last=quarters[1][1]
    )
    names = {m.id: m.name for m in members}
    by_day: dict[date, list[str]] = defaultdict(list)
    for day, user in entries:
        by_day[day].append(names.get(user, user))
    grids = tuple(
        _grid(session, row, members, by_day, start, end, today) for start, end in quarters
    )
    shown = {cell.day for grid in grids for cell in grid.cells()}
    people = _people(members, done, shown, today, at_today, at_horizon)
    labels, history = _history(members, today, ends, at_ends)
    feed = rotation_feed_url(
        session,
        rotation=row,
        team_id=owner.team_id,
        secret=secret,
        base_url=base_url,
        now=now,
        write=False,
    )
    session.rollback()  # read only: end the transaction the reads opened
    return RotationPage(
        rotation=row.name,
        timezone=row.timezone,
        today=today,
        horizon=horizon,
        slots_per_day=row.slots_per_day,
        weekdays=workday_numbers(row.workdays),
        quarters=grids,
        people=people,
        history_labels=labels,
        history=history,
        feed_url=feed,
    )


def _grid(
    session: Session,
    row: Rotation,
    members: tuple[PlanMember, ...],
    by_day: dict[date, list[str]],
    start: date,
    end: date,
    today: date,
) -> QuarterGrid:
    assert row.id is not None
    calendar = work_calendar(session, row)
    notes = {c.day: c.note for c in queries.closed_days_of(session, rotation_id=row.id)}
    periods = queries.published_periods(session, rotation_id=row.id)
    away: dict[date, list[str]] = defaultdict(list)
    for member in members:
        for first, last in member.unavailable:
            day = max(first, start)
            while day <= min(last, end):
                if member.on_team(day):
                    away[day].append(member.name)
                day += timedelta(days=1)
    columns = workday_numbers(row.workdays)
    weeks: list[tuple[Cell | None, ...]] = []
    monday = start - timedelta(days=start.weekday())
    while monday <= end:
        week: list[Cell | None] = []
        for weekday in columns:
            day = monday + timedelta(days=weekday)
            if not start <= day <= end:
                week.append(None)
                continue
            closed = None
            if calendar.public is not None and day in calendar.public:
                closed = str(calendar.public.get(day))
            elif day in notes:
                closed = notes[day] or "Closed"
            published = any(first <= day <= last for first, last in periods)
            people = tuple(sorted(by_day.get(day, ())))
            short = row.slots_per_day - len(people) if published and closed is None else 0
            week.append(
                Cell(
                    day=day,
                    people=people,
                    closed=closed,
                    open_slots=max(short, 0),
                    away=tuple(sorted(away.get(day, ()))),
                    today=day == today,
                    published=published,
                )
            )
        weeks.append(tuple(week))
        monday += timedelta(days=7)
    published = any(cell is not None and cell.people for week in weeks for cell in week)
    return QuarterGrid(quarter_label(start, end), start, end, tuple(weeks), published)


def _people(
    members: tuple[PlanMember, ...],
    done: dict[str, tuple[int, ...]],
    shown: set[date],
    today: date,
    now_balances: dict[str, float],
    end_balances: dict[str, float],
) -> tuple[PersonLine, ...]:
    """The ledger now and at the horizon (as ledger_of computes it), with time off.

    `done` holds each person's days up to today and up to the horizon, in that order.
    """
    lines = []
    for m in members:
        off = sum(1 for first, last in m.unavailable for d in shown if first <= d <= last)
        up_to_today, up_to_horizon = done.get(m.id, (0, 0))[:2]
        lines.append(
            PersonLine(
                user=m.id,
                name=m.name,
                weight=float(m.weight),
                on_team=m.on_team(today),
                done=up_to_today,
                planned=up_to_horizon - up_to_today,
                away_days=off,
                balance=now_balances[m.id],
                projected=end_balances[m.id],
            )
        )
    lines.sort(key=lambda p: (not p.on_team, p.name.casefold(), p.user))
    return tuple(lines)


def _history_ends(first_day: date | None, today: date, start_month: int) -> list[tuple[str, date]]:
    """The last eight quarters (the current one up to today) as (label, last day), from
    the first quarter with any recorded day (`first_day`)."""
    if first_day is None:
        return []
    ends: list[tuple[str, date]] = []
    for offset in range(1 - HISTORY_QUARTERS, 1):
        start, end = quarter_of(today, start_month, offset)
        if end < first_day:
            continue
        ends.append((quarter_label(start, end), min(end, today)))
    return ends


def _history(
    members: tuple[PlanMember, ...],
    today: date,
    ends: list[tuple[str, date]],
    at: list[dict[str, float]],
) -> tuple[tuple[str, ...], tuple[tuple[str, tuple[float | None, ...]], ...]]:
    """Each person's balance at the end of each of the quarters `ends`."""
    if not ends:
        return (), ()
    series: dict[str, list[float | None]] = {m.id: [] for m in members}
    for (_, end), balances in zip(ends, at, strict=True):
        for m in members:
            joined = m.joined is None or m.joined <= end
            series[m.id].append(balances[m.id] if joined else None)
    return (
        tuple(label for label, _ in ends),
        tuple((m.name, tuple(series[m.id])) for m in members if m.on_team(today)),
    )
