"""Reading Slack's escaped command text: mentions, channels, links, tags."""

from __future__ import annotations

import pytest

from bot.slack.text import (
    ChannelRef,
    Link,
    TextError,
    UserRef,
    as_channel,
    as_user,
    plain,
    shell_text,
    split_tags,
    tag_of,
    tokenize,
)


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("", []),
        ("  who  tomorrow ", ["who", "tomorrow"]),
        ("<@U123|ada>", [UserRef("U123", "ada")]),
        ("<@U123>", [UserRef("U123")]),
        ("<@W0ENTERPRISE|bob>", [UserRef("W0ENTERPRISE", "bob")]),
        ("<#C123|support>", [ChannelRef("C123", "support")]),
        ("<#C123>", [ChannelRef("C123")]),
        ("<https://x.test/a?b=1&amp;c=2|the bug>", [Link("https://x.test/a?b=1&c=2", "the bug")]),
        ("<https://x.test>", [Link("https://x.test")]),
        ("swap jan 12 with<@U1|a>", ["swap", "jan", "12", "with", UserRef("U1", "a")]),
        ("a &amp; b &lt;c&gt;", ["a", "&", "b", "<c>"]),
        ("<!here>", ["@here"]),
        ("<!subteam^S1|@oncall>", ["@oncall"]),
        ("<@lowercase>", ["@lowercase"]),
        ("stray < here", ["stray", "<", "here"]),
        ("<label with spaces>", ["label with spaces"]),
    ],
)
def test_tokenize(text: str, tokens: list[object]) -> None:
    assert tokenize(text) == tokens


def test_plain_reads_as_a_person_would() -> None:
    text = "Export fails for <@U1|ada> in <#C1|billing>: <https://x.test/1|ticket> &amp; more"
    assert plain(text) == "Export fails for @ada in #billing: https://x.test/1 & more"
    assert plain("<@U1> and <#C1>") == "<@U1> and <#C1>"


@pytest.mark.parametrize(
    ("token", "tag"),
    [
        ("#billing", "billing"),
        ("#Billing-API", "billing-api"),
        ("#", None),
        ("#-x", None),
        ("billing", None),
        (ChannelRef("C1", "billing"), "billing"),
        (ChannelRef("C1"), None),
        (UserRef("U1", "ada"), None),
    ],
)
def test_tags(token: object, tag: str | None) -> None:
    assert tag_of(token) == tag  # type: ignore[arg-type]


def test_split_tags_keeps_order_without_repeats() -> None:
    rest, tags = split_tags(tokenize("Export slow #billing #api <#C9|billing> again"))
    assert rest == ["Export", "slow", "again"]
    assert tags == ["billing", "api"]


def test_a_typed_at_name_is_not_a_person() -> None:
    assert as_user(UserRef("U1")) == UserRef("U1")
    with pytest.raises(TextError, match="pick the person from Slack's list"):
        as_user("@ada")
    with pytest.raises(TextError, match="is not a person"):
        as_user("ada")


def test_a_typed_hash_name_is_not_a_channel() -> None:
    assert as_channel(ChannelRef("C1", "x")) == ChannelRef("C1", "x")
    with pytest.raises(TextError, match="pick it from Slack's list"):
        as_channel("#nowhere")
    with pytest.raises(TextError, match="is not a channel"):
        as_channel(UserRef("U1"))


def test_shell_text_prints_plain_ids_and_urls() -> None:
    assert shell_text("<@U0NOPE> is not in <#C1|support> &amp; <https://x.test|x>") == (
        "U0NOPE is not in #support & https://x.test"
    )
    assert shell_text("<@U1|ada> and <#C2>") == "U1 and #C2"
