"""Tickets and highlights from everywhere: Slack messages, trackers, files, reflections.

Everything that comes from outside carries an external id (a Slack message, a GitHub
issue, a tracker's key), unique per rotation, so a message saved by shortcut and then
by reaction, or a webhook Slack or GitHub delivers twice, is stored once. Each call is
one transaction with an audit row per change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlmodel import Session, col, select

from bot.usecases import audit
from bot.usecases.access import SYSTEM, check_now, find_member, load_rotation, load_workspace
from bot.usecases.errors import Conflict, InvalidInput, NotFound
from bot.usecases.notes import LONGEST_TEXT, add_note
from bot.usecases.transaction import unit_of_work
from storage import queries, reminder_queries
from storage.models import Highlight, Member, Rotation, Ticket, TicketState

MAX_AREA = 40
MAX_SEVERITY = 20
MAX_EXTERNAL_ID = 200


class NoteKind(StrEnum):
    TICKET = "ticket"
    HIGHLIGHT = "highlight"


class Source(StrEnum):
    """Where a note came from (the `source` column)."""

    SHORTCUT = "shortcut"
    REACTION = "reaction"
    HOOK = "hook"
    GITHUB = "github"
    IMPORT = "import"
    REFLECTION = "reflection"
    ZENDESK = "zendesk"
    INTERCOM = "intercom"
    JIRA = "jira"
    LINEAR = "linear"


@dataclass(frozen=True)
class NoteInput:
    """A ticket or highlight as it arrives, before validation."""

    text: str
    url: str | None = None
    area: str | None = None
    severity: str | None = None  # tickets only
    external_id: str | None = None
    author: str | None = None  # who it is credited to; the actor if None


@dataclass(frozen=True)
class Saved:
    """A stored note; `created` is False when it was already there (updated or not)."""

    kind: NoteKind
    id: int
    rotation: str
    text: str
    area: str | None
    state: str | None
    created: bool
    changed: bool = False


def _clean(note: NoteInput, where: str = "") -> NoteInput:
    """The note with whitespace tidied; InvalidInput naming the bad field otherwise."""
    text = " ".join(note.text.split()) if "\n" not in note.text else note.text.strip()
    if not text:
        raise InvalidInput(f"{where}text: empty")
    if len(text) > LONGEST_TEXT:
        raise InvalidInput(f"{where}text: {len(text)} characters; at most {LONGEST_TEXT}")
    url = (note.url or "").strip() or None
    if url is not None and not url.startswith(("https://", "http://")):
        raise InvalidInput(f"{where}url: must start with https:// or http://; got {url[:80]!r}")
    area = (note.area or "").strip().lstrip("#").lower() or None
    if area is not None and len(area) > MAX_AREA:
        raise InvalidInput(f"{where}area: at most {MAX_AREA} characters")
    severity = (note.severity or "").strip().lower() or None
    if severity is not None and len(severity) > MAX_SEVERITY:
        raise InvalidInput(f"{where}severity: at most {MAX_SEVERITY} characters")
    external = (note.external_id or "").strip() or None
    if external is not None and len(external) > MAX_EXTERNAL_ID:
        raise InvalidInput(f"{where}id: at most {MAX_EXTERNAL_ID} characters")
    return NoteInput(text, url, area, severity, external, note.author)


def _add(
    session: Session,
    rotation: Rotation,
    kind: NoteKind,
    note: NoteInput,
    *,
    actor: str,
    source: Source,
    now: datetime,
) -> Saved:
    """Store a cleaned note, or find the one with its external id (one audit row if new)."""
    assert rotation.id is not None
    if note.external_id is not None:
        existing = (
            reminder_queries.ticket_by_external_id(
                session, rotation_id=rotation.id, external_id=note.external_id
            )
            if kind is NoteKind.TICKET
            else reminder_queries.highlight_by_external_id(
                session, rotation_id=rotation.id, external_id=note.external_id
            )
        )
        if existing is not None:
            return _saved(kind, existing, rotation, created=False)
    row = add_note(
        session,
        rotation,
        kind,
        text=note.text,
        url=note.url,
        area=note.area,
        severity=note.severity,
        external_id=note.external_id,
        author=note.author or actor,
        source=source.value,
        actor=actor,
        now=now,
    )
    return _saved(kind, row, rotation, created=True)


def _saved(
    kind: NoteKind,
    row: Ticket | Highlight,
    rotation: Rotation,
    *,
    created: bool,
    changed: bool = False,
) -> Saved:
    assert row.id is not None
    state = row.state if isinstance(row, Ticket) else None
    return Saved(kind, row.id, rotation.name, row.text, row.product_area, state, created, changed)


def save_note(
    session: Session,
    *,
    team_id: str,
    rotation: str,
    actor: str,
    now: datetime,
    kind: NoteKind,
    note: NoteInput,
    source: Source,
    channel: str | None = None,
) -> Saved:
    """Save a ticket or highlight once per external id (a shortcut, a reaction).

    The rotation's people may save from anywhere; anyone else only from the rotation's
    own channel (`channel`), where support colleagues flag what they see.
    """
    check_now(now)
    cleaned = _clean(note)
    with unit_of_work(session):
        row = load_rotation(session, team_id=team_id, name=rotation)
        assert row.id is not None
        member = queries.member_by_user(session, rotation_id=row.id, user_id=actor)
        if actor != SYSTEM and member is None and (channel is None or channel != row.channel):
            raise NotFound(f"<@{actor}> is not a member of {row.name}.")
        result = _add(session, row, kind, cleaned, actor=actor, source=source, now=now)
    return result


def tracker_key(raw: str) -> str:
    """A tracker's id as an external id: kept when it names its source (`github:…`),
    else `hook:<id>`, so the webhook and a CSV export of one tracker agree."""
    raw = raw.strip()
    return raw if ":" in raw else f"hook:{raw}"


@dataclass(frozen=True)
class TrackerTicket:
    """A ticket as a tracker reports it: created, changed, or closed."""

    external_id: str
    title: str | None  # None: keep the stored title (a bare status change)
    url: str | None = None
    area: str | None = None
    severity: str | None = None
    closed: bool | None = False  # None: keep the stored state (a new ticket opens)
    author: str | None = None


def apply_tracker_ticket(
    session: Session,
    *,
    team_id: str,
    rotation: str,
    now: datetime,
    ticket: TrackerTicket,
    source: Source = Source.HOOK,
) -> Saved:
    """Create, update, close or reopen the ticket a tracker sent (one transaction).

    A new ticket that is already closed is stored closed (so a later reopen finds it).
    """
    check_now(now)
    note = _clean(
        NoteInput(
            ticket.title or "(untitled)",
            ticket.url,
            ticket.area,
            ticket.severity,
            ticket.external_id,
            ticket.author,
        )
    )
    assert note.external_id is not None
    with unit_of_work(session):
        row = load_rotation(session, team_id=team_id, name=rotation, for_update=True)
        assert row.id is not None
        existing = reminder_queries.ticket_by_external_id(
            session, rotation_id=row.id, external_id=note.external_id, for_update=True
        )
        if existing is None and ticket.title is None:
            raise InvalidInput(f"title: required for a new ticket ({note.external_id})")
        if existing is None:
            saved = _add(session, row, NoteKind.TICKET, note, actor=SYSTEM, source=source, now=now)
            existing = session.get(Ticket, saved.id)
            assert existing is not None
            created = True
        else:
            created = False
        before = audit.snapshot(existing, "text", "url", "product_area", "severity", "state")
        if ticket.closed is None:
            wanted = TicketState(existing.state)
        else:
            wanted = TicketState.CLOSED if ticket.closed else TicketState.OPEN
        closing = wanted == TicketState.CLOSED and existing.state != TicketState.CLOSED
        if not created:
            existing.text = note.text if ticket.title is not None else existing.text
            existing.url = note.url or existing.url
            existing.product_area = note.area or existing.product_area
            existing.severity = note.severity or existing.severity
        if existing.state != wanted:
            existing.state = wanted
            existing.closed_at = now if wanted == TicketState.CLOSED else None
        after = audit.snapshot(existing, "text", "url", "product_area", "severity", "state")
        changed = before != after
        if changed:
            session.add(existing)
            if not created:
                audit.record(
                    session,
                    rotation=row,
                    actor=SYSTEM,
                    action="ticket.close" if closing else "ticket.update",
                    subject=f"ticket:{existing.id}",
                    before=before,
                    after=after,
                    now=now,
                )
        result = _saved(NoteKind.TICKET, existing, row, created=created, changed=changed)
    return result


@dataclass(frozen=True)
class ImportReport:
    rows: int
    added: int
    already: int  # rows whose id was already stored


def import_notes(
    session: Session,
    *,
    team_id: str,
    rotation: str,
    now: datetime,
    kind: NoteKind,
    rows: Sequence[tuple[int, NoteInput, bool]],
) -> ImportReport:
    """Import (line, note, closed) rows from a file, all or nothing.

    A row with an id already stored is skipped; a closed ticket is stored closed.
    """
    check_now(now)
    cleaned = [(line, _clean(note, f"line {line}: "), closed) for line, note, closed in rows]
    added = already = 0
    with unit_of_work(session):
        row = load_rotation(session, team_id=team_id, name=rotation, for_update=True)
        for _line, note, closed in cleaned:
            saved = _add(session, row, kind, note, actor=SYSTEM, source=Source.IMPORT, now=now)
            if not saved.created:
                already += 1
                continue
            added += 1
            if closed and kind is NoteKind.TICKET:
                ticket = session.get(Ticket, saved.id)
                assert ticket is not None
                ticket.state, ticket.closed_at = TicketState.CLOSED, now
                session.add(ticket)
    return ImportReport(len(rows), added, already)


def record_reflection(
    session: Session,
    *,
    team_id: str,
    rotation: str,
    actor: str,
    now: datetime,
    day: date,
    hurt: str,
    works: str,
    area: str | None = None,
) -> tuple[Saved | None, Saved | None]:
    """The end-of-day answers: what hurt as a ticket, what works well as a highlight.

    One reflection per person and support day (both share an external id, which also
    pairs them in the weekly digest); answering twice is refused.
    """
    check_now(now)
    if not hurt.strip() and not works.strip():
        raise InvalidInput("Say at least one thing that hurt or one that works well.")
    key = f"reflection:{actor}:{day.isoformat()}"
    with unit_of_work(session):
        row = load_rotation(session, team_id=team_id, name=rotation)
        member = find_member(session, row, actor)
        assert row.id is not None and member.id is not None
        if (
            queries.assignment_row(session, rotation_id=row.id, day=day, member_id=member.id)
            is None
        ):
            raise NotFound(f"<@{actor}> was not on the queue on {day.isoformat()}.")
        if reminder_queries.ticket_by_external_id(
            session, rotation_id=row.id, external_id=key
        ) or reminder_queries.highlight_by_external_id(
            session, rotation_id=row.id, external_id=key
        ):
            raise Conflict(f"You already shared your reflection on {day.isoformat()}; thank you!")
        saved: list[Saved | None] = []
        for kind, text in ((NoteKind.TICKET, hurt), (NoteKind.HIGHLIGHT, works)):
            if not text.strip():
                saved.append(None)
                continue
            note = _clean(NoteInput(text, area=area, external_id=key))
            saved.append(
                _add(session, row, kind, note, actor=actor, source=Source.REFLECTION, now=now)
            )
    return saved[0], saved[1]


def rotations_for(
    session: Session, *, team_id: str, user: str, channel: str | None
) -> tuple[str, ...]:
    """The rotations a note from `user` in `channel` could belong to, best first.

    The channel's rotation when it is one; otherwise the person's current rotations.
    """
    workspace = load_workspace(session, team_id=team_id)
    assert workspace.id is not None
    names: tuple[str, ...] = ()
    if channel:
        names = tuple(
            r.name
            for r in reminder_queries.rotations_with_channel(
                session, workspace_id=workspace.id, channel=channel
            )
        )
    if not names:
        query = (
            select(Rotation.name)
            .join(Member, col(Member.rotation_id) == Rotation.id)
            .where(
                Rotation.workspace_id == workspace.id,
                Member.user_id == user,
                col(Member.left).is_(None),
            )
            .order_by(col(Rotation.name))
        )
        names = tuple(session.exec(query))
    session.rollback()
    return names


def channel_rotation(session: Session, *, team_id: str, channel: str) -> str | None:
    """The rotation whose channel this is (the first by name if several share it)."""
    workspace = queries.workspace_by_team(session, team_id=team_id)
    if workspace is None or workspace.id is None:
        return None
    rows = reminder_queries.rotations_with_channel(
        session, workspace_id=workspace.id, channel=channel
    )
    session.rollback()
    return rows[0].name if rows else None


def only_rotation(session: Session, *, team_id: str) -> str | None:
    """The workspace's rotation when it has exactly one (a webhook needs no name then)."""
    workspace = queries.workspace_by_team(session, team_id=team_id)
    if workspace is None or workspace.id is None:
        return None
    rows = queries.rotations_of(session, workspace_id=workspace.id)
    session.rollback()
    return rows[0].name if len(rows) == 1 else None
