"""Two-day stints: pairs of consecutive working days placed before the single days.

Working days are paired in order, (0, 1), (2, 3), ..., so a pair may cross a weekend
or a holiday and, with five working days a week, pairs start on every weekday in turn.
A pair can hold as many stints as both of its days have open slots. One min-cost flow
gives each member up to half their days as stints, at pairs near evenly spaced ideal
pairs (one stint per ideal, so stints keep apart); whatever cannot be paired (an odd
count, time off on one of the two days, full days) is left to the single-day placement.
Counts never change, so fairness is exactly what the counts flow made it.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from ortools.graph.python import min_cost_flow

BoolGrid = NDArray[np.bool_]

UNPAIRED = 10**7  # cost of leaving a pair's slot without a stint: more than any spacing


def place_stints(
    candidates: BoolGrid,
    remaining: NDArray[np.int64],
    need: NDArray[np.int64],
    rank: NDArray[np.float64],
) -> BoolGrid:
    """[day, member]: both days of each stint placed (a subset of `candidates`).

    Args:
        candidates: [day, member] may be placed there.
        remaining: open slots per day.
        need: days still to place per member.
        rank: each member's place in the turn order, in [0, 1), to stagger stints.
    """
    n_days, n_members = candidates.shape
    chosen = np.zeros_like(candidates)
    n_pairs = n_days // 2
    stints = need // 2
    members = np.nonzero(stints > 0)[0]
    if n_pairs == 0 or len(members) == 0:
        return chosen
    first, second = np.arange(n_pairs) * 2, np.arange(n_pairs) * 2 + 1
    both = candidates[first] & candidates[second]  # [pair, member]
    room = np.minimum(remaining[first], remaining[second]).clip(min=0)
    # Ideal pairs along each member's own pairs, evenly spaced and staggered by rank.
    axis = np.cumsum(both, axis=0) - 1
    length = both.sum(axis=0).astype(np.float64)
    cells = np.maximum(stints, 1).astype(np.float64)
    gap = np.maximum(length, 1.0) / cells
    cell_base = np.zeros(n_members, dtype=np.int64)
    cell_base[members] = np.concatenate(([0], np.cumsum(stints[members])[:-1]))
    n_cells = int(stints[members].sum())
    mask = np.zeros(n_members, dtype=bool)
    mask[members] = True
    p_arr, i_arr = np.nonzero(both & mask[None, :] & (room > 0)[:, None])
    if len(p_arr) == 0:
        return chosen
    middle = axis[p_arr, i_arr] + 0.5
    cell = np.clip(np.floor(middle / gap[i_arr] - rank[i_arr] + 0.5), 0, cells[i_arr] - 1)
    ideal = (cell + rank[i_arr]) * gap[i_arr]
    costs = np.rint(2 * np.abs(middle - ideal)).astype(np.int64) ** 2

    flow = min_cost_flow.SimpleMinCostFlow()
    cell_node = n_pairs + cell_base[i_arr] + cell.astype(np.int64)
    sink = n_pairs + n_cells + len(members)
    member_node = np.zeros(n_members, dtype=np.int64)
    member_node[members] = n_pairs + n_cells + np.arange(len(members))
    arcs = flow.add_arcs_with_capacity_and_unit_cost(
        p_arr, cell_node, np.ones(len(p_arr), dtype=np.int64), costs
    )
    owner = np.repeat(members, stints[members])
    flow.add_arcs_with_capacity_and_unit_cost(
        n_pairs + np.arange(n_cells),
        member_node[owner],
        np.ones(n_cells, dtype=np.int64),
        np.zeros(n_cells, dtype=np.int64),
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        member_node[members],
        np.full(len(members), sink),
        stints[members].astype(np.int64),
        np.zeros(len(members), dtype=np.int64),
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        np.arange(n_pairs),
        np.full(n_pairs, sink),
        room.astype(np.int64),
        np.full(n_pairs, UNPAIRED, dtype=np.int64),
    )
    supplies = np.zeros(sink + 1, dtype=np.int64)
    supplies[:n_pairs] = room
    supplies[sink] = -int(room.sum())
    flow.set_nodes_supplies(np.arange(sink + 1), supplies)
    if flow.solve() != flow.OPTIMAL:
        return chosen
    picked = flow.flows(arcs) > 0
    chosen[first[p_arr[picked]], i_arr[picked]] = True
    chosen[second[p_arr[picked]], i_arr[picked]] = True
    return chosen


def loosen(stints: BoolGrid, candidates: BoolGrid, open_slots: NDArray[np.int64]) -> bool:
    """Break one stint so that someone left with a single day has somewhere to go.

    When every day a member could take for their odd day is full of other people's
    stints, the single-day placement has no solution; the stint of another member on one
    of those days becomes two single days, which frees a slot there. Changes `stints` in
    place; False when no stint stands in anyone's way.
    """
    for i in range(stints.shape[1]):
        mine = candidates[:, i] & ~stints[:, i]
        if not mine.any() or (mine & (open_slots > 0)).any():
            continue
        for t in np.nonzero(mine)[0]:
            others = np.nonzero(stints[t] & (np.arange(stints.shape[1]) != i))[0]
            if len(others):
                stints[t, others[0]] = stints[t ^ 1, others[0]] = False
                return True
    return False
