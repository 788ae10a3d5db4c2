"""A bounded local search after the flows: swaps that spread people's days further.

The spread flow places days near evenly spaced ideal dates, but it cannot see gaps
between one person's days, nor pairs of people who keep sharing a day. Here two people
exchange days (i takes j's day and j takes i's), or, where no such exchange helps, three
do in a cycle (i takes j's day, j takes k's, k takes i's); either keeps every count,
hence every balance, exactly as the fairness flow left it; fixed and kept days never
move. A person's gaps cost more the shorter they are, and their smallest gap twice that
again (the spread people notice is their closest two days). A move is taken only when it
lowers the total cost, so the search ends, and a budget on the number of moves tried
bounds its time on big teams.
"""

from __future__ import annotations

from bisect import insort
from collections import Counter
from itertools import combinations

import numpy as np
from numpy.typing import NDArray

from scheduling.rules import inside_stints

BoolGrid = NDArray[np.bool_]
Move = tuple[int, int, int]  # a person, the day they leave, the day they take

WEEKDAY_COST = 1.0  # a day on one of the weekdays of the person's last two turns
PAIR_COST = 0.5  # each extra time the same two people share a day
MAX_PAIR_SLOTS = 12  # above this many people a day, pairs are left to chance
EXHAUSTIVE = 600  # up to this many slots in a period, try every day for a moving day


SMALLEST_WEIGHT = 2.0  # a person's smallest gap counts this many times more than the others
BROKEN_RULE = 1000.0  # a gap below min_gap_days: worth more than every other cost


def _gap_cost(days: list[int], ideal: float, min_gap: int = 0, stint_days: int = 1) -> float:
    """How much closer together than ideal a person's days are; cubic, so the
    smallest gap dominates. The two days of a stint cost nothing (with a minimum gap,
    a third day in a row is not part of it); a gap below the minimum costs BROKEN_RULE."""
    total = 0.0
    if stint_days == 2 and min_gap > 1:
        paired = inside_stints(days)  # the gap counts from a stint's second day on
    else:  # without a gap, back-to-back stints are still stints
        paired = [stint_days == 2 and b - a == 1 for a, b in zip(days, days[1:], strict=False)]
    smallest = ideal
    for a, b, stint in zip(days, days[1:], paired, strict=False):
        if stint:
            continue
        if b - a < min_gap:
            total += BROKEN_RULE
        short = ideal - (b - a)
        smallest = min(smallest, b - a)
        if short > 0:
            total += (short / ideal) ** 3 * 8
    return total + SMALLEST_WEIGHT * ((ideal - smallest) / ideal) ** 3 * 8


def polish(
    chosen: BoolGrid,
    locked: BoolGrid,
    candidates: BoolGrid,
    weekday: NDArray[np.int64],
    recent: BoolGrid,
    slots_per_day: int,
    gaps: NDArray[np.float64] | None = None,
    min_gap: int | None = None,
    stint_days: int = 1,
    budget: int = 8_000,
) -> BoolGrid:
    """Improve `chosen` (movable days) by count-preserving swaps; returns a new grid.

    Args:
        chosen: [day, member] the days the flows placed and that may move.
        locked: [day, member] fixed and kept days (they stay, but count for gaps).
        candidates: [day, member] where a member may be placed.
        weekday: weekday number of each day.
        recent: [member, weekday] weekdays of each member's last two turns.
        slots_per_day: people per day, to decide whether pairs are worth tracking.
        gaps: each member's target gap in days (None: the period over their count).
        min_gap: the rotation's min_gap_days: swaps that end a shorter gap come first.
        stint_days: 2 when the two days of a stint (one apart) are meant to be together.
        budget: the most swap evaluations to make.
    """
    n_days, n_members = chosen.shape
    grid = chosen | locked
    days_of: list[list[int]] = [[] for _ in range(n_members)]
    on_day: list[list[int]] = [[] for _ in range(n_days)]
    for t, i in zip(*np.nonzero(grid), strict=True):
        days_of[int(i)].append(int(t))
        on_day[int(t)].append(int(i))
    for member_days in days_of:
        member_days.sort()
    movable = chosen.copy()
    ideal = [n_days / len(d) if d else float(n_days) for d in days_of]
    if gaps is not None:
        ideal = [
            max(float(g), 1.0) if d else float(n_days) for g, d in zip(gaps, days_of, strict=True)
        ]
    # Pairs are worth tracking only when two people need not meet more than once: with
    # few people and many slots, everyone shares days with everyone again and again.
    pair_days = sum(len(people) * (len(people) - 1) // 2 for people in on_day)
    active = sum(1 for member_days in days_of if member_days)
    track_pairs = 2 <= slots_per_day <= MAX_PAIR_SLOTS and pair_days < active * (active - 1) // 2
    together: Counter[tuple[int, int]] = Counter()
    if track_pairs:
        for people in on_day:
            together.update(combinations(sorted(people), 2))

    day_weekday = [int(w) for w in weekday]
    recent_sets = [set(np.nonzero(row)[0].tolist()) for row in recent]

    def member_cost(i: int, member_days: list[int]) -> float:
        cost = _gap_cost(member_days, ideal[i], min_gap or 0, stint_days)
        if not recent_sets[i]:
            return cost
        return cost + WEEKDAY_COST * sum(1 for t in member_days if day_weekday[t] in recent_sets[i])

    def moved(member_days: list[int], old: int, new: int) -> list[int]:
        result = [t for t in member_days if t != old]
        insort(result, new)
        return result

    def pair_delta(i: int, j: int, d: int, d2: int) -> float:
        # i leaves d for d2, j leaves d2 for d.
        delta = 0.0
        for k in on_day[d]:
            if k != i:
                delta -= together[_key(i, k)] - 1  # one fewer time together
                delta += together[_key(j, k)]
        for k in on_day[d2]:
            if k != j:
                delta -= together[_key(j, k)] - 1
                delta += together[_key(i, k)]
        return PAIR_COST * delta

    cycle_spent = 0
    cycle_budget = budget

    def leave(i: int, d: int) -> None:
        on_day[d].remove(i)
        if track_pairs:
            for k in on_day[d]:
                together[_key(i, k)] -= 1
        movable[d, i] = False

    def arrive(i: int, d: int) -> None:
        if track_pairs:
            for k in on_day[d]:
                together[_key(i, k)] += 1
        on_day[d].append(i)
        movable[d, i] = True

    def apply(i: int, j: int, d: int, d2: int) -> None:
        # i leaves d for d2, j leaves d2 for d: every count stays.
        leave(i, d)
        leave(j, d2)
        arrive(i, d2)
        arrive(j, d)
        days_of[i] = moved(days_of[i], d, d2)
        days_of[j] = moved(days_of[j], d2, d)

    def rotate(moves: list[Move]) -> None:
        # Each (person, old, new): a cycle, so every day keeps its number of people.
        for i, old, _new in moves:
            leave(i, old)
        for i, old, new in moves:
            arrive(i, new)
            days_of[i] = moved(days_of[i], old, new)

    def best_cycle(i: int, d: int, base_i: float) -> tuple[float, list[Move]] | None:
        """The best three-way exchange that moves i off d: i takes j's d2, j takes k's d3
        and k takes d. It reaches plans no exchange of two people can, e.g. where the
        days i could move to belong to people who cannot use d."""
        nonlocal cycle_spent
        best: tuple[float, list[Move]] | None = None
        for d2 in landing(days_of[i], d):
            if not candidates[d2, i] or d2 in days_of[i]:
                continue
            cycle_spent += 1
            new_i = member_cost(i, moved(days_of[i], d, d2)) - base_i
            if new_i >= -1e-9:
                continue
            for j in on_day[d2]:
                if cycle_spent >= cycle_budget:
                    break
                if j == i or not movable[d2, j]:
                    continue
                base_j = member_cost(j, days_of[j])
                for d3 in landing(days_of[j], d2):
                    if d3 == d or not candidates[d3, j] or d3 in days_of[j]:
                        continue
                    cycle_spent += 1
                    gain = new_i + member_cost(j, moved(days_of[j], d2, d3)) - base_j
                    if gain >= -1e-9 or (best is not None and gain >= best[0]):
                        continue  # only chains where i and j gain: bounds the search
                    for k in on_day[d3]:
                        if k in (i, j) or not movable[d3, k] or not candidates[d, k]:
                            continue
                        if d in days_of[k]:
                            continue
                        cycle_spent += 1
                        delta = gain + member_cost(k, moved(days_of[k], d3, d))
                        delta -= member_cost(k, days_of[k])
                        if delta < -1e-9 and (best is None or delta < best[0]):
                            best = (delta, [(i, d, d2), (j, d2, d3), (k, d3, d)])
            if cycle_spent >= cycle_budget:
                break
        return best

    def landing(member_days: list[int], leaving: int) -> list[int] | range:
        # Small rotations are searched in full; big ones only where a day could go.
        if n_days * slots_per_day <= EXHAUSTIVE:
            return range(n_days)
        return _landing_days(member_days, leaving, n_days)

    def improve(with_pairs: bool, budget: int) -> None:
        spent = 0
        for _round in range(3):
            improved = False
            costs = [member_cost(i, days_of[i]) if days_of[i] else 0.0 for i in range(n_members)]
            if with_pairs:
                for (a, b), count in together.items():
                    if count > 1:
                        costs[a] += PAIR_COST * (count - 1)
                        costs[b] += PAIR_COST * (count - 1)
            for i in sorted(range(n_members), key=lambda i: -costs[i]):
                if spent >= budget or costs[i] <= 0:
                    break
                base_i = member_cost(i, days_of[i])
                for d in list(days_of[i]):
                    if not movable[d, i]:
                        continue
                    best: tuple[float, int, int] | None = None
                    for d2 in landing(days_of[i], d):
                        if not candidates[d2, i] or d2 in days_of[i]:
                            continue
                        spent += 1
                        new_i = member_cost(i, moved(days_of[i], d, d2)) - base_i
                        if new_i >= 0 and not with_pairs:
                            continue
                        for j in on_day[d2]:
                            if not movable[d2, j] or not candidates[d, j] or d in days_of[j]:
                                continue
                            spent += 1
                            delta = new_i + member_cost(j, moved(days_of[j], d2, d))
                            delta -= member_cost(j, days_of[j])
                            if with_pairs:
                                delta += pair_delta(i, j, d, d2)
                            if delta < -1e-9 and (best is None or delta < best[0]):
                                best = (delta, j, d2)
                    if best is not None:
                        apply(i, best[1], d, best[2])
                        base_i = member_cost(i, days_of[i])
                        improved = True
                    elif not with_pairs and cycle_spent < cycle_budget:
                        cycle = best_cycle(i, d, base_i)
                        if cycle is not None:
                            rotate(cycle[1])
                            base_i = member_cost(i, days_of[i])
                            improved = True
            if not improved or spent >= budget:
                break

    # Gaps and weekdays first (cheap to evaluate), then pairs with what is left.
    improve(with_pairs=False, budget=budget * 3 // 4 if track_pairs else budget)
    if track_pairs:
        improve(with_pairs=True, budget=budget // 4)
    return movable


def _landing_days(member_days: list[int], leaving: int, n_days: int, spread: int = 2) -> list[int]:
    """Days worth trying for a day that moves: around the middles of the widest holes
    the person's other days leave (the period's ends count as holes too)."""
    rest = [t for t in member_days if t != leaving]
    if not rest:
        return [t for t in range(max(0, leaving - 3), min(n_days, leaving + 4)) if t != leaving]
    holes = [(rest[0], 0), (n_days - 1 - rest[-1], n_days - 1)]
    holes += [((b - a) // 2, (a + b) // 2) for a, b in zip(rest, rest[1:], strict=False)]
    holes.sort(reverse=True)
    days: list[int] = []
    for _, middle in holes[:3]:
        days += [t for t in range(middle - spread, middle + spread + 1) if 0 <= t < n_days]
    return days


def _key(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)
