"""manifest.yml agrees with the app: its command, shortcuts and events all have listeners."""

from __future__ import annotations

import inspect
import json
import re
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
import yaml
from slack_bolt import App, BoltRequest
from slack_sdk import WebClient

from bot.slack.app import SlackConfig, create_app
from bot.slack.commands import COMMAND, SUBCOMMANDS
from bot.slack.handlers.admin import CHANNEL_PREFIXES
from bot.web.app import SLACK_EVENTS_PATH
from tests.bot.fake_slack import FakeSlack
from tests.bot.server import ROOT
from tests.bot.slack_requests import signature

SECRET = "manifest-secret"
MANIFEST: dict[str, Any] = yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))
BOT_SCOPES = set(MANIFEST["oauth_config"]["scopes"]["bot"])

# Every Web API method the app calls -> the bot scopes it needs where QueueDay calls it
# (from the method pages on docs.slack.dev). Empty: the bot token alone will do.
METHOD_SCOPES: dict[str, tuple[str, ...]] = {
    "auth.test": (),
    "chat.getPermalink": (),
    "chat.postEphemeral": ("chat:write",),
    "chat.postMessage": ("chat:write",),  # DMs and the rotation's channel
    # A reacted-to message in a public or private rotation channel; the worker's DM.
    "conversations.history": ("channels:history", "groups:history", "im:history"),
    "conversations.replies": ("channels:history", "groups:history"),
    "conversations.open": ("im:write",),  # a DM with one person
    # profile.email is left out without users:read.email.
    "users.info": ("users:read", "users:read.email"),
    # Slack status as away (optional, per rotation): the day's people's status emoji.
    "users.profile.get": ("users.profile:read",),
    "views.open": (),  # needs a trigger_id, no scope
    "views.publish": (),  # the person's own App Home
    "views.push": (),  # a modal over a modal (time-off calendars): a trigger_id, no scope
    "views.update": (),  # a modal the app opened, by its view_id: no scope
    # The queue in the channel: the rotation's user group and its channel's topic.
    "usergroups.list": ("usergroups:read",),
    "usergroups.create": ("usergroups:write",),
    "usergroups.users.update": ("usergroups:write",),
    "conversations.info": ("channels:read", "groups:read"),  # the topic someone else set
    "conversations.setTopic": ("channels:write.topic", "groups:write.topic"),
}
# Subscribed events -> the scopes Slack requires to deliver them.
EVENT_SCOPES: dict[str, tuple[str, ...]] = {
    "app_home_opened": (),
    "reaction_added": ("reactions:read",),
    "user_change": ("users:read",),  # a deactivated member leaves their rotations
    # OAuth mode forgets the install and stops its links; no scope (Slack sends both to
    # every app).
    "app_uninstalled": (),
    "tokens_revoked": (),
}


@pytest.fixture(scope="module")
def app() -> Iterator[tuple[App, FakeSlack]]:
    with FakeSlack() as fake:
        config = SlackConfig(bot_token=fake.bot_token, signing_secret=SECRET, api_url=fake.api_url)
        yield create_app(config), fake


def dispatch(app: App, body: str, content_type: str) -> int:
    ts = str(int(time.time()))
    request = BoltRequest(
        body=body,
        headers={
            "content-type": content_type,
            "x-slack-request-timestamp": ts,
            "x-slack-signature": signature(SECRET, ts, body.encode()),
        },
    )
    return app.dispatch(request).status


def test_request_urls_point_at_the_slack_endpoint() -> None:
    settings = MANIFEST["settings"]
    urls = [
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
        *(c["url"] for c in MANIFEST["features"]["slash_commands"]),
    ]
    assert all(url == f"https://YOUR_HOST{SLACK_EVENTS_PATH}" for url in urls)
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is False


def test_app_home_and_scopes() -> None:
    home = MANIFEST["features"]["app_home"]
    assert home["home_tab_enabled"] and home["messages_tab_enabled"]
    assert "commands" in BOT_SCOPES  # the slash command and the message shortcuts
    assert "app_mentions:read" not in BOT_SCOPES  # no app_mention listener


def web_api_methods_called() -> dict[str, set[str]]:
    """Each Web API method called in bot/ (slack_sdk's `client.chat_postMessage(` or an
    `api_call("…")`), with the files that call it."""
    names = {
        name: re.findall(r'api_call\(\s*"([^"]+)"', inspect.getsource(method))
        for name, method in inspect.getmembers(WebClient, inspect.isfunction)
        if not name.startswith("_")
    }
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / "bot").rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        called = [m for n in re.findall(r"\.(\w+)\(", source) for m in names.get(n, [])]
        called += re.findall(r"api_call\(\s*[\"']([\w.]+)[\"']", source)
        for method in called:
            found.setdefault(method, set()).add(str(path.relative_to(ROOT)))
    return found


def test_every_web_api_method_called_has_its_scopes_in_the_manifest() -> None:
    called = web_api_methods_called()
    assert {"chat.postMessage", "users.info", "views.publish"} <= set(called)  # the grep works
    unknown = {m: sorted(where) for m, where in called.items() if m not in METHOD_SCOPES}
    assert not unknown, f"add these methods and their scopes to METHOD_SCOPES: {unknown}"
    assert set(METHOD_SCOPES) == set(called), "METHOD_SCOPES lists methods nobody calls"
    missing = {m: sorted(set(s) - BOT_SCOPES) for m, s in METHOD_SCOPES.items()}
    assert {m: s for m, s in missing.items() if s} == {}


def test_every_subscribed_event_has_its_scopes_in_the_manifest() -> None:
    events = MANIFEST["settings"]["event_subscriptions"]["bot_events"]
    assert set(events) == set(EVENT_SCOPES)
    assert {s for e in events for s in EVENT_SCOPES[e]} <= BOT_SCOPES


def test_private_channels_have_the_scopes_public_ones_have() -> None:
    """A rotation's channel may be private (G…): each channels: scope has its groups: twin."""
    assert "G" in CHANNEL_PREFIXES
    public = {s for s in BOT_SCOPES if s.startswith("channels:")}
    assert public and {s.replace("channels:", "groups:") for s in public} <= BOT_SCOPES


def test_the_slash_command_is_ours_and_escapes_mentions() -> None:
    [command] = MANIFEST["features"]["slash_commands"]
    assert command["command"] == COMMAND
    assert command["should_escape"] is True
    assert "help" in command["usage_hint"]


def test_every_shortcut_has_a_listener(app: tuple[App, FakeSlack]) -> None:
    bolt, fake = app
    shortcuts = {s["callback_id"]: s["name"] for s in MANIFEST["features"]["shortcuts"]}
    assert shortcuts == {"save_bug": "Save as bug ticket", "save_highlight": "Save as highlight"}
    for callback_id in shortcuts:
        payload = {
            "type": "message_action",
            "callback_id": callback_id,
            "team": {"id": fake.team_id},
            "user": {"id": "U0ADA"},
            "channel": {"id": "C0TEST"},
            "trigger_id": "t",
            "response_url": fake.response_url(callback_id),
            "message": {"type": "message", "text": "hi", "ts": "1.2"},
        }
        body = urlencode({"payload": json.dumps(payload)})
        assert dispatch(bolt, body, "application/x-www-form-urlencoded") == 200, callback_id


@pytest.mark.parametrize("event_type", MANIFEST["settings"]["event_subscriptions"]["bot_events"])
def test_every_subscribed_event_has_a_listener(app: tuple[App, FakeSlack], event_type: str) -> None:
    bolt, fake = app
    event = {
        "type": "event_callback",
        "team_id": fake.team_id,
        "event_id": f"Ev{event_type}",
        "event": {
            "type": event_type,
            "user": "U0ADA",
            "channel": "D0HOME",
            "tab": "home",
            "reaction": "bug",
            "item": {"type": "message", "channel": "C0TEST", "ts": "1.2"},
        },
    }
    assert dispatch(bolt, json.dumps(event), "application/json") == 200


def test_an_event_without_listener_would_be_caught(app: tuple[App, FakeSlack]) -> None:
    """The check above can fail: Bolt answers 404 to an event nobody listens to."""
    bolt, fake = app
    event = {
        "type": "event_callback",
        "team_id": fake.team_id,
        "event_id": "EvUnheard",
        "event": {"type": "member_joined_channel", "user": "U0ADA", "channel": "C0TEST"},
    }
    assert dispatch(bolt, json.dumps(event), "application/json") == 404


def test_the_readme_walks_through_the_app_and_lists_every_subcommand() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Slack app", 1)[1].split("\n## ", 1)[0]
    for needed in ("manifest.yml", "Socket Mode", "SLACK_APP_TOKEN", "queueday serve"):
        assert needed in section
    for sub in SUBCOMMANDS:
        assert f"/queueday {sub.name}" in section, sub.name
