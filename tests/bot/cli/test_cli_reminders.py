"""`queueday import tickets|highlights`, `queueday remind --now` and `queueday worker`
from the command line: one-line refusals with exit status 2, nothing stored."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlmodel import Session, select

from bot.cli.common import BadInput
from bot.cli.main import main
from bot.cli.reminders import parse_instant
from storage.db import make_engine
from storage.models import Highlight, ReminderOutbox, Ticket
from tests.bot.fake_slack import FakeSlack
from tests.usecases.conftest import TEAM, build_team


@pytest.fixture(scope="module")
def fake_api() -> Iterator[FakeSlack]:
    with FakeSlack(team_id=TEAM) as fake:
        yield fake


@pytest.fixture
def fake(fake_api: FakeSlack) -> FakeSlack:
    fake_api.reset()
    return fake_api


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'q.db'}"
    for name in ("SLACK_BOT_TOKEN", "SLACK_API_URL", "QUEUEDAY_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", url)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    return url


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def seeded(db_url: str) -> str:
    assert run("db", "upgrade").exit_code == 0
    engine = make_engine(db_url)
    with Session(engine, expire_on_commit=False) as session:
        build_team(session)
    engine.dispose()
    return db_url


def rows(url: str, model: type[Ticket] | type[Highlight]) -> list[Ticket] | list[Highlight]:
    engine = make_engine(url)
    with Session(engine) as session:
        found = list(session.exec(select(model)))
    engine.dispose()
    return found  # type: ignore[return-value]


def one_line_error(result: Result, text: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and text in lines[0], result.output


def test_import_tickets_with_a_header_then_again_skips_known_ids(
    seeded: str, tmp_path: Path
) -> None:
    csv = tmp_path / "tickets.csv"
    csv.write_text(
        "title,id,severity,area,url,status\n"
        "Export times out,QD-1,high,billing,https://t.example/1,open\n"
        '"Login, on Safari",QD-2,low,auth,,closed\n'
        "No id here,,,,,\n",
        encoding="utf-8",
    )
    result = run("import", "tickets", str(csv))
    assert result.exit_code == 0, result.output
    assert "3 rows: imported 3 tickets, 0 already known" in result.output
    again = run("import", "tickets", str(csv), "--rotation", "support")
    assert "imported 1 ticket, 2 already known" in again.output
    found = {t.text: (t.external_id, t.state, t.severity) for t in rows(seeded, Ticket)}
    assert found["Login, on Safari"] == ("hook:QD-2", "closed", "low")
    assert found["Export times out"] == ("hook:QD-1", "open", "high")


def test_import_highlights_without_a_header(seeded: str, tmp_path: Path) -> None:
    csv = tmp_path / "h.csv"
    csv.write_text("Acme loves invoices,https://x.example/a,billing\nSearch is fast\n")
    result = run("import", "highlights", str(csv))
    assert result.exit_code == 0, result.output
    assert sorted(h.text for h in rows(seeded, Highlight)) == [
        "Acme loves invoices",
        "Search is fast",
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("id,title\nQD-1,\n", ":2: title: empty"),
        ("QD-1,x,ftp://nope\n", ":1: url: must start with https://"),
        ("QD-1,x,,,,sideways\n", ":1: status: 'sideways'"),
        ("a,b,c,d,e,f,g\n", ":1: 7 columns; expected at most 6"),
        ("", ": no rows"),
        ("QD-1," + "x" * 2001 + "\n", "line 1: text: 2001 characters"),
    ],
)
def test_bad_ticket_files_exit_2_with_one_line_and_store_nothing(
    seeded: str, tmp_path: Path, content: str, message: str
) -> None:
    csv = tmp_path / "bad.csv"
    csv.write_text(content, encoding="utf-8")
    one_line_error(run("import", "tickets", str(csv)), message)
    assert rows(seeded, Ticket) == []


def test_a_missing_file_and_an_unknown_rotation(seeded: str, tmp_path: Path) -> None:
    one_line_error(run("import", "highlights", str(tmp_path / "none.csv")), "cannot read")
    csv = tmp_path / "h.csv"
    csv.write_text("Nice\n")
    one_line_error(run("import", "highlights", str(csv), "--rotation", "x"), "no rotation")


@pytest.mark.parametrize("command", [["worker"], ["remind", "--now", "2027-01-04T09:00"]])
def test_worker_and_remind_refuse_without_the_bot_token(db_url: str, command: list[str]) -> None:
    result = run(*command)
    assert result.exit_code == 2
    assert "SLACK_BOT_TOKEN is not set" in result.output


def test_remind_refuses_a_bad_time(db_url: str) -> None:
    one_line_error(run("remind", "--now", "tomorrow-ish"), "--now: 'tomorrow-ish'")


def test_a_time_without_offset_is_utc() -> None:
    assert parse_instant("2027-01-12T09:30:00").isoformat() == "2027-01-12T09:30:00+00:00"
    assert parse_instant("2027-01-12T09:30:00+01:00").utcoffset() is not None
    assert parse_instant("2027-01-12T08:30Z").isoformat() == "2027-01-12T08:30:00+00:00"
    with pytest.raises(BadInput):
        parse_instant("12/01/2027")


def test_remind_now_sends_what_is_due_once(
    seeded: str, fake: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", fake.bot_token)
    monkeypatch.setenv("SLACK_API_URL", fake.api_url)
    monkeypatch.setenv("QUEUEDAY_SECRET_KEY", "remind-test-key-at-least-32-characters")
    first = run("remind", "--now", "2027-01-04T09:30:00+01:00")
    assert first.exit_code == 0, first.output
    assert "reminders due by 2027-01-04T09:30:00+01:00: 8 sent" in first.output
    again = run("remind", "--now", "2027-01-04T09:30:00+01:00")
    assert ": 0 sent" in again.output
    ids = Counter(m["metadata"]["event_payload"]["outbox_id"] for m in fake.messages())
    assert len(ids) == 8 and max(ids.values()) == 1
    engine = make_engine(seeded)
    with Session(engine) as session:
        sent = session.exec(select(ReminderOutbox).where(ReminderOutbox.state == "sent")).all()
    engine.dispose()
    assert len(sent) == 8
    # The published-quarter DM carries the person's feed links.
    published = [
        m for m in fake.messages() if m["metadata"]["event_payload"]["kind"] == "published"
    ]
    assert "webcal://" in str(published[0]["blocks"])
