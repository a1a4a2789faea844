"""Profiles, pain entries with marks on the foot, and rolling sessions.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_profiles")),
        sa.UniqueConstraint("name", name=op.f("uq_profiles_name")),
    )
    op.create_table(
        "pain_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("first_step", sa.Boolean(), nullable=False),
        sa.Column("side", sa.String(8), nullable=True),
        sa.Column("quality", sa.String(16), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint("score >= 0 AND score <= 10", name=op.f("ck_pain_entries_score_range")),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["profiles.id"],
            name=op.f("fk_pain_entries_profile_id_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pain_entries")),
    )
    op.create_index("ix_pain_entries_profile_day", "pain_entries", ["profile_id", "day"])
    op.create_table(
        "pain_marks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(8), nullable=False),
        sa.Column("intensity", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.String(120), nullable=True),
        sa.Column("u", sa.Float(), nullable=True),
        sa.Column("v", sa.Float(), nullable=True),
        sa.CheckConstraint("intensity >= 0 AND intensity <= 10", name=op.f("ck_pain_marks_intensity_range")),
        sa.CheckConstraint(
            "area_id IS NOT NULL OR (u IS NOT NULL AND v IS NOT NULL)",
            name=op.f("ck_pain_marks_area_or_point"),
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["pain_entries.id"],
            name=op.f("fk_pain_marks_entry_id_pain_entries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pain_marks")),
    )
    op.create_index(op.f("ix_pain_marks_entry_id"), "pain_marks", ["entry_id"])
    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("routine_id", sa.String(120), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=False),
        sa.Column("steps_done", sa.Integer(), nullable=False),
        sa.Column("steps_total", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("pain_reports", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint("steps_done >= 0", name=op.f("ck_sessions_steps_done_nonnegative")),
        sa.CheckConstraint("duration_s >= 0", name=op.f("ck_sessions_duration_nonnegative")),
        sa.ForeignKeyConstraint(
            ["profile_id"], ["profiles.id"], name=op.f("fk_sessions_profile_id_profiles"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
    )
    op.create_index("ix_sessions_profile_day", "sessions", ["profile_id", "day"])


def downgrade() -> None:
    op.drop_index("ix_sessions_profile_day", table_name="sessions")
    op.drop_table("sessions")
    op.drop_index(op.f("ix_pain_marks_entry_id"), table_name="pain_marks")
    op.drop_table("pain_marks")
    op.drop_index("ix_pain_entries_profile_day", table_name="pain_entries")
    op.drop_table("pain_entries")
    op.drop_table("profiles")
