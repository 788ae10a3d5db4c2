"""Slack status as away: on the morning of someone's queue day, a status emoji the
rotation's admins named (`:palm_tree:`, `:face_with_thermometer:`) books that day as
away, through the same use case as `/queueday away`.

A heuristic, off until an admin names some emoji in `/queueday config`: a status may be
left over from yesterday, or mean something else in one team. It runs once per rotation
and local day, at the rotation's morning reminder time, before the channel's morning
pass; the day goes to whoever the planner picks (told by DM), and the channel is told.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlmodel import Session, col, select

from bot.usecases.access import SYSTEM, check_now, local_today
from bot.usecases.errors import InvalidInput
from bot.usecases.time_off import TimeOffResult, book_time_off
from bot.usecases.transaction import unit_of_work
from scheduling.reminders import local_instant, parse_clock
from storage import queries
from storage.models import Rotation, Workspace

# Slack's emoji names: lower-case letters, digits and `_ - + '` (`:+1:`, `:e-mail:`).
EMOJI_NAME = re.compile(r"[a-z0-9_+'-]{1,64}")
MAX_EMOJI = 20


def parse_status_emoji(text: str | None) -> str | None:
    """The emoji names as stored (`palm_tree face_with_thermometer`) from what an admin
    typed (`:palm_tree: :face_with_thermometer:`, commas allowed); None for none.

    Raises:
        InvalidInput: a word that is no emoji name, or more than MAX_EMOJI of them.
    """
    words = [w for w in re.split(r"[\s,]+", (text or "").strip()) if w]
    names: list[str] = []
    for word in words:
        # `:palm_tree:` or `:palm_tree::skin-tone-2:` (a skin tone counts as the emoji).
        name = word.strip(":").split("::")[0].lower()
        if not EMOJI_NAME.fullmatch(name):
            raise InvalidInput(
                f"{word[:70]!r} is not a status emoji; type them as Slack shows them, "
                "like :palm_tree: :face_with_thermometer:."
            )
        if name not in names:
            names.append(name)
    if len(names) > MAX_EMOJI:
        raise InvalidInput(f"Name at most {MAX_EMOJI} status emoji (got {len(names)}).")
    return " ".join(names) or None


def status_emoji_of(rotation: Rotation) -> tuple[str, ...]:
    """The emoji names the rotation treats as away (none: the check is off)."""
    return tuple((rotation.status_away_emoji or "").split())


def apply_status_emoji(rotation: Rotation, changes: Mapping[str, Any]) -> None:
    """Validate and set `status_away_emoji` from a settings change (bot.usecases.rotations)."""
    if "status_away_emoji" in changes:
        rotation.status_away_emoji = parse_status_emoji(changes["status_away_emoji"])


def away_emoji(profile: Mapping[str, Any], names: frozenset[str], now: datetime) -> str | None:
    """The status emoji of a `users.profile.get` profile if it is one of `names` and has
    not expired by `now`; None otherwise.

    Slack gives `status_emoji` as `:palm_tree:` and `status_expiration` as a Unix time,
    0 for a status that never expires.
    """
    raw = str(profile.get("status_emoji") or "")
    name = raw.strip(":").split("::")[0].lower()
    if not name or name not in names:
        return None
    expires = profile.get("status_expiration") or 0
    if isinstance(expires, int | float) and 0 < expires <= now.timestamp():
        return None  # a status that ran out (Slack clears it, not always at once)
    return name


@dataclass(frozen=True)
class StatusCheck:
    """One rotation's morning check: whom to ask Slack about."""

    rotation: str
    channel: str | None
    day: date
    emoji: frozenset[str]
    people: tuple[str, ...]


def _morning(rotation: Rotation) -> time:
    try:
        return parse_clock(rotation.reminder_time)
    except ValueError:
        return time(9, 0)


def claim_status_checks(session: Session, *, team_id: str, now: datetime) -> list[StatusCheck]:
    """The checks due by `now`, each marked done for its day first (under the rotation's
    lock), so two workers never both ask; one that crashes after claiming skips that day.

    Due from the rotation's morning reminder time on its local day until local midnight,
    for rotations that name status emoji and have someone on the queue that day.
    """
    check_now(now)
    checks: list[StatusCheck] = []
    with unit_of_work(session):
        query = (
            select(Rotation)
            .join(Workspace, col(Workspace.id) == Rotation.workspace_id)
            .where(Workspace.team_id == team_id, col(Rotation.status_away_emoji).is_not(None))
            .order_by(col(Rotation.id))
        )
        for found in session.exec(query).all():
            assert found.id is not None
            today = local_today(found, now)
            # The local morning; on a DST day a skipped time resolves an hour later.
            due = local_instant(today, _morning(found), found.timezone)
            until = local_instant(today + timedelta(days=1), time(0, 0), found.timezone)
            if found.status_checked_on == today or not due <= now < until:
                continue
            row = queries.rotation_by_id(session, rotation_id=found.id, for_update=True)
            if row.status_checked_on == today or not status_emoji_of(row):
                continue  # another worker claimed it meanwhile, or it was switched off
            row.status_checked_on = today
            session.add(row)
            people = tuple(u for u, _ in queries.on_duty(session, rotation_id=found.id, day=today))
            if people:
                checks.append(
                    StatusCheck(
                        row.name, row.channel, today, frozenset(status_emoji_of(row)), people
                    )
                )
    return checks


def away_by_status(
    session: Session,
    *,
    team_id: str,
    rotation: str,
    user: str,
    day: date,
    emoji: str,
    now: datetime,
) -> TimeOffResult:
    """Book `day` as away for `user` because their Slack status says `emoji` (QueueDay
    acting: the audit names `system`); their day goes to whoever the planner picks."""
    return book_time_off(
        session,
        team_id=team_id,
        rotation=rotation,
        actor=SYSTEM,
        now=now,
        user=user,
        first_day=day,
        last_day=day,
        note=f"Slack status :{emoji}:",
    )
