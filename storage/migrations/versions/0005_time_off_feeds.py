"""Time-off calendars: the feeds a rotation syncs absences from, and which time off
each feed created (feed and event), so a sync touches only its own blocks.

Existing time off stays as it was: booked by hand (no feed).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def _at(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "time_off_feeds",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("rotation_id", sa.Integer(), sa.ForeignKey("rotations.id"), nullable=False),
        sa.Column("url", sa.String(), nullable=False),
        sa.Column("hint", sa.String(), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        _at("created_at", nullable=False),
        sa.Column("etag", sa.String(), nullable=True),
        sa.Column("last_modified", sa.String(), nullable=True),
        _at("synced_at"),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.Column("unmatched", sa.Integer(), nullable=False, server_default=sa.text("0")),
    )
    op.create_index("ix_time_off_feeds_rotation", "time_off_feeds", ["rotation_id"])
    with op.batch_alter_table("time_off") as batch:
        batch.add_column(sa.Column("feed_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("feed_event", sa.String(), nullable=True))
        batch.create_foreign_key("fk_time_off_feed_id", "time_off_feeds", ["feed_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("time_off") as batch:
        batch.drop_constraint("fk_time_off_feed_id", type_="foreignkey")
        batch.drop_column("feed_event")
        batch.drop_column("feed_id")
    op.drop_index("ix_time_off_feeds_rotation", table_name="time_off_feeds")
    op.drop_table("time_off_feeds")
