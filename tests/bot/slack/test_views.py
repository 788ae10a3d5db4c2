"""View builders: the help reference, the replies to bad commands, and Slack's limits."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.slack.commands import BY_NAME, COMMAND, NAMES, SUBCOMMANDS, CommandError
from bot.slack.views.blocks import (
    actions,
    button,
    code,
    context,
    fields,
    header,
    quote_safe,
    section,
)
from bot.slack.views.errors import other_workspace, refusal, something_went_wrong
from bot.slack.views.help import (
    command_error,
    help_message,
    not_available,
    subcommand_help,
    unknown_subcommand,
)
from bot.slack.views.home import home_view
from bot.slack.views.limits import (
    CUT_NOTE,
    MAX_MESSAGE_BLOCKS,
    MAX_TEXT,
    clip,
    fit_blocks,
    fit_message,
    fit_view,
)


def texts(payload: Any) -> list[str]:
    """Every text field of a Block Kit payload."""
    found: list[str] = []
    if isinstance(payload, dict):
        if payload.get("type") in ("mrkdwn", "plain_text") and isinstance(payload.get("text"), str):
            found.append(payload["text"])
        for value in payload.values():
            found += texts(value)
    elif isinstance(payload, list):
        for item in payload:
            found += texts(item)
    return found


def assert_within_limits(message: dict[str, Any], max_blocks: int = MAX_MESSAGE_BLOCKS) -> None:
    assert message["text"].strip(), "a plain text fallback"
    assert len(message["text"]) <= MAX_TEXT
    assert len(message["blocks"]) <= max_blocks
    assert all(len(t) <= MAX_TEXT for t in texts(message["blocks"]))
    json.dumps(message)  # a payload Slack can take


def test_help_lists_every_subcommand_with_its_usage_grouped() -> None:
    message = help_message()
    assert_within_limits(message)
    assert message["response_type"] == "ephemeral"
    shown = "\n".join(texts(message["blocks"]))
    for sub in SUBCOMMANDS:
        assert f"`{COMMAND} {sub.usage.replace('<', '&lt;').replace('>', '&gt;')}`" in shown
        assert f"{COMMAND} {sub.usage}" in message["text"]
    for group in ("See the queue", "Your days", "Bugs and highlights", "Admins"):
        assert group in shown and group in message["text"]
    assert "jan 12..jan 16" in shown  # how to type dates


def test_help_for_one_subcommand_has_examples() -> None:
    message = subcommand_help(BY_NAME["swap"])
    assert_within_limits(message)
    shown = "\n".join(texts(message["blocks"]))
    assert "swap jan 12 with @teammate jan 19" in shown
    assert "For the rotation's admins" in "\n".join(texts(subcommand_help(BY_NAME["plan"])))


def test_unknown_subcommand_says_help_and_lists_the_subcommands() -> None:
    message = unknown_subcommand("scedule", "schedule")
    assert_within_limits(message)
    assert message["response_type"] == "ephemeral"
    for body in (message["text"], "\n".join(texts(message["blocks"]))):
        assert "help" in body
        assert all(name in body for name in NAMES)
    assert "Did you mean `schedule`?" in texts(message["blocks"])[0]


def test_what_people_typed_is_shown_as_text_not_markup() -> None:
    message = unknown_subcommand("<!channel>`&", None)
    shown = texts(message["blocks"])[0]
    assert "<!channel>" not in shown and "&lt;!channel&gt;'&amp;" in shown
    assert code("x" * 100).endswith("…`") and len(code("x" * 100)) == 62
    assert quote_safe("<@U1> <!here> a&b") == "<@U1> &lt;!here&gt; a&amp;b"


def test_a_command_error_shows_what_was_wrong_and_the_usage() -> None:
    message = command_error(CommandError("`soon` is not a date", BY_NAME["away"]))
    assert_within_limits(message)
    text = texts(message["blocks"])[0]
    assert "`soon` is not a date" in text
    assert f"Usage: `{COMMAND} away &lt;date or range&gt;" in text
    assert f"`{COMMAND} help away`" in text
    assert "help" in command_error(CommandError("no"))["text"]


def test_other_replies_fit_and_are_ephemeral() -> None:
    for message in (
        not_available(BY_NAME["who"]),
        something_went_wrong(),
        other_workspace(),
        refusal("Only admins of support can publish <!here>."),
    ):
        assert_within_limits(message)
        assert message["response_type"] == "ephemeral"
    assert "&lt;!here&gt;" in refusal("<!here>")["text"]


def test_home_view_greets_the_person() -> None:
    view = home_view("U0ADA")
    assert view["type"] == "home"
    assert "<@U0ADA>" in "\n".join(texts(view["blocks"]))
    custom = home_view("U0ADA", sections=[section("Your next day: Jan 12")])
    assert "Your next day: Jan 12" in "\n".join(texts(custom["blocks"]))


# -- the limits helper


def test_clip_leaves_short_text_alone() -> None:
    assert clip("short") == "short"
    assert clip("x" * MAX_TEXT) == "x" * MAX_TEXT


def test_clip_cuts_to_the_limit_with_a_note() -> None:
    cut = clip("word " * 1000)
    assert len(cut) <= MAX_TEXT and cut.endswith(CUT_NOTE)
    assert clip("abcdef", 4, note="…") == "abc…"


@pytest.mark.parametrize("escape", ["<@U0ADA|ada>", "&amp;", "<https://x.test/a|a link>"])
def test_clip_never_splits_a_slack_escape(escape: str) -> None:
    for pad in range(len(escape) + 2):
        text = "x" * (100 - len(CUT_NOTE) - pad) + escape + "y" * 50
        cut = clip(text, 100)
        body = cut.removesuffix(CUT_NOTE)
        assert len(cut) <= 100
        assert body.count("<") == body.count(">")
        assert not body.endswith(("&", "&a", "&am", "&amp"))


@given(st.text(alphabet="ab<>&@| ;", max_size=400), st.integers(min_value=1, max_value=300))
def test_clip_always_fits(text: str, limit: int) -> None:
    assert len(clip(text, limit)) <= limit


def test_fit_blocks_keeps_49_and_says_how_many_were_left_out() -> None:
    blocks = [section(f"day {i}") for i in range(60)]
    fitted = fit_blocks(blocks)
    assert len(fitted) == MAX_MESSAGE_BLOCKS
    assert fitted[:49] == blocks[:49]
    assert fitted[-1] == context("…and 11 more not shown (Slack's limit).")
    assert fit_blocks(blocks[:50]) == blocks[:50]


def test_fit_blocks_cuts_each_kind_of_text_to_its_limit() -> None:
    long = "z" * 5000
    fitted = fit_blocks(
        [
            header(long),
            section(long, accessory=button(long, "a")),
            fields(*[long] * 12),
            context(long),
            actions(button(long, "b"), button("ok", "c")),
        ]
    )
    assert len(fitted[0]["text"]["text"]) <= 150
    assert len(fitted[1]["text"]["text"]) == MAX_TEXT
    assert len(fitted[1]["accessory"]["text"]["text"]) <= 75
    assert len(fitted[2]["fields"]) == 10
    assert all(len(f["text"]) <= 2000 for f in fitted[2]["fields"])
    assert len(fitted[3]["elements"][0]["text"]) <= MAX_TEXT
    assert len(fitted[4]["elements"][0]["text"]["text"]) <= 75
    assert fitted[4]["elements"][1]["text"]["text"] == "ok"


def test_fit_message_and_fit_view() -> None:
    message = fit_message("t" * 10_000, [section("s")] * 80, ephemeral=False, unfurl_links=False)
    assert_within_limits(message)
    assert message["response_type"] == "in_channel" and message["unfurl_links"] is False
    view = fit_view(
        {"type": "modal", "title": {"type": "plain_text", "text": "A title far too long for Slack"},
         "blocks": [section("x")] * 150}
    )  # fmt: skip
    assert len(view["blocks"]) == 100
    assert len(view["title"]["text"]) <= 24


def test_examples_never_name_someone_who_could_be_the_asker() -> None:
    """`help swap` read by Ada suggested `swap jan 12 with @ada`: examples name others."""
    for sub in SUBCOMMANDS:
        for example in sub.examples:
            for word in example.split():
                if word.startswith("@") and sub.name != "handle":  # a group's, not a person
                    assert word in ("@teammate", "@newcomer"), (sub.name, example)
    shown = "\n".join(texts(subcommand_help(BY_NAME["cover"])))
    assert "cover jan 12 @teammate" in shown


def test_modal_errors_are_plain_text_with_friendly_days() -> None:
    from bot.slack.views.errors import modal_error

    assert modal_error("<@U02> is not on the queue on 2027-01-12.") == (
        "@U02 is not on the queue on Tue 12 Jan 2027."
    )
    assert modal_error("`2027-01-12` &amp; <#C1|support>") == "`2027-01-12` & #support"
