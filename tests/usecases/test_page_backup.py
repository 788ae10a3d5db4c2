"""Rotation page links survive export and restore (as hashes, like feed links); a reset
link stays reset, and one rotation's export carries only its own link."""

from __future__ import annotations

import json

from sqlmodel import Session

import bot.usecases as uc
from bot.usecases.backup import export_data, restore_data
from bot.usecases.page import open_page, page_link
from storage.models import METADATA
from tests.usecases.conftest import ADMIN, NOW, TEAM, Team

SECRET = "backup-page-secret"
BASE = "https://q.example.com"


def link(session: Session, rotation: str = "support", *, reset: bool = False) -> str:
    made = page_link(
        session, team_id=TEAM, rotation=rotation, now=NOW, secret=SECRET, base_url=BASE,
        reset=reset,
    )  # fmt: skip
    return made.token


def test_page_links_round_trip_and_only_hashes_are_exported(team: Team) -> None:
    old = link(team.session)
    current = link(team.session, reset=True)
    uc.create_rotation(
        team.session, team_id=TEAM, actor=ADMIN, actor_name="Ada", now=NOW, name="oncall"
    )
    other = link(team.session, "oncall")
    exported = export_data(team.session, now=NOW)
    assert [(p["rotation"], p["revision"]) for p in exported["pages"]] == [
        ("support", 1),
        ("support", 2),
        ("oncall", 1),
    ]
    text = json.dumps(exported)
    assert all(token not in text for token in (old, current, other))
    only = export_data(team.session, now=NOW, rotation="oncall")
    assert [p["rotation"] for p in only["pages"]] == ["oncall"]
    engine = team.session.get_bind()
    METADATA.drop_all(engine)
    METADATA.create_all(engine)
    with Session(engine) as fresh:
        counts = restore_data(fresh, data=json.loads(text), now=NOW)
        assert counts["pages"] == 3
        assert open_page(fresh, token=current, secret=SECRET) is not None
        assert open_page(fresh, token=other, secret=SECRET) is not None
        assert open_page(fresh, token=old, secret=SECRET) is None  # still reset
        assert link(fresh) == current  # the same link as before the restore
