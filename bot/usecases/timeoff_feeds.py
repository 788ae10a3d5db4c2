"""Time-off calendars: the iCalendar feeds a rotation takes absences from, and syncing them.

A sync books each absence exactly as `/queueday away` does (`time_off._book`: the
person's published days in it are re-planned with the fewest moves, shares unchanged)
and cancels the blocks of absences that left the feed (`time_off._cancel`). Each block
a feed creates carries the feed and the event's key, so only that block is ever moved
or removed; time off booked by hand is never touched. The fetch happens outside any
transaction; each feed's changes are one transaction with the rotation locked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.usecases import audit
from bot.usecases.access import (
    SYSTEM,
    check_now,
    load_rotation,
    load_workspace,
    local_today,
    require_admin,
)
from bot.usecases.days import booking_limit, replan_days
from bot.usecases.errors import Conflict, InvalidInput, NotFound, UseCaseError
from bot.usecases.sealing import SealError, is_sealed, seal, unseal
from bot.usecases.time_off import (
    LONGEST_BOOKING_DAYS,
    Preloaded,
    TimeOffResult,
    _book_block,
    _cancel,
    _cancel_block,
)
from bot.usecases.timeoff_fetch import Fetched, FetchError, check_url, url_hint
from bot.usecases.timeoff_ical import Absence, FeedFormatError, Matcher, Person, read_absences
from bot.usecases.transaction import unit_of_work
from scheduling.model import DayEntry
from storage import queries, timeoff_queries
from storage.models import Member, Role, Rotation, TimeOff, TimeOffFeed

MAX_FEEDS_PER_ROTATION = 20
MAX_LISTED = 20  # unmatched or skipped events named in a report; the rest are counted

# (url, etag, last_modified) -> what the server answered; raises FetchError.
Fetcher = Callable[[str, str | None, str | None], Fetched]


@dataclass(frozen=True)
class FeedInfo:
    """A feed as it may be shown: its hint, never the URL."""

    id: int
    rotation: str
    hint: str
    synced_at: datetime | None
    last_error: str | None
    unmatched: int
    blocks: int


@dataclass(frozen=True)
class SyncReport:
    """What one feed's sync did."""

    feed_id: int
    rotation: str
    hint: str
    outcome: str  # "updated", "unchanged" (304 or same absences), "failed", "gone"
    booked: tuple[TimeOffResult, ...] = ()
    removed: tuple[TimeOffResult, ...] = ()
    unmatched: tuple[str, ...] = ()  # summaries of events that matched nobody
    unmatched_count: int = 0
    skipped: tuple[str, ...] = ()  # absences matched but not booked, and why
    error: str | None = None
    tell_admins: tuple[str, ...] = field(default=())  # set once, when a failure is new
    owner: str | None = None  # a personal calendar's owner (rotation is then "")

    @property
    def handed_over(self) -> tuple[TimeOffResult, ...]:
        return tuple(r for r in (*self.removed, *self.booked) if r.replacements)


def _info(session: Session, rotation: Rotation, feed: TimeOffFeed) -> FeedInfo:
    assert feed.id is not None
    blocks = timeoff_queries.time_off_from_feed(session, feed_id=feed.id)
    return FeedInfo(
        id=feed.id,
        rotation=rotation.name,
        hint=feed.hint,
        synced_at=feed.synced_at,
        last_error=feed.last_error,
        unmatched=feed.unmatched,
        blocks=len(blocks),
    )


def add_time_off_feed(
    session: Session,
    *,
    team_id: str,
    rotation: str,
    actor: str,
    now: datetime,
    url: str,
    allow_private: bool,
    secret: str | None = None,
) -> FeedInfo:
    """Subscribe a rotation to a feed of absences (admins only); nothing is fetched yet.

    The URL is stored sealed with `secret` (QUEUEDAY_SECRET_KEY; none: as it is).
    """
    check_now(now)
    url = url.strip()
    try:
        check_url(url, allow_private=allow_private)
    except ValueError as exc:
        raise InvalidInput(f"That calendar URL cannot be used: {exc}.") from None
    with unit_of_work(session):
        row = load_rotation(session, team_id=team_id, name=rotation, for_update=True)
        require_admin(session, row, actor, "add a time-off calendar")
        assert row.id is not None
        existing = timeoff_queries.feeds_of(session, rotation_ids=[row.id])
        if any(same_url(feed.url, url, secret) for feed in existing):
            raise Conflict(f"{row.name} already syncs that calendar.")
        if len(existing) >= MAX_FEEDS_PER_ROTATION:
            raise InvalidInput(
                f"{row.name} already has {MAX_FEEDS_PER_ROTATION} time-off calendars; "
                "remove one first."
            )
        feed = TimeOffFeed(
            rotation_id=row.id,
            url=seal(url, secret),
            hint=url_hint(url),
            created_by=actor,
            created_at=now,
        )
        session.add(feed)
        session.flush()
        audit.record(  # the hint only: the URL is a secret
            session,
            rotation=row,
            actor=actor,
            action="time_off_feed.add",
            subject=f"time_off_feed:{feed.id}",
            after={"hint": feed.hint},
            now=now,
        )
        info = _info(session, row, feed)
    return info


def list_time_off_feeds(
    session: Session, *, team_id: str, rotation: str | None = None, actor: str | None = None
) -> list[FeedInfo]:
    """The feeds of one rotation, or of every rotation of the workspace.

    With `actor` (Slack), only an admin of the rotation may see them; the command line,
    run by whoever runs the server, passes none.
    """
    with unit_of_work(session):
        rows = _rotations(session, team_id, rotation)
        for row in rows:
            if actor is not None:
                require_admin(session, row, actor, "see its time-off calendars")
        by_id = {r.id: r for r in rows}
        feeds = timeoff_queries.feeds_of(session, rotation_ids=[r.id for r in rows if r.id])
        infos = [_info(session, by_id[f.rotation_id], f) for f in feeds]
    return infos


def remove_time_off_feed(
    session: Session, *, team_id: str, rotation: str, actor: str, now: datetime, feed_id: int
) -> tuple[FeedInfo, tuple[TimeOffResult, ...]]:
    """Unsubscribe (admins only): the feed's time off still to come is cancelled and its
    days re-planned; blocks already over stay as history, as if booked by hand."""
    check_now(now)
    with unit_of_work(session):
        row = load_rotation(session, team_id=team_id, name=rotation, for_update=True)
        require_admin(session, row, actor, "remove a time-off calendar")
        assert row.id is not None
        feed = timeoff_queries.feed_by_id(
            session, feed_id=feed_id, rotation_id=row.id, for_update=True
        )
        if feed is None:
            raise NotFound(f"{row.name} has no time-off calendar #{feed_id}.")
        info = _info(session, row, feed)
        today = local_today(row, now)
        cancelled = []
        for block, member in timeoff_queries.time_off_from_feed(session, feed_id=feed_id):
            if block.last_day >= today:
                cancelled.append(_cancel(session, row, member, block, actor=actor, now=now))
            else:
                block.feed_id = None
                session.add(block)
        session.flush()
        audit.record(
            session,
            rotation=row,
            actor=actor,
            action="time_off_feed.remove",
            subject=f"time_off_feed:{feed_id}",
            before={"hint": feed.hint, "cancelled": [r.id for r in cancelled]},
            now=now,
        )
        session.delete(feed)
    return info, tuple(cancelled)


def same_url(stored: str, url: str, secret: str | None) -> bool:
    """True if a stored (perhaps sealed) URL is `url`; one that cannot be opened is not."""
    try:
        return unseal(stored, secret) == url
    except SealError:
        return False


def _rotations(session: Session, team_id: str, rotation: str | None) -> list[Rotation]:
    if rotation is not None:
        return [load_rotation(session, team_id=team_id, name=rotation)]
    workspace = load_workspace(session, team_id=team_id)
    assert workspace.id is not None
    return queries.rotations_of(session, workspace_id=workspace.id)


@dataclass(frozen=True)
class _Scope:
    """A rotation a feed's absences go into, and the days it books there."""

    rotation: str
    zone: ZoneInfo
    first: date
    last: date


@dataclass(frozen=True)
class _Target:
    """A feed to fetch: a rotation's (`rotation`) or a person's own (`owner`)."""

    feed_id: int
    rotation: str  # "" for a personal calendar
    owner: str | None
    hint: str
    url: str
    etag: str | None
    last_modified: str | None
    scopes: tuple[_Scope, ...]
    unreadable: str | None = None  # why the stored URL cannot be opened (sealing)


def _scope(session: Session, row: Rotation, now: datetime) -> _Scope:
    today = local_today(row, now)
    return _Scope(row.name, ZoneInfo(row.timezone), today, booking_limit(session, row, today)[0])


def _target(
    session: Session, feed: TimeOffFeed, rotation: str, scopes: list[_Scope], secret: str | None
) -> _Target:
    """What to fetch; a URL stored before sealing is sealed now (with a key to do it)."""
    assert feed.id is not None
    if secret is not None and not is_sealed(feed.url):
        feed.url = seal(feed.url, secret)
        session.add(feed)
    try:
        url, unreadable = unseal(feed.url, secret), None
    except SealError as exc:
        url, unreadable = "", f"{feed.hint}: {exc}"
    return _Target(
        feed.id, rotation, feed.owner, feed.hint, url, feed.etag, feed.last_modified,
        tuple(scopes), unreadable,
    )  # fmt: skip


def _targets(
    session: Session, team_id: str, rotation: str | None, now: datetime, secret: str | None
) -> list[_Target]:
    """The rotations' feeds, then the personal calendars of their people."""
    rows = _rotations(session, team_id, rotation)
    targets = []
    for row in rows:
        assert row.id is not None
        scope = _scope(session, row, now)
        for feed in timeoff_queries.feeds_of(session, rotation_ids=[row.id]):
            targets.append(_target(session, feed, row.name, [scope], secret))
    workspace = load_workspace(session, team_id=team_id)
    assert workspace.id is not None
    names = {r.name for r in rows}
    for feed in timeoff_queries.personal_feeds(session, workspace_id=workspace.id):
        assert feed.owner is not None
        theirs = [
            r
            for r, _ in queries.memberships_of_user(
                session, workspace_id=workspace.id, user_id=feed.owner,
                on_or_after=now.date() - timedelta(days=1),
            )
        ]  # fmt: skip
        if rotation is None or names & {r.name for r in theirs}:
            scopes = [_scope(session, r, now) for r in theirs]
            targets.append(_target(session, feed, "", scopes, secret))
    return targets


def sync_time_off(
    session: Session,
    *,
    team_id: str,
    now: datetime,
    fetch: Fetcher,
    rotation: str | None = None,
    secret: str | None = None,
) -> list[SyncReport]:
    """Sync every feed of one rotation (or of all of them) and the personal calendars of
    their people; one report per feed. `secret` opens the sealed URLs (and seals those
    stored before sealing).

    A feed that cannot be fetched or read changes nothing; its admins (or, for a
    personal calendar, its owner) are named in `tell_admins` the first time it fails
    (until a sync succeeds again).
    """
    check_now(now)
    with unit_of_work(session):
        targets = _targets(session, team_id, rotation, now, secret)
    reports = []
    for target in targets:  # the network, then the transaction: no lock held while waiting
        if target.unreadable is not None:
            reports.append(_failed(session, team_id, target, target.unreadable, now))
            continue
        try:
            got = fetch(target.url, target.etag, target.last_modified)
            absences = _read(got, target) if got.modified else None
        except (FetchError, FeedFormatError) as exc:
            error = str(exc) if isinstance(exc, FetchError) else f"{target.hint}: {exc}"
            reports.append(_failed(session, team_id, target, error, now))
            continue
        reports.append(_apply(session, team_id, target, got, absences, now))
    return reports


def _read(got: Fetched, target: _Target) -> dict[str, list[Absence]]:
    """The absences of each rotation the feed goes into, the body parsed once per zone
    and span (a person's rotations mostly share them)."""
    parsed: dict[tuple[str, date, date], list[Absence]] = {}
    found = {}
    for scope in target.scopes:
        key = (scope.zone.key, scope.first, scope.last)
        if key not in parsed:
            parsed[key] = read_absences(
                got.body, zone=scope.zone, first=scope.first, last=scope.last
            )
        found[scope.rotation] = parsed[key]
    return found  # an owner in no rotation: nothing to read it for


def _locked_feed(
    session: Session, team_id: str, target: _Target
) -> tuple[TimeOffFeed | None, list[Rotation]]:
    """The feed and the rotations it books into, locked (rotations first, by name, as
    every booking locks them)."""
    if target.owner is None:
        row = load_rotation(session, team_id=team_id, name=target.rotation, for_update=True)
        assert row.id is not None
        feed = timeoff_queries.feed_by_id(
            session, feed_id=target.feed_id, rotation_id=row.id, for_update=True
        )
        return feed, [row]
    rows = [
        load_rotation(session, team_id=team_id, name=scope.rotation, for_update=True)
        for scope in sorted(target.scopes, key=lambda s: s.rotation)
    ]
    workspace = load_workspace(session, team_id=team_id)
    assert workspace.id is not None
    feed = timeoff_queries.personal_feed(
        session, feed_id=target.feed_id, workspace_id=workspace.id, owner=target.owner,
        for_update=True,
    )  # fmt: skip
    return feed, rows


def _failed(
    session: Session, team_id: str, target: _Target, error: str, now: datetime
) -> SyncReport:
    """Keep the error on the feed; the admins (or the owner) are told only when it is a
    new failure."""
    gone = SyncReport(target.feed_id, target.rotation, target.hint, "gone", owner=target.owner)
    with unit_of_work(session):
        if target.owner is None:
            row = load_rotation(session, team_id=team_id, name=target.rotation)
            assert row.id is not None
            feed = timeoff_queries.feed_by_id(
                session, feed_id=target.feed_id, rotation_id=row.id, for_update=True
            )
            told = tuple(
                m.user_id
                for m in queries.members_of(session, rotation_id=row.id)
                if m.role == Role.ADMIN and (m.left is None or m.left >= local_today(row, now))
            )
        else:
            workspace = load_workspace(session, team_id=team_id)
            assert workspace.id is not None
            feed = timeoff_queries.personal_feed(
                session, feed_id=target.feed_id, workspace_id=workspace.id,
                owner=target.owner, for_update=True,
            )  # fmt: skip
            told = (target.owner,)
        if feed is None:
            return gone
        new = feed.last_error is None
        error = "".join(c if c.isprintable() else " " for c in error)[:500]
        feed.last_error = error
        session.add(feed)
    return SyncReport(
        target.feed_id,
        target.rotation,
        target.hint,
        "failed",
        error=error,
        tell_admins=told if new else (),
        owner=target.owner,
    )


def _apply(
    session: Session,
    team_id: str,
    target: _Target,
    got: Fetched,
    absences: dict[str, list[Absence]] | None,
    now: datetime,
) -> SyncReport:
    """Make the feed's time off match `absences` (None: not modified) in one transaction."""
    with unit_of_work(session):
        feed, rows = _locked_feed(session, team_id, target)
        if feed is None:  # removed while it was being fetched
            return SyncReport(
                target.feed_id, target.rotation, target.hint, "gone", owner=target.owner
            )
        feed.synced_at = now
        feed.last_error = None
        if absences is None:
            session.add(feed)
            return SyncReport(
                target.feed_id, target.rotation, feed.hint, "unchanged",
                unmatched_count=feed.unmatched, owner=target.owner,
            )  # fmt: skip
        parts = [
            _reconcile(session, row, feed, absences.get(row.name, []), now, target.owner)
            for row in rows
        ]
        booked = tuple(r for p in parts for r in p.booked)
        removed = tuple(r for p in parts for r in p.removed)
        unmatched = [u for p in parts for u in p.unmatched]
        skipped = [s for p in parts for s in p.skipped]
        feed.etag = got.etag
        feed.last_modified = got.last_modified
        feed.unmatched = len(unmatched)
        session.add(feed)
    return SyncReport(
        target.feed_id,
        target.rotation,
        feed.hint,
        "updated" if booked or removed else "unchanged",
        booked=booked,
        removed=removed,
        unmatched=tuple(unmatched[:MAX_LISTED]),
        unmatched_count=len(unmatched),
        skipped=tuple(skipped[:MAX_LISTED]),
        owner=target.owner,
    )


@dataclass(frozen=True)
class _Reconciled:
    booked: tuple[TimeOffResult, ...]
    removed: tuple[TimeOffResult, ...]
    unmatched: tuple[str, ...]
    skipped: tuple[str, ...]


def _reconcile(
    session: Session,
    row: Rotation,
    feed: TimeOffFeed,
    absences: list[Absence],
    now: datetime,
    owner: str | None,
) -> _Reconciled:
    """Cancel the feed's blocks in `row` whose absence is gone or moved, book the new
    ones, then re-plan every day that freed or opened at once: one plan per rotation and
    sync, however many absences changed (README: Time off, the benchmark).

    A personal calendar's (`owner`) every event is the owner's: nobody else's time
    off is ever booked from it, whatever its events name.
    """
    assert row.id is not None and feed.id is not None
    today = local_today(row, now)
    limit = booking_limit(session, row, today)
    members = {m.id: m for m in queries.members_of(session, rotation_id=row.id)}
    current = [m for m in members.values() if m.left is None or m.left >= today]
    if owner is None:
        matcher = Matcher(Person(m.id, m.display_name, m.email) for m in current if m.id)
        whose = matcher.match
    else:
        mine = tuple(m.id for m in current if m.user_id == owner and m.id is not None)

        def whose(absence: Absence) -> tuple[int, ...]:
            return mine if absence.away else ()  # a meeting is not a day away

    wanted: dict[tuple[int, str], tuple[date, date]] = {}
    unmatched: list[str] = []
    for absence in absences:
        ids = whose(absence)
        if not ids and owner is None:
            unmatched.append(absence.summary or absence.key)
        span = _clip(absence.first_day, absence.last_day, today, limit[0])
        for member_id in ids if span is not None else ():
            assert span is not None
            wanted[(member_id, absence.key)] = span
    existing: dict[tuple[int, str], tuple[TimeOff, Member]] = {
        (member.id or 0, block.feed_event or ""): (block, member)
        for block, member in timeoff_queries.time_off_from_feed(session, feed_id=feed.id)
        # Past blocks are history, whatever the feed says now; a personal calendar's
        # blocks in the person's other rotations are theirs to reconcile.
        if block.last_day >= today and member.id in members
    }
    gone = [
        (pair, block, member)
        for pair, (block, member) in sorted(existing.items(), key=lambda kv: kv[1][0].first_day)
        if wanted.get(pair) != _clip(block.first_day, block.last_day, today, limit[0])
    ]
    kept = set(existing) - {pair for pair, _, _ in gone}
    preloaded = Preloaded.load(session, row, today)
    freed: list[tuple[TimeOff, Member, list[date], bool]] = []  # (block, member, days, booked)
    for _, block, member in gone:
        days = _cancel_block(session, row, member, block, actor=SYSTEM, now=now,
                             preloaded=preloaded)  # fmt: skip
        freed.append((block, member, days, False))
    skipped: list[str] = []
    for (member_id, key), (first, last) in sorted(wanted.items(), key=lambda kv: kv[1]):
        if (member_id, key) in kept:
            continue
        member = members[member_id]
        try:
            block, released = _book_block(
                session, row, member, actor=SYSTEM, now=now, first_day=first, last_day=last,
                note=f"from time-off calendar #{feed.id}", limit=limit, source=(feed.id, key),
                preloaded=preloaded,
            )  # fmt: skip
        except UseCaseError as exc:  # refused before it wrote anything (overlap, left)
            skipped.append(f"{member.display_name}, {first.isoformat()}: {exc.message}")
            continue
        freed.append((block, member, released, True))
    preloaded.finish(session, actor=SYSTEM, now=now)
    days = sorted({d for _, _, freed_days, _ in freed for d in freed_days})
    added = replan_days(session, rotation=row, days=days, today=today, actor=SYSTEM, now=now)
    given = _attribute(added, freed)
    results = [
        TimeOffResult(
            id=block.id or 0,
            user=member.user_id,
            first_day=block.first_day,
            last_day=block.last_day,
            released=tuple(freed_days) if booked else (),
            replacements=tuple(given[n]),
            rotation=row.name,
        )
        for n, (block, member, freed_days, booked) in enumerate(freed)
    ]
    return _Reconciled(
        booked=tuple(r for r, f in zip(results, freed, strict=True) if f[3]),
        removed=tuple(r for r, f in zip(results, freed, strict=True) if not f[3]),
        unmatched=tuple(unmatched),
        skipped=tuple(skipped),
    )


def _attribute(
    added: list[DayEntry], freed: list[tuple[TimeOff, Member, list[date], bool]]
) -> list[list[DayEntry]]:
    """Which block each day handed over is for: a booked absence that released that day
    first (two absent on one day: one entry each), else a cancelled block that left it
    short; so each person given a day hears whose absence it was."""
    queues: dict[date, list[int]] = {}
    for n, (_, _, days, booked) in enumerate(freed):
        if booked:
            for day in days:
                queues.setdefault(day, []).append(n)
    for n, (_, _, days, booked) in enumerate(freed):
        if not booked:
            for day in days:
                queues.setdefault(day, []).append(n)
    given: list[list[DayEntry]] = [[] for _ in freed]
    for entry in added:
        queue = queues.get(entry.day) or []
        if queue:
            given[queue.pop(0) if len(queue) > 1 else queue[0]].append(entry)
    return given


def _clip(first: date, last: date, today: date, limit: date) -> tuple[date, date] | None:
    """The days of an absence QueueDay books: from today, up to the booking limit, at
    most a year (what `/queueday away` would accept); None if nothing is left."""
    first = max(first, today)
    last = min(last, limit, first + timedelta(days=LONGEST_BOOKING_DAYS - 1))
    return (first, last) if first <= last else None
