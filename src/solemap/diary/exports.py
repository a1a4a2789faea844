"""Exports of the diary: CSV for spreadsheets, JSON to move or back up, FHIR R4 for clinical
systems, and a PDF report a physiotherapist can read in a minute.

All exports take a :class:`~solemap.diary.repository.Diary` and an optional period (calendar
days, inclusive). The JSON export is complete: :func:`solemap.diary.importer.import_json` reads
it back into an empty database and gives the same diary.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from solemap.diary.records import FunctionRecord, Mark, PainRecord, SessionEntry
from solemap.diary.repository import Diary, list_profiles

FORMATS = ("csv", "json", "fhir", "pdf")
JSON_FORMAT = "solemap-diary"
# Version 2 added sessions' "feedback" and the session source "tracked"; version 1 files still import.
JSON_VERSION = 2
PDF_SECTIONS = ("summary", "trend", "painmap", "comparison", "calendar", "sessions", "pain", "function")

# LOINC 72514-3 "Pain severity - 0-10 verbal numeric rating [Score] - Reported" (loinc.org/72514-3;
# used for the same purpose by HL7 Belgium's patient-monitoring IG and the French "mesures de
# santé" IG).
LOINC_PAIN_0_10 = {
    "system": "http://loinc.org",
    "code": "72514-3",
    "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
}
# SNOMED CT body structures: 22335008 "Structure of left foot", 7769000 "Structure of right foot".
SNOMED_FOOT = {
    "left": {"system": "http://snomed.info/sct", "code": "22335008", "display": "Structure of left foot"},
    "right": {"system": "http://snomed.info/sct", "code": "7769000", "display": "Structure of right foot"},
}
_UCUM_SCORE = {"unit": "{score}", "system": "http://unitsofmeasure.org", "code": "{score}"}
# Solemap's own namespace for identifiers, so re-exporting the same entry gives the same id.
_NAMESPACE = uuid.UUID("5b0e7a36-3c1f-4a7e-9d57-2f4c1f0a9e11")


@dataclass(frozen=True)
class Period:
    """Calendar days ``since``..``until`` inclusive; None means open-ended."""

    since: dt.date | None = None
    until: dt.date | None = None

    def __post_init__(self) -> None:
        if self.since and self.until and self.until < self.since:
            raise ValueError(f"until: {self.until} is before since ({self.since})")

    def describe(self) -> str:
        if self.since and self.until:
            return f"{self.since:%d %b %Y} – {self.until:%d %b %Y}"
        if self.since:
            return f"from {self.since:%d %b %Y}"
        if self.until:
            return f"until {self.until:%d %b %Y}"
        return "everything recorded"


def _mark_for_people(mark: Mark) -> str:
    """``left foot, Medial heel: 6/10`` (area names from the atlas; points as u/v)."""
    from solemap.atlas import load_atlas

    areas = load_atlas().areas
    where = areas[mark.area_id].name if mark.area_id in areas else mark.label
    foot = {"left": "left foot", "right": "right foot", "both": "both feet"}[mark.side]
    return f"{foot}, {where}: {mark.intensity}/10"


def _marks_text(entry: PainRecord) -> str:
    return "; ".join(f"{m.side} {m.label} {m.intensity}/10" for m in entry.marks)


# --- CSV ------------------------------------------------------------------------------------------------

CSV_COLUMNS = (
    "kind", "id", "date", "time", "score", "first_step", "side", "quality", "where",
    "routine", "duration_min", "steps_done", "steps_total", "outcome", "max_pain_during",
    "feedback", "activity", "note",
)  # fmt: skip


def _cell(value: Any) -> str:
    """A spreadsheet-safe cell: text starting with = + - @ would run as a formula, so it gets a quote."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    if text and text[0] in "=+-@\t\r" and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone()


def export_csv(diary: Diary, period: Period = Period()) -> str:
    """One row per pain entry, session and function score, oldest first (RFC 4180 quoting).

    ``feedback`` holds a one-line summary of a tracked session's feedback; the JSON export has
    all of it.
    """
    rows: list[tuple[dt.datetime, list[Any]]] = []
    for e in diary.pain_entries(period.since, period.until):
        t = _local(e.recorded_at)
        rows.append(
            (
                e.recorded_at,
                [
                    "pain",
                    e.id,
                    e.day,
                    f"{t:%H:%M}",
                    e.score,
                    e.first_step,
                    e.side,
                    e.quality,
                    _marks_text(e),
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    e.note,
                ],
            )
        )
    for s in diary.sessions(period.since, period.until):
        t = _local(s.started_at)
        rows.append(
            (
                s.started_at,
                [
                    "session",
                    s.id,
                    s.day,
                    f"{t:%H:%M}",
                    None,
                    None,
                    None,
                    None,
                    None,
                    s.routine_id,
                    round(s.duration_s / 60, 1),
                    s.steps_done,
                    s.steps_total,
                    s.outcome,
                    s.max_pain,
                    s.feedback_summary,
                    None,
                    s.note,
                ],
            )
        )
    for f in diary.function_scores(period.since, period.until):
        t = _local(f.recorded_at)
        rows.append(
            (
                f.recorded_at,
                [
                    "function",
                    f.id,
                    f.day,
                    f"{t:%H:%M}",
                    f.score,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    f.activity,
                    f.note,
                ],
            )
        )
    rows.sort(key=lambda r: r[0])
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for _, row in rows:
        writer.writerow([_cell(v) for v in row])
    return out.getvalue()


# --- JSON ------------------------------------------------------------------------------------------------


def profile_json(diary: Diary, period: Period = Period()) -> dict[str, Any]:
    return {
        "name": diary.profile,
        "pain_entries": [e.to_json() for e in diary.pain_entries(period.since, period.until)],
        "sessions": [s.to_json() for s in diary.sessions(period.since, period.until)],
        "function_scores": [f.to_json() for f in diary.function_scores(period.since, period.until)],
    }


def export_json(
    diary: Diary, period: Period = Period(), *, all_profiles: bool = False, now: dt.datetime | None = None
) -> dict[str, Any]:
    """Everything in the diary (or in the period) as a JSON-ready dict.

    ``all_profiles`` exports every profile of the database (to move to another device).
    """
    from solemap.diary.db import head_revision

    names = list_profiles(diary.db) if all_profiles else [diary.profile]
    profiles = [
        profile_json(diary if name == diary.profile else Diary(diary.db, name, areas=diary._areas), period)
        for name in names
    ]
    return {
        "format": JSON_FORMAT,
        "version": JSON_VERSION,
        "schema_revision": head_revision(),
        "exported_at": (now or dt.datetime.now(dt.UTC)).isoformat(),
        "period": {
            "since": period.since.isoformat() if period.since else None,
            "until": period.until.isoformat() if period.until else None,
        },
        "profiles": profiles,
    }


def dumps_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


# --- FHIR R4 ---------------------------------------------------------------------------------------------


def _body_site(entry: PainRecord) -> dict[str, Any] | None:
    sides = {m.side for m in entry.marks} or ({entry.side} if entry.side else set())
    codings = [SNOMED_FOOT[s] for s in ("left", "right") if s in sides or "both" in sides]
    if not codings and not entry.marks:
        return None
    text = "; ".join(_mark_for_people(m) for m in entry.marks) or {
        "left": "left foot",
        "right": "right foot",
        "both": "both feet",
    }.get(entry.side or "", "foot")
    site: dict[str, Any] = {"text": f"sole: {text}"}
    if codings:
        site["coding"] = codings
    return site


def _observation_id(profile: str, kind: str, entry_id: int) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{profile}/{kind}/{entry_id}"))


def pain_observation(entry: PainRecord, profile: str) -> dict[str, Any]:
    """One FHIR R4 Observation of a pain rating (LOINC 72514-3, 0–10)."""
    notes = []
    if entry.first_step:
        notes.append("Rating of the first steps of the day (after rest).")
    if entry.quality:
        notes.append(f"Quality: {entry.quality}.")
    if entry.note:
        notes.append(entry.note)
    obs: dict[str, Any] = {
        "resourceType": "Observation",
        "id": _observation_id(profile, "pain", entry.id),
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "survey",
                        "display": "Survey",
                    }
                ]
            }
        ],
        "code": {
            "coding": [LOINC_PAIN_0_10],
            "text": "First-step pain (0-10)" if entry.first_step else "Pain severity (0-10)",
        },
        "subject": {"display": profile},
        "effectiveDateTime": entry.recorded_at.isoformat(),
        "valueQuantity": {"value": entry.score, **_UCUM_SCORE},
    }
    site = _body_site(entry)
    if site:
        obs["bodySite"] = site
    if notes:
        obs["note"] = [{"text": n} for n in notes]
    return obs


def function_observation(record: FunctionRecord, profile: str) -> dict[str, Any]:
    """A patient-specific functional scale item as an Observation with a text-only code."""
    obs: dict[str, Any] = {
        "resourceType": "Observation",
        "id": _observation_id(profile, "function", record.id),
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "survey",
                        "display": "Survey",
                    }
                ]
            }
        ],
        "code": {"text": f"Patient-specific functional scale (0-10): {record.activity}"},
        "subject": {"display": profile},
        "effectiveDateTime": record.recorded_at.isoformat(),
        "valueQuantity": {"value": record.score, **_UCUM_SCORE},
    }
    if record.note:
        obs["note"] = [{"text": record.note}]
    return obs


def export_fhir(diary: Diary, period: Period = Period(), *, now: dt.datetime | None = None) -> dict[str, Any]:
    """A FHIR R4 Bundle (type ``collection``) of Observations: pain ratings and function scores.

    Sessions are not exported: FHIR has no fitting standard code for a self-guided rolling
    session, and the CSV and PDF carry them.
    """
    resources = [pain_observation(e, diary.profile) for e in diary.pain_entries(period.since, period.until)]
    resources += [
        function_observation(f, diary.profile) for f in diary.function_scores(period.since, period.until)
    ]
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "type": "collection",
        "timestamp": (now or dt.datetime.now(dt.UTC)).isoformat(),
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources],
    }


# --- PDF ------------------------------------------------------------------------------------------------


def _data_uri(data: str | bytes, mime: str) -> str:
    import base64

    raw = data.encode("utf-8") if isinstance(data, str) else data
    return f"data:{mime};base64,{base64.b64encode(raw).decode('ascii')}"


def check_sections(sections: Iterable[str] | None) -> list[str]:
    """The chosen report sections in report order; unknown names raise a ValueError naming them."""
    if sections is None:
        return list(PDF_SECTIONS)
    chosen = [s.strip().lower() for s in sections if s.strip()]
    unknown = [s for s in chosen if s not in PDF_SECTIONS]
    if unknown:
        raise ValueError(f"sections: unknown {', '.join(unknown)}; choose from {', '.join(PDF_SECTIONS)}")
    if not chosen:
        raise ValueError(f"sections: choose at least one of {', '.join(PDF_SECTIONS)}")
    return [s for s in PDF_SECTIONS if s in chosen]


def report_html(
    diary: Diary,
    period: Period = Period(),
    sections: Sequence[str] | None = None,
    *,
    change_day: dt.date | None = None,
    now: dt.datetime | None = None,
) -> str:
    """The clinician report as a self-contained HTML page (what :func:`export_pdf` prints)."""
    import jinja2

    from solemap.diary import analysis, charts

    chosen = check_sections(sections)
    entries = diary.pain_entries(period.since, period.until)
    sessions = diary.sessions(period.since, period.until)
    functions = diary.function_scores(period.since, period.until)
    days = [e.day for e in entries] + [s.day for s in sessions] + [f.day for f in functions]
    since = period.since or (min(days) if days else None)
    until = period.until or (max(days) if days else None)
    context: dict[str, Any] = {
        "profile": diary.profile,
        "period": Period(since, until).describe() if since else "no entries yet",
        "generated": (now or dt.datetime.now(dt.UTC)).astimezone(),
        "sections": chosen,
        "summary": analysis.summary(entries, sessions),
        "entries": entries,
        "sessions": sessions,
        "functions": functions,
        "mcid": analysis.reference()["first_step_pain_mcid"],
    }
    changes = analysis.routine_changes(sessions)
    if "trend" in chosen:
        svg = charts.trend_chart(entries, sessions, since=since, until=until, changes=changes, fmt="svg")
        context["trend_uri"] = _data_uri(svg, "image/svg+xml")
    if "painmap" in chosen:
        gathered = analysis.pain_map(entries)
        context["painmap"] = gathered
        if gathered.areas:
            context["painmap_uri"] = _data_uri(charts.pain_map_svg(entries, title=""), "image/svg+xml")
    if "comparison" in chosen:
        day = change_day or (changes[-1].day if changes else None)
        context["comparison"] = analysis.compare_before_after(entries, day) if day else None
        context["change"] = next((c for c in changes if c.day == day), None)
    if "calendar" in chosen and since and until:
        calendar = analysis.session_calendar(sessions, since, until)
        context["calendar"] = calendar
        context["calendar_uri"] = _data_uri(charts.calendar_chart(calendar, fmt="svg"), "image/svg+xml")
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("solemap.diary", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["local"] = lambda m: m.astimezone()
    env.filters["mark"] = _mark_for_people
    return env.get_template("report.html").render(**context)


def export_pdf(
    diary: Diary,
    period: Period = Period(),
    sections: Sequence[str] | None = None,
    *,
    change_day: dt.date | None = None,
    now: dt.datetime | None = None,
) -> bytes:
    """The clinician report as PDF bytes (A4, WeasyPrint)."""
    from weasyprint import HTML

    html = report_html(diary, period, sections, change_day=change_day, now=now)
    return HTML(string=html, base_url=".").write_pdf()


def export(diary: Diary, fmt: str, period: Period = Period(), **options: Any) -> bytes:
    """Any export as bytes ready to write to a file: ``fmt`` is csv, json, fhir or pdf."""
    if fmt == "csv":
        return export_csv(diary, period).encode("utf-8-sig")  # the BOM makes Excel read UTF-8
    if fmt == "json":
        return dumps_json(
            export_json(diary, period, all_profiles=options.get("all_profiles", False))
        ).encode()
    if fmt == "fhir":
        return dumps_json(export_fhir(diary, period)).encode()
    if fmt == "pdf":
        return export_pdf(diary, period, options.get("sections"), change_day=options.get("change_day"))
    raise ValueError(f"format: must be one of {', '.join(FORMATS)}, got {fmt!r}")


__all__ = [
    "FORMATS",
    "PDF_SECTIONS",
    "FunctionRecord",
    "Period",
    "SessionEntry",
    "check_sections",
    "export",
    "export_csv",
    "export_fhir",
    "export_json",
    "export_pdf",
    "report_html",
]
