"""The planner rules of a rotation (min_gap_days, stint_days) as the admin reads them:
in the settings saved reply, and where a plan could not keep them for someone."""

from __future__ import annotations

from collections.abc import Sequence

from bot.slack.text import escape
from bot.slack.views.blocks import Block, section
from scheduling.model import RuleWarning
from scheduling.wording import plural

SHOWN_WARNINGS = 10  # the rest are counted: the reply stays one screen


def rules_text(min_gap_days: int | None, stint_days: int) -> str:
    """'two-day stints, at least 5 working days between stints', or 'single days'."""
    between = "stints" if stint_days == 2 else "a person's days"
    parts = ["two-day stints" if stint_days == 2 else "single days"]
    if min_gap_days is not None:
        parts.append(f"at least {plural(min_gap_days, 'working day')} between {between}")
    return ", ".join(parts)


def warnings_section(warnings: Sequence[RuleWarning]) -> Block | None:
    """One section listing where the plan breaks a rule and why, or None if nowhere."""
    if not warnings:
        return None
    lines = [
        f"• {escape(w.reason)} ({', '.join(d.strftime('%a %b %-d') for d in w.days)})"
        for w in warnings[:SHOWN_WARNINGS]
    ]
    if len(warnings) > SHOWN_WARNINGS:
        lines.append(f"…and {len(warnings) - SHOWN_WARNINGS} more")
    head = f":warning: {plural(len(warnings), 'place')} where the plan could not keep the rules:"
    return section("\n".join([head, *lines]))
