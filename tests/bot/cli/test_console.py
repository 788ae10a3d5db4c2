"""`queueday demo` and `queueday console`: the demo team seeded once, and a scripted
console session as its admin that goes through the same listeners as Slack."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

import bot.usecases as uc
from bot.cli.console import Console
from bot.usecases import demo
from storage import migrate
from storage.db import make_engine
from storage.models import METADATA
from tests.bot.server import ROOT
from tests.storage.databases import Database, database

__all__ = ["database"]


def queueday(workdir: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "QUEUEDAY_"))}
    env.update(
        DATABASE_URL=f"sqlite:///{workdir / 'queueday.db'}",
        PYTHONPATH=str(ROOT),
        QUEUEDAY_SECRET_KEY="console-test-key-at-least-32-characters",
    )
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=workdir,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in METADATA.sorted_tables
        }


@pytest.fixture
def migrated(database: Database) -> Iterator[Engine]:
    engine = database.engine()
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


def test_the_demo_is_seeded_once_and_reset_on_request(migrated: Engine) -> None:
    now = datetime.now(UTC)
    with Session(migrated, expire_on_commit=False) as session:
        first = demo.seed_demo(session, now=now)
        seeded = counts(migrated)
        again = demo.seed_demo(session, now=now + timedelta(hours=1))
        assert (first.seeded, again.seeded) == (True, False)
        assert counts(migrated) == seeded  # running it twice changes nothing
        people = uc.workspace_people(session, team_id=demo.TEAM)
        assert len(people) == 12 and people["U0ADA"][0] == "Ada Lovelace"
        report = uc.fairness_report(session, team_id=demo.TEAM, rotation="support", now=now)
        assert report.horizon >= first.published[-1][1] - timedelta(days=7)  # next quarter
        assert report.max_abs_projected < 1
        assert uc.time_off_list(session, team_id=demo.TEAM, user="U0BEN", now=now)
        assert demo.remove_demo(session, now=now) > 0
        assert set(counts(migrated).values()) == {0}  # every table, the workspace's rows gone
        assert not demo.demo_exists(session)
        assert demo.seed_demo(session, now=now).seeded
        assert counts(migrated) == seeded


def test_demo_command_is_idempotent_and_needs_no_slack(tmp_path: Path) -> None:
    first = queueday(tmp_path, "demo")
    assert first.returncode == 0, first.stderr
    assert "Seeded the demo" in first.stdout and "queueday console --as U0ADA" in first.stdout
    second = queueday(tmp_path, "demo")
    assert second.returncode == 0 and "nothing changed" in second.stdout
    reset = queueday(tmp_path, "demo", "--reset")
    assert reset.returncode == 0 and "Removed the demo workspace" in reset.stdout
    assert "Seeded the demo" in reset.stdout


SCRIPT = """\
/queueday who
who next monday
my
schedule
stats
away list
/queueday swap {mine} with @ben
:as ben
:click accept
:as ada
my
away {away}
bug The export button does nothing #billing
:home
/queueday frobnicate
:quit
who
"""


def test_a_scripted_console_session_as_ada(tmp_path: Path) -> None:
    assert queueday(tmp_path, "demo").returncode == 0
    # Ada's days come from the seeded data, so the script works on any date.
    engine = make_engine(f"sqlite:///{tmp_path / 'queueday.db'}")
    with Session(engine) as session:
        mine = uc.my_overview(
            session, team_id=demo.TEAM, user="U0ADA", now=datetime.now(UTC)
        ).rotations[0]
    engine.dispose()
    script = SCRIPT.format(mine=mine.next_days[-1], away=mine.next_days[-2])
    done = queueday(tmp_path, "console", "--as", "U0ADA", stdin=script)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Traceback" not in out + done.stderr
    assert "Ada Lovelace> /queueday who" in out and "in #C0DEMO for everyone" in out
    assert "Your queue days" in out and "Balance" in out  # my
    assert "support: this quarter" in out  # schedule
    assert "support: fairness" in out and "Furthest from fair" in out  # stats
    assert "Your time off" in out or "no time off booked" in out  # away list
    assert "DM to @Ben Okafor" in out and ": Accept]" in out and ": Decline]" in out
    assert "You are now Ben Okafor" in out
    assert "Swapped in *support*" in out  # Ben accepted in his DM
    assert "App Home of @Ada Lovelace updated" in out
    assert "Booked time off" in out  # away
    assert "Saved bug ticket" in out
    assert "== QueueDay ==" in out  # :home
    assert "I don't know `frobnicate`" in out
    assert out.rstrip().endswith("Ada Lovelace> :quit")  # nothing after :quit


def test_console_in_process_on_each_database(migrated: Engine) -> None:
    """The console drives the app on PostgreSQL as on SQLite (one Bolt app, one fake)."""
    now = datetime.now(UTC)
    with Session(migrated, expire_on_commit=False) as session:
        demo.seed_demo(session, now=now)
    out = io.StringIO()
    console = Console(migrated, user="ada", team_id=demo.TEAM, channel=demo.CHANNEL, out=out)
    try:
        console.run(["who", "my", "stats", "away list", "nonsense", ":help"], echo=True)
    finally:
        console.close()
    text = out.getvalue()
    assert "Ada Lovelace> who" in text and "support: fairness" in text
    assert "I don't know `nonsense`" in text and ":click <n or label>" in text


def test_the_console_refuses_to_act_as_someone_unknown(migrated: Engine) -> None:
    """`:as nobody` used to be taken as a user id, and later showed up as `<@nobody>`."""
    with Session(migrated, expire_on_commit=False) as session:
        demo.seed_demo(session, now=datetime.now(UTC))
    out = io.StringIO()
    console = Console(migrated, user="ada", team_id=demo.TEAM, channel=demo.CHANNEL, out=out)
    try:
        console.run([":as nobody", "my", ":as ben", ":as U0NEWBIE"], echo=True)
        assert console.user == "U0NEWBIE"  # a Slack user id is someone new, e.g. to join
    finally:
        console.close()
    text = out.getvalue()
    assert "Nobody here is called `nobody`" in text and "Ben" in text
    assert "Ada Lovelace> my" in text  # still Ada after the refusal
    assert "You are now Ben Okafor (U0BEN)." in text
    assert "You are now U0NEWBIE (U0NEWBIE, new to this workspace)." in text
    assert "<@nobody>" not in text and "@nobody" not in text.replace(":as nobody", "")
    with pytest.raises(uc.NotFound, match="Nobody here is called `nobody`"):
        Console(migrated, user="nobody", team_id=demo.TEAM, channel=demo.CHANNEL, out=out)


def test_console_as_nobody_exits_2_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from bot.cli.main import main

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'q.db'}")
    monkeypatch.setenv("QUEUEDAY_SECRET_KEY", "console-test-key-at-least-32-characters")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["console", "--as", "nobody"], input="")
    assert result.exit_code == 2, result.output
    assert result.output.strip().splitlines() == [
        "Error: Nobody here is called `nobody`: name someone in this workspace (nobody yet) "
        "or give a Slack user id such as `U0BEN`."
    ]


def test_remind_shows_what_the_channel_would_see(migrated: Engine) -> None:
    """`:remind` at a morning: the topic, `@support-today`'s people and the handover post
    the worker would give the demo channel; again, nothing more."""
    from zoneinfo import ZoneInfo

    now = datetime.now(UTC)
    with Session(migrated, expire_on_commit=False) as session:
        demo.seed_demo(session, now=now)
        day = now.astimezone(ZoneInfo(demo.TIMEZONE)).date() + timedelta(days=1)
        while not uc.who_is_on(session, team_id=demo.TEAM, rotation="support", day=day).people:
            day += timedelta(days=1)
        [(_, name), *_] = uc.who_is_on(
            session, team_id=demo.TEAM, rotation="support", day=day
        ).people
    morning = datetime.combine(day, datetime.min.time(), ZoneInfo(demo.TIMEZONE)).replace(hour=9)
    out = io.StringIO()
    console = Console(
        migrated,
        user="ada",
        team_id=demo.TEAM,
        channel=demo.CHANNEL,
        out=out,
        clock=lambda: morning.astimezone(UTC),
    )
    try:
        console.run([":remind"], echo=True)
        first = out.getvalue()
        console.run([":remind", "who"], echo=True)
        second = out.getvalue()[len(first) :]
    finally:
        console.close()
    assert f"--- topic of #{demo.CHANNEL} set" in first
    assert f"On the support queue today: @{name}" in first
    assert f"--- @support-today now: @{name}" in first
    assert "Reach them with `@support-today`" in first and "*Handover from" in first
    assert "topic of" not in second and "support-today now" not in second
    assert "Reach them with `@support-today`" in second  # `who` names the group too
