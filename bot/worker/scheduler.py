"""The long-running `queueday worker`: one APScheduler interval job calling `Sender.run_once`."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.worker.sender import Sender

if TYPE_CHECKING:
    from apscheduler.schedulers.blocking import BlockingScheduler

log = logging.getLogger(__name__)


def make_scheduler(sender: Sender, *, interval: float) -> BlockingScheduler:
    """The worker's scheduler: one interval job sending what is due at each run.

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
        sender.run_once(datetime.now(UTC))

    scheduler.add_job(
        tick,
        IntervalTrigger(seconds=interval, timezone=UTC),
        id="reminders",
        name="send due reminders",
        coalesce=True,
        max_instances=1,
        misfire_grace_time=None,
        next_run_time=datetime.now(UTC),
    )
    return scheduler


def run_worker(sender: Sender, *, interval: float) -> None:
    """Run passes every `interval` seconds until SIGINT or SIGTERM.

    Each pass sends everything due by its own start, so a restart after downtime
    catches up on whatever is still useful.
    """
    import signal

    scheduler = make_scheduler(sender, interval=interval)

    def stop(signum: int, _frame: object) -> None:
        log.info("stopping the reminder worker (signal %d)", signum)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("reminder worker %s: a pass every %.0f s", sender.worker, interval)
    scheduler.start()
