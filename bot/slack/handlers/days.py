"""One's own days: `join`, `leave`, `away` (book, list, cancel)."""

from __future__ import annotations

from collections.abc import Iterable

import bot.usecases as uc
from bot.slack.args import Away, AwayCancel, AwayList, RotationOnly, parse_request
from bot.slack.dispatch import CommandContext, Outcome, handles
from bot.slack.handlers.common import read, today_of
from bot.slack.people import profile_of
from bot.slack.views.acting import booked_by, booked_for
from bot.slack.views.days import away_booked, away_cancelled, away_list, joined, left, taken_over
from bot.slack.views.limits import Message
from scheduling.model import DayEntry


def handed_over(
    rotation: str, entries: Iterable[DayEntry], by: str
) -> tuple[tuple[str, Message], ...]:
    """A DM to each person who was given someone's days."""
    given: dict[str, list[DayEntry]] = {}
    for entry in entries:
        given.setdefault(entry.member, []).append(entry)
    return tuple(
        (user, taken_over(rotation, [e.day for e in days], by)) for user, days in given.items()
    )


def with_handovers(reply: Message, by: str, posts: tuple[tuple[str, Message], ...]) -> Outcome:
    """The reply, the handover DMs, and a refreshed App Home for `by` and each recipient."""
    return Outcome(reply, posts=posts, refresh=(by, *(user for user, _ in posts)))


@handles("join")
def join(ctx: CommandContext) -> Outcome:
    """Join the rotation of this channel, the one named, or the workspace's only one."""
    me = profile_of(ctx.client, ctx.user_id, ctx.user_name)
    with ctx.services.session() as session:
        _, ref = read(ctx, session, RotationOnly, any_in_workspace=True, theirs=False)
        member = uc.join_rotation(
            session,
            team_id=ctx.team_id,
            rotation=ref.name,
            actor=ctx.user_id,
            now=ctx.now,
            name=me.name,
            timezone=me.timezone,
            email=me.email,
        )
    return Outcome(joined(member, ref.name), refresh=(ctx.user_id,))


@handles("leave")
def leave(ctx: CommandContext) -> Outcome:
    """Leave a rotation after today; later days go to others."""
    with ctx.services.session() as session:
        _, ref = read(ctx, session, RotationOnly)
        gone = uc.leave_rotation(
            session, team_id=ctx.team_id, rotation=ref.name, actor=ctx.user_id, now=ctx.now
        )
    others = handed_over(ref.name, gone.replacements, ctx.user_id)
    return with_handovers(left(gone, ref.name, ref.today), ctx.user_id, others)


@handles("away")
def away(ctx: CommandContext) -> Message | Outcome:
    """Book time off in every rotation, list it, or cancel it."""
    with ctx.services.session() as session:
        today = today_of(ctx, session)
        request = parse_request(ctx.line, today)
        if isinstance(request, AwayList):
            entries = uc.time_off_list(session, team_id=ctx.team_id, user=ctx.user_id, now=ctx.now)
            return away_list(entries, today)
        if isinstance(request, AwayCancel):
            results = uc.cancel_away(
                session, team_id=ctx.team_id, actor=ctx.user_id, now=ctx.now, day=request.day
            )
            return Outcome(
                away_cancelled(results, today),
                refresh=(ctx.user_id, *(e.member for r in results for e in r.replacements)),
            )
        assert isinstance(request, Away)
        person = request.person.id if request.person is not None else ctx.user_id
        results = uc.book_away(
            session,
            team_id=ctx.team_id,
            actor=ctx.user_id,
            now=ctx.now,
            first_day=request.days.start,
            last_day=request.days.end,
            note=request.reason,
            user=person,
        )
    posts = tuple(post for r in results for post in handed_over(r.rotation, r.replacements, person))
    if person != ctx.user_id:  # an admin acting for someone: they hear what and from whom
        told = (person, booked_by(results, today, request.reason, ctx.user_id))
        reply = booked_for(results, today, request.reason, person)
        return with_handovers(reply, ctx.user_id, (told, *posts))
    return with_handovers(away_booked(results, today, request.reason), ctx.user_id, posts)
