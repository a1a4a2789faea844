"""Numbers behind the diary's pictures: first-step trend, session calendar, pain map, before/after.

Everything here is plain description of what was recorded. The before/after comparison reports
averages on each side of a date; it does not and cannot say what caused a difference.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
import yaml
from numpy.typing import NDArray

from solemap.diary.records import PainRecord, SessionEntry

#: Layers a pain map is drawn on, in order of preference: regions a clinician names, not reflex zones.
PAIN_MAP_LAYERS = ("pressure-regions", "anatomy", "reflexology-coarse")


@functools.cache
def reference() -> dict[str, Any]:
    """Reference values with sources (``data/reference.yaml``), loaded on first use."""
    text = resources.files("solemap.diary").joinpath("data/reference.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def mcid() -> float:
    """Minimal important change of first-step pain on the 0–10 scale (Landorf et al. 2010)."""
    return float(reference()["first_step_pain_mcid"]["value_0_10"])


# --- first-step trend ----------------------------------------------------------------------------


def first_step_daily(
    entries: Iterable[PainRecord], since: dt.date | None = None, until: dt.date | None = None
) -> pd.DataFrame:
    """One row per calendar day from ``since`` to ``until`` (default: first to last rating).

    Columns: ``score`` (the day's first-step rating; the mean if several were logged, NaN if none)
    and ``rolling`` (the mean over that day and the 6 before it, where enough days have a rating).
    """
    by_day: dict[dt.date, list[int]] = defaultdict(list)
    for e in entries:
        if e.first_step:
            by_day[e.day].append(e.score)
    if not by_day and (since is None or until is None):
        return pd.DataFrame({"score": pd.Series(dtype=float), "rolling": pd.Series(dtype=float)})
    start = since or min(by_day)
    end = until or max(by_day)
    index = pd.date_range(start, end, freq="D")
    scores = pd.Series(
        [float(np.mean(by_day[d.date()])) if d.date() in by_day else np.nan for d in index], index=index
    )
    ref = reference()
    rolling = scores.rolling(int(ref["rolling_window_days"]), min_periods=int(ref["rolling_min_days"])).mean()
    return pd.DataFrame({"score": scores, "rolling": rolling})


# --- sessions calendar ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CalendarDay:
    day: dt.date
    finished: int
    abandoned: int
    minutes: float
    in_period: bool

    @property
    def sessions(self) -> int:
        return self.finished + self.abandoned


@dataclass(frozen=True)
class Calendar:
    """Sessions per day in whole weeks (Monday first) covering ``since``..``until``."""

    since: dt.date
    until: dt.date
    weeks: list[list[CalendarDay]]

    @property
    def days_in_period(self) -> int:
        return (self.until - self.since).days + 1

    @property
    def days_with_session(self) -> int:
        return sum(1 for w in self.weeks for d in w if d.in_period and d.sessions)

    @property
    def adherence(self) -> float:
        """Share of days in the period with at least one session (finished or not)."""
        return self.days_with_session / self.days_in_period if self.days_in_period else 0.0


def session_calendar(sessions: Iterable[SessionEntry], since: dt.date, until: dt.date) -> Calendar:
    """Count sessions per day between ``since`` and ``until``."""
    if until < since:
        raise ValueError("the calendar's end date is before its start date")
    counts: dict[dt.date, list[float]] = defaultdict(lambda: [0, 0, 0.0])
    for s in sessions:
        c = counts[s.day]
        c[0 if s.outcome == "finished" else 1] += 1
        c[2] += s.duration_s / 60.0
    first = since - dt.timedelta(days=since.weekday())
    last = until + dt.timedelta(days=6 - until.weekday())
    weeks: list[list[CalendarDay]] = []
    day = first
    while day <= last:
        week = []
        for _ in range(7):
            c = counts.get(day, [0, 0, 0.0])
            week.append(CalendarDay(day, int(c[0]), int(c[1]), float(c[2]), since <= day <= until))
            day += dt.timedelta(days=1)
        weeks.append(week)
    return Calendar(since, until, weeks)


# --- before / after ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoutineChange:
    day: dt.date
    before: str
    after: str


def routine_changes(sessions: Sequence[SessionEntry]) -> list[RoutineChange]:
    """Days on which the routine used changed from the one used before."""
    changes = []
    for prev, cur in itertools.pairwise(sessions):
        if cur.routine_id != prev.routine_id:
            changes.append(RoutineChange(cur.day, prev.routine_id, cur.routine_id))
    return changes


@dataclass(frozen=True)
class Comparison:
    """First-step pain in the ``days`` days before ``change_day`` and from it on."""

    change_day: dt.date
    days: int
    before_n: int
    after_n: int
    before_mean: float | None
    after_mean: float | None
    mcid: float = field(default_factory=mcid)

    @property
    def difference(self) -> float | None:
        """After minus before (negative = lower pain after)."""
        if self.before_mean is None or self.after_mean is None:
            return None
        return self.after_mean - self.before_mean

    def describe(self) -> str:
        """Plain words for people, describing and never attributing cause."""
        before_span = f"{self.days} days before {self.change_day:%d %b %Y}"
        if self.before_mean is None or self.after_mean is None:
            return (
                f"Not enough first-step ratings to compare: {self.before_n} in the {before_span}, "
                f"{self.after_n} in the {self.days} days from then on."
            )
        diff = self.after_mean - self.before_mean
        if abs(diff) < 0.05:
            direction = "about the same"
        else:
            direction = f"{abs(diff):.1f} points {'lower' if diff < 0 else 'higher'}"
        size = "at least as large as" if abs(diff) >= self.mcid else "smaller than"
        return (
            f"First-step pain averaged {self.before_mean:.1f}/10 over {self.before_n} mornings in the "
            f"{before_span} and {self.after_mean:.1f}/10 over {self.after_n} mornings in the {self.days} "
            f"days from then on: {direction}. That change is {size} the {self.mcid:.0f} points that "
            "people with heel pain have, on average, called a meaningful change. This describes the "
            "two periods only; many things change over weeks (and heel pain often eases with time), "
            "so it does not show what caused any difference."
        )


def compare_before_after(entries: Iterable[PainRecord], change_day: dt.date, days: int = 14) -> Comparison:
    """Mean first-step pain over ``days`` days before ``change_day`` and ``days`` days from it on."""
    if days < 1:
        raise ValueError("the comparison window must be at least one day")
    daily = first_step_daily(entries)
    if daily.empty:
        return Comparison(change_day, days, 0, 0, None, None)
    change = pd.Timestamp(change_day)
    before = daily.loc[change - pd.Timedelta(days=days) : change - pd.Timedelta(days=1), "score"].dropna()
    after = daily.loc[change : change + pd.Timedelta(days=days - 1), "score"].dropna()
    # Fewer than 3 mornings on a side is too thin to average.
    return Comparison(
        change_day,
        days,
        len(before),
        len(after),
        float(before.mean()) if len(before) >= 3 else None,
        float(after.mean()) if len(after) >= 3 else None,
    )


# --- pain map -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AreaPain:
    """Pain reported in one area of the map layer on one foot over a period."""

    area_id: str
    name: str
    side: str
    reports: int
    mean_intensity: float
    max_intensity: int


@dataclass(frozen=True)
class PainMap:
    """Per-area pain of a period on one layer; ``unplaced`` counts marks off the sole or outside the layer."""

    layer: str
    areas: list[AreaPain]
    unplaced: int

    def rasters(self, resolution: tuple[int, int] = (160, 64)) -> dict[str, NDArray[np.float64]]:
        """{side: (nu, nv) raster} of mean intensity over uv (NaN where nothing was reported)."""
        import shapely

        from solemap.atlas import load_atlas

        atlas = load_atlas()
        nu, nv = resolution
        uu, vv = np.meshgrid((np.arange(nu) + 0.5) / nu, (np.arange(nv) + 0.5) / nv, indexing="ij")
        out = {}
        for side in ("left", "right"):
            raster = np.full((nu, nv), np.nan)
            # Larger areas first, so a small area inside a larger one stays visible on top.
            items = [a for a in self.areas if a.side == side]
            items.sort(key=lambda a: -(atlas.get(a.area_id).geometry.area or 0.0))
            for item in items:
                geom = atlas.get(item.area_id).geometry
                raster[shapely.contains_xy(geom, uu, vv)] = item.mean_intensity
            out[side] = raster
        return out


def choose_layer(layer: str | None = None) -> str:
    """``layer`` if it exists in the atlas, else the first of :data:`PAIN_MAP_LAYERS` that does."""
    from solemap.atlas import load_atlas

    atlas = load_atlas()
    if layer is not None:
        if layer not in atlas.layers:
            raise ValueError(f"layer: unknown layer {layer!r}; layers: {', '.join(atlas.layers)}")
        return layer
    for candidate in PAIN_MAP_LAYERS:
        if candidate in atlas.layers:
            return candidate
    return next(iter(atlas.layers))


def _containing(point: tuple[float, float], members: Sequence[Any]) -> list[str]:
    """Areas under a point; a point on a shared border counts for every area it touches."""
    import shapely

    return [a.id for a in members if shapely.intersects_xy(a.geometry, point[0], point[1])]


def _overlapping(geometry: Any, members: Sequence[Any], share: float = 0.2) -> list[str]:
    """Areas covering at least ``share`` of ``geometry`` (else the one covering most of it)."""
    overlaps = [(a.id, geometry.intersection(a.geometry).area / geometry.area) for a in members]
    overlaps = [o for o in overlaps if o[1] > 0]
    chosen = [a for a, f in overlaps if f >= share]
    if not chosen and overlaps:
        chosen = [max(overlaps, key=lambda o: o[1])[0]]
    return chosen


def pain_map(entries: Iterable[PainRecord], layer: str | None = None) -> PainMap:
    """Gather every mark of ``entries`` into the areas of ``layer`` (per foot).

    A mark on an area of another layer counts for the layer areas that cover at least a fifth
    of it (or the one covering most); a point counts for the areas it lies in. Each area's value
    is the mean intensity of the marks that fell in it, so a place that hurt often and a place
    that hurt once at the same intensity look alike; ``reports`` tells them apart.
    """
    from solemap.atlas import load_atlas

    atlas = load_atlas()
    layer = choose_layer(layer)
    members = {
        side: [a for a in atlas.areas_in(layer=layer, side=side) if a.geometry is not None]
        for side in ("left", "right")
    }
    gathered: dict[tuple[str, str], list[int]] = defaultdict(list)
    unplaced = 0
    for entry in entries:
        for mark in entry.marks:
            sides = ("left", "right") if mark.side == "both" else (mark.side,)
            targets: list[tuple[str, str]] = []
            if mark.area_id is not None and mark.area_id in atlas.areas:
                area = atlas.get(mark.area_id)
                if area.layer == layer:
                    targets = [(area.id, s) for s in sides if area.side in (s, "both")]
                elif area.geometry is not None and area.geometry.area > 0:
                    targets = [(a, s) for s in sides for a in _overlapping(area.geometry, members[s])]
                elif area.centroid is not None:
                    targets = [(a, s) for s in sides for a in _containing(area.centroid, members[s])]
            elif mark.u is not None and mark.v is not None:
                targets = [(a, s) for s in sides for a in _containing((mark.u, mark.v), members[s])]
            for target in targets:
                gathered[target].append(mark.intensity)
            unplaced += 0 if targets else 1
    areas = [
        AreaPain(
            area_id=area_id,
            name=atlas.get(area_id).name,
            side=side,
            reports=len(values),
            mean_intensity=float(np.mean(values)),
            max_intensity=int(max(values)),
        )
        for (area_id, side), values in gathered.items()
    ]
    areas.sort(key=lambda a: (-a.mean_intensity, -a.reports, a.area_id, a.side))
    return PainMap(layer, areas, unplaced)


def summary(entries: Sequence[PainRecord], sessions: Sequence[SessionEntry]) -> Mapping[str, Any]:
    """A few headline numbers of a period for the report and the web page."""
    daily = first_step_daily(entries)
    scores = daily["score"].dropna() if not daily.empty else pd.Series(dtype=float)
    first_week = scores.iloc[:7] if len(scores) else scores
    last_week = scores.iloc[-7:] if len(scores) else scores
    return {
        "mornings": len(scores),
        "first_step_mean": float(scores.mean()) if len(scores) else None,
        "first_week_mean": float(first_week.mean()) if len(first_week) else None,
        "last_week_mean": float(last_week.mean()) if len(last_week) else None,
        "pain_entries": len(entries),
        "sessions": len(sessions),
        "sessions_finished": sum(1 for s in sessions if s.outcome == "finished"),
        "session_minutes": sum(s.duration_s for s in sessions) / 60.0,
    }
