"""Routing `/queueday` text: what the ack answers, and what a handler's errors become."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from slack_sdk import WebClient

from bot.services import Installation, Services
from bot.slack.commands import NAMES, CommandError, split_command
from bot.slack.dispatch import (
    HANDLERS,
    CommandContext,
    Outcome,
    handles,
    is_inline,
    quick_reply,
    run_handler,
)
from bot.slack.views.limits import Message, fit_message
from bot.usecases.errors import NotAllowed

TODAY = date(2027, 1, 7)


def reply_text(message: Message | Outcome | None) -> str:
    if isinstance(message, Outcome):
        message = message.reply
    assert message is not None
    return str(message["text"])


@pytest.fixture
def handlers(monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """HANDLERS, restored after the test."""
    monkeypatch.setattr("bot.slack.dispatch.HANDLERS", dict(HANDLERS))
    from bot.slack import dispatch

    return dispatch.HANDLERS  # type: ignore[return-value]


def context_for(text: str) -> CommandContext:
    return CommandContext(
        line=split_command(text),
        team_id="T0TEST",
        user_id="U0ADA",
        channel_id="C0TEST",
        now=datetime(2027, 1, 7, 9, tzinfo=UTC),
        services=Services(Installation("T0TEST", "Test")),
        client=WebClient(),
    )


@pytest.mark.parametrize("text", ["", "help", "  HELP  "])
def test_help_is_answered_in_the_ack(text: str) -> None:
    assert reply_text(quick_reply(text, TODAY)).startswith("QueueDay commands")


def test_help_on_one_subcommand() -> None:
    assert "/queueday away" in reply_text(quick_reply("help away", TODAY))
    assert "I don't know" in reply_text(quick_reply("help frobnicate", TODAY))


def test_unknown_and_malformed_commands_are_answered_in_the_ack() -> None:
    unknown = reply_text(quick_reply("frobnicate now", TODAY))
    assert "help" in unknown and all(name in unknown for name in NAMES)
    malformed = reply_text(quick_reply("away soon", TODAY))
    assert "`soon` does not start with a date" in malformed and "Usage:" in malformed


def test_a_subcommand_without_handler_says_so(handlers: dict[str, object]) -> None:
    handlers.pop("who", None)
    assert "not available on this server yet" in reply_text(quick_reply("who", TODAY))


def test_a_subcommand_with_a_handler_is_left_to_it(handlers: dict[str, object]) -> None:
    @handles("who")
    def who(ctx: CommandContext) -> Message:
        return fit_message(f"on {ctx.line.text or 'today'}: nobody")

    assert quick_reply("who tomorrow", TODAY) is None
    assert quick_reply("who jan 45", TODAY) is not None  # still refused in the ack
    assert reply_text(run_handler(context_for("who tomorrow"))) == "on tomorrow: nobody"


def test_handler_refusals_become_replies(handlers: dict[str, object]) -> None:
    @handles("publish")
    def publish(ctx: CommandContext) -> Message:
        raise NotAllowed("Only admins of support can publish.")

    @handles("away")
    def away(ctx: CommandContext) -> Message:
        raise CommandError("`jan 3` is in the past", ctx.line.subcommand)

    assert "Only admins of support can publish." in reply_text(run_handler(context_for("publish")))
    away_reply = reply_text(run_handler(context_for("away jan 3")))
    assert "`jan 3` is in the past" in away_reply and "Usage: `/queueday away" in away_reply
    handlers.pop("stats", None)
    assert run_handler(context_for("stats")) is None


def test_every_subcommand_has_a_handler_and_the_quick_reads_answer_in_the_ack() -> None:
    import bot.slack.handlers  # noqa: F401  (registers them)

    assert set(HANDLERS) == set(NAMES) - {"help"}
    assert {name for name in NAMES if is_inline(name)} == {
        "who",
        "my",
        "schedule",
        "stats",
        "calendar",
    }


def test_handles_only_known_subcommands() -> None:
    with pytest.raises(ValueError, match="not a subcommand"):
        handles("frobnicate")
