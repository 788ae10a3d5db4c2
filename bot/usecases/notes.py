"""Bug tickets waiting on the queue and highlights of what customers like."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.usecases import audit
from bot.usecases.access import SYSTEM, check_now, find_member, load_rotation
from bot.usecases.errors import InvalidInput, NotFound
from bot.usecases.transaction import unit_of_work
from storage.models import Highlight, Rotation, Ticket, TicketState

# A Slack text field holds 3000 characters; a note is shown inside one.
LONGEST_TEXT = 2000
SOURCES = ("slack", "cli", "hook", "import")


@dataclass(frozen=True)
class NoteInfo:
    """A ticket or highlight as plain values."""

    id: int
    kind: str
    text: str
    url: str | None
    product_area: str | None
    author: str
    source: str
    state: str | None
    created_at: datetime


def _check(
    session: Session, rotation: Rotation, *, actor: str, text: str, url: str | None, source: str
) -> None:
    if actor != SYSTEM:
        find_member(session, rotation, actor)  # only the rotation's people add notes
    if not text.strip():
        raise InvalidInput("The text is empty.")
    if len(text) > LONGEST_TEXT:
        raise InvalidInput(f"The text is {len(text)} characters; at most {LONGEST_TEXT}.")
    if url is not None and not url.startswith(("https://", "http://")):
        raise InvalidInput(f"The link must start with https:// or http://; got {url[:80]!r}.")
    if source not in SOURCES:
        raise InvalidInput(f"Unknown source {source!r}; use one of {', '.join(SOURCES)}.")


def record_ticket(
    session: Session,
    *,
    team_id: str,
    rotation: str,
    actor: str,
    now: datetime,
    text: str,
    url: str | None = None,
    product_area: str | None = None,
    source: str = "slack",
) -> NoteInfo:
    """Record a bug ticket for the people on the queue to look at."""
    return _record(
        session,
        "ticket",
        team_id=team_id,
        rotation=rotation,
        actor=actor,
        now=now,
        text=text,
        url=url,
        product_area=product_area,
        source=source,
    )


def close_ticket(
    session: Session, *, team_id: str, rotation: str, actor: str, now: datetime, ticket_id: int
) -> NoteInfo:
    """Mark a ticket dealt with (any member of the rotation)."""
    check_now(now)
    with unit_of_work(session):
        row = load_rotation(session, team_id=team_id, name=rotation)
        if actor != SYSTEM:
            find_member(session, row, actor)
        ticket = session.get(Ticket, ticket_id)
        if ticket is None or ticket.rotation_id != row.id:
            raise NotFound(f"There is no ticket #{ticket_id} in {row.name}.")
        if ticket.state == TicketState.CLOSED:
            raise InvalidInput(f"Ticket #{ticket_id} is already closed.")
        ticket.state = TicketState.CLOSED
        session.add(ticket)
        audit.record(
            session,
            rotation=row,
            actor=actor,
            action="ticket.close",
            subject=f"ticket:{ticket.id}",
            before={"state": TicketState.OPEN.value},
            after={"state": TicketState.CLOSED.value},
            now=now,
        )
        result = _info(ticket)
    return result


def record_highlight(
    session: Session,
    *,
    team_id: str,
    rotation: str,
    actor: str,
    now: datetime,
    text: str,
    url: str | None = None,
    product_area: str | None = None,
    source: str = "slack",
) -> NoteInfo:
    """Record something customers say works well, to go with the tickets."""
    return _record(
        session,
        "highlight",
        team_id=team_id,
        rotation=rotation,
        actor=actor,
        now=now,
        text=text,
        url=url,
        product_area=product_area,
        source=source,
    )


def _record(
    session: Session,
    kind: str,
    *,
    team_id: str,
    rotation: str,
    actor: str,
    now: datetime,
    text: str,
    url: str | None,
    product_area: str | None,
    source: str,
) -> NoteInfo:
    check_now(now)
    with unit_of_work(session):
        row = load_rotation(session, team_id=team_id, name=rotation)
        _check(session, row, actor=actor, text=text, url=url, source=source)
        note = add_note(
            session,
            row,
            kind,
            text=text.strip(),
            url=url,
            area=product_area or None,
            author=actor,
            source=source,
            actor=actor,
            now=now,
        )
        result = _info(note)
    return result


def add_note(
    session: Session,
    rotation: Rotation,
    kind: str,
    *,
    text: str,
    url: str | None,
    area: str | None,
    author: str,
    source: str,
    actor: str,
    now: datetime,
    severity: str | None = None,
    external_id: str | None = None,
) -> Ticket | Highlight:
    """Add a checked ticket (`kind` "ticket") or highlight and its audit row; no commit.

    `severity` is for tickets only. Shared by the commands here and the captures in
    `capture.py`, which check and tidy the text differently.
    """
    assert rotation.id is not None
    note: Ticket | Highlight
    if kind == "ticket":
        note = Ticket(
            rotation_id=rotation.id,
            text=text,
            url=url,
            product_area=area,
            severity=severity,
            external_id=external_id,
            author=author,
            source=source,
            state=TicketState.OPEN,
            created_at=now,
        )
    else:
        note = Highlight(
            rotation_id=rotation.id,
            text=text,
            url=url,
            product_area=area,
            external_id=external_id,
            author=author,
            source=source,
            created_at=now,
        )
    session.add(note)
    session.flush()
    audit.record(
        session,
        rotation=rotation,
        actor=actor,
        action=f"{kind}.record",
        subject=f"{kind}:{note.id}",
        after=audit.snapshot(note),
        now=now,
    )
    return note


def _info(note: Ticket | Highlight) -> NoteInfo:
    assert note.id is not None
    return NoteInfo(
        id=note.id,
        kind="ticket" if isinstance(note, Ticket) else "highlight",
        text=note.text,
        url=note.url,
        product_area=note.product_area,
        author=note.author,
        source=note.source,
        state=note.state if isinstance(note, Ticket) else None,
        created_at=note.created_at,
    )
