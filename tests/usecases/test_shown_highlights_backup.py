"""Who was shown which highlight survives an export and restore (nobody sees one twice)."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlmodel import Session, select

import bot.usecases as uc
from bot.usecases.backup import export_data, restore_data
from storage import reminder_queries
from storage.models import METADATA, Highlight
from tests.usecases.conftest import NOW, TEAM, Team

LATER = NOW + timedelta(days=3)


def test_shown_highlights_round_trip(team: Team) -> None:
    s = team.session
    for text in ("Search is fast", "Exports are great"):
        uc.record_highlight(s, team_id=TEAM, rotation="support", actor="U01", now=NOW, text=text)
    first, second = s.exec(select(Highlight).order_by(Highlight.id)).all()  # type: ignore[arg-type]
    assert first.id is not None and second.id is not None
    reminder_queries.mark_shown(s, user_id="U02", highlight_ids=[first.id], now=LATER)
    reminder_queries.mark_shown(s, user_id="U03", highlight_ids=[first.id, second.id], now=LATER)
    s.commit()
    exported = export_data(s, now=LATER)
    shown = {h["text"]: h["shown_to"] for h in exported["highlights"]}
    assert [x["user"] for x in shown["Search is fast"]] == ["U02", "U03"]
    assert [x["user"] for x in shown["Exports are great"]] == ["U03"]
    text = json.dumps(exported)
    bind = s.get_bind()
    s.close()
    METADATA.drop_all(bind)
    METADATA.create_all(bind)
    with Session(bind) as fresh:
        counts = restore_data(fresh, data=json.loads(text), now=LATER)
        assert counts["shown_highlights"] == 3
        ids = {h.text: h.id for h in fresh.exec(select(Highlight))}
        seen = reminder_queries.shown_to(
            fresh, user_id="U02", highlight_ids=[i for i in ids.values() if i is not None]
        )
        assert seen == {ids["Search is fast"]}
        assert export_data(fresh, now=LATER)["highlights"] == exported["highlights"]


def test_an_export_without_shown_to_still_restores(team: Team) -> None:
    s = team.session
    uc.record_highlight(s, team_id=TEAM, rotation="support", actor="U01", now=NOW, text="Nice")
    exported = export_data(s, now=LATER)
    for h in exported["highlights"]:
        del h["shown_to"]  # a backup made before this release
    bind = s.get_bind()
    s.close()
    METADATA.drop_all(bind)
    METADATA.create_all(bind)
    with Session(bind) as fresh:
        counts = restore_data(fresh, data=exported, now=LATER)
    assert counts["highlights"] == 1 and counts["shown_highlights"] == 0
