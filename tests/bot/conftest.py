"""Fixtures for the Slack tests: a fake Slack Web API and the real server running against it.

One server process serves the whole session (starting one costs about a second);
`fake` clears the recorded calls before each test, but a call an earlier test caused may
still land after that (a lazy listener finishing late), so each test reads only calls
about its own ids (`fake.calls(method, about=...)`): `me` is a user id of its own and
`slack` puts a response_url of its own (`response_name(slack.response_url)`) in requests.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from storage.db import make_engine
from tests.bot.fake_slack import FakeSlack
from tests.bot.server import SIGNING_SECRET, RunningServer, start_server
from tests.bot.slack_requests import SlackSender


@pytest.fixture(scope="session")
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture(scope="session")
def server(
    fake_slack: FakeSlack, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    running = start_server(fake_slack, Path(tmp_path_factory.mktemp("serve")))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def db(server: RunningServer) -> Iterator[Engine]:
    """The server's own database (a SQLite file in WAL mode, shared with the server)."""
    engine = make_engine(f"sqlite:///{server.log_path.parent / 'queueday.db'}")
    yield engine
    engine.dispose()


@pytest.fixture
def fake(fake_slack: FakeSlack, server: RunningServer) -> FakeSlack:
    """The session's fake Slack with no calls recorded yet (the server is up)."""
    fake_slack.reset()
    return fake_slack


@pytest.fixture
def me() -> str:
    """A Slack user id no other test uses."""
    return f"U0ME{uuid.uuid4().hex[:8].upper()}"


@pytest.fixture
def slack(fake: FakeSlack, server: RunningServer) -> Iterator[SlackSender]:
    """Sends signed requests to the running server, as Slack would, with a response_url
    of this test's own."""
    sender = SlackSender(
        base_url=server.url,
        signing_secret=SIGNING_SECRET,
        team_id=fake.team_id,
        response_url=fake.response_url(f"cmd-{uuid.uuid4().hex[:8]}"),
    )
    yield sender
    sender.close()
