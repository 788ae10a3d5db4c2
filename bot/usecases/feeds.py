"""Calendar feeds: showing a person their links, resetting one, and reading a feed.

A person's feed holds their own published and done days in every rotation of the
workspace; a rotation's feed holds everyone's. Both cover the past year and everything
ahead, and never show previews, planned or cancelled days. A person's links stop (404)
once they are taken off every rotation, and no new ones are made for them until they
are in one again; the rotation's links and everyone else's stay as they are.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.usecases import audit
from bot.usecases.access import (
    SYSTEM,
    check_now,
    find_member,
    is_admin,
    load_rotation,
    load_workspace,
    local_today,
)
from bot.usecases.errors import Conflict, InvalidInput, NotAllowed, NotFound
from bot.usecases.tokens import FeedKind, feed_token, feed_urls, is_token, same_token, token_hash
from bot.usecases.transaction import unit_of_work
from scheduling.ics import FeedEvent, plan_events, render_calendar_fast
from scheduling.model import DayEntry
from storage import feed_queries, queries
from storage.feed_queries import SHOWN_STATES, FeedOwner, FeedRow, TokenRow
from storage.models import Member, Rotation, Workspace

# How far back a feed reaches. A year and a day, so the same date last year is in.
PAST_DAYS = 366
REFRESH = timedelta(hours=1)


@dataclass(frozen=True)
class FeedLink:
    """One feed's link, as the web URL and as webcal:// (one click to subscribe)."""

    kind: FeedKind
    rotation: str | None  # the rotation of a rotation's feed
    title: str
    url: str
    webcal: str


@dataclass(frozen=True)
class FeedLinks:
    """A person's own feed and the feeds of their rotations."""

    person: FeedLink
    rotations: tuple[FeedLink, ...]

    def all(self) -> tuple[FeedLink, ...]:
        return (self.person, *self.rotations)


def feed_links(
    session: Session,
    *,
    team_id: str,
    user: str,
    now: datetime,
    secret: str,
    base_url: str,
    rotation: str | None = None,
) -> FeedLinks:
    """The person's feed link and their rotation's (or, without `rotation`, each of the
    rotations they are in); links are created on first use and the same ever after.

    Refuses (NotFound) a person in no rotation of the workspace, or not in `rotation`.
    """
    check_now(now)
    # Links exist after the first time: answer from reads alone (no write lock, so
    # `/queueday calendar` never waits for a writer), and write only when one is missing.
    session.expire_all()
    try:
        return _feed_links(
            session,
            team_id=team_id,
            user=user,
            now=now,
            secret=secret,
            base_url=base_url,
            rotation=rotation,
            write=False,
        )
    except _Missing:
        pass
    finally:
        session.rollback()

    def create() -> FeedLinks:
        with unit_of_work(session):
            result = _feed_links(
                session,
                team_id=team_id,
                user=user,
                now=now,
                secret=secret,
                base_url=base_url,
                rotation=rotation,
                write=True,
            )
        return result

    try:
        return create()
    except Conflict:
        # Two first requests at once derive the same token: one insert wins, and the
        # second look finds its row.
        return create()


class _Missing(Exception):
    """A link row to create or re-key: a read-only pass cannot answer."""


def _feed_links(
    session: Session,
    *,
    team_id: str,
    user: str,
    now: datetime,
    secret: str,
    base_url: str,
    rotation: str | None,
    write: bool,
) -> FeedLinks:
    workspace = load_workspace(session, team_id=team_id)
    rotations = _rotations_of(session, workspace, user, rotation, now)
    _require_current(session, workspace, user)
    member = rotations[0][1]
    token = _link_token(session, workspace, FeedKind.PERSON, user, None, secret, now, write)
    person = _link(FeedKind.PERSON, None, f"{member.display_name}'s queue days", base_url, token)
    shared = []
    for row, _ in rotations:
        token = _link_token(session, workspace, FeedKind.ROTATION, None, row, secret, now, write)
        shared.append(_link(FeedKind.ROTATION, row.name, f"{row.name}: everyone", base_url, token))
    return FeedLinks(person=person, rotations=tuple(shared))


def _rotations_of(
    session: Session, workspace: Workspace, user: str, rotation: str | None, now: datetime
) -> list[tuple[Rotation, Member]]:
    """The named rotation, or every rotation the person is in and has not left."""
    if rotation is not None:
        row = load_rotation(session, team_id=workspace.team_id, name=rotation)
        return [(row, find_member(session, row, user))]
    assert workspace.id is not None
    found = []
    for row in queries.rotations_of(session, workspace_id=workspace.id):
        assert row.id is not None
        member = queries.member_by_user(session, rotation_id=row.id, user_id=user)
        if member is not None and (member.left is None or member.left >= local_today(row, now)):
            found.append((row, member))
    if not found:
        raise NotFound(f"<@{user}> is not in any rotation here.")
    return found


def _require_current(session: Session, workspace: Workspace, user: str) -> None:
    """Refuse a person who has been taken off every rotation: their links were revoked
    then (end_person_links), and none are made anew."""
    assert workspace.id is not None
    if not feed_queries.in_a_rotation(session, workspace_id=workspace.id, user_id=user):
        raise NotFound(f"<@{user}> has left every rotation here, so has no calendar links.")


def end_person_links(
    session: Session, *, workspace_id: int, user: str, actor: str, now: datetime
) -> int:
    """Revoke the person's own feed links if they are now in no rotation of the
    workspace (every member row has a `left` day, or is gone); how many were revoked.

    Every removal calls this in its own transaction, after the member row changed.
    Rotation links are shared by everyone else and are never revoked here.
    """
    session.flush()
    if feed_queries.in_a_rotation(session, workspace_id=workspace_id, user_id=user):
        return 0
    revoked = feed_queries.revoke_person_tokens(
        session, workspace_id=workspace_id, user_id=user, now=now
    )
    for row in revoked:
        audit.record(
            session,
            rotation=None,
            workspace_id=workspace_id,
            actor=actor,
            action="feed.revoke",
            subject=f"feed_token:{row.id}",
            before={"revision": row.revision},
            after={"kind": FeedKind.PERSON.value, "owner": user, "reason": "left"},
            now=now,
        )
    return len(revoked)


def _link(kind: FeedKind, rotation: str | None, title: str, base_url: str, token: str) -> FeedLink:
    url, webcal = feed_urls(base_url, token)
    return FeedLink(kind=kind, rotation=rotation, title=title, url=url, webcal=webcal)


def _subject(kind: FeedKind, user: str | None, rotation: Rotation | None) -> str:
    if kind == FeedKind.PERSON:
        assert user is not None
        return user
    assert rotation is not None
    return rotation.name


def _link_token(
    session: Session,
    workspace: Workspace,
    kind: FeedKind,
    user: str | None,
    rotation: Rotation | None,
    secret: str,
    now: datetime,
    write: bool,
) -> str:
    """The owner's current token, its row created when it has none yet.

    A row whose hash is not the current key's token (the key was changed) is re-keyed
    at the same revision: every link made with the old key stops working. Without
    `write`, a row to create or re-key raises _Missing instead.
    """
    assert workspace.id is not None
    rotation_id = rotation.id if rotation is not None else None
    owner = FeedOwner(workspace_id=workspace.id, user_id=user, rotation_id=rotation_id)
    row = feed_queries.active_token(session, owner=owner, for_update=write)
    subject = _subject(kind, user, rotation)
    if not write:
        if row is None:
            raise _Missing
        token = feed_token(secret, kind, workspace.team_id, subject, row.revision)
        if row.token_hash != token_hash(token):
            raise _Missing
        return token
    if row is None:
        # Two first requests at once must not both add a revision: wait for the other
        # one's commit, then look again (READ COMMITTED sees it after the lock).
        queries.lock_workspace(session, workspace_id=workspace.id)
        row = feed_queries.active_token(session, owner=owner, for_update=True)
    if row is None:
        return _issue_token(
            session,
            workspace,
            owner,
            kind,
            subject,
            rotation,
            secret,
            now,
            actor=SYSTEM,
            action="feed.create",
        )
    token = feed_token(secret, kind, workspace.team_id, subject, row.revision)
    if row.token_hash != token_hash(token):
        row.token_hash, row.etag, row.modified_at = token_hash(token), None, None
        session.add(row)
    return token


def _issue_token(
    session: Session,
    workspace: Workspace,
    owner: FeedOwner,
    kind: FeedKind,
    subject: str,
    rotation: Rotation | None,
    secret: str,
    now: datetime,
    *,
    actor: str,
    action: str,
    before: dict[str, Any] | None = None,
) -> str:
    """A token at the owner's next revision, its row added and audited (no commit)."""
    revision = feed_queries.last_revision(session, owner=owner) + 1
    token = feed_token(secret, kind, workspace.team_id, subject, revision)
    row = owner.new_token(revision=revision, token_hash=token_hash(token), created_at=now)
    session.add(row)
    session.flush()
    audit.record(
        session,
        rotation=rotation,
        workspace_id=workspace.id,
        actor=actor,
        action=action,
        subject=f"feed_token:{row.id}",
        before=before,
        after={"kind": kind.value, "owner": subject, "revision": revision},
        now=now,
    )
    return token


def reset_feed_link(
    session: Session,
    *,
    team_id: str,
    actor: str,
    now: datetime,
    secret: str,
    base_url: str,
    kind: FeedKind,
    rotation: str | None = None,
    user: str | None = None,
) -> FeedLink:
    """Replace a feed link with a new one; the old link answers 404 from now on.

    A person's link (`user`, default the actor): the person, or an admin of one of
    their rotations. A rotation's link (`rotation`): its admins only, since everyone
    subscribed to it has to subscribe again.
    """
    check_now(now)
    with unit_of_work(session):
        workspace = load_workspace(session, team_id=team_id)
        assert workspace.id is not None
        row: Rotation | None = None
        if kind == FeedKind.ROTATION:
            if rotation is None:
                raise InvalidInput("Name the rotation whose link to reset.")
            row = load_rotation(session, team_id=team_id, name=rotation)
            if not is_admin(session, row, actor):
                raise NotAllowed(f"Only an admin of {row.name} can reset its calendar link.")
            user = None
        else:
            user = user or actor
            rotations = _rotations_of_any(session, workspace, user)
            if actor != user and not any(is_admin(session, r, actor) for r in rotations):
                raise NotAllowed(f"Only <@{user}> or an admin can reset their calendar link.")
            _require_current(session, workspace, user)
        subject = _subject(kind, user, row)
        owner_id = row.id if row is not None else None
        owner = FeedOwner(workspace_id=workspace.id, user_id=user, rotation_id=owner_id)
        old = feed_queries.active_token(session, owner=owner, for_update=True)
        if old is not None:
            old.revoked_at = now
            session.add(old)
        token = _issue_token(
            session,
            workspace,
            owner,
            kind,
            subject,
            row,
            secret,
            now,
            actor=actor,
            action="feed.reset",
            before={"revision": old.revision} if old is not None else None,
        )
        if kind == FeedKind.PERSON:
            title = f"{_first_name(session, workspace, subject)}'s queue days"
        else:
            title = f"{subject}: everyone"
        link = _link(kind, rotation if row is not None else None, title, base_url, token)
    return link


def _rotations_of_any(session: Session, workspace: Workspace, user: str) -> list[Rotation]:
    """Every rotation of the workspace the person was ever in; NotFound for none."""
    assert workspace.id is not None
    ids = feed_queries.person_rotation_ids(session, workspace_id=workspace.id, user_id=user)
    if not ids:
        raise NotFound(f"<@{user}> is not in any rotation here.")
    return feed_queries.rotations_by_id(session, rotation_ids=ids)


def _first_name(session: Session, workspace: Workspace, user: str) -> str:
    assert workspace.id is not None
    ids = feed_queries.person_rotation_ids(session, workspace_id=workspace.id, user_id=user)
    member = feed_queries.first_member(session, rotation_ids=ids, user_id=user)
    return member.display_name if member is not None else user


# --- reading a feed ----------------------------------------------------------------


@dataclass(frozen=True)
class Feed:
    """A resolved feed link: whose days, from which day, and the version of its data."""

    token: TokenRow
    kind: FeedKind
    first: date
    # One row per rotation shown, its id first (storage.feed_queries.open_link).
    data_version: tuple[tuple[Any, ...], ...]

    @property
    def owner(self) -> tuple[object, ...]:
        """Who the feed is of; equal for every link this owner ever had."""
        return (self.kind, self.token.workspace_id, self.token.user_id, self.token.rotation_id)

    @property
    def version(self) -> tuple[object, ...]:
        """Changes whenever the feed's document would."""
        return (self.first, self.data_version)

    @property
    def rotation_ids(self) -> tuple[int, ...]:
        return tuple(int(row[0]) for row in self.data_version)


def window_start(now: datetime) -> date:
    """The first day a feed shows.

    The past-year window starts PAST_DAYS before today in UTC: a year back, a few hours
    either way matter to nobody, and one boundary for every rotation keeps a person's
    feed one query.
    """
    check_now(now)
    return now.astimezone(UTC).date() - timedelta(days=PAST_DAYS)


def open_feed(engine: Engine, *, token: str, secret: str, now: datetime) -> Feed | None:
    """The feed a link token names, or None: not a token, unknown, revoked, or made
    with another secret key. Callers answer every None alike, so nothing is hinted.

    One statement, the same for every poll (storage.feed_queries.open_link).
    """
    if not is_token(token):
        return None
    first = window_start(now)
    found = feed_queries.open_link(engine, token_hash=token_hash(token), first=first)
    if found is None:
        return None
    row, version = found
    if row.revoked:
        return None
    if row.rotation_id is not None and row.user_id is None:
        kind, subject = FeedKind.ROTATION, row.rotation_name
    elif row.user_id is not None and row.rotation_id is None:
        kind, subject = FeedKind.PERSON, row.user_id
    else:
        return None  # a person's feed limited to one rotation: not issued by this version
    assert subject is not None
    # Found by the hash, then compared in constant time against the current key's token:
    # a link made with an earlier key stops working when the key changes.
    if not same_token(feed_token(secret, kind, row.team_id, subject, row.revision), token):
        return None
    return Feed(token=row, kind=kind, first=first, data_version=version)


def render_feed(session: Session, feed: Feed) -> bytes:
    """The feed's iCalendar document."""
    rotations = feed_queries.rotations_by_id(session, rotation_ids=feed.rotation_ids)
    by_id = {r.id: r for r in rotations}
    if feed.kind == FeedKind.ROTATION:
        if not rotations:
            return render_calendar_fast("QueueDay", [], refresh=REFRESH)
        (rotation,) = rotations
        assert rotation.id is not None
        rows = feed_queries.rotation_feed_rows(session, rotation_id=rotation.id, first=feed.first)
        events = _events(rotation, feed.token.team_id, rows, None)
        return render_calendar_fast(
            f"QueueDay: {rotation.name}", events, timezone=rotation.timezone, refresh=REFRESH
        )
    user = feed.token.user_id
    assert user is not None
    rows = feed_queries.person_feed_rows(
        session, rotation_ids=feed.rotation_ids, user_id=user, first=feed.first
    )
    per_rotation: dict[int, list[FeedRow]] = defaultdict(list)
    for row in rows:
        per_rotation[row.rotation_id].append(row)
    events = []
    for rotation_id, its_rows in per_rotation.items():
        events += _events(by_id[rotation_id], feed.token.team_id, its_rows, user)
    member = feed_queries.first_member(session, rotation_ids=feed.rotation_ids, user_id=user)
    name = member.display_name if member is not None else user
    timezone = member.timezone if member is not None and member.timezone else None
    if timezone is None and rotations:
        timezone = rotations[0].timezone
    return render_calendar_fast(f"QueueDay: {name}", events, timezone=timezone, refresh=REFRESH)


def channel_link(team_id: str, channel: str | None) -> str | None:
    """A link that opens the rotation's channel in Slack (app or browser)."""
    if not channel:
        return None
    return "https://slack.com/app_redirect?" + urlencode({"channel": channel, "team": team_id})


def _events(
    rotation: Rotation, team_id: str, rows: list[FeedRow], only: str | None
) -> list[FeedEvent]:
    """The rotation's events from its rows: shown days only; each dated by the last
    change of any row of its day, since a teammate leaving changes its description.
    """
    day_stamp: dict[date, datetime] = {}
    for row in rows:
        if row.day not in day_stamp or row.updated_at > day_stamp[row.day]:
            day_stamp[row.day] = row.updated_at
    shown = [row for row in rows if row.state in SHOWN_STATES]
    entries = [DayEntry(row.day, row.user_id) for row in shown]
    return plan_events(
        entries,
        {row.user_id: row.name for row in shown},
        rotation=rotation.name,
        channel_url=channel_link(team_id, rotation.channel),
        revisions={entry: row.revision for entry, row in zip(entries, shown, strict=True)},
        updated_at=rotation.updated_at,
        updated={entry: day_stamp[entry.day] for entry in entries},
        member_only=only,
    )


def mark_served(session: Session, feed: Feed, *, etag: str, now: datetime) -> datetime:
    """Record that the link now serves `etag`; returns its Last-Modified (commits).

    Last-Modified moves only forward and by at least a second, so a client whose
    If-Modified-Since is the previous value (one-second resolution) sees the change.
    """
    stamp = now.replace(microsecond=0)
    previous = feed.token.modified_at
    if previous is not None and stamp <= previous:
        stamp = previous + timedelta(seconds=1)
    with unit_of_work(session):
        stored = feed_queries.record_served(
            session, token_id=feed.token.id, etag=etag, modified_at=stamp
        )
    return stored or stamp


def rotation_feed_url(
    session: Session,
    *,
    rotation: Rotation,
    team_id: str,
    secret: str,
    base_url: str,
    now: datetime,
    write: bool = True,
) -> str | None:
    """The rotation's calendar feed link (web), for the rotation page (no commit).

    With `write`, made when missing; without, None when it was never made (a page
    view only reads).
    """
    workspace = load_workspace(session, team_id=team_id)
    try:
        token = _link_token(
            session, workspace, FeedKind.ROTATION, None, rotation, secret, now, write
        )
    except _Missing:
        return None
    return feed_urls(base_url, token)[0]
