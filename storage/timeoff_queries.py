"""Queries for time-off calendar feeds and the time off they created. They never commit."""

from __future__ import annotations

from sqlmodel import Session, col, select

from storage.models import Member, TimeOff, TimeOffFeed


def feeds_of(session: Session, *, rotation_ids: list[int]) -> list[TimeOffFeed]:
    """The feeds of these rotations, oldest first."""
    query = (
        select(TimeOffFeed)
        .where(col(TimeOffFeed.rotation_id).in_(rotation_ids))
        .order_by(col(TimeOffFeed.rotation_id), col(TimeOffFeed.id))
    )
    return list(session.exec(query))


def feed_by_id(
    session: Session, *, feed_id: int, rotation_id: int, for_update: bool = False
) -> TimeOffFeed | None:
    """One feed of a rotation, optionally locked."""
    query = select(TimeOffFeed).where(
        TimeOffFeed.id == feed_id, TimeOffFeed.rotation_id == rotation_id
    )
    if for_update:
        query = query.with_for_update()
    return session.exec(query).first()


def time_off_from_feed(session: Session, *, feed_id: int) -> list[tuple[TimeOff, Member]]:
    """Every block the feed created, with its member."""
    query = (
        select(TimeOff, Member)
        .join(Member, col(Member.id) == TimeOff.member_id)
        .where(TimeOff.feed_id == feed_id)
        .order_by(col(TimeOff.id))
    )
    return [(block, member) for block, member in session.exec(query)]


def personal_feeds(
    session: Session, *, workspace_id: int, owner: str | None = None
) -> list[TimeOffFeed]:
    """The personal calendars of a workspace (or of one person), oldest first."""
    query = select(TimeOffFeed).where(
        TimeOffFeed.workspace_id == workspace_id, col(TimeOffFeed.owner).is_not(None)
    )
    if owner is not None:
        query = query.where(TimeOffFeed.owner == owner)
    return list(session.exec(query.order_by(col(TimeOffFeed.id))))


def personal_feed(
    session: Session, *, feed_id: int, workspace_id: int, owner: str, for_update: bool = False
) -> TimeOffFeed | None:
    """One person's own calendar, optionally locked."""
    query = select(TimeOffFeed).where(
        TimeOffFeed.id == feed_id,
        TimeOffFeed.workspace_id == workspace_id,
        TimeOffFeed.owner == owner,
    )
    if for_update:
        query = query.with_for_update()
    return session.exec(query).first()
