"""The Bolt app in-process against the fake Slack: factory, error handler, retries, config."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_bolt import App, BoltRequest
from slack_sdk import WebClient

from bot.slack.app import LISTENER_THREADS, SlackAuthError, SlackConfig, create_app, identify
from bot.slack.dispatch import CommandContext, handles
from bot.slack.middleware import RecentIds
from bot.slack.views.limits import Message, fit_message
from tests.bot.fake_slack import RESPONSE_URL, FakeSlack
from tests.bot.slack_requests import signature

SECRET = "in-process-secret"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    """A fake Slack of this test's own: an earlier test's app, still finishing a lazy
    listener, can't add a call to what this test reads."""
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def app(fake: FakeSlack) -> App:
    config = SlackConfig(bot_token=fake.bot_token, signing_secret=SECRET, api_url=fake.api_url)
    built = create_app(config)
    fake.reset()
    return built


def signed(body: str, content_type: str, **headers: str) -> BoltRequest:
    ts = str(int(time.time()))
    return BoltRequest(
        body=body,
        headers={
            "content-type": content_type,
            "x-slack-request-timestamp": ts,
            "x-slack-signature": signature(SECRET, ts, body.encode()),
            **headers,
        },
    )


def command(fake: FakeSlack, text: str, team: str = "T0TEST") -> BoltRequest:
    form = {
        "command": "/queueday",
        "text": text,
        "team_id": team,
        "user_id": "U0ADA",
        "channel_id": "C0TEST",
        "response_url": fake.response_url("c"),
        "trigger_id": "t",
    }
    return signed(urlencode(form), "application/x-www-form-urlencoded")


def test_the_factory_learns_the_workspace_with_one_auth_test(fake: FakeSlack) -> None:
    config = SlackConfig(bot_token=fake.bot_token, signing_secret=SECRET, api_url=fake.api_url)
    app = create_app(config)
    calls = fake.calls()
    assert [c.method for c in calls] == ["auth.test"]
    assert calls[0].token == fake.bot_token
    assert app.client.base_url == fake.api_url
    executor = app.listener_runner.listener_executor
    assert executor._max_workers == LISTENER_THREADS  # type: ignore[attr-defined]


def test_the_factory_refuses_a_bad_token(fake: FakeSlack) -> None:
    config = SlackConfig(bot_token="xoxb-wrong", signing_secret=SECRET, api_url=fake.api_url)
    with pytest.raises(SlackAuthError, match="invalid_auth"):
        create_app(config)


def test_identify_says_when_slack_is_unreachable() -> None:
    client = WebClient(base_url="http://127.0.0.1:9/", retry_handlers=[])  # stays fast
    with pytest.raises(SlackAuthError, match="cannot reach Slack at http://127.0.0.1:9/"):
        identify(client, "xoxb-x")


@pytest.mark.parametrize(
    ("bot", "secret", "app_token", "missing"),
    [
        (None, None, None, ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"]),
        ("xoxb-1", None, None, ["SLACK_SIGNING_SECRET"]),
        (None, "s", None, ["SLACK_BOT_TOKEN"]),
        ("xoxb-1", "s", None, []),
        ("xoxb-1", None, "xapp-1", []),  # Socket Mode needs no signing secret
        (None, None, "xapp-1", ["SLACK_BOT_TOKEN"]),
    ],
)
def test_config_names_what_is_missing(
    bot: str | None, secret: str | None, app_token: str | None, missing: list[str]
) -> None:
    config = SlackConfig(bot_token=bot, signing_secret=secret, app_token=app_token)
    assert config.missing() == missing
    assert config.socket_mode is (app_token is not None)


def test_a_handler_runs_after_the_ack_and_replies_at_the_response_url(
    app: App, fake: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.slack.dispatch.HANDLERS", {})

    @handles("who")
    def who(ctx: CommandContext) -> Message:
        return fit_message(f"{ctx.user_id} asked in {ctx.channel_id}", ephemeral=False)

    response = app.dispatch(command(fake, "who tomorrow"))
    assert (response.status, response.body) == (200, "")
    [reply] = fake.wait_for(RESPONSE_URL)
    assert reply.params["text"] == "U0ADA asked in C0TEST"
    assert reply.params["response_type"] == "in_channel"


def test_a_failing_handler_is_logged_with_its_traceback_and_the_person_told(
    app: App, fake: FakeSlack, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr("bot.slack.dispatch.HANDLERS", {})

    @handles("stats")
    def stats(ctx: CommandContext) -> Message:
        raise RuntimeError("database on fire")

    with caplog.at_level(logging.ERROR, logger="bot.slack.listeners.errors"):
        response = app.dispatch(command(fake, "stats"))
        [reply] = fake.wait_for(RESPONSE_URL)
    assert response.status == 200
    assert "something went wrong" in reply.params["text"]
    [record] = [r for r in caplog.records if r.name == "bot.slack.listeners.errors"]
    assert record.exc_info is not None and "database on fire" in str(record.exc_info[1])


def test_a_failing_quick_reply_still_answers_200_politely(
    app: App, fake: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(text: str, today: object) -> None:
        raise RuntimeError("parser bug")

    monkeypatch.setattr("bot.slack.listeners.commands.quick_reply", broken)
    response = app.dispatch(command(fake, "help"))
    assert response.status == 200
    assert "something went wrong" in json.loads(response.body)["text"]


def test_another_team_is_refused_politely(app: App, fake: FakeSlack) -> None:
    response = app.dispatch(command(fake, "help", team="T0OTHER"))
    assert response.status == 200
    body: dict[str, Any] = json.loads(response.body)
    assert body["response_type"] == "ephemeral"
    assert "another Slack workspace" in body["text"]


def test_web_api_calls_wait_out_a_429(app: App, fake: FakeSlack) -> None:
    fake.rate_limit(1, retry_after=0)
    event = {
        "type": "event_callback",
        "team_id": "T0TEST",
        "event_id": "Ev429",
        "event": {"type": "app_home_opened", "user": "U0ADA", "channel": "D1", "tab": "home"},
    }
    response = app.dispatch(signed(json.dumps(event), "application/json"))
    assert response.status == 200
    fake.wait_for("views.publish", timeout=10)
    assert [c.status for c in fake.calls("views.publish")] == [429, 200]


def test_recent_ids_forget_after_the_ttl_and_beyond_the_size() -> None:
    seen = RecentIds(size=3, ttl=10)
    assert seen.first_time("a", now=0) and not seen.first_time("a", now=1)
    assert seen.first_time("a", now=11)  # forgotten after 10 s
    for key in "bcd":
        assert seen.first_time(key, now=12)
    assert seen.first_time("a", now=12)  # pushed out by b, c, d
