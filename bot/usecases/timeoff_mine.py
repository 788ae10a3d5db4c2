"""A person's own out-of-office calendars: added and removed by that person only.

Every event of such a calendar is its owner's absence, in each rotation they are in;
nobody else's time off is ever booked from it, whatever its events say. The sync is the
rotations' (timeoff_feeds.sync_time_off), so a person's calendar and their HR tool's feed
follow the same rules. The URL is a secret, as a rotation's feed URL is.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.usecases import audit
from bot.usecases.access import check_now, load_workspace, local_today
from bot.usecases.errors import Conflict, InvalidInput, NotFound
from bot.usecases.sealing import seal
from bot.usecases.time_off import TimeOffResult, _cancel
from bot.usecases.timeoff_feeds import FeedInfo, same_url
from bot.usecases.timeoff_fetch import check_url, url_hint
from bot.usecases.transaction import unit_of_work
from storage import queries, timeoff_queries
from storage.models import TimeOffFeed, Workspace

MAX_PER_PERSON = 3


def _info(session: Session, feed: TimeOffFeed) -> FeedInfo:
    assert feed.id is not None
    blocks = timeoff_queries.time_off_from_feed(session, feed_id=feed.id)
    return FeedInfo(
        id=feed.id,
        rotation="",
        hint=feed.hint,
        synced_at=feed.synced_at,
        last_error=feed.last_error,
        unmatched=0,
        blocks=len(blocks),
    )


def _audit(
    session: Session, workspace: Workspace, actor: str, action: str, feed: TimeOffFeed,
    now: datetime, **change: object,
) -> None:  # fmt: skip
    audit.record(  # the hint only: the URL is a secret
        session,
        rotation=None,
        workspace_id=workspace.id,
        actor=actor,
        action=action,
        subject=f"time_off_feed:{feed.id}",
        after={"hint": feed.hint, "owner": feed.owner, **change},
        now=now,
    )


def my_calendars(session: Session, *, team_id: str, user: str) -> list[FeedInfo]:
    """The person's own calendars, oldest first."""
    with unit_of_work(session):
        workspace = load_workspace(session, team_id=team_id)
        assert workspace.id is not None
        feeds = timeoff_queries.personal_feeds(session, workspace_id=workspace.id, owner=user)
        infos = [_info(session, f) for f in feeds]
    return infos


def add_my_calendar(
    session: Session,
    *,
    team_id: str,
    actor: str,
    now: datetime,
    url: str,
    allow_private: bool,
    secret: str | None = None,
) -> FeedInfo:
    """Add one's own out-of-office calendar; it is read at the next sync. The URL is
    stored sealed with `secret` (QUEUEDAY_SECRET_KEY; none: as it is)."""
    check_now(now)
    url = url.strip()
    try:
        check_url(url, allow_private=allow_private)
    except ValueError as exc:
        raise InvalidInput(f"That calendar URL cannot be used: {exc}.") from None
    with unit_of_work(session):
        workspace = load_workspace(session, team_id=team_id)
        assert workspace.id is not None
        if not queries.memberships_of_user(
            session, workspace_id=workspace.id, user_id=actor, on_or_after=now.date()
        ):
            raise NotFound("You are not in any rotation, so there is no day to keep free.")
        mine = timeoff_queries.personal_feeds(session, workspace_id=workspace.id, owner=actor)
        if any(same_url(feed.url, url, secret) for feed in mine):
            raise Conflict("You have already added that calendar.")
        if len(mine) >= MAX_PER_PERSON:
            raise InvalidInput(
                f"You already have {MAX_PER_PERSON} out-of-office calendars; remove one first."
            )
        feed = TimeOffFeed(
            workspace_id=workspace.id, owner=actor, url=seal(url, secret), hint=url_hint(url),
            created_by=actor, created_at=now,
        )  # fmt: skip
        session.add(feed)
        session.flush()
        _audit(session, workspace, actor, "time_off_feed.add", feed, now)
        info = _info(session, feed)
    return info


def remove_my_calendar(
    session: Session, *, team_id: str, actor: str, now: datetime, feed_id: int
) -> tuple[FeedInfo, tuple[TimeOffResult, ...]]:
    """Remove one's own calendar: the time off it booked still to come is cancelled in
    every rotation (days left short re-planned); time off booked by hand stays."""
    check_now(now)
    with unit_of_work(session):
        workspace = load_workspace(session, team_id=team_id)
        assert workspace.id is not None
        rows = [
            queries.rotation_by_id(session, rotation_id=r.id or 0, for_update=True)
            for r, _ in queries.memberships_of_user(
                session, workspace_id=workspace.id, user_id=actor
            )
        ]  # by name: every booking locks rotations in one order
        feed = timeoff_queries.personal_feed(
            session, feed_id=feed_id, workspace_id=workspace.id, owner=actor, for_update=True
        )
        if feed is None:
            raise NotFound(f"You have no out-of-office calendar #{feed_id}.")
        info = _info(session, feed)
        by_rotation = {row.id: row for row in rows}
        cancelled = []
        for block, member in timeoff_queries.time_off_from_feed(session, feed_id=feed_id):
            row = by_rotation[member.rotation_id]
            if block.last_day >= local_today(row, now):
                cancelled.append(_cancel(session, row, member, block, actor=actor, now=now))
            else:  # over: history, as if booked by hand
                block.feed_id = None
                session.add(block)
        session.flush()
        _audit(session, workspace, actor, "time_off_feed.remove", feed, now,
               cancelled=[r.id for r in cancelled])  # fmt: skip
        session.delete(feed)
    return info, tuple(cancelled)
