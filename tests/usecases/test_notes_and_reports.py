"""Done days, tickets and highlights, and the fairness report."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

import pytest
from sqlmodel import select

import bot.usecases as uc
from storage.models import Assignment, Highlight, Ticket
from tests.usecases.conftest import ADMIN, NOW, PEOPLE, TEAM, Team

LATER = NOW + timedelta(days=14)  # Monday 18 January 2027


def test_marking_days_done(team: Team) -> None:
    count = uc.mark_days_done(
        team.session, team_id=TEAM, rotation="support", actor=uc.SYSTEM, now=LATER
    )
    assert count == 11  # 4 to 18 January: eleven working days
    states = team.session.exec(select(Assignment.day, Assignment.state, Assignment.revision)).all()
    assert all((s, r) == ("done", 2) for d, s, r in states if d <= LATER.date())
    assert all(s == "published" for d, s, _ in states if d > LATER.date())
    assert (
        uc.mark_days_done(team.session, team_id=TEAM, rotation="support", actor=ADMIN, now=LATER)
        == 0
    )


def test_marking_days_done_refusals(team: Team) -> None:
    rows = team.rows()
    with pytest.raises(uc.InvalidInput, match="not happened yet"):
        uc.mark_days_done(
            team.session,
            team_id=TEAM,
            rotation="support",
            actor=ADMIN,
            now=NOW,
            through=date(2027, 2, 1),
        )
    with pytest.raises(uc.NotAllowed):
        uc.mark_days_done(team.session, team_id=TEAM, rotation="support", actor="U01", now=LATER)
    assert team.rows() == rows


def test_tickets_and_highlights(team: Team) -> None:
    ticket = uc.record_ticket(
        team.session,
        team_id=TEAM,
        rotation="support",
        actor="U01",
        now=NOW,
        text="Export times out",
        url="https://tracker.example/T-1",
        product_area="export",
    )
    highlight = uc.record_highlight(
        team.session,
        team_id=TEAM,
        rotation="support",
        actor=uc.SYSTEM,
        now=NOW,
        text="Love the new calendar",
        source="hook",
    )
    assert (ticket.state, ticket.author, highlight.source) == ("open", "U01", "hook")
    closed = uc.close_ticket(
        team.session, team_id=TEAM, rotation="support", actor="U02", now=NOW, ticket_id=ticket.id
    )
    assert closed.state == "closed"
    assert team.audit()[-3:] == ["ticket.record", "highlight.record", "ticket.close"]


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"actor": "U99"}, uc.NotFound),  # not in the rotation
        ({"text": "   "}, uc.InvalidInput),
        ({"text": "x" * 2001}, uc.InvalidInput),
        ({"url": "javascript:alert(1)"}, uc.InvalidInput),
        ({"source": "email"}, uc.InvalidInput),
        ({"rotation": "nope"}, uc.NotFound),
    ],
)
def test_note_refusals_write_nothing(
    team: Team, kwargs: dict[str, object], error: type[Exception]
) -> None:
    args: dict[str, object] = {"rotation": "support", "actor": "U01", "text": "Broken", **kwargs}
    for record in (uc.record_ticket, uc.record_highlight):
        with pytest.raises(error):
            record(team.session, team_id=TEAM, now=NOW, **args)  # type: ignore[arg-type]
    assert team.count(Ticket) == 0 and team.count(Highlight) == 0


def test_fairness_report_balances(team: Team) -> None:
    report = uc.fairness_report(team.session, team_id=TEAM, rotation="support", now=LATER)
    by_user = {m.user: m for m in report.members}
    assert set(by_user) == {ADMIN, *PEOPLE}
    # Eleven days served by seven equal people: each share is 11/7.
    assert all(m.share == Fraction(11, 7) for m in report.members)
    assert sum(m.done for m in report.members) == 11
    assert sum((m.balance for m in report.members), Fraction(0)) == 0
    assert all(m.balance == m.done - Fraction(11, 7) for m in report.members)
    # The published quarter is fair: everyone ends it within a day of their share.
    assert report.horizon == date(2027, 3, 31)
    assert report.max_abs_projected < 1


def test_fairness_report_of_an_unknown_rotation(team: Team) -> None:
    with pytest.raises(uc.NotFound):
        uc.fairness_report(team.session, team_id=TEAM, rotation="nope", now=NOW)
