"""Each person's reminder settings: local times, muted kinds, product areas, timezone.

Settings belong to the person, not to one rotation: they are kept on each of their
member rows in the workspace, and changing them re-plans their queued reminders in
the same transaction (muting cancels the pending rows; unmuting or moving queues them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session

from bot.usecases import audit, outbox
from bot.usecases.access import check_now, load_workspace
from bot.usecases.errors import InvalidInput, NotFound
from bot.usecases.transaction import unit_of_work
from scheduling.reminders import DAY_KINDS, MUTABLE, ReminderKind, ReminderTimes
from storage import queries, reminder_queries
from storage.models import Assignment, AssignmentState, Member

MAX_AREAS = 10


@dataclass(frozen=True)
class ReminderSettings:
    """A person's reminder settings as plain values."""

    user: str
    times: ReminderTimes
    areas: tuple[str, ...]
    timezone: str | None  # their own (from Slack); None: the rotation's
    rotations: tuple[str, ...]


def _members(session: Session, team_id: str, user: str) -> list[Member]:
    workspace = load_workspace(session, team_id=team_id)
    assert workspace.id is not None
    members = reminder_queries.members_with_user(session, workspace_id=workspace.id, user_id=user)
    if not members:
        raise NotFound(f"<@{user}> is in no rotation yet, so has no reminders.")
    return members


def _settings(session: Session, members: list[Member]) -> ReminderSettings:
    first = members[0]
    rotation = queries.rotation_by_id(session, rotation_id=first.rotation_id)
    names = tuple(
        sorted(queries.rotation_by_id(session, rotation_id=m.rotation_id).name for m in members)
    )
    return ReminderSettings(
        user=first.user_id,
        times=outbox.times_of(first, rotation),
        areas=outbox.areas_of(first),
        timezone=first.timezone,
        rotations=names,
    )


def reminder_settings(session: Session, *, team_id: str, user: str) -> ReminderSettings:
    """A person's settings (read only)."""
    result = _settings(session, _members(session, team_id, user))
    session.rollback()
    return result


def change_reminder_settings(
    session: Session,
    *,
    team_id: str,
    actor: str,
    now: datetime,
    mute: ReminderKind | None = None,
    unmute: ReminderKind | None = None,
    move: tuple[ReminderKind, time] | None = None,
    areas: list[str] | None = None,
) -> ReminderSettings:
    """Change the actor's own settings and re-plan their queued reminders.

    Essential kinds (the quarter's days, the morning of) cannot be muted.
    """
    check_now(now)
    for kind in (mute, unmute):
        if kind is not None and kind not in MUTABLE:
            raise InvalidInput(
                f"The {kind.value.replace('_', ' ')} reminder can't be muted; "
                f"you can mute: {', '.join(k.value for k in sorted(MUTABLE))}."
            )
    if move is not None and move[0] not in DAY_KINDS:
        raise InvalidInput(f"The {move[0].value} reminder has no time of day to move.")
    with unit_of_work(session):
        members = _members(session, team_id, actor)
        before = dict(members[0].reminder_settings or {})
        after: dict[str, Any] = dict(before)
        muted = set(after.get("muted", []))
        if mute is not None:
            muted.add(mute.value)
        if unmute is not None:
            muted.discard(unmute.value)
        after["muted"] = sorted(muted)
        if move is not None:
            after[move[0].value] = move[1].strftime("%H:%M")
        if areas is not None:
            cleaned = [a.strip().lstrip("#").lower() for a in areas if a.strip().lstrip("#")]
            after["areas"] = list(dict.fromkeys(cleaned))[:MAX_AREAS]
        for member in members:
            member.reminder_settings = after
            member.updated_at = now
            session.add(member)
        _resync(session, members, now)
        rotation = queries.rotation_by_id(session, rotation_id=members[0].rotation_id)
        audit.record(
            session,
            rotation=rotation,
            actor=actor,
            action="reminders.settings",
            subject=f"user:{actor}",
            before=before,
            after=after,
            now=now,
        )
        result = _settings(session, members)
    return result


def set_timezone(session: Session, *, team_id: str, user: str, timezone: str, now: datetime) -> int:
    """Record a person's own timezone (from Slack's users.info) and re-plan their
    reminders; returns how many member rows changed."""
    check_now(now)
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"Unknown timezone {timezone!r}.") from None
    with unit_of_work(session):
        members = [m for m in _members(session, team_id, user) if m.timezone != timezone]
        for member in members:
            member.timezone = timezone
            member.updated_at = now
            session.add(member)
        if members:
            _resync(session, members, now)
    return len(members)


def _resync(session: Session, members: list[Member], now: datetime) -> None:
    """Re-plan the day reminders of these members' published days from today on."""
    session.flush()
    days: list[Assignment] = []
    for member in members:
        assert member.id is not None
        rotation = queries.rotation_by_id(session, rotation_id=member.rotation_id)
        today = now.astimezone(ZoneInfo(rotation.timezone)).date()
        days += [
            a
            for a in queries.assignments_of(
                session,
                rotation_id=member.rotation_id,
                first=today,
                states=(AssignmentState.PUBLISHED,),
            )
            if a.member_id == member.id
        ]
    outbox.sync_days(session, days, now=now)
