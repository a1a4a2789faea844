"""Session feedback: a tracked ball session compared with the routine it was meant to follow.

>>> from solemap.recordings import read_recording
>>> from solemap.recordings.tracking import track_ball
>>> from solemap.feedback import session_feedback
>>> fb = session_feedback(track_ball(read_recording("roll.npz")), "full-sole-smr")  # doctest: +SKIP
>>> print("\\n".join(fb.sentences))                                                   # doctest: +SKIP

For every step of the routine that a ball on this foot's sole can show (a tool with a diameter
and at least one target area on the sole of the tracked foot):

* **time**: planned seconds per foot against the seconds the ball's centre spent inside any of
  the step's target areas, over the whole recording (the recording does not say which step was
  running, so two steps that share an area both count that time), and per target area;
* **pace**: the median rolling speed while inside the step's areas against the range the step's
  technique implies (:data:`TECHNIQUE_SPEED_MM_S`, expert-opinion, derived from the technique
  texts of the tools catalog);
* **pressure**: the 90th percentile of the mean pressure under the ball while inside the step's
  areas against the range :mod:`solemap.contact` expects for the step's tool and planned load
  (seated, or a share of body weight). Above it means pressing harder than the step plans. There
  is no validated pain threshold in kPa for the sole (contact data file), so this is never called
  unsafe — only "harder than planned"; pain is the user's own report.

The result is JSON-ready (:meth:`SessionFeedback.to_json`). The diary stores it with a session
(``Diary.log_session(..., feedback=fb.to_json())`` or ``Diary.attach_feedback``);
``solemap track FILE --routine ID --save-session`` does both steps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from solemap.atlas import load_atlas
from solemap.contact import GRAVITY, contact_data, expected_pressure_kpa
from solemap.recordings.tracking import BallTrack, membership, track_svg
from solemap.routines import Routine, get_routine, load_catalog, load_routines

__all__ = [
    "TECHNIQUE_SPEED_MM_S",
    "SessionFeedback",
    "StepFeedback",
    "feedback_svg",
    "session_feedback",
    "suggest_steps",
]

#: Comfortable rolling speed per technique, (low, high) mm/s — expert-opinion, derived here:
#: * slow-rolls: "about three seconds each way" from the front of the heel to the ball of the foot
#:   (tools.yaml), ≈ 100 mm (u 0.25 → 0.65 of a 259 mm foot) in 3 s ≈ 35 mm/s; half to double.
#: * cross-fibre: strokes across the sole (≈ 40–60 mm) at about one a second (assumed); half to double.
#: * circles: "small slow circles … about a coin's width" (≈ 25 mm: ≈ 80 mm around) in 2–4 s
#:   (assumed) ≈ 20–40 mm/s; half to one and a half times.
#: * static-pressure: "stay there": a hold; drifting faster than 10 mm/s is not a hold.
TECHNIQUE_SPEED_MM_S: dict[str, tuple[float, float]] = {
    "slow-rolls": (15.0, 70.0),
    "cross-fibre": (20.0, 120.0),
    "circles": (10.0, 60.0),
    "static-pressure": (0.0, 10.0),
}
SPEED_EVIDENCE = "expert-opinion"


@dataclass
class StepFeedback:
    """Feedback for one routine step (times in s, speeds in mm/s, pressures in kPa)."""

    step_id: str
    title: str
    tool: str | None
    technique: str
    areas: list[str]
    planned_s: float
    spent_s: float
    per_area_s: dict[str, float]
    never_reached: list[str]
    speed_mm_s: float | None
    speed_range: tuple[float, float] | None
    speed_verdict: str | None  # "too fast" | "too slow" | "in range" | None
    pressure_kpa: float | None
    expected_kpa: tuple[float, float] | None
    pressure_verdict: str | None  # "above" | "within" | "below" | None
    sentences: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        def r(x: float | None, d: int = 1) -> float | None:
            return None if x is None or not math.isfinite(x) else round(float(x), d)

        return {
            "step": self.step_id,
            "title": self.title,
            "tool": self.tool,
            "technique": self.technique,
            "areas": self.areas,
            "planned_s": r(self.planned_s),
            "spent_s": r(self.spent_s),
            "per_area_s": {k: r(v) for k, v in self.per_area_s.items()},
            "never_reached": self.never_reached,
            "speed_mm_s": r(self.speed_mm_s),
            "speed_range_mm_s": None if self.speed_range is None else list(self.speed_range),
            "speed_verdict": self.speed_verdict,
            "speed_evidence": SPEED_EVIDENCE if self.speed_range else None,
            "pressure_p90_kpa": r(self.pressure_kpa, 0),
            "expected_kpa": None if self.expected_kpa is None else [round(x) for x in self.expected_kpa],
            "pressure_verdict": self.pressure_verdict,
            "sentences": self.sentences,
        }


@dataclass
class SessionFeedback:
    """A tracked session against a routine: per-step feedback and plain sentences."""

    routine_id: str
    foot: str
    confidence: float
    tracked_s: float
    steps: list[StepFeedback]
    skipped: list[dict[str, str]]
    sentences: list[str]

    @property
    def target_areas(self) -> list[str]:
        return sorted({a for s in self.steps for a in s.areas})

    def to_json(self) -> dict[str, Any]:
        return {
            "routine": self.routine_id,
            "foot": self.foot,
            "confidence": round(self.confidence, 3),
            "tracked_s": round(self.tracked_s, 2),
            "steps": [s.to_json() for s in self.steps],
            "skipped": self.skipped,
            "sentences": self.sentences,
        }


def _on_sole(area_ids: tuple[str, ...], foot: str) -> tuple[list[str], list[str]]:
    atlas = load_atlas()
    on, off = [], []
    for aid in area_ids:
        area = atlas.get(aid)
        if area.geometry is None or area.off_sole:
            off.append(aid)
        elif area.side in (foot, "both"):
            on.append(aid)
    return on, off


def _inside(track: BallTrack, area_ids: list[str]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """(T,) bool: ball centre inside any of ``area_ids``; and per area."""
    atlas = load_atlas()
    det = track.detected
    uv = np.nan_to_num(track.centre_uv)
    by_layer: dict[str, list[str]] = {}
    for aid in area_ids:
        by_layer.setdefault(atlas.get(aid).layer, []).append(aid)
    per: dict[str, np.ndarray] = {}
    for layer, ids in by_layer.items():
        layer_ids, member = membership(layer, track.foot, uv[:, 0], uv[:, 1])
        index = {a: k for k, a in enumerate(layer_ids)}
        for aid in ids:
            per[aid] = (member[:, index[aid]] & det) if aid in index else np.zeros(det.shape, bool)
    union = np.zeros(det.shape, bool)
    for m in per.values():
        union |= m
    return union, per


def _reached(track: BallTrack, area_id: str, tables: dict[str, Any]) -> bool:
    """The ball's contact touched the area at least once (the tracking table's definition)."""
    layer = load_atlas().get(area_id).layer
    if layer not in tables:
        tables[layer] = track.area_table(layer).set_index("area")
    table = tables[layer]
    return bool(area_id in table.index and table.loc[area_id, "reached"])


def _force_range(step, body_mass_kg: float) -> tuple[float, float]:
    data = contact_data()
    if step.load.body_weight is not None:
        f = step.load.body_weight * body_mass_kg * GRAVITY
        return (f, f)
    if step.load.position == "seated":
        lo, hi = data["loads"]["seated_n"]["range"]
        return (float(lo), float(hi))
    # Standing without a stated share: between a light touch and half the body weight
    # (mechanics brief: standing with partial weight up to ≈ 50 % BW, estimate).
    return (0.1 * body_mass_kg * GRAVITY, 0.5 * body_mass_kg * GRAVITY)


def session_feedback(
    track: BallTrack, routine: Routine | str, body_mass_kg: float | None = None
) -> SessionFeedback:
    """Compare ``track`` with ``routine`` (an id or a :class:`~solemap.routines.Routine`)."""
    rt = get_routine(routine) if isinstance(routine, str) else routine
    mass = float(body_mass_kg or contact_data()["loads"]["default_body_mass_kg"]["value"])
    catalog = load_catalog()
    atlas = load_atlas()
    foot = track.foot
    dt = track.dt
    steps: list[StepFeedback] = []
    skipped: list[dict[str, str]] = []
    tables: dict[str, Any] = {}
    for step in rt.steps:
        tool = catalog.tool_by_id.get(step.tool) if step.tool else None
        on, _off = _on_sole(step.areas, foot)
        if step.side not in (foot, "both", "alternate"):
            skipped.append({"step": step.id, "reason": f"for the {step.side} foot only"})
            continue
        if tool is None or tool.diameter_mm is None:
            skipped.append({"step": step.id, "reason": "no ball or roller in this step, so nothing to track"})
            continue
        if not on:
            skipped.append({"step": step.id, "reason": "its areas are above the foot, off the sole sensor"})
            continue
        union, per = _inside(track, on)
        spent = float(union.sum() * dt)
        per_s = {a: float(m.sum() * dt) for a, m in per.items()}
        never = [a for a in on if not _reached(track, a, tables)]
        speed = track.speed_mm_s[union]
        speed = speed[np.isfinite(speed)]
        med = float(np.median(speed)) if speed.size else None
        rng = TECHNIQUE_SPEED_MM_S.get(step.technique)
        verdict = None
        if rng is not None and med is not None:
            verdict = "too fast" if med > rng[1] else ("too slow" if med < rng[0] else "in range")
        mean_p = track.frames.mean_kpa[union]
        mean_p = mean_p[np.isfinite(mean_p)]
        p90 = float(np.percentile(mean_p, 90)) if mean_p.size else None
        expected = expected_pressure_kpa(step.tool, _force_range(step, mass))
        pv = None
        if expected is not None and p90 is not None:
            pv = "above" if p90 > expected[1] else ("below" if p90 < expected[0] else "within")
        fb = StepFeedback(
            step.id,
            step.title,
            step.tool,
            step.technique,
            on,
            float(step.duration_s),
            spent,
            per_s,
            never,
            med,
            rng,
            verdict,
            p90,
            expected,
            pv,
        )
        fb.sentences = _step_sentences(fb, atlas, tool.name)
        steps.append(fb)
    sentences = _session_sentences(track, rt, steps, skipped)
    return SessionFeedback(rt.id, foot, track.confidence, track.tracked_s, steps, skipped, sentences)


def _names(atlas, ids: list[str]) -> str:
    names = [atlas.get(a).name for a in ids]
    return ", ".join(names[:-1]) + (" and " if len(names) > 1 else "") + names[-1] if names else ""


def _step_sentences(fb: StepFeedback, atlas, tool_name: str) -> list[str]:
    out = []
    share = fb.spent_s / fb.planned_s if fb.planned_s else float("nan")
    out.append(
        f"{fb.title}: planned {fb.planned_s:.0f} s on this foot, the ball spent {fb.spent_s:.0f} s "
        f"on {_names(atlas, fb.areas)} ({share:.0%} of the plan)."
    )
    if fb.never_reached:
        out.append(f"  Never touched by the ball: {_names(atlas, fb.never_reached)}.")
    if fb.speed_verdict in ("too fast", "too slow") and fb.speed_range and fb.speed_mm_s is not None:
        lo, hi = fb.speed_range
        what = "hold still" if fb.technique == "static-pressure" else f"roll at about {lo:.0f}–{hi:.0f} mm/s"
        out.append(
            f"  Rolling was {fb.speed_verdict} there: median {fb.speed_mm_s:.0f} mm/s, where this technique "
            f"would {what} (a rough guide, expert-opinion)."
        )
    if fb.pressure_verdict == "above" and fb.expected_kpa and fb.pressure_kpa is not None:
        lo, hi = fb.expected_kpa
        out.append(
            f"  Pressure under the {tool_name.lower()} reached about {fb.pressure_kpa:.0f} kPa, above the "
            f"{lo:.0f}–{hi:.0f} kPa expected at the planned load: you pressed harder than the step asks."
        )
    elif fb.expected_kpa is None and fb.pressure_kpa is not None:
        out.append(
            f"  Pressure under the {tool_name.lower()} reached about {fb.pressure_kpa:.0f} kPa "
            "(no estimate for this tool to compare with)."
        )
    return out


def _session_sentences(track: BallTrack, rt: Routine, steps: list[StepFeedback], skipped) -> list[str]:
    out = []
    if not track.looks_like_ball:
        out.append(
            f"This recording does not look like a ball session (confidence {track.confidence:.2f}); "
            "the comparison below is unlikely to mean much."
        )
    planned = sum(s.planned_s for s in steps)
    out.append(
        f"Routine '{rt.title}': {len(steps)} step(s) can be checked on the {track.foot} sole; "
        f"{planned:.0f} s planned, {track.tracked_s:.0f} s of rolling recorded."
    )
    for s in steps:
        out.extend(s.sentences)
    if skipped:
        out.append(
            f"Not checked: {', '.join(s['step'] for s in skipped)} (no ball on the sole in those steps)."
        )
    return out


def feedback_svg(track: BallTrack, fb: SessionFeedback, title: str | None = None) -> str:
    """The tracked path over the layer of the routine's target areas, targets highlighted."""
    atlas = load_atlas()
    targets = fb.target_areas
    layers = [atlas.get(a).layer for a in targets]
    layer = max(set(layers), key=layers.count) if layers else "pressure-regions"
    return track_svg(
        track,
        layer,
        highlight=[a for a in targets if atlas.get(a).layer == layer],
        title=title or f"Session vs routine '{fb.routine_id}'",
    )


def suggest_steps(area_ids: list[str]) -> list[dict[str, Any]]:
    """Shipped routine steps whose target areas include any of ``area_ids`` (e.g. the areas under
    strain peaks): ``[{"routine", "step", "title", "areas", "evidence"}]``."""
    wanted = set(area_ids)
    out = []
    for rid, loaded in load_routines().items():
        for step in loaded.routine.steps:
            hit = [a for a in step.areas if a in wanted]
            if hit:
                out.append(
                    {
                        "routine": rid,
                        "step": step.id,
                        "title": step.title,
                        "areas": hit,
                        "evidence": step.evidence,
                    }
                )
    return out
