"""Slack status as away: the status emoji a rotation's admins name as "away today", and
the local day the morning check last ran.

Existing rotations get neither: the check is off until an admin names some emoji.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("rotations") as batch:
        batch.add_column(sa.Column("status_away_emoji", sa.String(), nullable=True))
        batch.add_column(sa.Column("status_checked_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("rotations") as batch:
        batch.drop_column("status_checked_on")
        batch.drop_column("status_away_emoji")
