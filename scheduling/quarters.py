"""Quarters: the periods a rotation is planned and published in."""

from __future__ import annotations

from datetime import date, timedelta


def quarter_of(day: date, start_month: int = 1, offset: int = 0) -> tuple[date, date]:
    """The first and last day of the quarter holding `day`, moved by `offset` quarters.

    Args:
        day: any day of the quarter.
        start_month: the month the rotation's year of quarters starts in (1 = January:
            quarters begin in January, April, July and October).
        offset: 0 for the quarter of `day`, 1 for the next one, -1 for the previous.
    """
    if not 1 <= start_month <= 12:
        raise ValueError(f"start_month {start_month} is not a month")
    # Months counted from year 0, so quarters that straddle a new year need no special case.
    months = day.year * 12 + day.month - 1
    shift = (start_month - 1) % 3
    first = months - (months - shift) % 3 + 3 * offset
    start = date(first // 12, first % 12 + 1, 1)
    after = first + 3
    end = date(after // 12, after % 12 + 1, 1) - timedelta(days=1)
    return start, end
