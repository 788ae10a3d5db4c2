"""Sending reminders: claim due outbox rows, post them to Slack, record the outcome.

`Sender.run_once(as_of)` is one pass: queue the time-based rows, learn unknown
timezones, then claim and send due rows batch by batch until none is left. The
long-running `queueday worker` calls it from one APScheduler interval job;
`queueday remind --now` calls it once.

Exactly once, in practice:
- a row is claimed atomically with a lease (storage.reminder_queries.claim_due), so two
  workers never hold it at once; a crashed worker's lease expires and another takes it;
- the assignment is re-checked (still this person's, still published) right before
  sending;
- every message carries metadata naming its row, and a row claimed before (its lease
  expired, or Slack failed) is first looked for in the conversation's recent history:
  a crash between posting and recording the post does not send it twice;
- posts are paced to about one per second per conversation, Slack's rate for
  chat.postMessage, and 429s wait out Retry-After (slack_sdk's RateLimitErrorRetryHandler
  in `bot.services.make_client`).
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from slack_sdk.errors import SlackApiError
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.slack.views.reminders import FeedLinkView, metadata, outbox_id_of, reminder_message
from bot.usecases import channel_queue, delivery
from bot.usecases.delivery import Later, Outgoing, Preparer, PublishedContent, Skip
from bot.usecases.errors import Conflict, UseCaseError
from bot.usecases.reminder_settings import set_timezone
from bot.worker.channel import ChannelWork
from bot.worker.pacing import Pacer as Pacer  # re-exported: callers import it from here
from bot.worker.pacing import SharedPacer
from bot.worker.status import check_statuses
from storage.reminder_queries import Claimed

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)


class SlackClient(Protocol):
    """The Web API calls the worker makes (slack_sdk's WebClient, or a demo stand-in)."""

    def conversations_open(self, *, users: str) -> Any: ...

    def conversations_history(self, *, channel: str, **kwargs: Any) -> Any: ...

    def chat_postMessage(self, *, channel: str, **kwargs: Any) -> Any: ...  # noqa: N802

    def users_info(self, *, user: str) -> Any: ...

    def users_profile_get(self, *, user: str) -> Any: ...


@dataclass(frozen=True)
class WorkerConfig:
    """How the worker runs; the defaults suit Slack's limits."""

    interval: float = 30.0  # seconds between passes of the long-running worker
    batch: int = 100  # rows claimed at once
    lease: timedelta = timedelta(minutes=2)  # a crashed worker's rows come back after this
    channel_interval: float = 1.0  # seconds between two posts to one conversation
    history_limit: int = 100  # messages looked through before resending a row
    highlight_max_age: timedelta = delivery.HIGHLIGHT_MAX_AGE  # older ones are not shown


def worker_id() -> str:
    """This process's name in `claimed_by`: host, pid and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass
class RunReport:
    """What one pass did."""

    sent: int = 0
    recovered: int = 0  # found already posted (metadata in the conversation)
    skipped: int = 0  # not for sending any more (day changed, muted, nothing to say)
    dropped: int = 0  # missed while no worker ran, and no longer useful
    retried: int = 0  # Slack failed; tried again later
    failed: int = 0  # Slack refused too often
    later: int = 0  # moved later since queued
    lost_claims: int = 0  # sent, but another worker or a change took the row meanwhile
    queued: dict[str, int] = field(default_factory=dict)
    sent_by_kind: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def line(self) -> str:
        parts = [f"{self.sent} sent"]
        for name in ("recovered", "skipped", "dropped", "retried", "failed", "later"):
            if getattr(self, name):
                parts.append(f"{getattr(self, name)} {name}")
        return ", ".join(parts)


FeedLookup = Callable[[Session, str, str, str, datetime], Sequence[FeedLinkView]]


def round_robin(claimed: Sequence[Claimed]) -> list[Claimed]:
    """The batch reordered so rows for one conversation are as far apart as possible."""
    queues: dict[str, deque[Claimed]] = {}
    for row in claimed:
        queues.setdefault(row.target or f"row:{row.id}", deque()).append(row)
    ordered: list[Claimed] = []
    while queues:
        for key in list(queues):
            ordered.append(queues[key].popleft())
            if not queues[key]:
                del queues[key]
    return ordered


class Sender:
    """Claims, prepares and sends due reminders for one Slack workspace."""

    def __init__(
        self,
        engine: Engine,
        client: SlackClient,
        *,
        team_id: str,
        config: WorkerConfig = WorkerConfig(),
        worker: str | None = None,
        wall: Callable[[], datetime] = lambda: datetime.now(UTC),
        feeds: FeedLookup | None = None,
        swap_action: str = "",
        pacer: Pacer | None = None,
        only_user: str | None = None,
        own_rows_only: bool = False,
    ) -> None:
        self.engine = engine
        self.client = client
        self.team_id = team_id
        self.config = config
        self.worker = worker or worker_id()
        self.wall = wall
        self.feeds = feeds
        self.swap_action = swap_action
        # Turns in the database, shared by every worker process (bot.worker.pacing).
        self.pacer = pacer or SharedPacer(engine, config.channel_interval, team_id=team_id)
        self.only_user = only_user  # the demo console: one person's DMs (and channel posts)
        # OAuth mode: one Sender per workspace, each sending only its own rows with its
        # own token (bot.worker.installs).
        self.own_rows_only = own_rows_only
        self._dms: dict[str, str] = {}
        self._tz_tried: set[str] = set()
        self._links: dict[tuple[str, str], Sequence[FeedLinkView]] = {}
        self.own_seconds = 0.0  # time spent outside Slack calls and pacing
        self.channel = ChannelWork(
            client,
            worker=self.worker,
            pacer=self.pacer,
            wall=self.wall,
            swap_action=swap_action,
            history_limit=config.history_limit,
            highlight_age=config.highlight_max_age,
        )

    # -- one pass

    def run_once(self, as_of: datetime) -> RunReport:
        """Everything due by `as_of` that is still worth sending, once."""
        report = RunReport()
        self._links = {}
        try:  # first: a day a status hands on is then in the channel's morning pass
            check_statuses(self.engine, self.client, team_id=self.team_id, now=as_of)
        except Conflict:
            log.info("another worker claimed the status checks at the same moment")
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                periodic = delivery.queue_periodic(session, now=as_of)
                report.queued = {
                    "previews": periodic.previews,
                    "digests": periodic.digests,
                    "repaired": periodic.repaired,
                }
            except Conflict:
                log.info("another worker queued the periodic reminders at the same moment")
            try:
                report.queued["channel"] = channel_queue.queue_mornings(session, now=as_of)
            except Conflict:
                log.info("another worker queued the channels' mornings at the same moment")
            self._learn_timezones(session, as_of)
        while True:
            with Session(self.engine, expire_on_commit=False) as session:
                claimed = delivery.claim(
                    session,
                    due_by=as_of,
                    wall=self.wall(),
                    worker=self.worker,
                    lease=self.config.lease,
                    limit=self.config.batch,
                    user=self.only_user,
                    team_id=self.team_id if self.own_rows_only else None,
                )
                if not claimed:
                    break
                self._send_batch(session, claimed, as_of, report)
        if report.sent or report.dropped or report.failed:
            log.info("reminders due by %s: %s", as_of.isoformat(), report.line())
        return report

    def _send_batch(
        self, session: Session, claimed: list[Claimed], as_of: datetime, report: RunReport
    ) -> None:
        preparer = Preparer(session, as_of=as_of, highlight_age=self.config.highlight_max_age)
        lease_end = self.wall() + self.config.lease
        ordered = round_robin(claimed)
        for n, row in enumerate(ordered):
            if self.wall() > lease_end - self.config.lease / 4:
                lease_end = self.wall() + self.config.lease
                rest = [r.id for r in ordered[n:]]
                delivery.extend(session, ids=rest, worker=self.worker, until=lease_end)
            self._deliver(session, preparer, row, as_of, report)

    def _deliver(
        self,
        session: Session,
        preparer: Preparer,
        row: Claimed,
        as_of: datetime,
        report: RunReport,
    ) -> None:
        if row.kind in channel_queue.KINDS:  # the group, topic and post of a channel
            self.channel.deliver(session, row, as_of, report)
            return
        started = time.perf_counter()
        outside = 0.0
        prepared = preparer.prepare(row)
        now = self.wall()
        if isinstance(prepared, Skip):
            delivery.mark_skipped(
                session, row_id=row.id, worker=self.worker, now=now, reason=prepared.reason
            )
            if prepared.expired:
                report.dropped += 1
                log.warning(
                    "dropped %s reminder #%d: %s (no longer useful)",
                    row.kind,
                    row.id,
                    prepared.reason,
                )
            else:
                report.skipped += 1
                log.info("skipped %s reminder #%d: %s", row.kind, row.id, prepared.reason)
            self.own_seconds += time.perf_counter() - started
            return
        if isinstance(prepared, Later):
            delivery.reschedule(session, row_id=row.id, worker=self.worker, due=prepared.due)
            report.later += 1
            self.own_seconds += time.perf_counter() - started
            return
        # A DM is posted to the person's user id (Slack puts it in their DM with the app);
        # its conversation is only looked up to search it after a crash.
        channel: str | None = prepared.channel or prepared.user
        assert channel is not None
        try:
            t = time.perf_counter()
            if row.attempts > 1:
                conversation = prepared.channel or self._dm(channel)
                ts = self._find_posted(conversation, prepared)
                if ts is not None:
                    outside += time.perf_counter() - t
                    delivery.mark_sent(
                        session,
                        row_id=row.id,
                        worker=self.worker,
                        now=now,
                        channel=conversation,
                        ts=ts,
                    )
                    report.recovered += 1
                    log.info("reminder #%d was already posted (%s); not sent again", row.id, ts)
                    self.own_seconds += time.perf_counter() - started - outside
                    return
            outside += time.perf_counter() - t
            message = self._message(session, prepared, as_of)
            t = time.perf_counter()
            self.pacer.wait(channel)
            response = self.client.chat_postMessage(
                channel=channel,
                text=message["text"],
                blocks=message["blocks"],
                metadata=metadata(row.id, prepared.kind),
                unfurl_links=False,
                unfurl_media=False,
            )
            self.pacer.sent(channel)
            outside += time.perf_counter() - t
        except SlackApiError as exc:
            self._failed(session, row, exc, channel, report)
            self.own_seconds += time.perf_counter() - started - outside
            return
        shown = prepared.content.shown if isinstance(prepared.content, delivery.DayContent) else ()
        kept = delivery.mark_sent(
            session,
            row_id=row.id,
            worker=self.worker,
            now=self.wall(),
            channel=str(response.get("channel") or channel),
            ts=response.get("ts"),
            user=prepared.user,
            shown=shown,
        )
        report.sent += 1
        report.sent_by_kind[prepared.kind.value] += 1
        if not kept:
            report.lost_claims += 1
            log.warning("reminder #%d was sent but changed meanwhile (claim lost)", row.id)
        self.own_seconds += time.perf_counter() - started - outside

    def _message(self, session: Session, prepared: Outgoing, as_of: datetime) -> dict[str, Any]:
        feeds: Sequence[FeedLinkView] = ()
        content = prepared.content
        if isinstance(content, PublishedContent) and self.feeds and prepared.user:
            key = (prepared.user, content.rotation.name)
            if key not in self._links:  # a person's links stay the same within a pass
                self._links[key] = self.feeds(
                    session, self.team_id, prepared.user, content.rotation.name, as_of
                )
            feeds = self._links[key]
        today = as_of.astimezone(_zone(content.rotation.timezone)).date()
        return reminder_message(content, today=today, feeds=feeds, swap_action=self.swap_action)

    def _dm(self, user: str) -> str:
        """The DM conversation with a person (opened once per process)."""
        if user not in self._dms:
            response = self.client.conversations_open(users=user)
            self._dms[user] = str(response["channel"]["id"])
        return self._dms[user]

    def _find_posted(self, channel: str, prepared: Outgoing) -> str | None:
        """The ts of a message in `channel` whose metadata names this row, if any."""
        # The newest messages only: a DM with QueueDay gets a few a week, so a crashed
        # worker's post is among them (an `oldest` bound would trust two clocks to agree).
        response = self.client.conversations_history(
            channel=channel, include_all_metadata=True, limit=self.config.history_limit
        )
        for message in response.get("messages") or []:
            if outbox_id_of(message) == prepared.row_id:
                return str(message.get("ts"))
        return None

    def _failed(
        self,
        session: Session,
        row: Claimed,
        exc: SlackApiError,
        channel: str | None,
        report: RunReport,
    ) -> None:
        error = str(exc.response.get("error") or exc)
        wait = 60.0
        if exc.response.status_code == 429:
            wait = float(exc.response.headers.get("Retry-After", ["30"])[0] or 30)
            self.pacer.backoff(min(wait, 900.0))  # every worker holds back, not just this one
        failed = delivery.give_back(
            session,
            row_id=row.id,
            worker=self.worker,
            attempts=row.attempts,
            retry_at=self.wall() + timedelta(seconds=wait),
            now=self.wall(),
            error=f"slack: {error}",
            channel=channel,
        )
        if failed:
            report.failed += 1
            log.error(
                "reminder #%d failed for good after %d tries: %s", row.id, row.attempts, error
            )
        else:
            report.retried += 1
            log.warning("reminder #%d: Slack said %s; trying again in %.0f s", row.id, error, wait)

    def _learn_timezones(self, session: Session, as_of: datetime) -> None:
        """Ask Slack for the timezone of people whose reminders are due soon."""
        users = [
            u
            for u in delivery.members_needing_timezone(
                session, now=as_of, team_id=self.team_id if self.own_rows_only else None
            )
            if u not in self._tz_tried
        ]
        for user in users:
            self._tz_tried.add(user)
            try:
                zone = (self.client.users_info(user=user).get("user") or {}).get("tz")
            except SlackApiError as exc:
                log.info("users.info %s: %s (keeping the rotation's timezone)", user, exc)
                continue
            if not zone:
                continue
            try:
                set_timezone(
                    session, team_id=self.team_id, user=user, timezone=str(zone), now=as_of
                )
            except UseCaseError as exc:
                log.info("timezone of %s not kept: %s", user, exc.message)


def _zone(name: str) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def feed_lookup(secret: str | None, base_url: str) -> FeedLookup | None:
    """Feed links for the published-quarter DM (None without a secret key)."""
    if not secret:
        return None

    def lookup(
        session: Session, team_id: str, user: str, rotation: str, now: datetime
    ) -> Sequence[FeedLinkView]:
        from bot.usecases.feeds import feed_links

        try:
            links = feed_links(
                session,
                team_id=team_id,
                user=user,
                now=now,
                secret=secret,
                base_url=base_url,
                rotation=rotation,
            )
        except UseCaseError:
            return ()
        return [FeedLinkView(f.title, f.url, f.webcal) for f in links.all()]

    return lookup
