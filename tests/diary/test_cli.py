"""The diary commands end to end: a new user's week from the terminal (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from solemap.cli import app
from solemap.diary import Database, Diary
from solemap.diary.db import head_revision


@pytest.fixture
def run(db_url: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SOLEMAP_DATABASE_URL", db_url)
    monkeypatch.delenv("SOLEMAP_PROFILE", raising=False)
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(app, list(args), input=input)

    return invoke


def test_a_week_from_the_terminal(run, db_url: str, heel_area: str, tmp_path: Path, output_dir: Path) -> None:
    today = dt.date.today()
    for back, score in zip(range(7, 0, -1), (7, 7, 6, 6, 5, 5, 4), strict=True):
        day = (today - dt.timedelta(days=back)).isoformat()
        result = run(
            "log",
            "pain",
            str(score),
            "--first-step",
            "--area",
            f"{heel_area}:{score}",
            "--side",
            "left",
            "--at",
            day,
        )
        assert result.exit_code == 0, result.output
        assert f"saved first-step pain {score}/10" in result.output
    result = run(
        "log",
        "pain",
        "3",
        "--point",
        "0.5,0.3:4",
        "--side",
        "right",
        "--quality",
        "aching",
        "--note",
        'after the walk, "long" one',
    )
    assert result.exit_code == 0, result.output
    for back in (6, 4, 2):
        day = (today - dt.timedelta(days=back)).isoformat()
        result = run(
            "log",
            "session",
            "heel-basics",
            "--minutes",
            "9",
            "--steps",
            "5",
            "--of",
            "5",
            "--pain",
            "3",
            "--at",
            day,
        )
        assert result.exit_code == 0, result.output
    record = {
        "routine_id": "heel-basics",
        "started_at": (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).isoformat(),
        "ended_at": (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=50)).isoformat(),
        "duration_s": 540.0,
        "steps_total": 5,
        "steps_done": ["a", "b"],
        "steps_skipped": [],
        "pain_reports": [
            {"step_id": "a", "side": "left", "value": 6, "ceiling": 5, "verdict": "stop", "at_s": 80}
        ],
        "outcome": "abandoned",
        "pace": {},
    }
    result = run("log", "session", "--from-json", "-", input=json.dumps(record))
    assert result.exit_code == 0, result.output
    assert run("log", "function", "walk to the shop", "5").exit_code == 0

    shown = run("diary", "show", "--since", "7d")
    assert shown.exit_code == 0, shown.output
    assert "first steps" in shown.output and "heel-basics" in shown.output
    assert "7-day mean of first-step pain" in shown.output

    as_json = json.loads(run("diary", "show", "--json").output)
    profile = as_json["profiles"][0]
    assert len(profile["pain_entries"]) == 8 and len(profile["sessions"]) == 4
    assert profile["sessions"][-1]["source"] == "player" and profile["sessions"][-1]["steps_done"] == 2

    for name in ("trend.png", "trend.svg"):
        result = run("diary", "chart", "-o", str(tmp_path / name))
        assert result.exit_code == 0, result.output
    assert (tmp_path / "trend.png").read_bytes().startswith(b"\x89PNG")
    assert "<svg" in (tmp_path / "trend.svg").read_text()
    result = run("diary", "painmap", "-o", str(output_dir / "diary-painmap-cli.png"))
    assert result.exit_code == 0, result.output
    result = run("diary", "chart", "-o", str(output_dir / "diary-trend-cli.png"))
    assert result.exit_code == 0, result.output

    for fmt, name in (("csv", "d.csv"), ("json", "d.json"), ("fhir", "d.fhir.json"), ("pdf", "d.pdf")):
        result = run("diary", "export", "--format", fmt, "-o", str(tmp_path / name), "--since", "30d")
        assert result.exit_code == 0, result.output
    assert (tmp_path / "d.pdf").read_bytes().startswith(b"%PDF")
    result = run(
        "diary", "export", "--format", "pdf", "-o", str(tmp_path / "s.pdf"), "--sections", "summary,trend"
    )
    assert result.exit_code == 0, result.output

    # Move to a new device: import the JSON into an empty database.
    new_url = f"sqlite:///{tmp_path / 'new-device.sqlite3'}"
    result = run("diary", "import", str(tmp_path / "d.json"), "--database-url", new_url)
    assert result.exit_code == 0, result.output
    assert "imported 8 pain entries, 4 sessions, 1 function scores" in result.output
    moved = Diary(Database.open(new_url))
    assert [e.score for e in moved.pain_entries()] == [
        e.score for e in Diary(Database.open(db_url)).pain_entries()
    ]

    # Backup: a single SQLite file that opens as a diary.
    backup = tmp_path / "backup.sqlite3"
    result = run("db", "backup", str(backup))
    assert result.exit_code == 0, result.output
    assert len(Diary(Database.open(f"sqlite:///{backup}")).pain_entries()) == 8
    assert run("db", "backup", str(backup)).exit_code == 2  # never overwritten silently


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("log", "pain", "11"), "error: score: must be from 0"),
        (("log", "pain", "3", "--area", "nowhere"), "error: marks[0].area: unknown area 'nowhere'"),
        (("log", "pain", "3", "--at", "2999-01-01"), "error: at: 2999-01-01"),
        (("log", "pain", "3", "--at", "soon"), "error: --at: expected YYYY-MM-DD"),
        (("log", "pain", "3", "--quality", "stabbing"), "error: quality: must be one of sharp"),
        (("log", "pain", "3", "--point", "0.1"), "error: --point: expected U,V"),
        (("log", "session"), "error: name the routine"),
        (("diary", "export", "--format", "xml", "-o", "x"), "error: --format: must be one of csv"),
        (("diary", "export", "--format", "csv", "-o", "x", "--sections", "summary"), "error: --sections"),
        (
            ("diary", "export", "--format", "pdf", "-o", "x", "--sections", "graphs"),
            "error: sections: unknown",
        ),
        (("diary", "chart", "-o", "trend.gif"), "error: output: 'trend.gif' must end in .svg or .png"),
        (("diary", "show", "--since", "last week"), "error: --since: expected"),
        (("db", "downgrade", "0001_initial"), "make a backup"),
        (("profile", "remove", "default"), "add --yes"),
    ],
)
def test_errors_are_one_line_naming_the_field(run, args, message: str) -> None:
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_bad_import_file_changes_nothing(run, tmp_path: Path) -> None:
    assert run("log", "pain", "4").exit_code == 0
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {
                "format": "solemap-diary",
                "version": 1,
                "profiles": [
                    {
                        "name": "x",
                        "pain_entries": [
                            {"recorded_at": "2026-01-01T07:00:00+00:00", "score": 4},
                            {"recorded_at": "2026-01-02T07:00:00+00:00", "score": 40},
                        ],
                    }
                ],
            }
        )
    )
    result = run("diary", "import", str(bad))
    assert result.exit_code == 2
    assert "error: profiles[0].pain_entries[1].score: must be from 0" in result.output
    assert run("profile", "list").output.split() == ["default"]


def test_profiles_and_db_commands(run) -> None:
    assert run("profile", "add", "client-a").exit_code == 0
    assert run("log", "pain", "6", "--profile", "client-a").exit_code == 0
    assert run("profile", "add", "client-a").exit_code == 2
    assert run("profile", "rename", "client-a", "anna").exit_code == 0
    assert run("profile", "list").output.split() == ["anna"]
    assert "6/10" in run("diary", "show", "--profile", "anna").output
    status = run("db", "status")
    assert f"revision: {head_revision()} (newest: {head_revision()})" in status.output
    assert run("db", "downgrade", "0001_initial", "--yes").exit_code == 0
    assert "0001_initial" in run("db", "status").output
    assert run("db", "upgrade").exit_code == 0
    assert "6/10" in run("diary", "show", "--profile", "anna").output
    assert run("profile", "remove", "anna", "--yes").exit_code == 0
    assert "no profiles yet" in run("profile", "list").output
