"""Reading a rotation spec (the `queueday plan` JSON contract) into a Rotation.

Shape and types are checked by pydantic; the rules that need several fields (dates in
order, known members, fixed days that can be kept) are checked here. Every problem is
reported as `path: message`, e.g. `members[3].unavailable[0].end: ...`.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from fractions import Fraction
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from typing_extensions import TypedDict

from scheduling.calendar import UnknownRegion, WorkCalendar
from scheduling.model import WEEKDAY_NAMES, DayEntry, Member, Rotation

# Dates outside this range are typos; they would also overflow date arithmetic.
SpecDate = Annotated[date, Field(ge=date(1900, 1, 1), le=date(2999, 12, 31))]
MAX_PERIOD_DAYS = 3 * 366  # plans are for quarters; this keeps a typo from planning millennia


class SpecError(ValueError):
    """An invalid spec; `problems` holds one `path: message` line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems[0] if len(problems) == 1 else f"{problems[0]} (and more)")
        self.problems = problems


class _Model(BaseModel):
    # Strict: "2027-01-01" is a date, 20270101 is not; true is not a number.
    model_config = ConfigDict(strict=True, extra="allow", frozen=True)


class RangeIn(TypedDict):
    # TypedDicts, not models, for the long lists: validation stays in pydantic-core.
    __pydantic_config__ = ConfigDict(strict=True)  # type: ignore[misc]
    start: SpecDate
    end: SpecDate


class MemberIn(_Model):
    id: Annotated[str, Field(min_length=1)]
    name: str | None = None
    joined: SpecDate | None = None
    left: SpecDate | None = None
    weight: Annotated[float, Field(gt=0, allow_inf_nan=False)] = 1.0
    unavailable: list[RangeIn] = []


class HolidaysIn(_Model):
    country: Annotated[str, Field(min_length=1)] | None = None
    subdivision: Annotated[str, Field(min_length=1)] | None = None
    dates: list[SpecDate] = []


class EntryIn(TypedDict):
    __pydantic_config__ = ConfigDict(strict=True)  # type: ignore[misc]
    date: SpecDate
    member: Annotated[str, Field(min_length=1)]


class SpecIn(_Model):
    start: SpecDate
    end: SpecDate
    timezone: str | None = None
    workdays: list[str] = ["MO", "TU", "WE", "TH", "FR"]
    holidays: HolidaysIn | None = None
    slots_per_day: Annotated[int, Field(ge=1, le=10_000)] = 1
    members: Annotated[list[MemberIn], Field(min_length=1)]
    history: list[EntryIn] = []
    fixed: list[EntryIn] = []
    previous: list[EntryIn] | None = None
    min_gap_days: Annotated[int, Field(ge=1, le=366)] | None = None
    stint_days: Literal[1, 2] = 1


def _path(location: tuple[int | str, ...]) -> str:
    """('members', 3, 'end') -> 'members[3].end'."""
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "spec"


def _pydantic_problems(error: ValidationError) -> list[str]:
    problems = []
    for item in error.errors(include_url=False):
        message = item["msg"]
        if item["type"] not in ("missing", "json_invalid") and "input" in item:
            message += f", got {item['input']!r}"[:120]
        problems.append(f"{_path(item['loc'])}: {message}")
    return problems


def parse_spec(text: str | bytes) -> Rotation:
    """Validate spec JSON text and build a Rotation; raise SpecError when invalid."""
    try:
        raw = SpecIn.model_validate_json(text)
    except ValidationError as exc:
        raise SpecError(_pydantic_problems(exc)) from None
    return build_rotation(raw)


def spec_warnings(text: str | bytes) -> list[str]:
    """Unknown fields, which are ignored: a typo there changes nothing, so say so."""
    raw = SpecIn.model_validate_json(text)
    warnings = [f"{key}: unknown field, ignored" for key in raw.model_extra or {}]
    for i, member in enumerate(raw.members):
        warnings += [
            f"members[{i}].{key}: unknown field, ignored" for key in member.model_extra or {}
        ]
    return warnings


def _weight(value: float) -> Fraction:
    """The weight exactly as written in decimal: 0.6 means 3/5, not a binary float."""
    return Fraction(repr(value))


def build_rotation(raw: SpecIn) -> Rotation:
    """Check the rules that span fields and convert to domain types."""
    problems: list[str] = []
    add = problems.append
    if raw.end < raw.start:
        add(f"end: {raw.end} is before start {raw.start}")
    elif (raw.end - raw.start).days > MAX_PERIOD_DAYS:
        add(
            f"end: the period {raw.start}..{raw.end} is longer than {MAX_PERIOD_DAYS} days; "
            "plan a quarter or a year at a time"
        )
    if raw.timezone is not None:
        try:
            ZoneInfo(raw.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            add(f"timezone: unknown timezone {raw.timezone!r} (expected an IANA name)")
    workdays: list[int] = []
    for i, name in enumerate(raw.workdays):
        if name.upper() not in WEEKDAY_NAMES:
            add(f"workdays[{i}]: unknown weekday name {name!r} (use {' '.join(WEEKDAY_NAMES)})")
        elif WEEKDAY_NAMES.index(name.upper()) not in workdays:
            workdays.append(WEEKDAY_NAMES.index(name.upper()))
    if not raw.workdays:
        add("workdays: expected at least one weekday")

    members: dict[str, Member] = {}
    for i, item in enumerate(raw.members):
        path = f"members[{i}]"
        if item.id in members:
            add(f"{path}.id: duplicate id {item.id!r}")
            continue
        if item.joined and item.left and item.left < item.joined:
            add(f"{path}.left: {item.left} is before joined {item.joined}")
        ranges = []
        for j, block in enumerate(item.unavailable):
            if block["end"] < block["start"]:
                add(f"{path}.unavailable[{j}].end: {block['end']} is before start {block['start']}")
            ranges.append((block["start"], block["end"]))
        members[item.id] = Member(
            id=item.id,
            name=item.name or item.id,
            joined=item.joined,
            left=item.left,
            weight=_weight(item.weight),
            unavailable=tuple(sorted(ranges)),
        )

    country = subdivision = None
    closed: frozenset[date] = frozenset()
    if raw.holidays is not None:
        country, subdivision = raw.holidays.country, raw.holidays.subdivision
        closed = frozenset(raw.holidays.dates)
        if subdivision and not country:
            add("holidays.subdivision: given without holidays.country")
    calendar = WorkCalendar(workdays or (0,), None, None, closed)
    if country:
        try:
            calendar = WorkCalendar(workdays or (0,), country, subdivision, closed)
        except UnknownRegion as exc:
            where = (
                "holidays.subdivision"
                if subdivision and "ubdiv" in str(exc)
                else "holidays.country"
            )
            add(f"{where}: {exc}")
    if problems:
        raise SpecError(problems)

    history = _check_history(raw, members, problems)
    fixed = _check_fixed(raw, members, calendar, problems)
    if problems:
        raise SpecError(problems)
    previous = None
    if raw.previous is not None:
        previous = tuple(sorted({DayEntry(e["date"], e["member"]) for e in raw.previous}))
    return Rotation(
        start=raw.start,
        end=raw.end,
        members=tuple(members.values()),
        workdays=tuple(sorted(workdays)),
        country=country,
        subdivision=subdivision,
        closed=closed,
        slots_per_day=raw.slots_per_day,
        timezone=raw.timezone,
        history=tuple(history),
        fixed=tuple(sorted(fixed)),
        previous=previous,
        min_gap_days=raw.min_gap_days,
        stint_days=raw.stint_days,
    )


def _check_history(raw: SpecIn, members: dict[str, Member], problems: list[str]) -> list[DayEntry]:
    entries = [DayEntry(item["date"], item["member"]) for item in raw.history]
    unique = set(entries)
    if len(unique) == len(entries) and all(
        e.member in members and e.day < raw.start for e in unique
    ):
        return sorted(unique)  # the common case, checked in bulk
    seen: set[DayEntry] = set()
    for i, entry in enumerate(entries):
        if entry.member not in members:
            problems.append(f"history[{i}].member: unknown member {entry.member!r}")
        elif entry.day >= raw.start:
            problems.append(f"history[{i}].date: {entry.day} is not before start {raw.start}")
        elif entry in seen:
            problems.append(f"history[{i}]: duplicate entry {entry.day} {entry.member}")
        seen.add(entry)
    return sorted(seen)


def _check_fixed(
    raw: SpecIn, members: dict[str, Member], calendar: WorkCalendar, problems: list[str]
) -> list[DayEntry]:
    kept: set[DayEntry] = set()
    for i, item in enumerate(raw.fixed):
        path = f"fixed[{i}]"
        entry = DayEntry(item["date"], item["member"])
        member = members.get(entry.member)
        if member is None:
            problems.append(f"{path}.member: unknown member {entry.member!r}")
        elif not raw.start <= entry.day <= raw.end:
            problems.append(
                f"{path}.date: {entry.day} is outside the period {raw.start}..{raw.end}"
            )
        elif reason := calendar.non_working_reason(entry.day):
            problems.append(f"{path}.date: {entry.day} is {reason}")
        elif not member.on_team(entry.day):
            problems.append(f"{path}: {entry.member} is not on the team on {entry.day}")
        elif block := member.time_off_on(entry.day):
            problems.append(
                f"{path}: {entry.member} is unavailable on {entry.day} ({block[0]}..{block[1]})"
            )
        else:
            kept.add(entry)
    per_day = Counter(entry.day for entry in kept)
    for day, count in sorted(per_day.items()):
        if count > raw.slots_per_day:
            problems.append(
                f"fixed: {count} entries on {day} but slots_per_day is {raw.slots_per_day}"
            )
    return list(kept)


def rotation_to_json(rotation: Rotation) -> dict[str, Any]:
    """The spec JSON of a Rotation (the inverse of parse_spec), for tools and tests."""

    def entries(items: tuple[DayEntry, ...]) -> list[dict[str, str]]:
        return [{"date": e.day.isoformat(), "member": e.member} for e in items]

    spec: dict[str, Any] = {
        "start": rotation.start.isoformat(),
        "end": rotation.end.isoformat(),
        "workdays": [WEEKDAY_NAMES[d] for d in rotation.workdays],
        "slots_per_day": rotation.slots_per_day,
        "members": [
            {
                "id": m.id,
                "name": m.name,
                "joined": m.joined.isoformat() if m.joined else None,
                "left": m.left.isoformat() if m.left else None,
                "weight": float(m.weight),
                "unavailable": [
                    {"start": a.isoformat(), "end": b.isoformat()} for a, b in m.unavailable
                ],
            }
            for m in rotation.members
        ],
        "history": entries(rotation.history),
        "fixed": entries(rotation.fixed),
    }
    if rotation.timezone:
        spec["timezone"] = rotation.timezone
    if rotation.country or rotation.closed:
        spec["holidays"] = {
            "country": rotation.country,
            "subdivision": rotation.subdivision,
            "dates": sorted(d.isoformat() for d in rotation.closed),
        }
    if rotation.previous is not None:
        spec["previous"] = entries(rotation.previous)
    if rotation.min_gap_days is not None:
        spec["min_gap_days"] = rotation.min_gap_days
    if rotation.stint_days != 1:
        spec["stint_days"] = rotation.stint_days
    return spec
