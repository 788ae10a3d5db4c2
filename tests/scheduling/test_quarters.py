"""Quarter boundaries, including quarters that start in another month and cross a new year."""

from __future__ import annotations

from datetime import date

import pytest

from scheduling.quarters import quarter_of


@pytest.mark.parametrize(
    ("day", "start_month", "offset", "expected"),
    [
        (date(2027, 1, 12), 1, 0, (date(2027, 1, 1), date(2027, 3, 31))),
        (date(2027, 3, 31), 1, 0, (date(2027, 1, 1), date(2027, 3, 31))),
        (date(2027, 4, 1), 1, 0, (date(2027, 4, 1), date(2027, 6, 30))),
        (date(2027, 12, 31), 1, 1, (date(2028, 1, 1), date(2028, 3, 31))),  # year boundary
        (date(2027, 1, 12), 1, -1, (date(2026, 10, 1), date(2026, 12, 31))),
        (date(2027, 1, 12), 2, 0, (date(2026, 11, 1), date(2027, 1, 31))),  # straddles a year
        (date(2027, 2, 1), 2, 0, (date(2027, 2, 1), date(2027, 4, 30))),
        (date(2028, 2, 29), 12, 0, (date(2027, 12, 1), date(2028, 2, 29))),  # leap day
        (date(2027, 5, 5), 4, 2, (date(2027, 10, 1), date(2027, 12, 31))),
    ],
)
def test_quarter_of(day: date, start_month: int, offset: int, expected: tuple[date, date]) -> None:
    assert quarter_of(day, start_month, offset) == expected


def test_a_month_that_is_no_month_is_refused() -> None:
    with pytest.raises(ValueError, match="not a month"):
        quarter_of(date(2027, 1, 1), 13)
