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
    check_now(now)
    with unit_of_work(session):
        row = load_rotation(session, team_id=team_id, name=rotation)
        _check(session, row, actor=actor, text=text, url=url, source=source)
        assert row.id is not None
        ticket = Ticket(
            rotation_id=row.id,
            text=text.strip(),
            url=url,
            product_area=product_area or None,
            author=actor,
            source=source,
            state=TicketState.OPEN,
            created_at=now,
        )
        session.add(ticket)
        session.flush()
        audit.record(
            session,
            rotation=row,
            actor=actor,
            action="ticket.record",
            subject=f"ticket:{ticket.id}",
            after=audit.snapshot(ticket),
            now=now,
        )
        result = _ticket_info(ticket)
    return result


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
        result = _ticket_info(ticket)
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
    check_now(now)
    with unit_of_work(session):
        row = load_rotation(session, team_id=team_id, name=rotation)
        _check(session, row, actor=actor, text=text, url=url, source=source)
        assert row.id is not None
        highlight = Highlight(
            rotation_id=row.id,
            text=text.strip(),
            url=url,
            product_area=product_area or None,
            author=actor,
            source=source,
            created_at=now,
        )
        session.add(highlight)
        session.flush()
        audit.record(
            session,
            rotation=row,
            actor=actor,
            action="highlight.record",
            subject=f"highlight:{highlight.id}",
            after=audit.snapshot(highlight),
            now=now,
        )
        assert highlight.id is not None
        result = NoteInfo(
            id=highlight.id,
            kind="highlight",
            text=highlight.text,
            url=highlight.url,
            product_area=highlight.product_area,
            author=highlight.author,
            source=highlight.source,
            state=None,
            created_at=highlight.created_at,
        )
    return result


def _ticket_info(ticket: Ticket) -> NoteInfo:
    assert ticket.id is not None
    return NoteInfo(
        id=ticket.id,
        kind="ticket",
        text=ticket.text,
        url=ticket.url,
        product_area=ticket.product_area,
        author=ticket.author,
        source=ticket.source,
        state=ticket.state,
        created_at=ticket.created_at,
    )
