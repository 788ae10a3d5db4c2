"""The reminder outbox follows the days: publish, swap, time off, settings, the clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import bot.usecases as uc
from bot.usecases import delivery
from bot.usecases.errors import InvalidInput
from bot.usecases.reminder_settings import change_reminder_settings, set_timezone
from scheduling.reminders import ReminderKind
from storage.models import Assignment, Member, OutboxState, ReminderOutbox
from tests.usecases.conftest import ADMIN, NOW, TEAM, Team


def rows(team: Team, user: str | None = None, kind: str | None = None) -> list[ReminderOutbox]:
    query = select(ReminderOutbox).order_by(ReminderOutbox.id)  # type: ignore[arg-type]
    found = list(team.session.exec(query.execution_options(populate_existing=True)))
    return [
        r for r in found if (user is None or r.user_id == user) and (kind is None or r.kind == kind)
    ]


def pending(team: Team, user: str, kind: str) -> list[ReminderOutbox]:
    return [r for r in rows(team, user, kind) if r.state == OutboxState.PENDING]


def day_of(team: Team, row: ReminderOutbox) -> date:
    assignment = team.session.get(Assignment, row.assignment_id)
    assert assignment is not None
    return assignment.day


def future_days(team: Team, user: str) -> list[date]:
    return [d for d in team.days(user) if d > NOW.date() + timedelta(days=2)]


def test_publishing_queues_every_days_reminders_in_the_same_transaction(team: Team) -> None:
    live = [(d, u) for d, u in team.live()]
    for kind in ("day_before", "morning_of", "end_of_day"):
        assert len([r for r in rows(team, kind=kind) if r.assignment_id]) == len(live)
    # Berlin in winter (UTC+1): 16:00 the working day before, 09:00, 17:00.
    day = future_days(team, "U01")[0]
    by_kind = {
        r.kind: r.due_at for r in rows(team, "U01") if r.assignment_id and day_of(team, r) == day
    }
    assert by_kind["morning_of"] == datetime.combine(day, time(8, 0), tzinfo=UTC)
    assert by_kind["end_of_day"] == datetime.combine(day, time(16, 0), tzinfo=UTC)
    assert by_kind["day_before"].hour == 15 and by_kind["day_before"].date() < day
    # Everyone with days gets the "your days this quarter" DM, once.
    published = rows(team, kind="published")
    assert sorted(r.user_id or "" for r in published) == sorted({u for _, u in live})
    assert all(r.payload and r.payload["version"] == 1 for r in published)


def test_a_swap_after_reminders_were_queued_moves_them_to_the_new_person(team: Team) -> None:
    mine, theirs = future_days(team, "U01")[0], future_days(team, "U02")[0]
    request = uc.request_swap(
        team.session,
        team_id=TEAM,
        rotation="support",
        actor="U01",
        now=NOW,
        day=mine,
        counterpart="U02",
        counterpart_day=theirs,
    )
    uc.accept_request(team.session, team_id=TEAM, actor="U02", now=NOW, request_id=request.id)
    for kind in ("day_before", "morning_of", "end_of_day"):
        u01 = {day_of(team, r): r.state for r in rows(team, "U01", kind)}
        u02 = {day_of(team, r): r.state for r in rows(team, "U02", kind)}
        assert u01[mine] == "cancelled" and u02[mine] == "pending"
        assert u02[theirs] == "cancelled" and u01[theirs] == "pending"


def test_time_off_cancels_the_days_reminders_and_queues_the_replacements(team: Team) -> None:
    day = future_days(team, "U03")[0]
    uc.book_time_off(
        team.session,
        team_id=TEAM,
        rotation="support",
        actor="U03",
        now=NOW,
        user="U03",
        first_day=day,
        last_day=day,
    )
    assert {r.state for r in rows(team, "U03", "morning_of") if day_of(team, r) == day} == {
        "cancelled"
    }
    [(_, taker)] = [(d, u) for d, u in team.live() if d == day]
    assert [day_of(team, r) for r in pending(team, taker, "morning_of")].count(day) == 1


def test_a_failed_use_case_queues_nothing(team: Team) -> None:
    before = len(rows(team))
    with pytest.raises(uc.UseCaseError):
        uc.request_swap(
            team.session,
            team_id=TEAM,
            rotation="support",
            actor="U01",
            now=NOW,
            day=date(2027, 1, 2),  # a Saturday: not their day
            counterpart="U02",
            counterpart_day=future_days(team, "U02")[0],
        )
    assert len(rows(team)) == before


def test_muting_cancels_moving_requeues_and_essential_kinds_refuse(team: Team) -> None:
    assert pending(team, "U01", "day_before")
    change_reminder_settings(
        team.session, team_id=TEAM, actor="U01", now=NOW, mute=ReminderKind.DAY_BEFORE
    )
    assert not pending(team, "U01", "day_before")
    assert pending(team, "U02", "day_before")  # others unaffected
    settings = change_reminder_settings(
        team.session,
        team_id=TEAM,
        actor="U01",
        now=NOW,
        unmute=ReminderKind.DAY_BEFORE,
        move=(ReminderKind.MORNING_OF, time(7, 30)),
    )
    assert settings.times.morning_of == time(7, 30) and not settings.times.muted
    assert pending(team, "U01", "day_before")
    assert {r.due_at.time() for r in pending(team, "U01", "morning_of")} == {time(6, 30)}
    with pytest.raises(InvalidInput, match="can't be muted"):
        change_reminder_settings(
            team.session, team_id=TEAM, actor="U01", now=NOW, mute=ReminderKind.MORNING_OF
        )


def test_a_persons_own_timezone_moves_their_reminders(team: Team) -> None:
    set_timezone(team.session, team_id=TEAM, user="U01", timezone="America/New_York", now=NOW)
    hours = set()
    for row in pending(team, "U01", "morning_of"):
        local = datetime.combine(day_of(team, row), time(9, 0), tzinfo=ZoneInfo("America/New_York"))
        assert row.due_at == local
        hours.add(row.due_at.astimezone(UTC).hour)
    # 09:00 in New York is 14:00 UTC until 14 March (EST) and 13:00 after it (EDT).
    assert hours == {13, 14}


def test_periodic_rows_admin_preview_three_weeks_ahead_and_weekly_digest(team: Team) -> None:
    uc.configure_rotation(
        team.session, team_id=TEAM, rotation="support", actor=ADMIN, now=NOW, channel="C0SUP"
    )
    # Q2 starts on Thursday 1 April 2027: the preview is due on 11 March, 10:00 Berlin.
    before = datetime(2027, 3, 11, 8, 59, tzinfo=UTC)
    assert delivery.queue_periodic(team.session, now=before).previews == 0
    at = datetime(2027, 3, 11, 9, 0, tzinfo=UTC)
    report = delivery.queue_periodic(team.session, now=at)
    assert report.previews == 1
    [preview] = rows(team, kind="admin_preview")
    assert preview.user_id == ADMIN and preview.payload == {
        "start": "2027-04-01",
        "end": "2027-06-30",
    }
    # Friday 12 March 16:00 Berlin: this week's digest; queued once however often asked.
    friday = datetime(2027, 3, 12, 15, 0, tzinfo=UTC)
    assert delivery.queue_periodic(team.session, now=friday).digests == 1
    assert delivery.queue_periodic(team.session, now=friday).digests == 0
    [digest] = rows(team, kind="weekly_digest")
    assert digest.slack_channel == "C0SUP" and digest.payload == {"week_start": "2027-03-08"}


def test_the_safety_net_queues_days_that_reached_the_table_without_a_use_case(
    team: Team,
) -> None:
    ids = [r.id for r in rows(team) if r.assignment_id]
    for row in rows(team):
        if row.id in ids:
            team.session.delete(row)
    team.session.commit()
    report = delivery.queue_periodic(team.session, now=NOW)
    assert report.repaired > 0
    assert pending(team, "U01", "morning_of")


def test_claims_never_overlap_and_expired_leases_come_back(team: Team, engine: Engine) -> None:
    due_by = datetime(2027, 1, 31, tzinfo=UTC)
    wall = datetime.now(UTC)
    with Session(engine) as one, Session(engine) as two:
        first = delivery.claim(
            one, due_by=due_by, wall=wall, worker="a", lease=timedelta(seconds=30), limit=20
        )
        second = delivery.claim(
            two, due_by=due_by, wall=wall, worker="b", lease=timedelta(seconds=30), limit=20
        )
        assert first and second and not {c.id for c in first} & {c.id for c in second}
        later = wall + timedelta(seconds=31)
        again = delivery.claim(
            two, due_by=due_by, wall=later, worker="b", lease=timedelta(seconds=30), limit=20
        )
        assert {c.id for c in first} <= {c.id for c in again}
        assert all(c.attempts == 2 for c in again if c.id in {f.id for f in first})


def test_member_settings_are_kept_on_every_rotation_of_the_person(team: Team) -> None:
    change_reminder_settings(
        team.session, team_id=TEAM, actor="U01", now=NOW, areas=["#Billing", "search"]
    )
    member = team.session.exec(select(Member).where(Member.user_id == "U01")).one()
    assert member.reminder_settings is not None
    assert member.reminder_settings["areas"] == ["billing", "search"]


def test_reminder_settings_survive_a_backup(team: Team) -> None:
    from bot.usecases.backup import export_data, restore_data
    from storage.models import METADATA

    change_reminder_settings(
        team.session, team_id=TEAM, actor="U02", now=NOW, mute=ReminderKind.END_OF_DAY
    )
    exported = export_data(team.session, now=NOW)
    [u02] = [m for m in exported["members"] if m["user"] == "U02"]
    assert u02["reminder_settings"] == {"muted": ["end_of_day"]}
    bind = team.session.get_bind()
    team.session.close()
    METADATA.drop_all(bind)
    METADATA.create_all(bind)
    with Session(bind) as fresh:
        restore_data(fresh, data=exported, now=NOW)
        again = export_data(fresh, now=NOW)
    assert [m["reminder_settings"] for m in again["members"]] == [
        m["reminder_settings"] for m in exported["members"]
    ]


def test_reminders_switched_off_then_on_come_back(team: Team, engine: Engine) -> None:
    def configure(enabled: bool) -> None:
        uc.configure_rotation(
            team.session,
            team_id=TEAM,
            rotation="support",
            actor=ADMIN,
            now=NOW,
            reminders_enabled=enabled,
        )

    configure(False)
    later = NOW + timedelta(days=10)
    wall = datetime.now(UTC)
    with Session(engine, expire_on_commit=False) as worker:
        claimed = delivery.claim(
            worker, due_by=later, wall=wall, worker="w", lease=timedelta(minutes=1), limit=500
        )
        preparer = delivery.Preparer(worker, as_of=later)
        skipped = [p for p in map(preparer.prepare, claimed) if isinstance(p, delivery.Skip)]
        for skip in skipped:
            delivery.mark_skipped(
                worker, row_id=skip.row_id, worker="w", now=later, reason=skip.reason
            )
    assert any("reminders are off" in s.reason for s in skipped)
    assert not [
        r for r in pending(team, "U01", "morning_of") if day_of(team, r) < date(2027, 1, 14)
    ]
    configure(True)
    assert delivery.queue_periodic(team.session, now=later).repaired > 0
    ahead = [r for r in pending(team, "U01", "morning_of") if day_of(team, r) > later.date()]
    assert ahead
