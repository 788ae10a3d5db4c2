"""The rotation page's table and history chart come from sums the database makes; they
must agree with the exact ledger `/queueday stats` reads row by row, on each backend."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session, select

import bot.usecases as uc
from bot.usecases.history_import import HistoryRow, import_history
from bot.usecases.loading import plan_members
from bot.usecases.page import RotationPage, open_page, page_link, rotation_page
from bot.usecases.reports import fairness_report
from scheduling.standing import balances_at
from storage import queries
from storage.models import Assignment, Member, Rotation
from tests.usecases.conftest import ADMIN, NOW, PEOPLE, TEAM, Team

SECRET = "page-ledger-secret"
BASE = "https://q.example.com"
# Mid-quarter, so the table has days done and days still planned.
LATER = datetime(2027, 2, 15, 9, 0, tzinfo=UTC)


def _history(session: Session) -> None:
    """Two quarters of done days, a part-timer, someone who left, a cancelled day."""
    rows = [
        HistoryRow(line=n, day=day, who=PEOPLE[n % len(PEOPLE)])
        for n, day in enumerate(
            date(2026, 7, 1) + timedelta(days=k) for k in range(150) if k % 7 < 5
        )
    ]
    import_history(
        session, team_id=TEAM, rotation="support", actor=ADMIN, now=NOW, rows=rows
    )  # fmt: skip
    half = session.exec(select(Member).where(Member.user_id == PEOPLE[1])).one()
    half.weight = 0.5
    gone = session.exec(select(Member).where(Member.user_id == PEOPLE[2])).one()
    gone.left = date(2026, 10, 30)
    # The cancelled row must count for nobody.
    cancelled = session.exec(
        select(Assignment).where(Assignment.member_id == gone.id, Assignment.day > gone.left)
    ).first()
    if cancelled is not None:
        cancelled.state = "cancelled"
        session.add(cancelled)
    session.add_all([half, gone])
    session.commit()
    uc.publish_plan(
        session, team_id=TEAM, rotation="support", actor=ADMIN, now=NOW,
        start=date(2027, 1, 1), end=date(2027, 3, 31), expected_version=None,
    )  # fmt: skip


def _page(session: Session, now: datetime) -> tuple[RotationPage, Rotation]:
    link = page_link(
        session, team_id=TEAM, rotation="support", now=NOW, secret=SECRET, base_url=BASE
    )
    owner = open_page(session, token=link.token, secret=SECRET)
    assert owner is not None
    page = rotation_page(session, owner, now=now, secret=SECRET, base_url=BASE)
    return page, owner.rotation


def test_the_table_agrees_with_the_exact_ledger(team: Team) -> None:
    session = team.session
    _history(session)
    page, _ = _page(session, LATER)
    exact = {
        m.user: m
        for m in fairness_report(session, team_id=TEAM, rotation="support", now=LATER).members
    }
    assert {p.user for p in page.people} == set(exact)
    assert any(p.done and p.planned for p in page.people)
    assert any(not p.on_team for p in page.people) and any(p.weight == 0.5 for p in page.people)
    for person in page.people:
        ledger = exact[person.user]
        assert (person.done, person.planned) == (ledger.done, ledger.upcoming), person.user
        assert abs(person.balance - float(ledger.balance)) < 1e-9, person.user
        assert abs(person.projected - float(ledger.projected)) < 1e-9, person.user


def test_the_history_chart_is_the_ledger_at_each_quarters_end(team: Team) -> None:
    session = team.session
    _history(session)
    page, rotation = _page(session, LATER)
    assert page.history_labels == ("Jul–Sep 2026", "Oct–Dec 2026", "Jan–Mar 2027")
    assert rotation.id is not None
    members = plan_members(session, rotation)
    entries = queries.live_entries(session, rotation_id=rotation.id)
    ends = [date(2026, 9, 30), date(2026, 12, 31), LATER.date()]
    expected = balances_at(members, [(d, u) for d, u in entries if d <= LATER.date()], ends)
    by_name = dict(page.history)
    for member in members:
        if not member.on_team(LATER.date()):
            assert member.name not in by_name
            continue
        assert by_name[member.name] == tuple(at[member.id] for at in expected)
