"""Fixtures for the Slack tests: a fake Slack Web API and the real server running against it.

One server process serves the whole session (starting one costs about a second);
`fake` clears the recorded calls before each test.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

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


@pytest.fixture
def fake(fake_slack: FakeSlack, server: RunningServer) -> FakeSlack:
    """The session's fake Slack with no calls recorded yet (the server is up)."""
    fake_slack.reset()
    return fake_slack


@pytest.fixture
def slack(fake: FakeSlack, server: RunningServer) -> Iterator[SlackSender]:
    """Sends signed requests to the running server, as Slack would."""
    sender = SlackSender(
        base_url=server.url,
        signing_secret=SIGNING_SECRET,
        team_id=fake.team_id,
        response_url=fake.response_url("cmd"),
    )
    yield sender
    sender.close()
