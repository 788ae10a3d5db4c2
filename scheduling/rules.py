"""A rotation's own spacing rules: a minimum gap between a person's days, and stints.

`min_gap_days` is a hard rule where it can hold: fairness is computed with each person's
count capped at the most days the rule lets them serve (`gap_caps`), placement keeps it,
and wherever it still breaks (time off leaves no room) the plan says so in `warnings`
rather than dropping coverage. `stint_days: 2` asks for runs of two consecutive working
days; a lone day is expected where a count is odd, and any other is reported too.
"""

from __future__ import annotations

from datetime import date

import numpy as np
from numpy.typing import NDArray

from scheduling.model import Rotation, RuleWarning

BoolGrid = NDArray[np.bool_]


def allowed_step(gap: int, min_gap: int, stint_days: int) -> bool:
    """Whether two consecutive days of one person, `gap` working days apart, may stand.

    With stints, the two days of a stint are one working day apart; the minimum gap
    is then counted between stints.
    """
    return gap >= min_gap or (stint_days == 2 and gap == 1)


def inside_stints(mine: list[int]) -> list[bool]:
    """For each step between a person's consecutive days (working-day indices, sorted):
    whether it joins the two days of one stint. Days pair from the first on, as
    `_lone_days` reads them, so of three days in a row only the first two are a stint
    and the third is a day of its own, one working day after it."""
    inside = [False] * max(len(mine) - 1, 0)
    k = 0
    while k + 1 < len(mine):
        if mine[k + 1] - mine[k] == 1:
            inside[k] = True
            k += 2
        else:
            k += 1
    return inside


def most_days(days: list[int], fixed: set[int], min_gap: int, stint_days: int = 1) -> int:
    """The most days one person can serve from `days` (fixed ones included) with every
    gap at least `min_gap`, ignoring everyone else: greedy earliest, which is optimal
    for one person. Fixed days too close together still count (they are reported)."""
    chosen: list[int] = []
    ordered = sorted(set(days) | fixed)
    fixed_sorted = sorted(fixed)
    k = 0
    for day in ordered:
        while k < len(fixed_sorted) and fixed_sorted[k] < day:
            k += 1
        upcoming = fixed_sorted[k] if k < len(fixed_sorted) else None
        if day in fixed:
            chosen.append(day)
            continue
        if chosen and not _fits(chosen, day, min_gap, stint_days):
            continue
        if upcoming is not None and not allowed_step(upcoming - day, min_gap, stint_days):
            continue
        chosen.append(day)
    return len(chosen)


def _fits(chosen: list[int], day: int, min_gap: int, stint_days: int) -> bool:
    step = day - chosen[-1]
    if step >= min_gap:
        return True
    # A stint: the second day right after a first day that is not itself a second day.
    return stint_days == 2 and step == 1 and (len(chosen) < 2 or chosen[-1] - chosen[-2] > 1)


def gap_caps(
    candidates: BoolGrid, fixed: BoolGrid, min_gap: int, stint_days: int
) -> NDArray[np.int64]:
    """Per member: the most days the minimum gap lets them serve in the period."""
    caps = np.zeros(candidates.shape[1], dtype=np.int64)
    for i in range(candidates.shape[1]):
        days = np.nonzero(candidates[:, i])[0].tolist()
        pinned = set(np.nonzero(fixed[:, i])[0].tolist())
        caps[i] = most_days(days, pinned, min_gap, stint_days)
    return caps


def rule_warnings(
    rotation: Rotation,
    days: list[date],
    grid: BoolGrid,
    available: BoolGrid,
    fixed: BoolGrid,
    kept: BoolGrid | None = None,
) -> list[RuleWarning]:
    """Every place the plan (`grid`, [day, member]) breaks min_gap_days or has a lone
    day that a stint rotation did not expect, with the reason. `kept`: the days kept
    from `previous` (a lone day there was published before the rule, not forced)."""
    warnings: list[RuleWarning] = []
    names = {m.id: m.name for m in rotation.members}
    for i, member in enumerate(rotation.members):
        mine = np.nonzero(grid[:, i])[0].tolist()
        if not mine:
            continue
        if rotation.min_gap_days is not None:
            warnings += _gap_warnings(rotation, days, mine, available[:, i], fixed[:, i], i)
        if rotation.stint_days == 2:
            lone = _lone_days(mine)
            for t in lone[len(mine) % 2 :] if len(lone) > len(mine) % 2 else []:
                warnings.append(
                    RuleWarning(
                        member=member.id,
                        days=(days[t],),
                        rule="stint_days",
                        reason=(
                            f"{names[member.id]} has a lone day on {days[t]}: "
                            + (
                                "it is fixed or kept from the previous plan"
                                if fixed[t, i] or (kept is not None and kept[t, i])
                                else "no two consecutive working days were open to them there"
                            )
                        ),
                    )
                )
    return warnings


def _gap_warnings(
    rotation: Rotation,
    days: list[date],
    mine: list[int],
    available: NDArray[np.bool_],
    fixed: NDArray[np.bool_],
    i: int,
) -> list[RuleWarning]:
    assert rotation.min_gap_days is not None
    member = rotation.members[i]
    room = most_days(
        np.nonzero(available)[0].tolist(),
        set(np.nonzero(fixed)[0].tolist()),
        rotation.min_gap_days,
        rotation.stint_days,
    )
    result = []
    paired = inside_stints(mine) if rotation.stint_days == 2 else [False] * (len(mine) - 1)
    for a, b, stint in zip(mine, mine[1:], paired, strict=False):
        if stint or b - a >= rotation.min_gap_days:
            continue
        if fixed[a] and fixed[b]:
            why = "both days are fixed"
        elif room < len(mine):
            why = (
                f"their time off leaves room for only {room} such day(s), and the "
                f"days fair to them number {len(mine)}"
            )
        else:
            why = "the days others could not take leave no wider spacing"
        result.append(
            RuleWarning(
                member=member.id,
                days=(days[a], days[b]),
                rule="min_gap_days",
                reason=(
                    f"{member.name} serves {days[a]} and {days[b]}, {b - a} working day(s) "
                    f"apart, closer than min_gap_days {rotation.min_gap_days}: {why}"
                ),
            )
        )
    return result


def _lone_days(mine: list[int]) -> list[int]:
    """Days not paired with the day before or after into a stint of two."""
    lone = []
    k = 0
    while k < len(mine):
        if k + 1 < len(mine) and mine[k + 1] - mine[k] == 1:
            k += 2
        else:
            lone.append(mine[k])
            k += 1
    return lone


def breaks_gap(grid: BoolGrid, min_gap: int) -> bool:
    """Whether any member has two days closer than `min_gap` working days."""
    for i in range(grid.shape[1]):
        mine = np.nonzero(grid[:, i])[0]
        if len(mine) > 1 and int(np.diff(mine).min()) < min_gap:
            return True
    return False


def keep_gap(
    placed: BoolGrid, locked: BoolGrid, candidates: BoolGrid, min_gap: int, effort: float = 20.0
) -> BoolGrid | None:
    """The same counts per day and per member as `placed`, every gap at least `min_gap`.

    The swap search cannot always untangle a dense rotation (one change needs another
    first), so this asks CP-SAT: the movable days are booleans, each day keeps its
    number of people and each member their count (so fairness is untouched), every
    window of `min_gap` working days holds at most one of a person's days, and as many
    of the flow's choices as possible stay. None when no such placement exists or none
    is found within `effort` (CP-SAT's deterministic time, so the answer is repeatable).
    """
    from ortools.sat.python import cp_model

    n_days, n_members = placed.shape
    model = cp_model.CpModel()
    t_arr, i_arr = np.nonzero(candidates)
    chosen = {
        (int(t), int(i)): model.new_bool_var(f"x{t}_{i}")
        for t, i in zip(t_arr.tolist(), i_arr.tolist(), strict=True)
    }
    by_day: dict[int, list[cp_model.IntVar]] = {}
    by_member: dict[int, list[tuple[int, cp_model.IntVar]]] = {}
    for (t, i), var in chosen.items():
        by_day.setdefault(t, []).append(var)
        by_member.setdefault(i, []).append((t, var))
    for t in range(n_days):
        model.add(sum(by_day.get(t, [])) == int(placed[t].sum()))
    for i in range(n_members):
        mine = by_member.get(i, [])
        model.add(sum(var for _, var in mine) == int(placed[:, i].sum()))
        pinned = np.nonzero(locked[:, i])[0].tolist()
        for start in range(n_days - 1):
            inside = [var for t, var in mine if start <= t < start + min_gap]
            fixed_inside = sum(1 for t in pinned if start <= t < start + min_gap)
            if inside and len(inside) + fixed_inside > 1:
                model.add(sum(inside) + fixed_inside <= 1)
    model.maximize(sum(var for (t, i), var in chosen.items() if placed[t, i]))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 7
    solver.parameters.max_deterministic_time = effort
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    result = np.zeros_like(placed)
    for (t, i), var in chosen.items():
        if solver.value(var):
            result[t, i] = True
    return result
