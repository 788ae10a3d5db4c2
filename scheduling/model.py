"""Domain types of a rotation: members, day entries, the rotation spec and its plan."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import NamedTuple

WEEKDAY_NAMES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DEFAULT_WORKDAYS = (0, 1, 2, 3, 4)


@dataclass(frozen=True)
class Member:
    """A person in a rotation; `joined` and `left` are inclusive, None means open."""

    id: str
    name: str
    joined: date | None = None
    left: date | None = None
    weight: Fraction = Fraction(1)
    unavailable: tuple[tuple[date, date], ...] = ()

    def on_team(self, day: date) -> bool:
        """True if joined <= day <= left."""
        if self.joined is not None and day < self.joined:
            return False
        return self.left is None or day <= self.left

    def on_team_between(self, first: date, last: date) -> bool:
        """True if on the team on at least one day of [first, last]."""
        if self.joined is not None and last < self.joined:
            return False
        return self.left is None or first <= self.left

    def time_off_on(self, day: date) -> tuple[date, date] | None:
        """The unavailable range that contains `day`, or None."""
        for first, last in self.unavailable:
            if first <= day <= last:
                return (first, last)
        return None

    def available(self, day: date) -> bool:
        """On the team that day and not away."""
        return self.on_team(day) and self.time_off_on(day) is None


class DayEntry(NamedTuple):
    """One person on one day: a history day, a fixed or previous entry, an assignment.

    A named tuple rather than a dataclass: specs carry 100,000s of these, and tuples
    hash, compare and sort at C speed.
    """

    day: date
    member: str


@dataclass(frozen=True)
class Rotation:
    """Everything the planner needs to plan one period of one rotation."""

    start: date
    end: date
    members: tuple[Member, ...]
    workdays: tuple[int, ...] = DEFAULT_WORKDAYS
    country: str | None = None
    subdivision: str | None = None
    closed: frozenset[date] = frozenset()
    slots_per_day: int = 1
    timezone: str | None = None
    history: tuple[DayEntry, ...] = ()
    fixed: tuple[DayEntry, ...] = ()
    previous: tuple[DayEntry, ...] | None = None
    min_gap_days: int | None = None  # working days from one of a person's days to the next
    stint_days: int = 1  # 2: a person's days come in runs of two consecutive working days

    def member(self, member_id: str) -> Member | None:
        """The member with this id, or None."""
        for member in self.members:
            if member.id == member_id:
                return member
        return None


@dataclass(frozen=True)
class Unfilled:
    """A working day with fewer people than slots_per_day, and why."""

    day: date
    open_slots: int
    reason: str


@dataclass(frozen=True)
class Change:
    """An assignment that differs from the previous plan, with a one-line reason."""

    day: date
    member: str
    action: str  # "added" or "removed"
    reason: str


@dataclass(frozen=True)
class RuleWarning:
    """A rotation rule (min_gap_days, stint_days) the plan could not keep for someone."""

    member: str
    days: tuple[date, ...]
    rule: str  # "min_gap_days" or "stint_days"
    reason: str


@dataclass(frozen=True)
class Plan:
    """The planner's answer: assignments, gaps, balances and explanations."""

    assignments: tuple[DayEntry, ...]
    unfilled: tuple[Unfilled, ...]
    balances: dict[str, Fraction]
    changes: tuple[Change, ...] = ()
    targets: dict[str, Fraction] = field(default_factory=dict)
    warnings: tuple[RuleWarning, ...] = ()

    @property
    def max_abs_balance(self) -> Fraction:
        """The largest |balance| over the members on the team during the period."""
        return max((abs(b) for b in self.balances.values()), default=Fraction(0))

    @property
    def sum_of_squares(self) -> Fraction:
        """The sum of squared balances, the second fairness criterion."""
        return sum((b * b for b in self.balances.values()), Fraction(0))
