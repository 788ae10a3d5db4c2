"""OAuth installs on each database: slack_sdk's own SQLAlchemy stores on our tables, an
uninstall's links revoked, and a purge reaching the stored install (SQLite, PostgreSQL)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

import bot.usecases as uc
from bot.usecases.installs import end_install_links, purge_workspace
from bot.usecases.page import open_page, page_link
from storage.models import AuditEntry, FeedToken, PageToken
from storage.slack_installs import bots, installations, oauth_states
from tests.usecases.conftest import NOW

SECRET = "a-secret-key-of-at-least-32-characters!"
BASE = "https://queueday.example"
CLIENT = "1111.2222"


def installation(
    team: str | None, enterprise: str | None = None, *, org: bool = False
) -> Installation:
    return Installation(
        app_id="A0QUEUEDAY",
        enterprise_id=enterprise,
        enterprise_name="Grid" if enterprise else None,
        team_id=team,
        team_name=f"Team {team}" if team else None,
        bot_token=f"xoxe.xoxb-{team or enterprise}",
        bot_id="B0BOT",
        bot_user_id="U0BOT",
        bot_scopes="commands,chat:write",
        bot_refresh_token=f"xoxe-1-{team or enterprise}",
        bot_token_expires_in=43_200,
        user_id="U0INSTALLER",
        is_enterprise_install=org,
        token_type="bot",
    )


def rotation_with_links(
    session: Session, team: str, enterprise: str | None = None
) -> tuple[str, str]:
    """A rotation in `team` with its admin's feed link and its page link made."""
    uc.create_rotation(session, team_id=team, actor="U0ADA", actor_name="Ada", now=NOW,
                       name="support", enterprise_id=enterprise)  # fmt: skip
    feeds = uc.feed_links(
        session, team_id=team, user="U0ADA", now=NOW, secret=SECRET, base_url=BASE
    )
    page = page_link(
        session, team_id=team, rotation="support", now=NOW, secret=SECRET, base_url=BASE
    )
    return feeds.person.url.rsplit("/", 1)[-1].removesuffix(".ics"), page.token


def test_the_installation_store_saves_finds_and_deletes_on_our_tables(engine: Engine) -> None:
    store = SQLAlchemyInstallationStore(client_id=CLIENT, engine=engine)
    store.save(installation("T1"))
    store.save(installation(None, "E1", org=True))
    bot = store.find_bot(enterprise_id=None, team_id="T1")
    assert bot is not None and bot.bot_token == "xoxe.xoxb-T1" and bot.bot_refresh_token
    assert bot.bot_token_expires_at is not None and bot.bot_token_expires_at > time.time()
    # An org-wide install is found for any workspace of the org (team_id not used).
    org = store.find_bot(enterprise_id="E1", team_id="T9", is_enterprise_install=True)
    assert org is not None and org.bot_token == "xoxe.xoxb-E1"
    assert store.find_bot(enterprise_id=None, team_id="T2") is None
    store.delete_all(enterprise_id=None, team_id="T1")
    assert store.find_bot(enterprise_id=None, team_id="T1") is None
    assert store.find_bot(enterprise_id="E1", team_id=None, is_enterprise_install=True)


def test_the_state_store_consumes_a_state_once_and_not_after_it_expires(engine: Engine) -> None:
    states = SQLAlchemyOAuthStateStore(expiration_seconds=600, engine=engine)
    first, second = states.issue(), states.issue()
    assert states.consume(first) is True
    assert states.consume(first) is False  # a state works once
    with engine.begin() as connection:
        connection.execute(update(oauth_states).where(oauth_states.c.state == second)
                           .values(expire_at=datetime(2020, 1, 1)))  # fmt: skip
    assert states.consume(second) is False
    assert states.consume("never-issued") is False


def test_an_uninstall_revokes_the_workspaces_links_and_keeps_its_data(session: Session) -> None:
    _, page = rotation_with_links(session, "T1")
    _, other_page = rotation_with_links(session, "T2")
    ended = end_install_links(
        session, team_id="T1", enterprise_id=None, now=NOW + timedelta(hours=1)
    )
    assert ended.workspaces == ["T1"] and ended.feeds["T1"] >= 2 and ended.pages["T1"] == 1
    tokens = session.execute(select(FeedToken)).scalars().all()
    by_workspace = {(t.workspace_id, t.revoked_at is not None) for t in tokens}
    assert len(by_workspace) == 2  # one workspace's all revoked, the other's all live
    assert {revoked for _, revoked in by_workspace} == {True, False}
    assert open_page(session, token=page, secret=SECRET) is None  # 404 from now on
    assert open_page(session, token=other_page, secret=SECRET) is not None
    pages = session.execute(select(PageToken.revoked_at)).scalars().all()
    assert sorted(p is None for p in pages) == [False, True]
    # Its rotation stays (export, reinstall); the audit says what happened.
    assert uc.rotation_names(session, team_id="T1") == ("support",)
    audit = session.execute(
        select(AuditEntry).where(AuditEntry.action == "workspace.uninstalled")
    ).scalars().all()  # fmt: skip
    assert [a.subject for a in audit] == ["T1"]
    # Running it again (a retried event) revokes nothing more.
    again = end_install_links(
        session, team_id="T1", enterprise_id=None, now=NOW + timedelta(hours=2)
    )
    assert again.feeds["T1"] == 0 and again.pages["T1"] == 0
    # A reinstall gives new links, which work.
    new_page = page_link(
        session, team_id="T1", rotation="support", now=NOW, secret=SECRET, base_url=BASE
    )
    assert new_page.token != page and new_page.revision == 2
    assert open_page(session, token=new_page.token, secret=SECRET) is not None


def test_an_org_wide_uninstall_revokes_every_workspace_of_the_org(session: Session) -> None:
    _, in_org_a = rotation_with_links(session, "TA", enterprise="E1")
    _, in_org_b = rotation_with_links(session, "TB", enterprise="E1")
    _, outside = rotation_with_links(session, "TC")
    ended = end_install_links(session, team_id=None, enterprise_id="E1", now=NOW)
    assert ended.workspaces == ["TA", "TB"]
    assert open_page(session, token=in_org_a, secret=SECRET) is None
    assert open_page(session, token=in_org_b, secret=SECRET) is None
    assert open_page(session, token=outside, secret=SECRET) is not None


def test_an_install_never_stored_has_nothing_to_revoke(session: Session) -> None:
    assert end_install_links(session, team_id="T0NEW", enterprise_id=None, now=NOW).workspaces == []
    assert end_install_links(session, team_id=None, enterprise_id=None, now=NOW).workspaces == []


def test_a_purge_deletes_the_stored_install_of_its_team_only(
    engine: Engine, session: Session
) -> None:
    store = SQLAlchemyInstallationStore(client_id=CLIENT, engine=engine)
    for item in (installation("T1", "E1"), installation("T2"), installation(None, "E1", org=True)):
        store.save(item)
    rotation_with_links(session, "T1", enterprise="E1")
    rotation_with_links(session, "T2")
    assert purge_workspace(session, team_id="T1") > 0
    for table in (installations, bots):
        left = session.execute(select(table.c.team_id, table.c.enterprise_id)).all()
        assert sorted(left, key=str) == sorted([("T2", None), (None, "E1")], key=str)
    session.rollback()  # in-memory SQLite: one connection, which the store uses too
    assert store.find_bot(enterprise_id=None, team_id="T2") is not None
    with pytest.raises(uc.NotFound, match="queueday export"):
        purge_workspace(session, team_id="T1")


def test_times_are_aware_utc_in_the_audit(session: Session) -> None:
    rotation_with_links(session, "T1")
    end_install_links(session, team_id="T1", enterprise_id=None, now=NOW)
    entry = session.execute(
        select(AuditEntry).where(AuditEntry.action == "workspace.uninstalled")
    ).scalar_one()
    assert entry.at == NOW and entry.at.tzinfo is not None and NOW.tzinfo is UTC


def test_an_export_never_carries_a_stored_install(engine: Engine, session: Session) -> None:
    """Bot and refresh tokens are secrets: `queueday export` leaves the install tables out
    (a restore is followed by a reinstall, which stores new tokens)."""
    import json

    from bot.usecases.backup import export_data

    rotation_with_links(session, "T1")
    session.commit()
    SQLAlchemyInstallationStore(client_id=CLIENT, engine=engine).save(installation("T1"))
    text = json.dumps(export_data(session, now=NOW))
    assert "xoxe" not in text and "xoxb" not in text and CLIENT not in text
    assert "T1" in text  # the workspace itself is exported


def test_installs_under_way_are_bounded_and_abandoned_ones_forgotten(
    engine: Engine, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.usecases import installs

    monkeypatch.setattr(installs, "MAX_PENDING_INSTALLS", 2)
    states = SQLAlchemyOAuthStateStore(expiration_seconds=600, engine=engine)
    states.issue()
    assert installs.room_for_an_install(session, now=datetime.now(UTC)) is True
    states.issue()
    assert installs.room_for_an_install(session, now=datetime.now(UTC)) is False
    # Ten minutes on, both expired unused: forgotten, and there is room again.
    later = datetime.now(UTC) + timedelta(seconds=601)
    assert installs.room_for_an_install(session, now=later) is True
    assert session.execute(select(oauth_states.c.id)).first() is None
