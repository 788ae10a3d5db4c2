"""Spread benchmark: how evenly the planner spaces each person's days, next to round-robin.

Generates random specs with the shared spec generator (`specgen.py`, all its options:
time off, churn, part-timers, holidays, history, fixed days, a `previous` plan), plans
each one with the planner and with specgen's naive round-robin baseline, and measures
spacing exactly as the independent checker (`plancheck.py`) does:

- ratio: the median over people with two or more plan days of their smallest gap (in
  working days), divided by the median of their ideal gaps floor(W / n_i);
- relative: the planner's ratio over round-robin's on the same spec;
- weekday repeats: people whose plan days fall on a weekday of their last two history
  days, out of those with both.

Prints min / median / mean of `relative` per team size, with and without `previous`, and
the weekday repeats of both planners. With --check, every plan also goes through
plancheck (hard rules, coverage, exact D* and S*) and the pass rate is printed.

    python bench/spread_bench.py [--tools ../shared/tools] [--seeds N] [--check] [--quick]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scheduling.planner import make_plan  # noqa: E402
from scheduling.spec import parse_spec  # noqa: E402

# (members, slots per day): small teams to the size of a department.
SIZES = [(5, 1), (12, 1), (25, 1), (25, 2), (60, 2), (120, 3), (200, 5), (400, 8)]
QUICK_SIZES = [(5, 1), (12, 1), (25, 2), (60, 2), (200, 5)]
COUNTRIES = [None, None, "DE", "US", "GB"]


@dataclass
class Result:
    seed: int
    size: tuple[int, int]
    previous: bool
    ratio: float | None
    baseline_ratio: float | None  # round-robin's; with `previous`, what kept days allow
    fair_ratio: float | None  # what the fair counts allow each person (capped at rr's)
    repeats: tuple[int, int]
    baseline_repeats: tuple[int, int]
    checked: bool | None
    seconds: float


def load_tools(folder: Path) -> tuple[ModuleType, ModuleType]:
    sys.path.insert(0, str(folder))
    import plancheck
    import specgen

    return specgen, plancheck


def options_for(specgen: ModuleType, seed: int, members: int, slots: int) -> Any:
    """specgen's command line for one spec: options drawn from the seed."""
    import random

    rng = random.Random(seed * 7919 + members)
    argv = [
        f"--seed={seed}",
        f"--members={members}",
        f"--slots={slots}",
        f"--pto={rng.choice([0.0, 0.05, 0.1, 0.2])}",
        f"--history-quarters={rng.choice([0, 1, 4, 8])}",
        f"--fixed={rng.choice([0, 3, 6])}",
    ]
    if rng.random() < 0.5:
        argv.append("--churn")
    if rng.random() < 0.5:
        argv.append("--weights")
    country = rng.choice(COUNTRIES)
    if country:
        argv.append(f"--country={country}")
    if seed % 3 == 2:
        argv.append("--previous")
    return specgen.parse_args(argv)


def spacing_ratio(plancheck: ModuleType, spec: Any, entries: list[Any]) -> float | None:
    metrics = plancheck.spacing_metrics(spec, plancheck.group_by_member(entries))
    if not metrics["members"] or not metrics["median_ideal_gap"]:
        return None
    return float(metrics["median_min_gap"] / metrics["median_ideal_gap"])


def widest_gap(anchors: list[int], open_days: list[int], more: int) -> int:
    """The widest smallest gap one person can have: `anchors` kept, `more` days added
    from `open_days` (days with a free slot they could take), others ignored."""
    if more <= 0:
        return min((b - a for a, b in zip(anchors, anchors[1:], strict=False)), default=10**6)

    def fits(gap: int) -> bool:
        fixed = sorted(anchors)
        chosen, last, k = 0, -(10**6), 0
        for day in sorted(set(open_days) | set(fixed)):
            while k < len(fixed) and fixed[k] < day:
                k += 1
            if k < len(fixed) and fixed[k] == day:
                if day - last < gap:
                    return False
                last = day
                continue
            upcoming = fixed[k] if k < len(fixed) else 10**6
            if day - last >= gap and upcoming - day >= gap:
                chosen, last = chosen + 1, day
        return chosen >= more

    low, high = 1, 10**4
    if not fits(1):
        return 0
    while low < high:
        middle = (low + high + 1) // 2
        if fits(middle):
            low = middle
        else:
            high = middle - 1
    return low


def allowed_ratio(plancheck: ModuleType, spec: Any, entries: list[Any], cap: float) -> float | None:
    """What the kept days allow: each person's widest smallest gap with their kept and
    fixed days in place and their other days on days with a free slot (at most `cap`,
    round-robin's median smallest gap), as a median over the ideal gap."""
    keep = plancheck.still_valid_previous(spec) | set(spec.fixed)
    index = spec.day_index
    per_day: dict[Any, int] = defaultdict(int)
    anchored: dict[Any, int] = defaultdict(int)
    for entry in entries:
        per_day[entry.day] += 1
        if entry in keep:
            anchored[entry.day] += 1
    open_days = {day for day in per_day if anchored[day] < per_day[day]}
    gaps, ideals = [], []
    for member, days in plancheck.group_by_member(entries).items():
        if len(days) < 2:
            continue
        anchors = [index[d] for d in days if plancheck.DayEntry(d, member) in keep]
        person = spec.members[member]
        mine = [index[d] for d in open_days if person.available(d)]
        gaps.append(min(widest_gap(anchors, mine, len(days) - len(anchors)), cap))
        ideals.append(len(spec.period_days) // len(days))
    if not gaps or not statistics.median(ideals):
        return None
    return float(statistics.median(gaps) / statistics.median(ideals))


def repeats(plancheck: ModuleType, spec: Any, entries: list[Any]) -> tuple[int, int]:
    metrics = plancheck.weekday_metrics(spec, plancheck.group_by_member(entries))
    return int(metrics["repeats"]), int(metrics["members"])


def run_one(
    specgen: ModuleType, plancheck: ModuleType, seed: int, size: tuple[int, int], check: bool
) -> Result:
    options = options_for(specgen, seed, *size)
    raw = specgen.generate_spec(options)
    spec = plancheck.load_spec(raw)
    began = time.perf_counter()
    plan = make_plan(parse_spec(json.dumps(raw)))
    seconds = time.perf_counter() - began
    entries = [plancheck.DayEntry(e.day, e.member) for e in plan.assignments]
    baseline = specgen.baseline_plan(spec)
    base_entries = [
        plancheck.DayEntry(plancheck.date.fromisoformat(a["date"]), a["member"])
        for a in baseline["assignments"]
    ]
    baseline_ratio = spacing_ratio(plancheck, spec, base_entries)
    rr = plancheck.spacing_metrics(spec, plancheck.group_by_member(base_entries))
    cap = rr["median_min_gap"] or 10**6
    # Round-robin ignores fairness: where fairness gives someone many days of a short
    # quarter, its gaps are out of reach. What the fair counts allow (each person's
    # widest smallest gap with their count, fixed and kept days, alone) is the fair bound.
    fair_ratio = allowed_ratio(plancheck, spec, entries, cap)
    if options.previous:
        baseline_ratio = fair_ratio
    elif baseline_ratio is not None and fair_ratio is not None:
        fair_ratio = min(fair_ratio, baseline_ratio)
    checked = None
    if check:
        as_json = {
            "assignments": [
                {"date": e.day.isoformat(), "member": e.member} for e in plan.assignments
            ],
            "unfilled": [
                {"date": u.day.isoformat(), "open_slots": u.open_slots, "reason": u.reason}
                for u in plan.unfilled
            ],
            "balances": {m: round(float(b), 3) for m, b in plan.balances.items()},
        }
        report, _ = plancheck.check(spec, plancheck.load_plan(as_json))
        checked = bool(report["ok"])
    return Result(
        seed=seed,
        size=size,
        previous=bool(options.previous),
        ratio=spacing_ratio(plancheck, spec, entries),
        baseline_ratio=baseline_ratio,
        fair_ratio=fair_ratio,
        repeats=repeats(plancheck, spec, entries),
        baseline_repeats=repeats(plancheck, spec, base_entries),
        checked=checked,
        seconds=seconds,
    )


@dataclass
class RuleResult:
    size: tuple[int, int]
    min_gap: int | None
    stint_days: int
    hard_and_coverage: bool
    fair_unconstrained: bool  # D and S equal the checker's D*, S* (computed without rules)
    warned_people: int
    people: int


def run_rules(
    specgen: ModuleType, plancheck: ModuleType, seed: int, size: tuple[int, int]
) -> RuleResult:
    """One spec planned with a minimum gap of half the ideal gap and, on odd seeds, two-day
    stints; checked for hard rules and coverage, and fairness against the rule-free D*/S*."""
    options = options_for(specgen, seed, *size)
    raw = specgen.generate_spec(options)
    spec = plancheck.load_spec(raw)
    members, slots = size
    gap = max(2, min(20, members // slots // 2))
    stint = 2 if seed % 2 else 1
    plan = make_plan(parse_spec(json.dumps({**raw, "min_gap_days": gap, "stint_days": stint})))
    as_json = {
        "assignments": [{"date": e.day.isoformat(), "member": e.member} for e in plan.assignments],
        "unfilled": [
            {"date": u.day.isoformat(), "open_slots": u.open_slots, "reason": u.reason}
            for u in plan.unfilled
        ],
        "balances": {m: round(float(b), 3) for m, b in plan.balances.items()},
    }
    report, _ = plancheck.check(spec, plancheck.load_plan(as_json))
    people = len({e.member for e in plan.assignments})
    return RuleResult(
        size=size,
        min_gap=gap,
        stint_days=stint,
        hard_and_coverage=bool(report["hard_ok"] and report["coverage_ok"]),
        fair_unconstrained=bool(report["fair"]),
        warned_people=len({w.member for w in plan.warnings}),
        people=people,
    )


def report_rules(results: list[RuleResult]) -> None:
    print(
        f"{'team':>14} {'specs':>5} {'hard+coverage':>13} {'D*,S* as without':>16}"
        "  people with a warning"
    )
    groups: dict[tuple[int, int], list[RuleResult]] = defaultdict(list)
    for result in results:
        groups[result.size].append(result)
    for size, group in sorted(groups.items()):
        ok = sum(r.hard_and_coverage for r in group)
        fair = sum(r.fair_unconstrained for r in group)
        warned = sum(r.warned_people for r in group)
        people = sum(r.people for r in group)
        print(
            f"{size[0]:>5} x {size[1]:>2} slots {len(group):>5} {ok:>13} {fair:>16}"
            f"  {warned}/{people}"
        )


def summary(values: list[float]) -> str:
    if not values:
        return f"{'-':>27}"
    return f"{min(values):>7.2f} {statistics.median(values):>9.2f} {statistics.fmean(values):>9.2f}"


def report(results: list[Result]) -> None:
    print(
        f"{'team':>14} {'prev':>5} {'specs':>5} {'min':>7} {'median':>9} {'mean':>9}"
        f"  {'ratio':>5} {'rr':>5}  {'fair min':>8} {'median':>6}"
        "  weekday repeats (plan / round-robin)"
    )
    groups: dict[tuple[tuple[int, int], bool], list[Result]] = defaultdict(list)
    for result in results:
        groups[(result.size, result.previous)].append(result)
    for (size, previous), group in sorted(groups.items()):
        print_row(f"{size[0]:>5} x {size[1]:>2} slots", previous, group)
    for previous in (False, True):
        print_row("all sizes", previous, [r for r in results if r.previous == previous])


def print_row(label: str, previous: bool, group: list[Result]) -> None:
    rel = [
        r.ratio / r.baseline_ratio
        for r in group
        if r.ratio is not None and r.baseline_ratio is not None and r.baseline_ratio > 0
    ]
    fair = [
        r.ratio / r.fair_ratio
        for r in group
        if r.ratio is not None and r.fair_ratio is not None and r.fair_ratio > 0
    ]
    ratio = [r.ratio for r in group if r.ratio is not None]
    base = [r.baseline_ratio for r in group if r.baseline_ratio is not None]
    plan_rep = sum(r.repeats[0] for r in group), sum(r.repeats[1] for r in group)
    base_rep = sum(r.baseline_repeats[0] for r in group), sum(r.baseline_repeats[1] for r in group)
    print(
        f"{label:>14} {'yes' if previous else 'no':>5} {len(group):>5} {summary(rel)}"
        f"  {statistics.median(ratio) if ratio else 0:>5.2f}"
        f" {statistics.median(base) if base else 0:>5.2f}"
        f"  {min(fair) if fair else 0:>8.2f} {statistics.median(fair) if fair else 0:>6.2f}"
        f"  {plan_rep[0]}/{plan_rep[1]} / {base_rep[0]}/{base_rep[1]}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tools", type=Path, default=ROOT.parent / "shared" / "tools")
    parser.add_argument("--seeds", type=int, default=14, help="specs per team size")
    parser.add_argument("--check", action="store_true", help="also run plancheck on each plan")
    parser.add_argument("--quick", action="store_true", help="fewer, smaller teams")
    parser.add_argument("--json", type=Path, help="write every result here")
    parser.add_argument("--worst", type=int, default=0, help="list the N worst specs")
    parser.add_argument(
        "--rules", action="store_true", help="also plan each spec with min_gap_days and stints"
    )
    args = parser.parse_args()
    if not (args.tools / "specgen.py").exists():
        # The generator and checker live beside the repository, not in it: skip, so that
        # `make bench` still runs the other benchmarks in a clone without them.
        print(f"spread_bench: skipped, no specgen.py in {args.tools} (use --tools)")
        return
    specgen, plancheck = load_tools(args.tools)
    results = []
    for size in QUICK_SIZES if args.quick else SIZES:
        for seed in range(args.seeds):
            results.append(run_one(specgen, plancheck, seed, size, args.check))
    report(results)
    ranked = [r for r in results if r.ratio is not None and r.baseline_ratio]
    ranked.sort(key=lambda r: (r.ratio or 0) / (r.baseline_ratio or 1))
    for r in ranked[: args.worst]:
        print(
            f"  worst: seed {r.seed} {r.size[0]} x {r.size[1]} previous {r.previous}: "
            f"{r.ratio:.2f} vs {r.baseline_ratio:.2f}"
        )
    if args.check:
        passed = sum(1 for r in results if r.checked)
        print(f"plancheck: {passed}/{len(results)} plans pass hard, coverage, D* and S*")
    print(f"planning time: {sum(r.seconds for r in results):.1f} s for {len(results)} specs")
    if args.json:
        args.json.write_text(json.dumps([r.__dict__ for r in results], default=list))
    if args.rules:
        print("with min_gap_days (half the ideal gap, 2 to 20) and, on odd seeds, stint_days 2:")
        report_rules(
            [
                run_rules(specgen, plancheck, seed, size)
                for size in (QUICK_SIZES if args.quick else SIZES)
                for seed in range(args.seeds)
            ]
        )


if __name__ == "__main__":
    main()
