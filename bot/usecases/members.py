"""Adding people to a rotation, taking them off it, and their roles."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session, col, func, select

from bot.usecases import audit
from bot.usecases.access import (
    SYSTEM,
    check_now,
    find_member,
    load_rotation,
    load_workspace,
    local_today,
    not_in_past,
    require_admin,
)
from bot.usecases.days import (
    booking_limit,
    check_booking_limit,
    release_member_days,
    replan_days,
)
from bot.usecases.errors import Conflict, InvalidInput, NotAllowed
from bot.usecases.feeds import end_person_links
from bot.usecases.transaction import unit_of_work
from scheduling.model import DayEntry
from storage import queries
from storage.models import (
    Assignment,
    Member,
    Role,
    Rotation,
    SwapRequest,
    TimeOff,
)


@dataclass(frozen=True)
class MemberInfo:
    """A member as plain values."""

    user: str
    name: str
    email: str | None
    timezone: str | None
    weight: float
    joined: date | None
    left: date | None
    role: str


@dataclass(frozen=True)
class Departure:
    """What taking someone off a rotation did."""

    user: str
    deleted: bool  # True: they had no history, so the row was removed outright
    left: date | None
    released: tuple[date, ...]
    replacements: tuple[DayEntry, ...]
    rotation: str = ""  # set where one call ends several memberships (deactivate_member)


def info(member: Member) -> MemberInfo:
    """The member row as plain values."""
    return MemberInfo(
        user=member.user_id,
        name=member.display_name,
        email=member.email,
        timezone=member.timezone,
        weight=member.weight,
        joined=member.joined,
        left=member.left,
        role=member.role,
    )


def add_member(
    session: Session,
    *,
    team_id: str,
    rotation: str,
    actor: str,
    now: datetime,
    user: str,
    name: str,
    email: str | None = None,
    timezone: str | None = None,
    weight: float = 1.0,
    joined: date | None = None,
    role: Role = Role.MEMBER,
) -> MemberInfo:
    """Add a person to a rotation (admins only); they join today unless told otherwise.

    A `joined` date in the past is allowed: a team moving in with its history adds
    people as of when they really joined, so their fair share counts from then.
    """
    check_now(now)
    with unit_of_work(session):
        row = load_rotation(session, team_id=team_id, name=rotation, for_update=True)
        require_admin(session, row, actor, "add people")
        member = _add(
            session,
            row,
            actor=actor,
            now=now,
            person=NewMember(user, name, email, timezone, weight, joined, role),
        )
        result = info(member)
    return result


@dataclass(frozen=True)
class NewMember:
    """A person to add: their Slack user id and what is known of them."""

    user: str
    name: str
    email: str | None = None
    timezone: str | None = None
    weight: float = 1.0
    joined: date | None = None
    role: Role = Role.MEMBER


@dataclass(frozen=True)
class AddResult:
    """Who was added, and who was not with the reason (already in, left before)."""

    rotation: str
    added: tuple[MemberInfo, ...]
    skipped: tuple[tuple[str, str], ...]


def add_members(
    session: Session,
    *,
    team_id: str,
    rotation: str,
    actor: str,
    now: datetime,
    people: Sequence[NewMember],
) -> AddResult:
    """Add several people at once (admins only), in one transaction.

    Someone already in the rotation is skipped with the reason rather than failing
    everyone else's addition; any other refusal (a bad timezone) refuses them all.
    """
    check_now(now)
    with unit_of_work(session):
        row = load_rotation(session, team_id=team_id, name=rotation, for_update=True)
        require_admin(session, row, actor, "add people")
        added: list[MemberInfo] = []
        skipped: list[tuple[str, str]] = []
        for person in people:
            try:
                added.append(info(_add(session, row, actor=actor, now=now, person=person)))
            except Conflict as exc:
                skipped.append((person.user, exc.message))
        result = AddResult(row.name, tuple(added), tuple(skipped))
    return result


def join_rotation(
    session: Session,
    *,
    team_id: str,
    rotation: str,
    actor: str,
    now: datetime,
    name: str,
    timezone: str | None = None,
    email: str | None = None,
) -> MemberInfo:
    """Join a rotation oneself (anyone in the workspace), as of today."""
    check_now(now)
    with unit_of_work(session):
        row = load_rotation(session, team_id=team_id, name=rotation, for_update=True)
        person = NewMember(actor, name, email=email, timezone=timezone)
        result = info(_add(session, row, actor=actor, now=now, person=person))
    return result


def _add(
    session: Session, row: Rotation, *, actor: str, now: datetime, person: NewMember
) -> Member:
    """Validate and add one member to a locked rotation, with its audit row."""
    assert row.id is not None
    user, weight, timezone, role = person.user, person.weight, person.timezone, person.role
    if not user.strip():
        raise InvalidInput("A member needs a Slack user id.")
    if not math.isfinite(weight) or not 0 < weight <= 1:
        raise InvalidInput(f"Weight {weight} must be above 0 and at most 1 (full time).")
    if timezone is not None:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidInput(f"Unknown timezone {timezone!r}.") from None
    if role not in (Role.MEMBER, Role.ADMIN):
        raise InvalidInput(f"Unknown role {role!r}; use member or admin.")
    existing = queries.member_by_user(session, rotation_id=row.id, user_id=user)
    if existing is not None:
        if existing.left is not None:
            raise Conflict(
                f"<@{user}> left {row.name} on {existing.left.isoformat()}; "
                "rejoining is not supported yet."
            )
        raise Conflict(f"<@{user}> is already a member of {row.name}.")
    member = Member(
        rotation_id=row.id,
        user_id=user,
        display_name=person.name.strip() or user,
        email=person.email.strip().lower() if person.email else None,
        timezone=timezone,
        weight=weight,
        joined=person.joined if person.joined is not None else local_today(row, now),
        role=role,
        created_at=now,
        updated_at=now,
    )
    session.add(member)
    session.flush()
    audit.record(
        session,
        rotation=row,
        actor=actor,
        action="member.add",
        subject=f"member:{member.id}",
        after=audit.snapshot(member),
        now=now,
    )
    return member


def set_member_role(
    session: Session,
    *,
    team_id: str,
    rotation: str,
    actor: str,
    now: datetime,
    user: str,
    role: Role,
) -> MemberInfo:
    """Make someone an admin or a plain member (admins only; one admin always stays)."""
    check_now(now)
    with unit_of_work(session):
        row = load_rotation(session, team_id=team_id, name=rotation, for_update=True)
        require_admin(session, row, actor, "change roles")
        if role not in (Role.MEMBER, Role.ADMIN):
            raise InvalidInput(f"Unknown role {role!r}; use member or admin.")
        member = find_member(session, row, user)
        if member.role == Role.ADMIN and role == Role.MEMBER:
            _keep_an_admin(session, row, member)
        before = audit.snapshot(member, "role")
        member.role, member.updated_at = role, now
        session.add(member)
        audit.record(
            session,
            rotation=row,
            actor=actor,
            action="member.role",
            subject=f"member:{member.id}",
            before=before,
            after={"role": role.value},
            now=now,
        )
        result = info(member)
    return result


def _keep_an_admin(session: Session, rotation: Rotation, leaving: Member) -> None:
    assert rotation.id is not None
    others = [
        m
        for m in queries.members_of(session, rotation_id=rotation.id)
        if m.role == Role.ADMIN and m.left is None and m.id != leaving.id
    ]
    if not others:
        raise NotAllowed(
            f"<@{leaving.user_id}> is the only admin of {rotation.name}; make someone else "
            "an admin first."
        )


def _has_history(session: Session, member: Member) -> bool:
    """True if any assignment, time off or request names the member."""
    for model, column in (
        (Assignment, Assignment.member_id),
        (TimeOff, TimeOff.member_id),
        (SwapRequest, SwapRequest.requester_id),
        (SwapRequest, SwapRequest.counterpart_id),
    ):
        query = select(func.count()).select_from(model).where(col(column) == member.id)
        if session.exec(query).one():
            return True
    return False


def _end_membership(
    session: Session,
    *,
    rotation: Rotation,
    member: Member,
    last_day: date,
    today: date,
    actor: str,
    now: datetime,
) -> Departure:
    """Set `left`, take the member off later days and re-plan those days."""
    assert rotation.id is not None and member.id is not None
    if member.joined is not None and last_day < member.joined:
        raise InvalidInput(
            f"<@{member.user_id}> joined on {member.joined.isoformat()}, "
            f"after {last_day.isoformat()}."
        )
    if member.left is not None and member.left <= last_day:
        raise Conflict(f"<@{member.user_id}> already left on {member.left.isoformat()}.")
    before = audit.snapshot(member, "left")
    member.left, member.updated_at = last_day, now
    session.add(member)
    later = release_member_days(
        session,
        rotation,
        member,
        first=date.fromordinal(last_day.toordinal() + 1),
        actor=actor,
        now=now,
    )
    audit.record(
        session,
        rotation=rotation,
        actor=actor,
        action="member.leave",
        subject=f"member:{member.id}",
        before=before,
        after={"left": last_day.isoformat(), "released": [a.day.isoformat() for a in later]},
        now=now,
    )
    added = replan_days(
        session, rotation=rotation, days=[a.day for a in later], today=today, actor=actor, now=now
    )
    return Departure(
        user=member.user_id,
        deleted=False,
        left=last_day,
        released=tuple(a.day for a in later),
        replacements=tuple(added),
    )


def remove_member(
    session: Session,
    *,
    team_id: str,
    rotation: str,
    actor: str,
    now: datetime,
    user: str,
    last_day: date | None = None,
) -> Departure:
    """Take someone off a rotation (admins only); their history is kept.

    Someone with no history at all (added by mistake) is deleted outright. Anyone else
    stays as a member who left on `last_day` (default today, at most a year past the
    published plan): their days after it go to others, their past days keep counting in
    everyone's fair shares. Taken off their last rotation, their own calendar links stop.
    """
    check_now(now)
    with unit_of_work(session):
        row = load_rotation(session, team_id=team_id, name=rotation, for_update=True)
        require_admin(session, row, actor, "remove people")
        member = find_member(session, row, user)
        result = _take_off(session, row, member, actor=actor, now=now, last_day=last_day)
    return result


def leave_rotation(
    session: Session, *, team_id: str, rotation: str, actor: str, now: datetime
) -> Departure:
    """Leave a rotation oneself, after today; as `remove_member` otherwise."""
    check_now(now)
    with unit_of_work(session):
        row = load_rotation(session, team_id=team_id, name=rotation, for_update=True)
        member = find_member(session, row, actor)
        if member.left is not None:
            raise Conflict(f"You left {row.name} on {member.left.isoformat()}.")
        result = _take_off(session, row, member, actor=actor, now=now, last_day=None)
    return result


def _take_off(
    session: Session,
    row: Rotation,
    member: Member,
    *,
    actor: str,
    now: datetime,
    last_day: date | None,
) -> Departure:
    """Delete a member without history, else end their membership on `last_day`; their
    own feed links stop if this was their last rotation."""
    today = local_today(row, now)
    if member.role == Role.ADMIN:
        _keep_an_admin(session, row, member)
    if not _has_history(session, member):
        audit.record(
            session,
            rotation=row,
            actor=actor,
            action="member.delete",
            subject=f"member:{member.id}",
            before=audit.snapshot(member),
            now=now,
        )
        session.delete(member)
        departure = Departure(
            user=member.user_id, deleted=True, left=None, released=(), replacements=()
        )
    else:
        day = last_day if last_day is not None else today
        not_in_past(day, today, "The last day")
        check_booking_limit(day, booking_limit(session, row, today), "A last day can be set")
        departure = _end_membership(
            session, rotation=row, member=member, last_day=day, today=today, actor=actor, now=now
        )
    end_person_links(
        session, workspace_id=row.workspace_id, user=member.user_id, actor=actor, now=now
    )
    return departure


def deactivate_member(
    session: Session,
    *,
    team_id: str,
    actor: str,
    now: datetime,
    user: str,
) -> list[Departure]:
    """Someone left the company (their Slack account was deactivated): their membership
    of every rotation of the workspace ends that day, and their days after it go to others.

    The day of the deactivation stays theirs (`left` is inclusive): someone deactivated
    in the evening served it, and giving it to another would credit them a day they did
    not serve; the admins are told, and can hand it on (`cover today for @them @other`).
    An audit row `member.deactivated` marks each membership so ended, so a reactivation
    can be told to the admins once (bot.usecases.departures). QueueDay itself (a Slack
    event) or an admin of every rotation involved may do this.
    """
    check_now(now)
    with unit_of_work(session):
        workspace = load_workspace(session, team_id=team_id)
        assert workspace.id is not None
        results = []
        for rotation in queries.rotations_of(session, workspace_id=workspace.id):
            assert rotation.id is not None
            member = queries.member_by_user(session, rotation_id=rotation.id, user_id=user)
            today = local_today(rotation, now)
            # Someone whose last day is today or earlier has no later days to give away.
            if member is None or (member.left is not None and member.left <= today):
                continue
            if actor != SYSTEM:
                require_admin(session, rotation, actor, "deactivate people")
            queries.rotation_by_id(session, rotation_id=rotation.id, for_update=True)
            # The rotation's own today ends the membership; `left` can't precede `joined`.
            last = today if member.joined is None else max(today, member.joined)
            ended = _end_membership(
                session,
                rotation=rotation,
                member=member,
                last_day=last,
                today=today,
                actor=actor,
                now=now,
            )
            audit.record(
                session,
                rotation=rotation,
                actor=actor,
                action="member.deactivated",
                subject=f"member:{member.id}",
                after={"left": last.isoformat()},
                now=now,
            )
            results.append(replace(ended, rotation=rotation.name))
        end_person_links(session, workspace_id=workspace.id, user=user, actor=actor, now=now)
    return results
