"""The long-running `queueday worker`: APScheduler interval jobs (reminders, time-off sync,
the deactivation check)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING

from bot.worker.sender import Sender

if TYPE_CHECKING:
    from apscheduler.schedulers.blocking import BlockingScheduler

log = logging.getLogger(__name__)

# One workspace's Sender, or (OAuth mode, bot.worker.installs) what gives each pass the
# Senders of every installed workspace, each with its own token.
Senders = Sender | Callable[[], list[Sender]]


def each(senders: Senders) -> list[Sender]:
    """The Senders of this pass."""
    return [senders] if isinstance(senders, Sender) else senders()


def make_scheduler(
    sender: Senders,
    *,
    interval: float,
    timeoff_every: float | None = None,
    allow_private_urls: bool = False,
    departures_every: float | None = None,
    timeoff_secret: str | None = None,
) -> BlockingScheduler:
    """The worker's scheduler: an interval job sending what is due at each run, and the
    time-off sync and the deactivation check when their intervals are given.

    coalesce (missed runs collapse into one), max_instances=1 (a slow pass is never
    overlapped by the next) and no misfire grace limit (a run delayed by a busy machine
    still happens; with the default of 1 s one was dropped, DESIGN.md section 5). The
    job store is this process's memory: workers never share jobs, only the outbox, whose
    claims keep two of them from sending one reminder twice.
    """
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.interval import IntervalTrigger

    scheduler = BlockingScheduler(timezone=UTC)

    def tick() -> None:
        for one in each(sender):
            one.run_once(datetime.now(UTC))

    def every(seconds: float, job: Callable[[], None], job_id: str, name: str) -> None:
        scheduler.add_job(
            job,
            IntervalTrigger(seconds=seconds, timezone=UTC),
            id=job_id,
            name=name,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
            next_run_time=datetime.now(UTC),
        )

    every(interval, tick, "reminders", "send due reminders")
    if timeoff_every is not None:
        every(
            timeoff_every,
            partial(sync_timeoff, sender, allow_private_urls, timeoff_secret),
            "timeoff",
            "sync time-off calendars",
        )
    if departures_every is not None:
        every(
            departures_every,
            partial(check_departures_now, sender),
            "departures",
            "users.info for the coming week's people",
        )
    return scheduler


def check_departures_now(sender: Senders) -> None:
    """The daily deactivation check (bot.worker.departures); safe twice: a second run
    finds the memberships already ended."""
    from bot.usecases.errors import UseCaseError
    from bot.worker.departures import check_departures

    for one in each(sender):
        try:
            check_departures(one.engine, one.client, team_id=one.team_id, now=datetime.now(UTC))
        except UseCaseError as exc:
            log.info("deactivation check skipped in %s: %s", one.team_id, exc.message)


def sync_timeoff(sender: Senders, allow_private_urls: bool, secret: str | None = None) -> None:
    """One time-off sync (bot.worker.timeoff); two workers doing it at once is safe: each
    feed is applied under the rotation's lock, so the second finds nothing to change.
    `secret` (QUEUEDAY_SECRET_KEY) opens the calendar URLs sealed at rest."""
    from bot.usecases.errors import UseCaseError
    from bot.worker.timeoff import sync_pass

    for one in each(sender):
        try:
            sync_pass(
                one.engine,
                one.client,
                team_id=one.team_id,
                now=datetime.now(UTC),
                allow_private=allow_private_urls,
                secret=secret,
            )
        except UseCaseError as exc:  # e.g. the workspace has no rotations yet
            log.info("time-off sync skipped in %s: %s", one.team_id, exc.message)


def run_worker(
    sender: Senders,
    *,
    interval: float,
    timeoff_every: float | None = None,
    allow_private_urls: bool = False,
    departures_every: float | None = None,
    timeoff_secret: str | None = None,
) -> None:
    """Run passes every `interval` seconds until SIGINT or SIGTERM.

    Each pass sends everything due by its own start, so a restart after downtime
    catches up on whatever is still useful.
    """
    import signal

    scheduler = make_scheduler(
        sender,
        interval=interval,
        timeoff_every=timeoff_every,
        allow_private_urls=allow_private_urls,
        departures_every=departures_every,
        timeoff_secret=timeoff_secret,
    )

    def stop(signum: int, _frame: object) -> None:
        log.info("stopping the reminder worker (signal %d)", signum)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    name = sender.worker if isinstance(sender, Sender) else "for every installed workspace"
    log.info("reminder worker %s: a pass every %.0f s", name, interval)
    scheduler.start()
