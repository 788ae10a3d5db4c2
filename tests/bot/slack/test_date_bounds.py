"""Typed days are bounded before any use case sees them (issue 9, D2): a day more than
five years from today is refused by the parser, whatever the subcommand."""

from __future__ import annotations

from datetime import date

import pytest

from bot.slack.args import parse_request
from bot.slack.commands import CommandError, split_command
from bot.slack.dates import REACH, OutOfReach, parse_day, parse_range, take_range

TODAY = date(2027, 1, 4)
FAR = "`{}` is too far from today; give a day from 2022-01-04 to 2032-01-04"


@pytest.mark.parametrize(
    "text", ["9999-12-31", "2200-06-03", "0001-01-01", "jan 12 2040", "in 999 weeks"]
)
def test_a_day_too_far_away_is_refused(text: str) -> None:
    with pytest.raises(OutOfReach) as refused:
        parse_day(text, TODAY)
    assert str(refused.value) == FAR.format(text)


def test_the_reach_is_five_years_either_way() -> None:
    assert parse_day("2032-01-04", TODAY) == TODAY + REACH
    assert parse_day("2022-01-04", TODAY) == TODAY - REACH
    for text in ("2032-01-05", "2022-01-03"):
        with pytest.raises(OutOfReach):
            parse_day(text, TODAY)


@pytest.mark.parametrize("text", ["2027-01-12..9999-12-31", "9999-12-30..9999-12-31"])
def test_a_range_reaching_too_far_is_refused(text: str) -> None:
    with pytest.raises(OutOfReach):
        parse_range(text, TODAY)
    with pytest.raises(OutOfReach):
        take_range([*text.split(), "holiday"], TODAY)


@pytest.mark.parametrize(
    "command",
    [
        "away 9999-12-31",
        "away 2027-01-12..9999-12-31 long trip",
        "away cancel 9999-12-31",
        "who 9999-12-31",
        "who 9999-12-31 support",
        "swap 9999-12-31 with <@U02|ben>",
        "swap 2027-01-12 with <@U02|ben> 9999-12-31",
        "cover 9999-12-31",
        "cover 9999-12-31 <@U02|ben>",
    ],
)
def test_every_subcommand_taking_a_day_refuses_one_too_far(command: str) -> None:
    with pytest.raises(CommandError, match="too far from today"):
        parse_request(split_command(command), TODAY)
