"""Renderings of a plan for the command line: the JSON contract and a quarter grid."""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from rich.console import Console
from rich.table import Table

from scheduling.model import WEEKDAY_NAMES, Change, Plan, Rotation
from scheduling.wording import plural


def plan_to_json(plan: Plan, *, explain: bool = False) -> dict[str, Any]:
    """The plan contract of DESIGN.md section 3, plus `changes` when explaining."""
    data: dict[str, Any] = {
        "assignments": [{"date": e.day.isoformat(), "member": e.member} for e in plan.assignments],
        "unfilled": [
            {"date": u.day.isoformat(), "open_slots": u.open_slots, "reason": u.reason}
            for u in plan.unfilled
        ],
        "balances": {member: round(float(b), 3) for member, b in sorted(plan.balances.items())},
    }
    if explain:
        data["changes"] = [
            {"date": c.day.isoformat(), "member": c.member, "action": c.action, "reason": c.reason}
            for c in plan.changes
        ]
    return data


def plan_table(rotation: Rotation, plan: Plan, *, explain: bool = False, width: int = 110) -> str:
    """A readable quarter grid (a row per week), balances, gaps and explanations."""
    names = {m.id: m.name for m in rotation.members}
    by_day: dict[date, list[str]] = defaultdict(list)
    for entry in plan.assignments:
        by_day[entry.day].append(names.get(entry.member, entry.member))
    open_days = {u.day: u for u in plan.unfilled}
    weekdays = sorted(rotation.workdays)
    grid = Table(title=f"Support queue {rotation.start} .. {rotation.end}", show_lines=False)
    grid.add_column("Week of", no_wrap=True)
    for weekday in weekdays:
        grid.add_column(WEEKDAY_NAMES[weekday].title())
    monday = rotation.start - timedelta(days=rotation.start.weekday())
    while monday <= rotation.end:
        cells = []
        for weekday in weekdays:
            day = monday + timedelta(days=weekday)
            if not rotation.start <= day <= rotation.end:
                cells.append("")
            elif day in by_day or day in open_days:
                text = ", ".join(by_day.get(day, []))
                if day in open_days:
                    text += f" [red](+{open_days[day].open_slots} open)[/red]"
                cells.append(text.strip())
            else:
                cells.append("[dim]closed[/dim]")
        grid.add_row(monday.strftime("%b %d"), *cells)
        monday += timedelta(days=7)

    counts: dict[str, int] = defaultdict(int)
    for entry in plan.assignments:
        counts[entry.member] += 1
    ledger = Table(title="Fairness: days in this plan, target and balance at the end")
    for column in ("Member", "Days", "Target", "Balance"):
        ledger.add_column(column, justify="left" if column == "Member" else "right")
    for member_id, balance in sorted(plan.balances.items(), key=lambda kv: (-abs(kv[1]), kv[0])):
        target = plan.targets.get(member_id)
        ledger.add_row(
            names.get(member_id, member_id),
            str(counts[member_id]),
            f"{float(target):.2f}" if target is not None else "",
            f"{float(balance):+.2f}",
        )

    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=False, color_system=None)
    console.print(grid)
    console.print(ledger)
    console.print(
        f"Largest |balance| {float(plan.max_abs_balance):.3f}, "
        f"sum of squares {float(plan.sum_of_squares):.3f}"
    )
    # soft_wrap: a sentence is one line, however wide; the terminal wraps it, not rich.
    for gap in plan.unfilled:
        line = f"{_day(gap.day)}: {plural(gap.open_slots, 'open slot')}; {gap.reason}."
        console.print(line, markup=False, soft_wrap=True)
    if explain:
        if plan.changes:
            console.print("Why the plan differs from the previous one:")
        for line in change_sentences(plan.changes, names):
            console.print(f"  {line}", markup=False, soft_wrap=True)
    return buffer.getvalue()


def _day(value: date) -> str:
    return f"{value:%a} {value.isoformat()}"


def _sentence(reason: str) -> str:
    """A reason from the planner (`Chen Wei is away …`) as a sentence of its own."""
    reason = reason.strip().rstrip(".")
    return reason[:1].upper() + reason[1:] + "."


def change_sentences(changes: Sequence[Change], names: Mapping[str, str]) -> list[str]:
    """The changes as plain sentences, a line each: who took over from whom, and why.

    A day that lost one person and gained another reads as one handover, with the
    reason the first person came off it; any other change says what happened and why.
    """
    lines = []
    by_day: dict[date, list[Change]] = defaultdict(list)
    for change in changes:
        by_day[change.day].append(change)
    for day, moved in sorted(by_day.items()):
        removed = [c for c in moved if c.action != "added"]
        added = [c for c in moved if c.action == "added"]
        for off, on in zip(removed, added, strict=False):
            lines.append(
                f"{_day(day)}: {names.get(on.member, on.member)} takes over from "
                f"{names.get(off.member, off.member)}. {_sentence(off.reason)}"
            )
        for off in removed[len(added) :]:
            who = names.get(off.member, off.member)
            lines.append(f"{_day(day)}: {who} comes off the day. {_sentence(off.reason)}")
        for on in added[len(removed) :]:
            who = names.get(on.member, on.member)
            lines.append(f"{_day(day)}: {who} is added. {_sentence(on.reason)}")
    return lines
