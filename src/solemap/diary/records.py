"""Plain records read from (and written to) the diary, detached from any database session.

Each record has ``to_json()``; the JSON export is a list of these, and the importer reads
them back through the same validation as fresh entries.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping
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


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def feedback_summary(feedback: Mapping[str, Any] | None) -> str | None:
    """One line about stored session feedback (``SessionFeedback.to_json()``), or None without any.

    Reads only what is there: feedback attached by hand may lack any of the usual keys.
    """
    if not feedback:
        return None if feedback is None else "feedback stored (empty)"
    raw_steps = feedback.get("steps")
    steps = [s for s in raw_steps if isinstance(s, Mapping)] if isinstance(raw_steps, list) else []
    parts: list[str] = []
    foot = feedback.get("foot")
    head = f"tracked {foot} foot" if isinstance(foot, str) and foot else "tracked"
    tracked = _number(feedback.get("tracked_s"))
    planned = [p for p in (_number(s.get("planned_s")) for s in steps) if p is not None]
    if tracked is not None and planned:
        head += f": {tracked:.0f} s of rolling for {sum(planned):.0f} s planned"
    elif tracked is not None:
        head += f": {tracked:.0f} s of rolling"
    if steps:
        head += f" ({_plural(len(steps), 'step')} checked)"
    parts.append(head)
    shares = [
        (spent / planned, s, spent, planned)
        for s in steps
        if (planned := _number(s.get("planned_s"))) and (spent := _number(s.get("spent_s"))) is not None
    ]
    if shares:
        _, least, spent, planned = min(shares, key=lambda x: x[0])
        title = least.get("title") if isinstance(least.get("title"), str) else least.get("step")
        parts.append(f"least against plan: {title or 'one step'} ({spent:.0f} of {planned:.0f} s)")
    pace = sum(1 for s in steps if s.get("speed_verdict") in ("too fast", "too slow"))
    if pace:
        parts.append(f"pace off the guide in {_plural(pace, 'step')}")
    harder = sum(1 for s in steps if s.get("pressure_verdict") == "above")
    if harder:
        parts.append(f"pressed harder than planned in {_plural(harder, 'step')}")
    never = {a for s in steps if isinstance(s.get("never_reached"), list) for a in s["never_reached"]}
    if never:
        parts.append(f"{_plural(len(never), 'target area')} never reached")
    confidence = _number(feedback.get("confidence"))
    if confidence is not None and confidence < 0.5:
        parts.append(f"may not be a ball session (confidence {confidence:.2f})")
    return "; ".join(parts)


def feedback_sentences(feedback: Mapping[str, Any] | None) -> tuple[str, ...]:
    """The plain sentences of stored feedback (its ``sentences`` list), stripped of indentation."""
    if not feedback or not isinstance(feedback.get("sentences"), list):
        return ()
    return tuple(s.strip() for s in feedback["sentences"] if isinstance(s, str) and s.strip())


def feedback_paragraphs(feedback: Mapping[str, Any] | None) -> tuple[str, ...]:
    """The sentences grouped for reading: an indented detail joins the sentence it belongs to."""
    if not feedback or not isinstance(feedback.get("sentences"), list):
        return ()
    out: list[str] = []
    for line in feedback["sentences"]:
        if not isinstance(line, str) or not line.strip():
            continue
        if line[:1].isspace() and out:
            out[-1] = f"{out[-1]} {line.strip()}"
        else:
            out.append(line.strip())
    return tuple(out)


@dataclass(frozen=True, slots=True)
class SessionEntry:
    """One rolling session; ``pain_reports`` are ``{"at_s", "step", "score"}`` dicts from the player.

    ``feedback`` is the structured result of a tracked session (``solemap.feedback``), a JSON
    object, or None.
    """

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
    feedback: dict[str, Any] | None = None

    @property
    def has_feedback(self) -> bool:
        return self.feedback is not None

    @property
    def feedback_summary(self) -> str | None:
        """One line about the stored feedback (see :func:`feedback_summary`)."""
        return feedback_summary(self.feedback)

    @property
    def feedback_sentences(self) -> tuple[str, ...]:
        return feedback_sentences(self.feedback)

    @property
    def feedback_paragraphs(self) -> tuple[str, ...]:
        return feedback_paragraphs(self.feedback)

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
            "feedback": copy.deepcopy(self.feedback),
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
