"""Creating and configuring a rotation."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TypedDict, Unpack
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session

from bot.usecases import audit
from bot.usecases.access import check_now, load_rotation, require_admin
from bot.usecases.channel_queue import check_handle, default_handle, handle_of
from bot.usecases.errors import Conflict, InvalidInput
from bot.usecases.status_away import apply_status_emoji, status_emoji_of
from bot.usecases.transaction import unit_of_work
from scheduling.calendar import UnknownRegion, WorkCalendar
from scheduling.model import WEEKDAY_NAMES
from storage import queries
from storage.models import ClosedDay, Member, Role, Rotation, Workspace

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,39}$")
TIME_PATTERN = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@dataclass(frozen=True)
class RotationSettings:
    """A rotation's configuration as plain values."""

    name: str
    channel: str | None
    timezone: str
    country: str | None
    subdivision: str | None
    workdays: tuple[str, ...]
    slots_per_day: int
    quarter_start_month: int
    reminders_enabled: bool
    reminder_time: str
    reminder_days_before: int
    closed_days: tuple[date, ...]
    published_version: int
    # The queue in the channel (bot.usecases.channel_queue).
    queue_handle: str = ""
    queue_group: bool = True
    queue_topic: bool = True
    queue_topic_overwrite: bool = False
    queue_post: bool = True
    # Planner rules (README: What fair means): working days between a person's days or
    # stints (None: no minimum) and the stint length in days (1 or 2).
    min_gap_days: int | None = None
    stint_days: int = 1
    # Slack status emoji names that book the day as away (bot.usecases.status_away).
    status_away_emoji: tuple[str, ...] = ()


class RotationChanges(TypedDict, total=False):
    """Settings to change; a key left out stays as it is, None clears a nullable one."""

    channel: str | None
    timezone: str
    country: str | None
    subdivision: str | None
    workdays: tuple[str, ...] | list[str]
    slots_per_day: int
    quarter_start_month: int
    reminders_enabled: bool
    reminder_time: str
    reminder_days_before: int
    closed_days: tuple[date, ...] | list[date]
    queue_handle: str | None  # None: the default, <rotation>-today
    queue_group: bool
    queue_topic: bool
    queue_topic_overwrite: bool
    queue_post: bool
    min_gap_days: int | None  # None: no minimum gap
    stint_days: int
    status_away_emoji: str | None  # as typed, `:palm_tree: :face_with_thermometer:`


def settings_of(session: Session, rotation: Rotation) -> RotationSettings:
    """The rotation's configuration as plain values."""
    assert rotation.id is not None
    return RotationSettings(
        name=rotation.name,
        channel=rotation.channel,
        timezone=rotation.timezone,
        country=rotation.country,
        subdivision=rotation.subdivision,
        workdays=tuple(rotation.workdays.split()),
        slots_per_day=rotation.slots_per_day,
        quarter_start_month=rotation.quarter_start_month,
        reminders_enabled=rotation.reminders_enabled,
        reminder_time=rotation.reminder_time,
        reminder_days_before=rotation.reminder_days_before,
        closed_days=tuple(r.day for r in queries.closed_days_of(session, rotation_id=rotation.id)),
        published_version=rotation.published_version,
        queue_handle=handle_of(rotation),
        queue_group=rotation.queue_group,
        queue_topic=rotation.queue_topic,
        queue_topic_overwrite=rotation.queue_topic_overwrite,
        queue_post=rotation.queue_post,
        min_gap_days=rotation.min_gap_days,
        stint_days=rotation.stint_days,
        status_away_emoji=status_emoji_of(rotation),
    )


def _workdays(names: tuple[str, ...] | list[str]) -> str:
    upper = [name.strip().upper() for name in names]
    unknown = [name for name in upper if name not in WEEKDAY_NAMES]
    if unknown:
        raise InvalidInput(f"Unknown weekday {unknown[0]!r}; use {' '.join(WEEKDAY_NAMES)}.")
    if not upper:
        raise InvalidInput("A rotation needs at least one working weekday.")
    return " ".join(name for name in WEEKDAY_NAMES if name in upper)


def _apply(session: Session | None, rotation: Rotation, changes: RotationChanges) -> None:
    """Validate and set the changed settings on the row."""
    if "channel" in changes:
        rotation.channel = changes["channel"] or None
    if "timezone" in changes:
        try:
            ZoneInfo(changes["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidInput(
                f"Unknown timezone {changes['timezone']!r}; use an IANA name like Europe/Berlin."
            ) from None
        rotation.timezone = changes["timezone"]
    if "country" in changes:
        rotation.country = (changes["country"] or "").upper() or None
        if rotation.country is None:
            rotation.subdivision = None  # no country, no region of it
    if "subdivision" in changes:
        rotation.subdivision = (changes["subdivision"] or "").upper() or None
    if rotation.subdivision and not rotation.country:
        raise InvalidInput("A holiday subdivision needs a country.")
    if rotation.country:
        try:
            WorkCalendar((0,), rotation.country, rotation.subdivision)
        except UnknownRegion as exc:
            raise InvalidInput(f"Unknown holiday region: {exc}") from None
    if "workdays" in changes:
        rotation.workdays = _workdays(changes["workdays"])
    if "slots_per_day" in changes:
        if not 1 <= changes["slots_per_day"] <= 1000:
            raise InvalidInput("People per day must be between 1 and 1000.")
        rotation.slots_per_day = changes["slots_per_day"]
    if "quarter_start_month" in changes:
        if not 1 <= changes["quarter_start_month"] <= 12:
            raise InvalidInput("The quarter start month must be between 1 and 12.")
        rotation.quarter_start_month = changes["quarter_start_month"]
    if "reminders_enabled" in changes:
        rotation.reminders_enabled = bool(changes["reminders_enabled"])
    if "reminder_time" in changes:
        if not TIME_PATTERN.match(changes["reminder_time"]):
            raise InvalidInput("The reminder time must look like 09:30 (24-hour clock).")
        rotation.reminder_time = changes["reminder_time"]
    if "reminder_days_before" in changes:
        if not 0 <= changes["reminder_days_before"] <= 14:
            raise InvalidInput("Reminders can be sent 0 to 14 days before.")
        rotation.reminder_days_before = changes["reminder_days_before"]
    if "queue_handle" in changes:
        raw = changes["queue_handle"]
        handle = check_handle(raw) if raw else None
        if handle == default_handle(rotation.name):
            handle = None
        if handle != rotation.queue_handle:  # another group: found or created anew
            rotation.queue_handle = handle
            rotation.queue_group_id = rotation.queue_group_users = None
    for switch in ("queue_group", "queue_topic", "queue_topic_overwrite", "queue_post"):
        if switch in changes:
            setattr(rotation, switch, bool(changes[switch]))
    apply_planner_rules(rotation, changes)
    apply_status_emoji(rotation, changes)
    if "closed_days" in changes:
        assert rotation.id is not None and session is not None
        wanted = set(changes["closed_days"])
        for row in queries.closed_days_of(session, rotation_id=rotation.id):
            if row.day in wanted:
                wanted.discard(row.day)
            else:
                session.delete(row)
        for day in sorted(wanted):
            session.add(ClosedDay(rotation_id=rotation.id, day=day, note=""))


# The planner's bounds for min_gap_days (scheduling.spec): a year of working days at most.
MIN_GAP_BOUNDS = (1, 366)
STINT_LENGTHS = (1, 2)


def apply_planner_rules(rotation: Rotation, changes: RotationChanges) -> None:
    """Validate and set the minimum gap and the stint length."""
    if "min_gap_days" in changes:
        gap = changes["min_gap_days"]
        low, high = MIN_GAP_BOUNDS
        if gap is not None and (
            isinstance(gap, bool) or not isinstance(gap, int) or not low <= gap <= high
        ):
            raise InvalidInput(
                f"The minimum gap is {low} to {high} working days, or empty for none."
            )
        rotation.min_gap_days = gap
    if "stint_days" in changes:
        stint = changes["stint_days"]
        if isinstance(stint, bool) or stint not in STINT_LENGTHS:
            raise InvalidInput("A stint is 1 day or 2 consecutive working days.")
        rotation.stint_days = stint


def rotation_settings(
    session: Session, *, team_id: str, rotation: str, actor: str
) -> RotationSettings:
    """A rotation's settings, for its admins to change (read only)."""
    row = load_rotation(session, team_id=team_id, name=rotation)
    require_admin(session, row, actor, "change its settings")
    result = settings_of(session, row)
    session.rollback()
    return result


def setting_errors(changes: RotationChanges) -> dict[str, str]:
    """What is wrong with each changed setting, keyed by setting (nothing is written).

    Every setting is checked on its own, so a form can show all its errors at once;
    `configure_rotation` checks them again when it saves.
    """
    errors: dict[str, str] = {}
    checks: list[tuple[str, RotationChanges]] = []
    for key in (
        "timezone",
        "workdays",
        "slots_per_day",
        "quarter_start_month",
        "reminder_time",
        "reminder_days_before",
        "queue_handle",
        "min_gap_days",
        "stint_days",
        "status_away_emoji",
    ):
        if key in changes:
            checks.append((key, {key: changes[key]}))  # type: ignore[misc]
    if "country" in changes:
        checks.append(("country", {"country": changes["country"], "subdivision": None}))
    if "subdivision" in changes:
        region: RotationChanges = {"subdivision": changes["subdivision"]}
        region["country"] = changes.get("country")
        checks.append(("subdivision", region))
    for key, part in checks:
        if key == "subdivision" and "country" in errors:
            continue
        epoch = datetime.fromtimestamp(0, UTC)
        scratch = Rotation(workspace_id=0, name="check", created_at=epoch, updated_at=epoch)
        try:
            _apply(None, scratch, part)
        except InvalidInput as exc:
            errors[key] = exc.message
    return errors


def create_rotation(
    session: Session,
    *,
    team_id: str,
    actor: str,
    actor_name: str,
    now: datetime,
    name: str,
    workspace_name: str = "",
    enterprise_id: str | None = None,
    actor_email: str | None = None,
    **settings: Unpack[RotationChanges],
) -> RotationSettings:
    """Create a rotation (and its workspace on first use); its creator becomes its admin."""
    check_now(now)
    with unit_of_work(session):
        if not NAME_PATTERN.match(name):
            raise InvalidInput(
                "A rotation name is 1-40 lower-case letters, digits, '-', '_' or '.', "
                f"starting with a letter or digit; got {name!r}."
            )
        workspace = queries.workspace_by_team(session, team_id=team_id)
        if workspace is None:
            workspace = Workspace(
                team_id=team_id, enterprise_id=enterprise_id, name=workspace_name, created_at=now
            )
            session.add(workspace)
            session.flush()
        assert workspace.id is not None
        if queries.rotation_by_name(session, workspace_id=workspace.id, name=name):
            raise Conflict(f"There is already a rotation called {name!r}.")
        rotation = Rotation(workspace_id=workspace.id, name=name, created_at=now, updated_at=now)
        session.add(rotation)
        session.flush()
        _apply(session, rotation, settings)
        session.add(
            Member(
                rotation_id=rotation.id or 0,
                user_id=actor,
                display_name=actor_name or actor,
                email=actor_email.strip().lower() if actor_email else None,
                role=Role.ADMIN,
                joined=None,
                created_at=now,
                updated_at=now,
            )
        )
        session.flush()
        audit.record(
            session,
            rotation=rotation,
            actor=actor,
            action="rotation.create",
            subject=f"rotation:{rotation.id}",
            after=audit.snapshot(rotation),
            now=now,
        )
        result = settings_of(session, rotation)
    return result


def configure_rotation(
    session: Session,
    *,
    team_id: str,
    rotation: str,
    actor: str,
    now: datetime,
    **changes: Unpack[RotationChanges],
) -> RotationSettings:
    """Change a rotation's settings (admins only).

    Published days stay as they are; the next publish plans with the new settings.
    """
    check_now(now)
    with unit_of_work(session):
        row = load_rotation(session, team_id=team_id, name=rotation, for_update=True)
        require_admin(session, row, actor, "change its settings")
        before = audit.snapshot(row)
        before_closed = settings_of(session, row).closed_days
        _apply(session, row, changes)
        row.updated_at = now
        session.add(row)
        session.flush()
        after = audit.snapshot(row)
        result = settings_of(session, row)
        assert before is not None and after is not None
        before["closed_days"] = [d.isoformat() for d in before_closed]
        after["closed_days"] = [d.isoformat() for d in result.closed_days]
        audit.record(
            session,
            rotation=row,
            actor=actor,
            action="rotation.configure",
            subject=f"rotation:{row.id}",
            before=before,
            after=after,
            now=now,
        )
    return result
