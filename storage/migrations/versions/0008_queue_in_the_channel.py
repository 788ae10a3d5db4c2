"""The queue in the channel: each rotation's user group handle, the admin's switches for
the group, the topic and the morning post, and what QueueDay last set there.

Existing rotations get every part switched on, the default handle (`<name>-today`) and
nothing set yet; their first morning pass creates or finds the group.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None

_SWITCHES = (
    ("queue_group", "true"),
    ("queue_topic", "true"),
    ("queue_topic_overwrite", "false"),
    ("queue_post", "true"),
)
_TEXTS = ("queue_handle", "queue_group_id", "queue_group_users", "queue_topic_set")


def upgrade() -> None:
    with op.batch_alter_table("rotations") as batch:
        for name in _TEXTS:
            batch.add_column(sa.Column(name, sa.String(), nullable=True))
        for name, default in _SWITCHES:
            batch.add_column(
                sa.Column(name, sa.Boolean(), nullable=False, server_default=sa.text(default))
            )
        batch.add_column(sa.Column("queue_notified", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("rotations") as batch:
        batch.drop_column("queue_notified")
        for name, _ in reversed(_SWITCHES):
            batch.drop_column(name)
        for name in reversed(_TEXTS):
            batch.drop_column(name)
