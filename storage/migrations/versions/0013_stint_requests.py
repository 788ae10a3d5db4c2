"""Swaps and covers of a whole two-day stint: the second day of the requester's stint
and, for a swap, of the counterpart's, each with the revision it was asked against.

Existing requests move one day each, as before: both columns stay empty.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | None = None
depends_on: str | None = None

_SECONDS = ("second", "counterpart_second")


def upgrade() -> None:
    with op.batch_alter_table("swap_requests") as batch:
        for prefix in _SECONDS:
            batch.add_column(sa.Column(f"{prefix}_assignment_id", sa.Integer(), nullable=True))
            batch.add_column(sa.Column(f"{prefix}_revision", sa.Integer(), nullable=True))
            batch.create_foreign_key(
                f"fk_swap_requests_{prefix}_assignment_id",
                "assignments",
                [f"{prefix}_assignment_id"],
                ["id"],
            )


def downgrade() -> None:
    with op.batch_alter_table("swap_requests") as batch:
        for prefix in reversed(_SECONDS):
            batch.drop_constraint(f"fk_swap_requests_{prefix}_assignment_id", type_="foreignkey")
            batch.drop_column(f"{prefix}_revision")
            batch.drop_column(f"{prefix}_assignment_id")
