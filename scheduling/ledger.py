"""The fairness ledger: fair shares of each day, targets and balances, exactly.

A day with k people on the queue is shared among the members on the team that day in
proportion to their weight. Everything is kept as integers over one common denominator:
with part-timers and churn the denominators reach hundreds of digits, so floats would
drift and 64-bit integers would overflow.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from scheduling.model import Member


@dataclass(frozen=True)
class Ledger:
    """Shares and days done per member, over a common denominator.

    share_i = share_num[i] / denominator; balance_i = done_i - share_i.
    """

    denominator: int
    share_num: dict[str, int]
    history_done: dict[str, int]

    def share(self, member_id: str) -> Fraction:
        """The member's fair share of all counted days."""
        return Fraction(self.share_num[member_id], self.denominator)

    def target_num(self, member_id: str) -> int:
        """x_i * denominator: the days still owed, before the planned period."""
        return self.share_num[member_id] - self.history_done.get(member_id, 0) * self.denominator

    def target(self, member_id: str) -> Fraction:
        """x_i: how many plan days would end the period at balance 0."""
        return Fraction(self.target_num(member_id), self.denominator)

    def balance(self, member_id: str, plan_days: int = 0) -> Fraction:
        """Days done (history plus `plan_days`) minus the fair share."""
        return plan_days - self.target(member_id)


def _weight_scale(members: Sequence[Member]) -> int:
    """The smallest integer that makes every weight whole."""
    return math.lcm(*(m.weight.denominator for m in members)) if members else 1


def team_weights(members: Sequence[Member], days: Sequence[date], scale: int) -> list[int]:
    """scale * (sum of the weights on the team) on each of the sorted `days`.

    The team only changes when someone joins or leaves, so sweep over those dates.
    """
    base = 0
    changes: Counter[date] = Counter()
    for member in members:
        weight = int(member.weight * scale)
        if member.joined is None:
            base += weight
        else:
            changes[member.joined] += weight
        if member.left is not None and member.left < date.max:
            # `left` is inclusive: the member stops counting the day after.
            changes[member.left + timedelta(days=1)] -= weight
    change_days = sorted(changes)
    weights = []
    position = 0
    current = base
    for day in days:
        while position < len(change_days) and change_days[position] <= day:
            current += changes[change_days[position]]
            position += 1
        weights.append(current)
    return weights


def build_ledger(
    members: Sequence[Member],
    day_counts: Mapping[date, int],
    history_done: Mapping[str, int],
    end: date,
) -> Ledger:
    """Shares of every member over the counted days up to `end`.

    Args:
        members: everyone who was ever on the team (membership bounds shares).
        day_counts: people on the queue per day, history and plan together.
        history_done: days each member served before the period.
        end: the last day of the period; someone who left earlier stops at `left`.
    """
    scale = _weight_scale(members)
    days = sorted(day for day, count in day_counts.items() if count > 0)
    weights = team_weights(members, days, scale)
    common = math.lcm(*{w for w in weights if w > 0}) if any(w > 0 for w in weights) else 1
    prefix = [0]
    for day, weight in zip(days, weights, strict=True):
        # A day with people but nobody on the team is nobody's share.
        prefix.append(prefix[-1] + (day_counts[day] * (common // weight) if weight > 0 else 0))
    share_num = {}
    for member in members:
        low = 0 if member.joined is None else bisect_left(days, member.joined)
        last = end if member.left is None else min(member.left, end)
        high = bisect_right(days, last)
        total = prefix[high] - prefix[low] if high > low else 0
        share_num[member.id] = int(member.weight * scale) * total
    return Ledger(
        denominator=common,
        share_num=share_num,
        history_done={m.id: history_done.get(m.id, 0) for m in members},
    )


def history_counts(entries: Iterable[tuple[date, str]]) -> tuple[Counter[date], Counter[str]]:
    """People per day and days per member of a list of served days."""
    per_day: Counter[date] = Counter()
    per_member: Counter[str] = Counter()
    for day, member in entries:
        per_day[day] += 1
        per_member[member] += 1
    return per_day, per_member
