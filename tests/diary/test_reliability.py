"""Crashes and concurrent writers: nothing acknowledged is ever lost (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url

from solemap.diary import Database, Diary, DiaryBusy

from .conftest import NOW

WRITER = Path(__file__).with_name("writer_process.py")


def start_writer(
    url: str, profile: str, count: int, tag: str, go: Path | None = None, mode: str = "lib"
) -> subprocess.Popen[str]:
    """The writer of ``writer_process.py`` in a new process; ``mode`` is lib, cli or web."""
    return subprocess.Popen(
        [sys.executable, str(WRITER), url, profile, str(count), tag, str(go) if go else "-", mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def parse_acks(lines: list[str]) -> dict[int, int]:
    """{entry id: sequence number} of every complete ``ack`` line."""
    acks = {}
    for line in lines:
        parts = line.split()
        if len(parts) == 3 and parts[0] == "ack" and line.endswith("\n"):
            acks[int(parts[1])] = int(parts[2])
    return acks


def check_acked(db: Database, profile: str, tag: str, acks: dict[int, int]) -> None:
    entries = {e.id: e for e in Diary(db, profile).pain_entries()}
    for entry_id, i in acks.items():
        assert entry_id in entries, f"acknowledged entry {entry_id} ({tag}-{i}) is missing"
        entry = entries[entry_id]
        assert (entry.score, entry.note) == (i % 11, f"{tag}-{i}")
        assert len(entry.marks) == 1 and entry.marks[0].intensity == i % 11


@pytest.mark.slow
def test_sigkill_mid_stream_loses_no_acknowledged_entry(db_url: str) -> None:
    Database.open(db_url).dispose()  # schema first, so the kill lands among pain writes
    proc = start_writer(db_url, "crash", 100_000, "k")
    assert proc.stdout is not None
    lines: list[str] = []
    while len(parse_acks(lines)) < 40:
        line = proc.stdout.readline()
        if not line:
            pytest.fail(f"writer stopped early: {proc.stderr.read() if proc.stderr else ''}")
        lines.append(line)
    # Land the kill at a random point of a write, not right after an acknowledgement.
    time.sleep(random.uniform(0, 0.01))
    os.kill(proc.pid, signal.SIGKILL)
    rest, _ = proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    lines.extend(rest.splitlines(keepends=True))
    acks = parse_acks(lines)
    assert len(acks) >= 40

    db = Database.open(db_url)
    if db.dialect == "sqlite":
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    check_acked(db, "crash", "k", acks)
    # At most the one write in flight may have been committed without its acknowledgement.
    stored = Diary(db, "crash").pain_entries()
    assert len(stored) - len(acks) in (0, 1)
    # And the diary goes on working.
    Diary(db, "crash").log_pain(1, note="after the crash")
    db.dispose()


@pytest.mark.slow
@pytest.mark.parametrize("modes", [("lib", "lib"), ("cli", "web")], ids=["library+library", "cli+web"])
def test_two_processes_writing_at_once_lose_nothing(
    db_url: str, tmp_path: Path, modes: tuple[str, str]
) -> None:
    # The database starts empty: both writers also race to create the schema when they open it.
    count = 40 if modes == ("lib", "lib") else 25  # a CLI run opens the database each time: slower
    go = tmp_path / "go"
    # Both write to the same, not yet existing, profile: they also race to create it.
    procs = {
        tag: start_writer(db_url, "shared", count, tag, go, mode)
        for tag, mode in zip("ab", modes, strict=True)
    }
    for p in procs.values():  # both started and connected, then both released at once
        assert p.stdout is not None
        line = p.stdout.readline()
        assert line == "ready\n", line + (p.stderr.read() if p.stderr else "")
    go.touch()
    outputs = {tag: p.communicate(timeout=180) for tag, p in procs.items()}
    for tag, p in procs.items():
        assert p.returncode == 0, f"writer {tag} failed: {outputs[tag][1]}"
        assert outputs[tag][0].rstrip().endswith("done")
    db = Database.open(db_url)
    for tag in ("a", "b"):
        acks = parse_acks(outputs[tag][0].splitlines(keepends=True))
        assert sorted(acks.values()) == list(range(count))
        check_acked(db, "shared", tag, acks)
    assert Diary(db, "shared").counts()["pain_entries"] == 2 * count
    db.dispose()


@contextmanager
def write_lock_held(url: str) -> Iterator[None]:
    """Another program holding the diary's write lock."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        conn = sqlite3.connect(parsed.database, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()
        return
    engine = create_engine(url)
    with engine.connect() as conn:
        conn.exec_driver_sql("LOCK TABLE pain_entries IN ACCESS EXCLUSIVE MODE")
        yield
        conn.rollback()
    engine.dispose()


def test_busy_database_gives_a_clear_retryable_error(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("solemap.diary.db.BUSY_TIMEOUT_MS", 300)
    db = Database.open(db_url)
    diary = Diary(db, clock=lambda: NOW)
    diary.log_pain(3)
    with write_lock_held(db_url):
        db.dispose()  # fresh connections, so the short timeout applies
        with pytest.raises(DiaryBusy, match="try again") as info:
            diary.log_pain(5)
        assert info.value.retryable
    assert [e.score for e in diary.pain_entries()] == [3]
    diary.log_pain(5)  # trying again works
    assert [e.score for e in diary.pain_entries()] == [3, 5]
    db.dispose()
