"""Each subcommand's arguments, read into a typed request before any use case runs.

Pure: `today` is an argument (the rotation's current day), so `away friday` means the
same thing in a test as at 23:59 in Berlin.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, time
from enum import StrEnum

from bot.slack.commands import CommandError, CommandLine
from bot.slack.dates import DateError, DayRange, parse_day, parse_range, take_range
from bot.slack.text import (
    ChannelRef,
    Link,
    TextError,
    Token,
    UserRef,
    as_channel,
    as_user,
    plain,
    split_tags,
    words_text,
)
from scheduling.reminders import parse_clock

ROTATION_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")
MAX_NOTE = 500


class Quarter(StrEnum):
    THIS = "this"
    NEXT = "next"


@dataclass(frozen=True)
class Help:
    topic: str | None = None


@dataclass(frozen=True)
class Who:
    day: date | None = None
    rotation: str | None = None


@dataclass(frozen=True)
class My:
    pass


@dataclass(frozen=True)
class Schedule:
    quarter: Quarter = Quarter.THIS
    rotation: str | None = None


@dataclass(frozen=True)
class RotationOnly:
    """`stats`, `join`, `leave`, `config`: an optional rotation name."""

    rotation: str | None = None


@dataclass(frozen=True)
class Away:
    days: DayRange
    reason: str = ""
    person: UserRef | None = None  # an admin booking for someone: `away @ben jan 12..16`


@dataclass(frozen=True)
class AwayList:
    pass


@dataclass(frozen=True)
class AwayCancel:
    day: date


@dataclass(frozen=True)
class Swap:
    my_day: date | None  # None: `my next day`, the asker's first day after today
    person: UserRef
    their_day: date | None = None
    owner: UserRef | None = None  # an admin swapping for someone: `swap jan 12 of @ben with @cleo`
    my_through: date | None = None  # a whole stint: `swap jan 12..jan 13 with @cleo`


@dataclass(frozen=True)
class Cover:
    day: date | None  # None: `my next day`
    person: UserRef | None = None
    owner: UserRef | None = None  # an admin acting for someone: `cover jan 12 for @ben [@cleo]`
    through: date | None = None  # a whole stint: `cover jan 12..jan 13`


@dataclass(frozen=True)
class Note:
    """`bug` and `highlight`: the text, a link if one was given, and `#area` tags."""

    text: str
    url: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Create:
    rotation: str
    channel: ChannelRef | None = None


@dataclass(frozen=True)
class People:
    """`add`, `remove`, `admin`: the people named and an optional rotation."""

    people: tuple[UserRef, ...]
    rotation: str | None = None


@dataclass(frozen=True)
class Handle:
    """`handle @name [rotation]`: the user group kept in step with the day's people."""

    handle: str
    rotation: str | None = None


@dataclass(frozen=True)
class Period:
    """`plan`, `publish`: which quarter, and an optional rotation."""

    quarter: Quarter = Quarter.NEXT
    rotation: str | None = None


@dataclass(frozen=True)
class Reminders:
    """`reminders`: show, or `mute|unmute <kind>`, `at <kind> <HH:MM>`, `areas <area>…`."""

    action: str = "show"
    kind: str | None = None
    at: time | None = None
    areas: tuple[str, ...] = ()


Request = (
    Reminders
    | Help
    | Who
    | My
    | Schedule
    | RotationOnly
    | Away
    | AwayList
    | AwayCancel
    | Swap
    | Cover
    | Note
    | Create
    | People
    | Period
    | Handle
)


def parse_request(line: CommandLine, today: date) -> Request:
    """The typed request of a command line.

    Raises:
        CommandError: the arguments do not fit the subcommand; the message says why
            and `subcommand` carries the usage to show.
    """
    try:
        return _PARSERS[line.name](list(line.args), today)
    except (DateError, TextError) as exc:
        raise CommandError(str(exc), line.subcommand) from None
    except _Refusal as exc:
        raise CommandError(str(exc), line.subcommand) from None


class _Refusal(ValueError):
    pass


def _words(tokens: Sequence[Token], what: str) -> list[str]:
    """The tokens as plain words, refusing a mention or channel where none belongs."""
    for t in tokens:
        if isinstance(t, UserRef | ChannelRef):
            raise _Refusal(f"{what} has no place for {t}")
    return [str(t) for t in tokens]


def _no_args(name: str, request: Request) -> Callable[[list[Token], date], Request]:
    def parse(args: list[Token], today: date) -> Request:
        if args:
            raise _Refusal(f"`{name}` takes nothing after it (got `{words_text(args)}`)")
        return request

    return parse


def _rotation(word: str) -> str:
    if not ROTATION_NAME.fullmatch(word):
        raise _Refusal(f"`{word}` is not a rotation name (letters, digits, `-`, `_`, `.`)")
    return word


def _optional_rotation(args: Sequence[Token], what: str) -> str | None:
    words = _words(args, what)
    if len(words) > 1:
        raise _Refusal(f"one rotation name at most (got `{' '.join(words)}`)")
    return _rotation(words[0]) if words else None


def _help(args: list[Token], today: date) -> Request:
    words = _words(args, "help")
    return Help(words[0].lower() if words else None)


# Words that belong to a date, so `who jan` is a bad date rather than a rotation `jan`.
_DATE_WORD = re.compile(
    r"\d|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mon|tue|wed|thu|fri|sat|sun)"
    r"|(?:today|tomorrow|yesterday|next|last|this|in|days?|weeks?)$",
    re.IGNORECASE,
)


def _who(args: list[Token], today: date) -> Request:
    words = _words(args, "`who`")
    if not words:
        return Who()
    try:
        return Who(parse_day(" ".join(words), today))
    except DateError:
        last = words[-1]
        if _DATE_WORD.match(last) or not ROTATION_NAME.fullmatch(last):
            raise
    # `who [date] <rotation>`: the last word names the rotation.
    rest = " ".join(words[:-1])
    return Who(parse_day(rest, today) if rest else None, _rotation(last))


def _quarter_then_rotation(args: list[Token], what: str) -> tuple[Quarter | None, str | None]:
    words = _words(args, what)
    quarter: Quarter | None = None
    if words and words[0].lower() in ("this", "next"):
        quarter = Quarter(words.pop(0).lower())
        if words and words[0].lower() in ("quarter", "q"):
            words.pop(0)
    elif words and words[0].lower() == "quarter":
        raise _Refusal("say `this quarter` or `next quarter`")
    if len(words) > 1:
        raise _Refusal(f"I don't know what `{' '.join(words)}` means here")
    return quarter, _rotation(words[0]) if words else None


def _schedule(args: list[Token], today: date) -> Request:
    quarter, rotation = _quarter_then_rotation(args, "`schedule`")
    return Schedule(quarter or Quarter.THIS, rotation)


def _period(args: list[Token], today: date) -> Request:
    quarter, rotation = _quarter_then_rotation(args, "this command")
    return Period(quarter or Quarter.NEXT, rotation)


def _rotation_only(args: list[Token], today: date) -> Request:
    return RotationOnly(_optional_rotation(args, "this command"))


def _away(args: list[Token], today: date) -> Request:
    words = [str(t) for t in args]
    head = words[0].lower() if words else ""
    if head == "list":
        return _no_args("away list", AwayList())(args[1:], today)
    if head == "cancel":
        words = _words(args[1:], "`away cancel`")
        if not words:
            raise _Refusal("say which day to cancel, e.g. `away cancel jan 12`")
        return AwayCancel(parse_day(" ".join(words), today))
    person = args[0] if args and isinstance(args[0], UserRef) else None
    if person is not None:
        words = words[1:]
        if not words:
            raise _Refusal(f"say which days {person} is away, e.g. `away {person} jan 12..jan 16`")
    if not words:
        raise _Refusal("say which days you are away, e.g. `away jan 12..jan 16`")
    days, rest = take_range(words, today)
    return Away(days, _note(plain(" ".join(rest))), person)


def _swap(args: list[Token], today: date) -> Request:
    acting = _swap_for(args, today)
    if acting is not None:
        return acting
    at = next((i for i, t in enumerate(args) if isinstance(t, UserRef)), None)
    if at is None:
        person_words = [t for t in args if str(t).startswith("@")]
        if person_words:
            as_user(person_words[0])  # explains how to mention someone
        raise _Refusal("say who to swap with, e.g. `swap jan 12 with @ada jan 19`")
    before = _words(args[:at], "the date")
    if before and before[-1].lower() == "with":
        before.pop()
    if not before:
        raise _Refusal("say which of your days to swap first, e.g. `swap jan 12 with @ada`")
    my_day, through = _my_days(before, today)
    after = _words(args[at + 1 :], "their date")
    their_day = parse_day(" ".join(after), today) if after else None
    return Swap(my_day, as_user(args[at]), their_day, my_through=through)


def _cover(args: list[Token], today: date) -> Request:
    acting = _cover_for(args, today)
    if acting is not None:
        return acting
    last = args[-1] if args else None
    person = last if isinstance(last, UserRef) or str(last).startswith("@") else None
    words = _words(args[:-1] if person is not None else args, "the date")
    if not words:
        raise _Refusal("say which of your days needs cover, e.g. `cover jan 12 @ada`")
    day, through = _my_days(words, today)
    return Cover(day, as_user(person) if person is not None else None, through=through)


# One's own next queue day, whatever its date: what a README or a habit can name on any day.
MY_NEXT_DAY = ("my", "next", "day")


def _my_day(words: list[str], today: date) -> date | None:
    """The asker's day as typed; None for `my next day` (the use case finds it)."""
    if tuple(w.lower() for w in words) == MY_NEXT_DAY:
        return None
    return parse_day(" ".join(words), today)


def _my_days(words: list[str], today: date) -> tuple[date | None, date | None]:
    """The asker's day, and the last day of a two-day stint written as a range
    (`jan 12..jan 13`); the use case checks that the two days are one stint."""
    if tuple(w.lower() for w in words) == MY_NEXT_DAY:
        return None, None
    days = parse_range(" ".join(words), today)
    return days.start, days.end if days.end != days.start else None


# The day of the person an admin acts for, when it is their next one: `cover next day for @ben`.
THEIR_NEXT_DAY = (("next", "day"), ("their", "next", "day"), MY_NEXT_DAY)


def _their_day(words: list[str], today: date, example: str) -> date | None:
    if not words:
        raise _Refusal(f"say which of their days, e.g. `{example}`")
    if tuple(w.lower() for w in words) in THEIR_NEXT_DAY:
        return None
    return parse_day(" ".join(words), today)


def _cover_for(args: list[Token], today: date) -> Cover | None:
    """`cover <date> for @ben [@cleo]`: an admin offers Ben's day, or hands it to Cleo."""
    at = next(
        (
            i
            for i, t in enumerate(args[:-1])
            if str(t).lower() == "for" and isinstance(args[i + 1], UserRef)
        ),
        None,
    )
    if at is None:
        return None
    owner = args[at + 1]
    assert isinstance(owner, UserRef)
    day = _their_day(_words(args[:at], "the date"), today, f"cover jan 12 for {owner}")
    rest = args[at + 2 :]
    if len(rest) > 1 or (rest and not isinstance(rest[0], UserRef)):
        if rest and str(rest[0]).startswith("@"):
            as_user(rest[0])  # explains how to mention someone
        raise _Refusal(
            f"after {owner} name at most the one person who takes the day, "
            f"e.g. `cover jan 12 for {owner} @teammate`"
        )
    taker = rest[0] if rest else None
    assert taker is None or isinstance(taker, UserRef)
    return Cover(day, taker, owner)


def _swap_for(args: list[Token], today: date) -> Swap | None:
    """`swap <date> of @ben with @cleo [<cleo's date>]`: an admin swaps for Ben."""
    at = next(
        (
            i
            for i, t in enumerate(args[:-1])
            if str(t).lower() == "of" and isinstance(args[i + 1], UserRef)
        ),
        None,
    )
    if at is None:
        return None
    owner = args[at + 1]
    assert isinstance(owner, UserRef)
    example = f"swap jan 12 of {owner} with @teammate"
    day = _their_day(_words(args[:at], "the date"), today, example)
    rest = list(args[at + 2 :])
    if rest and str(rest[0]).lower() == "with":
        rest.pop(0)
    if not rest or not isinstance(rest[0], UserRef):
        if rest and str(rest[0]).startswith("@"):
            as_user(rest[0])
        raise _Refusal(f"say who {owner} swaps with, e.g. `{example}`")
    counterpart = rest[0]
    assert isinstance(counterpart, UserRef)
    after = _words(rest[1:], "their date")
    their_day = parse_day(" ".join(after), today) if after else None
    return Swap(day, counterpart, their_day, owner)


def _note_request(args: list[Token], today: date) -> Request:
    rest, tags = split_tags(args)
    url = next((t.url for t in rest if isinstance(t, Link)), None)
    if url is None:
        url = next((str(t) for t in rest if str(t).startswith(("http://", "https://"))), None)
    text = _note(plain(words_text(rest)))
    if not text:
        raise _Refusal("say what it is about, e.g. `bug Export times out #billing`")
    return Note(text, url, tuple(tags))


def _note(text: str) -> str:
    if len(text) > MAX_NOTE:
        raise _Refusal(f"keep it under {MAX_NOTE} characters (this one has {len(text)})")
    return text


def _create(args: list[Token], today: date) -> Request:
    if not args:
        raise _Refusal("name the rotation, e.g. `create support #support`")
    channel = as_channel(args[-1]) if len(args) == 2 else None
    if len(args) > 2:
        raise _Refusal("a rotation name and at most one #channel")
    first = args[0]
    if isinstance(first, UserRef | ChannelRef):
        raise _Refusal(f"the rotation's name comes first (got {first})")
    return Create(_rotation(str(first)), channel)


def _people(args: list[Token], today: date) -> Request:
    people = [t for t in args if isinstance(t, UserRef)]
    others = [t for t in args if not isinstance(t, UserRef)]
    for other in others:
        if str(other).startswith("@"):
            as_user(other)  # says how to mention a person
    if not people:
        raise _Refusal("mention at least one person, e.g. `@ada`")
    return People(tuple(dict.fromkeys(people)), _optional_rotation(others, "a rotation"))


def _handle(args: list[Token], today: date) -> Request:
    # An existing group comes as <!subteam^S…|@name>, which the tokenizer reads as @name.
    words = _words(args, "`handle`")
    if not words or not words[0].startswith("@"):
        raise _Refusal("name the handle with its @, e.g. `handle @support-today`")
    return Handle(words[0], _optional_rotation(args[1:], "a rotation"))


def _one_person(args: list[Token], today: date) -> Request:
    request = _people(args, today)
    assert isinstance(request, People)
    if len(request.people) > 1:
        raise _Refusal("one person at a time")
    return request


# What people type for each reminder kind.
REMINDER_KINDS = {
    "day_before": "day_before",
    "daybefore": "day_before",
    "before": "day_before",
    "eve": "day_before",
    "morning_of": "morning_of",
    "morning": "morning_of",
    "end_of_day": "end_of_day",
    "endofday": "end_of_day",
    "end": "end_of_day",
    "eod": "end_of_day",
    "evening": "end_of_day",
}


def _reminder_kind(word: str) -> str:
    kind = REMINDER_KINDS.get(word.lower().replace("-", "_"))
    if kind is None:
        raise _Refusal(f"`{word}` is not a reminder; use day_before, morning_of or end_of_day")
    return kind


def _reminders(args: list[Token], today: date) -> Request:
    words = _words(args, "`reminders`")
    if not words:
        return Reminders()
    action, rest = words[0].lower(), words[1:]
    if action in ("mute", "unmute"):
        if len(rest) != 1:
            raise _Refusal(f"say which reminder, e.g. `reminders {action} day_before`")
        return Reminders(action, _reminder_kind(rest[0]))
    if action == "at":
        if len(rest) != 2:
            raise _Refusal("say which reminder and when, e.g. `reminders at morning_of 08:30`")
        try:
            at = parse_clock(rest[1])
        except ValueError as exc:
            raise _Refusal(str(exc)) from None
        return Reminders("at", _reminder_kind(rest[0]), at)
    if action == "areas":
        areas = tuple(w.lstrip("#").lower() for w in rest if w.lstrip("#"))
        return Reminders("areas", areas=areas)
    raise _Refusal(f"I don't know `{words[0]}` here; use mute, unmute, at or areas")


_PARSERS: dict[str, Callable[[list[Token], date], Request]] = {
    "reminders": _reminders,
    "help": _help,
    "who": _who,
    "my": _no_args("my", My()),
    "schedule": _schedule,
    "stats": _rotation_only,
    "calendar": _rotation_only,
    "join": _rotation_only,
    "leave": _rotation_only,
    "config": _rotation_only,
    "away": _away,
    "swap": _swap,
    "cover": _cover,
    "bug": _note_request,
    "highlight": _note_request,
    "create": _create,
    "add": _people,
    "remove": _one_person,
    "admin": _one_person,
    "plan": _period,
    "publish": _period,
    "handle": _handle,
}
