"""One-line reasons: why a day is short of people, why an assignment moved."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from fractions import Fraction

from scheduling.calendar import WorkCalendar
from scheduling.model import Change, DayEntry, Member, Rotation, Unfilled
from scheduling.wording import plural

MAX_NAMED = 5


def _names(people: Sequence[str]) -> str:
    shown = ", ".join(people[:MAX_NAMED])
    return shown + (f" and {len(people) - MAX_NAMED} more" if len(people) > MAX_NAMED else "")


def why_unavailable(member: Member, day: date) -> str | None:
    """Why a member cannot be on the queue on `day`, or None when they can."""
    if member.joined is not None and day < member.joined:
        return f"{member.name} joins on {member.joined}"
    if member.left is not None and day > member.left:
        return f"{member.name} left on {member.left}"
    block = member.time_off_on(day)
    if block is not None:
        return f"{member.name} is away {block[0]}..{block[1]}"
    return None


def explain_unfilled(
    rotation: Rotation, calendar: WorkCalendar, days: Sequence[date], slots: Iterable[int]
) -> list[Unfilled]:
    """Each working day with fewer people than slots_per_day, naming who is away."""
    short = []
    for day, filled in zip(days, slots, strict=True):
        open_slots = rotation.slots_per_day - int(filled)
        if open_slots <= 0:
            continue
        away = [m.name for m in rotation.members if m.on_team(day) and not m.available(day)]
        reason = f"{plural(int(filled), 'person')} available of {rotation.slots_per_day} needed"
        if away:
            reason += f"; away: {_names(away)}"
        elif not any(m.on_team(day) for m in rotation.members):
            reason += "; nobody is on the team that day"
        short.append(Unfilled(day=day, open_slots=open_slots, reason=reason))
    return short


def explain_changes(
    rotation: Rotation,
    calendar: WorkCalendar,
    assignments: Sequence[DayEntry],
    balances: Mapping[str, Fraction],
) -> list[Change]:
    """For each assignment that differs from `previous`, say why (empty without one)."""
    if rotation.previous is None:
        return []
    members = {m.id: m for m in rotation.members}
    now = set(assignments)
    before = set(rotation.previous)
    removed_on: dict[date, list[str]] = defaultdict(list)
    changes = []
    for entry in sorted(before - now):
        member = members.get(entry.member)
        name = member.name if member else entry.member
        if member is None:
            reason = f"{entry.member} is no longer in the rotation"
        elif not rotation.start <= entry.day <= rotation.end:
            reason = f"{entry.day} is outside the period"
        elif (closed := calendar.non_working_reason(entry.day)) is not None:
            reason = f"{entry.day} is {closed}"
        elif (away := why_unavailable(member, entry.day)) is not None:
            reason = away
        else:
            balance = balances.get(entry.member, Fraction(0))
            reason = (
                f"moved to keep balances fair: {name} would otherwise end "
                f"{float(balance) + 1:+.2f} days from their fair share"
            )
        removed_on[entry.day].append(reason)
        changes.append(Change(entry.day, entry.member, "removed", reason))
    for entry in sorted(now - before):
        member = members[entry.member]
        if removed_on.get(entry.day):
            reason = f"takes over the day: {removed_on[entry.day][0]}"
        else:
            reason = (
                f"added to keep balances fair: {member.name} ends at "
                f"{float(balances.get(entry.member, Fraction(0))):+.2f} days"
            )
        changes.append(Change(entry.day, entry.member, "added", reason))
    changes.sort(key=lambda c: (c.day, c.action != "removed", c.member))
    return changes
