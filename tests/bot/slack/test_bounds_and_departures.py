"""Issue 9 through the real server: time off is bounded and re-planning stays inside the
published plan (D2, D3); a removed person's calendar link answers 404 while everyone
else's keeps working (D6)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from dateutil.relativedelta import relativedelta
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

import bot.usecases as uc
from bot.cli.main import main
from scheduling.quarters import quarter_of
from storage.db import make_engine
from storage.models import Assignment, Member, ReminderOutbox, TimeOff
from storage.models import Rotation as RotationRow
from tests.bot.fake_slack import FakeSlack
from tests.bot.flows import Person, Rotation, now, seed, text_of
from tests.bot.slack_requests import SlackSender
from tests.usecases.conftest import ADMIN, NOW, build_team
from tests.usecases.conftest import TEAM as USECASE_TEAM


@pytest.fixture
def team(db: Engine) -> Rotation:
    return seed(db)


@pytest.fixture
def as_(slack: SlackSender, fake: FakeSlack, team: Rotation) -> Callable[[str], Person]:
    def person(user: str) -> Person:
        return Person(slack, fake, user, team.channel)

    return person


def published_end() -> date:
    """The last day `seed` publishes: the end of next quarter."""
    return quarter_of(now().date(), 1, 1)[1]


def rows_of(team: Rotation, user: str) -> tuple[int, int, int]:
    """(time off rows, assignment rows past the plan, reminders) of the rotation."""
    with team.session() as session:
        rotation = session.exec(select(RotationRow).where(RotationRow.name == team.name)).one()
        away = session.exec(
            select(func.count())
            .select_from(TimeOff)
            .join(Member, col(Member.id) == TimeOff.member_id)
            .where(Member.rotation_id == rotation.id, Member.user_id == user)
        ).one()
        beyond = session.exec(
            select(func.count())
            .select_from(Assignment)
            .where(Assignment.rotation_id == rotation.id, Assignment.day > published_end())
        ).one()
        reminders = session.exec(
            select(func.count())
            .select_from(ReminderOutbox)
            .where(ReminderOutbox.rotation_id == rotation.id)
        ).one()
    return int(away), int(beyond), int(reminders)


def test_away_far_ahead_is_refused_at_once(team: Rotation, as_: Callable[[str], Person]) -> None:
    """D2: `away 9999-12-31` was booked, and cancelling it re-planned up to 9999."""
    someone = team.people[0]
    before = rows_of(team, someone)
    for command in ("away 9999-12-31", "away cancel 9999-12-31", "away 2200-06-03"):
        reply = text_of(as_(someone).command(command))
        assert "too far from today" in reply, reply
    limit = published_end() + relativedelta(years=1)
    reply = text_of(as_(someone).command(f"away {(limit + timedelta(days=1)).isoformat()}"))
    assert (
        f"Time off can be booked up to {limit:%a} {limit.day} {limit:%b %Y} "
        "(a year past the published plan)."
    ) in reply, reply
    assert rows_of(team, someone) == before


def test_cancelling_time_off_past_the_plan_publishes_nothing(
    team: Rotation, as_: Callable[[str], Person]
) -> None:
    """D3: `away 2031-06-03`, `away cancel 2031-06-03` published a day in 2031."""
    someone = team.people[0]
    day = published_end() + timedelta(days=40)
    booked = text_of(as_(someone).command(f"away {day.isoformat()}"))
    assert "too far" not in booked and "up to" not in booked, booked
    away, beyond, reminders = rows_of(team, someone)
    assert away == 1 and beyond == 0
    as_(someone).command(f"away cancel {day.isoformat()}")
    assert rows_of(team, someone) == (0, 0, reminders)


def calendar_paths(person: Person) -> list[str]:
    """The paths of the feed links `calendar` shows the person: theirs first."""
    shown = text_of(person.command("calendar"))
    found = re.findall(r"http://queueday\.test(/calendar/[A-Za-z0-9_-]+\.ics)", shown)
    return list(dict.fromkeys(found))


def test_a_removed_persons_feed_answers_404_and_no_one_elses(
    team: Rotation, as_: Callable[[str], Person], slack: SlackSender
) -> None:
    """D6: after `remove @hugo` his feed still answered 200."""
    hugo, other = team.people[0], team.people[1]
    hugos, others = calendar_paths(as_(hugo)), calendar_paths(as_(other))
    assert len(hugos) == 2 and hugos[1] == others[1]  # theirs, then the rotation's
    assert [slack.request("GET", path).status for path in (*hugos, *others)] == [200] * 4
    assert "Removed" in text_of(as_(team.admin).command(f"remove <@{hugo}>"))
    assert slack.request("GET", hugos[0]).status == 404
    assert slack.request("GET", others[0]).status == 200
    assert slack.request("GET", hugos[1]).status == 200  # the rotation's link, everyone's
    assert calendar_paths(as_(hugo)) == []  # and no new link for him
    assert calendar_paths(as_(other)) == others  # nothing else was rotated


def test_queueday_feeds_prints_no_links_for_someone_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """D6 at the command line: `queueday feeds --member` still printed a removed
    person's links (made anew if need be)."""
    url = f"sqlite:///{tmp_path / 'q.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("QUEUEDAY_SECRET_KEY", "cli-secret-key-of-at-least-32-characters")
    monkeypatch.chdir(tmp_path)

    def feeds(user: str) -> Result:
        return CliRunner().invoke(main, ["feeds", "--member", user], catch_exceptions=False)

    assert CliRunner().invoke(main, ["db", "upgrade"]).exit_code == 0
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        build_team(session)
        hugo, other = feeds("U01"), feeds("U02")
        assert hugo.exit_code == 0 and other.exit_code == 0
        uc.remove_member(
            session, team_id=USECASE_TEAM, rotation="support", actor=ADMIN, now=NOW, user="U01"
        )
    engine.dispose()
    refused = feeds("U01")
    assert refused.exit_code == 2 and "has left every rotation here" in refused.output
    assert "/calendar/" not in refused.output
    assert feeds("U02").stdout == other.stdout  # everyone else's links are the same
