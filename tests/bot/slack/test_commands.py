"""`/queueday` text into a subcommand and a typed request; refusals say what was wrong."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.slack.args import (
    Away,
    AwayCancel,
    AwayList,
    Cover,
    Create,
    Help,
    My,
    Note,
    People,
    Period,
    Quarter,
    Request,
    RotationOnly,
    Schedule,
    Swap,
    Who,
    parse_request,
)
from bot.slack.commands import (
    BY_NAME,
    GROUPS,
    SUBCOMMANDS,
    CommandError,
    UnknownSubcommand,
    split_command,
    suggest,
)
from bot.slack.dates import DayRange
from bot.slack.text import ChannelRef, UserRef

TODAY = date(2027, 1, 7)  # a Thursday
D = date
ADA = UserRef("U0ADA", "ada")
BEN = UserRef("U0BEN", "ben")


def parse(text: str) -> Request:
    return parse_request(split_command(text), TODAY)


def test_every_subcommand_of_the_issue_is_listed_with_usage_and_group() -> None:
    expected = {
        "help", "who", "my", "schedule", "join", "leave", "away", "swap", "cover", "bug",
        "highlight", "stats", "create", "config", "add", "remove", "admin", "plan", "publish",
        "calendar", "reminders", "handle",
    }  # fmt: skip
    assert set(BY_NAME) == expected
    for sub in SUBCOMMANDS:
        assert sub.usage.startswith(sub.name), sub
        assert sub.group in GROUPS and sub.summary


@pytest.mark.parametrize(
    ("text", "name", "args"),
    [
        ("", "help", ""),
        ("   ", "help", ""),
        ("help", "help", ""),
        ("WHO tomorrow", "who", "tomorrow"),
        ("away  jan 12..jan 16  trip", "away", "jan 12..jan 16  trip"),
        ("pto friday", "away", "friday"),
        ("?", "help", ""),
        ("me", "my", ""),
        ("who\ntomorrow", "who", "tomorrow"),
    ],
)
def test_split_command(text: str, name: str, args: str) -> None:
    line = split_command(text)
    assert (line.name, line.text) == (name, args)


def test_unknown_subcommand_suggests_the_closest() -> None:
    with pytest.raises(UnknownSubcommand) as caught:
        split_command("scedule next quarter")
    assert caught.value.word == "scedule"
    assert caught.value.suggestion == "schedule"
    assert suggest("xyzzy") is None


@pytest.mark.parametrize(
    ("text", "request_"),
    [
        ("help", Help()),
        ("help Swap", Help("swap")),
        ("who", Who()),
        ("who tomorrow", Who(D(2027, 1, 8))),
        ("who next friday", Who(D(2027, 1, 15))),
        ("who 2027-02-01", Who(D(2027, 2, 1))),
        ("who support", Who(None, "support")),
        ("who tomorrow please", Who(D(2027, 1, 8), "please")),
        ("my", My()),
        ("schedule", Schedule(Quarter.THIS)),
        ("schedule next quarter", Schedule(Quarter.NEXT)),
        ("schedule next", Schedule(Quarter.NEXT)),
        ("schedule this quarter support", Schedule(Quarter.THIS, "support")),
        ("schedule support", Schedule(Quarter.THIS, "support")),
        ("stats", RotationOnly()),
        ("stats support", RotationOnly("support")),
        ("join", RotationOnly()),
        ("leave billing-team", RotationOnly("billing-team")),
        ("config support", RotationOnly("support")),
        ("away tomorrow", Away(DayRange(D(2027, 1, 8), D(2027, 1, 8)))),
        (
            "away jan 12..jan 16 family trip",
            Away(DayRange(D(2027, 1, 12), D(2027, 1, 16)), "family trip"),
        ),
        (
            "away jan 12 - jan 16 skiing &amp; more",
            Away(DayRange(D(2027, 1, 12), D(2027, 1, 16)), "skiing & more"),
        ),
        ("away list", AwayList()),
        ("away cancel jan 12", AwayCancel(D(2027, 1, 12))),
        ("swap jan 12 with <@U0ADA|ada> jan 19", Swap(D(2027, 1, 12), ADA, D(2027, 1, 19))),
        ("swap next friday with <@U0ADA|ada>", Swap(D(2027, 1, 15), ADA)),
        ("swap jan 12 <@U0ADA>", Swap(D(2027, 1, 12), UserRef("U0ADA"))),
        ("cover jan 12 <@U0ADA|ada>", Cover(D(2027, 1, 12), ADA)),
        ("cover tomorrow", Cover(D(2027, 1, 8))),
        ("swap my next day with <@U0ADA|ada>", Swap(None, ADA)),
        ("swap My Next Day with <@U0ADA|ada> jan 19", Swap(None, ADA, D(2027, 1, 19))),
        ("cover my next day <@U0ADA|ada>", Cover(None, ADA)),
        ("cover jan 12 for <@U0BEN|ben>", Cover(D(2027, 1, 12), None, BEN)),
        ("cover jan 12 for <@U0BEN|ben> <@U0ADA|ada>", Cover(D(2027, 1, 12), ADA, BEN)),
        ("cover next day for <@U0BEN|ben> <@U0ADA>", Cover(None, UserRef("U0ADA"), BEN)),
        ("cover their next day for <@U0BEN|ben>", Cover(None, None, BEN)),
        (
            "swap jan 12 of <@U0BEN|ben> with <@U0ADA|ada>",
            Swap(D(2027, 1, 12), ADA, None, BEN),
        ),
        (
            "swap next day of <@U0BEN|ben> with <@U0ADA|ada> jan 19",
            Swap(None, ADA, D(2027, 1, 19), BEN),
        ),
        ("swap jan 12 of <@U0BEN|ben> <@U0ADA|ada>", Swap(D(2027, 1, 12), ADA, None, BEN)),
        (
            "bug Export times out #billing",
            Note("Export times out", None, ("billing",)),
        ),
        (
            "bug <https://tracker.test/1|Export times out> #billing #api",
            Note("https://tracker.test/1", "https://tracker.test/1", ("billing", "api")),
        ),
        (
            "bug see https://tracker.test/2 <#C1|billing>",
            Note("see https://tracker.test/2", "https://tracker.test/2", ("billing",)),
        ),
        ("highlight Acme loves invoices", Note("Acme loves invoices")),
        ("create support", Create("support")),
        ("create support <#C0SUP|support>", Create("support", ChannelRef("C0SUP", "support"))),
        ("add <@U0ADA|ada> <@U0BEN|ben>", People((ADA, BEN))),
        ("add <@U0ADA|ada> <@U0ADA|ada> support", People((ADA,), "support")),
        ("remove <@U0ADA|ada>", People((ADA,))),
        ("admin <@U0BEN|ben> support", People((BEN,), "support")),
        ("plan", Period(Quarter.NEXT)),
        ("plan this quarter", Period(Quarter.THIS)),
        ("plan next quarter support", Period(Quarter.NEXT, "support")),
        ("publish", Period(Quarter.NEXT)),
    ],
)
def test_requests(text: str, request_: Request) -> None:
    assert parse(text) == request_


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("who jan 45", "`jan 45` is not a date"),
        ("who tomorrow next", "is not a date"),
        ("who jan", "is not a date"),
        ("my days", "`my` takes nothing after it"),
        ("away", "say which days you are away"),
        ("away soon", "`soon` does not start with a date"),
        ("away feb 30", "`feb 30` is not a real date"),
        ("away jan 16..jan 12 oops", "before it starts"),
        ("away cancel", "say which day to cancel"),
        ("away list all", "`away list` takes nothing"),
        ("swap jan 12", "say who to swap with"),
        ("swap jan 12 with @ada", "pick the person from Slack's list"),
        ("swap with <@U0ADA|ada>", "say which of your days"),
        ("swap jan 12 with <@U0ADA|ada> whenever", "`whenever` is not a date"),
        ("cover", "say which of your days needs cover"),
        ("cover jan 12 @ada", "pick the person"),
        ("cover for <@U0BEN|ben>", "say which of their days"),
        ("cover jan 12 for <@U0BEN|ben> soon", "name at most the one person"),
        ("cover jan 12 for <@U0BEN|ben> @ada", "pick the person"),
        ("swap jan 12 of <@U0BEN|ben>", "say who <@U0BEN> swaps with"),
        ("swap jan 12 of <@U0BEN|ben> with @ada", "pick the person"),
        ("swap jan 12 of <@U0BEN|ben> with <@U0ADA|ada> whenever", "`whenever` is not a date"),
        ("bug", "say what it is about"),
        ("bug #billing", "say what it is about"),
        ("highlight " + "x" * 600, "keep it under 500 characters"),
        ("create", "name the rotation"),
        ("create <#C1|support>", "the rotation's name comes first"),
        ("create support #support", "pick it from Slack's list"),
        ("create support <#C1|a> <#C2|b>", "at most one #channel"),
        ("create sup/port", "is not a rotation name"),
        ("add", "mention at least one person"),
        ("add @ada", "pick the person from Slack's list"),
        ("add <@U0ADA|ada> one two", "one rotation name at most"),
        ("remove <@U0ADA|ada> <@U0BEN|ben>", "one person at a time"),
        ("schedule quarter", "say `this quarter` or `next quarter`"),
        ("schedule next quarter a b", "I don't know what `a b` means"),
        ("stats <@U0ADA|ada>", "has no place for <@U0ADA>"),
        ("join a b", "one rotation name at most"),
    ],
)
def test_refusals_say_what_was_wrong_and_carry_the_usage(text: str, says: str) -> None:
    with pytest.raises(CommandError) as caught:
        parse(text)
    assert says in caught.value.message
    assert caught.value.subcommand is split_command(text).subcommand


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["cover", "swap"]),
    st.lists(
        st.sampled_from(["for", "of", "with", "<@U0BEN|ben>", "<@U0ADA>", "@ada", "jan", "12",
                         "next", "day", "their", "my", "whenever", "<#C1|x>", "for", "of"]),
        max_size=7,
    ),
)  # fmt: skip
def test_acting_forms_read_or_refuse_with_the_usage(name: str, words: list[str]) -> None:
    """`cover … for @ben …` and `swap … of @ben with …`: any mix of their words is read, or
    refused with a message and the subcommand's usage, never another error."""
    text = " ".join([name, *words])
    try:
        request = parse(text)
    except CommandError as refused:
        assert refused.message and refused.subcommand is split_command(text).subcommand
    else:
        assert isinstance(request, Cover | Swap)
