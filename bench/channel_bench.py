"""Channel benchmark: 1,000 rotations whose mornings fall in the same minute, handed over
in one worker pass (the user group, the topic and the morning post of each).

One workspace, 1,000 rotations (each its own channel, one person on the queue today,
morning time 09:00 Berlin), on a SQLite file. The pass is the worker's own
(`Sender.run_once`); Slack is an in-process stand-in that records each call with the
time of a simulated clock, and the worker's Pacer sleeps on that clock, so the figures
show Slack's time (what the rate tiers make the pass take) apart from QueueDay's own
(the real seconds the pass cost). Slack's Tier 2 allows about 20 calls a minute per
method and workspace for usergroups.* and conversations.setTopic; chat.postMessage one
a second per channel.

Printed: rotations handed over; calls per method; the most calls of each method in any
60 s of Slack time (must stay at or under 20 for the Tier 2 methods); Slack time of the
pass; QueueDay's own time (wall clock of the pass with the sleeps simulated) and per
rotation; and a rerun's calls (must be 0).

    python bench/channel_bench.py [--rotations 1000]
"""

from __future__ import annotations

import argparse
import bisect
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlmodel import Session  # noqa: E402

from bot.worker.sender import Pacer, Sender, WorkerConfig  # noqa: E402
from storage.db import make_engine  # noqa: E402
from storage.models import (  # noqa: E402
    METADATA,
    Assignment,
    Member,
    Role,
    Rotation,
    Workspace,
)

DAY = date(2027, 1, 4)  # a Monday, a working day in Berlin
MORNING = datetime(2027, 1, 4, 8, 0, 30, tzinfo=UTC)  # 09:00:30 in Berlin
TIER_2 = ("usergroups.list", "usergroups.create", "usergroups.users.update")
TIER_2_TOPIC = "conversations.setTopic"


class SimClock:
    """Slack's time: advanced only by the Pacer's sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class Answer(dict[str, Any]):
    """A Web API answer as slack_sdk gives it (a dict with `.get` and `[...]`)."""


class StandIn:
    """The Web API calls of the channel pass, recorded with Slack's time."""

    def __init__(self, sim: SimClock) -> None:
        self.sim = sim
        self.calls: list[tuple[str, float]] = []
        self.groups: dict[str, dict[str, Any]] = {}
        self.topics: dict[str, str] = {}

    def _call(self, method: str) -> None:
        self.calls.append((method, self.sim.now))

    def usergroups_list(self, **kwargs: Any) -> Answer:
        self._call("usergroups.list")
        return Answer(usergroups=list(self.groups.values()))

    def usergroups_create(self, *, handle: str, **kwargs: Any) -> Answer:
        self._call("usergroups.create")
        group = {"id": f"S{len(self.groups) + 1:08d}", "handle": handle}
        self.groups[group["id"]] = group
        return Answer(usergroup=group)

    def usergroups_users_update(self, *, usergroup: str, users: str) -> Answer:
        self._call("usergroups.users.update")
        assert users, "Slack refuses an empty list"
        return Answer(usergroup=self.groups[usergroup])

    def conversations_info(self, *, channel: str) -> Answer:
        self._call("conversations.info")
        return Answer(channel={"id": channel, "topic": {"value": self.topics.get(channel, "")}})

    def conversations_setTopic(self, *, channel: str, topic: str) -> Answer:  # noqa: N802
        self._call("conversations.setTopic")
        assert len(topic) <= 250
        self.topics[channel] = topic
        return Answer(channel={"id": channel})

    def chat_postMessage(self, *, channel: str, **kwargs: Any) -> Answer:  # noqa: N802
        self._call("chat.postMessage")
        return Answer(channel=channel, ts=f"{1700000000 + len(self.calls)}.000100")

    def conversations_history(self, *, channel: str, **kwargs: Any) -> Answer:
        self._call("conversations.history")
        return Answer(messages=[])

    def conversations_open(self, *, users: str) -> Answer:
        return Answer(channel={"id": "D" + users})

    def users_info(self, *, user: str) -> Answer:
        return Answer(user={"id": user, "tz": "Europe/Berlin"})


def seed(engine: Any, rotations: int) -> None:
    """1,000 rotations, each with one person published on DAY; reminders off (DMs are
    remind_bench's business), the channel's three parts on."""
    with Session(engine) as session:
        workspace = Workspace(team_id="T0BENCH", name="Bench", created_at=MORNING)
        session.add(workspace)
        session.flush()
        for n in range(rotations):
            rotation = Rotation(
                workspace_id=workspace.id,  # type: ignore[arg-type]
                name=f"team{n:04d}",
                channel=f"C{n:08d}",
                timezone="Europe/Berlin",
                reminders_enabled=False,
                reminder_time="09:00",
                created_at=MORNING,
                updated_at=MORNING,
            )
            session.add(rotation)
            session.flush()
            member = Member(
                rotation_id=rotation.id,  # type: ignore[arg-type]
                user_id=f"U{n:08d}",
                display_name=f"Person {n}",
                role=Role.ADMIN,
                created_at=MORNING,
                updated_at=MORNING,
            )
            session.add(member)
            session.flush()
            session.add(
                Assignment(
                    rotation_id=rotation.id,  # type: ignore[arg-type]
                    day=DAY,
                    member_id=member.id,  # type: ignore[arg-type]
                    created_at=MORNING,
                    updated_at=MORNING,
                )
            )
        session.commit()


def busiest_minute(times: list[float]) -> int:
    """The most calls in any 60 s window of Slack time."""
    times = sorted(times)
    return max((bisect.bisect_left(times, t + 60) - i for i, t in enumerate(times)), default=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rotations", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        engine = make_engine(f"sqlite:///{Path(workdir) / 'bench.db'}")
        METADATA.create_all(engine)
        seed(engine, args.rotations)
        sim = SimClock()
        slack = StandIn(sim)
        sender = Sender(
            engine,
            slack,
            team_id="T0BENCH",
            config=WorkerConfig(channel_interval=1.0),
            worker="bench",
            wall=lambda: MORNING,
            pacer=Pacer(1.0, clock=sim.clock, sleep=sim.sleep),
        )
        started = time.perf_counter()
        report = sender.run_once(MORNING)
        own = time.perf_counter() - started
        rerun = len(slack.calls)
        sender.run_once(MORNING)
        rerun = len(slack.calls) - rerun
        engine.dispose()
    by_method: dict[str, list[float]] = defaultdict(list)
    for method, at in slack.calls:
        by_method[method].append(at)
    print(f"channel pass: {args.rotations} rotations, mornings in the same minute")
    print(f"  handed over          {report.sent_by_kind.get('queue_morning', 0)}")
    print(f"  {'method':<26} {'calls':>6} {'most in 60 s':>13}")
    for method in sorted(by_method):
        limit = " (Tier 2: <= 20)" if method in (*TIER_2, TIER_2_TOPIC) else ""
        busiest = busiest_minute(by_method[method])
        print(f"  {method:<26} {len(by_method[method]):>6} {busiest:>13}{limit}")
    print(f"  Slack time of pass   {sim.now / 60:.1f} min (Tier 2 spacing: 3 s a call)")
    print(f"  QueueDay's own time  {own:.1f} s ({own / args.rotations * 1000:.1f} ms a rotation)")
    print(f"  rerun's calls        {rerun}")


if __name__ == "__main__":
    main()
