"""`queueday db upgrade`, `import history`, `export` and `restore` from the command line."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlmodel import Session

import bot.usecases as uc
from bot.cli.main import main
from storage import migrate
from storage.db import make_engine
from tests.usecases.conftest import ADMIN, NOW, TEAM, build_team


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A SQLite file, and a working directory elsewhere (commands work from anywhere)."""
    url = f"sqlite:///{tmp_path / 'q.db'}"
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


def one_line_error(result: Result, text: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and text in lines[0], result.output
    assert "Traceback" not in result.output


def test_db_upgrade_from_empty(db_url: str) -> None:
    result = run("db", "upgrade")
    assert result.exit_code == 0
    assert f"database at revision {migrate.head_revision()} (was empty)" in result.output
    assert run("db", "current").output.strip().startswith(f"database at {migrate.head_revision()}")
    assert run("db", "upgrade").exit_code == 0


def test_db_upgrade_refuses_an_unknown_revision(db_url: str) -> None:
    one_line_error(run("db", "upgrade", "--revision", "9999"), "--revision")


def test_commands_refuse_an_old_database(db_url: str) -> None:
    engine = make_engine(db_url)
    migrate.upgrade(engine, "0001")
    engine.dispose()
    one_line_error(run("export"), "run `queueday db upgrade`")


def test_a_bad_database_url_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "mysql://x/y")
    one_line_error(run("db", "upgrade"), "unsupported database 'mysql'")


def test_import_history_dry_run_then_for_real(seeded: str, tmp_path: Path) -> None:
    csv_file = tmp_path / "history.csv"
    csv_file.write_text(
        "date,member,name\n2026-11-02,U01,Person 1\n2026-11-03,p2@example.com,\n"
        "2026-11-02,U01,Person 1\n2026-11-04,zoe@example.com,Zoe\n"
    )
    result = run("import", "history", str(csv_file), "--rotation", "support", "--dry-run")
    assert result.exit_code == 0
    assert "4 rows: would import 2 days, 0 already known" in result.output
    assert "unknown person: zoe@example.com (Zoe)" in result.output
    assert "duplicate: line 4: 2026-11-02 U01 (also line 2)" in result.output
    one_line_error(
        run("import", "history", str(csv_file), "--rotation", "support"), "1 unknown person ("
    )
    csv_file.write_text("2026-11-02,U01\n2026-11-03,p2@example.com\n")
    result = run("import", "history", str(csv_file), "--rotation", "support")
    assert result.exit_code == 0 and "imported 2 days" in result.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("2026-13-01,U01\n", "history.csv:1: date: '2026-13-01' is not a YYYY-MM-DD date"),
        ("date,member\n2026-11-02\n", "history.csv:2: expected date, member id or email"),
        ("", "history.csv: no rows"),
        ("2027-06-01,U01\n", "not in the past"),
    ],
)
def test_import_history_bad_files(seeded: str, tmp_path: Path, content: str, message: str) -> None:
    csv_file = tmp_path / "history.csv"
    csv_file.write_text(content)
    one_line_error(run("import", "history", str(csv_file), "--rotation", "support"), message)


def test_import_history_unknown_rotation_and_missing_file(seeded: str, tmp_path: Path) -> None:
    csv_file = tmp_path / "h.csv"
    csv_file.write_text("2026-11-02,U01\n")
    one_line_error(
        run("import", "history", str(csv_file), "--rotation", "nope"), "no rotation called 'nope'"
    )
    one_line_error(
        run("import", "history", str(tmp_path / "missing.csv"), "--rotation", "support"),
        "cannot read",
    )


def test_export_and_restore_round_trip(
    seeded: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(seeded)
    with Session(engine) as session:
        uc.book_time_off(
            session,
            team_id=TEAM,
            rotation="support",
            actor=ADMIN,
            now=NOW,
            user="U01",
            first_day=date(2027, 2, 1),
            last_day=date(2027, 2, 2),
        )
    engine.dispose()
    backup = tmp_path / "backup.json"
    assert run("export", "-o", str(backup)).exit_code == 0
    data = json.loads(backup.read_text())
    assert data["format"] == "queueday-export" and data["time_off"][0]["user"] == "U01"
    one_line_error(run("restore", str(backup)), "not empty")

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'restored.db'}")
    result = run("restore", str(backup))
    assert result.exit_code == 0 and "restored" in result.output
    # Counted in English: "1 rotation, …, 1 workspace", never "1 workspaces".
    assert "restored 1 rotation, " in result.output and "1 workspace\n" in result.output
    assert "1 time-off block" in result.output and "(s)" not in result.output
    again = json.loads(run("export").output)
    data.pop("exported_at"), again.pop("exported_at")
    assert again == data
    only = json.loads(run("export", "--rotation", "support").output)
    assert [r["name"] for r in only["rotations"]] == ["support"]
    one_line_error(run("export", "--rotation", "nope"), "no rotation called 'nope'")


def test_restore_bad_files(db_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    one_line_error(run("restore", str(bad)), "not JSON")
    bad.write_text(
        json.dumps({"format": "queueday-export", "version": 1, "workspaces": [{"team_id": 5}]})
    )
    one_line_error(run("restore", str(bad)), "workspaces[0].team_id: expected str")
    one_line_error(run("restore", str(tmp_path / "none.json")), "cannot read")
