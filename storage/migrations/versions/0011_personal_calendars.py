"""Personal out-of-office calendars: a time-off feed may belong to one person (`owner`,
in a workspace) instead of a rotation, so `rotation_id` may be empty.

Existing feeds stay as they were: a rotation's, no owner.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("time_off_feeds") as batch:
        batch.alter_column("rotation_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("workspace_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("owner", sa.String(), nullable=True))
        batch.create_foreign_key(
            "fk_time_off_feeds_workspace_id", "workspaces", ["workspace_id"], ["id"]
        )
    op.create_index("ix_time_off_feeds_owner", "time_off_feeds", ["workspace_id", "owner"])


def downgrade() -> None:
    op.execute(
        "DELETE FROM time_off WHERE feed_id IN "
        "(SELECT id FROM time_off_feeds WHERE rotation_id IS NULL)"
    )
    op.execute("DELETE FROM time_off_feeds WHERE rotation_id IS NULL")
    op.drop_index("ix_time_off_feeds_owner", table_name="time_off_feeds")
    with op.batch_alter_table("time_off_feeds") as batch:
        batch.drop_constraint("fk_time_off_feeds_workspace_id", type_="foreignkey")
        batch.drop_column("owner")
        batch.drop_column("workspace_id")
        batch.alter_column("rotation_id", existing_type=sa.Integer(), nullable=False)
