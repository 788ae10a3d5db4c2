"""Calendar feeds remember what they last served: its ETag and when it changed.

Last-Modified of a feed must never move backwards, deletions included; a watermark
stored with the link gives that across restarts and across several server processes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("feed_tokens") as batch:
        batch.add_column(sa.Column("etag", sa.String(), nullable=True))
        batch.add_column(sa.Column("modified_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("feed_tokens") as batch:
        batch.drop_column("modified_at")
        batch.drop_column("etag")
