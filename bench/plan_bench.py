"""Planner benchmark: wall time and peak memory of `queueday plan`'s work per team size,
next to a naive round-robin baseline on the same spec.

Each measurement runs in a fresh child process pinned to one core, so peak memory
(ru_maxrss) is that run's own. Timing covers reading and validating the spec and
planning, the way `queueday plan` spends it. Usage: python bench/plan_bench.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

SIZES = [(20, 1), (200, 5), (2000, 48), (10_000, 240)]
START = date(2027, 1, 4)
WORKING_DAYS = 63
HISTORY_QUARTERS = 8


def weekdays_from(first: date, count: int, backwards: bool = False) -> list[date]:
    days, day, step = [], first, timedelta(days=-1 if backwards else 1)
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += step
    return sorted(days)


def make_spec(members: int, slots: int, seed: int = 7) -> dict[str, object]:
    """A realistic spec: 63 working days, 30% of people with a 1-10 day time-off block,
    8 quarters of round-robin history that skips people who were away."""
    rng = random.Random(seed)
    period = weekdays_from(START, WORKING_DAYS)
    history_days = weekdays_from(START - timedelta(days=1), WORKING_DAYS * HISTORY_QUARTERS, True)
    ids = [f"U{n:09d}" for n in range(members)]
    people = []
    for member_id in ids:
        person: dict[str, object] = {"id": member_id, "name": f"Person {member_id[-5:]}"}
        if rng.random() < 0.3:
            first = rng.randrange(0, WORKING_DAYS - 10)
            length = rng.randint(1, 10)
            person["unavailable"] = [
                {"start": period[first].isoformat(), "end": period[first + length - 1].isoformat()}
            ]
        people.append(person)
    history = []
    turn = 0
    for day in history_days:
        taken = 0
        while taken < slots:
            member_id = ids[turn % members]
            turn += 1
            if rng.random() < 0.1:
                continue  # away that day: skipped, so history ends uneven
            history.append({"date": day.isoformat(), "member": member_id})
            taken += 1
    return {
        "start": period[0].isoformat(),
        "end": period[-1].isoformat(),
        "slots_per_day": slots,
        "members": people,
        "history": history,
    }


def run_child(mode: str, path: str) -> dict[str, float]:
    """Plan (or round-robin) one spec file in this process; return time and memory."""
    import gc

    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    from scheduling.planner import make_plan  # imports are not the planner's time
    from scheduling.spec import parse_spec

    gc.disable()  # as `queueday plan` does: a short-lived process with many small objects
    began = time.perf_counter()
    text = Path(path).read_bytes()
    if mode == "exact":
        plan = make_plan(parse_spec(text))
        assignments = len(plan.assignments)
    else:
        assignments = round_robin(json.loads(text))
    elapsed = time.perf_counter() - began
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": elapsed, "peak_mb": peak_mb, "assignments": assignments}


def round_robin(spec: dict) -> int:
    """The naive baseline: cycle through members in id order, skipping the unavailable."""
    start, end = date.fromisoformat(spec["start"]), date.fromisoformat(spec["end"])
    members = sorted(spec["members"], key=lambda m: m["id"])
    away = {
        m["id"]: [
            (date.fromisoformat(b["start"]), date.fromisoformat(b["end"]))
            for b in m.get("unavailable", [])
        ]
        for m in members
    }
    placed, turn, day = 0, 0, start
    while day <= end:
        if day.weekday() < 5:
            taken: set[str] = set()
            for _ in range(len(members)):
                if len(taken) == spec.get("slots_per_day", 1):
                    break
                member = members[turn % len(members)]["id"]
                turn += 1
                if member not in taken and not any(a <= day <= b for a, b in away[member]):
                    taken.add(member)
            placed += len(taken)
        day += timedelta(days=1)
    return placed


def measure(mode: str, path: str, repeats: int) -> dict[str, float]:
    runs = []
    for _ in range(repeats):
        done = subprocess.run(
            [sys.executable, __file__, "--child", mode, path],
            capture_output=True,
            text=True,
            check=True,
        )
        runs.append(json.loads(done.stdout))
    runs.sort(key=lambda r: r["seconds"])
    return runs[len(runs) // 2]  # the median run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="one run per size, skip 10,000")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "SPEC"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_child(*args.child)))
        return
    sizes = SIZES[:-1] if args.quick else SIZES
    repeats = 1 if args.quick else 3
    print(f"{'team':>16} {'exact plan':>22} {'round-robin':>22}  history rows")
    with tempfile.TemporaryDirectory() as folder:
        for members, slots in sizes:
            spec = make_spec(members, slots)
            path = os.path.join(folder, f"spec-{members}.json")
            Path(path).write_text(json.dumps(spec), encoding="utf-8")
            exact = measure("exact", path, repeats)
            naive = measure("baseline", path, repeats)
            rows = len(spec["history"])  # type: ignore[arg-type]
            print(
                f"{members:>6} x {slots:>3} slots "
                f"{exact['seconds']:>8.3f} s {exact['peak_mb']:>6.0f} MB "
                f"{naive['seconds']:>8.3f} s {naive['peak_mb']:>6.0f} MB  {rows:>8}",
                flush=True,
            )
    print("wall time: read + validate + plan, median of runs; memory: peak RSS of the process")


if __name__ == "__main__":
    main()
