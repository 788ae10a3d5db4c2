"""Choosing which days, once each member's count is fixed: spread, weekdays and pairs.

Each member gets evenly spaced ideal dates across their time on the team in the period
(one per day they will do), staggered between members like a round-robin, so that the
people who served longest ago come first. A day costs its distance from the member's
nearest ideal date, plus a penalty for a weekday of their last two support days. Each
ideal date is a "cell": one day per cell is free, a second day in the same cell is
penalised, which keeps a person's days apart without ever making a plan infeasible.
With several slots a day, each ideal date is jittered by a member- and cell-specific
amount, so the people who share one day are not the same people who share the next.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import numpy as np
from numpy.typing import NDArray
from ortools.graph.python import min_cost_flow

from scheduling.model import Rotation

BoolGrid = NDArray[np.bool_]

RESOLUTION = 2  # steps per working day of distance; a day costs (steps from ideal)^2
WEEKDAY_PENALTY = 24  # worth moving a day from half a day off its ideal to 2.5 days off
JITTER = 1.5  # with several slots a day, ideal dates move by up to this many days per cell


def phase_order(rotation: Rotation, members: list[int]) -> list[int]:
    """Members in the order their turns come: longest since their last day first.

    First-timers are spread evenly among the veterans so that, with several slots a day,
    they tend to share a day with someone who has done it before.
    """
    last_served: dict[str, date] = {}
    for entry in rotation.history:
        last_served[entry.member] = max(entry.day, last_served.get(entry.member, entry.day))
    ids = [rotation.members[i].id for i in members]
    veterans = sorted(
        (i for i, m in zip(members, ids, strict=True) if m in last_served),
        key=lambda i: (last_served[rotation.members[i].id], rotation.members[i].id),
    )
    newcomers = [i for i, m in zip(members, ids, strict=True) if m not in last_served]
    keyed = [((k + 0.5) / len(veterans), 0, i) for k, i in enumerate(veterans)]
    keyed += [((k + 0.5) / len(newcomers), 1, i) for k, i in enumerate(newcomers)]
    return [i for _, _, i in sorted(keyed)]


def recent_weekdays(rotation: Rotation, n_members: int) -> NDArray[np.bool_]:
    """[member, weekday]: a weekday of one of the member's last two history days."""
    by_member: dict[str, list[date]] = defaultdict(list)
    for entry in rotation.history:  # sorted by date
        by_member[entry.member].append(entry.day)
    grid = np.zeros((n_members, 7), dtype=bool)
    for i, member in enumerate(rotation.members):
        for day in by_member.get(member.id, [])[-2:]:
            grid[i, day.weekday()] = True
    return grid


def place_days(
    days: list[date],
    rotation: Rotation,
    candidates: BoolGrid,
    remaining: NDArray[np.int64],
    preplaced: BoolGrid,
    counts: NDArray[np.int64],
) -> BoolGrid:
    """Fill `remaining` slots per day so each member reaches `counts`, spread well.

    Args:
        days: the working days of the period (rows of the grids).
        rotation: the rotation (members, history, slots per day).
        candidates: [day, member] may be placed there.
        remaining: open slots per day; a feasible fill exists (the counts came from one).
        preplaced: [day, member] already placed (fixed and kept days).
        counts: each member's total number of days, preplaced included.
    """
    n_days, n_members = candidates.shape
    need = counts - preplaced.sum(axis=0)
    active = np.nonzero(need > 0)[0]
    chosen = np.zeros_like(candidates)
    if len(active) == 0 or remaining.sum() <= 0:
        return chosen

    # Each member's axis: the days they could be on the queue, in order; ideal dates are
    # evenly spaced along it, so time off stretches the spacing instead of squeezing it.
    axis = candidates | preplaced
    position = np.cumsum(axis, axis=0) - 1
    length = axis.sum(axis=0).astype(np.float64)
    order = phase_order(rotation, [int(i) for i in active])
    phase = np.zeros(n_members)
    seed = np.zeros(n_members, dtype=np.int64)
    for rank, i in enumerate(order):
        phase[i] = (rank + 0.5) / len(order)
        seed[i] = rank
    jitter = JITTER if rotation.slots_per_day >= 2 else 0.0
    cells = np.maximum(counts, 1).astype(np.float64)
    gap = np.maximum(length, 1.0) / cells

    def cell_and_distance(
        t: NDArray[np.int64], i: NDArray[np.int64]
    ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        middle = position[t, i] + 0.5
        cell = np.clip(np.floor(middle / gap[i] - phase[i] + 0.5), 0, cells[i] - 1)
        # A fixed pseudo-random offset in [-1, 1) per (member, cell): deterministic.
        noise = ((seed[i] * 7919 + cell.astype(np.int64) * 104_729) % 1000) / 500.0 - 1.0
        ideal = np.clip((cell + phase[i]) * gap[i] + jitter * noise, 0, length[i])
        return cell.astype(np.int64), np.abs(middle - ideal)

    cell_base = np.zeros(n_members, dtype=np.int64)
    cell_base[active] = np.concatenate(([0], np.cumsum(counts[active])[:-1]))
    n_cells = int(counts[active].sum())
    cell_node0, member_node0 = n_days, n_days + n_cells
    sink_of = {int(i): member_node0 + k for k, i in enumerate(active)}

    occupied = np.zeros(n_cells, dtype=bool)
    pre_t, pre_i = np.nonzero(preplaced[:, active])
    pre_i = active[pre_i]
    if len(pre_t):
        pre_cell, _ = cell_and_distance(pre_t, pre_i)
        occupied[cell_base[pre_i] + pre_cell] = True

    mask = np.zeros(n_members, dtype=bool)
    mask[active] = True
    t_arr, i_arr = np.nonzero(candidates & mask[None, :])
    cell, distance = cell_and_distance(t_arr, i_arr)
    weekday = np.array([day.weekday() for day in days], dtype=np.int64)
    repeats = recent_weekdays(rotation, n_members)[i_arr, weekday[t_arr]]
    costs = np.rint(RESOLUTION * distance).astype(np.int64) ** 2
    costs += WEEKDAY_PENALTY * repeats

    flow = min_cost_flow.SimpleMinCostFlow()
    day_arcs = flow.add_arcs_with_capacity_and_unit_cost(
        t_arr, cell_node0 + cell_base[i_arr] + cell, np.ones(len(t_arr), dtype=np.int64), costs
    )
    owner = np.repeat(active, counts[active])
    cell_ids = np.arange(n_cells)
    member_nodes = np.array([sink_of[int(i)] for i in owner], dtype=np.int64)
    free_cells = ~occupied
    flow.add_arcs_with_capacity_and_unit_cost(
        cell_node0 + cell_ids[free_cells],
        member_nodes[free_cells],
        np.ones(int(free_cells.sum()), dtype=np.int64),
        np.zeros(int(free_cells.sum()), dtype=np.int64),
    )
    overflow_cost = (RESOLUTION * (n_days + 1)) ** 2 + WEEKDAY_PENALTY
    flow.add_arcs_with_capacity_and_unit_cost(
        cell_node0 + cell_ids,
        member_nodes,
        need[owner].astype(np.int64),
        np.full(n_cells, overflow_cost, dtype=np.int64),
    )
    supplies = np.zeros(member_node0 + len(active), dtype=np.int64)
    supplies[:n_days] = np.maximum(remaining, 0)
    supplies[member_node0:] = -need[active]
    flow.set_nodes_supplies(np.arange(len(supplies)), supplies)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"spreading days failed with status {status}")
    picked = flow.flows(day_arcs) > 0
    chosen[t_arr[picked], i_arr[picked]] = True
    return chosen
