"""A routine put into words for people: names instead of ids, one view shared by every front end.

The terminal player, the web player, class mode and the printed handout all show the same text for
a step (the areas by name, the tool, the side, the time, the load). It is built here once so the
front ends cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from solemap.atlas import Atlas, load_atlas
from solemap.routines.model import Routine, Step
from solemap.routines.tools import Catalog, Technique, Tool, load_catalog

SIDE_TEXT: dict[str, str] = {
    "left": "left foot",
    "right": "right foot",
    "both": "left foot, then right foot",
    "alternate": "alternating feet",
}

TRADITION_NOTE = (
    "Reflexology is a traditional practice. The links it draws between areas of the sole and organs "
    "have not been shown in trials; enjoy it as foot massage, and do not use it to judge your health."
)


def duration_text(seconds: float) -> str:
    """``90`` → ``"1 min 30 s"``, ``45`` → ``"45 s"``, ``120`` → ``"2 min"``."""
    seconds = round(seconds)
    minutes, rest = divmod(seconds, 60)
    if not minutes:
        return f"{rest} s"
    return f"{minutes} min" + (f" {rest} s" if rest else "")


def clock_text(seconds: float) -> str:
    """A countdown face: ``75.2`` → ``"1:16"`` (rounded up, so 0:00 shows only at the end)."""
    whole = max(0, int(-(-seconds // 1)))
    return f"{whole // 60}:{whole % 60:02d}"


@dataclass(frozen=True, slots=True)
class AreaView:
    id: str
    name: str
    layer: str
    off_sole: bool
    location: str
    evidence: str


@dataclass(frozen=True, slots=True)
class StepView:
    """One step with everything a player prints: ``number`` counts from 1."""

    number: int
    step: Step
    areas: tuple[AreaView, ...]
    tool: Tool | None
    technique: Technique

    @property
    def area_text(self) -> str:
        parts = []
        for a in self.areas:
            parts.append(f"{a.name} ({a.location})" if a.off_sole and a.location else a.name)
        return "; ".join(parts)

    @property
    def tool_text(self) -> str:
        if self.tool is None:
            return "no tool"
        size = self.tool.size_text()
        return f"{self.tool.name}" + (f", {size}" if size else "")

    @property
    def side_text(self) -> str:
        return SIDE_TEXT[self.step.side]

    @property
    def time_text(self) -> str:
        per_foot = duration_text(self.step.duration_s)
        return per_foot if self.step.side in ("left", "right") else f"{per_foot} per foot"

    @property
    def on_sole_ids(self) -> list[str]:
        """Area ids that have a place on the sole map (the others are drawn as a caption)."""
        return [a.id for a in self.areas if not a.off_sole]

    def to_json(self) -> dict[str, Any]:
        s = self.step
        return {
            "number": self.number,
            "id": s.id,
            "title": s.title,
            "side": s.side,
            "side_text": self.side_text,
            "areas": [
                {"id": a.id, "name": a.name, "layer": a.layer, "off_sole": a.off_sole, "location": a.location}
                for a in self.areas
            ],
            "area_text": self.area_text,
            "tool": None if self.tool is None else {"id": self.tool.id, "name": self.tool.name},
            "tool_text": self.tool_text,
            "technique": {"id": self.technique.id, "name": self.technique.name, "how": self.technique.how},
            "duration_s": s.duration_s,
            "time_text": self.time_text,
            "load": s.load.text(),
            "breathing": s.breathing,
            "pain_ceiling": s.pain_ceiling,
            "instruction": s.instruction,
            "evidence": s.evidence,
            "sources": [s_key for s_key in s.sources],
        }


@dataclass(frozen=True, slots=True)
class RoutineView:
    routine: Routine
    steps: tuple[StepView, ...]

    @property
    def total_text(self) -> str:
        return duration_text(self.routine.total_s)

    @property
    def layers(self) -> list[str]:
        """Atlas layers the routine's on-sole areas belong to (for drawing the map)."""
        out: list[str] = []
        for sv in self.steps:
            for a in sv.areas:
                if not a.off_sole and a.layer not in out:
                    out.append(a.layer)
        return out

    def to_json(self) -> dict[str, Any]:
        r = self.routine
        return {
            "id": r.id,
            "title": r.title,
            "summary": r.summary,
            "purpose": r.purpose,
            "tradition": r.tradition,
            "tradition_note": TRADITION_NOTE if r.tradition else "",
            "evidence": r.evidence,
            "note": r.note,
            "total_s": r.total_s,
            "total_text": self.total_text,
            "pace": r.pace.pacer().to_json(),
            "sources": dict(r.sources),
            "steps": [s.to_json() for s in self.steps],
            "blocks": [b.to_json() for b in r.blocks()],
        }


def describe(routine: Routine, atlas: Atlas | None = None, catalog: Catalog | None = None) -> RoutineView:
    """Resolve a (validated) routine's ids into names."""
    atlas = atlas if atlas is not None else load_atlas()
    catalog = catalog if catalog is not None else load_catalog()
    views = []
    for n, step in enumerate(routine.steps, 1):
        areas = []
        for area_id in step.areas:
            a = atlas.get(area_id)
            areas.append(AreaView(a.id, a.name, a.layer, a.off_sole, a.location, a.evidence))
        views.append(
            StepView(
                number=n,
                step=step,
                areas=tuple(areas),
                tool=None if step.tool is None else catalog.tool(step.tool),
                technique=catalog.technique(step.technique),
            )
        )
    return RoutineView(routine, tuple(views))
