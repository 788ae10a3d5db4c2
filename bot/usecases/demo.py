"""The demo workspace: a support rotation with history, plans, time off and notes.

Built only through the use cases (as a team's admin would build it), relative to
`now`: the previous quarter and this one up to yesterday are done history, the rest of
this quarter and all of the next are published.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.usecases.errors import InvalidInput
from bot.usecases.history_import import HistoryRow, import_history
from bot.usecases.loading import planning_input
from bot.usecases.members import NewMember, add_members, set_member_role
from bot.usecases.notes import record_highlight, record_ticket
from bot.usecases.plans import publish_plan
from bot.usecases.rotations import create_rotation
from bot.usecases.time_off import book_time_off
from bot.usecases.transaction import unit_of_work
from scheduling.planner import make_plan
from scheduling.quarters import quarter_of
from storage import queries
from storage.models import Role
from storage.purge import delete_workspace

TEAM = "T0DEMO"
TEAM_NAME = "QueueDay demo"
ROTATION = "support"
CHANNEL = "C0DEMO"
TIMEZONE = "Europe/Berlin"
ADMIN = "U0ADA"

# (user id, name, weight); Ada first, the admin. Lea joined this quarter, half time.
PEOPLE = (
    ("U0ADA", "Ada Lovelace", 1.0),
    ("U0BEN", "Ben Okafor", 1.0),
    ("U0CLEO", "Cleo Martin", 1.0),
    ("U0DEV", "Dev Patel", 1.0),
    ("U0EVA", "Eva Novak", 1.0),
    ("U0FINN", "Finn Larsen", 1.0),
    ("U0GIA", "Gia Rossi", 1.0),
    ("U0HUGO", "Hugo Schmidt", 1.0),
    ("U0IVY", "Ivy Chen", 1.0),
    ("U0JON", "Jon Berg", 1.0),
    ("U0KAI", "Kai Tanaka", 1.0),
    ("U0LEA", "Lea Weber", 0.5),
)
NEWCOMER = "U0LEA"

TICKETS = (
    ("CSV export times out for teams over 500 people", "billing",
     "https://tracker.example.com/QD-101"),
    ("Invoice PDF shows the wrong VAT rate for Austria", "billing",
     "https://tracker.example.com/QD-104"),
    ("Password reset mail lands in spam for outlook.com", "auth", None),
    ("Search ignores accents: 'cafe' does not find 'café'", "search",
     "https://tracker.example.com/QD-117"),
)  # fmt: skip
HIGHLIGHTS = (
    ("Acme's finance team: the new invoice view saves them a day every month", "billing"),
    ("Globex set up single sign-on in ten minutes, without a call", "auth"),
    ("Initech: 'search is finally fast, even on our 2 million tickets'", "search"),
)


@dataclass(frozen=True)
class DemoReport:
    """What `seed_demo` did."""

    seeded: bool  # False: the demo was there already and nothing changed
    people: int
    history_days: int
    published: tuple[tuple[date, date], ...]


def demo_exists(session: Session) -> bool:
    """True if the demo rotation is in the database."""
    workspace = queries.workspace_by_team(session, team_id=TEAM)
    found = (
        workspace is not None
        and workspace.id is not None
        and queries.rotation_by_name(session, workspace_id=workspace.id, name=ROTATION) is not None
    )
    session.rollback()
    return found


def remove_demo(session: Session, *, now: datetime) -> int:
    """Delete the demo workspace and all it has; returns the rows deleted."""
    with unit_of_work(session):
        workspace = queries.workspace_by_team(session, team_id=TEAM)
        deleted = (
            delete_workspace(session, workspace_id=workspace.id)
            if workspace is not None and workspace.id is not None
            else 0
        )
    return deleted


def seed_demo(session: Session, *, now: datetime) -> DemoReport:
    """Seed the demo workspace unless it is there already (then nothing changes)."""
    if now.tzinfo is None:
        raise InvalidInput("now has no timezone")
    if demo_exists(session):
        return DemoReport(False, len(PEOPLE), 0, ())
    today = now.astimezone(ZoneInfo(TIMEZONE)).date()
    this_quarter = quarter_of(today, 1, 0)
    previous = quarter_of(today, 1, -1)
    following = quarter_of(today, 1, 1)
    create_rotation(
        session, team_id=TEAM, actor=ADMIN, actor_name=PEOPLE[0][1], now=now, name=ROTATION,
        workspace_name=TEAM_NAME, channel=CHANNEL, timezone=TIMEZONE, country="DE",
        subdivision="BE",
    )  # fmt: skip
    add_members(
        session,
        team_id=TEAM,
        rotation=ROTATION,
        actor=ADMIN,
        now=now,
        people=[
            NewMember(
                user,
                name,
                email=f"{name.split()[0].lower()}@demo.example.com",
                timezone=TIMEZONE,
                weight=weight,
                joined=this_quarter[0] if user == NEWCOMER else previous[0],
            )
            for user, name, weight in PEOPLE[1:]
        ],
    )
    set_member_role(
        session, team_id=TEAM, rotation=ROTATION, actor=ADMIN, now=now, user="U0BEN",
        role=Role.ADMIN,
    )  # fmt: skip
    history = _history(session, start=previous[0], end=today - timedelta(days=1))
    if history:
        import_history(session, team_id=TEAM, rotation=ROTATION, actor=ADMIN, now=now, rows=history)
    published = []
    for start, end in (this_quarter, following):
        result = publish_plan(
            session, team_id=TEAM, rotation=ROTATION, actor=ADMIN, now=now, start=start,
            end=end, expected_version=None,
        )  # fmt: skip
        published.append((result.start, result.end))
    _time_off(session, now=now, today=today)
    for text, area, url in TICKETS:
        record_ticket(
            session, team_id=TEAM, rotation=ROTATION, actor="U0DEV", now=now, text=text,
            url=url, product_area=area,
        )  # fmt: skip
    for text, area in HIGHLIGHTS:
        record_highlight(
            session, team_id=TEAM, rotation=ROTATION, actor="U0EVA", now=now, text=text,
            product_area=area,
        )  # fmt: skip
    _reflections(session, now=now, history=history)
    return DemoReport(True, len(PEOPLE), len(history), tuple(published))


REFLECTIONS = (
    (
        "Three customers asked how to export more than 500 rows; the timeout message "
        "tells them nothing.",
        "Globex's admin fixed their own SSO setup from the help page, no ticket needed.",
        "billing",
    ),
    (
        "The VAT question took an hour because nobody knew who owns invoices.",
        "Support macros for password resets saved me a dozen replies.",
        "auth",
    ),
)


def _reflections(session: Session, *, now: datetime, history: list[HistoryRow]) -> None:
    """What the last two people on the queue said at the end of their day (the end-of-day
    DM's answers), for this Friday's digest in the channel."""
    from bot.usecases.capture import record_reflection

    for row, (hurt, works, area) in zip(reversed(history[-2:]), REFLECTIONS, strict=False):
        record_reflection(
            session, team_id=TEAM, rotation=ROTATION, actor=row.who, now=now, day=row.day,
            hurt=hurt, works=works, area=area,
        )  # fmt: skip


def _history(session: Session, *, start: date, end: date) -> list[HistoryRow]:
    """Days served before today: what a fair plan of that time would have been."""
    if end < start:
        return []
    workspace = queries.workspace_by_team(session, team_id=TEAM)
    assert workspace is not None and workspace.id is not None
    rotation = queries.rotation_by_name(session, workspace_id=workspace.id, name=ROTATION)
    assert rotation is not None
    plan = make_plan(planning_input(session, rotation, start=start, end=end))
    session.rollback()
    return [
        HistoryRow(line=n, day=entry.day, who=entry.member)
        for n, entry in enumerate(plan.assignments, start=1)
    ]


def _time_off(session: Session, *, now: datetime, today: date) -> None:
    """Ben at a conference next week, Cleo on holiday in three weeks, Ivy at the dentist."""
    monday = today + timedelta(days=7 - today.weekday())
    for user, first, days, note in (
        ("U0BEN", monday, 5, "conference"),
        ("U0CLEO", monday + timedelta(days=14), 12, "holiday"),
        ("U0IVY", monday + timedelta(days=3), 1, "dentist"),
    ):
        book_time_off(
            session, team_id=TEAM, rotation=ROTATION, actor=user, now=now, user=user,
            first_day=first, last_day=first + timedelta(days=days - 1), note=note,
        )  # fmt: skip
