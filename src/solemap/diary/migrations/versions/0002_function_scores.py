"""Function scores (patient-specific functional scale) and where a session came from.

Sessions written before this revision were all typed in by hand, so they get ``source='manual'``.

Revision ID: 0002_function_scores
Revises: 0001_initial
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_function_scores"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "function_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("activity", sa.String(120), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint("score >= 0 AND score <= 10", name=op.f("ck_function_scores_score_range")),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["profiles.id"],
            name=op.f("fk_function_scores_profile_id_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_function_scores")),
    )
    op.create_index("ix_function_scores_profile_day", "function_scores", ["profile_id", "day"])
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("source", sa.String(16), nullable=False, server_default="manual"))


def downgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("source")
    op.drop_index("ix_function_scores_profile_day", table_name="function_scores")
    op.drop_table("function_scores")
