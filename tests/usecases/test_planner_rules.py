"""A rotation's planner rules (min_gap_days, stint_days) in storage and in every plan made
for it: publish, preview, the re-plan after time off, export and restore."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any, cast

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import bot.usecases as uc
from bot.usecases.backup import export_data, restore_data
from bot.usecases.plans import PublishResult
from bot.usecases.rotations import RotationChanges, RotationSettings
from scheduling.calendar import WorkCalendar
from storage.models import METADATA, Rotation
from tests.usecases.conftest import ADMIN, NOW, PEOPLE, Q1, TEAM, Team, build_team

# The team's calendar (Europe/Berlin, holidays DE-BE, Monday to Friday) from NOW's day.
WORKING = WorkCalendar((0, 1, 2, 3, 4), "DE", "BE").working_days(NOW.date(), Q1[1])
INDEX = {day: i for i, day in enumerate(WORKING)}


def configure(session: Session, **changes: Any) -> RotationSettings:
    return uc.configure_rotation(
        session, team_id=TEAM, rotation="support", actor=ADMIN, now=NOW, **changes
    )


def publish(session: Session) -> PublishResult:
    return uc.publish_plan(
        session, team_id=TEAM, rotation="support", actor=ADMIN, now=NOW,
        start=Q1[0], end=Q1[1], expected_version=None,
    )  # fmt: skip


def steps(days: list[date]) -> list[int]:
    """Working days from each of a person's days to their next."""
    at = [INDEX[d] for d in days]
    return [b - a for a, b in zip(at, at[1:], strict=False)]


def runs(days: list[date]) -> list[int]:
    """The lengths of a person's runs of consecutive working days."""
    lengths: list[int] = []
    for step in [0, *steps(days)]:
        if step == 1:
            lengths[-1] += 1
        else:
            lengths.append(1)
    return lengths


@pytest.fixture
def fresh(session: Session) -> Team:
    """Seven people, nothing published yet."""
    return build_team(session, publish=False)


def test_the_rules_are_stored_read_back_and_audited(fresh: Team) -> None:
    before = configure(fresh.session)
    assert (before.min_gap_days, before.stint_days) == (None, 1)  # the defaults: off
    saved = configure(fresh.session, min_gap_days=4, stint_days=2)
    assert (saved.min_gap_days, saved.stint_days) == (4, 2)
    row = fresh.session.exec(select(Rotation)).one()
    fresh.session.refresh(row)
    assert (row.min_gap_days, row.stint_days) == (4, 2)
    assert configure(fresh.session, min_gap_days=None).min_gap_days is None  # cleared
    assert fresh.audit()[-2:] == ["rotation.configure", "rotation.configure"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"min_gap_days": 0}, "1 to 366 working days"),
        ({"min_gap_days": 367}, "1 to 366 working days"),
        ({"min_gap_days": True}, "1 to 366 working days"),
        ({"min_gap_days": "3"}, "1 to 366 working days"),
        ({"stint_days": 3}, "1 day or 2 consecutive"),
        ({"stint_days": 0}, "1 day or 2 consecutive"),
    ],
)
def test_bad_rules_are_refused_and_nothing_is_written(
    fresh: Team, changes: dict[str, Any], message: str
) -> None:
    configure(fresh.session, min_gap_days=5)
    counts = fresh.counts()
    with pytest.raises(uc.InvalidInput, match=message):
        configure(fresh.session, slots_per_day=2, **changes)
    row = fresh.session.exec(select(Rotation)).one()
    fresh.session.refresh(row)
    assert (row.min_gap_days, row.stint_days, row.slots_per_day) == (5, 1, 1)
    assert fresh.counts() == counts
    # The modal's checks say the same before saving.
    assert uc.setting_errors(cast(RotationChanges, changes))


def test_a_published_plan_keeps_the_minimum_gap(fresh: Team) -> None:
    # U01 is back on 1 February: left to itself the planner would fit their eight fair
    # days into Feb-Mar five working days apart; six apart leaves room for seven.
    configure(fresh.session, min_gap_days=6)
    uc.book_time_off(
        fresh.session, team_id=TEAM, rotation="support", actor=ADMIN, now=NOW,
        user="U01", first_day=NOW.date(), last_day=date(2027, 1, 29),
    )  # fmt: skip
    result = publish(fresh.session)
    assert result.warnings == () and result.unfilled == ()
    assert len(result.assignments) == len(WORKING)
    assert len(fresh.days("U01")) == 7  # the most a six-day gap lets them serve
    for user in [ADMIN, *PEOPLE]:
        mine = fresh.days(user)
        assert len(mine) >= 7 and min(steps(mine)) >= 6, (user, steps(mine))


def test_a_published_plan_comes_in_two_day_stints(fresh: Team) -> None:
    configure(fresh.session, stint_days=2, min_gap_days=6)
    result = publish(fresh.session)
    assert result.warnings == ()
    counts = sorted(len(fresh.days(user)) for user in [ADMIN, *PEOPLE])
    assert counts[-1] - counts[0] <= 1 and sum(counts) == len(WORKING)  # days, fairly
    for user in [ADMIN, *PEOPLE]:
        mine = fresh.days(user)
        lengths = runs(mine)
        assert lengths.count(1) == len(mine) % 2 and set(lengths) <= {1, 2}, (user, lengths)
        # Runs of one or two days, so every step that is not inside a stint is from one
        # run to the next: min_gap_days counts there.
        assert min(n for n in steps(mine) if n != 1) >= 6, (user, steps(mine))


def test_single_days_when_the_rules_are_off(fresh: Team) -> None:
    publish(fresh.session)
    assert all(max(runs(fresh.days(user))) == 1 for user in [ADMIN, *PEOPLE])


def test_a_gap_time_off_rules_out_is_a_warning_in_the_preview_and_the_publish(
    fresh: Team,
) -> None:
    configure(fresh.session, min_gap_days=8)
    # U01 is away all quarter but its last three working days: what is fair to them
    # (about nine days) cannot keep 8 days apart.
    last = WORKING[-3]
    uc.book_time_off(
        fresh.session, team_id=TEAM, rotation="support", actor=ADMIN, now=NOW,
        user="U01", first_day=NOW.date(), last_day=last - timedelta(days=1),
    )  # fmt: skip
    preview = uc.plan_period(
        fresh.session, team_id=TEAM, rotation="support", actor=ADMIN, now=NOW,
        start=Q1[0], end=Q1[1],
    )  # fmt: skip
    assert preview.warnings and {w.rule for w in preview.warnings} == {"min_gap_days"}
    assert any(w.member == "U01" for w in preview.warnings)
    assert preview.unfilled == ()  # coverage is kept, the rule gives way
    result = publish(fresh.session)
    assert result.warnings == preview.warnings


def test_the_replan_after_time_off_keeps_the_gap(fresh: Team) -> None:
    configure(fresh.session, min_gap_days=3)
    publish(fresh.session)
    # U02 is away for three of their days: each goes to someone for whom it keeps the
    # gap (seven people, a day each about every seven working days, leave room).
    away = fresh.days("U02")[2:5]
    for day in away:
        uc.book_time_off(
            fresh.session, team_id=TEAM, rotation="support", actor=ADMIN, now=NOW,
            user="U02", first_day=day, last_day=day,
        )  # fmt: skip
    live = fresh.live()
    assert {day for day, _ in live} == set(WORKING)  # every day is covered again
    assert not {(day, "U02") for day in away} & live
    for user in [ADMIN, *PEOPLE]:
        assert min(steps(fresh.days(user))) >= 3, (user, steps(fresh.days(user)))


def test_stints_in_a_replan_where_fairness_allows(fresh: Team) -> None:
    """Fairness counts days first: a freed stint goes to two people when one would end
    above their share, and to one person as a stint when that is as fair."""
    configure(fresh.session, stint_days=2)
    publish(fresh.session)
    mine = fresh.days("U02")
    first = next(d for d, n in zip(mine, [0, *steps(mine)], strict=True) if n != 1)
    second = WORKING[INDEX[first] + 1]
    assert second in mine
    uc.book_time_off(
        fresh.session, team_id=TEAM, rotation="support", actor=ADMIN, now=NOW,
        user="U02", first_day=first, last_day=second,
    )  # fmt: skip
    on = {day: user for day, user in fresh.live() if day in (first, second)}
    assert set(on) == {first, second} and "U02" not in on.values()
    for user in [ADMIN, *PEOPLE]:
        assert max(runs(fresh.days(user))) <= 2, user  # no run of three days


def restore_fresh(engine: Engine, data: Any) -> Rotation:
    """Restore `data` into the emptied database; its one rotation row."""
    METADATA.drop_all(engine)
    METADATA.create_all(engine)
    with Session(engine) as fresh:
        restore_data(fresh, data=data, now=NOW)
        return fresh.exec(select(Rotation)).one()


def test_export_and_restore_carry_the_rules(fresh: Team, engine: Engine) -> None:
    configure(fresh.session, min_gap_days=3, stint_days=2)
    data = json.loads(json.dumps(export_data(fresh.session, now=NOW)))
    [rotation] = data["rotations"]
    assert (rotation["min_gap_days"], rotation["stint_days"]) == (3, 2)
    fresh.session.close()
    row = restore_fresh(engine, data)
    assert (row.min_gap_days, row.stint_days) == (3, 2)


def test_an_export_without_the_rules_restores_with_them_off(fresh: Team, engine: Engine) -> None:
    configure(fresh.session, min_gap_days=3, stint_days=2)
    data = export_data(fresh.session, now=NOW)
    for rotation in data["rotations"]:
        del rotation["min_gap_days"], rotation["stint_days"]
    fresh.session.close()
    row = restore_fresh(engine, data)
    assert (row.min_gap_days, row.stint_days) == (None, 1)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("stint_days", 3, r"rotations\[0\]\.stint_days: A stint is 1 day or 2"),
        ("min_gap_days", 0, r"rotations\[0\]\.min_gap_days: The minimum gap is 1 to 366"),
        ("min_gap_days", "5", r"rotations\[0\]\.min_gap_days: expected int"),
    ],
)
def test_a_restore_refuses_bad_rules_by_path(
    fresh: Team, engine: Engine, key: str, value: object, message: str
) -> None:
    data = export_data(fresh.session, now=NOW)
    data["rotations"][0][key] = value
    fresh.session.close()
    with pytest.raises(uc.InvalidInput, match=message):
        restore_fresh(engine, data)
