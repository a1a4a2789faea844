"""CSV, JSON (round trip), FHIR R4 and the PDF report, on SQLite and PostgreSQL."""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import json
import subprocess
from pathlib import Path

import pytest

from solemap.diary import Database, Diary, ImportFileError
from solemap.diary.exports import (
    Period,
    check_sections,
    export_csv,
    export_fhir,
    export_json,
    export_pdf,
    report_html,
)
from solemap.diary.importer import import_data, import_file

from .conftest import NOW


def fill(diary: Diary, heel_area: str, days: int = 21) -> None:
    """Three weeks of mornings, a few sessions (with a change of routine) and function scores."""
    start = NOW - dt.timedelta(days=days)
    for d in range(days):
        morning = start + dt.timedelta(days=d, hours=-5)
        diary.log_pain(
            max(0, 7 - d // 3),
            first_step=True,
            at=morning,
            side="left",
            marks=[{"area": heel_area, "side": "left", "intensity": max(0, 7 - d // 3)}],
        )
        if d % 2 == 0:
            diary.log_session(
                "heel-basics" if d < days // 2 else "heel-and-calf",
                started_at=morning + dt.timedelta(hours=10),
                duration_s=540,
                steps_done=5,
                steps_total=5,
                outcome="finished" if d % 6 else "abandoned",
                pain_reports=[{"score": 3, "at_s": 60, "step": "heel", "side": "left"}],
            )
    diary.log_pain(
        4,
        at=start + dt.timedelta(days=1, hours=6),
        quality="burning",
        note='after "long" walk, 3 km\nthen rest; =SUM(A1)',
        marks=[{"u": 0.55, "v": 0.3, "side": "right", "intensity": 5}],
    )
    diary.log_function("walk to the shop", 4, at=start + dt.timedelta(days=1))
    diary.log_function("walk to the shop", 7, at=start + dt.timedelta(days=days - 1))


def strip_ids(data: dict) -> dict:
    out = copy.deepcopy(data)
    out.pop("exported_at")
    for profile in out["profiles"]:
        for kind in ("pain_entries", "sessions", "function_scores"):
            for row in profile[kind]:
                row.pop("id")
    return out


def test_csv_is_properly_quoted(diary: Diary, heel_area: str) -> None:
    fill(diary, heel_area)
    text = export_csv(diary)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 21 + 1 + 11 + 2
    noted = next(r for r in rows if r["quality"] == "burning")
    # Commas, quotes and a newline survive; a formula-like start is neutralised for spreadsheets.
    assert noted["note"] == 'after "long" walk, 3 km\nthen rest; =SUM(A1)'
    assert noted["where"] == "right u=0.55 v=0.30 5/10"
    formula = export_csv_with_note(diary, "=HYPERLINK(1)")
    assert formula == "'=HYPERLINK(1)"
    assert {r["kind"] for r in rows} == {"pain", "session", "function"}
    dates = [r["date"] for r in rows]
    assert dates == sorted(dates)


def export_csv_with_note(diary: Diary, note: str) -> str:
    diary.log_pain(1, note=note)
    rows = list(csv.DictReader(io.StringIO(export_csv(diary))))
    return next(r["note"] for r in rows if "HYPERLINK" in r["note"])


def test_json_round_trip_into_empty_database(diary: Diary, heel_area: str, tmp_path: Path) -> None:
    fill(diary, heel_area)
    Diary(diary.db, "second", clock=lambda: NOW).log_pain(2, note="other person")
    exported = export_json(diary, all_profiles=True)
    path = tmp_path / "diary.json"
    path.write_text(json.dumps(exported), encoding="utf-8")

    empty = Database.open(f"sqlite:///{tmp_path / 'new.sqlite3'}")
    result = import_file(empty, path)
    assert result.added == {"pain_entries": 23, "sessions": 11, "function_scores": 2}  # 22 + 1 of "second"
    again = export_json(Diary(empty, diary.profile), all_profiles=True)
    assert strip_ids(again) == strip_ids(exported)
    # Importing the same file again adds nothing.
    second = import_file(empty, path)
    assert sum(second.added.values()) == 0 and sum(second.skipped.values()) == 36
    empty.dispose()


def test_json_import_into_the_same_backend(db_url: str, diary: Diary, heel_area: str, tmp_path: Path) -> None:
    """The other direction: SQLite export into the test's database (PostgreSQL on that leg)."""
    source = Diary(Database.open(f"sqlite:///{tmp_path / 'src.sqlite3'}"), clock=lambda: NOW)
    fill(source, heel_area, days=8)
    exported = export_json(source)
    import_data(diary.db, exported)
    assert strip_ids(export_json(diary)) == strip_ids(exported)


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d.update(format="something-else"), "format"),
        (lambda d: d.update(version=99), "version"),
        (lambda d: d["profiles"][0]["pain_entries"][2].update(score=11), "profiles[0].pain_entries[2].score"),
        (
            lambda d: d["profiles"][0]["pain_entries"][0]["marks"][0].update(area="no-such-area"),
            "profiles[0].pain_entries[0].marks[0].area",
        ),
        (
            lambda d: d["profiles"][0]["pain_entries"][1].update(recorded_at="2099-01-01T08:00:00+00:00"),
            "profiles[0].pain_entries[1].recorded_at",
        ),
        (
            lambda d: d["profiles"][0]["sessions"][0].update(outcome="maybe"),
            "profiles[0].sessions[0].outcome",
        ),
        (
            lambda d: d["profiles"][0]["function_scores"][0].pop("activity"),
            "profiles[0].function_scores[0].activity",
        ),
        (lambda d: d["profiles"][0].update(sessions="lots"), "profiles[0].sessions"),
    ],
)
def test_malformed_import_names_the_field_and_changes_nothing(
    diary: Diary, heel_area: str, mutate, field
) -> None:
    fill(diary, heel_area, days=4)
    data = export_json(diary)
    mutate(data)
    before = strip_ids(export_json(diary))
    data_for_new_profile = copy.deepcopy(data)
    if isinstance(data_for_new_profile.get("profiles"), list):
        for p in data_for_new_profile["profiles"]:
            p["name"] = "imported"
    with pytest.raises(ImportFileError) as info:
        import_data(diary.db, data_for_new_profile)
    assert info.value.field == field
    assert strip_ids(export_json(diary, all_profiles=True)) == before  # no "imported" profile either


def test_import_file_errors(tmp_path: Path, db: Database) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "solemap-diary", "version": 1, "profiles": [', encoding="utf-8")
    with pytest.raises(ImportFileError, match="not valid JSON") as info:
        import_file(db, bad)
    assert info.value.field == "file"
    with pytest.raises(ImportFileError, match="cannot read"):
        import_file(db, tmp_path / "missing.json")
    binary = tmp_path / "bin.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ImportFileError, match="not UTF-8"):
        import_file(db, binary)


def test_fhir_observations(diary: Diary, heel_area: str) -> None:
    fill(diary, heel_area, days=3)
    bundle = export_fhir(diary)
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
    observations = [e["resource"] for e in bundle["entry"]]
    pain = [o for o in observations if o["code"].get("coding")]
    assert len(pain) == 4 and len(observations) == 6
    first = pain[0]
    assert first["code"]["coding"][0] == {
        "system": "http://loinc.org",
        "code": "72514-3",
        "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
    }
    assert first["valueQuantity"]["value"] == 7
    assert first["status"] == "final"
    assert dt.datetime.fromisoformat(first["effectiveDateTime"]).tzinfo is not None
    assert first["bodySite"]["coding"][0]["code"] == "22335008"  # SNOMED CT: left foot
    right = next(o for o in pain if "right" in o["bodySite"]["text"])
    assert right["bodySite"]["coding"][0]["code"] == "7769000"  # SNOMED CT: right foot
    # Stable ids: exporting twice names each observation the same way.
    assert [e["fullUrl"] for e in export_fhir(diary)["entry"]] == [e["fullUrl"] for e in bundle["entry"]]


def test_pdf_report_sections_and_pages(
    diary: Diary, heel_area: str, output_dir: Path, tmp_path: Path
) -> None:
    fill(diary, heel_area)
    html = report_html(diary, sections=["summary", "trend", "painmap", "comparison"], now=NOW)
    assert "First-step pain over time" in html and "Where it hurt" in html
    assert "Sessions calendar" not in html and "Pain entries" not in html
    assert "does not show what caused" in html  # described, never claimed as cause
    pdf = export_pdf(diary, now=NOW)
    assert pdf.startswith(b"%PDF")
    for old in output_dir.glob("diary-report-*.png"):
        old.unlink()
    path = output_dir / "diary-report.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(path), str(output_dir / "diary-report")], check=True)
    pages = sorted(output_dir.glob("diary-report-*.png"))
    assert len(pages) >= 2
    short = export_pdf(diary, Period(NOW.date() - dt.timedelta(days=5), NOW.date()), ["summary"], now=NOW)
    assert len(short) < len(pdf)


def test_unknown_section_is_named() -> None:
    with pytest.raises(ValueError, match="sections: unknown histogram"):
        check_sections(["summary", "histogram"])
