"""The worker's part of the queue in the channel: one claimed `queue_morning` or
`queue_update` row becomes at most one group update, one topic change and one post.

Each step is checked against what QueueDay last set (kept on the rotation), so a row
claimed again after a crash or a 429 repeats nothing that already happened; the post is
first looked for by its metadata, as reminders are. Slack's refusals that a workspace
gives for good (no permission for user groups, not in the channel, no such channel) are
told to the rotation's admins once, in a DM, and the other parts go on; a 429 gives the
row back until Retry-After has passed.

Pacing goes through the worker's Pacer: one post a second per conversation, and 20 calls
a minute (Slack's Tier 2) for `usergroups.*` and `conversations.setTopic`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot.slack.views.channel import merged_topic, morning_post, problem_message, topic_text
from bot.slack.views.reminders import METADATA_EVENT, outbox_id_of
from bot.usecases import channel_queue, delivery
from bot.usecases.channel_queue import QueueChannel
from storage.reminder_queries import Claimed

if TYPE_CHECKING:
    from bot.worker.sender import Pacer, RunReport

log = logging.getLogger(__name__)

TIER_2 = 3.0  # seconds between two calls of one Tier 2 method (20 a minute)
GROUP_DENIED = frozenset(
    {
        "permission_denied",
        "not_allowed_token_type",
        "missing_scope",
        "plan_upgrade_required",
        "paid_teams_only",
        "no_permission",
    }
)
BAD_HANDLE = frozenset(
    {"handle_already_exists", "bad_handle", "forbidden_handle", "name_already_exists"}
)
CHANNEL_GONE = frozenset({"channel_not_found", "is_archived"})


class RateLimited(Exception):
    """Slack said 429 even after the client's own retries: give the row back."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"ratelimited for {seconds:.0f} s")
        self.seconds = seconds


class ChannelWork:
    """Carries out claimed channel rows for one workspace's Sender."""

    def __init__(
        self,
        client: Any,
        *,
        worker: str,
        pacer: Pacer,
        wall: Callable[[], datetime],
        swap_action: str,
        tier_2: float = TIER_2,
        history_limit: int = 100,
        highlight_age: timedelta = delivery.HIGHLIGHT_MAX_AGE,
    ) -> None:
        self.client = client
        self.worker = worker
        self.pacer = pacer
        self.wall = wall
        self.swap_action = swap_action
        self.tier_2 = tier_2
        self.history_limit = history_limit
        self.highlight_age = highlight_age
        self._groups: dict[str, str] | None = None  # the workspace's groups by handle

    def deliver(self, session: Session, row: Claimed, as_of: datetime, report: RunReport) -> None:
        if row.useful_until is not None and row.useful_until <= as_of:
            self._skip(session, row, f"missed until {row.useful_until.isoformat()}")
            report.dropped += 1
            return
        morning = row.kind == channel_queue.MORNING
        day = channel_queue.channel_day(
            session,
            rotation_id=row.rotation_id,
            as_of=as_of,
            with_post=morning,
            highlight_age=self.highlight_age,
        )
        if not day.channel:
            self._skip(session, row, "the rotation has no channel")
            report.skipped += 1
            return
        done: list[str] = []
        try:
            channel_ok = True
            if day.group_on:
                self._group(session, day, done)
            if day.topic_on:
                channel_ok = self._topic(session, day, done)
            ts = None
            if morning and day.post_on and day.people and channel_ok:
                ts = self._post(session, row, day, done)
        except RateLimited as exc:
            self.pacer.backoff(min(exc.seconds, 900.0))  # every worker holds back
            delivery.give_back(
                session,
                row_id=row.id,
                worker=self.worker,
                attempts=0,  # Slack asked to wait, it did not refuse: never a failure
                retry_at=self.wall() + timedelta(seconds=exc.seconds),
                now=self.wall(),
                error=f"slack: ratelimited ({', '.join(done) or 'nothing'} done)",
            )
            report.retried += 1
            log.warning(
                "channel row #%d: rate limited; trying again in %.0f s", row.id, exc.seconds
            )
            return
        except SlackApiError as exc:
            failed = delivery.give_back(
                session,
                row_id=row.id,
                worker=self.worker,
                attempts=row.attempts,
                retry_at=self.wall() + timedelta(seconds=60),
                now=self.wall(),
                error=f"slack: {exc.response.get('error') or exc}",
            )
            report.failed += failed
            report.retried += not failed
            log.warning("channel row #%d: Slack said %s", row.id, exc.response.get("error"))
            return
        if not done:
            self._skip(session, row, "nothing to change")
            report.skipped += 1
            return
        delivery.mark_sent(
            session, row_id=row.id, worker=self.worker, now=self.wall(), channel=day.channel, ts=ts
        )
        report.sent += 1
        report.sent_by_kind[row.kind] += 1

    # -- the three parts

    def _group(self, session: Session, day: QueueChannel, done: list[str]) -> None:
        """Set the group to the day's people; on a day with nobody it keeps its members
        (Slack refuses an empty list with invalid_users)."""
        users = day.group_users
        if not users or (users == day.last_group_users and day.group_id):
            return
        try:
            group_id = day.group_id or self._find_or_create(session, day, done)
            self._call(day, "usergroups.users.update")
            self.client.usergroups_users_update(usergroup=group_id, users=",".join(users))
        except SlackApiError as exc:
            error = self._refusal(exc)
            if error in GROUP_DENIED:
                self._tell(session, day, "group_denied", error)
                return
            if error in BAD_HANDLE:
                self._tell(session, day, "group_handle", error)
                return
            raise
        done.append("group")
        channel_queue.record_group(
            session, rotation_id=day.rotation_id, group_id=group_id, users=users
        )
        self._clear(session, day, ("group_denied", "group_handle"))

    def _find_or_create(self, session: Session, day: QueueChannel, done: list[str]) -> str:
        """The id of the group with the rotation's handle: `usergroups.list` first, and
        `usergroups.create` when no group has it."""
        if self._groups is None:  # listed once per worker: 1,000 rotations, one call
            self._call(day, "usergroups.list")
            listed = self.client.usergroups_list(include_disabled=True)
            self._groups = {
                str(g.get("handle", "")).lower(): str(g["id"])
                for g in listed.get("usergroups") or []
                if g.get("id")
            }
        if day.handle in self._groups:
            return self._groups[day.handle]
        self._call(day, "usergroups.create")
        created = self.client.usergroups_create(
            name=day.handle,
            handle=day.handle,
            description=f"Who is on the {day.rotation} support queue today (kept by QueueDay)",
        )
        done.append("group created")  # kept with its users once they are set
        self._groups[day.handle] = str(created["usergroup"]["id"])
        return self._groups[day.handle]

    def _topic(self, session: Session, day: QueueChannel, done: list[str]) -> bool:
        """Name today's people in the topic, only when that changes it; False when the
        channel cannot be reached (the post would fail too)."""
        ours = topic_text(day)
        if ours == day.topic_set:
            return True  # nothing changed since QueueDay last set it
        assert day.channel is not None
        try:
            info = self.client.conversations_info(channel=day.channel)
            current = str(((info.get("channel") or {}).get("topic") or {}).get("value") or "")
            wanted = merged_topic(
                current, ours, last_set=day.topic_set, overwrite=day.topic_overwrite
            )
            if wanted is not None:
                self._call(day, "conversations.setTopic")
                self.client.conversations_setTopic(channel=day.channel, topic=wanted)
                done.append("topic")
            elif current.strip() != ours:
                self._tell(session, day, "topic_kept", "")
        except SlackApiError as exc:
            error = self._refusal(exc)
            if error == "not_in_channel":
                self._tell(session, day, "not_in_channel", error)
                return False
            if error in CHANNEL_GONE:
                self._tell(session, day, "channel_not_found", error)
                return False
            if error == "too_long":
                self._tell(session, day, "too_long", error)
                return True
            raise
        channel_queue.record_topic(session, rotation_id=day.rotation_id, topic=ours)
        self._clear(session, day, ("not_in_channel", "channel_not_found"))
        return True

    def _post(
        self, session: Session, row: Claimed, day: QueueChannel, done: list[str]
    ) -> str | None:
        """The morning handover, once: a row tried before is first looked for by its
        metadata in the channel's newest messages."""
        assert day.channel is not None
        try:
            if row.attempts > 1:
                history = self.client.conversations_history(
                    channel=day.channel, include_all_metadata=True, limit=self.history_limit
                )
                for message in history.get("messages") or []:
                    if outbox_id_of(message) == row.id:
                        done.append("post (found)")
                        return str(message.get("ts"))
            message = morning_post(day, swap_action=self.swap_action)
            self.pacer.wait(day.channel)
            response = self.client.chat_postMessage(
                channel=day.channel,
                text=message["text"],
                blocks=message["blocks"],
                metadata={
                    "event_type": METADATA_EVENT,
                    "event_payload": {"outbox_id": row.id, "kind": row.kind},
                },
                unfurl_links=False,
                unfurl_media=False,
            )
            self.pacer.sent(day.channel)
        except SlackApiError as exc:
            error = self._refusal(exc)
            if error == "not_in_channel":
                self._tell(session, day, "not_in_channel", error)
                return None
            if error in CHANNEL_GONE:
                self._tell(session, day, "channel_not_found", error)
                return None
            raise
        done.append("post")
        return str(response.get("ts") or "") or None

    # -- plumbing

    def _call(self, day: QueueChannel, method: str) -> None:
        """Wait for the method's Tier 2 turn (20 calls a minute in the workspace)."""
        key = f"api:{day.team_id}:{method}"  # Slack's tiers count per workspace
        self.pacer.wait(key, interval=self.tier_2)
        self.pacer.sent(key)

    def _refusal(self, exc: SlackApiError) -> str:
        """Slack's error code; a 429 (after the client's own retries) becomes RateLimited."""
        if exc.response.status_code == 429:
            raw = exc.response.headers.get("Retry-After", ["30"])
            value = raw[0] if isinstance(raw, list) else raw
            raise RateLimited(float(value or 30)) from exc
        return str(exc.response.get("error") or "")

    def _tell(self, session: Session, day: QueueChannel, problem: str, error: str) -> None:
        """DM the rotation's admins about `problem`, once until that part works again."""
        log.warning("queue in the channel of %s: %s (%s)", day.rotation, problem, error)
        if not channel_queue.note_problem(
            session, rotation_id=day.rotation_id, problem=problem, day=day.day
        ):
            return
        message = problem_message(
            problem,
            rotation=day.rotation,
            channel=day.channel or "",
            handle=day.handle,
            error=error,
        )
        for admin in day.admins:
            try:
                self.pacer.wait(admin)
                self.client.chat_postMessage(
                    channel=admin, text=message["text"], blocks=message["blocks"]
                )
                self.pacer.sent(admin)
            except SlackApiError as exc:
                log.warning("could not tell %s about %s: %s", admin, problem, exc)

    def _clear(self, session: Session, day: QueueChannel, problems: tuple[str, ...]) -> None:
        """These parts work (again): a later failure is told anew."""
        if set(problems) & set(day.notified):
            channel_queue.clear_problems(session, rotation_id=day.rotation_id, problems=problems)

    def _skip(self, session: Session, row: Claimed, reason: str) -> None:
        delivery.mark_skipped(
            session, row_id=row.id, worker=self.worker, now=self.wall(), reason=reason
        )
