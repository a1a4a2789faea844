"""Structured session feedback in the diary (migration 0003), on SQLite and PostgreSQL.

Storing, reading back, refusing bad feedback without changing anything, the JSON round trip,
the CSV and PDF summaries, and the diary page.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import json
import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import text

from solemap.diary import Database, Diary, InvalidEntry
from solemap.diary.db import current_revision, head_revision, make_engine, migrate, revisions
from solemap.diary.exports import export_csv, export_json, report_html
from solemap.diary.importer import import_data
from solemap.diary.validate import MAX_FEEDBACK_BYTES

from .conftest import NOW
from .test_migrations import seed

FEEDBACK_REVISION = "0003_session_feedback"


def feedback_example(tracked_s: float = 42.0) -> dict:
    """The shape of ``solemap.feedback.SessionFeedback.to_json()`` (two steps, one off the guide)."""
    return {
        "routine": "full-sole-smr",
        "foot": "left",
        "confidence": 0.93,
        "tracked_s": tracked_s,
        "steps": [
            {
                "step": "heel",
                "title": "Heel",
                "tool": "spiky-ball",
                "technique": "circles",
                "areas": ["pr-heel-medial", "pr-heel-lateral"],
                "planned_s": 60.0,
                "spent_s": 30.5,
                "per_area_s": {"pr-heel-medial": 12.0, "pr-heel-lateral": 18.5},
                "never_reached": [],
                "speed_mm_s": 36.7,
                "speed_range_mm_s": [10.0, 60.0],
                "speed_verdict": "in range",
                "speed_evidence": "expert-opinion",
                "pressure_p90_kpa": 90.0,
                "expected_kpa": None,
                "pressure_verdict": None,
                "sentences": ["Heel: planned 60 s on this foot, the ball spent 30 s (51% of the plan)."],
            },
            {
                "step": "toes",
                "title": "Toes",
                "tool": "spiky-ball",
                "technique": "slow-rolls",
                "areas": ["pr-hallux", "pr-lesser-toes"],
                "planned_s": 30.0,
                "spent_s": 2.0,
                "per_area_s": {"pr-hallux": 2.0, "pr-lesser-toes": 0.0},
                "never_reached": ["pr-lesser-toes"],
                "speed_mm_s": 95.0,
                "speed_range_mm_s": [15.0, 70.0],
                "speed_verdict": "too fast",
                "speed_evidence": "expert-opinion",
                "pressure_p90_kpa": 310.0,
                "expected_kpa": [40, 120],
                "pressure_verdict": "above",
                "sentences": [
                    "Toes: planned 30 s on this foot, the ball spent 2 s (7% of the plan).",
                    "  Never touched by the ball: Lesser toes.",
                ],
            },
        ],
        "skipped": [{"step": "bend-before", "reason": "no ball or roller in this step, so nothing to track"}],
        "sentences": [
            "Routine 'Full-sole release — class routine': 2 step(s) can be checked on the left sole.",
            "Heel: planned 60 s on this foot, the ball spent 30 s (51% of the plan).",
            "Toes: planned 30 s on this foot, the ball spent 2 s (7% of the plan).",
            "  Never touched by the ball: Lesser toes.",
        ],
    }


def log_tracked(diary: Diary, feedback: dict | None, minutes_ago: float = 60) -> int:
    return diary.log_session(
        "full-sole-smr",
        started_at=NOW - dt.timedelta(minutes=minutes_ago),
        duration_s=42,
        source="tracked",
        feedback=feedback,
    )


def raw_feedback(db: Database) -> list:
    with db.engine.connect() as conn:
        return [row[0] for row in conn.execute(text("SELECT feedback FROM sessions ORDER BY id"))]


# --- migration 0003 -------------------------------------------------------------------------------------


@pytest.mark.parametrize("start", revisions()[: revisions().index(FEEDBACK_REVISION)])
def test_upgrade_to_feedback_keeps_sessions_from_every_earlier_revision(db_url: str, start: str) -> None:
    engine = make_engine(db_url)
    migrate(engine, start)
    with engine.execution_options(solemap_write=True).begin() as conn:
        seed(conn, start)
    engine.dispose()

    db = Database.open(db_url)
    assert current_revision(db.engine) == head_revision()
    diary = Diary(db, "ana", clock=lambda: NOW)
    [old] = diary.sessions()
    assert (old.routine_id, old.steps_done, old.pain_reports) == ("heel", 3, ({"score": 3},))
    assert old.feedback is None
    assert raw_feedback(db) == [None]  # SQL NULL, not the JSON text 'null'
    # The old session takes feedback, and new sessions carry it from the start.
    diary.attach_feedback(old.id, feedback_example())
    new_id = log_tracked(diary, feedback_example(7.5))
    assert diary.session_feedback(old.id) == feedback_example()
    assert diary.session(new_id).feedback == feedback_example(7.5)
    db.dispose()


def test_downgrade_drops_only_the_feedback_and_upgrades_again(db_url: str) -> None:
    db = Database.open(db_url)
    diary = Diary(db, clock=lambda: NOW)
    plain = log_tracked(diary, None, minutes_ago=90)
    tracked = log_tracked(diary, feedback_example())
    previous = revisions()[revisions().index(FEEDBACK_REVISION) - 1]

    migrate(db.engine, previous, down=True)
    assert current_revision(db.engine) == previous
    with db.engine.connect() as conn:
        columns = conn.execute(text("SELECT * FROM sessions ORDER BY id")).keys()
        assert "feedback" not in columns
        rows = conn.execute(text("SELECT id, routine_id, duration_s, source FROM sessions ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [
        (plain, "full-sole-smr", 42.0, "tracked"),
        (tracked, "full-sole-smr", 42.0, "tracked"),
    ]

    migrate(db.engine, "head")
    fresh = Diary(db, clock=lambda: NOW)
    assert [s.feedback for s in fresh.sessions()] == [None, None]
    fresh.attach_feedback(tracked, feedback_example())
    assert fresh.session_feedback(tracked) == feedback_example()
    db.dispose()


# --- storing and reading back ---------------------------------------------------------------------------


def test_store_and_read_feedback(diary: Diary) -> None:
    fb = feedback_example()
    with_fb = log_tracked(diary, fb)
    without = log_tracked(diary, None, minutes_ago=30)
    fb["steps"][0]["title"] = "changed after saving"  # the diary keeps its own copy
    stored = diary.session(with_fb)
    assert stored.feedback == feedback_example() and stored.has_feedback and stored.source == "tracked"
    assert diary.session(without).feedback is None and not diary.session(without).has_feedback
    assert [s.id for s in diary.sessions() if s.feedback] == [with_fb]
    assert stored.feedback_sentences[0].startswith("Routine 'Full-sole release — class routine'")
    assert "Never touched by the ball: Lesser toes." in stored.feedback_sentences  # indentation stripped
    summary = stored.feedback_summary
    assert summary.startswith("tracked left foot: 42 s of rolling for 90 s planned (2 steps checked)")
    assert "pace off the guide in 1 step" in summary and "pressed harder than planned in 1 step" in summary
    assert "\n" not in summary

    # Attach to an existing session; attaching again replaces it.
    diary.attach_feedback(str(without), feedback_example(5.0))
    assert diary.session_feedback(without)["tracked_s"] == 5.0
    diary.attach_feedback(without, {"note": "hand-made", "sentences": ["Rolled the heel only."]})
    assert diary.session(without).feedback_sentences == ("Rolled the heel only.",)
    assert diary.session(without).feedback_summary == "tracked"
    assert raw_feedback(diary.db)[0] is not None


def test_numpy_numbers_and_tuples_are_stored_as_plain_json(diary: Diary) -> None:
    fb = {"confidence": np.float32(0.5), "steps": (np.int64(3),), "ok": np.bool_(True).item()}
    session_id = log_tracked(diary, fb)
    assert diary.session_feedback(session_id) == {"confidence": 0.5, "steps": [3], "ok": True}


def test_player_records_take_feedback(diary: Diary) -> None:
    record = {
        "routine_id": "full-sole-smr",
        "started_at": (NOW - dt.timedelta(minutes=20)).isoformat(),
        "ended_at": (NOW - dt.timedelta(minutes=10)).isoformat(),
        "duration_s": 540,
        "steps_total": 7,
        "steps_done": ["heel", "arch"],
        "pain_reports": [],
        "outcome": "finished",
    }
    session_id = diary.record_session(record, feedback=feedback_example())
    stored = diary.session(session_id)
    assert (stored.source, stored.steps_done, stored.feedback) == ("player", 2, feedback_example())


def test_sessions_of_another_profile_cannot_be_touched(diary: Diary) -> None:
    other = Diary(diary.db, "other", clock=lambda: NOW)
    theirs = log_tracked(other, None)
    with pytest.raises(InvalidEntry) as info:
        diary.attach_feedback(theirs, feedback_example())
    assert info.value.field == "id"
    with pytest.raises(InvalidEntry):
        diary.session(theirs)
    assert other.session(theirs).feedback is None


# --- bad feedback ----------------------------------------------------------------------------------------


def _too_big() -> dict:
    return {"sentences": ["x" * 1000] * (MAX_FEEDBACK_BYTES // 1000 + 1)}


def _deep() -> dict:
    value: dict = {}
    inner = value
    for _ in range(40):
        inner["a"] = {}
        inner = inner["a"]
    return value


BAD_FEEDBACK = [
    pytest.param([1, 2, 3], "feedback", "must be a JSON object", id="list"),
    pytest.param("great session", "feedback", "must be a JSON object", id="text"),
    pytest.param(7, "feedback", "must be a JSON object", id="number"),
    pytest.param({"tracked_s": math.nan}, "feedback.tracked_s", "finite", id="nan"),
    pytest.param({"steps": [{"spent_s": math.inf}]}, "feedback.steps[0].spent_s", "finite", id="inf-nested"),
    pytest.param({"steps": [{1: "x"}]}, "feedback.steps[0]", "not text", id="non-text-key"),
    pytest.param({"areas": {"pr-heel"}}, "feedback.areas", "JSON value", id="set"),
    pytest.param({"sentences": ["bad\x00byte"]}, "feedback.sentences[0]", "NUL", id="nul"),
    pytest.param(_too_big(), "feedback", "bytes as JSON", id="too-big"),
    pytest.param(_deep(), "feedback", "nested", id="too-deep"),
]


@pytest.mark.parametrize(("bad", "field", "words"), BAD_FEEDBACK)
def test_bad_feedback_is_refused_and_nothing_changes(diary: Diary, bad, field: str, words: str) -> None:
    kept = log_tracked(diary, feedback_example())
    before = export_json(diary, now=NOW)
    with pytest.raises(InvalidEntry, match=words) as info:
        log_tracked(diary, bad, minutes_ago=10)
    assert info.value.field.startswith(field)
    with pytest.raises(InvalidEntry, match=words):
        diary.attach_feedback(kept, bad)
    assert export_json(diary, now=NOW) == before
    assert diary.session_feedback(kept) == feedback_example()
    assert diary.counts()["sessions"] == 1


def test_attach_needs_feedback_and_a_real_session(diary: Diary) -> None:
    kept = log_tracked(diary, None)
    for bad_id in (0, -3, "abc", 2.5, True, None, 10**12):
        with pytest.raises(InvalidEntry) as info:
            diary.attach_feedback(bad_id, feedback_example())
        assert info.value.field == "id"
    with pytest.raises(InvalidEntry) as info:
        diary.attach_feedback(kept + 1, feedback_example())
    assert info.value.field == "id" and "no session" in info.value.message
    with pytest.raises(InvalidEntry) as info:
        diary.attach_feedback(kept, None)
    assert info.value.field == "feedback"
    assert diary.session(kept).feedback is None


def test_feedback_at_the_size_limit_fits(diary: Diary) -> None:
    skeleton = len(json.dumps({"sentences": [""]}, separators=(",", ":")))
    fb = {"sentences": ["é" * ((MAX_FEEDBACK_BYTES - skeleton) // 2)]}  # two bytes each in UTF-8
    session_id = log_tracked(diary, fb)
    assert diary.session_feedback(session_id) == fb


# --- exports and import ----------------------------------------------------------------------------------


def strip_volatile(data: dict) -> dict:
    out = copy.deepcopy(data)
    out.pop("exported_at")
    for profile in out["profiles"]:
        for kind in ("pain_entries", "sessions", "function_scores"):
            for row in profile[kind]:
                row.pop("id")
    return out


def fill(diary: Diary) -> None:
    diary.log_pain(5, first_step=True, at=NOW - dt.timedelta(days=1))
    diary.log_session("heel-basics", started_at=NOW - dt.timedelta(days=1, hours=-2), duration_s=300)
    log_tracked(diary, feedback_example())
    log_tracked(diary, {"sentences": ["Only a sentence."], "nested": {"list": [1, 2.5, None, True]}}, 10)


@pytest.fixture
def sqlite_diary(tmp_path: Path) -> Iterator[Diary]:
    db = Database.open(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    yield Diary(db, clock=lambda: NOW)
    db.dispose()


def test_json_round_trip_keeps_feedback_both_ways(diary: Diary, sqlite_diary: Diary) -> None:
    # From the test's backend into an empty SQLite diary ...
    fill(diary)
    exported = export_json(diary, all_profiles=True)
    assert [s["feedback"] is not None for s in exported["profiles"][0]["sessions"]] == [False, True, True]
    result = import_data(sqlite_diary.db, json.loads(json.dumps(exported)), now=NOW)
    assert result.added["sessions"] == 3
    assert strip_volatile(export_json(sqlite_diary, all_profiles=True)) == strip_volatile(exported)
    # ... and back into an empty profile of the test's backend (PostgreSQL on that leg).
    again = export_json(sqlite_diary, all_profiles=True)
    import_data(diary.db, again, profile="copy", now=NOW)
    copied = export_json(Diary(diary.db, "copy"), now=NOW)
    original = export_json(diary, now=NOW)
    copied["profiles"][0]["name"] = original["profiles"][0]["name"]
    assert strip_volatile(copied) == strip_volatile(original)


def test_version_1_exports_without_feedback_still_import(diary: Diary) -> None:
    fill(diary)
    old = export_json(diary, now=NOW)
    old["version"] = 1
    for session in old["profiles"][0]["sessions"]:
        session.pop("feedback")
        session["source"] = "manual"
    import_data(diary.db, old, profile="old", now=NOW)
    assert [s.feedback for s in Diary(diary.db, "old").sessions()] == [None, None, None]


def test_import_refuses_bad_feedback_and_names_it(diary: Diary) -> None:
    fill(diary)
    data = export_json(diary, now=NOW)
    data["profiles"][0]["name"] = "imported"
    data["profiles"][0]["sessions"][1]["feedback"] = ["not", "an", "object"]
    with pytest.raises(InvalidEntry) as info:
        import_data(diary.db, data, now=NOW)
    assert info.value.field == "profiles[0].sessions[1].feedback"
    data["profiles"][0]["sessions"][1]["feedback"] = {"steps": [{"spent_s": "NaN", "x": math.nan}]}
    with pytest.raises(InvalidEntry) as info:
        import_data(diary.db, data, now=NOW)
    assert info.value.field == "profiles[0].sessions[1].feedback.steps[0].x"
    assert Diary(diary.db, "imported", create_profile=False).sessions() == []


def test_csv_and_report_summarise_feedback(diary: Diary) -> None:
    fill(diary)
    rows = [r for r in csv.DictReader(io.StringIO(export_csv(diary))) if r["kind"] == "session"]
    assert [bool(r["feedback"]) for r in rows] == [False, True, True]
    assert rows[1]["feedback"].startswith("tracked left foot: 42 s of rolling")
    html = report_html(diary, sections=["sessions"], now=NOW)
    assert html.count('class="feedback"') == 2
    assert "Feedback: tracked left foot: 42 s of rolling for 90 s planned" in html


# --- the diary page ------------------------------------------------------------------------------------


def test_diary_page_shows_feedback_and_its_sentences(db: Database, db_url: str) -> None:
    from fastapi.testclient import TestClient

    from solemap.web.app import create_app
    from solemap.web.settings import Settings

    diary = Diary(db)  # the real clock: the page shows the last six weeks
    diary.log_session("full-sole-smr", duration_s=42, source="tracked", feedback=feedback_example())
    diary.log_session("heel-basics", duration_s=600)
    app = create_app(Settings(database_url=db_url))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        page = client.get("/diary")
    if getattr(app.state, "diary_db", None) is not None:
        app.state.diary_db.dispose()
    assert page.status_code == 200, page.text
    assert page.text.count("with feedback") == 1
    assert page.text.count('<details class="session-feedback">') == 1
    assert "Feedback: tracked left foot: 42 s of rolling" in page.text
    # A step's detail joins its sentence: one paragraph per step.
    assert "(7% of the plan). Never touched by the ball: Lesser toes.</p>" in page.text
    assert "Full-sole release — class routine" in page.text
    assert "42 s</span>" in page.text and "10 min</span>" in page.text
