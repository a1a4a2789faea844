"""Bad input, a full disk and a read-only database: a clear error naming the field, nothing changed."""

from __future__ import annotations

import datetime as dt
import errno
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from solemap.diary import Database, Diary, InvalidEntry, StorageError
from solemap.diary.exports import export_json

from .conftest import NOW, postgres_schema_url


def snapshot(diary: Diary) -> dict:
    data = export_json(diary, all_profiles=True)
    data.pop("exported_at")
    return data


@pytest.fixture
def filled(diary: Diary, heel_area: str) -> Diary:
    diary.log_pain(5, first_step=True, at=NOW - dt.timedelta(days=1), side="left", areas=[heel_area])
    diary.log_session("heel-basics", duration_s=300)
    diary.log_function("stairs", 6)
    return diary


@pytest.mark.parametrize(
    ("call", "field", "words"),
    [
        (lambda d: d.log_pain(11), "score", "from 0"),
        (lambda d: d.log_pain(-1), "score", "from 0"),
        (lambda d: d.log_pain(4.5), "score", "whole number"),
        (lambda d: d.log_pain("lots"), "score", "whole number"),
        (lambda d: d.log_pain(True), "score", "whole number"),
        (lambda d: d.log_pain(3, areas=["heel-of-atlantis"]), "marks[0].area", "unknown area"),
        (lambda d: d.log_pain(3, at=NOW + dt.timedelta(days=1)), "at", "future"),
        (lambda d: d.log_pain(3, at="yesterday-ish"), "at", "not a date"),
        (lambda d: d.log_pain(3, side="middle"), "side", "left, right, both"),
        (lambda d: d.log_pain(3, quality="stabbing"), "quality", "sharp, aching"),
        (lambda d: d.log_pain(3, note="x" * 5000), "note", "at most"),
        (
            lambda d: d.log_pain(3, marks=[{"u": 1.4, "v": 0.2, "side": "left", "intensity": 3}]),
            "marks[0].u",
            "0 to 1",
        ),
        (
            lambda d: d.log_pain(3, marks=[{"u": 0.4, "v": 0.2, "intensity": 3}]),
            "marks[0].side",
            "which foot",
        ),
        (
            lambda d: d.log_pain(3, marks=[{"u": 0.4, "v": 0.2, "side": "left", "intensity": 12}]),
            "marks[0].intensity",
            "from 0",
        ),
        (lambda d: d.log_pain(3, marks=[{"side": "left", "intensity": 2}]), "marks[0]", "area id or both"),
        (lambda d: d.log_session("", duration_s=60), "routine", "must not be empty"),
        (lambda d: d.log_session("r", duration_s=-5), "duration", "between"),
        (lambda d: d.log_session("r", steps_done=6, steps_total=5), "steps_done", "only 5"),
        (lambda d: d.log_session("r", outcome="paused"), "outcome", "finished, abandoned"),
        (lambda d: d.log_session("r", started_at=NOW + dt.timedelta(hours=2)), "started_at", "future"),
        (lambda d: d.log_session("r", pain_reports=[{"score": 15}]), "pain_reports[0].score", "from 0"),
        (lambda d: d.log_function("", 5), "activity", "must not be empty"),
        (lambda d: d.log_function("stairs", 11), "score", "from 0"),
    ],
)
def test_bad_values_name_the_field_and_store_nothing(filled: Diary, call, field: str, words: str) -> None:
    before = snapshot(filled)
    with pytest.raises(InvalidEntry) as info:
        call(filled)
    assert info.value.field == field
    assert words in info.value.message
    assert str(info.value).startswith(f"{field}: ")
    assert snapshot(filled) == before


def test_area_on_the_wrong_foot(filled: Diary, areas: dict[str, str]) -> None:
    left_only = next(a for a, s in areas.items() if s == "left")
    before = snapshot(filled)
    with pytest.raises(InvalidEntry, match="left foot") as info:
        filled.log_pain(3, marks=[{"area": left_only, "side": "right", "intensity": 3}])
    assert info.value.field == "marks[0].area"
    assert snapshot(filled) == before


def test_disk_full_during_write_changes_nothing(filled: Diary, monkeypatch: pytest.MonkeyPatch) -> None:
    before = snapshot(filled)

    def no_space(self: Session, *args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Session, "flush", no_space)
    with pytest.raises(StorageError, match="disk is full") as info:
        filled.log_pain(4, note="will not fit")
    assert "nothing was saved" in str(info.value)
    monkeypatch.undo()
    assert snapshot(filled) == before


def test_sqlite_really_full(tmp_path: Path, heel_area: str) -> None:
    """SQLite's own "database or disk is full", from a page limit at the current size."""
    db = Database.open(f"sqlite:///{tmp_path / 'full.sqlite3'}")
    diary = Diary(db, clock=lambda: NOW)
    diary.log_pain(5, side="left", areas=[heel_area])
    before = snapshot(diary)
    db.dispose()

    @event.listens_for(db.engine, "connect")
    def cap(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        pages = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
        dbapi_conn.execute(f"PRAGMA max_page_count = {pages}")

    with pytest.raises(StorageError, match="full"):
        for i in range(200):  # the first pages still have room for a few rows
            diary.log_pain(3, note=f"{i} " + "x" * 1900)
    event.remove(db.engine, "connect", cap)
    db.dispose()
    after = snapshot(Diary(Database.open(db.url)))
    # Whatever was acknowledged before the disk filled is there; the failed write is not.
    assert after["profiles"][0]["pain_entries"][0] == before["profiles"][0]["pain_entries"][0]
    assert all(e["note"] is None or len(e["note"]) < 1950 for e in after["profiles"][0]["pain_entries"])


def test_read_only_database(db_url: str, filled: Diary) -> None:
    before = snapshot(filled)
    filled.db.dispose()
    if db_url.startswith("sqlite"):
        path = db_url.removeprefix("sqlite:///")
        ro_url = f"sqlite:///file:{path}?mode=ro&uri=true"
    else:
        base, _, options = db_url.partition("?options=")
        ro_url = postgres_schema_url(base, options.removeprefix("-csearch_path%3D")) + (
            "%20-cdefault_transaction_read_only%3Don"
        )
    ro = Database.open(ro_url)
    reader = Diary(ro, clock=lambda: NOW)
    assert len(reader.pain_entries()) == 1  # reading works
    with pytest.raises(StorageError, match="read-only") as info:
        reader.log_pain(2)
    assert "nothing was saved" in str(info.value)
    ro.dispose()
    assert snapshot(filled) == before


def test_unreachable_database_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="could not open the diary"):
        Database.open("postgresql+psycopg://nobody:wrong@127.0.0.1:1/none?connect_timeout=2")
    with pytest.raises(Exception, match="only sqlite and postgresql"):
        Database.open("mysql://x@localhost/db")
