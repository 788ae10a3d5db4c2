"""The queue in the channel, end to end through the real worker pass (Sender.run_once, as
`queueday worker` and `queueday remind --now` run it) against the fake Slack Web API:
the `@support-today` group, the topic and the morning handover post, once per day."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import bot.usecases as uc
from bot.services import make_client
from bot.slack.views.channel import MAX_TOPIC, merged_topic
from bot.usecases import channel_queue
from bot.worker.sender import Pacer, RunReport, Sender, WorkerConfig
from storage import queries
from storage.models import METADATA, ReminderOutbox, Rotation, SlackPace
from tests.bot.fake_slack import FakeSlack
from tests.storage.databases import Database, database
from tests.usecases.conftest import ADMIN, NOW, TEAM, build_team

__all__ = ["database"]

CHANNEL = "C0QUEUE12"
MONDAY = NOW  # Monday 4 January 2027, 09:00 in Berlin: the rotation's morning time
GROUP_METHODS = ("usergroups.list", "usergroups.create", "usergroups.users.update")


@pytest.fixture(scope="module")
def fake_api() -> Iterator[FakeSlack]:
    with FakeSlack(team_id=TEAM) as fake:
        yield fake


@pytest.fixture
def fake(fake_api: FakeSlack) -> FakeSlack:
    fake_api.reset()
    return fake_api


@pytest.fixture
def engine(database: Database, tmp_path: Path) -> Iterator[Engine]:
    """A SQLite file (the worker's threads share it) and PostgreSQL."""
    if database.backend == "sqlite":
        database = Database("sqlite", f"sqlite:///{tmp_path / 'channel.db'}")
    engine = database.engine()
    METADATA.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        build_team(session)
        uc.configure_rotation(
            session, team_id=TEAM, rotation="support", actor=ADMIN, now=NOW, channel=CHANNEL
        )
        yield session


def sender(engine: Engine, fake: FakeSlack, when: list[datetime], name: str = "w1") -> Sender:
    return Sender(
        engine,
        make_client(fake.api_url, fake.bot_token),
        team_id=TEAM,
        config=WorkerConfig(channel_interval=0),
        worker=name,
        wall=lambda: when[0],
        pacer=Pacer(0),
    )


def run_at(engine: Engine, fake: FakeSlack, at: datetime) -> RunReport:
    return sender(engine, fake, [at]).run_once(at)


def on_duty(session: Session, day: date) -> list[str]:
    session.commit()
    rotation = queries.rotation_of_team(session, team_id=TEAM, name="support")
    assert rotation is not None and rotation.id is not None
    return sorted(u for u, _ in queries.on_duty(session, rotation_id=rotation.id, day=day))


def channel_calls(fake: FakeSlack, since: int = 0) -> list[str]:
    """The Slack calls about the channel and the user groups, in order (from call
    number `since` on)."""
    return [
        c.method
        for c in fake.calls()[since:]
        if c.method.startswith("usergroups.") or CHANNEL in c.names
    ]


def group(fake: FakeSlack) -> dict[str, object]:
    found = [g for g in fake.usergroups.values() if g["handle"] == "support-today"]
    assert len(found) == 1, fake.usergroups
    return found[0]


def test_a_working_morning_sets_group_topic_and_posts_once(
    session: Session, fake: FakeSlack
) -> None:
    today = on_duty(session, MONDAY.date())
    assert len(today) == 1
    report = run_at(session.get_bind(), fake, MONDAY)  # type: ignore[arg-type]
    assert report.sent_by_kind["queue_morning"] == 1
    assert channel_calls(fake) == [
        "usergroups.list",
        "usergroups.create",
        "usergroups.users.update",
        "conversations.info",
        "conversations.setTopic",
        "chat.postMessage",
    ]
    assert group(fake)["users"] == today
    topic = fake.topics[CHANNEL]
    assert topic.startswith(f"On the support queue today: <@{today[0]}>")
    assert " · next: Tue <@" in topic and len(topic) <= MAX_TOPIC
    posts = fake.messages(CHANNEL)
    assert len(posts) == 1
    assert f"<@{today[0]}>" in posts[0]["text"] and "@support-today" in posts[0]["text"]
    assert posts[0]["metadata"]["event_payload"]["kind"] == "queue_morning"

    before = len(fake.calls())
    again = run_at(session.get_bind(), fake, MONDAY + timedelta(minutes=30))  # type: ignore[arg-type]
    assert again.sent_by_kind.get("queue_morning", 0) == 0
    assert channel_calls(fake)[6:] == [] and len(fake.calls()) >= before
    assert len(fake.messages(CHANNEL)) == 1


def test_before_the_morning_time_nothing_happens_in_the_channel(
    session: Session, fake: FakeSlack
) -> None:
    run_at(session.get_bind(), fake, MONDAY - timedelta(minutes=1))  # type: ignore[arg-type]
    assert channel_calls(fake) == []


def test_a_cover_for_today_updates_group_and_topic_within_one_pass(
    session: Session, fake: FakeSlack
) -> None:
    engine: Engine = session.get_bind()  # type: ignore[assignment]
    run_at(engine, fake, MONDAY)
    [person] = on_duty(session, MONDAY.date())
    taker = "U06" if person != "U06" else "U05"
    later = MONDAY + timedelta(hours=1)
    request = uc.request_cover(
        session,
        team_id=TEAM,
        rotation="support",
        actor=person,
        now=later,
        day=MONDAY.date(),
        counterpart=taker,
    )
    uc.accept_request(session, team_id=TEAM, actor=taker, now=later, request_id=request.id)
    assert on_duty(session, MONDAY.date()) == [taker]
    since = len(fake.calls())
    report = run_at(engine, fake, later)
    assert report.sent_by_kind["queue_update"] == 1
    assert channel_calls(fake, since) == [
        "usergroups.users.update",
        "conversations.info",
        "conversations.setTopic",
    ]
    updated = fake.calls("usergroups.users.update")[-1]
    assert updated.params["users"] == taker
    assert fake.topics[CHANNEL].startswith(f"On the support queue today: <@{taker}>")
    assert len(fake.messages(CHANNEL)) == 1  # one post a day: the morning's


def test_a_weekend_keeps_the_group_and_says_no_queue_once(
    session: Session, fake: FakeSlack
) -> None:
    engine: Engine = session.get_bind()  # type: ignore[assignment]
    friday = MONDAY + timedelta(days=4)
    run_at(engine, fake, friday)
    members = list(group(fake)["users"])  # type: ignore[call-overload]
    fake_calls = len(fake.calls())
    for n in (1, 2):  # Saturday and Sunday
        run_at(engine, fake, friday + timedelta(days=n))
    weekend = fake.calls()[fake_calls:]
    assert all(c.status == 200 for c in weekend)
    methods = [
        c.method for c in weekend if c.method.startswith("usergroups.") or CHANNEL in c.names
    ]
    assert methods == ["conversations.info", "conversations.setTopic"]  # Saturday only
    assert fake.topics[CHANNEL].startswith("No support queue today · next: Mon <@")
    assert group(fake)["users"] == members  # kept: Slack refuses an empty list
    assert len(fake.messages(CHANNEL)) == 1  # Friday's post, none at the weekend


def test_two_workers_at_once_change_each_thing_once(session: Session, fake: FakeSlack) -> None:
    engine: Engine = session.get_bind()  # type: ignore[assignment]
    when = [MONDAY]
    workers = [sender(engine, fake, when, name) for name in ("a", "b")]
    start = threading.Barrier(2)

    def run(worker: Sender) -> None:
        start.wait()
        worker.run_once(MONDAY)

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(channel_calls(fake)) == sorted(
        [
            "usergroups.list",
            "usergroups.create",
            "usergroups.users.update",
            "conversations.info",
            "conversations.setTopic",
            "chat.postMessage",
        ]
    )


def test_no_permission_for_groups_tells_admins_once_and_goes_on(
    session: Session, fake: FakeSlack
) -> None:
    engine: Engine = session.get_bind()  # type: ignore[assignment]
    fake.groups_refused = "not_allowed_token_type"
    for n in (0, 1):  # Monday and Tuesday
        run_at(engine, fake, MONDAY + timedelta(days=n))
    dms = [
        c for c in fake.calls("chat.postMessage", about=ADMIN) if "user groups" in c.params["text"]
    ]
    assert len(dms) == 1 and "not_allowed_token_type" in dms[0].params["text"]
    assert len(fake.messages(CHANNEL)) == 2  # the posts went on
    assert fake.topics[CHANNEL].startswith("On the support queue today")


def test_not_in_the_channel_says_invite_once_and_does_not_retry(
    session: Session, fake: FakeSlack
) -> None:
    engine: Engine = session.get_bind()  # type: ignore[assignment]
    fake.outside.add(CHANNEL)
    for n in (0, 1):
        report = run_at(engine, fake, MONDAY + timedelta(days=n))
        assert report.retried == 0 and report.failed == 0
    dms = [c for c in fake.calls("chat.postMessage", about=ADMIN) if "/invite" in c.params["text"]]
    assert len(dms) == 1
    assert fake.calls("conversations.setTopic") and not fake.calls(
        "chat.postMessage", about=CHANNEL
    )  # the post is not tried where the topic could not be set
    assert group(fake)["users"] == on_duty(session, MONDAY.date() + timedelta(days=1))


def test_a_429_gives_the_row_back_and_the_next_pass_repeats_nothing_done(
    session: Session, fake: FakeSlack
) -> None:
    engine: Engine = session.get_bind()  # type: ignore[assignment]
    fake.rate_limit(4, retry_after=0, method="conversations.setTopic")  # beyond the client's 3
    first = run_at(engine, fake, MONDAY)
    assert first.retried == 1 and fake.messages(CHANNEL) == []
    run_at(engine, fake, MONDAY + timedelta(minutes=1))
    assert len(fake.calls("usergroups.users.update")) == 1  # done before the 429: not again
    assert [c.status for c in fake.calls("conversations.setTopic")] == [429] * 4 + [200]
    assert len(fake.messages(CHANNEL)) == 1


def test_a_topic_someone_else_wrote_is_kept_and_ours_replaced_inside_it() -> None:
    ours = "On the support queue today: <@U02>"
    last = "On the support queue today: <@U01>"
    assert merged_topic("", ours, last_set=None, overwrite=False) == ours
    assert merged_topic("Status page: x.example", ours, last_set=None, overwrite=False) is None
    assert merged_topic("Status page: x.example", ours, last_set=None, overwrite=True) == ours
    assert (
        merged_topic(f"{last} | Status page", ours, last_set=last, overwrite=False)
        == f"{ours} | Status page"
    )
    assert merged_topic(ours, ours, last_set=last, overwrite=False) is None


def rotation_in(zone: str, clock: str = "09:00") -> Rotation:
    at = datetime(2027, 1, 1, tzinfo=UTC)
    return Rotation(
        id=1,
        workspace_id=1,
        name="support",
        channel=CHANNEL,
        timezone=zone,
        reminder_time=clock,
        created_at=at,
        updated_at=at,
    )


@pytest.mark.parametrize(
    ("case", "zone", "clock", "due_utc"),
    [
        # Clocks go forward on Sunday 28 March 2027 in Berlin: 09:00 is 07:00 UTC.
        ("dst_spring_forward_berlin", "Europe/Berlin", "09:00", datetime(2027, 3, 28, 7, 0)),
        # Back on Sunday 31 October 2027: 09:00 is 08:00 UTC again.
        ("dst_fall_back_berlin", "Europe/Berlin", "09:00", datetime(2027, 10, 31, 8, 0)),
        # 02:30 does not exist that morning: it resolves an hour later (03:30 CEST).
        ("dst_skipped_time_berlin", "Europe/Berlin", "02:30", datetime(2027, 3, 28, 1, 30)),
        # New York's morning comes hours after Berlin's (EDT from 14 March 2027).
        ("other_timezone_new_york", "America/New_York", "09:00", datetime(2027, 3, 15, 13, 0)),
    ],
)
def test_the_morning_row_is_due_at_the_local_morning(
    case: str, zone: str, clock: str, due_utc: datetime
) -> None:
    rotation = rotation_in(zone, clock)
    due = due_utc.replace(tzinfo=UTC)
    assert channel_queue.morning_rows([rotation], now=due - timedelta(seconds=1)) == []
    [row] = channel_queue.morning_rows([rotation], now=due)
    local_day = due.astimezone(ZoneInfo(zone)).date()
    assert row.due_at == due and row.dedupe_key == f"queue_morning:1:{local_day.isoformat()}"
    # Useful until the next local midnight, however long the day (23 or 25 hours).
    assert row.useful_until is not None
    assert row.useful_until.astimezone(ZoneInfo(zone)).time() == datetime.min.time()
    assert row.useful_until.astimezone(ZoneInfo(zone)).date() == local_day + timedelta(days=1)


def test_handles_are_checked() -> None:
    assert channel_queue.check_handle("@Support-Today") == "support-today"
    with pytest.raises(uc.InvalidInput, match="lower-case letters"):
        channel_queue.check_handle("@no spaces")


def test_a_worker_killed_after_posting_repeats_nothing_when_the_row_is_taken_again(
    session: Session, fake: FakeSlack
) -> None:
    """As after a kill -9 between Slack's answers and the outbox's record: the row is
    pending again with its lease run out; the next worker finds the post by its metadata
    and the group and topic already as QueueDay set them."""
    engine: Engine = session.get_bind()  # type: ignore[assignment]
    run_at(engine, fake, MONDAY)
    session.commit()
    [row] = session.exec(select(ReminderOutbox).where(ReminderOutbox.kind == "queue_morning")).all()
    row.state, row.claimed_until, row.sent_at = "pending", MONDAY, None
    session.add(row)
    session.commit()
    since = len(fake.calls())
    report = run_at(engine, fake, MONDAY + timedelta(minutes=5))
    assert channel_calls(fake, since) == ["conversations.history"]
    assert len(fake.messages(CHANNEL)) == 1 and report.sent_by_kind["queue_morning"] == 1
    session.refresh(row)
    assert row.state == "sent" and row.slack_ts == fake.messages(CHANNEL)[0]["ts"]


def test_rotations_sharing_a_handle_fill_one_group_with_all_their_people(
    session: Session, fake: FakeSlack
) -> None:
    engine: Engine = session.get_bind()  # type: ignore[assignment]
    uc.create_rotation(
        session, team_id=TEAM, actor=ADMIN, actor_name="Ada", now=NOW, name="billing",
        timezone="Europe/Berlin", channel="C0BILLING1", queue_handle="support-today",
    )  # fmt: skip
    uc.add_member(
        session, team_id=TEAM, rotation="billing", actor=ADMIN, now=NOW, user="U0BILL1",
        name="Bill", joined=date(2026, 1, 1),
    )  # fmt: skip
    uc.publish_plan(
        session, team_id=TEAM, rotation="billing", actor=ADMIN, now=NOW,
        start=MONDAY.date(), end=MONDAY.date() + timedelta(days=30), expected_version=0,
    )  # fmt: skip
    billing = sorted(u for u, _ in queries.on_duty(session, rotation_id=2, day=MONDAY.date()))
    run_at(engine, fake, MONDAY)
    expected = sorted({*on_duty(session, MONDAY.date()), *billing})
    assert len(expected) >= 2
    assert group(fake)["users"] == expected  # the last update holds both rotations' people
    assert len(fake.calls("usergroups.create")) == 1  # one group, found by the second


def test_time_off_today_hands_the_group_and_topic_to_the_replacement(
    session: Session, fake: FakeSlack
) -> None:
    engine: Engine = session.get_bind()  # type: ignore[assignment]
    run_at(engine, fake, MONDAY)
    [person] = on_duty(session, MONDAY.date())
    later = MONDAY + timedelta(hours=2)
    uc.book_time_off(
        session, team_id=TEAM, rotation="support", actor=person, now=later, user=person,
        first_day=MONDAY.date(), last_day=MONDAY.date(),
    )  # fmt: skip
    [replacement] = on_duty(session, MONDAY.date())
    assert replacement != person
    since = len(fake.calls())
    run_at(engine, fake, later)
    assert "usergroups.users.update" in channel_calls(fake, since)
    assert group(fake)["users"] == [replacement]
    assert fake.topics[CHANNEL].startswith(f"On the support queue today: <@{replacement}>")


def test_the_worker_as_deployed_paces_through_the_database(
    session: Session, fake: FakeSlack
) -> None:
    """The Sender's own pacer (turns shared by every worker in `slack_pace`): Tier 2
    turns are kept per workspace and method."""
    engine: Engine = session.get_bind()  # type: ignore[assignment]
    worker = Sender(
        engine,
        make_client(fake.api_url, fake.bot_token),
        team_id=TEAM,
        config=WorkerConfig(channel_interval=0),
        wall=lambda: MONDAY,
    )
    report = worker.run_once(MONDAY)
    assert report.sent_by_kind["queue_morning"] == 1
    assert len(fake.messages(CHANNEL)) == 1 and group(fake)["users"]
    with Session(engine) as check:
        keys = set(check.exec(select(SlackPace.key)))
    assert f"api:{TEAM}:usergroups.users.update" in keys
