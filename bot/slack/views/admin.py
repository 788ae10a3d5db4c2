"""Replies to the admin commands: rotations created, people added and removed, plans."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from fractions import Fraction
from typing import Any

from bot.slack.commands import COMMAND
from bot.slack.text import escape
from bot.slack.views import format as fmt
from bot.slack.views.blocks import Block, actions, button, context, header, said, section
from bot.slack.views.limits import Message, fit_message
from bot.slack.views.queue import FURTHEST, line_sections
from bot.slack.views.rules import warnings_section
from bot.usecases.members import AddResult, Departure, MemberInfo
from bot.usecases.plans import PlanPreview, PublishResult
from bot.usecases.rotations import RotationSettings
from scheduling.wording import plural

PUBLISH = "plan:publish"
PREVIEW_ROWS = 60


def created(settings: RotationSettings) -> Message:
    channel = f" for <#{settings.channel}>" if settings.channel else ""
    name = escape(settings.name)
    text = (
        f":tada: Created the rotation *{name}*{channel}; you are its admin. "
        f"Timezone {escape(settings.timezone)}, {settings.slots_per_day} person a day.\n"
        f"Next: `{COMMAND} add @person @person {name}`, `{COMMAND} config {name}` for "
        f"holidays and workdays, then `{COMMAND} plan this quarter {name}`."
    )
    return fit_message(f"Created the rotation {name}.", [section(text)])


def added(result: AddResult) -> Message:
    lines = []
    if result.added:
        who = fmt.people(m.user for m in result.added)
        lines.append(f":wave: Added {who} to *{escape(result.rotation)}*.")
    lines += [f":information_source: {said(reason)}" for _, reason in result.skipped]
    if result.added:
        lines.append(
            f"They get their fair share from the next plan: `{COMMAND} plan this quarter "
            f"{escape(result.rotation)}`."
        )
    text = "\n".join(lines)
    plain = f"Added {plural(len(result.added), 'person', 'people')} to {escape(result.rotation)}"
    if result.skipped:
        plain += f"; {len(result.skipped)} not added"
    return fit_message(plain + ".", [section(text)])


def removed(departure: Departure, rotation: str, today: date) -> Message:
    who = fmt.mention(departure.user)
    if departure.deleted:
        text = f":door: Removed {who} from *{escape(rotation)}* (they had no days yet)."
    else:
        handed = ", ".join(
            f"{fmt.day(e.day, today=today)} to {fmt.mention(e.member)}"
            for e in departure.replacements
        )
        text = f":door: {who} leaves *{escape(rotation)}* after today; their history stays."
        if handed:
            text += f" Their days went to others: {handed}."
    return fit_message(f"Removed {who} from {escape(rotation)}.", [section(text)])


def made_admin(member: MemberInfo, rotation: str) -> Message:
    text = f":crown: {fmt.mention(member.user)} is now an admin of *{escape(rotation)}*."
    return fit_message(text.removeprefix(":crown: ").replace("*", ""), [section(text)])


def _bold(text: str) -> str:
    return f"*{text}*"


def publish_value(preview: PlanPreview) -> str:
    """What the Publish button carries: exactly the preview the admin saw."""
    return json.dumps(
        {
            "r": preview.rotation,
            "s": preview.start.isoformat(),
            "e": preview.end.isoformat(),
            "v": preview.based_on_version,
        },
        separators=(",", ":"),
    )


def read_publish_value(value: str) -> dict[str, Any]:
    """The Publish button's value back (rotation, start, end, version); ValueError if not."""
    data = json.loads(value)
    if not isinstance(data, dict) or set(data) != {"r", "s", "e", "v"}:
        raise ValueError(f"not a publish value: {value[:80]!r}")
    return {
        "rotation": str(data["r"]),
        "start": date.fromisoformat(data["s"]),
        "end": date.fromisoformat(data["e"]),
        "expected_version": int(data["v"]),
    }


def plan_preview(preview: PlanPreview, which: str, today: date) -> Message:
    """A plan before it is published: fairness figures, gaps, changes, and Publish."""
    counts = Counter(e.member for e in preview.assignments)
    balances = preview.balances
    worst = max((abs(b) for b in balances.values()), default=Fraction(0))
    period = fmt.day_range(preview.start, preview.end, today=today)
    blocks: list[Block] = [
        header(f"{preview.rotation}: {which} quarter (preview)"),
        section(
            f"{period}: {_bold(plural(len(preview.assignments), 'queue day'))} for "
            f"{_bold(plural(len(balances), 'person'))}. Largest gap from a fair share at the "
            f"end: *{fmt.balance_days(worst)}*. Against what is published: "
            f"{len(preview.added)} added, {len(preview.removed)} removed."
        ),
    ]
    if preview.unfilled:
        gaps = ", ".join(
            f"{fmt.day(u.day, today=today)} ({u.open_slots} open)" for u in preview.unfilled[:10]
        )
        more = f" and {len(preview.unfilled) - 10} more" if len(preview.unfilled) > 10 else ""
        blocks.append(section(f":warning: Days short of people: {gaps}{more}."))
    if (broken := warnings_section(preview.warnings)) is not None:
        blocks.append(broken)
    furthest = sorted(balances, key=lambda u: (-abs(balances[u]), u))[:FURTHEST]
    rows = sorted(balances, key=lambda u: (-counts[u], u))
    lines = ["*Days and balance at the end, per person*"] + [
        f"• {fmt.mention(u)}  {plural(counts[u], 'day')} · balance {fmt.balance(balances[u])}"
        for u in rows[:PREVIEW_ROWS]
    ]
    if len(rows) > PREVIEW_ROWS:
        lines.append(f"…and {len(rows) - PREVIEW_ROWS} more")
    blocks += line_sections(lines)
    if furthest:
        blocks.append(
            context(
                "Furthest from fair: "
                + ", ".join(f"{fmt.mention(u)} {fmt.balance(balances[u])}" for u in furthest)
            )
        )
    blocks.append(
        actions(
            button(
                "Publish",
                PUBLISH,
                value=publish_value(preview),
                style="primary",
            )
        )
    )
    blocks.append(context("Nothing changes until you publish; people then get their days."))
    plain = (
        f"Plan preview for {escape(preview.rotation)} {period}: "
        f"{plural(len(preview.assignments), 'day')}, largest gap {fmt.balance_days(worst)}"
    )
    return fit_message(plain, blocks)


def published(result: PublishResult, today: date) -> Message:
    period = fmt.day_range(result.start, result.end, today=today)
    text = (
        f":rocket: Published *{escape(result.rotation)}* version {result.version} for {period}: "
        f"{plural(len(result.assignments), 'queue day')}, {len(result.added)} added and "
        f"{len(result.removed)} removed against the last version."
    )
    if result.unfilled:
        short = plural(len(result.unfilled), "day")
        text += f" {short} {'is' if len(result.unfilled) == 1 else 'are'} short of people."
    blocks = [
        section(text),
        context(f"`{COMMAND} schedule` shows the days; everyone's App Home is updated."),
    ]
    if (broken := warnings_section(result.warnings)) is not None:
        blocks.insert(1, broken)
    return fit_message(f"Published {escape(result.rotation)} version {result.version}.", blocks)


def welcome(rotation: str, by: str) -> Message:
    """To someone just added to a rotation."""
    text = (
        f":wave: {fmt.mention(by)} added you to the *{escape(rotation)}* support queue. "
        f"QueueDay gives everyone a fair share of days; `{COMMAND} my` shows yours once "
        f"the next plan is published, and `{COMMAND} away &lt;dates&gt;` keeps you off days "
        "you are away."
    )
    return fit_message(f"You were added to the {escape(rotation)} rotation.", [section(text)])
