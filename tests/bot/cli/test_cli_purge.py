"""`queueday db purge --team`: one workspace's rows deleted on request, no other's."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from sqlalchemy import func, select
from sqlmodel import Session

import bot.usecases as uc
from bot.cli.main import main
from storage.db import make_engine
from storage.models import Rotation, Workspace
from storage.slack_installs import bots
from tests.usecases.conftest import NOW, TEAM, build_team


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'q.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)
    assert run("db", "upgrade").exit_code == 0
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        build_team(session)
        uc.create_rotation(session, team_id="T0KEEP", actor="U0K", actor_name="K", now=NOW,
                           name="kept")  # fmt: skip
    store = SQLAlchemyInstallationStore(client_id="1.2", engine=engine)
    for team in (TEAM, "T0KEEP"):
        store.save(Installation(app_id="A0", team_id=team, bot_token=f"xoxb-{team}",
                                bot_user_id="U0BOT", user_id="U0I"))  # fmt: skip
    engine.dispose()
    return url


def run(*args: str, given: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=given, catch_exceptions=False)


def counts(url: str) -> tuple[int, int, list[str]]:
    engine = make_engine(url)
    with Session(engine) as session:
        rotations = session.execute(select(func.count()).select_from(Rotation)).scalar_one()
        teams = sorted(session.execute(select(Workspace.team_id)).scalars())
        stored = session.execute(select(func.count()).select_from(bots)).scalar_one()
    engine.dispose()
    return rotations, stored, teams


def test_purge_deletes_one_workspace_and_its_stored_install(db_url: str) -> None:
    result = run("db", "purge", "--team", TEAM, "--yes")
    assert result.exit_code == 0, result.output
    assert f"deleted workspace {TEAM}:" in result.output
    assert counts(db_url) == (1, 1, ["T0KEEP"])


def test_purge_asks_first_and_no_keeps_everything(db_url: str) -> None:
    result = run("db", "purge", "--team", TEAM, given="n\n")
    assert result.exit_code == 1 and "Aborted" in result.output
    assert counts(db_url)[2] == sorted([TEAM, "T0KEEP"])


@pytest.mark.parametrize(
    ("team", "said"),
    [("T0NOBODY", "QueueDay has no workspace 'T0NOBODY'"), ("T0;DROP", "not a Slack team id")],
)
def test_purge_refuses_a_workspace_it_does_not_have(db_url: str, team: str, said: str) -> None:
    result = run("db", "purge", "--team", team, "--yes")
    assert result.exit_code == 2 and said in result.output
    assert "Traceback" not in result.output
    assert counts(db_url)[2] == sorted([TEAM, "T0KEEP"])
