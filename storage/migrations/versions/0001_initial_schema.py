"""Initial schema: workspaces, rotations, members, days, requests, notes, outbox, feeds, audit.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def _at(name: str, nullable: bool = False) -> sa.Column[object]:
    """An aware timestamp column (storage.types.UTCDateTime in the models)."""
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _fk(column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [target])


def upgrade() -> None:
    op.create_table(
        "workspaces",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(), nullable=False),
        sa.Column("enterprise_id", sa.String(), nullable=True),
        sa.Column("name", sa.String(), nullable=False),
        _at("created_at"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", name="uq_workspaces_team_id"),
    )
    op.create_table(
        "rotations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("channel", sa.String(), nullable=True),
        sa.Column("timezone", sa.String(), nullable=False),
        sa.Column("country", sa.String(), nullable=True),
        sa.Column("subdivision", sa.String(), nullable=True),
        sa.Column("workdays", sa.String(), nullable=False),
        sa.Column("slots_per_day", sa.Integer(), nullable=False),
        sa.Column("quarter_start_month", sa.Integer(), nullable=False),
        sa.Column("published_version", sa.Integer(), nullable=False),
        _at("created_at"),
        _at("updated_at"),
        sa.CheckConstraint(
            "quarter_start_month BETWEEN 1 AND 12", name="ck_rotations_quarter_start_month"
        ),
        sa.CheckConstraint("slots_per_day >= 1", name="ck_rotations_slots"),
        _fk("workspace_id", "workspaces.id"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("workspace_id", "name", name="uq_rotations_workspace_name"),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=True),
        sa.Column("rotation_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("subject", sa.String(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        _at("at"),
        _fk("rotation_id", "rotations.id"),
        _fk("workspace_id", "workspaces.id"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_log_rotation_at", "audit_log", ["rotation_id", "at"])
    op.create_table(
        "feed_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("rotation_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.String(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(), nullable=False),
        _at("created_at"),
        _at("revoked_at", nullable=True),
        sa.CheckConstraint(
            "rotation_id IS NOT NULL OR user_id IS NOT NULL", name="ck_feed_tokens_owner"
        ),
        _fk("rotation_id", "rotations.id"),
        _fk("workspace_id", "workspaces.id"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash", name="uq_feed_tokens_token_hash"),
    )
    op.create_index(
        "ix_feed_tokens_owner", "feed_tokens", ["workspace_id", "user_id", "rotation_id"]
    )
    for table in ("highlights", "tickets"):
        columns: list[sa.schema.SchemaItem] = [
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("rotation_id", sa.Integer(), nullable=False),
            sa.Column("text", sa.Text(), nullable=False),
            sa.Column("url", sa.String(), nullable=True),
            sa.Column("product_area", sa.String(), nullable=True),
            sa.Column("author", sa.String(), nullable=False),
            sa.Column("source", sa.String(), nullable=False),
        ]
        extra: list[sa.schema.SchemaItem] = []
        if table == "tickets":
            extra = [
                sa.Column("state", sa.String(), nullable=False),
                sa.CheckConstraint("state IN ('open', 'closed')", name="ck_tickets_state"),
            ]
        op.create_table(
            table,
            *columns,
            *extra,
            _at("created_at"),
            _fk("rotation_id", "rotations.id"),
            sa.PrimaryKeyConstraint("id"),
        )
    op.create_index("ix_highlights_rotation_created", "highlights", ["rotation_id", "created_at"])
    op.create_index("ix_tickets_rotation_state", "tickets", ["rotation_id", "state"])
    op.create_table(
        "members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rotation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(), nullable=False),
        sa.Column("display_name", sa.String(), nullable=False),
        sa.Column("email", sa.String(), nullable=True),
        sa.Column("timezone", sa.String(), nullable=True),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("joined", sa.Date(), nullable=True),
        sa.Column("left", sa.Date(), nullable=True),
        sa.Column("role", sa.String(), nullable=False),
        _at("created_at"),
        _at("updated_at"),
        sa.CheckConstraint("role IN ('member', 'admin')", name="ck_members_role"),
        sa.CheckConstraint(
            '"left" IS NULL OR joined IS NULL OR "left" >= joined', name="ck_members_left"
        ),
        sa.CheckConstraint("weight > 0", name="ck_members_weight"),
        _fk("rotation_id", "rotations.id"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("rotation_id", "user_id", name="uq_members_rotation_user"),
    )
    op.create_index("ix_members_user_id", "members", ["user_id"])
    op.create_table(
        "plan_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rotation_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("published_by", sa.String(), nullable=False),
        _at("published_at"),
        sa.Column("assignments", sa.JSON(), nullable=False),
        sa.Column("added", sa.JSON(), nullable=False),
        sa.Column("removed", sa.JSON(), nullable=False),
        sa.CheckConstraint("period_end >= period_start", name="ck_plan_versions_period"),
        _fk("rotation_id", "rotations.id"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("rotation_id", "version", name="uq_plan_versions_rotation_version"),
    )
    op.create_table(
        "assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rotation_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("origin", sa.String(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        _at("created_at"),
        _at("updated_at"),
        sa.CheckConstraint(
            "origin IN ('plan', 'swap', 'cover', 'manual')", name="ck_assignments_origin"
        ),
        sa.CheckConstraint(
            "state IN ('planned', 'published', 'done', 'cancelled')", name="ck_assignments_state"
        ),
        sa.CheckConstraint("revision >= 1", name="ck_assignments_revision"),
        _fk("member_id", "members.id"),
        _fk("rotation_id", "rotations.id"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "rotation_id", "day", "member_id", name="uq_assignments_rotation_day_member"
        ),
    )
    op.create_index("ix_assignments_member_day", "assignments", ["member_id", "day"])
    op.create_table(
        "time_off",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("note", sa.String(), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        _at("created_at"),
        sa.CheckConstraint("last_day >= first_day", name="ck_time_off_range"),
        _fk("member_id", "members.id"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_time_off_member_first_day", "time_off", ["member_id", "first_day"])
    op.create_table(
        "reminder_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        _at("due_at"),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(), nullable=True),
        _at("claimed_until", nullable=True),
        _at("sent_at", nullable=True),
        sa.Column("slack_channel", sa.String(), nullable=True),
        sa.Column("slack_ts", sa.String(), nullable=True),
        sa.Column("last_error", sa.String(), nullable=True),
        _at("created_at"),
        sa.CheckConstraint(
            "state IN ('pending', 'sent', 'failed', 'cancelled')", name="ck_reminder_outbox_state"
        ),
        _fk("assignment_id", "assignments.id"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("assignment_id", "kind", name="uq_reminder_outbox_assignment_kind"),
    )
    op.create_index("ix_reminder_outbox_state_due", "reminder_outbox", ["state", "due_at"])
    op.create_table(
        "swap_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rotation_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("assignment_revision", sa.Integer(), nullable=False),
        sa.Column("requester_id", sa.Integer(), nullable=False),
        sa.Column("counterpart_id", sa.Integer(), nullable=True),
        sa.Column("counterpart_assignment_id", sa.Integer(), nullable=True),
        sa.Column("counterpart_revision", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(), nullable=False),
        _at("created_at"),
        _at("expires_at", nullable=True),
        _at("decided_at", nullable=True),
        sa.Column("decided_by", sa.String(), nullable=True),
        sa.CheckConstraint("kind IN ('swap', 'cover')", name="ck_swap_requests_kind"),
        sa.CheckConstraint(
            "state IN ('open', 'accepted', 'declined', 'cancelled', 'expired')",
            name="ck_swap_requests_state",
        ),
        _fk("assignment_id", "assignments.id"),
        _fk("counterpart_assignment_id", "assignments.id"),
        _fk("counterpart_id", "members.id"),
        _fk("requester_id", "members.id"),
        _fk("rotation_id", "rotations.id"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_swap_requests_rotation_state", "swap_requests", ["rotation_id", "state"])
    # One open request per assignment, enforced by the database on both backends.
    op.create_index(
        "uq_swap_requests_open_assignment",
        "swap_requests",
        ["assignment_id"],
        unique=True,
        sqlite_where=sa.text("state = 'open'"),
        postgresql_where=sa.text("state = 'open'"),
    )


def downgrade() -> None:
    for table in (
        "swap_requests",
        "reminder_outbox",
        "time_off",
        "assignments",
        "plan_versions",
        "members",
        "tickets",
        "highlights",
        "feed_tokens",
        "audit_log",
        "rotations",
        "workspaces",
    ):
        op.drop_table(table)
