"""Logging and reading back, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import inspect

from solemap.diary import (
    Database,
    Diary,
    InvalidEntry,
    Mark,
    UnknownProfile,
    create_profile,
    delete_profile,
    list_profiles,
    rename_profile,
)
from solemap.diary.db import current_revision, head_revision
from solemap.diary.models import Base

from .conftest import NOW


def test_open_creates_schema_at_head(db: Database) -> None:
    assert current_revision(db.engine) == head_revision()
    tables = set(inspect(db.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_sqlite_pragmas(tmp_path) -> None:
    db = Database.open(f"sqlite:///{tmp_path / 'p.sqlite3'}")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    db.dispose()


def test_pain_with_marks_round_trip(diary: Diary, heel_area: str) -> None:
    at = NOW - dt.timedelta(days=1, hours=3)
    entry_id = diary.log_pain(
        6,
        first_step=True,
        at=at,
        side="left",
        quality="Sharp",
        note='worse after "long walk", 2 km',
        marks=[
            {"area": heel_area, "intensity": 7},
            Mark(side="left", intensity=3, u=0.25, v=0.1),
        ],
    )
    [entry] = diary.pain_entries()
    assert entry.id == entry_id
    assert entry.recorded_at == at
    assert entry.day == at.astimezone().date()
    assert (entry.score, entry.first_step, entry.side, entry.quality) == (6, True, "left", "sharp")
    assert entry.note == 'worse after "long walk", 2 km'
    assert entry.marks == (
        Mark(side="left", intensity=7, area_id=heel_area),
        Mark(side="left", intensity=3, u=0.25, v=0.1),
    )


def test_several_entries_a_day_and_filters(diary: Diary) -> None:
    base = NOW - dt.timedelta(days=10)
    for i in range(3):
        diary.log_pain(i + 2, at=base + dt.timedelta(hours=i))
    diary.log_pain(5, first_step=True, at=base - dt.timedelta(days=2))
    assert len(diary.pain_entries()) == 4
    day = base.astimezone().date()
    assert [e.score for e in diary.pain_entries(since=day, until=day)] == [2, 3, 4]
    assert [e.score for e in diary.pain_entries(first_step=True)] == [5]


def test_area_shortcut_takes_overall_score_and_area_side(diary: Diary, areas: dict[str, str]) -> None:
    left_only = next(a for a, s in areas.items() if s == "left")
    diary.log_pain(4, areas=[left_only])
    [entry] = diary.pain_entries()
    assert entry.side == "left"
    assert entry.marks == (Mark(side="left", intensity=4, area_id=left_only),)


def test_sessions_manual_and_from_player(diary: Diary) -> None:
    from solemap.routines.engine import PainReport, SessionRecord

    start = NOW - dt.timedelta(days=2, hours=1)
    record = SessionRecord(
        routine_id="heel-basics",
        started_at=start,
        ended_at=start + dt.timedelta(minutes=9),
        duration_s=480.0,
        steps_total=5,
        steps_done=["warm", "heel", "arch"],
        steps_skipped=["toes"],
        pain_reports=[PainReport("heel", "left", 4, 5, "ok", 120.0)],
        outcome="abandoned",
    )
    player_id = diary.record_session(record)
    manual_id = diary.log_session("calf-stretch", duration_s=600, steps_done=2, note="by hand")
    sessions = diary.sessions()
    assert [s.id for s in sessions] == [player_id, manual_id]
    player = sessions[0]
    assert (player.routine_id, player.steps_done, player.steps_total, player.outcome, player.source) == (
        "heel-basics",
        3,
        5,
        "abandoned",
        "player",
    )
    assert player.duration_s == 480.0
    assert player.started_at == start
    assert player.max_pain == 4
    assert player.pain_reports[0]["step"] == "heel"
    manual = sessions[1]
    assert manual.source == "manual" and manual.ended_at == NOW and manual.duration_s == 600


def test_function_scores(diary: Diary) -> None:
    diary.log_function("walk to the shop", 4, at=NOW - dt.timedelta(days=3))
    diary.log_function("stairs", 7)
    assert [(f.activity, f.score) for f in diary.function_scores()] == [
        ("walk to the shop", 4),
        ("stairs", 7),
    ]


def test_profiles_keep_entries_apart(db: Database) -> None:
    alice = Diary(db, "alice", clock=lambda: NOW)
    bob = Diary(db, "bob", clock=lambda: NOW)
    alice.log_pain(3)
    bob.log_pain(8)
    bob.log_session("r", duration_s=60)
    assert [e.score for e in alice.pain_entries()] == [3]
    assert [e.score for e in bob.pain_entries()] == [8]
    assert list_profiles(db) == ["alice", "bob"]
    with pytest.raises(InvalidEntry, match="already exists") as info:
        create_profile(db, "alice")
    assert info.value.field == "profile"
    rename_profile(db, "bob", "robert")
    assert [e.score for e in Diary(db, "robert").pain_entries()] == [8]
    delete_profile(db, "robert")
    assert list_profiles(db) == ["alice"]
    with pytest.raises(UnknownProfile):
        delete_profile(db, "robert")
    with pytest.raises(UnknownProfile):
        Diary(db, "nobody", create_profile=False).log_pain(1)
    assert list_profiles(db) == ["alice"]


def test_delete_entry_only_within_profile(db: Database) -> None:
    alice = Diary(db, "alice", clock=lambda: NOW)
    bob = Diary(db, "bob", clock=lambda: NOW)
    entry = alice.log_pain(3, marks=[{"u": 0.1, "v": 0.5, "side": "left", "intensity": 3}])
    with pytest.raises(InvalidEntry, match="no pain entry"):
        bob.delete_entry("pain", entry)
    alice.delete_entry("pain", entry)
    assert alice.pain_entries() == []
    assert alice.counts()["pain_marks"] == 0
