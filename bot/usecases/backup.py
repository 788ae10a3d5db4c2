"""Export every table as JSON (DESIGN.md section 4) and restore it into an empty database.

People are their Slack user ids and rotations their names, never database ids, so a
backup reads the same whatever ids the rows had and restores into any database. Rows
that only point at others (audit subjects like "assignment:12") keep the old ids as text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, SQLModel, col, func, select

from bot.usecases.access import check_now
from bot.usecases.channel_queue import check_handle
from bot.usecases.errors import Conflict, InvalidInput
from bot.usecases.rotations import apply_planner_rules
from bot.usecases.status_away import apply_status_emoji
from bot.usecases.transaction import unit_of_work
from storage.models import (
    Assignment,
    AuditEntry,
    ClosedDay,
    FeedToken,
    Highlight,
    Member,
    PageToken,
    PlanVersion,
    ReminderOutbox,
    Rotation,
    ShownHighlight,
    SwapRequest,
    Ticket,
    TimeOff,
    Workspace,
)

FORMAT = "queueday-export"
VERSION = 1
Json = dict[str, Any]


def _d(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def export_data(session: Session, *, now: datetime, rotation: str | None = None) -> Json:
    """Everything (or one rotation, in every workspace that has one by that name)."""
    check_now(now)
    workspaces = {w.id: w for w in session.exec(select(Workspace).order_by(Workspace.team_id))}
    rotations_query = select(Rotation).order_by(col(Rotation.workspace_id), Rotation.name)
    if rotation is not None:
        rotations_query = rotations_query.where(Rotation.name == rotation)
    rotations = {r.id: r for r in session.exec(rotations_query)}
    if rotation is not None:
        workspaces = {
            k: w
            for k, w in workspaces.items()
            if any(r.workspace_id == k for r in rotations.values())
        }
    members = {
        m.id: m
        for m in session.exec(
            select(Member)
            .where(col(Member.rotation_id).in_(list(rotations)))
            .order_by(col(Member.rotation_id), col(Member.id))
        )
    }
    assignments = {
        a.id: a
        for a in session.exec(
            select(Assignment)
            .where(col(Assignment.rotation_id).in_(list(rotations)))
            .order_by(col(Assignment.rotation_id), col(Assignment.day), col(Assignment.member_id))
        )
    }

    def where(rotation_id: int | None) -> Json:
        r = rotations[rotation_id]
        return {"workspace": workspaces[r.workspace_id].team_id, "rotation": r.name}

    def member_ref(member_id: int | None) -> str | None:
        return members[member_id].user_id if member_id is not None else None

    def rows(model: type[SQLModel], order: Any) -> Iterable[Any]:
        column = model.rotation_id  # type: ignore[attr-defined]
        return session.exec(
            select(model).where(col(column).in_(list(rotations))).order_by(col(column), order)
        )

    shown = _shown_by_highlight(session, rotations=[r for r in rotations if r is not None])
    data: Json = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": now.isoformat(),
        "workspaces": [
            {
                "team_id": w.team_id,
                "enterprise_id": w.enterprise_id,
                "name": w.name,
                "created_at": w.created_at.isoformat(),
            }
            for w in workspaces.values()
        ],
        "rotations": [
            {
                "workspace": workspaces[r.workspace_id].team_id,
                "name": r.name,
                "channel": r.channel,
                "timezone": r.timezone,
                "country": r.country,
                "subdivision": r.subdivision,
                "workdays": r.workdays.split(),
                "slots_per_day": r.slots_per_day,
                "quarter_start_month": r.quarter_start_month,
                "reminders_enabled": r.reminders_enabled,
                "reminder_time": r.reminder_time,
                "reminder_days_before": r.reminder_days_before,
                "closed_days": [
                    {"date": c.day.isoformat(), "note": c.note}
                    for c in rows(ClosedDay, ClosedDay.day)
                    if c.rotation_id == r.id
                ],
                "published_version": r.published_version,
                # The queue in the channel: the handle (None: <name>-today) and the
                # switches; what was last set there is Slack's state, not exported.
                "queue_handle": r.queue_handle,
                "queue_group": r.queue_group,
                "queue_topic": r.queue_topic,
                "queue_topic_overwrite": r.queue_topic_overwrite,
                "queue_post": r.queue_post,
                "min_gap_days": r.min_gap_days,  # None: no minimum gap
                "stint_days": r.stint_days,
                "status_away_emoji": r.status_away_emoji,  # None: Slack status not read
                "created_at": r.created_at.isoformat(),
                "updated_at": r.updated_at.isoformat(),
            }
            for r in rotations.values()
        ],
        "members": [
            {
                **where(m.rotation_id),
                "user": m.user_id,
                "name": m.display_name,
                "email": m.email,
                "timezone": m.timezone,
                "joined": _d(m.joined),
                "left": _d(m.left),
                "weight": m.weight,
                "role": m.role,
                "reminder_settings": m.reminder_settings or None,
                "created_at": m.created_at.isoformat(),
                "updated_at": m.updated_at.isoformat(),
            }
            for m in members.values()
        ],
        "assignments": [
            {
                **where(a.rotation_id),
                "date": a.day.isoformat(),
                "user": member_ref(a.member_id),
                "state": a.state,
                "origin": a.origin,
                "revision": a.revision,
                "created_at": a.created_at.isoformat(),
                "updated_at": a.updated_at.isoformat(),
            }
            for a in assignments.values()
        ],
        "time_off": [
            {
                **where(members[t.member_id].rotation_id),
                "user": member_ref(t.member_id),
                "start": t.first_day.isoformat(),
                "end": t.last_day.isoformat(),
                "note": t.note,
                "created_by": t.created_by,
                "created_at": t.created_at.isoformat(),
            }
            for t in session.exec(
                select(TimeOff)
                .where(col(TimeOff.member_id).in_(list(members)))
                # A calendar's absences come back when the feed is added again: its
                # URL is a secret and is never exported, so neither is what it made.
                .where(col(TimeOff.feed_id).is_(None))
                .order_by(col(TimeOff.member_id), col(TimeOff.first_day))
            )
        ],
        "plan_versions": [
            {
                **where(v.rotation_id),
                "version": v.version,
                "start": v.period_start.isoformat(),
                "end": v.period_end.isoformat(),
                "published_by": v.published_by,
                "published_at": v.published_at.isoformat(),
                "assignments": v.assignments,
                "added": v.added,
                "removed": v.removed,
            }
            for v in rows(PlanVersion, PlanVersion.version)
        ],
        "swaps": [
            {
                **where(s.rotation_id),
                "kind": s.kind,
                "state": s.state,
                "requester": member_ref(s.requester_id),
                "date": assignments[s.assignment_id].day.isoformat(),
                "user": member_ref(assignments[s.assignment_id].member_id),
                "revision": s.assignment_revision,
                "counterpart": member_ref(s.counterpart_id),
                "counterpart_date": _d(assignments[s.counterpart_assignment_id].day)
                if s.counterpart_assignment_id
                else None,
                "counterpart_user": member_ref(assignments[s.counterpart_assignment_id].member_id)
                if s.counterpart_assignment_id
                else None,
                "counterpart_revision": s.counterpart_revision,
                # A whole two-day stint: the second day of each side (same people).
                "second_date": _d(assignments[s.second_assignment_id].day)
                if s.second_assignment_id
                else None,
                "second_revision": s.second_revision,
                "counterpart_second_date": _d(assignments[s.counterpart_second_assignment_id].day)
                if s.counterpart_second_assignment_id
                else None,
                "counterpart_second_revision": s.counterpart_second_revision,
                "note": s.note,
                "created_at": s.created_at.isoformat(),
                "expires_at": s.expires_at.isoformat() if s.expires_at else None,
                "decided_at": s.decided_at.isoformat() if s.decided_at else None,
                "decided_by": s.decided_by,
            }
            for s in rows(SwapRequest, SwapRequest.id)
        ],
        "tickets": [
            {
                **where(t.rotation_id),
                "text": t.text,
                "url": t.url,
                "product_area": t.product_area,
                "author": t.author,
                "source": t.source,
                "state": t.state,
                "created_at": t.created_at.isoformat(),
                "severity": t.severity,
                "external_id": t.external_id,
                "closed_at": t.closed_at.isoformat() if t.closed_at else None,
            }
            for t in rows(Ticket, Ticket.id)
        ],
        "highlights": [
            {
                **where(h.rotation_id),
                "text": h.text,
                "url": h.url,
                "product_area": h.product_area,
                "author": h.author,
                "source": h.source,
                "created_at": h.created_at.isoformat(),
                "external_id": h.external_id,
                # Who has seen it: a restored database shows nobody the same one twice.
                "shown_to": shown.get(h.id, []),
            }
            for h in rows(Highlight, Highlight.id)
        ],
        "reminders": [
            {
                **where(assignments[o.assignment_id].rotation_id),
                "date": assignments[o.assignment_id].day.isoformat(),
                "user": member_ref(assignments[o.assignment_id].member_id),
                "kind": o.kind,
                "due_at": o.due_at.isoformat(),
                "state": o.state,
                "attempts": o.attempts,
                "sent_at": o.sent_at.isoformat() if o.sent_at else None,
                "slack_channel": o.slack_channel,
                "slack_ts": o.slack_ts,
                "last_error": o.last_error,
                "created_at": o.created_at.isoformat(),
            }
            for o in session.exec(
                select(ReminderOutbox)
                .where(col(ReminderOutbox.assignment_id).in_(list(assignments)))
                .order_by(col(ReminderOutbox.id))
            )
        ],
        "feeds": [
            {
                "workspace": workspaces[f.workspace_id].team_id,
                "rotation": rotations[f.rotation_id].name if f.rotation_id else None,
                "user": f.user_id,
                "revision": f.revision,
                # A hash for lookup, not a secret: the token can't be derived from it.
                "token_hash": f.token_hash,
                "created_at": f.created_at.isoformat(),
                "revoked_at": f.revoked_at.isoformat() if f.revoked_at else None,
            }
            for f in session.exec(select(FeedToken).order_by(col(FeedToken.id)))
            if f.workspace_id in workspaces
            and (f.rotation_id is None and rotation is None or f.rotation_id in rotations)
        ],
        # Rotation page links (bot.usecases.page), kept like feed links: as hashes.
        "pages": [
            {
                "workspace": workspaces[rotations[p.rotation_id].workspace_id].team_id,
                "rotation": rotations[p.rotation_id].name,
                "revision": p.revision,
                "token_hash": p.token_hash,
                "created_at": p.created_at.isoformat(),
                "revoked_at": p.revoked_at.isoformat() if p.revoked_at else None,
            }
            for p in session.exec(select(PageToken).order_by(col(PageToken.id)))
            if p.rotation_id in rotations
        ],
        "audit": [
            {
                "workspace": workspaces[e.workspace_id].team_id if e.workspace_id else None,
                "rotation": rotations[e.rotation_id].name if e.rotation_id else None,
                "actor": e.actor,
                "action": e.action,
                "subject": e.subject,
                "before": e.before,
                "after": e.after,
                "at": e.at.isoformat(),
            }
            for e in session.exec(select(AuditEntry).order_by(col(AuditEntry.id)))
            if (e.rotation_id in rotations)
            or (
                rotation is None
                and e.rotation_id is None
                and (e.workspace_id is None or e.workspace_id in workspaces)
            )
        ],
    }
    session.rollback()  # read only
    return data


class _Reader:
    """Typed access to a backup's fields, naming the field on any problem."""

    def __init__(self, item: Any, path: str) -> None:
        if not isinstance(item, dict):
            raise InvalidInput(f"{path}: expected an object")
        self.item, self.path = item, path

    def _get(self, key: str, kinds: tuple[type, ...], optional: bool) -> Any:
        if key not in self.item or self.item[key] is None:
            if optional:
                return None
            raise InvalidInput(f"{self.path}.{key}: missing")
        value = self.item[key]
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            raise InvalidInput(
                f"{self.path}.{key}: expected {kinds[0].__name__}, got {value!r}"[:200]
            )
        return value

    def text(self, key: str) -> str:
        return str(self._get(key, (str,), False))

    def opt_text(self, key: str) -> str | None:
        value = self._get(key, (str,), True)
        return None if value is None else str(value)

    def integer(self, key: str) -> int:
        return int(self._get(key, (int,), False))

    def number(self, key: str) -> float:
        return float(self._get(key, (float, int), False))

    def flag(self, key: str) -> bool:
        return bool(self._get(key, (bool,), False))

    def opt_flag(self, key: str, default: bool) -> bool:
        """A switch an older export may lack (then `default`)."""
        value = self._get(key, (bool,), True)
        return default if value is None else bool(value)

    def items(self, key: str) -> list[Any]:
        return list(self._get(key, (list,), False))

    def raw(self, key: str) -> Any:
        return self.item.get(key)

    def _parse(self, key: str, parse: Callable[[str], Any], optional: bool) -> Any:
        value = self._get(key, (str,), optional)
        if value is None:
            return None
        try:
            return parse(value)
        except ValueError:
            raise InvalidInput(f"{self.path}.{key}: not a valid date or time: {value!r}") from None

    def day(self, key: str) -> date:
        value: date = self._parse(key, date.fromisoformat, False)
        return value

    def opt_day(self, key: str) -> date | None:
        value: date | None = self._parse(key, date.fromisoformat, True)
        return value

    def instant(self, key: str) -> datetime:
        value: datetime = self._parse(key, datetime.fromisoformat, False)
        if value.tzinfo is None:
            raise InvalidInput(f"{self.path}.{key}: {value.isoformat()} has no timezone")
        return value

    def opt_instant(self, key: str) -> datetime | None:
        return self.instant(key) if self.item.get(key) is not None else None


def _items(data: Json, key: str) -> list[_Reader]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise InvalidInput(f"{key}: expected a list")
    return [_Reader(item, f"{key}[{i}]") for i, item in enumerate(value)]


def restore_data(session: Session, *, data: Any, now: datetime) -> dict[str, int]:
    """Load a backup into an empty database in one transaction; returns rows per table.

    A database with any workspace in it is refused: merging two histories is not a
    restore. Any malformed or dangling field refuses the whole backup, naming the field.
    """
    check_now(now)
    with unit_of_work(session):
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise InvalidInput(f"not a QueueDay backup (format is not {FORMAT!r})")
        if data.get("version") != VERSION:
            raise InvalidInput(
                f"version: this QueueDay reads version {VERSION} backups, "
                f"got {data.get('version')!r}"
            )
        if session.exec(select(func.count()).select_from(Workspace)).one():
            raise Conflict("The database is not empty; restore only into an empty database.")
        counts = _restore(session, data)
    return counts


def _restore(session: Session, data: Json) -> dict[str, int]:
    counts: dict[str, int] = {}
    workspaces: dict[str, Workspace] = {}
    for r in _items(data, "workspaces"):
        w = Workspace(
            team_id=r.text("team_id"),
            enterprise_id=r.opt_text("enterprise_id"),
            name=r.opt_text("name") or "",
            created_at=r.instant("created_at"),
        )
        if w.team_id in workspaces:
            raise InvalidInput(f"{r.path}.team_id: duplicate {w.team_id!r}")
        workspaces[w.team_id] = w
        session.add(w)
    session.flush()

    def workspace(r: _Reader, key: str = "workspace") -> Workspace:
        team = r.text(key)
        if team not in workspaces:
            raise InvalidInput(f"{r.path}.{key}: unknown workspace {team!r}")
        return workspaces[team]

    rotations: dict[tuple[str, str], Rotation] = {}
    closed: list[ClosedDay] = []
    for r in _items(data, "rotations"):
        w = workspace(r)
        rot = Rotation(
            workspace_id=w.id or 0,
            name=r.text("name"),
            channel=r.opt_text("channel"),
            timezone=r.text("timezone"),
            country=r.opt_text("country"),
            subdivision=r.opt_text("subdivision"),
            workdays=" ".join(r.items("workdays")),
            slots_per_day=r.integer("slots_per_day"),
            quarter_start_month=r.integer("quarter_start_month"),
            reminders_enabled=r.flag("reminders_enabled"),
            reminder_time=r.text("reminder_time"),
            reminder_days_before=r.integer("reminder_days_before"),
            published_version=r.integer("published_version"),
            created_at=r.instant("created_at"),
            updated_at=r.instant("updated_at"),
        )
        _queue_settings(r, rot)
        _planner_rules(r, rot)
        _status_emoji(r, rot)
        rotations[(w.team_id, rot.name)] = rot
        session.add(rot)
        session.flush()
        for j, item in enumerate(r.items("closed_days")):
            c = _Reader(item, f"{r.path}.closed_days[{j}]")
            closed.append(
                ClosedDay(rotation_id=rot.id or 0, day=c.day("date"), note=c.text("note"))
            )
    session.add_all(closed)
    counts["rotations"] = len(rotations)

    def rotation_of(r: _Reader) -> Rotation:
        key = (workspace(r).team_id, r.text("rotation"))
        if key not in rotations:
            raise InvalidInput(f"{r.path}.rotation: unknown rotation {key[1]!r}")
        return rotations[key]

    members: dict[tuple[int, str], Member] = {}
    for r in _items(data, "members"):
        rot = rotation_of(r)
        m = Member(
            rotation_id=rot.id or 0,
            user_id=r.text("user"),
            display_name=r.text("name"),
            email=r.opt_text("email"),
            timezone=r.opt_text("timezone"),
            weight=r.number("weight"),
            joined=r.opt_day("joined"),
            left=r.opt_day("left"),
            role=r.text("role"),
            reminder_settings=_settings(r.raw("reminder_settings")),
            created_at=r.instant("created_at"),
            updated_at=r.instant("updated_at"),
        )
        members[(rot.id or 0, m.user_id)] = m
        session.add(m)
    session.flush()
    counts["members"] = len(members)

    def member_of(r: _Reader, rot: Rotation, key: str = "user") -> Member:
        user = r.text(key)
        if (rot.id or 0, user) not in members:
            raise InvalidInput(f"{r.path}.{key}: {user!r} is not a member of {rot.name}")
        return members[(rot.id or 0, user)]

    assignments: dict[tuple[int, date, int], Assignment] = {}
    for r in _items(data, "assignments"):
        rot = rotation_of(r)
        m = member_of(r, rot)
        a = Assignment(
            rotation_id=rot.id or 0,
            day=r.day("date"),
            member_id=m.id or 0,
            state=r.text("state"),
            origin=r.text("origin"),
            revision=r.integer("revision"),
            created_at=r.instant("created_at"),
            updated_at=r.instant("updated_at"),
        )
        assignments[(a.rotation_id, a.day, a.member_id)] = a
        session.add(a)
    session.flush()
    counts["assignments"] = len(assignments)

    def assignment_of(r: _Reader, rot: Rotation, date_key: str, user_key: str) -> Assignment:
        key = (rot.id or 0, r.day(date_key), member_of(r, rot, user_key).id or 0)
        if key not in assignments:
            raise InvalidInput(f"{r.path}.{date_key}: no assignment of {r.text(user_key)} that day")
        return assignments[key]

    counts["time_off"] = 0
    for r in _items(data, "time_off"):
        rot = rotation_of(r)
        session.add(
            TimeOff(
                member_id=member_of(r, rot).id or 0,
                first_day=r.day("start"),
                last_day=r.day("end"),
                note=r.text("note"),
                created_by=r.text("created_by"),
                created_at=r.instant("created_at"),
            )
        )
        counts["time_off"] += 1
    counts["plan_versions"] = 0
    for r in _items(data, "plan_versions"):
        session.add(
            PlanVersion(
                rotation_id=rotation_of(r).id or 0,
                version=r.integer("version"),
                period_start=r.day("start"),
                period_end=r.day("end"),
                published_by=r.text("published_by"),
                published_at=r.instant("published_at"),
                assignments=r.items("assignments"),
                added=r.items("added"),
                removed=r.items("removed"),
            )
        )
        counts["plan_versions"] += 1
    counts["swaps"] = 0
    for r in _items(data, "swaps"):
        rot = rotation_of(r)
        theirs = (
            assignment_of(r, rot, "counterpart_date", "counterpart_user")
            if r.opt_text("counterpart_date")
            else None
        )
        counterpart = r.opt_text("counterpart")
        second = (  # exports before stint requests have neither second day
            assignment_of(r, rot, "second_date", "user") if r.opt_text("second_date") else None
        )
        theirs_second = (
            assignment_of(r, rot, "counterpart_second_date", "counterpart_user")
            if r.opt_text("counterpart_second_date")
            else None
        )
        session.add(
            SwapRequest(
                rotation_id=rot.id or 0,
                kind=r.text("kind"),
                state=r.text("state"),
                assignment_id=assignment_of(r, rot, "date", "user").id or 0,
                assignment_revision=r.integer("revision"),
                requester_id=member_of(r, rot, "requester").id or 0,
                counterpart_id=member_of(r, rot, "counterpart").id if counterpart else None,
                counterpart_assignment_id=theirs.id if theirs else None,
                counterpart_revision=r.raw("counterpart_revision"),
                second_assignment_id=second.id if second else None,
                second_revision=r.raw("second_revision") if second else None,
                counterpart_second_assignment_id=theirs_second.id if theirs_second else None,
                counterpart_second_revision=(
                    r.raw("counterpart_second_revision") if theirs_second else None
                ),
                note=r.text("note"),
                created_at=r.instant("created_at"),
                expires_at=r.opt_instant("expires_at"),
                decided_at=r.opt_instant("decided_at"),
                decided_by=r.opt_text("decided_by"),
            )
        )
        counts["swaps"] += 1
    counts["tickets"] = 0
    for r in _items(data, "tickets"):
        session.add(
            Ticket(
                rotation_id=rotation_of(r).id or 0,
                text=r.text("text"),
                url=r.opt_text("url"),
                product_area=r.opt_text("product_area"),
                author=r.text("author"),
                source=r.text("source"),
                state=r.text("state"),
                created_at=r.instant("created_at"),
                severity=r.opt_text("severity"),
                external_id=r.opt_text("external_id"),
                closed_at=r.opt_instant("closed_at"),
            )
        )
        counts["tickets"] += 1
    counts["highlights"] = 0
    counts["shown_highlights"] = 0
    for r in _items(data, "highlights"):
        highlight = Highlight(
            rotation_id=rotation_of(r).id or 0,
            text=r.text("text"),
            url=r.opt_text("url"),
            product_area=r.opt_text("product_area"),
            author=r.text("author"),
            source=r.text("source"),
            created_at=r.instant("created_at"),
            external_id=r.opt_text("external_id"),
        )
        session.add(highlight)
        counts["highlights"] += 1
        seen = [  # absent in exports made before shown_to was kept
            _Reader(item, f"{r.path}.shown_to[{i}]")
            for i, item in enumerate(r.items("shown_to") if r.raw("shown_to") else [])
        ]
        if seen:
            session.flush()  # the highlight's id, for the rows that name it
            assert highlight.id is not None
        for shown in seen:
            session.add(
                ShownHighlight(
                    highlight_id=highlight.id or 0,
                    user_id=shown.text("user"),
                    shown_at=shown.instant("shown_at"),
                )
            )
            counts["shown_highlights"] += 1
    counts["reminders"] = 0
    for r in _items(data, "reminders"):
        rot = rotation_of(r)
        day = assignment_of(r, rot, "date", "user")
        session.add(
            ReminderOutbox(
                assignment_id=day.id or 0,
                assignment_revision=day.revision,
                rotation_id=rot.id or 0,
                user_id=r.text("user"),
                kind=r.text("kind"),
                due_at=r.instant("due_at"),
                state=r.text("state"),
                attempts=r.integer("attempts"),
                sent_at=r.opt_instant("sent_at"),
                slack_channel=r.opt_text("slack_channel"),
                slack_ts=r.opt_text("slack_ts"),
                last_error=r.opt_text("last_error"),
                created_at=r.instant("created_at"),
            )
        )
        counts["reminders"] += 1
    counts["feeds"] = 0
    for r in _items(data, "feeds"):
        w = workspace(r)
        rot_name = r.opt_text("rotation")
        rot_id = None
        if rot_name is not None:
            if (w.team_id, rot_name) not in rotations:
                raise InvalidInput(f"{r.path}.rotation: unknown rotation {rot_name!r}")
            rot_id = rotations[(w.team_id, rot_name)].id
        session.add(
            FeedToken(
                workspace_id=w.id or 0,
                rotation_id=rot_id,
                user_id=r.opt_text("user"),
                revision=r.integer("revision"),
                token_hash=r.text("token_hash"),
                created_at=r.instant("created_at"),
                revoked_at=r.opt_instant("revoked_at"),
            )
        )
        counts["feeds"] += 1
    counts["pages"] = 0
    for r in _items(data, "pages"):
        session.add(
            PageToken(
                rotation_id=rotation_of(r).id or 0,
                revision=r.integer("revision"),
                token_hash=r.text("token_hash"),
                created_at=r.instant("created_at"),
                revoked_at=r.opt_instant("revoked_at"),
            )
        )
        counts["pages"] += 1
    counts["audit"] = 0
    for r in _items(data, "audit"):
        team = r.opt_text("workspace")
        w_id = workspace(r).id if team else None
        rot_id = rotation_of(r).id if team and r.opt_text("rotation") else None
        session.add(
            AuditEntry(
                workspace_id=w_id,
                rotation_id=rot_id,
                actor=r.text("actor"),
                action=r.text("action"),
                subject=r.text("subject"),
                before=r.raw("before"),
                after=r.raw("after"),
                at=r.instant("at"),
            )
        )
        counts["audit"] += 1
    counts["workspaces"] = len(workspaces)
    session.flush()
    return counts


def _shown_by_highlight(session: Session, *, rotations: list[int]) -> dict[int, list[Json]]:
    """Per highlight id, who was shown it and when (ShownHighlight rows)."""
    query = (
        select(ShownHighlight)
        .join(Highlight, col(Highlight.id) == ShownHighlight.highlight_id)
        .where(col(Highlight.rotation_id).in_(rotations))
        .order_by(col(ShownHighlight.highlight_id), col(ShownHighlight.user_id))
    )
    shown: dict[int, list[Json]] = {}
    for row in session.exec(query):
        shown.setdefault(row.highlight_id, []).append(
            {"user": row.user_id, "shown_at": row.shown_at.isoformat()}
        )
    return shown


def _settings(value: Any) -> dict[str, Any] | None:
    """A member's reminder settings as exported (a JSON object), or None."""
    return value if isinstance(value, dict) and value else None


def _planner_rules(item: Any, rotation: Rotation) -> None:
    """The minimum gap and stint length of an exported rotation (exports before them have
    none: no minimum, single days)."""
    gap = item._get("min_gap_days", (int,), True)
    stint = item._get("stint_days", (int,), True)
    stint = 1 if stint is None else stint
    try:
        apply_planner_rules(rotation, {"min_gap_days": gap, "stint_days": stint})
    except InvalidInput as exc:
        key = "stint_days" if "stint" in exc.message else "min_gap_days"
        raise InvalidInput(f"{item.path}.{key}: {exc.message}") from None


def _status_emoji(item: Any, rotation: Rotation) -> None:
    """The Slack status emoji an exported rotation treats as away (older exports: none)."""
    try:
        apply_status_emoji(rotation, {"status_away_emoji": item.opt_text("status_away_emoji")})
    except InvalidInput as exc:
        raise InvalidInput(f"{item.path}.status_away_emoji: {exc.message}") from None


def _queue_settings(item: Any, rotation: Rotation) -> None:
    """The queue-in-the-channel settings of an exported rotation (exports before them
    have none: the defaults)."""
    handle = item.opt_text("queue_handle")
    try:
        rotation.queue_handle = check_handle(handle) if handle else None
    except InvalidInput as exc:
        raise InvalidInput(f"{item.path}.queue_handle: {exc.message}") from None
    rotation.queue_group = item.opt_flag("queue_group", True)
    rotation.queue_topic = item.opt_flag("queue_topic", True)
    rotation.queue_topic_overwrite = item.opt_flag("queue_topic_overwrite", False)
    rotation.queue_post = item.opt_flag("queue_post", True)
