"""Fixtures for the guided-rolling tests: an isolated data folder for the safety answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from solemap.routines import AnswerStore, load_safety


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh SOLEMAP_DATA_DIR so no test reads or writes the real user's answers."""
    folder = tmp_path / "data"
    monkeypatch.setenv("SOLEMAP_DATA_DIR", str(folder))
    monkeypatch.setenv("SOLEMAP_DATABASE_URL", f"sqlite:///{folder / 'diary.sqlite3'}")
    return folder


@pytest.fixture
def cleared(data_dir: Path) -> Path:
    """Safety answers stored as all "no": the screen lets sessions start."""
    AnswerStore(data_dir).save({q.id: False for q in load_safety().questions})
    return data_dir
