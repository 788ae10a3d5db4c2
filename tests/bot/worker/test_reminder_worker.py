"""The reminder worker in-process against the fake Slack: each kind at its local time,
swaps, restarts, crashes between posting and recording, 429s, metadata."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import bot.usecases as uc
from bot.services import make_client
from bot.slack.views.reminders import metadata
from bot.usecases import delivery
from bot.usecases.reminder_settings import set_timezone
from bot.worker.sender import Pacer, RunReport, Sender, WorkerConfig, round_robin
from storage.db import make_engine
from storage.models import METADATA, Assignment, Member, OutboxState, ReminderOutbox
from storage.reminder_queries import Claimed
from tests.bot.fake_slack import FakeSlack
from tests.usecases.conftest import ADMIN, NOW, TEAM, build_team

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture(scope="module")
def fake_api() -> Iterator[FakeSlack]:
    with FakeSlack(team_id=TEAM) as fake:
        yield fake


@pytest.fixture
def fake(fake_api: FakeSlack) -> FakeSlack:
    fake_api.reset()
    return fake_api


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A SQLite file (the worker and the test read and write it side by side)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'reminders.db'}")
    METADATA.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        build_team(session)
        yield session


def sender(engine: Engine, fake: FakeSlack, **config: object) -> Sender:
    settings = WorkerConfig(channel_interval=0, **config)  # type: ignore[arg-type]
    return Sender(
        engine,
        make_client(fake.api_url, fake.bot_token),
        team_id=TEAM,
        config=settings,
        pacer=Pacer(0),
    )


def run_at(worker: Sender, when: datetime) -> RunReport:
    """One pass with the clock at `when` (the worker's own clock, not just its argument)."""
    with freeze_time(when):
        return worker.run_once(datetime.now(UTC))


def sent_rows(session: Session, fake: FakeSlack) -> list[ReminderOutbox]:
    """The outbox rows of the messages Slack received, in order."""
    session.commit()  # a new snapshot: the worker wrote meanwhile
    ids = [m["metadata"]["event_payload"]["outbox_id"] for m in fake.messages()]
    rows = []
    for row_id in ids:
        row = session.get(ReminderOutbox, row_id, populate_existing=True)
        assert row is not None
        rows.append(row)
    return rows


def day_of(session: Session, row: ReminderOutbox) -> date | None:
    if row.assignment_id is None:
        return None
    assignment = session.get(Assignment, row.assignment_id)
    assert assignment is not None
    return assignment.day


def first_day_after(session: Session, user: str, after: date) -> date:
    member = session.exec(select(Member).where(Member.user_id == user)).one()
    days = session.exec(
        select(Assignment.day)
        .where(
            Assignment.member_id == member.id,
            Assignment.state == "published",
            Assignment.day > after,
        )
        .order_by(Assignment.day)  # type: ignore[arg-type]
    ).all()
    return days[0]


def first_published_after(session: Session, after: date) -> tuple[date, str]:
    """The first published day after `after`, and whose it is."""
    day, user = session.exec(
        select(Assignment.day, Member.user_id)
        .join(Member, Member.id == Assignment.member_id)  # type: ignore[arg-type]
        .where(Assignment.state == "published", Assignment.day > after)
        .order_by(Assignment.day)  # type: ignore[arg-type]
    ).first() or (None, None)
    assert day is not None and user is not None
    return day, user


def kinds_for(session: Session, fake: FakeSlack, user: str, day: date) -> list[str]:
    return [
        r.kind for r in sent_rows(session, fake) if r.user_id == user and day_of(session, r) == day
    ]


@pytest.mark.parametrize(
    ("kind", "zone", "local"),
    [
        ("morning_of", "Europe/Berlin", time(9, 0)),
        ("end_of_day", "Europe/Berlin", time(17, 0)),
        ("morning_of", "America/New_York", time(9, 0)),
        ("end_of_day", "America/New_York", time(17, 0)),
    ],
)
def test_each_kind_arrives_at_the_local_time_across_dst(
    session: Session, engine: Engine, fake: FakeSlack, kind: str, zone: str, local: time
) -> None:
    if zone != "Europe/Berlin":
        for user in ("U0ADA", "U01", "U02", "U03", "U04", "U05", "U06"):
            set_timezone(session, team_id=TEAM, user=user, timezone=zone, now=NOW)
    worker = sender(engine, fake)
    # A day before and a day after the clocks change (US: 14 March; Berlin: 28 March).
    switch = date(2027, 3, 14) if zone == "America/New_York" else date(2027, 3, 28)
    offsets = set()
    for after in (switch - timedelta(days=12), switch):
        day, user = first_published_after(session, after)
        due = datetime.combine(day, local, tzinfo=ZoneInfo(zone)).astimezone(UTC)
        offsets.add(due.astimezone(ZoneInfo(zone)).utcoffset())
        run_at(worker, due - timedelta(minutes=1))
        assert kind not in kinds_for(session, fake, user, day)
        run_at(worker, due)
        assert kinds_for(session, fake, user, day).count(kind) == 1
        run_at(worker, due + timedelta(minutes=5))  # and never again
        assert kinds_for(session, fake, user, day).count(kind) == 1
    assert len(offsets) == 2  # the two days really are on either side of the change


def test_the_day_before_comes_the_working_day_before_in_the_afternoon(
    session: Session, engine: Engine, fake: FakeSlack
) -> None:
    for n, area in enumerate(("billing", "search", "billing")):
        uc.record_ticket(
            session,
            team_id=TEAM,
            rotation="support",
            actor="U01",
            now=NOW,
            text=f"Bug {n}",
            product_area=area,
        )
        uc.record_highlight(
            session,
            team_id=TEAM,
            rotation="support",
            actor="U01",
            now=NOW,
            text=f"Customers love {n}",
            product_area=area,
        )
    worker = sender(engine, fake)
    # Tuesday 30 March 2027 (after Easter Monday and Good Friday): Thursday the 25th.
    day = first_day_after(session, "U02", date(2027, 3, 1))
    row = session.exec(
        select(ReminderOutbox)
        .join(Assignment, Assignment.id == ReminderOutbox.assignment_id)  # type: ignore[arg-type]
        .where(ReminderOutbox.kind == "day_before", Assignment.day == day)
    ).one()
    local = row.due_at.astimezone(BERLIN)
    assert local.time() == time(16, 0) and local.date() < day
    run_at(worker, row.due_at)
    [message] = [
        m for m in fake.messages() if m["metadata"]["event_payload"]["outbox_id"] == row.id
    ]
    assert message["channel"] == f"D{row.user_id}"
    blocks = str(message["blocks"])
    assert blocks.count("Waiting on the queue") == 3 and blocks.count("Working well") == 3
    # The highlights shown are remembered: the morning-of DM shows none of them again.
    morning = datetime.combine(day, time(9, 0), tzinfo=BERLIN)
    run_at(worker, morning)
    [later] = [m for m in fake.messages() if m["metadata"]["event_payload"]["kind"] == "morning_of"]
    assert "Working well" not in str(later["blocks"]) and "highlight" in later["text"]


def test_every_message_names_its_outbox_row_and_has_a_text_fallback(
    session: Session, engine: Engine, fake: FakeSlack
) -> None:
    worker = sender(engine, fake)
    report = run_at(worker, NOW + timedelta(minutes=1))
    assert report.sent >= 7  # the published-quarter DMs
    for message in fake.messages():
        assert message["metadata"]["event_type"] == "queueday_reminder"
        assert message["text"]
        row = session.get(ReminderOutbox, message["metadata"]["event_payload"]["outbox_id"])
        assert row is not None and row.state == OutboxState.SENT and row.slack_ts == message["ts"]


def test_a_swap_after_a_reminder_was_queued_reminds_the_new_person(
    session: Session, engine: Engine, fake: FakeSlack
) -> None:
    worker = sender(engine, fake)
    run_at(worker, NOW + timedelta(minutes=1))  # the published DMs go out
    mine = first_day_after(session, "U01", date(2027, 2, 1))
    theirs = first_day_after(session, "U02", date(2027, 2, 1))
    request = uc.request_swap(
        session,
        team_id=TEAM,
        rotation="support",
        actor="U01",
        now=NOW,
        day=mine,
        counterpart="U02",
        counterpart_day=theirs,
    )
    uc.accept_request(session, team_id=TEAM, actor="U02", now=NOW, request_id=request.id)
    morning = datetime.combine(mine, time(9, 0), tzinfo=BERLIN)
    run_at(worker, morning)
    assert "morning_of" in kinds_for(session, fake, "U02", mine)
    assert "morning_of" not in kinds_for(session, fake, "U01", mine)


def test_after_downtime_useful_reminders_go_out_and_stale_ones_are_dropped(
    session: Session, engine: Engine, fake: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    worker = sender(engine, fake)
    day = first_day_after(session, "U03", date(2027, 2, 1))
    # Down from before the day-before reminder until 10:30 on the day.
    with caplog.at_level(logging.WARNING, logger="bot.worker.sender"):
        report = run_at(worker, datetime.combine(day, time(10, 30), tzinfo=BERLIN))
    assert "morning_of" in kinds_for(session, fake, "U03", day)  # until noon
    assert "day_before" not in kinds_for(session, fake, "U03", day)
    assert report.dropped > 0
    assert any("dropped day_before reminder" in r.message for r in caplog.records)


def test_a_row_posted_before_a_crash_is_found_in_the_conversation_not_sent_again(
    session: Session, engine: Engine, fake: FakeSlack
) -> None:
    """The crash window: posted to Slack, killed before recording it."""
    wall = NOW + timedelta(minutes=1)
    with Session(engine) as other:
        [claimed] = delivery.claim(
            other, due_by=wall, wall=wall, worker="dead", lease=timedelta(seconds=30), limit=1
        )
    row = session.get(ReminderOutbox, claimed.id, populate_existing=True)
    assert row is not None and row.user_id is not None
    client = make_client(fake.api_url, fake.bot_token)
    client.chat_postMessage(
        channel=f"D{row.user_id}", text="your days", metadata=metadata(row.id or 0, row.kind)
    )  # what the dead worker managed to do
    worker = sender(engine, fake)
    report = run_at(worker, wall + timedelta(seconds=31))
    assert report.recovered == 1
    ids = Counter(m["metadata"]["event_payload"]["outbox_id"] for m in fake.messages())
    assert ids[row.id] == 1 and max(ids.values()) == 1
    session.commit()
    again = session.get(ReminderOutbox, row.id, populate_existing=True)
    assert again is not None and again.state == OutboxState.SENT


def test_429s_are_waited_out_and_the_reminder_is_sent_once(
    session: Session, engine: Engine, fake: FakeSlack
) -> None:
    worker = sender(engine, fake)
    fake.rate_limit(2, retry_after=0)
    report = run_at(worker, NOW + timedelta(minutes=1))
    assert report.sent >= 7 and report.retried == 0
    assert len([c for c in fake.calls() if c.status == 429]) == 2
    ids = Counter(m["metadata"]["event_payload"]["outbox_id"] for m in fake.messages())
    assert max(ids.values()) == 1


def test_slack_refusing_a_reminder_tries_again_later_then_gives_up(
    session: Session, engine: Engine, fake: FakeSlack
) -> None:
    worker = sender(engine, fake)
    fake.fail("chat.postMessage", "internal_error", times=1000)
    wall = NOW + timedelta(minutes=1)
    first = run_at(worker, wall)
    assert first.sent == 0 and first.retried >= 7
    fake.fail("chat.postMessage", times=0)
    assert run_at(worker, wall + timedelta(seconds=10)).sent == 0  # not straight away
    assert run_at(worker, wall + timedelta(minutes=2)).sent == first.retried
    # One that Slack refuses every time is given up after five tries, with its reason.
    fake.fail("chat.postMessage", "channel_not_found", times=1000)
    day, _ = first_published_after(session, date(2027, 2, 1))
    when = datetime.combine(day, time(9, 0), tzinfo=BERLIN)
    reports = [run_at(worker, when + timedelta(minutes=2 * n)) for n in range(5)]
    assert [r.failed > 0 for r in reports] == [False, False, False, False, True]
    session.commit()
    failed = session.exec(select(ReminderOutbox).where(ReminderOutbox.state == "failed")).all()
    assert {(r.last_error, r.attempts) for r in failed} == {("slack: channel_not_found", 5)}


def test_429s_beyond_the_clients_retries_come_back_after_retry_after(
    session: Session, engine: Engine, fake: FakeSlack
) -> None:
    worker = sender(engine, fake, batch=1)
    # One more 429 than the client's three retries.
    fake.rate_limit(4, retry_after=0, method="chat.postMessage")
    report = run_at(worker, NOW + timedelta(minutes=1))
    assert report.retried == 1 and report.sent >= 7
    assert run_at(worker, NOW + timedelta(minutes=2)).sent == 1


def test_muted_reminders_are_not_sent(session: Session, engine: Engine, fake: FakeSlack) -> None:
    from bot.usecases.reminder_settings import change_reminder_settings
    from scheduling.reminders import ReminderKind

    change_reminder_settings(
        session, team_id=TEAM, actor="U04", now=NOW, mute=ReminderKind.END_OF_DAY
    )
    worker = sender(engine, fake)
    day = first_day_after(session, "U04", date(2027, 1, 10))
    for at in (time(9, 0), time(17, 30)):
        run_at(worker, datetime.combine(day, at, tzinfo=BERLIN))
    kinds = kinds_for(session, fake, "U04", day)
    assert "morning_of" in kinds and "end_of_day" not in kinds


def test_the_worker_learns_timezones_from_slack(
    session: Session, engine: Engine, fake: FakeSlack
) -> None:
    fake.users["U05"] = {"id": "U05", "tz": "America/New_York", "profile": {}}
    worker = sender(engine, fake)
    soon = first_day_after(session, "U05", NOW.date() + timedelta(days=3))
    # Two days ahead of U05's day the worker asks Slack, and re-plans their reminders.
    run_at(worker, datetime.combine(soon - timedelta(days=2), time(8, 0), tzinfo=BERLIN))
    session.commit()
    member = session.exec(select(Member).where(Member.user_id == "U05")).one()
    session.refresh(member)
    assert member.timezone == "America/New_York"
    assert any(c.method == "users.info" for c in fake.calls())
    day = first_day_after(session, "U05", date(2027, 1, 10))
    row = session.exec(
        select(ReminderOutbox)
        .join(Assignment, Assignment.id == ReminderOutbox.assignment_id)  # type: ignore[arg-type]
        .where(ReminderOutbox.kind == "morning_of", Assignment.day == day)
    ).one()
    assert row.due_at.astimezone(NEW_YORK).time() == time(9, 0)


def test_admin_preview_three_weeks_ahead_with_a_publish_button(
    session: Session, engine: Engine, fake: FakeSlack
) -> None:
    worker = sender(engine, fake)
    run_at(worker, datetime(2027, 3, 11, 10, 0, tzinfo=BERLIN))
    previews = [r for r in sent_rows(session, fake) if r.kind == "admin_preview"]
    assert [r.user_id for r in previews] == [ADMIN]
    [message] = [
        m for m in fake.messages() if m["metadata"]["event_payload"]["kind"] == "admin_preview"
    ]
    assert "plan:publish" in str(message["blocks"]) and "Publish" in str(message["blocks"])


def test_round_robin_spreads_one_conversations_rows() -> None:
    rows = [Claimed(n, "k", 1, NOW, None, user) for n, user in enumerate("AAABBC")]
    assert [r.user_id for r in round_robin(rows)] == ["A", "B", "C", "A", "B", "A"]


def test_the_pacer_keeps_a_second_between_posts_to_one_conversation() -> None:
    clock = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds

    pacer = Pacer(1.0, clock=lambda: clock[0], sleep=sleep)
    for channel in ("D1", "D2", "D1"):
        pacer.wait(channel)
        pacer.sent(channel)
        clock[0] += 0.25
    assert slept == [pytest.approx(0.5)]


def test_the_worker_runs_one_interval_job_that_never_overlaps_or_misfires(
    engine: Engine, fake: FakeSlack
) -> None:
    from apscheduler.triggers.interval import IntervalTrigger

    from bot.worker.scheduler import make_scheduler

    scheduler = make_scheduler(sender(engine, fake), interval=30)
    [job] = scheduler.get_jobs()
    assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (True, 1, None)
    assert isinstance(job.trigger, IntervalTrigger)
    assert job.trigger.interval == timedelta(seconds=30)
    assert job.next_run_time is not None  # the first pass runs at once
