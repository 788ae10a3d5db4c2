"""Reminders that build empathy: outbox rows beyond one assignment, personal reminder
settings, highlights already shown, and tickets from trackers and Slack messages.

Existing outbox rows learn their rotation from their assignment; nothing else changes
for existing rows (new columns are empty).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def _at(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("reminder_outbox") as batch:
        batch.alter_column("assignment_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("assignment_revision", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("rotation_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("user_id", sa.String(), nullable=True))
        batch.add_column(sa.Column("dedupe_key", sa.String(), nullable=True))
        batch.add_column(_at("useful_until"))
        batch.add_column(sa.Column("payload", sa.JSON(), nullable=True))
    op.execute(
        "UPDATE reminder_outbox SET rotation_id = "
        "(SELECT rotation_id FROM assignments WHERE assignments.id = reminder_outbox.assignment_id)"
    )
    with op.batch_alter_table("reminder_outbox") as batch:
        batch.alter_column("rotation_id", existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key(
            "fk_reminder_outbox_rotation_id_rotations", "rotations", ["rotation_id"], ["id"]
        )
        batch.create_unique_constraint("uq_reminder_outbox_dedupe_key", ["dedupe_key"])
    with op.batch_alter_table("members") as batch:
        batch.add_column(sa.Column("reminder_settings", sa.JSON(), nullable=True))
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("severity", sa.String(), nullable=True))
        batch.add_column(sa.Column("external_id", sa.String(), nullable=True))
        batch.add_column(_at("closed_at"))
        batch.create_unique_constraint(
            "uq_tickets_rotation_external_id", ["rotation_id", "external_id"]
        )
    with op.batch_alter_table("highlights") as batch:
        batch.add_column(sa.Column("external_id", sa.String(), nullable=True))
        batch.create_unique_constraint(
            "uq_highlights_rotation_external_id", ["rotation_id", "external_id"]
        )
    op.create_table(
        "shown_highlights",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("highlight_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(), nullable=False),
        _at("shown_at", nullable=False),
        sa.ForeignKeyConstraint(["highlight_id"], ["highlights.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("highlight_id", "user_id", name="uq_shown_highlights_highlight_user"),
    )
    op.create_index("ix_shown_highlights_user", "shown_highlights", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_shown_highlights_user", table_name="shown_highlights")
    op.drop_table("shown_highlights")
    with op.batch_alter_table("highlights") as batch:
        batch.drop_constraint("uq_highlights_rotation_external_id", type_="unique")
        batch.drop_column("external_id")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_constraint("uq_tickets_rotation_external_id", type_="unique")
        batch.drop_column("closed_at")
        batch.drop_column("external_id")
        batch.drop_column("severity")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("reminder_settings")
    # Rows not tied to an assignment cannot exist in the older schema.
    op.execute("DELETE FROM reminder_outbox WHERE assignment_id IS NULL")
    with op.batch_alter_table("reminder_outbox") as batch:
        batch.drop_constraint("uq_reminder_outbox_dedupe_key", type_="unique")
        batch.drop_constraint("fk_reminder_outbox_rotation_id_rotations", type_="foreignkey")
        batch.drop_column("payload")
        batch.drop_column("useful_until")
        batch.drop_column("dedupe_key")
        batch.drop_column("user_id")
        batch.drop_column("rotation_id")
        batch.drop_column("assignment_revision")
        batch.alter_column("assignment_id", existing_type=sa.Integer(), nullable=False)
