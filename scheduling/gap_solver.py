"""The fairest plan with min_gap_days in force, when the flows' counts cannot keep it.

The flows cap each count at what the gap allows one person alone; that is exact unless
people compete for the same few days, and then the fairest counts may need another
placement, or other counts. A minimum gap is not a flow constraint, so this solves the
same lexicographic problem with CP-SAT: coverage exact, every window of min_gap_days
working days holding at most one of a person's days; then (a) the smallest band D, by
the planner's own search over candidate bounds (exact integers, small in the model),
(b) the least sum of squares in that band, (c) the most `previous` days kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:  # CP-SAT is loaded only when a rotation needs it: it costs 40 MB
    from ortools.sat.python import cp_model

BoolGrid = NDArray[np.bool_]
EFFORT = 20.0  # CP-SAT deterministic time per solve: repeatable, unlike wall time
BIGGEST = 2**52  # the sum of squares, scaled below this when the denominator is huge


class GapModel:
    """Coverage and the gap rule over the free slots; counts bounded on demand."""

    def __init__(self, candidates: BoolGrid, fixed: BoolGrid, free: NDArray[np.int64], gap: int):
        from ortools.sat.python import cp_model

        self.model = cp_model.CpModel()
        n_days, n_members = candidates.shape
        t_arr, i_arr = np.nonzero(candidates)
        self.x = {
            (int(t), int(i)): self.model.new_bool_var(f"x{t}_{i}")
            for t, i in zip(t_arr.tolist(), i_arr.tolist(), strict=True)
        }
        self.mine: list[list[tuple[int, cp_model.IntVar]]] = [[] for _ in range(n_members)]
        by_day: list[list[cp_model.IntVar]] = [[] for _ in range(n_days)]
        for (t, i), var in self.x.items():
            self.mine[i].append((t, var))
            by_day[t].append(var)
        for t in range(n_days):
            self.model.add(sum(by_day[t]) == int(max(free[t], 0)))
        for i in range(n_members):
            pinned = np.nonzero(fixed[:, i])[0].tolist()
            for start in range(n_days - 1):
                inside = [var for t, var in self.mine[i] if start <= t < start + gap]
                pinned_inside = sum(1 for t in pinned if start <= t < start + gap)
                if inside and len(inside) + pinned_inside > 1:
                    self.model.add(sum(inside) + pinned_inside <= 1)
        self.count: list[cp_model.LinearExprT] = [
            self.model.new_int_var(0, len(self.mine[i]), f"n{i}") for i in range(n_members)
        ]
        for i in range(n_members):
            self.model.add(self.count[i] == sum(var for _, var in self.mine[i]))

    def solve(self) -> cp_model.CpSolver | None:
        from ortools.sat.python import cp_model

        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = 7
        solver.parameters.max_deterministic_time = EFFORT
        status = solver.solve(self.model)
        return solver if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None


def fairest_with_gap(
    candidates: BoolGrid,
    fixed: BoolGrid,
    free: NDArray[np.int64],
    gap: int,
    ranges: Callable[[int], tuple[dict[int, int], dict[int, int]] | None],
    smallest: Callable[[Callable[[int], bool]], int],
    deviation: Callable[[int, int], int],
    keep: BoolGrid | None,
) -> BoolGrid | None:
    """[day, member] the free slots of the fairest plan that keeps the gap; None when
    no plan with full coverage keeps it (or none is found within the effort).

    Args:
        candidates, fixed, free: as in the planner's Problem.
        gap: min_gap_days.
        ranges: bound -> per-member (lower, upper) free-slot counts, or None when empty.
        smallest: the planner's search for the smallest bound that holds.
        deviation: (member, free-slot count) -> (n_i - x_i) * denominator.
        keep: [day, member] still-valid previous days, or None.
    """

    def feasible(bound: int | None) -> GapModel | None:
        model = GapModel(candidates, fixed, free, gap)
        if bound is not None:
            band = ranges(bound)
            if band is None:
                return None
            lower, upper = band
            for i, low in lower.items():
                model.model.add(model.count[i] >= low)
                model.model.add(model.count[i] <= upper[i])
        return model if model.solve() is not None else None

    if feasible(None) is None:
        return None
    bound = smallest(lambda b: feasible(b) is not None)
    band = ranges(bound)
    assert band is not None
    lower, upper = band
    model = GapModel(candidates, fixed, free, gap)
    squares: dict[int, list[int]] = {
        i: [deviation(i, k) ** 2 for k in range(lower[i], upper[i] + 1)] for i in lower
    }
    top = max((max(v) for v in squares.values() if v), default=1)
    scale = min(1.0, BIGGEST / max(top * max(len(squares), 1), 1))
    cost_terms = []
    for i, values in squares.items():
        model.model.add(model.count[i] >= lower[i])
        model.model.add(model.count[i] <= upper[i])
        scaled = [int(v * scale) if scale < 1 else v for v in values]
        cost = model.model.new_int_var(0, max(scaled), f"c{i}")
        offset = model.model.new_int_var(0, len(values) - 1, f"o{i}")
        model.model.add(offset == model.count[i] - lower[i])
        model.model.add_element(offset, scaled, cost)
        cost_terms.append(cost)
    total = sum(cost_terms)
    model.model.minimize(total)
    solver = model.solve()
    if solver is None:
        return None
    best = int(solver.objective_value)
    if keep is not None:
        model.model.add(total == best)
        model.model.maximize(sum(var for (t, i), var in model.x.items() if keep[t, i]))
        solver = model.solve()
        if solver is None:
            return None
    chosen = np.zeros_like(candidates)
    for (t, i), var in model.x.items():
        if solver.value(var):
            chosen[t, i] = True
    return chosen
