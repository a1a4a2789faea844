"""Every revision upgrades to the newest with data in it; every downgrade keeps what still fits."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from solemap.diary import Database, Diary
from solemap.diary.db import current_revision, head_revision, make_engine, migrate, revisions
from solemap.diary.models import Base

from .conftest import NOW

WHEN = dt.datetime(2026, 3, 1, 7, 30)  # naive UTC, as raw SQL on SQLite stores it


def seed(conn, revision: str) -> None:
    """Rows that a diary at ``revision`` could hold, written with raw SQL of that revision."""
    params = {"t": WHEN, "d": WHEN.date()}
    # No explicit ids: PostgreSQL sequences must stay in step with the rows.
    params["p"] = conn.execute(
        text("INSERT INTO profiles (name, created_at) VALUES ('ana', :t) RETURNING id"), params
    ).scalar_one()
    entry = conn.execute(
        text(
            "INSERT INTO pain_entries (profile_id, recorded_at, day, score, first_step, side, quality, note)"
            " VALUES (:p, :t, :d, 6, :fs, 'left', 'sharp', 'stiff, \"very\"') RETURNING id"
        ),
        {**params, "fs": True},
    ).scalar_one()
    conn.execute(
        text(
            "INSERT INTO pain_marks (entry_id, side, intensity, area_id, u, v)"
            " VALUES (:e, 'left', 7, NULL, 0.1, 0.5)"
        ),
        {"e": entry},
    )
    conn.execute(
        text(
            "INSERT INTO sessions (profile_id, routine_id, started_at, ended_at, day, duration_s,"
            " steps_done, steps_total, outcome, pain_reports, note)"
            " VALUES (:p, 'heel', :t, :t, :d, 300, 3, 4, 'finished', :pr, NULL)"
        ),
        {**params, "pr": '[{"score": 3}]'},
    )
    if revisions().index(revision) >= revisions().index("0002_function_scores"):
        conn.execute(
            text(
                "INSERT INTO function_scores (profile_id, recorded_at, day, activity, score, note)"
                " VALUES (:p, :t, :d, 'stairs', 5, NULL)"
            ),
            params,
        )


def test_revision_chain_is_linear_and_models_match_head() -> None:
    revs = revisions()
    assert revs[0] == "0001_initial" and revs[-1] == head_revision()
    assert len(set(revs)) == len(revs)


@pytest.mark.parametrize("start", revisions()[:-1])
def test_upgrade_from_every_revision_keeps_data(db_url: str, start: str) -> None:
    engine = make_engine(db_url)
    migrate(engine, start)
    assert current_revision(engine) == start
    with engine.execution_options(solemap_write=True).begin() as conn:
        seed(conn, start)
    engine.dispose()

    db = Database.open(db_url)  # upgrades on open, as the CLI and web app do
    assert current_revision(db.engine) == head_revision()
    diary = Diary(db, "ana", clock=lambda: NOW)
    [entry] = diary.pain_entries()
    assert (entry.score, entry.first_step, entry.quality, entry.note) == (6, True, "sharp", 'stiff, "very"')
    assert entry.recorded_at == WHEN.replace(tzinfo=dt.UTC)
    assert (entry.marks[0].u, entry.marks[0].v, entry.marks[0].intensity) == (0.1, 0.5, 7)
    [session] = diary.sessions()
    # Sessions from before revision 0002 were typed in by hand.
    assert (session.routine_id, session.steps_done, session.source) == ("heel", 3, "manual")
    assert session.pain_reports == ({"score": 3},)
    # The upgraded database takes new entries of every kind.
    diary.log_function("walking", 6)
    diary.log_pain(2)
    assert diary.counts()["pain_entries"] == 2
    db.dispose()


def test_downgrade_each_step_and_up_again(db_url: str) -> None:
    db = Database.open(db_url)
    with db.engine.execution_options(solemap_write=True).begin() as conn:
        seed(conn, head_revision())
    revs = revisions()
    for target in reversed(revs[:-1]):
        migrate(db.engine, target, down=True)
        assert current_revision(db.engine) == target
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT score FROM pain_entries")).scalar_one() == 6
            assert conn.execute(text("SELECT count(*) FROM sessions")).scalar_one() == 1
    migrate(db.engine, "base", down=True)
    assert current_revision(db.engine) is None
    assert not (set(Base.metadata.tables) & set(db.table_names()))
    migrate(db.engine, "head")
    assert set(Base.metadata.tables) <= set(db.table_names())
    db.dispose()


def test_models_agree_with_migrations(db: Database) -> None:
    """Autogenerate finds nothing to add or drop: the models describe the newest schema."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = compare_metadata(ctx, Base.metadata)
    structural = [d for d in diff if d[0] in ("add_table", "remove_table", "add_column", "remove_column")]
    assert structural == []
