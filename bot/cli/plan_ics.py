"""`queueday plan --format ics`: the plan as a calendar file."""

from __future__ import annotations

from datetime import UTC, datetime

from scheduling.ics import plan_events, render_calendar
from scheduling.model import Plan, Rotation


def plan_ics(rotation: Rotation, plan: Plan, *, name: str = "Support queue") -> bytes:
    """An RFC 5545 calendar of the plan: one all-day event per person and day."""
    names = {m.id: m.name for m in rotation.members}
    # DTSTAMP is when this file was made; UIDs stay stable across runs.
    now = datetime.now(UTC).replace(microsecond=0)
    events = plan_events(plan.assignments, names, rotation="plan", updated_at=now)
    return render_calendar(name, events, timezone=rotation.timezone)
