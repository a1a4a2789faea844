"""``solemap track FILE --routine ID --save-session``: a tracked session and its feedback in the diary.

End to end from a simulated rolling recording, on SQLite and on PostgreSQL (the diary's
``SOLEMAP_TEST_POSTGRES_URL`` leg).
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from solemap.cli import app
from solemap.diary import Database, Diary
from solemap.recordings import read_recording

POSTGRES_ENV = "SOLEMAP_TEST_POSTGRES_URL"
SAVED = re.compile(
    r"saved tracked session of full-sole-smr with its feedback \(session (\d+), profile (\S+)\)"
)

runner = CliRunner()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty diary database: an SQLite file, or a schema of its own on the PostgreSQL server."""
    from tests.conftest import skip_or_fail  # type: ignore[import-not-found]

    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'diary.sqlite3'}"
        return
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        skip_or_fail(f"{POSTGRES_ENV} is not set, so the PostgreSQL leg cannot run")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:
        admin.dispose()
        skip_or_fail(f"cannot reach PostgreSQL at {POSTGRES_ENV}: {exc}")
    try:
        sep = "&" if "?" in base else "?"
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="module")
def ball(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A rolling session written by ``solemap simulate rolling -o ball.npz``."""
    path = tmp_path_factory.mktemp("track-save") / "ball.npz"
    result = runner.invoke(app, ["simulate", "rolling", "-o", str(path)])
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOLEMAP_DATABASE_URL", raising=False)
    monkeypatch.delenv("SOLEMAP_PROFILE", raising=False)


def sessions(db_url: str, profile: str = "default") -> list:
    db = Database.open(db_url)
    try:
        return Diary(db, profile).sessions()
    finally:
        db.dispose()


def test_track_save_session_end_to_end(
    ball: Path, db_url: str, env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The database from the environment, as the other diary commands read it.
    monkeypatch.setenv("SOLEMAP_DATABASE_URL", db_url)
    result = runner.invoke(app, ["track", str(ball), "--routine", "full-sole-smr", "--save-session"])
    assert result.exit_code == 0, result.output
    match = SAVED.search(result.output)
    assert match, result.output
    session_id, profile = int(match.group(1)), match.group(2)
    assert profile == "default"
    assert "Routine 'Full-sole release" in result.output  # the sentences are still printed

    [stored] = sessions(db_url)
    assert stored.id == session_id
    assert (stored.routine_id, stored.outcome, stored.source) == ("full-sole-smr", "finished", "tracked")
    assert stored.duration_s == pytest.approx(read_recording(ball).duration_s)
    assert stored.ended_at is not None and stored.started_at < stored.ended_at
    fb = stored.feedback
    assert fb["routine"] == "full-sole-smr" and fb["foot"] == "left"
    assert {s["step"] for s in fb["steps"]} >= {"heel", "arch", "toes"}
    assert stored.feedback_sentences and all(line == line.strip() for line in stored.feedback_sentences)
    assert stored.feedback_summary.startswith("tracked left foot:")

    # --json with --profile: the printed feedback is exactly what the diary keeps.
    result = runner.invoke(
        app,
        ["track", str(ball), "--routine", "full-sole-smr", "--save-session", "--json", "--profile", "ana"],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["diary_session"]["profile"] == "ana"
    [theirs] = sessions(db_url, "ana")
    assert data["diary_session"]["id"] == theirs.id != session_id
    assert theirs.feedback == data["feedback"]
    assert len(sessions(db_url)) == 1


def test_database_url_option_wins_over_the_environment(
    ball: Path, db_url: str, env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = f"sqlite:///{tmp_path / 'elsewhere.sqlite3'}"
    monkeypatch.setenv("SOLEMAP_DATABASE_URL", elsewhere)
    monkeypatch.setenv("SOLEMAP_PROFILE", "ben")
    result = runner.invoke(
        app,
        ["track", str(ball), "--routine", "full-sole-smr", "--save-session", "--database-url", db_url],
    )
    assert result.exit_code == 0, result.output
    assert "profile ben)" in result.output
    [stored] = sessions(db_url, "ben")
    assert stored.feedback is not None
    assert sessions(elsewhere, "ben") == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--save-session"], "--save-session needs --routine"),
        (["--save-session", "--routine", "no-such-routine"], "no-such-routine"),
        (["--save-session", "--routine", "full-sole-smr", "--profile", "  "], "profile"),
    ],
)
def test_errors_are_one_line_and_store_nothing(
    ball: Path, db_url: str, env: None, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    monkeypatch.setenv("SOLEMAP_DATABASE_URL", db_url)
    result = runner.invoke(app, ["track", str(ball), *args])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], result.output
    assert sessions(db_url) == []


def test_bad_database_url_is_one_line(ball: Path, env: None) -> None:
    result = runner.invoke(
        app,
        ["track", str(ball), "--routine", "full-sole-smr", "--save-session", "--database-url", "mysql://x/y"],
    )
    assert result.exit_code == 2
    assert result.output.strip().startswith("error: ") and len(result.output.strip().splitlines()) == 1
    assert "only sqlite and postgresql" in result.output
