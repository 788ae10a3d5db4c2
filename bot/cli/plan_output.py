"""Renderings of a plan for the command line: the JSON contract and a quarter grid."""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from rich.console import Console
from rich.table import Table

from scheduling.calendar import WorkCalendar
from scheduling.model import WEEKDAY_NAMES, Change, Plan, Rotation
from scheduling.wording import plural


def plan_to_json(plan: Plan, *, explain: bool = False, rules: bool = False) -> dict[str, Any]:
    """The plan contract of DESIGN.md section 3, plus `changes` when explaining.

    `warnings` (where min_gap_days or stint_days could not be kept) is there when the
    spec sets either rule (`rules`), so plans of older specs keep their exact shape.
    """
    data: dict[str, Any] = {
        "assignments": [{"date": e.day.isoformat(), "member": e.member} for e in plan.assignments],
        "unfilled": [
            {"date": u.day.isoformat(), "open_slots": u.open_slots, "reason": u.reason}
            for u in plan.unfilled
        ],
        "balances": {member: round(float(b), 3) for member, b in sorted(plan.balances.items())},
    }
    if rules or plan.warnings:
        data["warnings"] = [
            {
                "member": w.member,
                "dates": [day.isoformat() for day in w.days],
                "rule": w.rule,
                "reason": w.reason,
            }
            for w in plan.warnings
        ]
    if explain:
        data["changes"] = [
            {"date": c.day.isoformat(), "member": c.member, "action": c.action, "reason": c.reason}
            for c in plan.changes
        ]
    return data


def plan_table(rotation: Rotation, plan: Plan, *, explain: bool = False, width: int = 110) -> str:
    """A readable quarter grid (a row per week), balances, gaps and explanations."""
    names = {m.id: m.name for m in rotation.members}
    working = WorkCalendar(
        rotation.workdays, rotation.country, rotation.subdivision, rotation.closed
    ).working_days(rotation.start, rotation.end)
    spacing = member_spacing(plan, working, rotation.stint_days == 2)
    by_day: dict[date, list[str]] = defaultdict(list)
    for entry in plan.assignments:
        name = names.get(entry.member, entry.member)
        part = spacing[entry.member].stint_part.get(entry.day) if rotation.stint_days == 2 else None
        by_day[entry.day].append(f"{name} ({part}/2)" if part else name)
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
    ledger = Table(
        title="Fairness: days in this plan, target and balance at the end; spacing in working days"
    )
    columns = ["Member", "Days", "Target", "Balance", "Smallest gap"]
    if rotation.stint_days == 2:
        columns.append("Stints")
    for column in columns:
        ledger.add_column(column, justify="left" if column == "Member" else "right")
    for member_id, balance in sorted(plan.balances.items(), key=lambda kv: (-abs(kv[1]), kv[0])):
        target = plan.targets.get(member_id)
        mine = spacing.get(member_id, Spacing())
        row = [
            names.get(member_id, member_id),
            str(counts[member_id]),
            f"{float(target):.2f}" if target is not None else "",
            f"{float(balance):+.2f}",
            "" if mine.smallest_gap is None else str(mine.smallest_gap),
        ]
        if rotation.stint_days == 2:
            row.append(f"{mine.stints}" + (f" + {mine.lone} single" if mine.lone else ""))
        ledger.add_row(*row)

    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=False, color_system=None)
    console.print(grid)
    console.print(ledger)
    console.print(
        f"Largest |balance| {float(plan.max_abs_balance):.3f}, "
        f"sum of squares {float(plan.sum_of_squares):.3f}"
    )
    rules = []
    if rotation.stint_days == 2:
        rules.append("two-day stints (a stint may cross a weekend or holiday)")
    if rotation.min_gap_days is not None:
        between = "stints" if rotation.stint_days == 2 else "a person's days"
        rules.append(f"at least {plural(rotation.min_gap_days, 'working day')} between {between}")
    if rules:
        console.print("Rules: " + "; ".join(rules) + ".", markup=False, soft_wrap=True)
    # soft_wrap: a sentence is one line, however wide; the terminal wraps it, not rich.
    for warning in plan.warnings:
        console.print(f"Warning: {_sentence(warning.reason)}", markup=False, soft_wrap=True)
    for gap in plan.unfilled:
        line = f"{_day(gap.day)}: {plural(gap.open_slots, 'open slot')}; {gap.reason}."
        console.print(line, markup=False, soft_wrap=True)
    if explain:
        if plan.changes:
            console.print("Why the plan differs from the previous one:")
        for line in change_sentences(plan.changes, names):
            console.print(f"  {line}", markup=False, soft_wrap=True)
    return buffer.getvalue()


@dataclass
class Spacing:
    """One person's days as the table shows them: closest gap and stints."""

    smallest_gap: int | None = None  # working days between their two closest days
    stints: int = 0
    lone: int = 0
    stint_part: dict[date, int] = field(default_factory=dict)  # day -> 1 or 2


def member_spacing(plan: Plan, working: Sequence[date], stints: bool = False) -> dict[str, Spacing]:
    """Each member's smallest gap in working days and, with `stints`, their days paired
    into stints (two consecutive working days) and the gap between stints."""
    index = {day: t for t, day in enumerate(working)}
    days: dict[str, list[date]] = defaultdict(list)
    for entry in plan.assignments:
        days[entry.member].append(entry.day)
    result: dict[str, Spacing] = defaultdict(Spacing)
    for member, mine in days.items():
        mine.sort()
        at = [index[d] for d in mine if d in index]
        spacing = Spacing()
        if len(at) > 1 and not stints:
            spacing.smallest_gap = min(b - a for a, b in zip(at, at[1:], strict=False))
        k = 0
        while stints and k < len(at):
            if k + 1 < len(at) and at[k + 1] - at[k] == 1:
                spacing.stints += 1
                spacing.stint_part[working[at[k]]] = 1
                spacing.stint_part[working[at[k + 1]]] = 2
                k += 2
            else:
                spacing.lone += 1
                k += 1
        # With stints, the gap that matters is between one stint (or day) and the next.
        runs = sorted(
            {t for t in at if working[t] not in spacing.stint_part}
            | {t for t in at if spacing.stint_part.get(working[t]) == 1}
        )
        ends = {t: t + 1 if spacing.stint_part.get(working[t]) == 1 else t for t in runs}
        if stints and len(runs) > 1:
            spacing.smallest_gap = min(b - ends[a] for a, b in zip(runs, runs[1:], strict=False))
        result[member] = spacing
    return result


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
