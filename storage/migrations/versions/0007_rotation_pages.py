"""Rotation pages: one link per rotation to its web page, kept as a hash like feed links.

The table starts empty; nothing existing changes.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "page_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rotation_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["rotation_id"], ["rotations.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash", name="uq_page_tokens_token_hash"),
    )
    op.create_index("ix_page_tokens_rotation", "page_tokens", ["rotation_id"])


def downgrade() -> None:
    op.drop_index("ix_page_tokens_rotation", table_name="page_tokens")
    op.drop_table("page_tokens")
