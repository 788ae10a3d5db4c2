"""The fair planner: coverage first, then fairness, then stability, then spread.

Coverage fixes how many people each working day gets: min(slots_per_day, available).
Those counts fix every fair share, hence every member's target x_i. Fairness is then a
question of per-member counts n_i only, solved exactly in three steps:

1. Band: the smallest D such that every |n_i - x_i| <= D is achievable. A counting bound
   (each member's range non-empty, the sum of lower bounds <= slots <= the sum of upper
   bounds) proposes the band; a flow confirms it (DESIGN.md section 5).
2. Counts: one min-cost flow within the band whose member -> sink unit arcs cost the
   rank of the marginal deviation j - x_i. The achievable count vectors form an M-convex
   set, so only the order of the marginals matters, and ranks keep costs small and exact
   where x_i has a denominator of hundreds of digits. A much smaller cost on day -> member
   arcs keeps still-valid `previous` assignments (stability comes after fairness).
3. Days: with the counts fixed, the kept assignments placed, a second min-cost flow
   chooses the remaining days for spread (scheduling.spread).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

import numpy as np
from numpy.typing import NDArray
from ortools.graph.python import max_flow, min_cost_flow

from scheduling.calendar import WorkCalendar
from scheduling.explain import explain_changes, explain_unfilled
from scheduling.gap_solver import fairest_with_gap
from scheduling.ledger import Ledger, build_ledger
from scheduling.model import DayEntry, Plan, Rotation
from scheduling.polish import polish
from scheduling.rules import breaks_gap, gap_caps, keep_gap, rule_warnings
from scheduling.spread import (
    avoided_weekdays,
    phase_order,
    place_days,
    summarize_history,
    target_gaps,
)
from scheduling.stints import loosen, place_stints

BoolGrid = NDArray[np.bool_]


class PlanningError(RuntimeError):
    """The solver failed in a way that validation should have ruled out."""


@dataclass
class Problem:
    """A rotation turned into arrays: days x members availability and counts."""

    rotation: Rotation
    calendar: WorkCalendar
    days: list[date]
    ids: list[str]
    available: BoolGrid  # [day, member]: on the team and not away
    fixed: BoolGrid  # [day, member]: a fixed entry
    slots: NDArray[np.int64]  # k_d: people each day gets (coverage)
    free: NDArray[np.int64]  # k_d minus fixed entries
    candidates: BoolGrid  # may fill a free slot
    reach: NDArray[np.int64]  # per member: days they could fill
    fixed_count: NDArray[np.int64]
    ledger: Ledger
    target_num: list[int]  # x_i * ledger.denominator
    bounded: list[int]  # members on the team on at least one day of the period

    @property
    def denominator(self) -> int:
        return self.ledger.denominator

    @property
    def total_free(self) -> int:
        return int(self.free.sum())


def build_problem(rotation: Rotation) -> Problem:
    """Working days, availability, coverage counts and fair targets of a rotation."""
    calendar = WorkCalendar(
        rotation.workdays, rotation.country, rotation.subdivision, rotation.closed
    )
    days = calendar.working_days(rotation.start, rotation.end)
    index = {day: t for t, day in enumerate(days)}
    ids = [m.id for m in rotation.members]
    position = {member_id: i for i, member_id in enumerate(ids)}
    available = np.zeros((len(days), len(ids)), dtype=bool)
    for i, member in enumerate(rotation.members):
        first = 0 if member.joined is None else bisect_left(days, member.joined)
        last = len(days) if member.left is None else bisect_right(days, member.left)
        available[first:last, i] = True
        for away_from, away_to in member.unavailable:
            available[bisect_left(days, away_from) : bisect_right(days, away_to), i] = False
    fixed = np.zeros_like(available)
    for entry in rotation.fixed:
        fixed[index[entry.day], position[entry.member]] = True
    slots = np.minimum(rotation.slots_per_day, available.sum(axis=1)).astype(np.int64)
    free = slots - fixed.sum(axis=1)
    candidates = available & ~fixed & (free > 0)[:, None]
    reach = candidates.sum(axis=0).astype(np.int64)
    if rotation.min_gap_days is not None:
        # The rule in force for fairness too: nobody's count above what it lets them do.
        # Coverage comes first: where the caps would leave days short, the rule cannot
        # hold for everyone, so counts are left free and the plan warns where it breaks.
        caps = gap_caps(candidates, fixed, rotation.min_gap_days, rotation.stint_days)
        capped = np.minimum(reach, np.maximum(caps - fixed.sum(axis=0), 0))
        if fills_every_day(candidates, free, capped):
            reach = capped

    history_per_day = Counter(entry.day for entry in rotation.history)
    history_done = Counter(entry.member for entry in rotation.history)
    day_counts = dict(history_per_day)
    day_counts.update({days[t]: int(k) for t, k in enumerate(slots) if k > 0})
    ledger = build_ledger(rotation.members, day_counts, history_done, rotation.end)
    bounded = [
        i for i, m in enumerate(rotation.members) if m.on_team_between(rotation.start, rotation.end)
    ]
    return Problem(
        rotation=rotation,
        calendar=calendar,
        days=days,
        ids=ids,
        available=available,
        fixed=fixed,
        slots=slots,
        free=free,
        candidates=candidates,
        reach=reach,
        fixed_count=fixed.sum(axis=0).astype(np.int64),
        ledger=ledger,
        target_num=[ledger.target_num(member_id) for member_id in ids],
        bounded=bounded,
    )


def fills_every_day(candidates: BoolGrid, free: NDArray[np.int64], most: NDArray[np.int64]) -> bool:
    """Whether every free slot can be filled with nobody above `most` days."""
    days, members = candidates.shape
    flow = max_flow.SimpleMaxFlow()
    source, sink = days + members, days + members + 1
    slots = np.maximum(free, 0).astype(np.int64)
    flow.add_arcs_with_capacity(np.full(days, source), np.arange(days), slots)
    t_arr, i_arr = np.nonzero(candidates)
    flow.add_arcs_with_capacity(t_arr, days + i_arr, np.ones(len(t_arr), dtype=np.int64))
    flow.add_arcs_with_capacity(
        days + np.arange(members), np.full(members, sink), most.astype(np.int64)
    )
    if flow.solve(source, sink) != flow.OPTIMAL:
        raise PlanningError("max flow failed while checking the minimum gap")
    return bool(flow.optimal_flow() == int(slots.sum()))


# --- the band: the smallest largest deviation --------------------------------------------

Ranges = tuple[dict[int, int], dict[int, int]]


def member_ranges(problem: Problem, bound: int) -> Ranges | None:
    """Free-slot day counts [lo_i, hi_i] that keep |n_i - x_i| <= bound / denominator.

    None when some member's range is empty.
    """
    q = problem.denominator
    lower, upper = {}, {}
    for i in problem.bounded:
        x = problem.target_num[i]
        fixed = int(problem.fixed_count[i])
        low = max(-((bound - x) // q), fixed)  # ceil((x - bound) / q)
        high = min((x + bound) // q, fixed + int(problem.reach[i]))
        if high < low:
            return None
        lower[i], upper[i] = low - fixed, high - fixed
    return lower, upper


def counting_bound_holds(problem: Problem, bound: int) -> bool:
    """A necessary condition for the band: ranges non-empty and slots in between."""
    ranges = member_ranges(problem, bound)
    if ranges is None:
        return False
    lower, upper = ranges
    return sum(lower.values()) <= problem.total_free <= sum(upper.values())


def _nearest_distance(problem: Problem, i: int) -> int:
    q, x = problem.denominator, problem.target_num[i]
    first = int(problem.fixed_count[i])
    last = first + int(problem.reach[i])
    k = min(max(x // q, first), last)
    best = abs(k * q - x)
    if k + 1 <= last:
        best = min(best, abs((k + 1) * q - x))
    return best


def _candidate_bounds(problem: Problem, floor_bound: int, width: int) -> list[int]:
    """The values |k - x_i| (as numerators) in [floor_bound, floor_bound + width * q]."""
    q = problem.denominator
    top = floor_bound + width * q
    values = {floor_bound}
    for i in problem.bounded:
        x = problem.target_num[i]
        first = int(problem.fixed_count[i])
        last = first + int(problem.reach[i])
        for k in range(max(first, -((top - x) // q)), min(last, (x + top) // q) + 1):
            value = abs(k * q - x)
            if value >= floor_bound:
                values.add(value)
    return sorted(values)


def smallest_bound(problem: Problem, holds: Callable[[int], bool], floor_bound: int) -> int:
    """The smallest candidate bound >= floor_bound for which `holds` (monotone) is true."""
    width = 1
    while True:
        values = _candidate_bounds(problem, floor_bound, width)
        if holds(values[-1]):
            low, high = 0, len(values) - 1
            while low < high:
                middle = (low + high) // 2
                if holds(values[middle]):
                    high = middle
                else:
                    low = middle + 1
            return values[low]
        floor_bound = values[-1]
        width *= 4


class BandChecker:
    """Max-flow feasibility of a band, on a graph built once with capacities reset.

    source -> day (free slots), day -> member (1), member -> sink (lower bound),
    member -> surplus (upper - lower), surplus -> sink (slots - sum of lower bounds):
    a flow that fills every day meets every member's bounds.
    """

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        days, members = len(problem.days), len(problem.ids)
        self.source, self.sink, self.surplus = (
            days + members,
            days + members + 1,
            days + members + 2,
        )
        self.flow = max_flow.SimpleMaxFlow()
        t_idx = np.arange(days)
        self.flow.add_arcs_with_capacity(
            np.full(days, self.source), t_idx, np.maximum(problem.free, 0).astype(np.int64)
        )
        t_arr, i_arr = np.nonzero(problem.candidates)
        self.flow.add_arcs_with_capacity(t_arr, days + i_arr, np.ones(len(t_arr), dtype=np.int64))
        bounded = np.array(problem.bounded, dtype=np.int64)
        self.bounded = bounded
        self.to_sink = self.flow.add_arcs_with_capacity(
            days + bounded, np.full(len(bounded), self.sink), np.zeros(len(bounded), dtype=np.int64)
        )
        self.to_surplus = self.flow.add_arcs_with_capacity(
            days + bounded,
            np.full(len(bounded), self.surplus),
            np.zeros(len(bounded), dtype=np.int64),
        )
        self.surplus_arc = self.flow.add_arc_with_capacity(self.surplus, self.sink, 0)

    def holds(self, bound: int) -> bool:
        if not counting_bound_holds(self.problem, bound):
            return False
        ranges = member_ranges(self.problem, bound)
        assert ranges is not None
        lower, upper = ranges
        lows = np.array([lower[i] for i in self.problem.bounded], dtype=np.int64)
        highs = np.array([upper[i] for i in self.problem.bounded], dtype=np.int64)
        self.flow.set_arcs_capacity(self.to_sink, lows)
        self.flow.set_arcs_capacity(self.to_surplus, highs - lows)
        self.flow.set_arc_capacity(self.surplus_arc, self.problem.total_free - int(lows.sum()))
        status = self.flow.solve(self.source, self.sink)
        if status != self.flow.OPTIMAL:
            raise PlanningError(f"max flow failed with status {status}")
        return bool(self.flow.optimal_flow() == self.problem.total_free)


# --- the counts: least sum of squares inside the band, keeping `previous` -------------------


def keep_grid(problem: Problem) -> BoolGrid | None:
    """[day, member]: a still-valid `previous` assignment that is not fixed."""
    if problem.rotation.previous is None:
        return None
    index = {day: t for t, day in enumerate(problem.days)}
    position = {member_id: i for i, member_id in enumerate(problem.ids)}
    keep = np.zeros_like(problem.available)
    for entry in problem.rotation.previous:
        t, i = index.get(entry.day), position.get(entry.member)
        if t is not None and i is not None:
            keep[t, i] = True
    return keep & problem.candidates


def solve_counts(problem: Problem, ranges: Ranges, keep: BoolGrid | None) -> BoolGrid | None:
    """Free slots filled with the fairest counts in the band; None when infeasible.

    Among the fairest plans, one that keeps the most of `keep`: each day -> member arc
    outside it costs 1, and fairness costs are multiplied by one more than the number of
    free slots, so no amount of keeping outweighs one step of fairness.
    """
    lower, upper = ranges
    days, members = len(problem.days), len(problem.ids)
    sink = days + members
    q = problem.denominator
    units: list[tuple[int, int]] = []
    for i in problem.bounded:
        fixed = int(problem.fixed_count[i])
        x = problem.target_num[i]
        units += [(i, j * q - x) for j in range(fixed + lower[i] + 1, fixed + upper[i] + 1)]
    rank = {value: r for r, value in enumerate(sorted({value for _, value in units}))}
    factor = problem.total_free + 1 if keep is not None else 1

    flow = min_cost_flow.SimpleMinCostFlow()
    t_arr, i_arr = np.nonzero(problem.candidates)
    day_costs = (
        np.zeros(len(t_arr), dtype=np.int64)
        if keep is None
        else (~keep[t_arr, i_arr]).astype(np.int64)
    )
    day_arcs = flow.add_arcs_with_capacity_and_unit_cost(
        t_arr, days + i_arr, np.ones(len(t_arr), dtype=np.int64), day_costs
    )
    if units:
        flow.add_arcs_with_capacity_and_unit_cost(
            np.array([days + i for i, _ in units], dtype=np.int64),
            np.full(len(units), sink, dtype=np.int64),
            np.ones(len(units), dtype=np.int64),
            np.array([rank[value] * factor for _, value in units], dtype=np.int64),
        )
    supplies = np.zeros(days + members + 1, dtype=np.int64)
    supplies[:days] = np.maximum(problem.free, 0)
    for i in problem.bounded:
        supplies[days + i] = -lower[i]
    supplies[sink] = -(problem.total_free - sum(lower.values()))
    flow.set_nodes_supplies(np.arange(len(supplies)), supplies)
    status = flow.solve()
    if status == flow.INFEASIBLE or status == flow.UNBALANCED:
        return None
    if status != flow.OPTIMAL:
        raise PlanningError(f"min-cost flow failed with status {status}")
    chosen = np.zeros_like(problem.available)
    picked = flow.flows(day_arcs) > 0
    chosen[t_arr[picked], i_arr[picked]] = True
    return chosen


def fairest_counts(problem: Problem, keep: BoolGrid | None) -> BoolGrid:
    """The free slots of a plan that reaches the optimal band and sum of squares."""
    if problem.total_free == 0:
        return np.zeros_like(problem.available)
    floor_bound = max((_nearest_distance(problem, i) for i in problem.bounded), default=0)
    bound = smallest_bound(problem, lambda b: counting_bound_holds(problem, b), floor_bound)
    ranges = member_ranges(problem, bound)
    chosen = solve_counts(problem, ranges, keep) if ranges else None
    if chosen is None:
        # The counting bound was not enough: search the band with max flows from here.
        checker = BandChecker(problem)
        bound = smallest_bound(problem, checker.holds, bound)
        ranges = member_ranges(problem, bound)
        chosen = solve_counts(problem, ranges, keep) if ranges else None
        if chosen is None:
            raise PlanningError("no plan within a band that max flow proved feasible")
    return chosen


# --- the whole plan ------------------------------------------------------------------------


def make_plan(rotation: Rotation) -> Plan:
    """Plan the rotation's period: coverage, fairness, stability, then spread."""
    problem = build_problem(rotation)
    keep = keep_grid(problem)
    counted = fairest_counts(problem, keep)
    kept = counted & keep if keep is not None else np.zeros_like(counted)
    counts = problem.fixed_count + counted.sum(axis=0)
    history = summarize_history(rotation)
    locked = problem.fixed | kept
    stints = np.zeros_like(locked)
    if rotation.stint_days == 2:
        stints = place_stints(
            problem.candidates & ~kept,
            problem.free - kept.sum(axis=1),
            counts - locked.sum(axis=0),
            turn_rank(problem, history.last_served, counts - locked.sum(axis=0)),
        )
    placed = None
    while placed is None:
        try:
            placed = place_days(
                problem.days,
                problem.rotation,
                problem.candidates & ~kept & ~stints,
                problem.free - kept.sum(axis=1) - stints.sum(axis=1),
                locked | stints,
                counts,
                history,
            )
        except RuntimeError:
            # Stints filled every day someone needs for a single day: break one, retry.
            open_slots = problem.free - kept.sum(axis=1) - stints.sum(axis=1)
            if not loosen(stints, problem.candidates & ~kept, open_slots):
                if not stints.any():
                    raise
                stints = np.zeros_like(locked)
    gap = rotation.min_gap_days
    if gap is not None and rotation.stint_days == 1 and breaks_gap(locked | placed, gap):
        spaced = keep_gap(placed, locked, problem.candidates & ~kept, gap)
        if spaced is None:
            # These counts cannot keep the gap: the fairest counts that can, if any.
            spaced = fairest_spaced(problem, keep)
            if spaced is not None:
                kept = spaced & keep if keep is not None else np.zeros_like(spaced)
                counts = problem.fixed_count + spaced.sum(axis=0)
                locked = problem.fixed | kept
                spaced = spaced & ~kept
        placed = placed if spaced is None else spaced
    gaps = target_gaps(rotation, problem.candidates | locked, counts)
    placed = polish(
        placed,
        locked | stints,
        problem.candidates,
        np.array([day.weekday() for day in problem.days], dtype=np.int64),
        avoided_weekdays(history.recent, gaps, len(rotation.workdays)),
        rotation.slots_per_day,
        gaps,
        rotation.min_gap_days,
        rotation.stint_days,
        budget=8_000 if rotation.min_gap_days is None else 40_000,
    )
    grid = locked | stints | placed
    t_arr, i_arr = np.nonzero(grid)
    assignments = tuple(
        sorted(DayEntry(problem.days[t], problem.ids[i]) for t, i in zip(t_arr, i_arr, strict=True))
    )
    q = problem.denominator
    balances = {
        problem.ids[i]: Fraction(int(counts[i]) * q - problem.target_num[i], q)
        for i in problem.bounded
    }
    targets = {problem.ids[i]: Fraction(problem.target_num[i], q) for i in problem.bounded}
    return Plan(
        assignments=assignments,
        unfilled=tuple(explain_unfilled(rotation, problem.calendar, problem.days, problem.slots)),
        balances=balances,
        changes=tuple(explain_changes(rotation, problem.calendar, assignments, balances)),
        targets=targets,
        warnings=tuple(
            rule_warnings(rotation, problem.days, grid, problem.available, problem.fixed, kept)
            if rotation.min_gap_days is not None or rotation.stint_days == 2
            else ()
        ),
    )


def fairest_spaced(problem: Problem, keep: BoolGrid | None) -> BoolGrid | None:
    """The free slots of the fairest plan that keeps min_gap_days (gap_solver)."""
    assert problem.rotation.min_gap_days is not None
    q = problem.denominator
    floor_bound = max((_nearest_distance(problem, i) for i in problem.bounded), default=0)

    def ranges(bound: int) -> tuple[dict[int, int], dict[int, int]] | None:
        return member_ranges(problem, bound)

    def deviation(i: int, k: int) -> int:
        return (int(problem.fixed_count[i]) + k) * q - problem.target_num[i]

    return fairest_with_gap(
        problem.candidates,
        problem.fixed,
        problem.free,
        problem.rotation.min_gap_days,
        ranges,
        lambda holds: smallest_bound(problem, holds, floor_bound),
        deviation,
        keep,
    )


def turn_rank(
    problem: Problem, last_served: dict[str, date], need: NDArray[np.int64]
) -> NDArray[np.float64]:
    """Each member's place in the turn order, in [0, 1): longest since their last day first."""
    order = phase_order(problem.ids, last_served, [int(i) for i in np.nonzero(need > 0)[0]])
    rank = np.zeros(len(problem.ids))
    for r, i in enumerate(order):
        rank[i] = (r + 0.5) / len(order)
    return rank
