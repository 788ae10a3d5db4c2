"""OAuth installs in several workspaces, end to end: the real `queueday serve` in OAuth
mode, the fake Slack's authorize page and `oauth.v2.access` (tests/bot/fake_slack_oauth),
signed requests per workspace, on SQLite and on PostgreSQL.

Each workspace installs through /slack/install -> Slack's authorize page -> the redirect
back with code and state; every subcommand then runs in each and sees only its own
rotations; an uninstall of one leaves the other working; an Enterprise Grid org-wide
install serves the org's workspaces; a rotated token is refreshed before it expires;
a forged, replayed or expired state gets a page saying so, never a 500.
"""

from __future__ import annotations

import http.client
import json
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import yaml
from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

import bot.usecases as uc
from bot.slack.commands import SUBCOMMANDS
from bot.slack.installs import DEFAULT_SCOPES, parse_scopes
from bot.usecases.installs import purge_workspace
from scheduling.quarters import quarter_of
from storage import migrate
from storage.db import make_engine, normalize_url
from storage.models import AuditEntry, Workspace
from storage.models import Rotation as RotationRow
from storage.slack_installs import bots, installations, oauth_states
from tests.bot.fake_slack import FakeSlack
from tests.bot.fake_slack_oauth import TWELVE_HOURS
from tests.bot.flows import Person, text_of
from tests.bot.server import (
    ROOT,
    SIGNING_SECRET,
    RunningServer,
    oauth_env,
    serve_command,
    serve_env,
    start_server,
)
from tests.bot.slack_requests import SlackSender
from tests.storage.databases import PG_URL, pg_schema

SECRET_KEY = "test-secret-key-at-least-32-characters"
ALPHA, BETA = "T0ALPHA", "T0BETA"
GRID, GRID_TEAM = "E0GRID", "T0GRIDA"
REDIRECT = "http://queueday.test/slack/oauth_redirect"


@dataclass
class Stack:
    """The fake Slack, the server in OAuth mode and its database."""

    fake: FakeSlack
    server: RunningServer
    engine: Engine
    url: str

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)


@pytest.fixture(
    scope="module",
    params=[
        "sqlite",
        pytest.param(
            "postgresql",
            marks=pytest.mark.skipif(not PG_URL, reason="TEST_DATABASE_URL is not set"),
        ),
    ],
)
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    workdir = Path(tmp_path_factory.mktemp(f"oauth-{request.param}"))
    with FakeSlack() as fake:
        fake.oauth.rotation = True  # tokens expire and are refreshed, as with rotation on
        fake.oauth.add_workspace(ALPHA, "Alpha & Co")
        fake.oauth.add_workspace(BETA, "Beta")
        fake.oauth.add_org(GRID, "Grid Org")
        fake.oauth.add_workspace(GRID_TEAM, "Grid A", enterprise_id=GRID)
        if request.param == "sqlite":
            url = f"sqlite:///{workdir / 'queueday.db'}"
            with _stack(fake, workdir, url) as stack:
                yield stack
        else:
            with pg_schema() as database:
                base = normalize_url(database.url).render_as_string(hide_password=False)
                url = f"{base}?options=-csearch_path%3D{database.schema}"
                with _stack(fake, workdir, url) as stack:
                    yield stack


class _stack:
    def __init__(self, fake: FakeSlack, workdir: Path, url: str) -> None:
        self.fake, self.workdir, self.url = fake, workdir, url

    def __enter__(self) -> Stack:
        self.engine = make_engine(self.url)
        migrate.upgrade(self.engine)
        self.server = start_server(
            self.fake, self.workdir, DATABASE_URL=self.url, **oauth_env(self.fake)
        )
        return Stack(self.fake, self.server, self.engine, self.url)

    def __exit__(self, *exc: object) -> None:
        self.server.stop()
        self.engine.dispose()


@pytest.fixture(scope="module")
def installed(stack: Stack) -> Stack:
    """Alpha and Beta installed through the browser flow, as Slack runs it."""
    for team in (ALPHA, BETA):
        page = install(stack, team)
        assert page.status == 200, page.body
        assert "QueueDay is installed" in page.body
    return stack


# -- the browser's side


@dataclass(frozen=True)
class Page:
    status: int
    headers: dict[str, str]
    body: str


def get(url: str, headers: dict[str, str] | None = None) -> Page:
    """GET without following redirects, as a browser's one hop."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    try:
        conn.request("GET", f"{parts.path}?{parts.query}" if parts.query else parts.path,
                     headers=headers or {})  # fmt: skip
        response = conn.getresponse()
        body = response.read().decode("utf-8", errors="replace")
        return Page(response.status, {k.lower(): v for k, v in response.getheaders()}, body)
    finally:
        conn.close()


@dataclass(frozen=True)
class Started:
    """/slack/install's answer: where it sent the browser, and the state's cookie."""

    authorize_url: str
    cookie: str

    @property
    def state(self) -> str:
        return parse_qs(urlsplit(self.authorize_url).query)["state"][0]


def start_install(stack: Stack, team: str) -> Started:
    page = get(f"{stack.server.url}/slack/install?team={team}")
    assert page.status == 302, page
    cookie = page.headers["set-cookie"].split(";")[0]
    return Started(page.headers["location"], cookie)


def slack_answers(started: Started) -> str:
    """The query Slack's authorize page sends the browser back with (code and state)."""
    page = get(started.authorize_url)
    assert page.status == 302, page
    back = urlsplit(page.headers["location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == REDIRECT
    return back.query


def come_back(stack: Stack, query: str, cookie: str | None) -> Page:
    headers = {"Cookie": cookie} if cookie else {}
    return get(f"{stack.server.url}/slack/oauth_redirect?{query}", headers)


def install(stack: Stack, team: str) -> Page:
    started = start_install(stack, team)
    return come_back(stack, slack_answers(started), started.cookie)


# -- Slack's side: commands and events per workspace


def person(stack: Stack, team: str, user: str, channel: str, **fields: str) -> Person:
    sender = SlackSender(
        base_url=stack.server.url,
        signing_secret=SIGNING_SECRET,
        team_id=team,
        response_url=stack.fake.response_url(f"oa-{uuid.uuid4().hex[:8]}"),
    )
    typing = Person(sender, stack.fake, user, channel)
    if fields:  # an Enterprise Grid workspace: Slack adds the org to every payload
        original = sender.command_body

        def with_org(text: str, **more: str) -> bytes:
            return original(text, **{**fields, **more})

        sender.command_body = with_org  # type: ignore[method-assign]
    return typing


def uninstall_event(stack: Stack, team: str, kind: str = "app_uninstalled", **event: Any) -> int:
    """Send the event as Slack does; return its status once the app has handled it.

    Bolt acknowledges first and handles the event after, so this waits (up to 10 s) for
    what the handling writes last: its audit row, or for a user-token-only revocation
    nothing at all.
    """
    sender = SlackSender(base_url=stack.server.url, signing_secret=SIGNING_SECRET, team_id=team)
    try:
        reply = sender.event({"type": kind, **event}, event_id=f"Ev{uuid.uuid4().hex[:10]}")
    finally:
        sender.close()
    deadline = time.monotonic() + 10
    while not _audited_uninstall(stack, team):
        assert time.monotonic() < deadline, f"{kind} for {team} was not handled in 10 s"
        time.sleep(0.02)
    return reply.status


def _audited_uninstall(stack: Stack, team: str) -> bool:
    with stack.session() as session:
        query = select(AuditEntry.id).where(
            AuditEntry.action == "workspace.uninstalled", AuditEntry.subject == team
        )
        return session.execute(query).first() is not None


def seed_people(stack: Stack, team: str, rotation: str, admin: str, people: list[str]) -> None:
    """Members and this quarter's plan, through the use cases (the commands' own paths
    are covered elsewhere)."""
    now = datetime.now(UTC)
    with stack.session() as session:
        uc.add_members(
            session, team_id=team, rotation=rotation, actor=admin, now=now,
            people=[uc.NewMember(u, f"Person {u}", joined=now.date() - timedelta(days=30))
                    for u in people],
        )  # fmt: skip
        start, end = quarter_of(now.date(), 1, 0)
        uc.publish_plan(session, team_id=team, rotation=rotation, actor=admin, now=now,
                        start=start, end=end, expected_version=None)  # fmt: skip


# One line per subcommand: what each is typed with in both workspaces.
TYPED = {
    "help": "help",
    "who": "who",
    "my": "my",
    "calendar": "calendar",
    "schedule": "schedule",
    "stats": "stats",
    "join": "join",
    "leave": "leave",
    "away": "away list",
    "swap": "swap my next day with @nobody",
    "cover": "cover my next day",
    "reminders": "reminders",
    "bug": "bug Export times out",
    "highlight": "highlight Customers love the export",
    "create": "create second",
    "config": "config",
    "add": "add <@U0NEWCOMER>",
    "remove": "remove <@U0NEWCOMER>",
    "admin": "admin <@U0NEWCOMER>",
    "handle": "handle @queue-today",
    "plan": "plan",
    "publish": "publish",
}


def test_every_subcommand_is_typed_in_both_workspaces() -> None:
    assert set(TYPED) == {s.name for s in SUBCOMMANDS}


def test_two_workspaces_install_and_each_sees_only_its_own_rotations(installed: Stack) -> None:
    stack = installed
    with stack.session() as session:
        rows = session.execute(select(installations.c.team_id, installations.c.team_name,
                                      installations.c.is_enterprise_install)).all()  # fmt: skip
    assert {(r[0], r[1], r[2]) for r in rows} >= {
        (ALPHA, "Alpha & Co", False),
        (BETA, "Beta", False),
    }
    alpha = person(stack, ALPHA, "U0ALICE", "C0ALPHA")
    beta = person(stack, BETA, "U0BORIS", "C0BETA")
    # The same rotation name in both: one never answers with the other's.
    for who, rotation in ((alpha, "alpha-queue"), (beta, "beta-queue")):
        text = text_of(who.command(f"create {rotation} <#{who.channel}>"))
        assert rotation in text, text
        text = text_of(who.command(f"create shared <#{who.channel}>"))
        assert "shared" in text, text
    seed_people(stack, ALPHA, "alpha-queue", "U0ALICE", ["U0ALAN", "U0ANNA"])
    seed_people(stack, BETA, "beta-queue", "U0BORIS", ["U0BEA", "U0BEN"])
    # users.info (creating a rotation) went out with each workspace's own token.
    for team, user in ((ALPHA, "U0ALICE"), (BETA, "U0BORIS")):
        tokens = stack.fake.oauth.tokens_of(team)
        used = {c.token for c in stack.fake.calls("users.info", about=user)}
        assert used and used <= set(tokens), (team, used)
    for name, typed in TYPED.items():
        for who, theirs, their_people in (
            (alpha, "beta-queue", ("U0BORIS", "U0BEA", "U0BEN")),
            (beta, "alpha-queue", ("U0ALICE", "U0ALAN", "U0ANNA")),
        ):
            text = answer(stack.fake, who, typed)
            assert theirs not in text, (name, text)
            assert not any(p in text for p in their_people), (name, text)
            assert "reinstall" not in text.lower(), (name, text)
    # Each workspace's rows are its own.
    with stack.session() as session:
        names = {
            (team, row.name)
            for team in (ALPHA, BETA)
            for row in session.execute(
                select(RotationRow).join(Workspace).where(Workspace.team_id == team)
            ).scalars()
        }
        spaces = {w.team_id: w.name for w in session.execute(select(Workspace)).scalars()}
    assert {("T0ALPHA", "alpha-queue"), ("T0BETA", "beta-queue")} <= names
    assert ("T0ALPHA", "beta-queue") not in names and ("T0BETA", "alpha-queue") not in names
    assert spaces[ALPHA] == "Alpha & Co" and spaces[BETA] == "Beta"  # from the install


def test_an_uninstall_of_one_workspace_leaves_the_other_untouched(installed: Stack) -> None:
    stack = installed
    gone, kept = install_for(stack, "T0GONE", "Gone"), install_for(stack, "T0KEPT", "Kept")
    links: dict[str, str] = {}
    for team, admin, rotation in ((gone, "U0GADMIN", "going"), (kept, "U0KADMIN", "staying")):
        who = person(stack, team, admin, f"C{team}")
        assert rotation in text_of(who.command(f"create {rotation} <#C{team}>"))
        with stack.session() as session:
            feeds = uc.feed_links(session, team_id=team, user=admin, now=datetime.now(UTC),
                                  secret=SECRET_KEY, base_url=stack.server.url)  # fmt: skip
        links[team] = feeds.person.url
        assert get(links[team]).status == 200
    assert uninstall_event(stack, gone) == 200
    stack.fake.oauth.revoke(gone)  # Slack's side: its tokens stop working
    with stack.session() as session:
        left = {r[0] for r in session.execute(select(bots.c.team_id)).all()}
        rotations = session.execute(
            select(RotationRow.name).join(Workspace).where(Workspace.team_id == gone)
        ).scalars().all()  # fmt: skip
    assert gone not in left and kept in left
    assert rotations == ["going"]  # its data stays, for export
    assert get(links[gone]).status == 404
    assert get(links[kept]).status == 200
    # A command from the uninstalled workspace is told to reinstall; the other works on.
    told = text_of(person(stack, gone, "U0GADMIN", f"C{gone}").command("who"))
    assert "reinstall" in told.lower(), told
    assert "staying" in text_of(person(stack, kept, "U0KADMIN", f"C{kept}").command("schedule"))
    # A purge on request deletes its rows, its stored install included.
    with stack.session() as session:
        assert purge_workspace(session, team_id=gone) > 0
        assert session.execute(select(Workspace).where(Workspace.team_id == gone)).first() is None
        assert session.execute(select(Workspace).where(Workspace.team_id == kept)).first()


def answer(fake: FakeSlack, who: Person, typed: str) -> str:
    """The reply's text, or for `config` (it opens a modal) the modal's."""
    if not typed.startswith("config"):
        return text_of(who.command(typed))
    trigger = f"trigger-{uuid.uuid4().hex[:8]}"
    fields = {"user_id": who.user, "channel_id": who.channel, "trigger_id": trigger}
    assert who.slack.command(typed, fields=fields).status == 200
    [opened] = fake.wait_for("views.open", about=trigger)
    return json.dumps(opened.json_param("view"))


def install_for(stack: Stack, team: str, name: str) -> str:
    stack.fake.oauth.add_workspace(team, name)
    page = install(stack, team)
    assert page.status == 200, page.body
    return team


def test_tokens_revoked_for_the_bot_ends_the_install(installed: Stack) -> None:
    stack = installed
    team = install_for(stack, "T0REVOKE", "Revoked")
    who = person(stack, team, "U0RAY", "C0REV")
    assert "revoking" in text_of(who.command("create revoking <#C0REV>"))
    assert uninstall_event(stack, team, "tokens_revoked", tokens={"bot": ["U0BOTT0REVOKE"]}) == 200
    with stack.session() as session:
        left = {r[0] for r in session.execute(select(bots.c.team_id)).all()}
    assert team not in left and ALPHA in left


def test_an_org_wide_install_serves_the_orgs_workspaces(installed: Stack) -> None:
    stack = installed
    page = install(stack, GRID)
    assert page.status == 200 and "every workspace of your organization" in page.body
    with stack.session() as session:
        row = session.execute(
            select(installations).where(installations.c.enterprise_id == GRID)
        ).mappings().one()  # fmt: skip
    assert row["team_id"] is None and row["is_enterprise_install"] is True
    org = {"enterprise_id": GRID, "is_enterprise_install": "true"}
    who = person(stack, GRID_TEAM, "U0GRACE", "C0GRID", **org)
    assert "grid-queue" in text_of(who.command("create grid-queue <#C0GRID>"))
    with stack.session() as session:
        workspace = session.execute(
            select(Workspace).where(Workspace.team_id == GRID_TEAM)
        ).scalar_one()
    assert workspace.enterprise_id == GRID  # the workspace's own row, inside the org
    used = {c.token for c in stack.fake.calls("users.info", about="U0GRACE")}
    assert used and used <= set(stack.fake.oauth.tokens_of(GRID))
    # A workspace outside any install is refused, not served with someone else's token.
    told = text_of(person(stack, "T0STRANGER", "U0X", "C0X").command("who"))
    assert "reinstall" in told.lower(), told


def test_a_rotated_token_is_refreshed_before_it_expires(installed: Stack) -> None:
    stack = installed
    stack.fake.oauth.expires_in = 3600  # an hour left: inside the two hours refreshed early
    try:
        team = install_for(stack, "T0ROTATE", "Rotating")
    finally:
        stack.fake.oauth.expires_in = TWELVE_HOURS
    [first] = stack.fake.oauth.tokens_of(team)
    who = person(stack, team, "U0ROSA", "C0ROT")
    assert "rotating" in text_of(who.command("create rotating <#C0ROT>"))
    refreshes = [
        c
        for c in stack.fake.calls("oauth.v2.access")
        if c.params.get("grant_type") == "refresh_token"
    ]
    assert any(
        c.params.get("refresh_token", "").endswith(first.rsplit("-", 1)[-1]) for c in refreshes
    )
    tokens = stack.fake.oauth.tokens_of(team)
    assert len(tokens) >= 2 and tokens[0] == first
    used = {c.token for c in stack.fake.calls("users.info", about="U0ROSA")}
    assert first not in used and used <= set(tokens[1:])
    with stack.session() as session:
        stored = (
            session.execute(select(bots.c.bot_token).where(bots.c.team_id == team)).scalars().all()
        )
    assert first not in stored and set(stored) & set(tokens[1:])


# -- what goes wrong in a browser


def test_a_redirect_without_the_install_cookie_is_refused_with_a_page(stack: Stack) -> None:
    started = start_install(stack, ALPHA)
    page = come_back(stack, slack_answers(started), cookie=None)
    assert page.status == 400 and "another browser" in page.body
    assert page.headers["content-type"].startswith("text/html")


def test_a_forged_state_is_refused(stack: Stack) -> None:
    started = start_install(stack, ALPHA)
    query = parse_qs(slack_answers(started))
    forged = urlencode({"code": query["code"][0], "state": "not-a-state-we-issued"})
    page = come_back(stack, forged, cookie="slack-app-oauth-state=not-a-state-we-issued")
    assert page.status == 400 and "expired or was already used" in page.body


def test_a_replayed_redirect_is_refused(stack: Stack) -> None:
    started = start_install(stack, BETA)
    query = slack_answers(started)
    assert come_back(stack, query, started.cookie).status == 200
    again = come_back(stack, query, started.cookie)
    assert again.status == 400 and "expired or was already used" in again.body


def test_an_expired_state_is_refused(stack: Stack) -> None:
    started = start_install(stack, ALPHA)
    query = slack_answers(started)
    with stack.session() as session:
        session.execute(update(oauth_states).where(oauth_states.c.state == started.state)
                        .values(expire_at=datetime(2020, 1, 1)))  # fmt: skip
        session.commit()
    page = come_back(stack, query, started.cookie)
    assert page.status == 400 and "expired or was already used" in page.body
    assert "/slack/install" in page.body  # how to go on


def test_a_code_slack_refuses_and_a_cancelled_install_get_pages(stack: Stack) -> None:
    started = start_install(stack, ALPHA)
    wrong = urlencode({"code": "code-that-slack-never-gave", "state": started.state})
    page = come_back(stack, wrong, started.cookie)
    assert page.status == 400 and "did not accept the authorization code" in page.body
    assert [c.params.get("code") for c in stack.fake.calls("oauth.v2.access")][-1] == (
        "code-that-slack-never-gave"
    )
    stack.fake.oauth.deny_next()
    started = start_install(stack, ALPHA)
    page = come_back(stack, slack_answers(started), started.cookie)
    assert page.status == 200 and "cancelled" in page.body


def test_an_overlong_state_is_refused_before_the_database(stack: Stack) -> None:
    page = come_back(stack, urlencode({"code": "c", "state": "s" * 5000}), cookie=None)
    assert page.status == 400 and "too long" in page.body


def test_the_authorize_url_asks_for_the_manifests_scopes_and_redirect(stack: Stack) -> None:
    query = parse_qs(urlsplit(start_install(stack, ALPHA).authorize_url).query)
    assert query["redirect_uri"] == [REDIRECT]
    assert sorted(query["scope"][0].split(",")) == sorted(DEFAULT_SCOPES)
    assert "Slack: OAuth installs in several workspaces, HTTP mode" in stack.server.log()
    assert "SLACK_BOT_TOKEN is set but unused" not in stack.server.log()  # oauth_env unsets it


def test_default_scopes_are_the_manifests_bot_scopes() -> None:
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))
    # A scope added to the manifest goes in DEFAULT_SCOPES too (installs ask for these).
    assert sorted(DEFAULT_SCOPES) == sorted(manifest["oauth_config"]["scopes"]["bot"])
    assert manifest["oauth_config"]["redirect_urls"] == ["https://YOUR_HOST/slack/oauth_redirect"]
    assert parse_scopes("") == DEFAULT_SCOPES
    assert parse_scopes("commands, chat:write") == ("commands", "chat:write")
    with pytest.raises(ValueError, match="SLACK_SCOPES"):
        parse_scopes("chat:write; DROP TABLE")


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"SLACK_CLIENT_SECRET": None}, "SLACK_CLIENT_SECRET is not set: OAuth mode needs both"),
        (
            {"SLACK_SIGNING_SECRET": None},
            "SLACK_SIGNING_SECRET is not set (OAuth installs in several workspaces, HTTP mode)",
        ),
    ],
)
def test_serve_says_what_oauth_mode_lacks(tmp_path: Path, overrides: dict[str, str | None],
                                          named: str) -> None:  # fmt: skip
    with FakeSlack() as fake:
        env = serve_env(fake, tmp_path, **{**oauth_env(fake), **overrides})
        done = subprocess.run(
            serve_command(9), cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
        )
    assert done.returncode == 2, done.stderr
    assert named in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_the_worker_sends_each_workspaces_reminders_with_its_own_token(installed: Stack) -> None:
    """`queueday remind --now` in OAuth mode: no SLACK_BOT_TOKEN; every workspace's rows
    go out with its own token, and an uninstalled workspace's are not sent at all."""
    stack = installed
    teams = {team: install_for(stack, team, team.title()) for team in ("T0WKA", "T0WKB", "T0WKC")}
    people: dict[str, set[str]] = {}
    for team in teams:
        admin, others = f"U0{team[3:]}ADM", [f"U0{team[3:]}P{n}" for n in range(3)]
        with stack.session() as session:
            uc.create_rotation(session, team_id=team, actor=admin, actor_name="Admin",
                               now=datetime.now(UTC), name="desk", channel=f"C{team}")  # fmt: skip
        seed_people(stack, team, "desk", admin, others)
        people[team] = {admin, *others, f"C{team}"}
    assert uninstall_event(stack, "T0WKC") == 200
    env = serve_env(stack.fake, stack.server.log_path.parent, DATABASE_URL=stack.url,
                    **oauth_env(stack.fake))  # fmt: skip
    later = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0).isoformat()
    done = subprocess.run(
        [*serve_command(9)[:3], "remind", "--now", later],
        cwd=stack.server.log_path.parent, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "in T0WKA:" in done.stdout and "in T0WKB:" in done.stdout
    assert "T0WKC" not in done.stdout
    for team in ("T0WKA", "T0WKB"):
        sent = [c for c in stack.fake.calls(about=people[team]) if c.method != "response_url"]
        assert sent, f"nothing was sent in {team}"
        wrong = [
            (c.method, c.params) for c in sent if c.token not in stack.fake.oauth.tokens_of(team)
        ]
        assert not wrong, (team, wrong)
    assert not [c for c in stack.fake.calls(about=people["T0WKC"]) if c.method != "response_url"]


def test_the_config_names_the_half_of_oauth_that_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The same checks as the subprocesses above, for the cases not started there."""
    from bot.settings import Settings
    from bot.slack.app import SlackConfig

    monkeypatch.chdir(ROOT / "tests")  # no .env here
    for name in ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_BOT_TOKEN", "SLACK_SCOPES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SLACK_CLIENT_SECRET", "sekrit-value-9")
    config = SlackConfig.from_settings(Settings())
    assert config.oauth is None and config.missing() == ["SLACK_CLIENT_ID"]
    monkeypatch.setenv("SLACK_CLIENT_ID", "1.2")
    config = SlackConfig.from_settings(Settings())
    assert config.oauth is not None and config.missing() == ["SLACK_SIGNING_SECRET"]
    assert "sekrit-value-9" not in repr(config)  # the secret stays out of logs
    monkeypatch.setenv("SLACK_SCOPES", "chat:write;rm")
    with pytest.raises(ValueError, match="SLACK_SCOPES: 'chat:write;rm' is not a Slack scope"):
        SlackConfig.from_settings(Settings())


def test_install_bounds_what_it_takes_and_forgets_abandoned_installs(stack: Stack) -> None:
    page = get(f"{stack.server.url}/slack/install?team=T0;DROP")
    assert page.status == 400 and "not a Slack id" in page.body
    abandoned = start_install(stack, ALPHA)  # the installer never comes back
    with stack.session() as session:
        session.execute(update(oauth_states).where(oauth_states.c.state == abandoned.state)
                        .values(expire_at=datetime(2020, 1, 1)))  # fmt: skip
        session.commit()
    start_install(stack, BETA)  # the next install forgets the expired state
    with stack.session() as session:
        states = session.execute(select(oauth_states.c.state)).scalars().all()
    assert abandoned.state not in states and states


def test_the_fake_refuses_what_slacks_oauth_v2_access_refuses() -> None:
    """The fake is only worth its tests if it says no where Slack does."""
    from slack_sdk.errors import SlackApiError

    from bot.services import make_client
    from tests.bot.fake_slack_oauth import CLIENT_ID, CLIENT_SECRET

    with FakeSlack() as fake:
        fake.oauth.rotation = True
        fake.oauth.add_workspace("T0F", "F")
        client = make_client(fake.api_url)
        authorize = f"{fake.base_url}/oauth/v2/authorize?" + urlencode(
            {
                "client_id": CLIENT_ID,
                "scope": "commands",
                "state": "s1",
                "team": "T0F",
                "redirect_uri": REDIRECT,
            }  # fmt: skip
        )
        code = parse_qs(urlsplit(get(authorize).headers["location"]).query)["code"][0]

        def refused(**kwargs: Any) -> str:
            with pytest.raises(SlackApiError) as caught:
                client.oauth_v2_access(**{"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                                          **kwargs})  # fmt: skip
            return str(caught.value.response["error"])

        assert refused(client_id="9.9", code=code) == "invalid_client_id"
        assert refused(client_secret="wrong", code=code) == "bad_client_secret"
        assert refused(code=code, redirect_uri="https://elsewhere.test/") == "bad_redirect_uri"
        assert refused(code=code, redirect_uri=REDIRECT, grant_type="password") == (
            "invalid_grant_type"
        )
        assert refused(grant_type="refresh_token", refresh_token="xoxe-1-made-up") == (
            "invalid_refresh_token"
        )
        answer = client.oauth_v2_access(client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                                        code=code, redirect_uri=REDIRECT)  # fmt: skip
        assert answer["token_type"] == "bot" and answer["team"] == {"id": "T0F", "name": "F"}
        assert answer["enterprise"] is None and answer["is_enterprise_install"] is False
        assert answer["expires_in"] == TWELVE_HOURS and answer["refresh_token"]
        assert refused(code=code, redirect_uri=REDIRECT) == "invalid_code"  # a code works once
        refreshed = client.oauth_v2_access(client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                                           grant_type="refresh_token",
                                           refresh_token=answer["refresh_token"])  # fmt: skip
        assert refreshed["access_token"] != answer["access_token"]
        assert refused(grant_type="refresh_token", refresh_token=answer["refresh_token"]) == (
            "invalid_refresh_token"  # spent
        )
        fake.oauth.expire(refreshed["access_token"])
        with pytest.raises(SlackApiError) as caught:
            client.auth_test(token=refreshed["access_token"])
        assert caught.value.response["error"] == "token_expired"
        fake.oauth.revoke("T0F")
        with pytest.raises(SlackApiError) as caught:
            client.auth_test(token=answer["access_token"])
        assert caught.value.response["error"] == "token_revoked"
        assert get(authorize.replace(CLIENT_ID, "9.9")).status == 400  # Slack's error page
