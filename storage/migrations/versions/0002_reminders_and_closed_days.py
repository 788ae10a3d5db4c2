"""Reminder settings per rotation and extra closed days.

Existing rotations get reminders on, at 09:00 local time, one day before.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("rotations") as batch:
        batch.add_column(
            sa.Column(
                "reminders_enabled", sa.Boolean(), server_default=sa.text("true"), nullable=False
            )
        )
        batch.add_column(
            sa.Column("reminder_time", sa.String(), server_default="09:00", nullable=False)
        )
        batch.add_column(
            sa.Column(
                "reminder_days_before", sa.Integer(), server_default=sa.text("1"), nullable=False
            )
        )
        batch.create_check_constraint(
            "ck_rotations_reminder_days_before", "reminder_days_before >= 0"
        )
    op.create_table(
        "closed_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rotation_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("note", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["rotation_id"], ["rotations.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("rotation_id", "day", name="uq_closed_days_rotation_day"),
    )


def downgrade() -> None:
    op.drop_table("closed_days")
    with op.batch_alter_table("rotations") as batch:
        batch.drop_constraint("ck_rotations_reminder_days_before", type_="check")
        batch.drop_column("reminder_days_before")
        batch.drop_column("reminder_time")
        batch.drop_column("reminders_enabled")
