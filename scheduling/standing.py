"""Balances at several dates in one pass, as floats, for charts and tables.

scheduling.ledger keeps shares exact (the planner needs that); a chart of a thousand
people over eight quarters needs the same numbers many times over but only to a
hundredth of a day, so here shares are float prefix sums over the sorted days: one
sweep for the team's weight per day, then a bisection per person and date.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from scheduling.ledger import team_weights
from scheduling.model import Member


def balances_at(
    members: Sequence[Member], entries: Iterable[tuple[date, str]], ends: Sequence[date]
) -> list[dict[str, float]]:
    """Each member's balance (days done minus fair share) counting the days up to each
    of `ends`, as scheduling.ledger.build_ledger computes it, in floats.

    Args:
        members: everyone who was ever on the team (membership bounds shares).
        entries: (day, member id) of every served or published day.
        ends: the dates to stop counting at, any order.
    """
    per_day: Counter[date] = Counter()
    mine: dict[str, list[date]] = defaultdict(list)
    for day, who in entries:
        per_day[day] += 1
        mine[who].append(day)
    for days_of in mine.values():
        days_of.sort()
    done = {who: tuple(bisect_right(served, end) for end in ends) for who, served in mine.items()}
    return balances_from_counts(members, per_day, done, ends)


def balances_from_counts(
    members: Sequence[Member],
    per_day: Mapping[date, int],
    done: Mapping[str, Sequence[int]],
    ends: Sequence[date],
) -> list[dict[str, float]]:
    """balances_at from counts a database can sum: the same floats, without the rows.

    Args:
        members: everyone who was ever on the team (membership bounds shares).
        per_day: people on the queue on each served or published day.
        done: each member's days up to each of `ends` (missing: none).
        ends: the dates to stop counting at, any order.
    """
    days = sorted(day for day, count in per_day.items() if count > 0)
    scale = math.lcm(*(m.weight.denominator for m in members)) if members else 1
    weights = team_weights(members, days, scale)
    prefix = [0.0]
    for day, weight in zip(days, weights, strict=True):
        # A day with people but nobody on the team is nobody's share.
        prefix.append(prefix[-1] + (per_day[day] / weight if weight > 0 else 0.0))
    none = (0,) * len(ends)
    people = [
        (
            member.id,
            float(member.weight * scale),
            0 if member.joined is None else bisect_left(days, member.joined),
            member.left,
            done.get(member.id, none),
        )
        for member in members
    ]
    result = []
    for index, end in enumerate(ends):
        balances: dict[str, float] = {}
        for member_id, part, low, left, served in people:
            high = bisect_right(days, end if left is None or left > end else left)
            share = part * (prefix[high] - prefix[low]) if high > low else 0.0
            balances[member_id] = served[index] - share
        result.append(balances)
    return result
