"""JSON backups round-trip every table; history imports report before they write."""

from __future__ import annotations

import copy
import json
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import bot.usecases as uc
from bot.usecases.backup import export_data, restore_data
from bot.usecases.history_import import HistoryRow, import_history
from storage.models import (
    METADATA,
    Assignment,
    FeedToken,
    ReminderOutbox,
    Rotation,
    Workspace,
)
from tests.storage.databases import Database
from tests.usecases.conftest import ADMIN, NOW, TEAM, Team

LATER = NOW + timedelta(days=10)


def busy_team(team: Team) -> None:
    """A bit of everything: done days, time off, a swap, notes, a reminder, a feed token."""
    s = team.session
    uc.mark_days_done(s, team_id=TEAM, rotation="support", actor=ADMIN, now=LATER)
    uc.book_time_off(
        s,
        team_id=TEAM,
        rotation="support",
        actor="U03",
        now=LATER,
        user="U03",
        first_day=date(2027, 2, 1),
        last_day=date(2027, 2, 3),
        note="ski",
    )
    mine = [d for d in team.days("U01") if d > LATER.date()][0]
    theirs = [d for d in team.days("U02") if d > LATER.date()][0]
    request = uc.request_swap(
        s,
        team_id=TEAM,
        rotation="support",
        actor="U01",
        now=LATER,
        day=mine,
        counterpart="U02",
        counterpart_day=theirs,
    )
    uc.accept_request(s, team_id=TEAM, actor="U02", now=LATER, request_id=request.id)
    uc.request_cover(
        s,
        team_id=TEAM,
        rotation="support",
        actor="U04",
        now=LATER,
        day=[d for d in team.days("U04") if d > LATER.date()][0],
    )
    uc.record_ticket(
        s,
        team_id=TEAM,
        rotation="support",
        actor="U01",
        now=LATER,
        text="Bug ü",
        url="https://x.example/1",
    )
    uc.record_highlight(s, team_id=TEAM, rotation="support", actor="U01", now=LATER, text="Nice")
    uc.configure_rotation(
        s, team_id=TEAM, rotation="support", actor=ADMIN, now=LATER, closed_days=[date(2027, 3, 1)]
    )
    assignment = s.exec(select(Assignment).where(Assignment.state == "published")).first()
    workspace = s.exec(select(Workspace)).one()
    assert assignment is not None and assignment.id and workspace.id
    # Publishing queued the days' reminders (and the published-quarter DMs).
    assert s.exec(select(ReminderOutbox).where(ReminderOutbox.assignment_id == assignment.id)).all()
    s.add(
        FeedToken(
            workspace_id=workspace.id,
            user_id="U01",
            revision=2,
            token_hash="ab" * 32,
            created_at=LATER,
        )
    )
    s.commit()


def without_stamp(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "exported_at"}


def test_export_then_restore_round_trips_every_table(team: Team, database: Database) -> None:
    busy_team(team)
    uc.configure_rotation(
        team.session,
        team_id=TEAM,
        rotation="support",
        actor=ADMIN,
        now=LATER,
        queue_handle="@queue-now",
        queue_post=False,
    )
    exported = export_data(team.session, now=LATER)
    assert exported["format"] == "queueday-export" and exported["version"] == 1
    [support] = [r for r in exported["rotations"] if r["name"] == "support"]
    assert (support["queue_handle"], support["queue_post"]) == ("queue-now", False)
    for key in (
        "workspaces",
        "rotations",
        "members",
        "assignments",
        "time_off",
        "swaps",
        "tickets",
        "highlights",
        "audit",
        "plan_versions",
        "reminders",
        "feeds",
    ):
        assert exported[key], key
    assert {a["state"] for a in exported["assignments"]} == {"done", "published", "cancelled"}
    text = json.dumps(exported)  # the backup is plain JSON
    assert "SECRET" not in text.upper()
    METADATA.drop_all(team.session.get_bind())
    METADATA.create_all(team.session.get_bind())
    with Session(team.session.get_bind()) as fresh:
        counts = restore_data(fresh, data=json.loads(text), now=LATER)
        assert counts["assignments"] == len(exported["assignments"])
        again = export_data(fresh, now=LATER)
    assert without_stamp(again) == without_stamp(exported)


def test_an_export_from_before_the_queue_in_the_channel_restores_its_defaults(
    team: Team, engine: Engine
) -> None:
    data = export_data(team.session, now=NOW)
    for rotation in data["rotations"]:
        for key in [k for k in rotation if k.startswith("queue_")]:
            del rotation[key]
    METADATA.drop_all(engine)
    METADATA.create_all(engine)
    with Session(engine) as fresh:
        restore_data(fresh, data=data, now=NOW)
        [row] = fresh.exec(select(Rotation)).all()
    assert row.queue_handle is None and row.queue_group and row.queue_topic and row.queue_post
    assert not row.queue_topic_overwrite


def test_export_of_one_rotation(team: Team) -> None:
    uc.create_rotation(
        team.session, team_id=TEAM, actor=ADMIN, actor_name="Ada", now=NOW, name="oncall"
    )
    data = export_data(team.session, now=NOW, rotation="oncall")
    assert [r["name"] for r in data["rotations"]] == ["oncall"]
    assert {m["rotation"] for m in data["members"]} == {"oncall"} and data["assignments"] == []


def test_restore_refuses_a_database_with_data(team: Team) -> None:
    data = export_data(team.session, now=NOW)
    before = team.counts()
    with pytest.raises(uc.Conflict, match="not empty"):
        restore_data(team.session, data=data, now=NOW)
    assert team.counts() == before


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda d: d.update(format="other"), "not a QueueDay backup"),
        (lambda d: d.update(version=2), "version"),
        (lambda d: d["members"][3].pop("user"), r"members\[3\].user: missing"),
        (lambda d: d["assignments"][5].update(date="2027-02-30"), r"assignments\[5\].date"),
        (lambda d: d["assignments"][5].update(user="U99"), r"assignments\[5\].user"),
        (lambda d: d["rotations"][0].update(slots_per_day="two"), r"rotations\[0\].slots_per_day"),
        (lambda d: d["members"][0].update(created_at="2027-01-01T00:00:00"), "no timezone"),
        (lambda d: d["rotations"][0].update(queue_handle="Not ok"), r"\].queue_handle: A user"),
        (lambda d: d["rotations"][0].update(queue_post="no"), r"rotations\[0\].queue_post"),
    ],
)
def test_a_damaged_backup_is_refused_whole(
    team: Team, engine: Engine, damage: Any, message: str
) -> None:
    data = copy.deepcopy(export_data(team.session, now=NOW))
    damage(data)
    METADATA.drop_all(engine)
    METADATA.create_all(engine)
    with Session(engine) as fresh:
        with pytest.raises(uc.InvalidInput, match=message):
            restore_data(fresh, data=data, now=NOW)
        assert fresh.exec(select(Workspace)).all() == []


def rows(*items: tuple[int, str, str]) -> list[HistoryRow]:
    return [HistoryRow(line=n, day=date.fromisoformat(d), who=w) for n, d, w in items]


def test_history_import_dry_run_reports_and_writes_nothing(team: Team) -> None:
    before = team.counts()
    report = import_history(
        team.session,
        team_id=TEAM,
        rotation="support",
        actor=ADMIN,
        now=NOW,
        dry_run=True,
        rows=rows(
            (2, "2026-11-02", "U01"),
            (3, "2026-11-03", "p2@example.com"),
            (4, "2026-11-02", "U01"),
            (5, "2026-11-04", "ghost@example.com"),
        ),
    )
    assert (report.rows, report.imported, report.already) == (4, 2, 0)
    assert report.unknown == ("ghost@example.com",)
    assert report.duplicates == ("line 4: 2026-11-02 U01 (also line 2)",)
    assert team.counts() == before


def test_history_import_records_done_days(team: Team) -> None:
    report = import_history(
        team.session,
        team_id=TEAM,
        rotation="support",
        actor=ADMIN,
        now=NOW,
        rows=rows(
            (1, "2026-11-02", "U01"), (2, "2026-11-03", "P2@example.com"), (3, "2026-11-02", "U01")
        ),
    )
    assert (report.imported, len(report.duplicates)) == (2, 1)
    assert date(2026, 11, 2) in team.days("U01", ("done",))
    assert date(2026, 11, 3) in team.days("U02", ("done",))
    # Importing the same file again adds nothing.
    again = import_history(
        team.session,
        team_id=TEAM,
        rotation="support",
        actor=ADMIN,
        now=NOW,
        rows=rows((1, "2026-11-02", "U01")),
    )
    assert (again.imported, again.already) == (0, 1)
    assert team.audit()[-1] == "history.import"


def test_history_import_refusals_write_nothing(team: Team) -> None:
    before = team.counts()
    with pytest.raises(uc.NotFound, match=r"^1 unknown person \(add them"):
        import_history(
            team.session,
            team_id=TEAM,
            rotation="support",
            actor=ADMIN,
            now=NOW,
            rows=rows((1, "2026-11-02", "U01"), (2, "2026-11-03", "U99")),
        )
    with pytest.raises(uc.InvalidInput, match="line 1: 2027-01-04 is not in the past"):
        import_history(
            team.session,
            team_id=TEAM,
            rotation="support",
            actor=ADMIN,
            now=NOW,
            rows=rows((1, "2027-01-04", "U01")),
        )
    with pytest.raises(uc.NotAllowed):
        import_history(
            team.session,
            team_id=TEAM,
            rotation="support",
            actor="U01",
            now=NOW,
            rows=rows((1, "2026-11-02", "U01")),
        )
    assert team.counts() == before
