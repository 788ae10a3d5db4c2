"""State every replica and worker must see: the Slack deliveries already received (so a
retry reaching another replica is handled once) and Slack's pacing per conversation and
per workspace (so workers in any number post at Slack's rate and back off together).

Both tables start empty; nothing existing changes.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "received_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key", name="uq_received_events_key"),
    )
    op.create_index("ix_received_events_received_at", "received_events", ["received_at"])
    op.create_table(
        "slack_pace",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=True),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key", name="uq_slack_pace_key"),
    )


def downgrade() -> None:
    op.drop_table("slack_pace")
    op.drop_index("ix_received_events_received_at", table_name="received_events")
    op.drop_table("received_events")
