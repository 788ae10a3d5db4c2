"""Planner rules per rotation: a minimum gap between a person's days (`min_gap_days`,
working days, off by default) and two-day stints (`stint_days`, 1 or 2).

Existing rotations get no minimum gap and single days, so their next plan is the one they
would have had.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("rotations") as batch:
        batch.add_column(sa.Column("min_gap_days", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("stint_days", sa.Integer(), nullable=False, server_default=sa.text("1"))
        )
        batch.create_check_constraint("ck_rotations_stint_days", "stint_days IN (1, 2)")
        batch.create_check_constraint(
            "ck_rotations_min_gap_days", "min_gap_days IS NULL OR min_gap_days BETWEEN 1 AND 366"
        )


def downgrade() -> None:
    with op.batch_alter_table("rotations") as batch:
        batch.drop_constraint("ck_rotations_min_gap_days", type_="check")
        batch.drop_constraint("ck_rotations_stint_days", type_="check")
        batch.drop_column("stint_days")
        batch.drop_column("min_gap_days")
