"""What every `/queueday` handler does first: read the line against the rotation's today."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TypeVar

from sqlmodel import Session

import bot.usecases as uc
from bot.slack.args import Request, parse_request
from bot.slack.dispatch import CommandContext

R = TypeVar("R")


def read(
    ctx: CommandContext,
    session: Session,
    kind: type[R],
    *,
    on_day: Callable[[R], date | None] | None = None,
    any_in_workspace: bool = False,
    theirs: bool = True,
    keep_open: bool = False,
) -> tuple[R, uc.RotationRef]:
    """The typed request and the rotation it is about, dates read in that rotation.

    The line is read once against UTC's day to learn any rotation it names (and the
    day it is about), then again against the rotation's own day: "tomorrow" typed at
    00:30 in Berlin is the Berlin tomorrow. `keep_open`: see uc.find_rotation.
    """
    first = _typed(parse_request(ctx.line, ctx.now.date()), kind)
    ref = uc.find_rotation(
        session,
        team_id=ctx.team_id,
        user=ctx.user_id,
        now=ctx.now,
        name=getattr(first, "rotation", None),
        channel=ctx.channel_id,
        on_day=on_day(first) if on_day else None,
        any_in_workspace=any_in_workspace,
        theirs=theirs,
        keep_open=keep_open,
    )
    if ref.today == ctx.now.date():
        return first, ref
    return _typed(parse_request(ctx.line, ref.today), kind), ref


def today_of(ctx: CommandContext, session: Session) -> date:
    """The person's day: in their rotation's timezone if one can be told, else UTC's."""
    try:
        ref = uc.find_rotation(
            session, team_id=ctx.team_id, user=ctx.user_id, now=ctx.now, channel=ctx.channel_id
        )
    except uc.RotationUnclear:
        return ctx.now.date()
    return ref.today


def typed(ctx: CommandContext, today: date, kind: type[R]) -> R:
    """The line read against `today`, as the request type the handler expects."""
    return _typed(parse_request(ctx.line, today), kind)


def _typed(request: Request, kind: type[R]) -> R:
    assert isinstance(request, kind), f"{type(request).__name__} is not {kind.__name__}"
    return request
