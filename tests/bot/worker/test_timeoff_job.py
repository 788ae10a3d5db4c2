"""The worker syncs time-off calendars on its own interval, beside the reminder passes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from bot.worker.scheduler import make_scheduler
from bot.worker.sender import Sender


def test_the_worker_has_a_time_off_job_every_setting_minutes() -> None:
    sender = cast(Sender, object())
    scheduler = make_scheduler(sender, interval=30, timeoff_every=30 * 60.0)
    job: Any = scheduler.get_job("timeoff")
    assert job is not None and job.trigger.interval == timedelta(minutes=30)
    assert job.coalesce is True and job.max_instances == 1
    assert make_scheduler(sender, interval=30).get_job("timeoff") is None
