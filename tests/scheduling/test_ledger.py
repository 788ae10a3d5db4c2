"""The fairness ledger: exact shares, targets and balances (DESIGN.md section 2).

Expected shares are worked out by hand as Fractions; a seeded random table then checks
build_ledger against the day-by-day reference in tests/scheduling/reference.py.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction as F

import pytest

from scheduling.ledger import build_ledger
from scheduling.model import Member
from tests.scheduling import reference

MON = date(2027, 1, 4)  # a Monday
WEEK = [MON + timedelta(days=n) for n in range(5)]  # Mon 4 .. Fri 8 January 2027


def member(
    member_id: str,
    weight: F = F(1),
    joined: date | None = None,
    left: date | None = None,
) -> Member:
    return Member(id=member_id, name=member_id, joined=joined, left=left, weight=weight)


@dataclass(frozen=True)
class LedgerCase:
    name: str
    members: list[Member]
    day_counts: dict[date, int]
    expected_shares: dict[str, F]
    history_done: dict[str, int] = field(default_factory=dict)
    end: date = WEEK[-1]
    expected_targets: dict[str, F] | None = None


CASES = [
    LedgerCase(
        "three people, one slot, one day: a third each",
        [member("a"), member("b"), member("c")],
        {MON: 1},
        {"a": F(1, 3), "b": F(1, 3), "c": F(1, 3)},
    ),
    LedgerCase(
        "three people, one slot, a week: five thirds each",
        [member("a"), member("b"), member("c")],
        dict.fromkeys(WEEK, 1),
        {"a": F(5, 3), "b": F(5, 3), "c": F(5, 3)},
    ),
    LedgerCase(
        "two slots a day: k people are shared, not one",
        [member("a"), member("b"), member("c")],
        dict.fromkeys(WEEK, 2),
        {"a": F(10, 3), "b": F(10, 3), "c": F(10, 3)},
    ),
    LedgerCase(
        "a half-timer gets half a full-timer's share",
        [member("a"), member("h", F(1, 2))],
        dict.fromkeys(WEEK, 1),
        # per day: a 1/(3/2) = 2/3, h (1/2)/(3/2) = 1/3
        {"a": F(10, 3), "h": F(5, 3)},
    ),
    LedgerCase(
        "weights 1, 0.5 and 0.6: W = 21/10",
        [member("a"), member("h", F(1, 2)), member("p", F(3, 5))],
        dict.fromkeys(WEEK + [MON + timedelta(days=n) for n in range(7, 12)], 1),
        {"a": F(100, 21), "h": F(50, 21), "p": F(60, 21)},
        end=MON + timedelta(days=11),
    ),
    LedgerCase(
        "a joiner counts from their joined day, inclusive",
        [member("a"), member("j", joined=WEEK[2])],
        dict.fromkeys(WEEK, 1),
        # Mon, Tue: a alone; Wed..Fri: half each
        {"a": F(2) + F(3, 2), "j": F(3, 2)},
    ),
    LedgerCase(
        "a leaver counts up to their left day, inclusive",
        [member("a"), member("l", left=WEEK[1])],
        dict.fromkeys(WEEK, 1),
        # Mon, Tue: half each; Wed..Fri: a alone
        {"a": F(1) + F(3), "l": F(1)},
    ),
    LedgerCase(
        "joined and left on the same day: one day on the team",
        [member("a"), member("b"), member("o", joined=WEEK[2], left=WEEK[2])],
        dict.fromkeys(WEEK, 1),
        {"a": F(4, 2) + F(1, 3), "b": F(4, 2) + F(1, 3), "o": F(1, 3)},
    ),
    LedgerCase(
        "a part-time joiner and a full-time leaver in one week",
        [member("a"), member("j", F(1, 2), joined=WEEK[3]), member("l", left=WEEK[1])],
        dict.fromkeys(WEEK, 1),
        # Mon, Tue: a, l half each; Wed: a alone; Thu, Fri: a 2/3, j 1/3
        {"a": F(1) + F(1) + F(4, 3), "j": F(2, 3), "l": F(1)},
    ),
    LedgerCase(
        "history days count, and targets subtract the days done",
        [member("a"), member("b")],
        {MON - timedelta(days=7): 1, MON - timedelta(days=6): 1} | dict.fromkeys(WEEK, 1),
        {"a": F(7, 2), "b": F(7, 2)},
        history_done={"a": 2},
        expected_targets={"a": F(3, 2), "b": F(7, 2)},
    ),
    LedgerCase(
        "someone who left before the period keeps only the history share",
        [member("a"), member("b"), member("gone", left=MON - timedelta(days=6))],
        {MON - timedelta(days=7): 1, MON - timedelta(days=6): 1, MON - timedelta(days=5): 1}
        | dict.fromkeys(WEEK, 1),
        # three history days: the first two split three ways, the third two ways
        {"a": F(2, 3) + F(1, 2) + F(5, 2), "b": F(2, 3) + F(1, 2) + F(5, 2), "gone": F(2, 3)},
        history_done={"gone": 2, "a": 1},
        expected_targets={"a": F(8, 3), "b": F(11, 3), "gone": F(2, 3) - 2},
    ),
    LedgerCase(
        "someone who joined after the period has no share",
        [member("a"), member("later", joined=WEEK[-1] + timedelta(days=3))],
        dict.fromkeys(WEEK, 1),
        {"a": F(5), "later": F(0)},
    ),
    LedgerCase(
        "a day with nobody on the team is nobody's share",
        [member("a", joined=WEEK[1])],
        dict.fromkeys(WEEK, 1),
        {"a": F(4)},
    ),
    LedgerCase(
        "days with zero people count for nothing",
        [member("a"), member("b")],
        {WEEK[0]: 0, WEEK[1]: 1, WEEK[2]: 0},
        {"a": F(1, 2), "b": F(1, 2)},
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_shares_and_targets(case: LedgerCase) -> None:
    ledger = build_ledger(case.members, case.day_counts, case.history_done, case.end)
    shares = {m.id: ledger.share(m.id) for m in case.members}
    assert shares == case.expected_shares
    for value in shares.values():
        assert isinstance(value, F)
    targets = {m.id: ledger.target(m.id) for m in case.members}
    expected_targets = case.expected_targets or {
        i: share - case.history_done.get(i, 0) for i, share in case.expected_shares.items()
    }
    assert targets == expected_targets
    for m in case.members:
        # balance = (history + plan days) - share
        assert ledger.balance(m.id, 0) == case.history_done.get(m.id, 0) - shares[m.id]
        assert ledger.balance(m.id, 3) == 3 + case.history_done.get(m.id, 0) - shares[m.id]


def test_shares_add_up_to_the_days_served_exactly() -> None:
    """With everyone on the team, shares sum to the total people-days, with no rounding."""
    members = [member("a"), member("h", F(1, 2)), member("p", F(3, 5)), member("t", F(1, 3))]
    days = {MON + timedelta(days=n): 1 + n % 2 for n in range(30)}
    ledger = build_ledger(members, days, {}, MON + timedelta(days=29))
    assert sum(ledger.share(m.id) for m in members) == sum(days.values())


def test_the_end_date_caps_open_memberships() -> None:
    """Days after `end` are not counted for anyone whose membership runs past it."""
    members = [member("a"), member("b", left=WEEK[4] + timedelta(days=30))]
    ledger = build_ledger(members, dict.fromkeys(WEEK, 1), {}, WEEK[2])
    assert ledger.share("a") == F(3, 2)
    assert ledger.share("b") == F(3, 2)


def test_huge_denominators_stay_exact() -> None:
    """Churn with odd weights: many distinct team weights, still exact Fractions."""
    members = [
        member(f"m{n}", F(1, 2) if n % 3 else F(3, 5), joined=MON + timedelta(days=n * 3))
        for n in range(40)
    ]
    days = {MON + timedelta(days=n): 1 + n % 3 for n in range(130)}
    ledger = build_ledger(members, days, {}, MON + timedelta(days=129))
    expected = reference.shares(members, days)
    assert {m.id: ledger.share(m.id) for m in members} == expected
    assert sum(expected.values()) == sum(days.values())


@pytest.mark.parametrize("seed", range(25))
def test_matches_the_day_by_day_reference(seed: int) -> None:
    rng = random.Random(seed)
    start = date(2027, 1, 1) + timedelta(days=rng.randrange(365))
    span = rng.randrange(1, 60)
    members = []
    for n in range(rng.randrange(1, 7)):
        joined = start + timedelta(days=rng.randrange(-20, span)) if rng.random() < 0.5 else None
        left = None
        if rng.random() < 0.5:
            left = (joined or start) + timedelta(days=rng.randrange(0, span + 20))
        weight = rng.choice([F(1), F(1, 2), F(3, 5), F(1, 4), F(3, 4)])
        members.append(member(f"m{n}", weight, joined, left))
    days = {start + timedelta(days=n): rng.randrange(0, 4) for n in range(span)}
    done = Counter({m.id: rng.randrange(0, 5) for m in members})
    end = start + timedelta(days=span - 1)
    ledger = build_ledger(members, days, done, end)
    expected = reference.shares(members, days)
    for m in members:
        assert ledger.share(m.id) == expected[m.id], m
        assert ledger.target(m.id) == expected[m.id] - done[m.id]
