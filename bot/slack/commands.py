"""The `/queueday` subcommands: their reference, and splitting a command line into one.

`SUBCOMMANDS` is the single list the help text, the unknown-command reply and the
dispatcher all read, so a subcommand cannot exist without its usage line.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from bot.slack.text import Token, tokenize

COMMAND = "/queueday"


@dataclass(frozen=True)
class Subcommand:
    """One subcommand: its usage (after `/queueday`), a one-line summary and its group."""

    name: str
    usage: str
    summary: str
    group: str
    examples: tuple[str, ...] = ()
    admin: bool = False

    @property
    def full_usage(self) -> str:
        return f"{COMMAND} {self.usage}"


SEE = "See the queue"
DAYS = "Your days"
NOTES = "Bugs and highlights"
ADMIN = "Admins"
GROUPS = (SEE, DAYS, NOTES, ADMIN)

# Examples name people @teammate or @newcomer, never a first name: whoever reads them
# (Ada, say) must not be shown how to swap with themselves.
SUBCOMMANDS: tuple[Subcommand, ...] = (
    Subcommand(
        "help",
        "help [subcommand]",
        "this reference, or one subcommand in detail",
        SEE,
        ("help", "help swap"),
    ),
    Subcommand(
        "who",
        "who [date] [rotation]",
        "who is on the queue today or on a date (posted here)",
        SEE,
        ("who", "who tomorrow", "who next friday support"),
    ),
    Subcommand("my", "my", "your next days, your balance and your calendar links", SEE),
    Subcommand(
        "calendar",
        "calendar [rotation]",
        "your calendar feed links (and the rotation's), with a button to reset yours",
        SEE,
        ("calendar", "calendar support"),
    ),
    Subcommand(
        "schedule",
        "schedule [this|next quarter] [rotation]",
        "the published days of a quarter",
        SEE,
        ("schedule", "schedule next quarter", "schedule this quarter support"),
    ),
    Subcommand(
        "stats",
        "stats [rotation]",
        "fairness: balances, days this quarter, who is furthest from fair",
        SEE,
    ),
    Subcommand("join", "join [rotation]", "join a rotation", DAYS, ("join support",)),
    Subcommand(
        "leave", "leave [rotation]", "leave a rotation; your future days go to others", DAYS
    ),
    Subcommand(
        "away",
        "away <date or range> [reason] | away list | away cancel <date>",
        "book time off, list it, or cancel it; your days then go to others "
        "(an admin may book for @teammate, who is told by DM)",
        DAYS,
        (
            "away jan 12..jan 16 skiing",
            "away tomorrow",
            "away @teammate jan 12..jan 16 sick",
            "away list",
            "away cancel jan 12",
        ),
    ),
    Subcommand(
        "swap",
        "swap <my date> with @person [<their date>] | swap <date> of @person with @other",
        "offer to trade one of your days for one of theirs (`my next day`: your next one); "
        "an admin swaps for @person at once, and both are told by DM",
        DAYS,
        (
            "swap jan 12 with @teammate jan 19",
            "swap my next day with @teammate",
            "swap jan 12 of @teammate with @newcomer",
        ),
    ),
    Subcommand(
        "cover",
        "cover <date> [@person] | cover <date> for @person [@taker]",
        "ask someone (or anyone) to take your day (`my next day`: your next one); an admin "
        "offers @person's day for them, or hands it to @taker at once (both told by DM)",
        DAYS,
        (
            "cover jan 12 @teammate",
            "cover my next day",
            "cover jan 12 for @teammate",
            "cover next day for @teammate @newcomer",
        ),
    ),
    Subcommand(
        "reminders",
        "reminders [mute|unmute <kind> | at <kind> <HH:MM> | areas <area>…]",
        "your reminder times, muted reminders and product areas (kinds: day_before, "
        "morning_of, end_of_day)",
        DAYS,
        ("reminders", "reminders mute day_before", "reminders at morning_of 08:30"),
    ),
    Subcommand(
        "bug",
        "bug <text or url> [#area]",
        "save a bug ticket for the queue",
        NOTES,
        ("bug Export times out for big teams #billing",),
    ),
    Subcommand(
        "highlight",
        "highlight <text> [#area]",
        "save something customers say is working well",
        NOTES,
        ("highlight Acme loves the new invoices #billing",),
    ),
    Subcommand(
        "create",
        "create <rotation> [#channel]",
        "create a rotation (you become admin)",
        ADMIN,
        ("create support #support",),
        admin=True,
    ),
    Subcommand(
        "config",
        "config [rotation | me]",
        "timezone, holidays, workdays, slots per day, reminder times; `config me`: your own "
        "out-of-office calendar",
        ADMIN,
        admin=True,
    ),
    Subcommand(
        "add",
        "add @person [@person …] [rotation]",
        "add people to a rotation",
        ADMIN,
        ("add @newcomer @teammate",),
        admin=True,
    ),
    Subcommand(
        "remove", "remove @person [rotation]", "take someone off a rotation", ADMIN, admin=True
    ),
    Subcommand(
        "admin",
        "admin @person [rotation]",
        "make someone an admin of a rotation",
        ADMIN,
        admin=True,
    ),
    Subcommand(
        "handle",
        "handle @name [rotation]",
        "the user group kept in step with the day's people (default @<rotation>-today)",
        ADMIN,
        ("handle @support-today",),
        admin=True,
    ),
    Subcommand(
        "plan",
        "plan [this|next quarter] [rotation]",
        "preview a quarter's plan with its fairness figures, then publish it",
        ADMIN,
        ("plan next quarter",),
        admin=True,
    ),
    Subcommand(
        "publish",
        "publish [this|next quarter] [rotation]",
        "publish the plan last previewed",
        ADMIN,
        admin=True,
    ),
)

BY_NAME: dict[str, Subcommand] = {s.name: s for s in SUBCOMMANDS}
NAMES: tuple[str, ...] = tuple(BY_NAME)

# Other words people type for a subcommand.
ALIASES: dict[str, str] = {
    "?": "help",
    "-h": "help",
    "--help": "help",
    "usage": "help",
    "me": "my",
    "mine": "my",
    "today": "who",
    "off": "away",
    "pto": "away",
    "vacation": "away",
    "trade": "swap",
    "ticket": "bug",
    "praise": "highlight",
    "kudos": "highlight",
    "status": "stats",
    "feed": "calendar",
    "feeds": "calendar",
    "ics": "calendar",
    "fairness": "stats",
}


class CommandError(ValueError):
    """A command QueueDay cannot read; `message` says what was wrong."""

    def __init__(self, message: str, subcommand: Subcommand | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.subcommand = subcommand


class UnknownSubcommand(CommandError):
    """The first word is no subcommand; `suggestion` is the closest one, if any."""

    def __init__(self, word: str) -> None:
        self.word = word
        self.suggestion = suggest(word)
        super().__init__(f"I don't know `{word}`.")


@dataclass(frozen=True)
class CommandLine:
    """A command split into its subcommand and the tokens after it."""

    subcommand: Subcommand
    args: tuple[Token, ...]
    text: str

    @property
    def name(self) -> str:
        return self.subcommand.name


def split_command(text: str) -> CommandLine:
    """The subcommand and its arguments; empty text is `help`.

    Raises:
        UnknownSubcommand: the first word names no subcommand.
    """
    stripped = text.strip()
    if not stripped:
        return CommandLine(BY_NAME["help"], (), "")
    first, _, rest = stripped.partition(" ")
    if "\n" in first:
        first, _, more = first.partition("\n")
        rest = more + " " + rest
    word = first.lower()
    name = ALIASES.get(word, word)
    if name not in BY_NAME:
        raise UnknownSubcommand(first)
    return CommandLine(BY_NAME[name], tuple(tokenize(rest)), rest.strip())


def suggest(word: str) -> str | None:
    """The subcommand `word` was probably meant to be, if one is close."""
    close = difflib.get_close_matches(word.lower(), [*NAMES, *ALIASES], n=1, cutoff=0.6)
    return ALIASES.get(close[0], close[0]) if close else None
