"""Plain records read from (and written to) the diary, detached from any database session.

Each record has ``to_json()``; the JSON export is a list of these, and the importer reads
them back through the same validation as fresh entries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Mark:
    """Where it hurt: an atlas ``area_id`` or a point ``(u, v)`` in the plantar frame.

    ``side`` is the foot (``left``, ``right``, or ``both`` for an area felt under both feet);
    ``intensity`` is 0–10 like the overall rating.
    """

    side: str
    intensity: int
    area_id: str | None = None
    u: float | None = None
    v: float | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"side": self.side, "intensity": self.intensity}
        if self.area_id is not None:
            out["area"] = self.area_id
        if self.u is not None and self.v is not None:
            out["u"] = self.u
            out["v"] = self.v
        return out

    @property
    def label(self) -> str:
        """Short text: the area id, or the point as ``u=0.12 v=0.40``."""
        if self.area_id:
            return self.area_id
        return f"u={self.u:.2f} v={self.v:.2f}"


@dataclass(frozen=True, slots=True)
class PainRecord:
    """One pain report; ``first_step`` marks the rating of the first steps of the morning."""

    id: int
    recorded_at: dt.datetime
    day: dt.date
    score: int
    first_step: bool
    side: str | None = None
    quality: str | None = None
    note: str | None = None
    marks: tuple[Mark, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "recorded_at": self.recorded_at.isoformat(),
            "day": self.day.isoformat(),
            "score": self.score,
            "first_step": self.first_step,
            "side": self.side,
            "quality": self.quality,
            "note": self.note,
            "marks": [m.to_json() for m in self.marks],
        }


@dataclass(frozen=True, slots=True)
class SessionEntry:
    """One rolling session; ``pain_reports`` are ``{"at_s", "step", "score"}`` dicts from the player."""

    id: int
    routine_id: str
    started_at: dt.datetime
    ended_at: dt.datetime | None
    day: dt.date
    duration_s: float
    steps_done: int
    steps_total: int | None
    outcome: str
    source: str
    pain_reports: tuple[dict[str, Any], ...] = field(default=())
    note: str | None = None

    @property
    def max_pain(self) -> int | None:
        """The highest pain reported during the session, if any was."""
        scores = [int(r["score"]) for r in self.pain_reports if r.get("score") is not None]
        return max(scores) if scores else None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "routine_id": self.routine_id,
            "started_at": self.started_at.isoformat(),
            "ended_at": self.ended_at.isoformat() if self.ended_at else None,
            "day": self.day.isoformat(),
            "duration_s": self.duration_s,
            "steps_done": self.steps_done,
            "steps_total": self.steps_total,
            "outcome": self.outcome,
            "source": self.source,
            "pain_reports": [dict(r) for r in self.pain_reports],
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class FunctionRecord:
    """A patient-specific functional scale score: one activity rated 0 (cannot) to 10 (as before)."""

    id: int
    recorded_at: dt.datetime
    day: dt.date
    activity: str
    score: int
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "recorded_at": self.recorded_at.isoformat(),
            "day": self.day.isoformat(),
            "activity": self.activity,
            "score": self.score,
            "note": self.note,
        }
