"""Slack's retries handled once by whichever process they reach: received ids live in
the database (table `received_events`), never in one replica's memory.

Slack retries an Events API delivery it thinks was not acknowledged in 3 s, with the
same `event_id` and an `X-Slack-Retry-Num` header, three times (after about 1 s, 1 min
and 5 min), so an hour of ids covers every retry. Slash commands and interactive
payloads are never retried by Slack (a failed one shows the person an error), so they
carry no id to keep.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from bot.usecases.transaction import unit_of_work
from storage import receipt_queries

# How long an id is remembered: well past Slack's last retry (about 5 minutes).
KEEP_FOR = timedelta(hours=1)
# The table's hard bound, far above Slack's own limit of 30,000 event deliveries an hour
# per workspace times a handful of workspaces; expiry keeps it far below in practice.
MAX_RECEIPTS = 200_000


def first_receipt(session: Session, *, key: str, team_id: str | None, now: datetime) -> bool:
    """True the first time `key` arrives (within KEEP_FOR), in one transaction.

    A single INSERT .. ON CONFLICT DO NOTHING: two replicas given the same id at once
    get exactly one True between them, and neither waits on anything else.
    """
    with unit_of_work(session):
        return receipt_queries.record_receipt(session, key=key, team_id=team_id, now=now)


def forget_old_receipts(session: Session, *, now: datetime) -> int:
    """Forget ids older than KEEP_FOR, then all but the newest MAX_RECEIPTS (the bound);
    returns how many went. Callers run it now and then, not on every delivery."""
    with unit_of_work(session):
        gone = receipt_queries.forget_receipts(session, before=now - KEEP_FOR)
        return gone + receipt_queries.trim_receipts(session, keep=MAX_RECEIPTS)
