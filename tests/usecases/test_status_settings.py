"""The Slack status emoji a rotation treats as away: set in its settings, checked, read back
from the config modal, carried by export and restore; on each backend."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlmodel import Session

import bot.usecases as uc
from bot.slack.views.config import config_modal, read_config
from bot.usecases.backup import export_data, restore_data
from bot.usecases.status_away import away_emoji, parse_status_emoji
from storage.models import METADATA
from tests.usecases.conftest import ADMIN, NOW, TEAM, Team


def configure(team: Team, emoji: str | None) -> uc.rotations.RotationSettings:  # type: ignore[name-defined]
    return uc.configure_rotation(
        team.session, team_id=TEAM, rotation="support", actor=ADMIN, now=NOW,
        status_away_emoji=emoji,
    )  # fmt: skip


def test_the_emoji_are_stored_as_names_and_cleared_with_nothing(team: Team) -> None:
    assert configure(team, None).status_away_emoji == ()  # off by default
    saved = configure(team, " :palm_tree:, :face_with_thermometer: :palm_tree: ")
    assert saved.status_away_emoji == ("palm_tree", "face_with_thermometer")
    assert configure(team, "").status_away_emoji == ()


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("palm tree!", "'tree!' is not a status emoji"),
        (":<script>:", "is not a status emoji"),
        (" ".join(f":e{n}:" for n in range(21)), "at most 20 status emoji"),
    ],
)
def test_bad_emoji_are_refused_with_what_to_type(team: Team, typed: str, says: str) -> None:
    before = team.counts()
    with pytest.raises(uc.InvalidInput, match=says):
        configure(team, typed)
    assert team.counts() == before
    assert says in uc.setting_errors({"status_away_emoji": typed})["status_away_emoji"]


def test_the_config_modal_shows_and_reads_the_emoji(team: Team) -> None:
    settings = configure(team, ":palm_tree:")
    modal = config_modal(settings)
    [block] = [b for b in modal["blocks"] if b.get("block_id") == "status_away_emoji"]
    assert block["element"]["initial_value"] == ":palm_tree:" and block["optional"] is True
    values = {"status_away_emoji": {"value": {"type": "plain_text_input", "value": ":sos:"}}}
    changes, _ = read_config(values)
    assert changes["status_away_emoji"] == ":sos:"
    changes, _ = read_config({"status_away_emoji": {"value": {"value": None}}})
    assert changes["status_away_emoji"] is None  # emptied: off
    assert "status_away_emoji" not in read_config({})[0]  # an older modal leaves it be


def test_export_and_restore_carry_the_emoji(team: Team) -> None:
    configure(team, ":palm_tree: :sos:")
    exported = json.loads(json.dumps(export_data(team.session, now=NOW)))
    assert exported["rotations"][0]["status_away_emoji"] == "palm_tree sos"
    engine = team.session.get_bind()
    METADATA.drop_all(engine)
    METADATA.create_all(engine)
    with Session(engine) as fresh:
        restore_data(fresh, data=exported, now=NOW)
        shown = uc.rotation_settings(fresh, team_id=TEAM, rotation="support", actor=ADMIN)
    assert shown.status_away_emoji == ("palm_tree", "sos")


def test_a_status_matches_by_name_skin_tone_and_expiry() -> None:
    names = frozenset({"palm_tree", "+1"})
    now = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)
    assert away_emoji({"status_emoji": ":palm_tree:", "status_expiration": 0}, names, now)
    assert away_emoji({"status_emoji": ":+1::skin-tone-3:"}, names, now) == "+1"
    assert away_emoji({"status_emoji": ":sunny:"}, names, now) is None
    assert away_emoji({"status_emoji": ""}, names, now) is None
    gone = {"status_emoji": ":palm_tree:", "status_expiration": int(now.timestamp())}
    assert away_emoji(gone, names, now) is None
    assert parse_status_emoji(":Palm_Tree:") == "palm_tree"
