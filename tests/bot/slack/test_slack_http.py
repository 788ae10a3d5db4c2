"""End to end: the real `queueday serve` process, signed requests, a fake Slack Web API."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.slack.commands import NAMES
from tests.bot.fake_slack import RESPONSE_URL, FakeSlack, response_name
from tests.bot.server import ROOT, RunningServer, serve_command, serve_env
from tests.bot.slack.test_views import assert_within_limits, texts
from tests.bot.slack_requests import Reply, SlackSender


def ephemeral(reply: Reply) -> dict[str, Any]:
    """The ephemeral message a command was answered with (200, JSON)."""
    assert reply.status == 200, reply.text
    assert reply.headers["content-type"].startswith("application/json")
    message: dict[str, Any] = reply.json()
    assert message["response_type"] == "ephemeral"
    assert_within_limits(message)
    return message


def home_opened(user: str = "U0ADA") -> dict[str, Any]:
    return {"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home"}


def test_healthz(slack: SlackSender) -> None:
    reply = slack.request("GET", "/healthz")
    assert reply.status == 200
    assert reply.json() == {
        "status": "ok",
        "mode": "http",
        "team": "T0TEST",
        "version": "0.1.0",
        "database": "ok",
    }
    assert slack.request("HEAD", "/healthz").status == 200


def test_unknown_paths_and_methods_answer_json(slack: SlackSender) -> None:
    missing = slack.request("GET", "/nowhere")
    assert (missing.status, missing.json()["error"]) == (404, "Not Found")
    wrong = slack.request("GET", "/slack/events")
    assert wrong.status == 405 and wrong.json()["status"] == 405


def test_help(slack: SlackSender) -> None:
    message = ephemeral(slack.command("help"))
    assert message["text"].startswith("QueueDay commands")
    assert all(f"/queueday {name}" in message["text"] for name in NAMES)


def test_empty_text_shows_help(slack: SlackSender) -> None:
    assert ephemeral(slack.command(""))["text"].startswith("QueueDay commands")


def test_unknown_subcommand(slack: SlackSender) -> None:
    message = ephemeral(slack.command("frobnicate the queue"))
    assert "help" in message["text"]
    assert all(name in message["text"] for name in NAMES)


def test_a_command_that_says_payload_is_answered(slack: SlackSender) -> None:
    """Bolt took any form with the word "payload" in it for an interactive payload and
    saw an empty body (404); the command is read as the form it is."""
    message = ephemeral(slack.command("frobnicate the payload"))
    assert "Subcommands: help" in message["text"]


def test_malformed_arguments_get_the_usage(slack: SlackSender) -> None:
    message = ephemeral(slack.command("away jan 16..jan 12 oops"))
    assert "before it starts" in message["text"]
    assert "Usage: `/queueday away" in message["text"]


def test_bad_signature_is_401(slack: SlackSender, fake: FakeSlack, me: str) -> None:
    reply = slack.command("help", secret="not-the-secret", fields={"user_id": me})
    assert reply.status == 401
    unsigned = slack.request("POST", "/slack/events", slack.command_body("help", user_id=me))
    assert unsigned.status == 401
    assert fake.calls(about=(me, response_name(slack.response_url))) == []


def test_timestamp_older_than_five_minutes_is_401(slack: SlackSender) -> None:
    assert slack.command("help", timestamp=int(time.time()) - 6 * 60).status == 401
    assert slack.command("help", timestamp=int(time.time()) - 60).status == 200


def log_lines(server: RunningServer, *words: str) -> int:
    """How many lines of the server's log so far hold all of `words`."""
    return sum(all(w in line for w in words) for line in server.log().splitlines())


def test_another_team_is_refused_politely(
    slack: SlackSender, fake: FakeSlack, server: RunningServer, me: str
) -> None:
    message = ephemeral(slack.command("help", fields={"team_id": "T0OTHER"}))
    assert "another Slack workspace" in message["text"]
    stranger = me + "X"
    refused = log_lines(server, "refused", "T0OTHER")
    other = SlackSender(slack.base_url, slack.signing_secret, team_id="T0OTHER")
    assert other.event(home_opened(stranger), event_id=f"Ev{stranger}").status == 200
    other.close()
    # The middleware refuses before it answers, and never hands the event to a listener:
    # its log line, written before the 200, proves no Home can follow for the stranger.
    assert log_lines(server, "refused", "T0OTHER") == refused + 1
    assert slack.event(home_opened(me), event_id=f"Ev{me}").status == 200
    fake.wait_for("views.publish", about=me)
    assert fake.calls("views.publish", about=stranger) == []


def test_app_home_is_published_when_opened(slack: SlackSender, fake: FakeSlack, me: str) -> None:
    assert slack.event(home_opened(me), event_id=f"EvHome{me}").status == 200
    [call] = fake.wait_for("views.publish", about=me)
    assert call.token == fake.bot_token
    view = call.json_param("view")
    assert view["type"] == "home" and len(view["blocks"]) <= 100


def test_a_retried_event_has_one_effect(
    slack: SlackSender, fake: FakeSlack, server: RunningServer, me: str
) -> None:
    first, second = f"EvRetry1{me}", f"EvRetry2{me}"
    assert slack.event(home_opened(me), event_id=first).status == 200
    fake.wait_for("views.publish", about=me)
    for retry in (1, 2):
        reply = slack.event(home_opened(me), event_id=first, retry_num=retry)
        assert reply.status == 200
    # Each retry is dropped in middleware, logged before the 200, and reaches no listener.
    assert log_lines(server, first, "already received") == 2
    assert slack.event(home_opened(me), event_id=second).status == 200  # a new event
    fake.wait_for("views.publish", count=2, about=me)
    assert len(fake.calls("views.publish", about=me)) == 2


def test_message_shortcut_is_acknowledged_and_answered(
    slack: SlackSender, fake: FakeSlack, me: str
) -> None:
    payload = {
        "type": "message_action",
        "callback_id": "save_bug",
        "trigger_id": "1.2.t",
        "user": {"id": me},
        "channel": {"id": "C0TEST"},
        "message": {"type": "message", "text": "Export is slow", "ts": "1700000000.000100"},
    }
    reply = slack.interaction(payload)
    assert (reply.status, reply.body) == (200, b"")
    [answer] = fake.wait_for(RESPONSE_URL, about=response_name(slack.response_url))
    assert "bug ticket" in answer.params["text"]


def test_link_buttons_are_acknowledged(slack: SlackSender) -> None:
    payload = {
        "type": "block_actions",
        "trigger_id": "1.2.t",
        "user": {"id": "U0ADA"},
        "container": {"type": "message"},
        "actions": [{"action_id": "link:feed", "block_id": "b", "type": "button"}],
    }
    assert slack.interaction(payload).status == 200


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    text=st.one_of(
        st.text(max_size=300),
        st.lists(
            st.sampled_from(
                [*NAMES, "jan", "12", "..", "-", "next", "friday", "<@U0ADA|ada>", "@ada",
                 "<#C1|support>", "#area", "<https://x.test|x>", "&amp;", "<", ">", "quarter",
                 "with", "list", "cancel", "2027-02-30", "tomorrow", "\n", "`"]
            ),
            max_size=8,
        ).map(" ".join),
    )
)  # fmt: skip
def test_any_text_gets_200_and_a_helpful_ephemeral_reply(slack: SlackSender, text: str) -> None:
    reply = slack.command(text)
    assert reply.status == 200, reply.text
    if reply.body:  # empty when a handler answers later at the response_url
        message = reply.json()
        assert_within_limits(message)
        shown = "\n".join([message["text"], *texts(message["blocks"])])
        if message["response_type"] == "in_channel":  # `who`, answered for everyone
            assert "queue" in shown
        else:  # the usage, help, or the next command to try
            assert "/queueday" in shown or "help" in shown


@pytest.mark.parametrize(
    ("removed", "named"),
    [
        (("SLACK_BOT_TOKEN",), "SLACK_BOT_TOKEN is not set"),
        (("SLACK_SIGNING_SECRET",), "SLACK_SIGNING_SECRET is not set"),
        (
            ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"),
            "SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are not set",
        ),
    ],
)
def test_serve_refuses_to_start_without_tokens(
    fake_slack: FakeSlack, tmp_path: Path, removed: tuple[str, ...], named: str
) -> None:
    env = serve_env(fake_slack, tmp_path, **dict.fromkeys(removed))
    done = subprocess.run(
        serve_command(9), cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert named in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_serve_refuses_a_token_slack_rejects(fake_slack: FakeSlack, tmp_path: Path) -> None:
    env = serve_env(fake_slack, tmp_path, SLACK_BOT_TOKEN="xoxb-revoked")
    done = subprocess.run(
        serve_command(9), cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1
    assert "Slack refused SLACK_BOT_TOKEN: invalid_auth" in done.stderr
    assert "Traceback" not in done.stderr


def test_serve_refuses_an_app_token_slack_rejects(fake_slack: FakeSlack, tmp_path: Path) -> None:
    """Socket Mode (SLACK_APP_TOKEN set) connects through apps.connections.open."""
    env = serve_env(fake_slack, tmp_path, SLACK_APP_TOKEN="xapp-revoked", SLACK_SIGNING_SECRET=None)
    done = subprocess.run(
        serve_command(9), cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1
    assert "Slack refused SLACK_APP_TOKEN: invalid_auth" in done.stderr
    assert "Traceback" not in done.stderr


def test_url_verification_is_answered(slack: SlackSender) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "c-123", "token": "t"})
    reply = slack.post(body.encode(), "application/json")
    assert reply.status == 200 and reply.json() == {"challenge": "c-123"}


def test_serve_help_names_its_options() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "serve", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and "--port" in done.stdout and "--host" in done.stdout


def test_server_log_has_no_tracebacks(server: RunningServer, slack: SlackSender) -> None:
    """After everything above, nothing in the server failed unexpectedly."""
    assert slack.request("GET", "/healthz").status == 200
    assert "Traceback" not in server.log(), server.log()[-3000:]
