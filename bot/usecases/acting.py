"""Admins handing someone's day on for them: `cover jan 12 for @ben @cleo` and
`swap jan 12 of @ben with @cleo`.

A manager acts for people who are ill or offline, so a change naming both people is
applied at once, with the admin's authority (the same they use to publish a plan),
rather than waiting for an answer from someone who cannot give one. The ledger sees it
exactly as an accepted cover or swap: the day counts for whoever serves it, and later
plans even it out. The audit row names the admin as actor and the person acted for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from bot.usecases import audit
from bot.usecases.access import (
    check_now,
    find_member,
    load_rotation,
    local_today,
    not_in_past,
    require_admin,
)
from bot.usecases.days import close_requests_touching, place, release
from bot.usecases.errors import Conflict, InvalidInput
from bot.usecases.swaps import (
    _check_can_take,
    _nearest_day_to_take,
    _next_day,
    _published_day,
)
from bot.usecases.transaction import unit_of_work
from storage.models import Origin


@dataclass(frozen=True)
class Handover:
    """A day an admin moved for someone: `person`'s `day` went to `taker`, who gave
    `taker_day` in return (a swap) or nothing (a cover)."""

    rotation: str
    kind: str  # "cover" or "swap"
    person: str
    day: date
    taker: str
    taker_day: date | None = None


def cover_for(
    session: Session,
    *,
    team_id: str,
    rotation: str,
    actor: str,
    now: datetime,
    user: str,
    day: date | None,
    taker: str,
) -> Handover:
    """An admin hands `user`'s published `day` (None: their next one) to `taker`.

    As an accepted cover: `taker` has one day more than their share, which later plans
    give back; any open request touching the day is closed.
    """
    return _hand_over(
        session,
        team_id=team_id,
        rotation=rotation,
        actor=actor,
        now=now,
        user=user,
        day=day,
        taker=taker,
        swap=False,
        taker_day=None,
    )


def swap_for(
    session: Session,
    *,
    team_id: str,
    rotation: str,
    actor: str,
    now: datetime,
    user: str,
    day: date | None,
    counterpart: str,
    counterpart_day: date | None = None,
) -> Handover:
    """An admin trades `user`'s `day` (None: their next one) for `counterpart`'s
    `counterpart_day` (None: their upcoming day nearest to it that `user` could take)."""
    return _hand_over(
        session,
        team_id=team_id,
        rotation=rotation,
        actor=actor,
        now=now,
        user=user,
        day=day,
        taker=counterpart,
        swap=True,
        taker_day=counterpart_day,
    )


def _hand_over(
    session: Session,
    *,
    team_id: str,
    rotation: str,
    actor: str,
    now: datetime,
    user: str,
    day: date | None,
    taker: str,
    swap: bool,
    taker_day: date | None,
) -> Handover:
    check_now(now)
    kind = "swap" if swap else "cover"
    with unit_of_work(session):
        row = load_rotation(session, team_id=team_id, name=rotation, for_update=True)
        require_admin(session, row, actor, f"{kind} days for <@{user}>")
        if taker == user:
            raise InvalidInput(f"<@{user}> can't {kind} with themselves; name someone else.")
        today = local_today(row, now)
        person = find_member(session, row, user)
        other = find_member(session, row, taker)
        if day is None:
            day = _next_day(session, row, person, today)
        not_in_past(day, today, "The day")
        given = _published_day(session, row, person, day)
        _check_can_take(session, row, other, day)
        returned = None
        if swap:
            if taker_day is None:
                try:
                    taker_day = _nearest_day_to_take(session, row, other, person, day, today)
                except Conflict:
                    raise Conflict(
                        f"<@{taker}> has no upcoming day <@{user}> could take in return; "
                        f"hand the day over instead: `cover {day.isoformat()} for <@{user}> "
                        f"<@{taker}>`."
                    ) from None
            not_in_past(taker_day, today, "Their day")
            returned = _published_day(session, row, other, taker_day)
            _check_can_take(session, row, person, taker_day)
        moved = [a for a in (given, returned) if a is not None]
        for assignment in moved:
            release(session, assignment, now=now)
        session.flush()
        close_requests_touching(
            session, [a.id for a in moved if a.id is not None], actor=actor, now=now
        )
        origin = Origin.SWAP if swap else Origin.COVER
        place(session, rotation=row, member=other, day=day, origin=origin, now=now)
        if taker_day is not None:
            place(session, rotation=row, member=person, day=taker_day, origin=origin, now=now)
        audit.record(
            session,
            rotation=row,
            actor=actor,
            action=f"{kind}.assign",
            subject=f"assignment:{given.id}",
            before={"day": day.isoformat(), "user": user},
            after={
                "day": day.isoformat(),
                "user": taker,
                "for": user,
                "counterpart_day": taker_day.isoformat() if taker_day else None,
            },
            now=now,
        )
        result = Handover(row.name, kind, user, day, taker, taker_day)
    return result
