"""A person's calendar links stop when they leave every rotation (issue 9, D6), and a
removal changes no one else's links."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session, col, select

import bot.usecases as uc
from bot.usecases.access import SYSTEM
from bot.usecases.tokens import FeedKind
from storage.models import AuditEntry, FeedToken
from tests.usecases.conftest import ADMIN, NOW, TEAM, Team
from tests.usecases.test_feeds import fetch, links


def serves(session: Session, link: uc.FeedLink) -> bool:
    return fetch(session, link) is not None


def revoked(session: Session) -> list[tuple[str | None, int | None]]:
    query = select(FeedToken.user_id, FeedToken.rotation_id).where(
        col(FeedToken.revoked_at).is_not(None)
    )
    return sorted(session.exec(query), key=str)


def test_removing_someone_stops_their_links_and_no_one_elses(team: Team) -> None:
    hugo, other = links(team.session, "U01"), links(team.session, "U02")
    rotation_link = hugo.rotations[0]
    assert other.rotations[0] == rotation_link
    assert all(serves(team.session, link) for link in (*hugo.all(), *other.all()))
    uc.remove_member(
        team.session, team_id=TEAM, rotation="support", actor=ADMIN, now=NOW, user="U01"
    )
    assert not serves(team.session, hugo.person)
    assert serves(team.session, rotation_link) and serves(team.session, other.person)
    assert revoked(team.session) == [("U01", None)]
    assert team.audit()[-1] == "feed.revoke"
    # No links are made anew for someone who has left, however they are asked for.
    for rotation in (None, "support"):
        with pytest.raises(uc.NotFound, match="has left every rotation here"):
            links(team.session, "U01", rotation=rotation)
    with pytest.raises(uc.NotFound, match="has left every rotation here"):
        uc.reset_feed_link(
            team.session, team_id=TEAM, actor=ADMIN, now=NOW, secret="feed-test-secret",
            base_url="https://queueday.example.com/", kind=FeedKind.PERSON, user="U01",
        )  # fmt: skip
    assert links(team.session, "U02") == other  # the same links as before


def test_links_stay_while_the_person_is_in_another_rotation(team: Team) -> None:
    uc.create_rotation(
        team.session, team_id=TEAM, actor=ADMIN, actor_name="Ada", now=NOW, name="backend"
    )
    uc.add_member(
        team.session, team_id=TEAM, rotation="backend", actor=ADMIN, now=NOW, user="U01",
        name="Person 1",
    )  # fmt: skip
    mine = links(team.session, "U01")
    uc.leave_rotation(team.session, team_id=TEAM, rotation="support", actor="U01", now=NOW)
    assert serves(team.session, mine.person) and revoked(team.session) == []
    uc.leave_rotation(team.session, team_id=TEAM, rotation="backend", actor="U01", now=NOW)
    assert not serves(team.session, mine.person)
    assert revoked(team.session) == [("U01", None)]


def test_someone_removed_without_history_loses_their_links(team: Team) -> None:
    """A person added by mistake is deleted outright: their links go with them."""
    uc.add_member(
        team.session, team_id=TEAM, rotation="support", actor=ADMIN, now=NOW, user="U0NEW",
        name="New", joined=date(2027, 6, 1),
    )  # fmt: skip
    theirs = links(team.session, "U0NEW")
    gone = uc.remove_member(
        team.session, team_id=TEAM, rotation="support", actor=ADMIN, now=NOW, user="U0NEW"
    )
    assert gone.deleted
    assert not serves(team.session, theirs.person)
    assert serves(team.session, theirs.rotations[0])


def test_a_deactivated_account_loses_its_links(team: Team) -> None:
    theirs = links(team.session, "U03")
    uc.deactivate_member(team.session, team_id=TEAM, actor=SYSTEM, now=NOW, user="U03")
    assert not serves(team.session, theirs.person)
    assert serves(team.session, theirs.rotations[0])
    actions = list(team.session.exec(select(AuditEntry.action).order_by(col(AuditEntry.id))))
    assert actions[-1] == "feed.revoke"


def test_rejoining_another_rotation_gives_a_new_link_never_the_old(team: Team) -> None:
    old = links(team.session, "U01")
    uc.remove_member(
        team.session, team_id=TEAM, rotation="support", actor=ADMIN, now=NOW, user="U01"
    )
    uc.create_rotation(
        team.session, team_id=TEAM, actor=ADMIN, actor_name="Ada", now=NOW, name="backend"
    )
    uc.add_member(
        team.session, team_id=TEAM, rotation="backend", actor=ADMIN, now=NOW, user="U01",
        name="Person 1",
    )  # fmt: skip
    new = links(team.session, "U01")
    assert new.person != old.person
    assert serves(team.session, new.person) and not serves(team.session, old.person)
