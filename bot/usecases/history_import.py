"""Importing served days from a spreadsheet or another tool, as done history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from bot.usecases import audit
from bot.usecases.access import check_now, load_rotation, local_today, require_admin
from bot.usecases.days import place
from bot.usecases.errors import InvalidInput, NotFound
from bot.usecases.transaction import unit_of_work
from scheduling.wording import plural
from storage import queries
from storage.models import AssignmentState, Member, Origin


@dataclass(frozen=True)
class HistoryRow:
    """One line of the file: a date and a person (Slack user id or email)."""

    line: int
    day: date
    who: str
    name: str | None = None


@dataclass(frozen=True)
class ImportReport:
    """What an import did, or (dry run) would do."""

    rows: int
    imported: int  # new days recorded
    already: int  # days the database already had
    unknown: tuple[str, ...]  # people not in the rotation, as written (with a name if given)
    duplicates: tuple[str, ...]  # "line 7: 2026-03-02 U0ADA (also line 3)"
    dry_run: bool


def import_history(
    session: Session,
    *,
    team_id: str,
    rotation: str,
    actor: str,
    now: datetime,
    rows: Sequence[HistoryRow],
    dry_run: bool = False,
) -> ImportReport:
    """Record past days as done (admins only); a dry run reports and writes nothing.

    People are matched by Slack user id or by email. Unknown people refuse the whole
    import (add them first); a day listed twice is recorded once and reported.
    """
    check_now(now)
    with unit_of_work(session):
        row = load_rotation(session, team_id=team_id, name=rotation, for_update=True)
        require_admin(session, row, actor, "import history")
        assert row.id is not None
        today = local_today(row, now)
        members = queries.members_of(session, rotation_id=row.id)
        by_key: dict[str, Member] = {m.user_id: m for m in members}
        by_key.update({m.email.lower(): m for m in members if m.email})
        unknown: dict[str, str] = {}
        duplicates: list[str] = []
        seen: dict[tuple[date, int], int] = {}
        wanted: list[tuple[date, Member]] = []
        for item in rows:
            if item.day >= today:
                raise InvalidInput(
                    f"line {item.line}: {item.day.isoformat()} is not in the past; "
                    "history is days already served."
                )
            member = by_key.get(item.who) or by_key.get(item.who.lower())
            if member is None:
                unknown.setdefault(item.who, f"{item.who} ({item.name})" if item.name else item.who)
                continue
            assert member.id is not None
            key = (item.day, member.id)
            if key in seen:
                duplicates.append(
                    f"line {item.line}: {item.day.isoformat()} {item.who} (also line {seen[key]})"
                )
                continue
            seen[key] = item.line
            wanted.append((item.day, member))
        existing = {
            (a.day, a.member_id)
            for a in queries.assignments_of(
                session,
                rotation_id=row.id,
                states=(AssignmentState.DONE, AssignmentState.PUBLISHED),
                last=today,
            )
        }
        new = [(day, m) for day, m in wanted if (day, m.id) not in existing]
        report = ImportReport(
            rows=len(rows),
            imported=len(new),
            already=len(wanted) - len(new),
            unknown=tuple(unknown.values()),
            duplicates=tuple(duplicates),
            dry_run=dry_run,
        )
        if dry_run:
            session.rollback()
            return report
        if unknown:
            raise NotFound(
                f"{plural(len(unknown), 'unknown person')} (add them to {row.name} first): "
                + ", ".join(list(unknown.values())[:10])
                + (" ..." if len(unknown) > 10 else "")
            )
        for day, member in new:
            place(
                session,
                rotation=row,
                member=member,
                day=day,
                origin=Origin.MANUAL,
                now=now,
                state=AssignmentState.DONE,
            )
        audit.record(
            session,
            rotation=row,
            actor=actor,
            action="history.import",
            subject=f"rotation:{row.id}",
            after={
                "imported": len(new),
                "already": report.already,
                "first": min((d for d, _ in new), default=today).isoformat(),
                "last": max((d for d, _ in new), default=today).isoformat(),
            },
            now=now,
        )
    return report
