"""Counts in English: the one plural helper every front door uses."""

from __future__ import annotations

import pytest

from scheduling.wording import plural


@pytest.mark.parametrize(
    ("count", "noun", "expected"),
    [
        (1, "day", "1 day"),
        (0, "day", "0 days"),
        (2, "day", "2 days"),
        (1, "person", "1 person"),
        (3, "person", "3 people"),
        (2, "unknown person", "2 unknown people"),
        (1, "rotation", "1 rotation"),
        (2, "audit entry", "2 audit entries"),
        (2, "open slot", "2 open slots"),
        (2, "key", "2 keys"),
    ],
)
def test_plural(count: int, noun: str, expected: str) -> None:
    assert plural(count, noun) == expected


def test_an_irregular_plural_can_be_named() -> None:
    assert plural(2, "time off", "times off") == "2 times off"
    assert plural(1, "time off", "times off") == "1 time off"
