"""Swap and cover requests: asking, accepting, declining, withdrawing.

A swap trades two people's days; a cover hands one person's day to someone else, who
then has one day more than their share and gets it back from the ledger in a later
plan. Accepting re-checks everything against the current rows (the days may have
changed since the request) and applies both halves in one transaction.

A request may move a whole two-day stint (`through`: the stint's second day, the working
day after the first): a swap then trades it for a stint of the counterpart's, two days
for two, so every count stays as it was; a cover hands over both days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session

from bot.usecases import audit
from bot.usecases.access import (
    check_now,
    find_member,
    is_admin,
    load_rotation,
    load_workspace,
    local_today,
    not_in_past,
    require_admin,
)
from bot.usecases.days import close_requests_touching, place, release
from bot.usecases.errors import Conflict, InvalidInput, NotAllowed, NotFound
from bot.usecases.loading import to_plan_member, work_calendar
from bot.usecases.transaction import unit_of_work
from storage import queries
from storage.models import (
    Assignment,
    AssignmentState,
    Member,
    Origin,
    RequestKind,
    RequestState,
    Rotation,
    SwapRequest,
)


@dataclass(frozen=True)
class RequestInfo:
    """A swap or cover request as plain values."""

    id: int
    rotation: str
    kind: str
    state: str
    requester: str
    day: date
    counterpart: str | None
    counterpart_day: date | None
    expires_at: datetime | None
    # A whole stint: the second day of the requester's and of the counterpart's stint.
    through: date | None = None
    counterpart_through: date | None = None


def _info(
    request: SwapRequest,
    rotation: Rotation,
    requester: Member,
    counterpart: Member | None,
    day: date,
    counterpart_day: date | None,
    session: Session | None = None,
) -> RequestInfo:
    assert request.id is not None
    through = counterpart_through = None
    if session is not None and request.second_assignment_id is not None:
        second = queries.assignment_by_id(session, assignment_id=request.second_assignment_id)
        through = second.day if second else None
    if session is not None and request.counterpart_second_assignment_id is not None:
        theirs = queries.assignment_by_id(
            session, assignment_id=request.counterpart_second_assignment_id
        )
        counterpart_through = theirs.day if theirs else None
    return RequestInfo(
        id=request.id,
        rotation=rotation.name,
        kind=str(request.kind),
        state=str(request.state),
        requester=requester.user_id,
        day=day,
        counterpart=counterpart.user_id if counterpart else None,
        counterpart_day=counterpart_day,
        expires_at=request.expires_at,
        through=through,
        counterpart_through=counterpart_through,
    )


def _next_working_day(session: Session, rotation: Rotation, day: date) -> date:
    """The working day after `day` (a stint may cross a weekend or a holiday)."""
    calendar = work_calendar(session, rotation)
    following = day + timedelta(days=1)
    for _ in range(31):  # a month of closed days is the longest any calendar here has
        if calendar.is_working(following):
            return following
        following += timedelta(days=1)
    raise Conflict(f"There is no working day within a month after {day.isoformat()}.")


def _stint_second(
    session: Session, rotation: Rotation, member: Member, day: date, through: date
) -> Assignment:
    """The second day of `member`'s stint that starts on `day` and ends on `through`."""
    expected = _next_working_day(session, rotation, day)
    if through != expected:
        raise InvalidInput(
            f"A stint is two consecutive working days: {day.isoformat()} and "
            f"{expected.isoformat()}, not {through.isoformat()}."
        )
    return _published_day(session, rotation, member, through)


def _stints(
    session: Session, rotation: Rotation, member: Member, today: date
) -> list[tuple[Assignment, Assignment]]:
    """`member`'s two-day stints from today on: their published days paired from the
    first on, two consecutive working days each, as the planner and its warnings read
    them (of three days in a row, the first two are the stint)."""
    assert rotation.id is not None
    rows = [
        a
        for a in queries.assignments_of(
            session, rotation_id=rotation.id, first=today, states=(AssignmentState.PUBLISHED,)
        )
        if a.member_id == member.id
    ]
    found = []
    k = 0
    while k + 1 < len(rows):
        if _next_working_day(session, rotation, rows[k].day) == rows[k + 1].day:
            found.append((rows[k], rows[k + 1]))
            k += 2
        else:
            k += 1
    return found


def _stint_of(
    session: Session, rotation: Rotation, member: Member, day: date, today: date
) -> tuple[Assignment, Assignment]:
    """`member`'s two-day stint that `day` belongs to."""
    _published_day(session, rotation, member, day)
    for first, second in _stints(session, rotation, member, today):
        if day in (first.day, second.day):
            return first, second
    raise Conflict(
        f"<@{member.user_id}>'s day {day.isoformat()} is not part of a two-day stint; "
        "swap one day for one day instead."
    )


def _nearest_stint_to_take(
    session: Session, rotation: Rotation, owner: Member, taker: Member, near: date, today: date
) -> tuple[Assignment, Assignment]:
    """The owner's two-day stint from today on nearest to `near` that `taker` could
    take whole and that no open request already offers."""
    stints = _stints(session, rotation, owner, today)
    for first, second in sorted(stints, key=lambda p: (abs((p[0].day - near).days), p[0].day)):
        if first.day == near:
            continue
        try:
            for row in (first, second):
                _check_can_take(session, rotation, taker, row.day)
            _no_open_request(session, [first, second])
        except Conflict:
            continue
        return first, second
    raise Conflict(
        f"<@{owner.user_id}> has no upcoming two-day stint you could take in return; "
        "ask them to cover yours instead."
    )


def _published_day(session: Session, rotation: Rotation, member: Member, day: date) -> Assignment:
    assert rotation.id is not None and member.id is not None
    row = queries.assignment_row(session, rotation_id=rotation.id, day=day, member_id=member.id)
    if row is None or row.state != AssignmentState.PUBLISHED:
        raise NotFound(f"<@{member.user_id}> is not on the queue on {day.isoformat()}.")
    return row


def _check_can_take(session: Session, rotation: Rotation, member: Member, day: date) -> None:
    """Refuse if `member` can't be on the queue on `day`: away, not on the team, busy."""
    assert rotation.id is not None and member.id is not None
    away = [
        (b.first_day, b.last_day)
        for b in queries.time_off_of(session, rotation_id=rotation.id, member_id=member.id)
    ]
    if not to_plan_member(member, away).on_team(day):
        raise Conflict(f"<@{member.user_id}> is not on {rotation.name} on {day.isoformat()}.")
    if to_plan_member(member, away).time_off_on(day) is not None:
        raise Conflict(f"<@{member.user_id}> is away on {day.isoformat()}.")
    row = queries.assignment_row(session, rotation_id=rotation.id, day=day, member_id=member.id)
    if row is not None and row.state != AssignmentState.CANCELLED:
        raise Conflict(f"<@{member.user_id}> is already on the queue on {day.isoformat()}.")
    reason = work_calendar(session, rotation).non_working_reason(day)
    if reason is not None:
        raise Conflict(f"{day.isoformat()} is {reason}.")


def _next_day(session: Session, rotation: Rotation, member: Member, today: date) -> date:
    """The member's first published day after today (`swap my next day with @ben`)."""
    assert rotation.id is not None
    for row in queries.assignments_of(
        session, rotation_id=rotation.id, first=today, states=(AssignmentState.PUBLISHED,)
    ):
        if row.member_id == member.id and row.day > today:
            return row.day
    raise NotFound(f"<@{member.user_id}> has no upcoming day on {rotation.name}.")


def _nearest_day_to_take(
    session: Session, rotation: Rotation, owner: Member, taker: Member, near: date, today: date
) -> date:
    """The owner's published day from today on, nearest to `near` (the earlier on a tie),
    that `taker` could take and that no open request already offers."""
    assert rotation.id is not None
    rows = [
        a
        for a in queries.assignments_of(
            session, rotation_id=rotation.id, first=today, states=(AssignmentState.PUBLISHED,)
        )
        if a.member_id == owner.id and a.day != near
    ]
    for row in sorted(rows, key=lambda a: (abs((a.day - near).days), a.day)):
        try:
            _check_can_take(session, rotation, taker, row.day)
            _no_open_request(session, [row])
        except Conflict:
            continue
        return row.day
    raise Conflict(
        f"<@{owner.user_id}> has no upcoming day you could take in return; "
        "ask them to cover yours instead."
    )


def _no_open_request(session: Session, assignments: list[Assignment]) -> None:
    ids = [a.id for a in assignments if a.id is not None]
    if queries.open_requests_touching(session, assignment_ids=ids):
        raise Conflict("There is already an open swap or cover request for that day.")


def request_swap(
    session: Session,
    *,
    team_id: str,
    rotation: str,
    actor: str,
    now: datetime,
    day: date | None,
    counterpart: str,
    counterpart_day: date | None = None,
    expires_at: datetime | None = None,
    note: str = "",
    through: date | None = None,
) -> RequestInfo:
    """Ask `counterpart` to trade their `counterpart_day` for the actor's `day` (None: the
    actor's next day).

    Without `counterpart_day`, their upcoming day nearest to `day` that the actor could
    take is offered in return. With `through` (the working day after `day`), the
    actor's whole two-day stint is traded for a stint of theirs: the one `counterpart_day`
    is part of, or their upcoming stint nearest to `day` that the actor could take.
    """
    return _request(
        session,
        team_id=team_id,
        rotation=rotation,
        actor=actor,
        now=now,
        day=day,
        counterpart=counterpart,
        counterpart_day=counterpart_day,
        expires_at=expires_at,
        note=note,
        kind=RequestKind.SWAP,
        through=through,
    )


def request_cover(
    session: Session,
    *,
    team_id: str,
    rotation: str,
    actor: str,
    now: datetime,
    day: date | None,
    counterpart: str | None = None,
    expires_at: datetime | None = None,
    note: str = "",
    for_user: str | None = None,
    through: date | None = None,
) -> RequestInfo:
    """Ask `counterpart` (or, with None, anyone in the rotation) to take the actor's `day`
    (None: their next day); with `through`, the working day after it too (a whole stint).

    With `for_user`, an admin asks in that person's name (`cover jan 12 for @ben`): the
    request is theirs, as if they had typed it; the audit row names the admin as actor.
    """
    return _request(
        session,
        team_id=team_id,
        rotation=rotation,
        actor=actor,
        now=now,
        day=day,
        counterpart=counterpart,
        counterpart_day=None,
        expires_at=expires_at,
        note=note,
        kind=RequestKind.COVER,
        for_user=for_user,
        through=through,
    )


def _request(
    session: Session,
    *,
    team_id: str,
    rotation: str,
    actor: str,
    now: datetime,
    day: date | None,
    counterpart: str | None,
    counterpart_day: date | None,
    expires_at: datetime | None,
    note: str,
    kind: RequestKind,
    for_user: str | None = None,
    through: date | None = None,
) -> RequestInfo:
    check_now(now)
    with unit_of_work(session):
        row = load_rotation(session, team_id=team_id, name=rotation, for_update=True)
        assert row.id is not None
        today = local_today(row, now)
        if for_user is not None and for_user != actor:
            require_admin(session, row, actor, f"ask for cover for <@{for_user}>")
        requester = find_member(session, row, for_user or actor)
        if day is None:
            day = _next_day(session, row, requester, today)
        not_in_past(day, today, "Your day")
        mine = _published_day(session, row, requester, day)
        second = _stint_second(session, row, requester, day, through) if through else None
        other: Member | None = None
        theirs: Assignment | None = None
        theirs_second: Assignment | None = None
        if counterpart is not None:
            if counterpart == requester.user_id:
                raise InvalidInput("You can't swap with yourself.")
            other = find_member(session, row, counterpart)
            for taken in [mine] + ([second] if second else []):
                _check_can_take(session, row, other, taken.day)
        if kind == RequestKind.SWAP and second is not None:
            assert other is not None  # a stint for a stint: two days for two
            if counterpart_day is None:
                theirs, theirs_second = _nearest_stint_to_take(
                    session, row, other, requester, day, today
                )
            else:
                theirs, theirs_second = _stint_of(session, row, other, counterpart_day, today)
            not_in_past(theirs.day, today, "Their day")
            for given in (theirs, theirs_second):
                _check_can_take(session, row, requester, given.day)
            counterpart_day = theirs.day
        elif kind == RequestKind.SWAP:
            assert other is not None
            if counterpart_day is None:
                counterpart_day = _nearest_day_to_take(session, row, other, requester, day, today)
            not_in_past(counterpart_day, today, "Their day")
            theirs = _published_day(session, row, other, counterpart_day)
            _check_can_take(session, row, requester, counterpart_day)
        if expires_at is not None and expires_at <= now:
            raise PastExpiry(f"The request would expire at {expires_at.isoformat()}, already past.")
        _no_open_request(session, [a for a in (mine, second, theirs, theirs_second) if a])
        assert mine.id is not None and requester.id is not None
        request = SwapRequest(
            rotation_id=row.id,
            kind=kind,
            state=RequestState.OPEN,
            assignment_id=mine.id,
            assignment_revision=mine.revision,
            requester_id=requester.id,
            counterpart_id=other.id if other else None,
            counterpart_assignment_id=theirs.id if theirs else None,
            counterpart_revision=theirs.revision if theirs else None,
            second_assignment_id=second.id if second else None,
            second_revision=second.revision if second else None,
            counterpart_second_assignment_id=theirs_second.id if theirs_second else None,
            counterpart_second_revision=theirs_second.revision if theirs_second else None,
            note=note.strip(),
            created_at=now,
            expires_at=expires_at,
        )
        session.add(request)
        session.flush()
        audit.record(
            session,
            rotation=row,
            actor=actor,
            action=f"{kind.value}.request",
            subject=f"swap_request:{request.id}",
            after={**(audit.snapshot(request) or {}), "for": requester.user_id},
            now=now,
        )
        result = _info(request, row, requester, other, day, counterpart_day, session)
    return result


class PastExpiry(InvalidInput):
    """An expiry time that has already passed."""


def _load_request(
    session: Session, *, team_id: str, request_id: int
) -> tuple[SwapRequest, Rotation]:
    """The request and its rotation (locked, then the request locked, in that order)."""
    workspace = load_workspace(session, team_id=team_id)
    request = queries.swap_request_by_id(session, request_id=request_id)
    if request is None:
        raise NotFound(f"There is no swap or cover request #{request_id}.")
    rotation = queries.rotation_by_id(session, rotation_id=request.rotation_id, for_update=True)
    if rotation.workspace_id != workspace.id:
        raise NotFound(f"There is no swap or cover request #{request_id}.")
    locked = queries.swap_request_by_id(session, request_id=request_id, for_update=True)
    assert locked is not None
    return locked, rotation


def _must_be_open(request: SwapRequest, now: datetime) -> None:
    if request.state != RequestState.OPEN:
        raise Conflict(f"This request was already {request.state}.")
    if request.expires_at is not None and request.expires_at <= now:
        raise Conflict("This request has expired.")


def accept_request(
    session: Session,
    *,
    team_id: str,
    actor: str,
    now: datetime,
    request_id: int,
) -> RequestInfo:
    """Accept a swap or cover: re-validated now, applied atomically; one accept wins.

    The rotation and the request rows are locked, so a second accept (or a publish)
    waits and then sees the request taken. Each day must still be the same revision the
    request was made against, in the future, and free for its new owner.
    """
    check_now(now)
    with unit_of_work(session):
        request, rotation = _load_request(session, team_id=team_id, request_id=request_id)
        _must_be_open(request, now)
        today = local_today(rotation, now)
        requester = session.get(Member, request.requester_id)
        assert requester is not None
        if request.counterpart_id is not None:
            taker = session.get(Member, request.counterpart_id)
            assert taker is not None
            if actor != taker.user_id:
                raise NotAllowed(f"Only <@{taker.user_id}> can accept this request.")
        else:
            taker = find_member(session, rotation, actor)
            if taker.id == requester.id:
                raise InvalidInput("You can't cover your own day.")
        mine = queries.assignment_by_id(session, assignment_id=request.assignment_id)
        assert mine is not None
        if mine.revision != request.assignment_revision or mine.state != AssignmentState.PUBLISHED:
            raise Conflict(
                f"<@{requester.user_id}>'s day {mine.day.isoformat()} changed since the request."
            )
        not_in_past(mine.day, today, "The day")
        theirs: Assignment | None = None
        if request.counterpart_assignment_id is not None:
            theirs = queries.assignment_by_id(
                session, assignment_id=request.counterpart_assignment_id
            )
            assert theirs is not None
            if (
                theirs.revision != request.counterpart_revision
                or theirs.state != AssignmentState.PUBLISHED
            ):
                raise Conflict(f"Your day {theirs.day.isoformat()} changed since the request.")
            not_in_past(theirs.day, today, "Your day")
        second = _still_as_asked(
            session, request.second_assignment_id, request.second_revision,
            f"<@{requester.user_id}>'s stint",
        )  # fmt: skip
        theirs_second = _still_as_asked(
            session, request.counterpart_second_assignment_id, request.counterpart_second_revision,
            "Your stint",
        )  # fmt: skip
        given = [a for a in (mine, second) if a is not None]
        taken = [a for a in (theirs, theirs_second) if a is not None]
        for row in given:
            _check_can_take(session, rotation, taker, row.day)
        for row in taken:
            _check_can_take(session, rotation, requester, row.day)
        origin = Origin.SWAP if request.kind == RequestKind.SWAP else Origin.COVER
        for row in given + taken:
            release(session, row, now=now)
        request.state, request.decided_at, request.decided_by = RequestState.ACCEPTED, now, actor
        request.counterpart_id = taker.id
        session.add(request)
        session.flush()
        others = [a.id for a in given + taken if a.id is not None]
        close_requests_touching(session, others, actor=actor, now=now)
        for row in given:
            place(session, rotation=rotation, member=taker, day=row.day, origin=origin, now=now)
        for row in taken:
            place(session, rotation=rotation, member=requester, day=row.day, origin=origin, now=now)
        audit.record(
            session,
            rotation=rotation,
            actor=actor,
            action=f"{request.kind}.accept",
            subject=f"swap_request:{request.id}",
            before={"day": mine.day.isoformat(), "user": requester.user_id},
            after={
                "day": mine.day.isoformat(),
                "user": taker.user_id,
                "counterpart_day": theirs.day.isoformat() if theirs else None,
                "through": second.day.isoformat() if second else None,
                "counterpart_through": theirs_second.day.isoformat() if theirs_second else None,
            },
            now=now,
        )
        result = _info(
            request, rotation, requester, taker, mine.day, theirs.day if theirs else None, session
        )
    return result


def _still_as_asked(
    session: Session, assignment_id: int | None, revision: int | None, whose: str
) -> Assignment | None:
    """A stint's second day as the request named it, or Conflict if it changed since."""
    if assignment_id is None:
        return None
    row = queries.assignment_by_id(session, assignment_id=assignment_id)
    assert row is not None
    if row.revision != revision or row.state != AssignmentState.PUBLISHED:
        raise Conflict(f"{whose} day {row.day.isoformat()} changed since the request.")
    return row


def decline_request(
    session: Session, *, team_id: str, actor: str, now: datetime, request_id: int
) -> RequestInfo:
    """The person asked says no (an open cover has nobody to decline it)."""
    return _close(
        session,
        team_id=team_id,
        actor=actor,
        now=now,
        request_id=request_id,
        state=RequestState.DECLINED,
    )


def cancel_request(
    session: Session, *, team_id: str, actor: str, now: datetime, request_id: int
) -> RequestInfo:
    """The requester (or an admin) withdraws the request."""
    return _close(
        session,
        team_id=team_id,
        actor=actor,
        now=now,
        request_id=request_id,
        state=RequestState.CANCELLED,
    )


def _close(
    session: Session,
    *,
    team_id: str,
    actor: str,
    now: datetime,
    request_id: int,
    state: RequestState,
) -> RequestInfo:
    check_now(now)
    with unit_of_work(session):
        request, rotation = _load_request(session, team_id=team_id, request_id=request_id)
        _must_be_open(request, now)
        requester = session.get(Member, request.requester_id)
        assert requester is not None
        counterpart = (
            session.get(Member, request.counterpart_id) if request.counterpart_id else None
        )
        if state == RequestState.DECLINED:
            if counterpart is None or actor != counterpart.user_id:
                raise NotAllowed("Only the person asked can decline this request.")
        elif actor != requester.user_id and not is_admin(session, rotation, actor):
            raise NotAllowed(f"Only <@{requester.user_id}> or an admin can cancel this request.")
        request.state, request.decided_at, request.decided_by = state, now, actor
        session.add(request)
        audit.record(
            session,
            rotation=rotation,
            actor=actor,
            action=f"{request.kind}.{'decline' if state == RequestState.DECLINED else 'cancel'}",
            subject=f"swap_request:{request.id}",
            before={"state": RequestState.OPEN.value},
            after={"state": state.value},
            now=now,
        )
        mine = queries.assignment_by_id(session, assignment_id=request.assignment_id)
        theirs = (
            queries.assignment_by_id(session, assignment_id=request.counterpart_assignment_id)
            if request.counterpart_assignment_id
            else None
        )
        assert mine is not None
        result = _info(
            request,
            rotation,
            requester,
            counterpart,
            mine.day,
            theirs.day if theirs else None,
            session,
        )
    return result
