"""Fixtures of the pressure tests: the shared sample recordings and an output folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT.parent / "shared" / "data" / "recordings"
OUT = ROOT / "test-output" / "pressure"


def sample(name: str) -> Path:
    """Path of a shared sample file; skips (or fails in CI) when ../shared is absent."""
    path = SAMPLES / name
    if not path.exists():
        if os.environ.get("SOLEMAP_REQUIRE_ALL_TESTS") == "1":
            pytest.fail(f"{path} is missing (../shared/data/recordings is required)")
        pytest.skip(f"{path} is missing (../shared/data/recordings not checked out)")
    return path


@pytest.fixture(scope="session")
def out_dir() -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    return OUT


@pytest.fixture(scope="session")
def pedar():
    from solemap.recordings import read_recording

    return read_recording(sample("pedar_example.asc"))


@pytest.fixture(scope="session")
def emed():
    from solemap.recordings import read_recording

    return read_recording(sample("emed_test.lst"))


@pytest.fixture(scope="session")
def fscan():
    from solemap.recordings import read_recording

    return read_recording(sample("fscan_testL.asf"))


@pytest.fixture(scope="session")
def sample_file():
    """The :func:`sample` function, for tests that open shared files by name."""
    return sample
