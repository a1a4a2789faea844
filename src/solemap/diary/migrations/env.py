"""Alembic environment for the diary.

Migrations always run on a connection handed over by :func:`solemap.diary.db.upgrade` (through
``config.attributes["connection"]``), so this file never builds an engine of its own.
"""

from __future__ import annotations

from alembic import context

from solemap.diary.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reached when someone runs the alembic CLI by hand
    raise RuntimeError("run diary migrations through `solemap db upgrade`, which supplies the connection")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite cannot ALTER most things; batch mode copies the table instead.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
