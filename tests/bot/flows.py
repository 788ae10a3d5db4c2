"""Helpers for end-to-end command tests: rotations seeded in the server's database, and
people who type commands and click buttons through signed requests.

Every test seeds its own rotation with its own channel and people, so tests sharing the
one server process (and the hypothesis fuzz typing as U0ADA in C0TEST) never meet; and
each reads only the fake's calls about its own people, channels, triggers and
response_url (a late call from an earlier test names that test's, see tests/bot/fake_slack).
"""

from __future__ import annotations

import itertools
import json
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

import bot.usecases as uc
from scheduling.quarters import quarter_of
from tests.bot.fake_slack import RESPONSE_URL, Call, FakeSlack, response_name
from tests.bot.slack.test_views import assert_within_limits, texts
from tests.bot.slack_requests import SlackSender

TEAM = "T0TEST"
_numbers = itertools.count(1)


def now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Rotation:
    """A seeded rotation: its name, channel, admin and the other people in it."""

    name: str
    channel: str
    admin: str
    people: list[str]
    engine: Engine = field(repr=False)

    @property
    def everyone(self) -> list[str]:
        return [self.admin, *self.people]

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def days(self, user: str, *, after: date | None = None) -> list[date]:
        """The person's published days after `after` (default today), in order."""
        first = after or now().date()
        with self.session() as session:
            mine = uc.my_overview(session, team_id=TEAM, user=user, now=now(), limit=200)
        return [
            d for r in mine.rotations if r.rotation == self.name for d in r.next_days if d > first
        ]

    def on(self, day: date) -> list[str]:
        with self.session() as session:
            found = uc.who_is_on(session, team_id=TEAM, rotation=self.name, day=day)
        return [user for user, _ in found.people]


def seed(
    engine: Engine, *, people: int = 4, publish: bool = True, timezone: str = "UTC"
) -> Rotation:
    """A rotation of `people` (its admin first) with this and next quarter published."""
    tag = f"{next(_numbers):03d}{uuid.uuid4().hex[:4].upper()}"
    rotation = Rotation(
        name=f"r{tag.lower()}",
        channel=f"C{tag}",
        admin=f"UA{tag}",
        people=[f"U{chr(66 + n)}{tag}" for n in range(people - 1)],
        engine=engine,
    )
    moment = now()
    with rotation.session() as session:
        uc.create_rotation(
            session, team_id=TEAM, actor=rotation.admin, actor_name=f"Admin {tag}", now=moment,
            name=rotation.name, channel=rotation.channel, timezone=timezone,
        )  # fmt: skip
        uc.add_members(
            session,
            team_id=TEAM,
            rotation=rotation.name,
            actor=rotation.admin,
            now=moment,
            people=[
                uc.NewMember(u, f"Person {u}", joined=moment.date() - timedelta(days=100))
                for u in rotation.people
            ],
        )
        if publish:
            for offset in (0, 1):
                start, end = quarter_of(moment.date(), 1, offset)
                uc.publish_plan(
                    session, team_id=TEAM, rotation=rotation.name, actor=rotation.admin,
                    now=moment, start=start, end=end, expected_version=None,
                )  # fmt: skip
    return rotation


def text_of(message: dict[str, Any]) -> str:
    """A message's fallback text and every text in its blocks."""
    blocks = message.get("blocks")
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    return "\n".join([str(message.get("text", "")), *texts(blocks or [])])


def buttons_of(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The message's buttons by label."""
    blocks = message.get("blocks")
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    found: dict[str, dict[str, Any]] = {}
    for block in blocks or []:
        elements = list(block.get("elements", [])) + [block.get("accessory") or {}]
        for element in elements:
            if element.get("type") == "button":
                found[element["text"]["text"]] = element
    return found


def wait_calls(
    fake: FakeSlack,
    method: str,
    *,
    about: str | Iterable[str],
    after: int = 0,
    count: int = 1,
    timeout: float = 10.0,
) -> list[Call]:
    """The calls of `method` naming one of `about` beyond the first `after`, once there
    are `count` of them."""
    deadline = time.monotonic() + timeout
    while True:
        found = [c for c in fake.calls(method, about=about) if c.status == 200][after:]
        if len(found) >= count:
            return found
        if time.monotonic() > deadline:
            seen = [c.method for c in fake.calls()]
            raise AssertionError(f"expected {count} more {method}; calls: {seen}")
        time.sleep(0.02)


def dms_to(fake: FakeSlack, user: str, *, count: int = 1, timeout: float = 10.0) -> list[Call]:
    """chat.postMessage calls to a person (their DM with QueueDay)."""
    deadline = time.monotonic() + timeout
    while True:
        found = [
            c for c in fake.calls("chat.postMessage", about=user) if c.params.get("channel") == user
        ]
        if len(found) >= count:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"expected {count} DM(s) to {user}; got {len(found)}")
        time.sleep(0.02)


def homes_of(fake: FakeSlack, user: str, *, count: int = 1, timeout: float = 10.0) -> list[Any]:
    """The App Home views published for a person, oldest first."""
    deadline = time.monotonic() + timeout
    while True:
        found = [
            c.json_param("view")
            for c in fake.calls("views.publish", about=user)
            if c.params.get("user_id") == user and c.status == 200
        ]
        if len(found) >= count:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"expected {count} App Home publish(es) for {user}")
        time.sleep(0.02)


@dataclass
class Person:
    """Someone typing /queueday in a channel, and clicking buttons."""

    slack: SlackSender
    fake: FakeSlack
    user: str
    channel: str
    triggers: list[str] = field(default_factory=list)  # every trigger_id sent, for views.open

    @property
    def replies(self) -> str:
        """The name of the response_url this person's requests carry (the test's own)."""
        return response_name(self.slack.response_url)

    def _answered(self) -> int:
        return len(
            [c for c in self.fake.calls(RESPONSE_URL, about=self.replies) if c.status == 200]
        )

    def _trigger(self) -> str:
        self.triggers.append(f"trigger-{uuid.uuid4().hex[:8]}")
        return self.triggers[-1]

    def command(self, text: str) -> dict[str, Any]:
        """The reply: in the ack's body, or (after the ack) at the response_url."""
        before = self._answered()
        fields = {
            "user_id": self.user,
            "channel_id": self.channel,
            "user_name": self.user.lower(),
            "trigger_id": self._trigger(),
        }
        reply = self.slack.command(text, fields=fields)
        assert reply.status == 200, reply.text
        if reply.body:
            message: dict[str, Any] = reply.json()
        else:
            message = wait_calls(self.fake, RESPONSE_URL, about=self.replies, after=before)[
                0
            ].params
        assert_within_limits({**message, "blocks": _blocks(message)})
        return message

    def click(self, message: dict[str, Any], label: str, *, wait: bool = True) -> dict[str, Any]:
        """Press a button of a message; the reply posted to the response_url (if `wait`)."""
        button = buttons_of(message)[label]
        before = self._answered()
        payload = {
            "type": "block_actions",
            "user": {"id": self.user, "team_id": TEAM},
            "trigger_id": self._trigger(),
            "container": {"type": "message", "channel_id": self.channel},
            "channel": {"id": self.channel},
            "actions": [
                {
                    "action_id": button["action_id"],
                    "block_id": "b",
                    "type": "button",
                    "value": button.get("value", ""),
                }
            ],
        }
        reply = self.slack.interaction(payload)
        assert reply.status == 200, reply.text
        if not wait:
            return {}
        return wait_calls(self.fake, RESPONSE_URL, about=self.replies, after=before)[0].params

    def submit(self, callback_id: str, values: dict[str, Any], metadata: str = "") -> Any:
        """Submit a modal; the ack's body (errors), or None for an empty ack."""
        payload = {
            "type": "view_submission",
            "user": {"id": self.user, "team_id": TEAM},
            "trigger_id": "t",
            "view": {
                "id": "V1",
                "type": "modal",
                "callback_id": callback_id,
                "private_metadata": metadata,
                "state": {"values": values},
            },
        }
        reply = self.slack.interaction(payload)
        assert reply.status == 200, reply.text
        return reply.json() if reply.body else None


def _blocks(message: dict[str, Any]) -> list[Any]:
    blocks = message.get("blocks") or []
    return json.loads(blocks) if isinstance(blocks, str) else list(blocks)
