"""Fixtures of the diary tests: every test that takes ``db_url`` runs on SQLite and on PostgreSQL.

The PostgreSQL leg uses ``SOLEMAP_TEST_POSTGRES_URL`` (scripts/test.sh starts the server) and
gives each test a schema of its own, dropped afterwards, by putting it first on the search path.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from solemap.diary import Database, Diary

POSTGRES_ENV = "SOLEMAP_TEST_POSTGRES_URL"

# A fixed "now" for tests that need to know which dates are in the past.
NOW = dt.datetime(2026, 3, 15, 12, 0, tzinfo=dt.UTC)


def _postgres_base_url() -> str:
    from tests.conftest import skip_or_fail  # type: ignore[import-not-found]

    url = os.environ.get(POSTGRES_ENV)
    if not url:
        skip_or_fail(f"{POSTGRES_ENV} is not set, so the PostgreSQL leg cannot run")
    return url  # type: ignore[return-value]


def postgres_schema_url(base: str, schema: str) -> str:
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database: an SQLite file, or a fresh schema on the PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'diary.sqlite3'}"
        return
    base = _postgres_base_url()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:
        admin.dispose()
        from tests.conftest import skip_or_fail  # type: ignore[import-not-found]

        skip_or_fail(f"cannot reach PostgreSQL at {POSTGRES_ENV}: {exc}")
    try:
        yield postgres_schema_url(base, schema)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database.open(db_url)
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def areas() -> dict[str, str]:
    """Every area id of the real atlas with its side."""
    from solemap.diary.validate import atlas_area_sides

    return dict(atlas_area_sides())


@pytest.fixture(scope="session")
def heel_area(areas: dict[str, str]) -> str:
    """A real atlas area under the heel of the left foot (or of both feet), on a pain-map layer."""
    from solemap.atlas import load_atlas
    from solemap.diary.analysis import choose_layer

    atlas = load_atlas()
    layer = choose_layer()
    heel = [
        a
        for a in atlas.areas_in(layer=layer, side="left")
        if a.geometry is not None and a.centroid is not None and a.centroid[0] < 0.2
    ]
    assert heel, f"the atlas layer {layer} has no area under the heel"
    return min(heel, key=lambda a: a.centroid[0]).id


@pytest.fixture
def diary(db: Database) -> Diary:
    return Diary(db, clock=lambda: NOW)
