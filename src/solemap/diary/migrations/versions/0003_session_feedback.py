"""Structured feedback of a tracked session (``solemap track --routine ... --save-session``).

One nullable JSON column on ``sessions``: the result of :func:`solemap.feedback.session_feedback`
(``SessionFeedback.to_json()``). Sessions written before this revision have none (NULL). The
generic JSON type is ``JSON`` on PostgreSQL and JSON text on SQLite.

Revision ID: 0003_session_feedback
Revises: 0002_function_scores
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_session_feedback"
down_revision = "0002_function_scores"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("feedback", sa.JSON(), nullable=True))


def downgrade() -> None:
    # The feedback is lost on the way down; every other column of the session stays.
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("feedback")
