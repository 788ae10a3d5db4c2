"""The tables: a rotation's people, its days and everything that happened to them.

States are plain strings checked by the database (no native enums, so adding a state is
a one-line migration on both databases); the StrEnums name them for the code. Every
datetime is aware and stored as UTC (storage.types.UTCDateTime); days are plain dates in
the rotation's own timezone.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import JSON, CheckConstraint, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


class Role(StrEnum):
    MEMBER = "member"
    ADMIN = "admin"


class AssignmentState(StrEnum):
    PLANNED = "planned"
    PUBLISHED = "published"
    DONE = "done"
    CANCELLED = "cancelled"


class Origin(StrEnum):
    PLAN = "plan"
    SWAP = "swap"
    COVER = "cover"
    MANUAL = "manual"


class RequestKind(StrEnum):
    SWAP = "swap"
    COVER = "cover"


class RequestState(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class TicketState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class OutboxState(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


def _one_of(column: str, values: type[StrEnum], name: str) -> CheckConstraint:
    listed = ", ".join(f"'{v.value}'" for v in values)
    return CheckConstraint(f"{column} IN ({listed})", name=name)


class Workspace(SQLModel, table=True):
    """A Slack workspace (team), possibly inside an Enterprise Grid org."""

    __tablename__: ClassVar[str] = "workspaces"
    __table_args__ = (UniqueConstraint("team_id", name="uq_workspaces_team_id"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str
    enterprise_id: str | None = None
    name: str = ""
    created_at: datetime = Field(sa_type=UTCDateTime)


class Rotation(SQLModel, table=True):
    """One queue: its channel, calendar, slots and reminder settings."""

    __tablename__: ClassVar[str] = "rotations"
    __table_args__ = (
        UniqueConstraint("workspace_id", "name", name="uq_rotations_workspace_name"),
        CheckConstraint("slots_per_day >= 1", name="ck_rotations_slots"),
        CheckConstraint(
            "quarter_start_month BETWEEN 1 AND 12", name="ck_rotations_quarter_start_month"
        ),
        CheckConstraint("reminder_days_before >= 0", name="ck_rotations_reminder_days_before"),
        CheckConstraint("stint_days IN (1, 2)", name="ck_rotations_stint_days"),
        CheckConstraint(
            "min_gap_days IS NULL OR min_gap_days BETWEEN 1 AND 366",
            name="ck_rotations_min_gap_days",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspaces.id")
    name: str
    channel: str | None = None
    timezone: str = "UTC"
    country: str | None = None
    subdivision: str | None = None
    # Weekday names separated by spaces, Monday first: "MO TU WE TH FR".
    workdays: str = "MO TU WE TH FR"
    slots_per_day: int = 1
    quarter_start_month: int = 1
    reminders_enabled: bool = Field(default=True, sa_column_kwargs={"server_default": text("true")})
    # Local wall-clock time in the rotation's timezone, "HH:MM".
    reminder_time: str = Field(default="09:00", sa_column_kwargs={"server_default": "09:00"})
    reminder_days_before: int = Field(default=1, sa_column_kwargs={"server_default": text("1")})
    # Bumped by every publish; a publish names the version it was previewed against.
    published_version: int = 0
    # Slack status as away (bot.usecases.status_away): the status emoji names that mean
    # "away today", space-separated without colons ("palm_tree face_with_thermometer";
    # None: off), and the local day the morning check last ran.
    status_away_emoji: str | None = None
    status_checked_on: date | None = None
    # The queue in the channel (bot.usecases.channel_queue): the user group's handle
    # (None: "<name>-today") and the admin's switches for the group, topic and post.
    queue_handle: str | None = None
    queue_group: bool = Field(default=True, sa_column_kwargs={"server_default": text("true")})
    queue_topic: bool = Field(default=True, sa_column_kwargs={"server_default": text("true")})
    # Replace a topic someone else wrote (off: only QueueDay's own part is replaced).
    queue_topic_overwrite: bool = Field(
        default=False, sa_column_kwargs={"server_default": text("false")}
    )
    queue_post: bool = Field(default=True, sa_column_kwargs={"server_default": text("true")})
    # What QueueDay last did there: the group's id, its users, the topic it set, and the
    # problems admins were already told about ({"not_in_channel": "2027-01-04"}).
    queue_group_id: str | None = None
    queue_group_users: str | None = None
    queue_topic_set: str | None = None
    queue_notified: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    # Planner rules (scheduling.rules, scheduling.stints): working days from one of a
    # person's days (or stints) to their next, None for no minimum; and 2 for runs of two
    # consecutive working days.
    min_gap_days: int | None = None
    stint_days: int = Field(default=1, sa_column_kwargs={"server_default": text("1")})
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class ClosedDay(SQLModel, table=True):
    """An extra non-working day of one rotation (an office closure, a company event)."""

    __tablename__: ClassVar[str] = "closed_days"
    __table_args__ = (UniqueConstraint("rotation_id", "day", name="uq_closed_days_rotation_day"),)

    id: int | None = Field(default=None, primary_key=True)
    rotation_id: int = Field(foreign_key="rotations.id")
    day: date
    note: str = ""


class Member(SQLModel, table=True):
    """A person in one rotation; rows are never deleted once they have history."""

    __tablename__: ClassVar[str] = "members"
    __table_args__ = (
        UniqueConstraint("rotation_id", "user_id", name="uq_members_rotation_user"),
        CheckConstraint("weight > 0", name="ck_members_weight"),
        CheckConstraint(
            '"left" IS NULL OR joined IS NULL OR "left" >= joined', name="ck_members_left"
        ),
        _one_of("role", Role, "ck_members_role"),
        Index("ix_members_user_id", "user_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    rotation_id: int = Field(foreign_key="rotations.id")
    user_id: str
    display_name: str
    email: str | None = None
    timezone: str | None = None
    weight: float = 1.0
    joined: date | None = None
    left: date | None = None
    role: str = Role.MEMBER
    # The person's own reminder times, muted kinds and product areas (None: defaults),
    # e.g. {"morning_of": "08:30", "muted": ["day_before"], "areas": ["billing"]}.
    reminder_settings: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class TimeOff(SQLModel, table=True):
    """Days a member is away, both ends inclusive."""

    __tablename__: ClassVar[str] = "time_off"
    __table_args__ = (
        CheckConstraint("last_day >= first_day", name="ck_time_off_range"),
        Index("ix_time_off_member_first_day", "member_id", "first_day"),
    )

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="members.id")
    first_day: date
    last_day: date
    note: str = ""
    created_by: str
    created_at: datetime = Field(sa_type=UTCDateTime)
    # Time off a calendar feed created: which feed, and the event (UID and occurrence),
    # so a sync moves or removes exactly that block and never one booked by hand.
    feed_id: int | None = Field(default=None, foreign_key="time_off_feeds.id")
    feed_event: str | None = None


class TimeOffFeed(SQLModel, table=True):
    """An iCalendar feed of absences: a rotation's (an HR tool's "who's out"), or one
    person's own out-of-office calendar (`owner`, in `workspace_id`; no rotation), whose
    every event is that person's, in each of their rotations.

    The URL often carries a key: it is never shown back in full (`hint`), never
    exported and never logged (bot.usecases.secrets encrypts it at rest).
    """

    __tablename__: ClassVar[str] = "time_off_feeds"
    __table_args__ = (
        Index("ix_time_off_feeds_rotation", "rotation_id"),
        Index("ix_time_off_feeds_owner", "workspace_id", "owner"),
    )

    id: int | None = Field(default=None, primary_key=True)
    rotation_id: int | None = Field(default=None, foreign_key="rotations.id")
    workspace_id: int | None = Field(default=None, foreign_key="workspaces.id")
    owner: str | None = None  # a personal calendar's Slack user id
    url: str = Field(repr=False)
    hint: str
    created_by: str
    created_at: datetime = Field(sa_type=UTCDateTime)
    # The validators of the last body read, for a conditional GET.
    etag: str | None = None
    last_modified: str | None = None
    synced_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The last failure, kept until a sync succeeds: admins are told once per failure.
    last_error: str | None = None
    unmatched: int = 0


class Assignment(SQLModel, table=True):
    """One member on the queue on one day; cancelled rows stay as history.

    `revision` starts at 1 and grows with every change of the row, so calendar feeds
    and swap requests can tell a day that changed from one that did not.
    """

    __tablename__: ClassVar[str] = "assignments"
    __table_args__ = (
        UniqueConstraint(
            "rotation_id", "day", "member_id", name="uq_assignments_rotation_day_member"
        ),
        _one_of("state", AssignmentState, "ck_assignments_state"),
        _one_of("origin", Origin, "ck_assignments_origin"),
        CheckConstraint("revision >= 1", name="ck_assignments_revision"),
        Index("ix_assignments_member_day", "member_id", "day"),
    )

    id: int | None = Field(default=None, primary_key=True)
    rotation_id: int = Field(foreign_key="rotations.id")
    day: date
    member_id: int = Field(foreign_key="members.id")
    state: str = AssignmentState.PUBLISHED
    origin: str = Origin.PLAN
    revision: int = 1
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class PlanVersion(SQLModel, table=True):
    """A published plan of one period: what it contained and what it changed."""

    __tablename__: ClassVar[str] = "plan_versions"
    __table_args__ = (
        UniqueConstraint("rotation_id", "version", name="uq_plan_versions_rotation_version"),
        CheckConstraint("period_end >= period_start", name="ck_plan_versions_period"),
    )

    id: int | None = Field(default=None, primary_key=True)
    rotation_id: int = Field(foreign_key="rotations.id")
    version: int
    period_start: date
    period_end: date
    published_by: str
    published_at: datetime = Field(sa_type=UTCDateTime)
    # [[day, user_id], ...] as published, and the days added and removed by it.
    assignments: list[Any] = Field(default_factory=list, sa_type=JSON)
    added: list[Any] = Field(default_factory=list, sa_type=JSON)
    removed: list[Any] = Field(default_factory=list, sa_type=JSON)


class SwapRequest(SQLModel, table=True):
    """A request to swap two days, or to have one's day covered by someone else."""

    __tablename__: ClassVar[str] = "swap_requests"
    __table_args__ = (
        _one_of("kind", RequestKind, "ck_swap_requests_kind"),
        _one_of("state", RequestState, "ck_swap_requests_state"),
        # One open request per assignment: two people can't both be promised one day.
        Index(
            "uq_swap_requests_open_assignment",
            "assignment_id",
            unique=True,
            sqlite_where=text("state = 'open'"),
            postgresql_where=text("state = 'open'"),
        ),
        Index("ix_swap_requests_rotation_state", "rotation_id", "state"),
    )

    id: int | None = Field(default=None, primary_key=True)
    rotation_id: int = Field(foreign_key="rotations.id")
    kind: str
    state: str = RequestState.OPEN
    assignment_id: int = Field(foreign_key="assignments.id")
    assignment_revision: int
    requester_id: int = Field(foreign_key="members.id")
    # None for a cover anyone in the rotation may take.
    counterpart_id: int | None = Field(default=None, foreign_key="members.id")
    # The day the counterpart gives in return (swaps only).
    counterpart_assignment_id: int | None = Field(default=None, foreign_key="assignments.id")
    counterpart_revision: int | None = None
    # A whole two-day stint moves: the second day of the requester's (and, for a swap,
    # of the counterpart's) stint, the working day after the first (bot.usecases.swaps).
    second_assignment_id: int | None = Field(default=None, foreign_key="assignments.id")
    second_revision: int | None = None
    counterpart_second_assignment_id: int | None = Field(default=None, foreign_key="assignments.id")
    counterpart_second_revision: int | None = None
    note: str = ""
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_by: str | None = None


class Ticket(SQLModel, table=True):
    """A bug ticket waiting on the queue."""

    __tablename__: ClassVar[str] = "tickets"
    __table_args__ = (
        _one_of("state", TicketState, "ck_tickets_state"),
        Index("ix_tickets_rotation_state", "rotation_id", "state"),
        # A tracker's issue or a Slack message becomes one ticket however often it is sent.
        UniqueConstraint("rotation_id", "external_id", name="uq_tickets_rotation_external_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    rotation_id: int = Field(foreign_key="rotations.id")
    text: str = Field(sa_type=Text)
    url: str | None = None
    product_area: str | None = None
    author: str
    source: str
    state: str = TicketState.OPEN
    created_at: datetime = Field(sa_type=UTCDateTime)
    severity: str | None = None
    # Where it came from, e.g. "github:acme/app#12", "hook:JIRA-7", "slack:C123:1700.01".
    external_id: str | None = None
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Highlight(SQLModel, table=True):
    """Something customers say is working well."""

    __tablename__: ClassVar[str] = "highlights"
    __table_args__ = (
        Index("ix_highlights_rotation_created", "rotation_id", "created_at"),
        UniqueConstraint("rotation_id", "external_id", name="uq_highlights_rotation_external_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    rotation_id: int = Field(foreign_key="rotations.id")
    text: str = Field(sa_type=Text)
    url: str | None = None
    product_area: str | None = None
    author: str
    source: str
    created_at: datetime = Field(sa_type=UTCDateTime)
    external_id: str | None = None


class ShownHighlight(SQLModel, table=True):
    """A highlight one person was shown in a reminder: never shown to them again."""

    __tablename__: ClassVar[str] = "shown_highlights"
    __table_args__ = (
        UniqueConstraint("highlight_id", "user_id", name="uq_shown_highlights_highlight_user"),
        Index("ix_shown_highlights_user", "user_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    highlight_id: int = Field(foreign_key="highlights.id")
    user_id: str
    shown_at: datetime = Field(sa_type=UTCDateTime)


class ReminderOutbox(SQLModel, table=True):
    """A reminder to send: one row per (assignment, kind), or per `dedupe_key` for the
    kinds not tied to one day (a published quarter, a preview, a weekly digest).

    The unique keys are what keep two workers, or a publish run twice, from queueing
    the same reminder twice; the claim (`claimed_by` until `claimed_until`) is what
    keeps two workers from sending one row twice.
    """

    __tablename__: ClassVar[str] = "reminder_outbox"
    __table_args__ = (
        UniqueConstraint("assignment_id", "kind", name="uq_reminder_outbox_assignment_kind"),
        UniqueConstraint("dedupe_key", name="uq_reminder_outbox_dedupe_key"),
        _one_of("state", OutboxState, "ck_reminder_outbox_state"),
        Index("ix_reminder_outbox_state_due", "state", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    assignment_id: int | None = Field(default=None, foreign_key="assignments.id")
    # The assignment's revision when the row was (re)queued.
    assignment_revision: int | None = None
    rotation_id: int = Field(foreign_key="rotations.id")
    # The person it goes to (a DM); None for a post in the rotation's channel.
    user_id: str | None = None
    dedupe_key: str | None = None
    kind: str
    due_at: datetime = Field(sa_type=UTCDateTime)
    state: str = OutboxState.PENDING
    attempts: int = 0
    claimed_by: str | None = None
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    slack_channel: str | None = None
    slack_ts: str | None = None
    last_error: str | None = None
    created_at: datetime = Field(sa_type=UTCDateTime)
    # After this a missed reminder is dropped instead of sent late.
    useful_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # What the message is about beyond the assignment: {"version": 3, "start": ...}.
    payload: dict[str, Any] | None = Field(default=None, sa_type=JSON)


class FeedToken(SQLModel, table=True):
    """A calendar feed link: only a hash of the token is kept, for lookup.

    The token itself is derived from the secret key, the owner and `revision`; "reset
    link" revokes this row and adds one with the next revision.
    """

    __tablename__: ClassVar[str] = "feed_tokens"
    __table_args__ = (
        UniqueConstraint("token_hash", name="uq_feed_tokens_token_hash"),
        CheckConstraint(
            "rotation_id IS NOT NULL OR user_id IS NOT NULL", name="ck_feed_tokens_owner"
        ),
        Index("ix_feed_tokens_owner", "workspace_id", "user_id", "rotation_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspaces.id")
    # A person's feed has user_id (and rotation_id when limited to one rotation);
    # a rotation's feed has rotation_id only.
    rotation_id: int | None = Field(default=None, foreign_key="rotations.id")
    user_id: str | None = None
    revision: int = 1
    token_hash: str
    created_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # What the link last served and since when: the feed's Last-Modified moves only
    # forward, and only when its bytes change.
    etag: str | None = None
    modified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AuditEntry(SQLModel, table=True):
    """One change: who did what to which row, with the row before and after."""

    __tablename__: ClassVar[str] = "audit_log"
    __table_args__ = (Index("ix_audit_log_rotation_at", "rotation_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int | None = Field(default=None, foreign_key="workspaces.id")
    rotation_id: int | None = Field(default=None, foreign_key="rotations.id")
    actor: str
    action: str
    subject: str
    before: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    after: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    at: datetime = Field(sa_type=UTCDateTime)


class ReceivedEvent(SQLModel, table=True):
    """A Slack delivery already taken in (its `event_id`), so a retry reaching any
    replica is acknowledged without being handled again.

    Rows expire (bot.usecases.receipts): Slack retries within minutes, so an hour of ids
    is plenty; the workspace is unknown (None) while it has no row of its own yet.
    """

    __tablename__: ClassVar[str] = "received_events"
    __table_args__ = (
        UniqueConstraint("key", name="uq_received_events_key"),
        Index("ix_received_events_received_at", "received_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    key: str
    workspace_id: int | None = Field(default=None, foreign_key="workspaces.id")
    received_at: datetime = Field(sa_type=UTCDateTime)


class SlackPace(SQLModel, table=True):
    """When Slack may next be sent to a conversation, or to a workspace after a 429,
    shared by every worker (bot.worker.pacing).

    `key` is `channel:<id>` (about one post a second each) or `team:<id>` (everything
    held back until Retry-After has passed).
    """

    __tablename__: ClassVar[str] = "slack_pace"
    __table_args__ = (UniqueConstraint("key", name="uq_slack_pace_key"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str
    workspace_id: int | None = Field(default=None, foreign_key="workspaces.id")
    next_at: datetime = Field(sa_type=UTCDateTime)


class PageToken(SQLModel, table=True):
    """A rotation page link (bot.usecases.page): only a hash of the token is kept.

    Made like a feed link (derived from the secret key, the rotation and `revision`);
    its own table because a feed token's owner (workspace, user, rotation) already
    names the rotation's calendar feed. "Reset" revokes the row and adds the next.
    """

    __tablename__: ClassVar[str] = "page_tokens"
    __table_args__ = (
        UniqueConstraint("token_hash", name="uq_page_tokens_token_hash"),
        Index("ix_page_tokens_rotation", "rotation_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    rotation_id: int = Field(foreign_key="rotations.id")
    revision: int = 1
    token_hash: str
    created_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


# slack_sdk's installation and state store tables (OAuth mode), declared on the same metadata.
from storage import slack_installs as _slack_installs  # noqa: E402, F401

METADATA = SQLModel.metadata
