"""The README's console transcript is true on any day: it is replayed in the console
against a demo seeded on many different days, and every line it shows must appear.

The demo is seeded relative to today, so the transcript's dates (`Mon 7 Dec`) stand for
whatever dates the console prints; each one must stand for the same date throughout.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.cli.console import Console
from bot.usecases import demo
from storage import migrate
from storage.db import make_engine
from tests.bot.server import ROOT

SECTION = "## Without Slack: the demo team and the console"
PROMPT = re.compile(r"^(?P<name>[A-Z][\w ]*?)> (?P<line>.*)$")
DAY = re.compile(
    r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} "
    r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)(?: \d{4})?"
)
BERLIN = ZoneInfo(demo.TIMEZONE)


@dataclass(frozen=True)
class Step:
    """One line typed at the prompt (as the console echoes it) and the lines shown after."""

    prompt: str
    typed: str
    shown: tuple[str, ...]


def transcript(readme: str) -> list[Step]:
    """The steps of the console transcript: the unlabelled fenced block of the section."""
    section = readme.split(SECTION, 1)[1].split("\n## ", 1)[0]
    blocks: list[tuple[str, list[str]]] = []  # (the fence's info string, its lines)
    inside = False
    for line in section.splitlines():
        if line.startswith("```"):
            if not inside:
                blocks.append((line[3:].strip(), []))
            inside = not inside
        elif inside:
            blocks[-1][1].append(line)
    [block] = [lines for info, lines in blocks if not info and lines and PROMPT.match(lines[0])]
    steps: list[Step] = []
    for line in block:
        typed = PROMPT.match(line)
        if typed:
            steps.append(Step(line, typed["line"], ()))
        elif line.strip() and line.strip() != "...":  # "..." stands for lines left out
            last = steps[-1]
            steps[-1] = Step(last.prompt, last.typed, (*last.shown, line.rstrip()))
    return steps


def pattern(expected: str, dates: dict[str, str]) -> tuple[re.Pattern[str], list[str]]:
    """`expected` as a pattern: each date it names stands for the date it stood for
    before, or (the first time) for any date; with the dates met the first time."""
    parts: list[str] = []
    new: list[str] = []
    for n, piece in enumerate(re.split(f"({DAY.pattern})", expected)):
        if n % 2 == 0:
            parts.append(re.escape(piece))
        elif piece in dates:
            parts.append(re.escape(dates[piece]))
        elif piece in new:
            parts.append(f"(?P=d{new.index(piece)})")
        else:
            parts.append(f"(?P<d{len(new)}>{DAY.pattern})")
            new.append(piece)
    return re.compile("".join(parts)), new


def check_step(step: Step, output: list[str], dates: dict[str, str]) -> None:
    """Every line the README shows after `step` appears in the console's `output` for
    it, in order; the README's dates map one to one onto the console's."""
    at = 0
    for expected in step.shown:
        wanted, new = pattern(expected, dates)
        for n, line in enumerate(output[at:], start=at):
            found = wanted.fullmatch(line.rstrip())
            if found is None:
                continue
            for k, readme_day in enumerate(new):
                console_day = found[f"d{k}"]
                assert console_day not in dates.values(), (readme_day, console_day, dates)
                dates[readme_day] = console_day
            at = n + 1
            break
        else:
            shown = "\n".join(output)
            raise AssertionError(f"after `{step.prompt}` expected\n{expected}\nin\n{shown}")


def replay(engine: Engine, moment: datetime, steps: list[Step]) -> str:
    """Seed the demo at `moment` and type the transcript's lines in the console then."""
    now = moment.astimezone(UTC)
    with Session(engine, expire_on_commit=False) as session:
        assert demo.seed_demo(session, now=now).seeded
    out = io.StringIO()
    first = PROMPT.match(steps[0].prompt)
    assert first is not None
    console = Console(
        engine,
        user=first["name"].split()[0].lower(),
        team_id=demo.TEAM,
        channel=demo.CHANNEL,
        out=out,
        clock=lambda: now,
    )
    try:
        console.run([s.typed for s in steps], echo=True)
    finally:
        console.close()
    return out.getvalue()


def by_step(output: str, steps: list[Step]) -> Iterator[tuple[Step, list[str]]]:
    """Each step with the console's lines after its echoed prompt, up to the next one."""
    lines = output.splitlines()
    starts: list[int] = []
    for step in steps:
        after = starts[-1] + 1 if starts else 0
        assert step.prompt in lines[after:], f"the console never showed `{step.prompt}`"
        starts.append(lines.index(step.prompt, after))
    for step, start, end in zip(steps, starts, [*starts[1:], len(lines)], strict=True):
        yield step, lines[start + 1 : end]


@pytest.fixture
def engine() -> Iterator[Engine]:
    made = make_engine("sqlite://")
    migrate.upgrade(made)
    yield made
    made.dispose()


TODAYS = {
    "a Monday": datetime(2027, 3, 1, 9, 0, tzinfo=BERLIN),
    "a Friday afternoon": datetime(2026, 12, 4, 16, 30, tzinfo=BERLIN),
    "the quarter's last day": datetime(2027, 3, 31, 10, 0, tzinfo=BERLIN),
    "Good Friday, a holiday": datetime(2027, 3, 26, 9, 0, tzinfo=BERLIN),
    "the day before Christmas": datetime(2026, 12, 24, 9, 0, tzinfo=BERLIN),
    # Just after midnight on New Year's Day (a holiday) in Berlin, still the 31st in UTC.
    "New Year's night": datetime(2027, 1, 1, 0, 30, tzinfo=BERLIN),
    "a Sunday in summer": datetime(2027, 7, 4, 12, 0, tzinfo=BERLIN),
}


@pytest.mark.parametrize("today", TODAYS.values(), ids=TODAYS.keys())
def test_the_readme_transcript_holds_on(engine: Engine, today: datetime) -> None:
    steps = transcript((ROOT / "README.md").read_text(encoding="utf-8"))
    assert len(steps) >= 3 and any(s.shown for s in steps)
    output = replay(engine, today, steps)
    assert "Traceback" not in output
    dates: dict[str, str] = {}
    for step, lines in by_step(output, steps):
        check_step(step, lines, dates)
    assert dates  # the transcript's dates were all matched to the console's


def test_a_wrong_line_in_the_transcript_is_caught(engine: Engine) -> None:
    """The check above can fail: a reply the console does not give is reported."""
    steps = transcript((ROOT / "README.md").read_text(encoding="utf-8"))
    output = replay(engine, TODAYS["a Monday"], steps)
    wrong = Step(steps[0].prompt, steps[0].typed, ("  :x: Nothing of the sort on Mon 7 Dec.",))
    with pytest.raises(AssertionError, match="Nothing of the sort"):
        check_step(wrong, next(iter(by_step(output, steps)))[1], {})
    # The README's dates map one to one: the same line with its two dates exchanged fails.
    first_line = next(line for line in steps[0].shown if len(set(DAY.findall(line))) >= 2)
    one, two = list(dict.fromkeys(DAY.findall(first_line)))[:2]
    exchanged = first_line.replace(one, "\0").replace(two, one).replace("\0", two)
    lines = next(iter(by_step(output, steps)))[1]
    dates: dict[str, str] = {}
    check_step(Step(steps[0].prompt, steps[0].typed, (first_line,)), lines, dates)
    with pytest.raises(AssertionError):
        check_step(Step(steps[0].prompt, steps[0].typed, (exchanged,)), lines, dates)
