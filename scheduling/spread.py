"""Choosing which days, once each member's count is fixed: spread, weekdays and pairs.

Each member gets evenly spaced ideal dates along the days they could serve in the
period (one per day they will do), staggered between members like a round-robin, so
that the people who served longest ago come first. A day costs its squared distance
from the member's nearest ideal date, plus a penalty for a weekday of their last two
support days. Each ideal date is a "cell": one day per cell is free, a second day in
the same cell is penalised, which keeps a person's days apart without ever making a
plan infeasible. With several slots a day, each ideal date is jittered by a member- and
cell-specific amount, so the people who share one day are not the same people who
share the next.
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
    # evenly spaced along it, so time off stretches the spacing instead of squeezing it.
    axis = candidates | preplaced
    position = np.cumsum(axis, axis=0) - 1
    length = axis.sum(axis=0).astype(np.float64)
    cells = np.maximum(counts, 1).astype(np.float64)
    gap = np.maximum(length, 1.0) / cells
    ids = [m.id for m in rotation.members]
    phase = np.zeros(n_members)
    seed = np.zeros(n_members, dtype=np.int64)
    order = phase_order(ids, history.last_served, [int(i) for i in active])
    for rank, i in enumerate(order):
        phase[i] = (rank + 0.5) / len(order)
        seed[i] = rank
    # Jitter breaks up pairs, but never by more than a sixth of anyone's gap.
    jitter = np.minimum(JITTER, gap / 6) if rotation.slots_per_day >= 2 else np.zeros(n_members)

    def cell_and_distance(
        t: NDArray[np.int64], i: NDArray[np.int64]
    ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        middle = position[t, i] + 0.5
        cell = np.clip(np.floor(middle / gap[i] - phase[i] + 0.5), 0, cells[i] - 1)
        # A fixed pseudo-random offset in [-1, 1) per (member, cell): deterministic.
        noise = ((seed[i] * 7919 + cell.astype(np.int64) * 104_729) % 1000) / 500.0 - 1.0
        ideal = np.clip((cell + phase[i]) * gap[i] + jitter[i] * noise, 0, length[i])
        return cell.astype(np.int64), np.abs(middle - ideal)

    cell_base = np.zeros(n_members, dtype=np.int64)
    cell_base[active] = np.concatenate(([0], np.cumsum(counts[active])[:-1]))
    n_cells = int(counts[active].sum())
    owner = np.repeat(active, counts[active])
    member_node = np.zeros(n_members, dtype=np.int64)
    member_node[active] = n_days + n_cells + np.arange(len(active))

    occupied = np.zeros(n_cells, dtype=bool)
    pre_t, pre_i = np.nonzero(preplaced[:, active])
    if len(pre_t):
        pre_cell, _ = cell_and_distance(pre_t, active[pre_i])
        occupied[cell_base[active[pre_i]] + pre_cell] = True

    mask = np.zeros(n_members, dtype=bool)
    mask[active] = True
    t_arr, i_arr = np.nonzero(candidates & mask[None, :])
    cell, distance = cell_and_distance(t_arr, i_arr)
    weekday = np.array([day.weekday() for day in days], dtype=np.int64)
    costs = np.rint(RESOLUTION * distance).astype(np.int64) ** 2
    costs += WEEKDAY_PENALTY * history.recent[i_arr, weekday[t_arr]]

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
