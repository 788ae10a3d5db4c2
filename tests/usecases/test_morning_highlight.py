"""The morning post's highlight: from an urgent ticket's area when there is one, never
older than the reminders' age limit (the pairing reminders use)."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

import bot.usecases as uc
from bot.usecases import channel_queue
from bot.usecases.delivery import HIGHLIGHT_MAX_AGE
from storage.models import Rotation
from tests.usecases.conftest import NOW, TEAM, Team


def _praise(team: Team, text: str, area: str, age: timedelta) -> None:
    uc.record_highlight(
        team.session, team_id=TEAM, rotation="support", actor="U01", now=NOW - age,
        text=text, product_area=area,
    )  # fmt: skip


def _post_highlight(team: Team) -> str | None:
    rotation = team.session.exec(select(Rotation)).one()
    assert rotation.id is not None
    day = channel_queue.channel_day(
        team.session, rotation_id=rotation.id, as_of=NOW + timedelta(hours=1), with_post=True
    )
    return day.highlight.text if day.highlight else None


def test_the_urgent_tickets_area_wins_over_the_newest(team: Team) -> None:
    uc.record_ticket(
        team.session, team_id=TEAM, rotation="support", actor="U01", now=NOW - timedelta(days=2),
        text="Invoices fail", product_area="billing",
    )  # fmt: skip
    _praise(team, "Old billing praise", "billing", HIGHLIGHT_MAX_AGE + timedelta(days=1))
    _praise(team, "Billing is lovely", "billing", timedelta(days=1))
    _praise(team, "Search is fast", "search", timedelta(hours=2))
    assert _post_highlight(team) == "Billing is lovely"


def test_without_a_match_the_newest_recent_one_and_never_a_stale_one(team: Team) -> None:
    _praise(team, "Old praise", "billing", HIGHLIGHT_MAX_AGE + timedelta(days=1))
    assert _post_highlight(team) is None
    _praise(team, "Search is fast", "search", timedelta(days=3))
    assert _post_highlight(team) == "Search is fast"


def test_the_age_limit_is_the_configured_one(team: Team) -> None:
    """QUEUEDAY_HIGHLIGHT_MAX_AGE_DAYS reaches the morning post as it does the reminders."""
    _praise(team, "Ten days old", "search", timedelta(days=10))
    rotation = team.session.exec(select(Rotation)).one()
    assert rotation.id is not None
    as_of = NOW + timedelta(hours=1)
    week = channel_queue.channel_day(
        team.session, rotation_id=rotation.id, as_of=as_of, with_post=True,
        highlight_age=timedelta(days=7),
    )  # fmt: skip
    assert week.highlight is None
    assert _post_highlight(team) == "Ten days old"  # within the default 90 days
