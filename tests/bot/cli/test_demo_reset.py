"""`queueday demo --reset` after reminders showed highlights (issue 9, D10): it failed
with "Someone else changed this at the same moment", since the purge left the
`shown_highlights` rows that point at the demo's highlights."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlmodel import Session, func, select

from bot.cli.main import main
from bot.usecases import demo
from storage import reminder_queries
from storage.db import make_engine
from storage.models import Highlight, ShownHighlight, Workspace


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_demo_reset_after_highlights_were_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)
    assert run("demo").exit_code == 0
    engine = make_engine(url)
    with Session(engine) as session:
        # What a morning reminder does when it shows the demo's highlights to Ada.
        shown = list(session.exec(select(Highlight.id)))
        assert shown
        reminder_queries.mark_shown(
            session, user_id=demo.ADMIN, highlight_ids=[h for h in shown if h is not None],
            now=datetime.now(UTC),
        )  # fmt: skip
        session.commit()
    reset = run("demo", "--reset")
    assert reset.exit_code == 0, reset.output
    assert "Removed the demo workspace" in reset.output and "Seeded the demo" in reset.output
    assert "Someone else changed this" not in reset.output
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(ShownHighlight)).one() == 0
        teams = list(session.exec(select(Workspace.team_id)))
    engine.dispose()
    assert teams == [demo.TEAM]
