"""The worker's use cases: queue the time-based reminders, claim due rows, decide what
each says, and record the outcome.

Sending itself (Slack) is the worker's business (bot/worker/sender.py); everything
here is plain values in and out, so `queueday remind --now`, the long-running worker,
the demo console and the tests all share it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from bot.usecases import outbox
from bot.usecases.access import SYSTEM, check_now, local_today
from bot.usecases.outbox import Planner, areas_of, week_window
from bot.usecases.plans import PlanPreview, plan_period
from bot.usecases.transaction import unit_of_work
from scheduling import reminders as core
from scheduling.quarters import quarter_of
from scheduling.reminders import DAY_KINDS, Digest, ReminderKind, compose, useful_until
from storage import queries, reminder_queries
from storage.db import write_transaction
from storage.models import (
    Assignment,
    AssignmentState,
    OutboxState,
    ReminderOutbox,
    Role,
    Rotation,
    Workspace,
)
from storage.reminder_queries import Claimed

log = logging.getLogger(__name__)

DIGEST_LIMIT = 3  # tickets (each with a highlight) in one reminder
HIGHLIGHT_MAX_AGE = timedelta(days=90)  # QUEUEDAY_HIGHLIGHT_MAX_AGE_DAYS
MAX_ATTEMPTS = 5  # Slack refusing a reminder this often marks it failed


# --- queueing what is due by the clock ----------------------------------------------


@dataclass(frozen=True)
class PeriodicReport:
    previews: int  # admin previews queued
    digests: int  # weekly digests queued
    repaired: int  # day reminders queued by the safety net


def queue_periodic(session: Session, *, now: datetime) -> PeriodicReport:
    """Queue admin previews and weekly digests that are due, and repair missing rows.

    Idempotent: every row has a unique key, so two workers (or a worker and a
    `remind --now`) queue each one once; the loser's transaction is refused as a
    Conflict and changes nothing.
    """
    check_now(now)
    previews = digests = 0
    with unit_of_work(session):
        rotations = list(session.exec(select(Rotation).order_by(col(Rotation.id))))
        keys: dict[str, ReminderOutbox] = {}
        for rotation in rotations:
            for row in _preview_rows(session, rotation, now) + _digest_rows(rotation, now):
                assert row.dedupe_key is not None
                keys[row.dedupe_key] = row
        present = reminder_queries.dedupe_keys_present(session, keys=list(keys))
        for key, row in keys.items():
            if key in present:
                continue
            session.add(row)
            if row.kind == ReminderKind.ADMIN_PREVIEW:
                previews += 1
            else:
                digests += 1
        first = min((local_today(r, now) for r in rotations), default=now.date())
        missing = reminder_queries.live_assignments_without_rows(
            session,
            first=first - timedelta(days=1),
            last=first + timedelta(days=outbox.RECONCILE_DAYS),
            kinds=[k.value for k in DAY_KINDS],
        )
        repaired = outbox.sync_days(session, missing, now=now) if missing else 0
    return PeriodicReport(previews, digests, repaired)


def _preview_rows(session: Session, rotation: Rotation, now: datetime) -> list[ReminderOutbox]:
    """Each admin's preview of the next quarter, from three weeks before it starts."""
    assert rotation.id is not None
    today = local_today(rotation, now)
    start, end = quarter_of(today, rotation.quarter_start_month, 1)
    due = core.preview_due(start, rotation.timezone)
    until = useful_until(ReminderKind.ADMIN_PREVIEW, start, rotation.timezone)
    if not due <= now < until:
        return []
    if queries.plan_versions_covering(session, rotation_id=rotation.id, day=start):
        return []  # already published: nothing to preview
    admins = [
        m
        for m in queries.members_of(session, rotation_id=rotation.id)
        if m.role == Role.ADMIN and (m.left is None or m.left >= today)
    ]
    return [
        ReminderOutbox(
            rotation_id=rotation.id,
            user_id=admin.user_id,
            dedupe_key=f"admin_preview:{rotation.id}:{start.isoformat()}:{admin.user_id}",
            kind=ReminderKind.ADMIN_PREVIEW.value,
            due_at=due,
            useful_until=until,
            payload={"start": start.isoformat(), "end": end.isoformat()},
            created_at=now,
        )
        for admin in admins
    ]


def _digest_rows(rotation: Rotation, now: datetime) -> list[ReminderOutbox]:
    """This week's digest of reflections (and last week's, if still worth posting)."""
    if not rotation.channel:
        return []
    assert rotation.id is not None
    today = local_today(rotation, now)
    rows = []
    for monday in (core.week_start(today), core.week_start(today) - timedelta(days=7)):
        due = core.digest_due(monday, rotation.timezone)
        friday = monday + timedelta(days=core.DIGEST_WEEKDAY)
        until = useful_until(ReminderKind.WEEKLY_DIGEST, friday, rotation.timezone)
        if due <= now < until:
            rows.append(
                ReminderOutbox(
                    rotation_id=rotation.id,
                    dedupe_key=f"weekly_digest:{rotation.id}:{monday.isoformat()}",
                    kind=ReminderKind.WEEKLY_DIGEST.value,
                    due_at=due,
                    useful_until=until,
                    slack_channel=rotation.channel,
                    payload={"week_start": monday.isoformat()},
                    created_at=now,
                )
            )
    return rows


# --- claiming ---------------------------------------------------------------------


def claim(
    session: Session,
    *,
    due_by: datetime,
    wall: datetime,
    worker: str,
    lease: timedelta,
    limit: int,
    user: str | None = None,
    team_id: str | None = None,
) -> list[Claimed]:
    """Take up to `limit` due rows for `worker` until `wall + lease` (one transaction);
    only `user`'s DMs and the channel posts when `user` is given, only the workspace's
    rows when `team_id` is."""
    write_transaction(session)
    try:
        rows = reminder_queries.claim_due(
            session,
            due_by=due_by,
            wall=wall,
            worker=worker,
            lease_until=wall + lease,
            limit=limit,
            user_id=user,
            team_id=team_id,
        )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return rows


def extend(session: Session, *, ids: list[int], worker: str, until: datetime) -> None:
    """Hold claimed rows longer (a batch paced slower than its lease)."""
    _write(
        session, lambda: reminder_queries.extend_lease(session, ids=ids, worker=worker, until=until)
    )


# --- what a reminder says ---------------------------------------------------------


@dataclass(frozen=True)
class RotationInfo:
    id: int
    name: str
    team_id: str
    timezone: str
    channel: str | None


@dataclass(frozen=True)
class DayContent:
    """The day before or the morning of: tickets paired with highlights."""

    kind: ReminderKind
    rotation: RotationInfo
    day: date
    digest: Digest
    shown: tuple[int, ...]  # highlight ids to mark shown once sent


@dataclass(frozen=True)
class EndOfDayContent:
    rotation: RotationInfo
    day: date


@dataclass(frozen=True)
class PublishedContent:
    rotation: RotationInfo
    start: date
    end: date
    days: tuple[date, ...]
    version: int


@dataclass(frozen=True)
class PreviewContent:
    rotation: RotationInfo
    preview: PlanPreview
    names: dict[str, str]


@dataclass(frozen=True)
class Reflection:
    user: str
    hurt: str | None
    works: str | None
    area: str | None


@dataclass(frozen=True)
class DigestContent:
    rotation: RotationInfo
    week_start: date
    reflections: tuple[Reflection, ...]


Content = DayContent | EndOfDayContent | PublishedContent | PreviewContent | DigestContent


@dataclass(frozen=True)
class Outgoing:
    """A reminder to send now: to `user` (a DM) or to `channel`."""

    row_id: int
    kind: ReminderKind
    user: str | None
    channel: str | None  # the conversation, when known (channel posts, earlier tries)
    attempts: int
    content: Content
    since: datetime  # when the row was queued: no earlier message can be its post


@dataclass(frozen=True)
class Skip:
    """A claimed row not to send: `expired` when it was missed for too long."""

    row_id: int
    reason: str
    expired: bool = False


@dataclass(frozen=True)
class Later:
    """A claimed row now due later (the person moved their reminder)."""

    row_id: int
    due: datetime


Prepared = Outgoing | Skip | Later


class Preparer:
    """Decides what each claimed row says, loading rotations and notes once per batch.

    Reads only; every call ends its read transaction, so the session's objects stay
    cached (the session must not expire on commit) while other writers go ahead.
    """

    def __init__(
        self,
        session: Session,
        *,
        as_of: datetime,
        highlight_age: timedelta = HIGHLIGHT_MAX_AGE,
    ) -> None:
        check_now(as_of)
        self.session = session
        self.as_of = as_of
        # Praise older than this no longer says how the product is today.
        self.highlights_since = as_of - highlight_age
        self.planner = Planner(session)
        self._rotations: dict[int, RotationInfo] = {}
        self._notes: dict[int, tuple[list[core.Ticket], list[core.Highlight]]] = {}

    def prepare(self, claimed: Claimed) -> Prepared:
        try:
            return self._prepare(claimed)
        finally:
            self.session.commit()  # end the read transaction; keeps the cached rows

    def _prepare(self, claimed: Claimed) -> Prepared:
        row = claimed  # the claim returned the row's columns: no need to read it again
        if row.useful_until is not None and row.useful_until <= self.as_of:
            return Skip(row.id, f"missed until {row.useful_until.isoformat()}", expired=True)
        kind = ReminderKind(row.kind)
        rotation = self.rotation(row.rotation_id)
        if kind in DAY_KINDS:
            return self._day(row, kind, rotation, claimed)
        payload = row.payload or {}
        if kind is ReminderKind.PUBLISHED:
            content: Content | Skip = self._published(row, rotation, payload)
        elif kind is ReminderKind.ADMIN_PREVIEW:
            content = self._preview(row, rotation, payload)
        else:
            content = self._digest(row, rotation, payload)
        if isinstance(content, Skip):
            return content
        return Outgoing(
            row.id,
            kind,
            row.user_id,
            row.slack_channel,
            claimed.attempts,
            content,
            row.created_at or self.as_of,
        )

    def rotation(self, rotation_id: int) -> RotationInfo:
        if rotation_id not in self._rotations:
            row = self.planner.rotation(rotation_id)
            workspace = self.session.get(Workspace, row.workspace_id)
            assert workspace is not None and row.id is not None
            self._rotations[rotation_id] = RotationInfo(
                row.id, row.name, workspace.team_id, row.timezone, row.channel
            )
        return self._rotations[rotation_id]

    def _day(
        self, row: Claimed, kind: ReminderKind, rotation: RotationInfo, claimed: Claimed
    ) -> Prepared:
        assert row.assignment_id is not None
        day = self.session.get(Assignment, row.assignment_id, populate_existing=True)
        assert day is not None
        live = (AssignmentState.PUBLISHED,) + (
            (AssignmentState.DONE,) if kind is ReminderKind.END_OF_DAY else ()
        )
        if day.state not in live:
            return Skip(row.id, f"the day is {day.state} now")
        planned = self.planner.plan(day, kind, self.as_of)
        if planned.reason is not None:
            return Skip(row.id, planned.reason, expired=planned.due is not None)
        if planned.due is not None and planned.due > self.as_of:
            return Later(row.id, planned.due)  # moved later since it was queued
        member = self.planner.member(day.member_id)
        if kind is ReminderKind.END_OF_DAY:
            content: Content = EndOfDayContent(rotation, day.day)
        else:
            tickets, highlights = self.notes(rotation.id)
            ids = [int(h.id) for h in highlights]
            shown = reminder_queries.shown_to(
                self.session, user_id=member.user_id, highlight_ids=ids
            )
            digest = compose(
                tickets,
                highlights,
                preferred_areas=areas_of(member),
                already_shown=[str(i) for i in shown],
                limit=DIGEST_LIMIT,
            )
            content = DayContent(
                kind,
                rotation,
                day.day,
                digest,
                tuple(sorted(int(i) for i in digest.shown_highlights)),
            )
        return Outgoing(
            row.id,
            kind,
            member.user_id,
            row.slack_channel,
            claimed.attempts,
            content,
            row.created_at or self.as_of,
        )

    def notes(self, rotation_id: int) -> tuple[list[core.Ticket], list[core.Highlight]]:
        """The rotation's open tickets and recent highlights as the core's values."""
        if rotation_id not in self._notes:
            tickets = [
                core.Ticket(
                    str(t.id),
                    t.text,
                    t.created_at,
                    url=t.url,
                    area=t.product_area,
                    severity=t.severity,
                )
                for t in reminder_queries.open_tickets(self.session, rotation_id=rotation_id)
            ]
            highlights = [
                core.Highlight(str(h.id), h.text, h.created_at, url=h.url, area=h.product_area)
                for h in reminder_queries.highlights_of(
                    self.session, rotation_id=rotation_id, since=self.highlights_since
                )
            ]
            self._notes[rotation_id] = (tickets, highlights)
        return self._notes[rotation_id]

    def _published(
        self, row: Claimed, rotation: RotationInfo, payload: dict[str, object]
    ) -> PublishedContent | Skip:
        assert row.user_id is not None
        start = date.fromisoformat(str(payload["start"]))
        end = date.fromisoformat(str(payload["end"]))
        found = reminder_queries.days_of_user(
            self.session, rotation_id=rotation.id, user_id=row.user_id, first=start, last=end
        )
        if found is None:
            return Skip(row.id, "no longer in the rotation")
        days = tuple(found)
        return PublishedContent(rotation, start, end, days, int(str(payload.get("version", 0))))

    def _preview(
        self, row: Claimed, rotation: RotationInfo, payload: dict[str, object]
    ) -> PreviewContent | Skip:
        start = date.fromisoformat(str(payload["start"]))
        end = date.fromisoformat(str(payload["end"]))
        if queries.plan_versions_covering(self.session, rotation_id=rotation.id, day=start):
            return Skip(row.id, "the quarter was published meanwhile")
        preview = plan_period(
            self.session,
            team_id=rotation.team_id,
            rotation=rotation.name,
            actor=SYSTEM,
            now=self.as_of,
            start=start,
            end=end,
        )
        names = {
            m.user_id: m.display_name
            for m in queries.members_of(self.session, rotation_id=rotation.id)
        }
        return PreviewContent(rotation, preview, names)

    def _digest(
        self, row: Claimed, rotation: RotationInfo, payload: dict[str, object]
    ) -> DigestContent | Skip:
        monday = date.fromisoformat(str(payload["week_start"]))
        start, end = week_window(monday, rotation.timezone)
        pairs = reminder_queries.reflections_between(
            self.session, rotation_id=rotation.id, start=start, end=end
        )
        if not pairs:
            return Skip(row.id, "no reflections this week")
        reflections = tuple(
            Reflection(
                user=(t or h).author,  # type: ignore[union-attr]
                hurt=t.text if t else None,
                works=h.text if h else None,
                area=(t.product_area if t else None) or (h.product_area if h else None),
            )
            for t, h in pairs
        )
        return DigestContent(rotation, monday, reflections)


# --- outcomes ---------------------------------------------------------------------


def _write(session: Session, work: object) -> None:
    assert callable(work)
    write_transaction(session)
    try:
        work()
        session.commit()
    except BaseException:
        session.rollback()
        raise


def mark_sent(
    session: Session,
    *,
    row_id: int,
    worker: str,
    now: datetime,
    channel: str,
    ts: str | None,
    user: str | None = None,
    shown: tuple[int, ...] = (),
) -> bool:
    """Record a sent reminder and the highlights it showed; False if the claim was lost."""
    result: list[bool] = []

    def work() -> None:
        ok = reminder_queries.finish(
            session,
            row_id=row_id,
            worker=worker,
            state=OutboxState.SENT,
            now=now,
            channel=channel,
            ts=ts,
        )
        if user is not None and shown:
            reminder_queries.mark_shown(session, user_id=user, highlight_ids=shown, now=now)
        result.append(ok)

    _write(session, work)
    return result[0]


def mark_skipped(session: Session, *, row_id: int, worker: str, now: datetime, reason: str) -> None:
    """A claimed row that will not be sent (cancelled with the reason)."""
    _write(
        session,
        lambda: reminder_queries.finish(
            session,
            row_id=row_id,
            worker=worker,
            state=OutboxState.CANCELLED,
            now=now,
            error=reason,
        ),
    )


def reschedule(session: Session, *, row_id: int, worker: str, due: datetime) -> None:
    """A claimed row whose reminder moved later: due then, and free for any worker."""

    def work() -> None:
        row = reminder_queries.outbox_row(session, row_id=row_id)
        if row is None or row.claimed_by != worker or row.state != OutboxState.PENDING:
            return
        row.due_at, row.claimed_until = due, None
        session.add(row)
        session.flush()

    _write(session, work)


def give_back(
    session: Session,
    *,
    row_id: int,
    worker: str,
    attempts: int,
    retry_at: datetime,
    now: datetime,
    error: str,
    channel: str | None = None,
) -> bool:
    """Slack refused or failed: try again from `retry_at`, or after MAX_ATTEMPTS give up.

    Returns True when the row was marked failed.
    """
    failed = attempts >= MAX_ATTEMPTS

    def work() -> None:
        if failed:
            reminder_queries.finish(
                session,
                row_id=row_id,
                worker=worker,
                state=OutboxState.FAILED,
                now=now,
                error=error,
            )
        else:
            reminder_queries.release(
                session,
                row_id=row_id,
                worker=worker,
                retry_at=retry_at,
                error=error,
                channel=channel,
            )

    _write(session, work)
    return failed


def note_channel(session: Session, *, row_id: int, worker: str, channel: str) -> None:
    """Keep the DM's channel on the row before sending, for the check after a crash."""
    _write(
        session,
        lambda: reminder_queries.remember_channel(
            session, row_id=row_id, worker=worker, channel=channel
        ),
    )


def members_needing_timezone(
    session: Session, *, now: datetime, team_id: str | None = None
) -> list[str]:
    """Slack users with reminders due in the next days whose timezone is unknown (only the
    workspace's, with `team_id`)."""
    users = reminder_queries.members_missing_timezone(
        session, due_before=now + timedelta(days=3), team_id=team_id
    )
    session.rollback()
    return users
