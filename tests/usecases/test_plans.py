"""Previewing and publishing plans."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
from sqlmodel import Session, select

import bot.usecases as uc
from storage.models import Assignment, PlanVersion, Rotation
from tests.usecases.conftest import ADMIN, NOW, Q1, TEAM, Team, build_team

Q2 = (date(2027, 4, 1), date(2027, 6, 30))


def test_a_preview_writes_nothing(session: Session) -> None:
    team = build_team(session, publish=False)
    before = team.counts()
    preview = uc.plan_period(
        session, team_id=TEAM, rotation="support", actor=ADMIN, now=NOW, start=Q1[0], end=Q1[1]
    )
    assert preview.based_on_version == 0 and preview.start == date(2027, 1, 4)  # today, not 1 Jan
    assert preview.added == preview.assignments and preview.removed == ()
    # Working days from 4 January to 31 March 2027 in Berlin (minus 8 March, Good Friday,
    # Easter Monday), one person each.
    assert len(preview.assignments) == 60
    counts = Counter(e.member for e in preview.assignments)
    assert max(counts.values()) - min(counts.values()) <= 1
    assert team.counts() == before


def test_publish_writes_the_plan_as_version_one(session: Session) -> None:
    build_team(session, publish=False)
    preview = uc.plan_period(
        session, team_id=TEAM, rotation="support", actor=ADMIN, now=NOW, start=Q1[0], end=Q1[1]
    )
    result = uc.publish_plan(
        session,
        team_id=TEAM,
        rotation="support",
        actor=ADMIN,
        now=NOW,
        start=Q1[0],
        end=Q1[1],
        expected_version=preview.based_on_version,
    )
    assert result.version == 1 and result.assignments == preview.assignments
    rows = session.exec(select(Assignment)).all()
    assert len(rows) == 60 and {(r.state, r.origin, r.revision) for r in rows} == {
        ("published", "plan", 1)
    }
    version = session.exec(select(PlanVersion)).one()
    assert (version.version, version.period_start, version.period_end) == (
        1,
        date(2027, 1, 4),
        Q1[1],
    )
    assert len(version.assignments) == 60 and version.removed == []
    assert session.exec(select(Rotation.published_version)).one() == 1


def test_republishing_keeps_what_is_valid_and_bumps_only_changed_rows(team: Team) -> None:
    # Someone joins: the plan must give them days, moving as few as fairness needs.
    uc.add_member(
        team.session, team_id=TEAM, rotation="support", actor=ADMIN, now=NOW, user="U07", name="New"
    )
    before = {(r[0], r[1]): r for r in team.rows()}
    preview = uc.plan_period(
        team.session, team_id=TEAM, rotation="support", actor=ADMIN, now=NOW, start=Q1[0], end=Q1[1]
    )
    assert preview.added and preview.removed and preview.based_on_version == 1
    assert all(e.member == "U07" for e in preview.added)
    result = uc.publish_plan(
        team.session,
        team_id=TEAM,
        rotation="support",
        actor=ADMIN,
        now=NOW,
        start=Q1[0],
        end=Q1[1],
        expected_version=1,
    )
    assert result.version == 2 and (result.added, result.removed) == (
        preview.added,
        preview.removed,
    )
    removed = {e.day for e in result.removed}
    for row in team.rows():
        old = before.get((row[0], row[1]))
        if old is None:
            assert row[2:] == ("published", "plan", 1)
        elif row[0] in removed and old[2] == "published" and row[2] == "cancelled":
            assert row[4] == old[4] + 1
        else:
            assert row == old
    assert len(team.days("U07")) == len(preview.added)
    assert team.audit()[-1] == "plan.publish"


def test_publishing_against_a_stale_version_is_refused(team: Team) -> None:
    before, rows = team.counts(), team.rows()
    with pytest.raises(uc.Conflict, match="published meanwhile"):
        uc.publish_plan(
            team.session,
            team_id=TEAM,
            rotation="support",
            actor=ADMIN,
            now=NOW,
            start=Q2[0],
            end=Q2[1],
            expected_version=0,
        )
    assert team.counts() == before and team.rows() == rows


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"actor": "U01"}, uc.NotAllowed, "Only an admin"),
        ({"start": date(2026, 10, 1), "end": date(2026, 12, 31)}, uc.PastDate, "before today"),
        ({"start": date(2027, 6, 1), "end": date(2027, 5, 1)}, uc.InvalidInput, "before the start"),
        ({"end": date(2029, 1, 1)}, uc.InvalidInput, "at most"),
    ],
)
def test_plan_and_publish_refusals(
    team: Team, kwargs: dict[str, object], error: type[Exception], message: str
) -> None:
    before, rows = team.counts(), team.rows()
    args: dict[str, object] = {"actor": ADMIN, "start": Q2[0], "end": Q2[1], **kwargs}
    with pytest.raises(error, match=message):
        uc.plan_period(team.session, team_id=TEAM, rotation="support", now=NOW, **args)  # type: ignore[arg-type]
    with pytest.raises(error, match=message):
        uc.publish_plan(
            team.session, team_id=TEAM, rotation="support", now=NOW, expected_version=1, **args
        )  # type: ignore[arg-type]
    assert team.counts() == before and team.rows() == rows


def test_the_past_is_never_replanned(team: Team) -> None:
    later = NOW + timedelta(days=30)
    past = {e for e in team.live() if e[0] < later.date()}
    uc.add_member(
        team.session,
        team_id=TEAM,
        rotation="support",
        actor=ADMIN,
        now=later,
        user="U07",
        name="New",
    )
    result = uc.publish_plan(
        team.session,
        team_id=TEAM,
        rotation="support",
        actor=ADMIN,
        now=later,
        start=Q1[0],
        end=Q1[1],
        expected_version=1,
    )
    assert result.start == later.date()
    assert {e for e in team.live() if e[0] < later.date()} == past


def test_swapped_days_are_kept_by_a_republish(team: Team) -> None:
    mine, theirs = team.days("U01")[1], team.days("U02")[1]
    request = uc.request_swap(
        team.session,
        team_id=TEAM,
        rotation="support",
        actor="U01",
        now=NOW,
        day=mine,
        counterpart="U02",
        counterpart_day=theirs,
    )
    uc.accept_request(team.session, team_id=TEAM, actor="U02", now=NOW, request_id=request.id)
    uc.publish_plan(
        team.session,
        team_id=TEAM,
        rotation="support",
        actor=ADMIN,
        now=NOW,
        start=Q1[0],
        end=Q1[1],
        expected_version=1,
    )
    assert (mine, "U02") in team.live() and (theirs, "U01") in team.live()
