"""Choosing which days, once each member's count is fixed: spread, weekdays and pairs.

Each member gets ideal dates along the days they could serve in the period (one per
day they will do), spaced one round-robin cycle of their own rate apart and staggered
between members like a round-robin, so that the people who served longest ago come
first (ideal_dates); fixed and kept days anchor the rest in the widest holes. A day
costs its squared distance from the member's nearest ideal date, plus a penalty for a
weekday of their last two support days. Each ideal date is a "cell": one day per cell
is free, a second day in the same cell is penalised, which keeps a person's days apart
without ever making a plan infeasible. With several slots a day, each ideal date is
jittered by a member- and cell-specific amount, so the people who share one day are not
the same people who share the next.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
from numpy.typing import NDArray
from ortools.graph.python import min_cost_flow

from scheduling.model import Rotation

BoolGrid = NDArray[np.bool_]

RESOLUTION = 2  # steps per working day of distance; a day costs (steps from ideal)^2
WEEKDAY_PENALTY = 24  # worth moving a day from half a day off its ideal to 2.5 days off
JITTER = 1.5  # with several slots a day, ideal dates move by up to this many days per cell
NEAR_DAYS = 3.0  # the first solve only offers days this close to an ideal date...
NEAR_SHARE = 0.3  # ...or this share of the member's ideal gap, whichever is more


@dataclass(frozen=True)
class HistorySummary:
    """What spreading needs of history: each member's last day and recent weekdays."""

    last_served: dict[str, date]
    recent: NDArray[np.bool_]  # [member, weekday]: a weekday of their last two days


def summarize_history(rotation: Rotation) -> HistorySummary:
    """One pass over the (date-sorted) history."""
    position = {m.id: i for i, m in enumerate(rotation.members)}
    last_two: dict[str, list[date]] = {}
    for entry in rotation.history:
        recent = last_two.setdefault(entry.member, [])
        recent.append(entry.day)
        if len(recent) > 2:
            del recent[0]
    grid = np.zeros((len(rotation.members), 7), dtype=bool)
    for member_id, recent in last_two.items():
        for day in recent:
            grid[position[member_id], day.weekday()] = True
    return HistorySummary({m: recent[-1] for m, recent in last_two.items()}, grid)


def phase_order(ids: list[str], last_served: dict[str, date], members: list[int]) -> list[int]:
    """Members in the order their turns come: longest since their last day first.

    First-timers are spread evenly among the veterans so that, with several slots a day,
    they tend to share a day with someone who has done it before.
    """
    veterans = sorted(
        (i for i in members if ids[i] in last_served), key=lambda i: (last_served[ids[i]], ids[i])
    )
    newcomers = [i for i in members if ids[i] not in last_served]
    keyed = [((k + 0.5) / len(veterans), 0, i) for k, i in enumerate(veterans)]
    keyed += [((k + 0.5) / len(newcomers), 1, i) for k, i in enumerate(newcomers)]
    return [i for _, _, i in sorted(keyed)]


def avoided_weekdays(
    recent: NDArray[np.bool_], gaps: NDArray[np.float64], week: int
) -> NDArray[np.bool_]:
    """The recent weekdays worth keeping each member off: only for members whose days
    are a week or more apart.

    Someone on the queue more often than once a week serves every weekday in a quarter
    whatever the plan does (a round-robin would too), so steering their days off two
    weekdays only squeezes their gaps: on a 4-person team, 2 where 4 was possible.
    """
    keep: NDArray[np.bool_] = recent & (gaps >= week)[:, None]
    return keep


def round_robin_rates(
    rotation: Rotation, counts: NDArray[np.int64], length: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Each member's round-robin rate: the period's days shared by weight over the days
    each could serve, among everyone who serves (history debts aside)."""
    weight = np.array([float(m.weight) for m in rotation.members])
    pool = float((weight * length)[counts > 0].sum())
    rates: NDArray[np.float64] = weight * length * float(counts.sum()) / max(pool, 1e-9)
    return rates


def cycle_rates(counts: NDArray[np.int64], rates: NDArray[np.float64]) -> NDArray[np.float64]:
    """Days per period that set each member's spacing: their round-robin rate when their
    count is within a day of it (as a round-robin spaces them), else their count."""
    n = counts.astype(np.float64)
    near = (n - 1 < rates) & (rates < n + 1)
    return np.where(near, rates, np.maximum(n, 1))


def target_gaps(
    rotation: Rotation, axis: BoolGrid, counts: NDArray[np.int64]
) -> NDArray[np.float64]:
    """The gap, in working days of the period, each member's days would ideally keep."""
    length = axis.sum(axis=0).astype(np.float64)
    rates = cycle_rates(counts, round_robin_rates(rotation, counts, length))
    gaps: NDArray[np.float64] = axis.shape[0] / np.maximum(rates, 1e-9)
    return gaps


def ideal_dates(
    counts: NDArray[np.int64],
    rates: NDArray[np.float64],
    length: NDArray[np.float64],
    rank: NDArray[np.float64],
    anchors: dict[int, list[float]],
) -> NDArray[np.float64]:
    """Each member's ideal positions on their own axis of days, one per day they do.

    Round-robin spaces people one cycle apart, the cycle being the team's average rate,
    and it is the even spread people expect; evenly spacing each person's own count
    would squeeze whoever does one day more than average. So a member whose target x_i
    is within one day of their count is spaced one cycle of their own rate (L_i / x_i)
    apart: those with a day more start in the first part of a cycle, the others in the
    rest, and together they fill the period evenly as a round-robin would. Anyone else
    is spaced L_i / n_i apart. Members with fixed or kept days (`anchors`, in axis
    units) get the remaining dates in the widest holes those days leave.

    Args:
        counts: days to place for each member, anchors included (members with 0 skipped).
        rates: each member's round-robin rate (round_robin_rates).
        length: each member's axis length (days they could serve).
        rank: each member's place in the turn order, in [0, 1) (see phase_order).
        anchors: member -> sorted axis positions of their fixed and kept days.

    Returns the positions of all members in one flat array: member by member, sorted.
    """
    n = counts.astype(np.float64)
    extra = (n - 1 < rates) & (rates < n)  # one day more than their rate
    fewer = (n <= rates) & (rates < n + 1)  # their rate or one day less
    cycle_rate = cycle_rates(counts, rates)
    low = np.where(fewer, rates - n, 0.0)
    high = np.where(extra, rates - n + 1, 1.0)
    # Turns are staggered within each group, in the turn order, across its whole range.
    spread_rank = np.zeros(len(counts))
    for group in (extra, fewer, ~(extra | fewer)):
        members = np.nonzero(group)[0]
        ordered = members[np.argsort(rank[members], kind="stable")]
        spread_rank[ordered] = (np.arange(len(ordered)) + 0.5) / max(len(ordered), 1)
    phase = low + spread_rank * (high - low)
    cycle = length / np.maximum(cycle_rate, 1e-9)
    owner = np.repeat(np.arange(len(counts)), counts)
    first = np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64)
    turn = np.arange(len(owner)) - first[owner]
    positions: NDArray[np.float64] = (phase[owner] + turn) * cycle[owner]
    for i, fixed in anchors.items():
        positions[first[i] : first[i] + counts[i]] = fill_holes(
            fixed, int(counts[i]) - len(fixed), float(length[i])
        )
    return positions


def fill_holes(anchors: list[float], more: int, length: float) -> list[float]:
    """`anchors` plus `more` positions in [0, length] that keep every gap widest.

    Each new position goes, one at a time, into the hole whose gaps it leaves largest
    (the optimal greedy for the smallest gap); a hole at either end of the axis counts
    half as much room, so days also keep away from the ends where others crowd.
    """
    if not anchors:
        return [(k + 0.5) * length / more for k in range(more)]
    holes = [(anchors[0], 0.0, True), (length - anchors[-1], anchors[-1], True)]
    holes += [(b - a, a, False) for a, b in zip(anchors, anchors[1:], strict=False)]
    inside = [0] * len(holes)

    def room(h: int, extra: int) -> float:
        size, _, end = holes[h]
        return size / (extra + 0.5) if end else size / (extra + 1)

    for _ in range(more):
        best = max(range(len(holes)), key=lambda h: room(h, inside[h] + 1))
        inside[best] += 1
    result = list(anchors)
    for h, (size, begin, end) in enumerate(holes):
        k = inside[h]
        if not k:
            continue
        if end and h == 0:  # before the first anchor: the last new day a step before it
            step = size / (k + 0.5)
            result += [begin + size - step * (j + 1) for j in range(k)]
        elif end:
            step = size / (k + 0.5)
            result += [begin + step * (j + 1) for j in range(k)]
        else:
            result += [begin + size * (j + 1) / (k + 1) for j in range(k)]
    return sorted(result)


def place_days(
    days: list[date],
    rotation: Rotation,
    candidates: BoolGrid,
    remaining: NDArray[np.int64],
    preplaced: BoolGrid,
    counts: NDArray[np.int64],
    history: HistorySummary,
) -> BoolGrid:
    """Fill `remaining` slots per day so each member reaches `counts`, spread well.

    Args:
        days: the working days of the period (rows of the grids).
        rotation: the rotation (members, slots per day).
        candidates: [day, member] may be placed there.
        remaining: open slots per day; a feasible fill exists (the counts came from one).
        preplaced: [day, member] already placed (fixed and kept days).
        counts: each member's total number of days, preplaced included.
        history: summarize_history(rotation).
    """
    n_days, n_members = candidates.shape
    need = counts - preplaced.sum(axis=0)
    active = np.nonzero(need > 0)[0]
    if len(active) == 0 or remaining.sum() <= 0:
        return np.zeros_like(candidates)

    # Each member's axis: the days they could be on the queue, in order; ideal dates are
    # spaced along it, so time off stretches the spacing instead of squeezing it.
    axis = candidates | preplaced
    position = np.cumsum(axis, axis=0) - 1
    length = axis.sum(axis=0).astype(np.float64)
    ids = [m.id for m in rotation.members]
    order = phase_order(ids, history.last_served, [int(i) for i in active])
    rank = np.zeros(n_members)
    seed = np.zeros(n_members, dtype=np.int64)
    for r, i in enumerate(order):
        rank[i] = (r + 0.5) / len(order)
        seed[i] = r
    rates_all = round_robin_rates(rotation, counts, length)
    anchors: dict[int, list[float]] = {}
    pre_t, pre_i = np.nonzero(preplaced[:, active])
    for t, k in zip(pre_t.tolist(), pre_i.tolist(), strict=True):
        anchors.setdefault(k, []).append(float(position[t, active[k]]) + 0.5)
    for values in anchors.values():
        values.sort()
    ideal = ideal_dates(counts[active], rates_all[active], length[active], rank[active], anchors)
    cell_base = np.zeros(n_members, dtype=np.int64)
    cell_base[active] = np.concatenate(([0], np.cumsum(counts[active])[:-1]))
    n_cells = int(counts[active].sum())
    owner = np.repeat(active, counts[active])
    local = np.repeat(np.arange(len(active)), counts[active])
    turn = np.arange(n_cells) - cell_base[owner]
    # Jitter breaks up pairs, but never by more than a sixth of anyone's gap.
    if rotation.slots_per_day >= 2:
        spacing = np.maximum(length, 1.0) / np.maximum(counts, 1)
        jitter = np.minimum(JITTER, spacing / 6)
        noise = ((seed[owner] * 7919 + turn * 104_729) % 1000) / 500.0 - 1.0
        anchored = np.isin(local, list(anchors)) if anchors else np.zeros(n_cells, dtype=bool)
        ideal = ideal + np.where(anchored, 0.0, jitter[owner] * noise)
    ideal = np.clip(ideal, 0, length[owner])
    # Sorted within each member (jitter may swap neighbours), then looked up all at once:
    # a key of member * span + position orders every member's ideals in one array.
    span = float(n_days + 2)
    keys = np.sort(local * span + ideal)
    ideal = keys - local * span
    # A day's cell is the ideal date nearest to it: boundaries halfway between ideals.
    last_of = cell_base[owner] + counts[owner] - 1 == np.arange(n_cells)
    upper = np.where(last_of, local * span + span - 0.5, (keys + np.roll(keys, -1)) / 2)
    member_node = np.zeros(n_members, dtype=np.int64)
    member_node[active] = n_days + n_cells + np.arange(len(active))
    local_of = np.zeros(n_members, dtype=np.int64)
    local_of[active] = np.arange(len(active))

    def cell_and_distance(
        t: NDArray[np.int64], i: NDArray[np.int64]
    ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        middle = position[t, i] + 0.5
        flat = np.searchsorted(upper, local_of[i] * span + middle)
        flat = np.minimum(flat, cell_base[i] + counts[i] - 1)
        return flat - cell_base[i], np.abs(middle - ideal[flat])

    occupied = np.zeros(n_cells, dtype=bool)
    if len(pre_t):
        pre_cell, _ = cell_and_distance(pre_t, active[pre_i])
        occupied[cell_base[active[pre_i]] + pre_cell] = True

    mask = np.zeros(n_members, dtype=bool)
    mask[active] = True
    t_arr, i_arr = np.nonzero(candidates & mask[None, :])
    cell, distance = cell_and_distance(t_arr, i_arr)
    weekday = np.array([day.weekday() for day in days], dtype=np.int64)
    costs = np.rint(RESOLUTION * distance).astype(np.int64) ** 2
    gap = np.maximum(length, 1.0) / np.maximum(counts, 1)
    recent = avoided_weekdays(history.recent, gap, len(rotation.workdays))
    costs += WEEKDAY_PENALTY * recent[i_arr, weekday[t_arr]]

    def solve(arcs: NDArray[np.bool_]) -> BoolGrid | None:
        flow = min_cost_flow.SimpleMinCostFlow()
        day_arcs = flow.add_arcs_with_capacity_and_unit_cost(
            t_arr[arcs],
            n_days + cell_base[i_arr[arcs]] + cell[arcs],
            np.ones(int(arcs.sum()), dtype=np.int64),
            costs[arcs],
        )
        cell_nodes = n_days + np.arange(n_cells)
        free = ~occupied
        flow.add_arcs_with_capacity_and_unit_cost(
            cell_nodes[free],
            member_node[owner[free]],
            np.ones(int(free.sum()), dtype=np.int64),
            np.zeros(int(free.sum()), dtype=np.int64),
        )
        overflow = (RESOLUTION * (n_days + 1)) ** 2 + WEEKDAY_PENALTY
        flow.add_arcs_with_capacity_and_unit_cost(
            cell_nodes,
            member_node[owner],
            need[owner].astype(np.int64),
            np.full(n_cells, overflow, dtype=np.int64),
        )
        supplies = np.zeros(n_days + n_cells + len(active), dtype=np.int64)
        supplies[:n_days] = np.maximum(remaining, 0)
        supplies[n_days + n_cells :] = -need[active]
        flow.set_nodes_supplies(np.arange(len(supplies)), supplies)
        status = flow.solve()
        if status in (flow.INFEASIBLE, flow.UNBALANCED):
            return None
        if status != flow.OPTIMAL:
            raise RuntimeError(f"spreading days failed with status {status}")
        picked = flow.flows(day_arcs) > 0
        chosen = np.zeros_like(candidates)
        chosen[t_arr[arcs][picked], i_arr[arcs][picked]] = True
        return chosen

    # Days far from every ideal date are rarely chosen: the first solve leaves them out
    # (much smaller on big teams); if it cannot reach the counts, solve with all days.
    near = distance <= np.maximum(NEAR_DAYS, NEAR_SHARE * gap[i_arr])
    result = solve(near) if not near.all() else None
    if result is None:
        result = solve(np.ones(len(t_arr), dtype=bool))
    if result is None:
        raise RuntimeError("spreading days found no way to reach the counts")
    return result
