"""Working days: chosen weekdays minus public holidays minus extra closed dates."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

import holidays as holidays_pkg

from scheduling.model import DEFAULT_WORKDAYS

WEEKDAY_LONG = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class UnknownRegion(ValueError):
    """The holidays package knows no such country or subdivision."""


class WorkCalendar:
    """Answers whether a day is a working day, and why not when it is not."""

    def __init__(
        self,
        workdays: Iterable[int] = DEFAULT_WORKDAYS,
        country: str | None = None,
        subdivision: str | None = None,
        closed: Iterable[date] = (),
    ) -> None:
        self.workdays = frozenset(workdays)
        self.closed = frozenset(closed)
        self.public: holidays_pkg.HolidayBase | None = None
        if country:
            try:
                # Observed holidays are included, as the holidays package does by default.
                self.public = holidays_pkg.country_holidays(country, subdiv=subdivision)
            except NotImplementedError as exc:
                raise UnknownRegion(str(exc)) from None

    def non_working_reason(self, day: date) -> str | None:
        """Why `day` is not a working day, or None if it is one."""
        if day.weekday() not in self.workdays:
            return f"not a working day ({WEEKDAY_LONG[day.weekday()]})"
        if self.public is not None and day in self.public:
            return f"a public holiday ({self.public.get(day)})"
        if day in self.closed:
            return "a closed date"
        return None

    def is_working(self, day: date) -> bool:
        """True if `day` is a working day."""
        return self.non_working_reason(day) is None

    def working_days(self, first: date, last: date) -> list[date]:
        """All working days in [first, last], in order."""
        count = (last - first).days + 1
        candidates = (first + timedelta(days=n) for n in range(max(count, 0)))
        return [day for day in candidates if self.is_working(day)]
