"""Read a JSON export (``solemap diary export --format json``) back into a diary.

The whole file is checked before anything is written, with the same rules as fresh entries,
and then stored in one transaction: a bad file changes nothing, and an error names the place in
the file (``profiles[0].pain_entries[3].score``). Entries already present (same profile, kind,
time and values) are skipped, so importing the same file twice does not double anything.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from solemap.diary import validate
from solemap.diary.db import Database
from solemap.diary.errors import ImportFileError, InvalidEntry
from solemap.diary.exports import JSON_FORMAT, JSON_VERSION
from solemap.diary.models import FunctionScore, PainEntry, PainMark, Profile, SessionLog
from solemap.diary.repository import _count, _pain_report, clean_marks, run_write

MAX_FILE_BYTES = 200 * 1024 * 1024


@dataclass
class ImportResult:
    """How many entries were added and skipped (already present), per kind."""

    added: dict[str, int] = field(
        default_factory=lambda: {"pain_entries": 0, "sessions": 0, "function_scores": 0}
    )
    skipped: dict[str, int] = field(
        default_factory=lambda: {"pain_entries": 0, "sessions": 0, "function_scores": 0}
    )
    profiles: list[str] = field(default_factory=list)

    def describe(self) -> str:
        added = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in self.added.items())
        skipped = sum(self.skipped.values())
        text = f"imported {added} into {', '.join(self.profiles) or 'no profile'}"
        if skipped:
            text += f"; {skipped} already present and skipped"
        return text


def _obj(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ImportFileError(where, f"must be a JSON object, got {type(value).__name__}")
    return value


def _list(parent: Mapping[str, Any], key: str, where: str) -> list[Any]:
    value = parent.get(key, [])
    if not isinstance(value, list):
        raise ImportFileError(f"{where}.{key}", f"must be a list, got {type(value).__name__}")
    return value


def _day(value: Any, where: str, fallback: dt.datetime) -> dt.date:
    if value is None:
        return fallback.astimezone().date()
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ImportFileError(where, f"is not a date (YYYY-MM-DD), got {value!r}") from None


def _aware(value: Any, where: str, now: dt.datetime) -> dt.datetime:
    if value is None:
        raise InvalidEntry(where, "is missing")
    return validate.moment(value, where, now)


def _rethrow(exc: InvalidEntry, prefix: str) -> ImportFileError:
    field = exc.field if exc.field.startswith(prefix) else f"{prefix}.{exc.field}"
    return ImportFileError(field, exc.message)


@dataclass
class _Parsed:
    name: str
    pain: list[dict[str, Any]]
    sessions: list[dict[str, Any]]
    functions: list[dict[str, Any]]


def parse(
    data: Any, *, areas: Mapping[str, str] | None = None, now: dt.datetime | None = None
) -> list[_Parsed]:
    """Check a whole export; returns cleaned rows per profile or raises :class:`ImportFileError`."""
    now = now or dt.datetime.now(dt.UTC)
    root = _obj(data, "file")
    if root.get("format") != JSON_FORMAT:
        raise ImportFileError(
            "format", f"this is not a solemap diary export (expected format {JSON_FORMAT!r})"
        )
    version = root.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version > JSON_VERSION or version < 1:
        raise ImportFileError(
            "version", f"version {version!r} cannot be read by this solemap (reads 1–{JSON_VERSION})"
        )
    area_sides = areas if areas is not None else validate.atlas_area_sides()
    parsed: list[_Parsed] = []
    seen: set[str] = set()
    for p_i, raw_profile in enumerate(_list(root, "profiles", "file")):
        where = f"profiles[{p_i}]"
        profile = _obj(raw_profile, where)
        try:
            name = validate.text(profile.get("name"), "name", limit=80, optional=False)
        except InvalidEntry as exc:
            raise _rethrow(exc, where) from None
        assert name is not None
        if name in seen:
            raise ImportFileError(f"{where}.name", f"profile {name!r} appears twice in the file")
        seen.add(name)
        out = _Parsed(name, [], [], [])
        for i, raw in enumerate(_list(profile, "pain_entries", where)):
            w = f"{where}.pain_entries[{i}]"
            try:
                e = _obj(raw, w)
                moment = _aware(e.get("recorded_at"), "recorded_at", now)
                side = validate.side(e.get("side"))
                marks = clean_marks(_obj_list(e.get("marks", []), "marks"), side, area_sides)
                first_step = e.get("first_step", False)
                if not isinstance(first_step, bool):
                    raise InvalidEntry("first_step", f"must be true or false, got {first_step!r}")
                out.pain.append(
                    {
                        "recorded_at": moment,
                        "day": _day(e.get("day"), "day", moment),
                        "score": validate.score(e.get("score")),
                        "first_step": first_step,
                        "side": side,
                        "quality": validate.quality(e.get("quality")),
                        "note": validate.text(e.get("note"), "note"),
                        "marks": marks,
                    }
                )
            except InvalidEntry as exc:
                raise _rethrow(exc, w) from None
        for i, raw in enumerate(_list(profile, "sessions", where)):
            w = f"{where}.sessions[{i}]"
            try:
                s = _obj(raw, w)
                start = _aware(s.get("started_at"), "started_at", now)
                end = _aware(s.get("ended_at"), "ended_at", now) if s.get("ended_at") is not None else None
                if end is not None and end < start:
                    raise InvalidEntry("ended_at", "is before the start of the session")
                try:
                    duration = float(s.get("duration_s"))
                except (TypeError, ValueError):
                    raise InvalidEntry(
                        "duration_s", f"must be seconds, got {s.get('duration_s')!r}"
                    ) from None
                if not 0 <= duration <= 24 * 3600:
                    raise InvalidEntry("duration_s", f"must be between 0 and 86400 seconds, got {duration}")
                steps_total = s.get("steps_total")
                out.sessions.append(
                    {
                        "routine_id": validate.text(
                            s.get("routine_id"), "routine_id", limit=120, optional=False
                        ),
                        "started_at": start,
                        "ended_at": end,
                        "day": _day(s.get("day"), "day", start),
                        "duration_s": duration,
                        "steps_done": _count(s.get("steps_done", 0), "steps_done"),
                        "steps_total": _count(steps_total, "steps_total")
                        if steps_total is not None
                        else None,
                        "outcome": validate.outcome(s.get("outcome")),
                        "source": validate.source(s.get("source", "manual")),
                        "pain_reports": [
                            _pain_report(r, f"pain_reports[{k}]")
                            for k, r in enumerate(_obj_list(s.get("pain_reports", []), "pain_reports"))
                        ],
                        "note": validate.text(s.get("note"), "note"),
                        "feedback": validate.feedback(s.get("feedback")),
                    }
                )
            except InvalidEntry as exc:
                raise _rethrow(exc, w) from None
        for i, raw in enumerate(_list(profile, "function_scores", where)):
            w = f"{where}.function_scores[{i}]"
            try:
                f = _obj(raw, w)
                moment = _aware(f.get("recorded_at"), "recorded_at", now)
                out.functions.append(
                    {
                        "recorded_at": moment,
                        "day": _day(f.get("day"), "day", moment),
                        "activity": validate.text(f.get("activity"), "activity", limit=120, optional=False),
                        "score": validate.score(f.get("score")),
                        "note": validate.text(f.get("note"), "note"),
                    }
                )
            except InvalidEntry as exc:
                raise _rethrow(exc, w) from None
        parsed.append(out)
    return parsed


def _obj_list(value: Any, field: str) -> list[Any]:
    if not isinstance(value, list):
        raise InvalidEntry(field, f"must be a list, got {type(value).__name__}")
    return value


def _pain_key(recorded_at: dt.datetime, score: int, first_step: bool, note: str | None) -> tuple[Any, ...]:
    return (recorded_at.astimezone(dt.UTC).replace(microsecond=0), score, bool(first_step), note)


def import_data(
    db: Database,
    data: Any,
    *,
    profile: str | None = None,
    areas: Mapping[str, str] | None = None,
    now: dt.datetime | None = None,
) -> ImportResult:
    """Import a parsed JSON export. ``profile`` puts everything into that one profile instead."""
    parsed = parse(data, areas=areas, now=now)
    result = ImportResult()

    def work(s: Session) -> None:
        for item in parsed:
            name = profile or item.name
            profile_row = s.scalar(select(Profile).where(Profile.name == name))
            if profile_row is None:
                profile_row = Profile(name=name, created_at=dt.datetime.now(dt.UTC))
                s.add(profile_row)
                s.flush()
            if name not in result.profiles:
                result.profiles.append(name)
            pid = profile_row.id
            have_pain = {
                _pain_key(r.recorded_at, r.score, r.first_step, r.note)
                for r in s.scalars(select(PainEntry).where(PainEntry.profile_id == pid))
            }
            for e in item.pain:
                key = _pain_key(e["recorded_at"], e["score"], e["first_step"], e["note"])
                if key in have_pain:
                    result.skipped["pain_entries"] += 1
                    continue
                have_pain.add(key)
                marks = [
                    PainMark(side=m.side, intensity=m.intensity, area_id=m.area_id, u=m.u, v=m.v)
                    for m in e["marks"]
                ]
                s.add(PainEntry(profile_id=pid, **{k: v for k, v in e.items() if k != "marks"}, marks=marks))
                result.added["pain_entries"] += 1
            have_sessions = {
                (r.started_at.astimezone(dt.UTC).replace(microsecond=0), r.routine_id)
                for r in s.scalars(select(SessionLog).where(SessionLog.profile_id == pid))
            }
            for row in item.sessions:
                key = (row["started_at"].astimezone(dt.UTC).replace(microsecond=0), row["routine_id"])
                if key in have_sessions:
                    result.skipped["sessions"] += 1
                    continue
                have_sessions.add(key)
                s.add(SessionLog(profile_id=pid, **row))
                result.added["sessions"] += 1
            have_functions = {
                (r.recorded_at.astimezone(dt.UTC).replace(microsecond=0), r.activity, r.score)
                for r in s.scalars(select(FunctionScore).where(FunctionScore.profile_id == pid))
            }
            for row in item.functions:
                key = (
                    row["recorded_at"].astimezone(dt.UTC).replace(microsecond=0),
                    row["activity"],
                    row["score"],
                )
                if key in have_functions:
                    result.skipped["function_scores"] += 1
                    continue
                have_functions.add(key)
                s.add(FunctionScore(profile_id=pid, **row))
                result.added["function_scores"] += 1
        s.flush()

    run_write(db, "import the file", work)
    return result


def import_file(db: Database, path: str | Path, **options: Any) -> ImportResult:
    """Import a JSON export file; errors name the file's problem (``file``) or the bad field."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ImportFileError("file", f"cannot read {path}: {exc.strerror or exc}") from None
    if size > MAX_FILE_BYTES:
        raise ImportFileError("file", f"{path.name} is {size // 1_000_000} MB; a diary export is far smaller")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError("file", f"{path.name} is not UTF-8 text (is it the JSON export?)") from None
    except OSError as exc:
        raise ImportFileError("file", f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFileError(
            "file", f"{path.name} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    return import_data(db, data, **options)
