"""Slack's rates kept by every worker together: turns per conversation (about one post a
second) and per method, and a workspace held back after a 429 until Retry-After passes.

The state is the table `slack_pace`, so two workers posting to one channel take turns
instead of each keeping its own second, and a 429 one of them gets holds back all.
Each turn is reserved in one short transaction (the row locked), then waited for
outside it: the database is never held while a worker sleeps.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from bot.usecases.transaction import unit_of_work
from storage import pace_queries

# Never wait longer than this for one turn, whatever a row says (a clock set far ahead).
LONGEST_WAIT = timedelta(minutes=15)


def team_key(team_id: str) -> str:
    return f"team:{team_id}"


def take_turn(
    session: Session, *, key: str, team_id: str, interval: timedelta, now: datetime
) -> datetime:
    """Reserve `key`'s next turn: the instant to send at (now or later), in one transaction.

    The turn after it is `interval` later; a workspace held back (`hold_back`) moves
    every turn to the end of the hold.
    """
    with unit_of_work(session):
        held = pace_queries.next_at(session, key=team_key(team_id))
        free = pace_queries.lock_next_at(session, key=key, team_id=team_id, now=now)
        turn = min(max(now, free, held or now), now + LONGEST_WAIT)
        pace_queries.set_next_at(session, key=key, team_id=team_id, at=turn + interval, now=now)
        return turn


def hold_back(session: Session, *, team_id: str, until: datetime, now: datetime) -> None:
    """Slack said 429: no worker sends to this workspace before `until` (a later hold
    already set stays)."""
    with unit_of_work(session):
        key = team_key(team_id)
        held = pace_queries.lock_next_at(session, key=key, team_id=team_id, now=now)
        if until > held:
            pace_queries.set_next_at(session, key=key, team_id=team_id, at=until, now=now)
