"""Strain peaks: the local maxima of a standing foot's pressure map, placed in every atlas layer.

An exploratory look at a hypothesis, not a finding. Ida Rolf proposed that reflex points are
"peaks of strain", where gravity's load inserts into the body; that is a practitioner's claim
(``expert-opinion``, ``../shared/domain/anatomy-and-trigger-points.md``: no trial found). This
module only shows where one standing recording has its pressure peaks and which areas of each map
lie under them. That a peak falls in a reflex area is expected by chance alone: the heel and the
metatarsal heads carry most of the weight of any standing foot, and the reflexology chart covers
the whole sole, so every peak lands in some area.

Method
------
1. The map: per-sensel pressure–time integral (``Σ_t p Δt``, kPa·s, "per-sensor PTI map" of
   pressure-metrics.md) or mean pressure (kPa), over the whole recording.
2. Smoothing: a Gaussian of ``smooth_mm`` (default 5 mm, one F-Scan sensel) that ignores missing
   cells (normalised convolution), so single noisy sensels do not make peaks.
3. Peaks: local maxima with their topographic **prominence** (height above the highest saddle
   that connects them to a higher peak; the highest peak's prominence is its height above zero),
   computed exactly by a union–find sweep from the highest cell down (8-neighbour connectivity).
   Peaks below ``min_prominence`` (default 10 % of the map's maximum) are dropped: noise makes
   small bumps, not prominent ones.
4. Position: sub-sensel by a parabola through the peak and its neighbours in each grid direction,
   then through the registration into foot_mm and uv, and :func:`solemap.lookup.where` names the
   areas under it in every layer.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from solemap.recordings.core import Recording, RecordingError
from solemap.recordings.registration import Registration, register_footprint

__all__ = [
    "EVIDENCE",
    "HYPOTHESIS",
    "PeakResult",
    "StrainPeak",
    "find_peaks_2d",
    "peak_population",
    "peaks_svg",
    "smooth_nan",
    "strain_peaks",
]

#: Evidence label of the idea being looked at (Rolf's claim; anatomy-and-trigger-points.md).
EVIDENCE = "expert-opinion"
#: The sentence every output carries.
HYPOTHESIS = (
    "Exploratory look at a hypothesis, not a finding: Ida Rolf's idea that reflex points are "
    "'peaks of strain' is a practitioner's claim (expert-opinion; no trial found). The peaks below "
    "are where this foot pressed hardest while standing. Their falling inside reflex areas proves "
    "nothing: the heel and the ball of the foot carry most of anyone's weight, and the reflex "
    "chart covers the whole sole, so every peak lands in some area."
)


@dataclass(frozen=True)
class StrainPeak:
    """One peak. ``row``/``col`` fractional grid position; ``u``/``v`` on the foot; ``value`` the
    smoothed map there (``unit``); ``prominence`` in the same unit; ``areas`` layer id → area ids."""

    rank: int
    row: float
    col: float
    u: float
    v: float
    value: float
    prominence: float
    areas: dict[str, list[str]]

    def to_json(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "row": round(self.row, 3),
            "col": round(self.col, 3),
            "u": round(self.u, 4),
            "v": round(self.v, 4),
            "value": round(self.value, 3),
            "prominence": round(self.prominence, 3),
            "areas": self.areas,
        }


@dataclass(eq=False)
class PeakResult:
    """Peaks of one side. ``map`` and ``smoothed`` are (R, C) in ``unit``."""

    side: str
    registration: Registration
    metric: str
    unit: str
    map: np.ndarray
    smoothed: np.ndarray
    peaks: list[StrainPeak]
    min_prominence: float
    source: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def foot(self) -> str:
        return self.registration.side

    def area_ids(self) -> list[str]:
        """Every area id under any peak (all layers), in first-seen order."""
        seen: dict[str, None] = {}
        for p in self.peaks:
            for ids in p.areas.values():
                for a in ids:
                    seen.setdefault(a, None)
        return list(seen)

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "side": self.side,
            "foot": self.foot,
            "metric": self.metric,
            "unit": self.unit,
            "min_prominence": round(self.min_prominence, 3),
            "evidence": EVIDENCE,
            "statement": HYPOTHESIS,
            "registration": self.registration.to_json(),
            "peaks": [p.to_json() for p in self.peaks],
            "notes": list(self.notes),
        }


# ------------------------------------------------------------------------------------ maths
def smooth_nan(image: np.ndarray, sigma: tuple[float, float]) -> np.ndarray:
    """Gaussian smoothing that ignores NaN cells (normalised convolution); NaN stays NaN.

    image : (R, C); sigma : (rows, cols) in cells.
    """
    from scipy.ndimage import gaussian_filter

    img = np.asarray(image, dtype=np.float64)
    ok = np.isfinite(img)
    if sigma[0] <= 0 and sigma[1] <= 0:
        return img.copy()
    num = gaussian_filter(np.where(ok, img, 0.0), sigma, mode="constant")
    den = gaussian_filter(ok.astype(np.float64), sigma, mode="constant")
    with np.errstate(invalid="ignore", divide="ignore"):
        out = num / den
    return np.where(ok, out, np.nan)


def find_peaks_2d(image: np.ndarray, min_prominence: float = 0.0) -> list[tuple[int, int, float, float]]:
    """Local maxima of ``image`` with their prominence, highest first.

    image : (R, C) float; NaN and values ≤ 0 count as the ground (height 0).
    Returns ``[(row, col, height, prominence), ...]`` for peaks with prominence ≥ ``min_prominence``.
    Plateaus count once. The highest peak's prominence is its height.
    """
    img = np.nan_to_num(np.asarray(image, dtype=np.float64), nan=0.0)
    img = np.maximum(img, 0.0)
    R, C = img.shape
    flat = img.reshape(-1)
    order = np.argsort(-flat, kind="stable")
    parent = np.full(flat.size, -1, dtype=np.int64)
    peak_of: dict[int, int] = {}  # component root -> its peak cell
    prom: dict[int, float] = {}

    def find(a: int) -> int:
        root = a
        while parent[root] != root:
            root = parent[root]
        while parent[a] != root:  # path compression
            parent[a], a = root, parent[a]
        return root

    for idx in order:
        h = flat[idx]
        if h <= 0.0:
            break
        i, j = divmod(int(idx), C)
        roots = set()
        for di in (-1, 0, 1):
            for dj in (-1, 0, 1):
                if di == 0 and dj == 0:
                    continue
                ii, jj = i + di, j + dj
                if 0 <= ii < R and 0 <= jj < C:
                    n = ii * C + jj
                    if parent[n] >= 0:
                        roots.add(find(n))
        parent[idx] = idx
        if not roots:
            peak_of[int(idx)] = int(idx)
            continue
        # The component with the highest peak survives; the others end at this saddle.
        ranked = sorted(roots, key=lambda r: -flat[peak_of[r]])
        keep = ranked[0]
        for r in ranked[1:]:
            pk = peak_of[r]
            prom[pk] = float(flat[pk] - h)
            parent[r] = keep
        parent[idx] = keep
    for root, pk in peak_of.items():
        if parent[root] == root and pk not in prom:
            prom[pk] = float(flat[pk])  # never merged into a higher peak: its height above ground
    out = [
        (divmod(pk, C)[0], divmod(pk, C)[1], float(flat[pk]), p)
        for pk, p in prom.items()
        if p >= min_prominence
    ]
    out.sort(key=lambda t: -t[2])
    return out


def _subcell(img: np.ndarray, i: int, j: int) -> tuple[float, float]:
    """Parabolic sub-cell refinement along rows and columns (stays within ±0.5 cell)."""
    R, C = img.shape

    def offset(a: float, b: float, c: float) -> float:
        den = a - 2 * b + c
        if not (math.isfinite(a) and math.isfinite(c)) or den >= 0:
            return 0.0
        return float(np.clip(0.5 * (a - c) / den, -0.5, 0.5))

    di = offset(img[i - 1, j], img[i, j], img[i + 1, j]) if 0 < i < R - 1 else 0.0
    dj = offset(img[i, j - 1], img[i, j], img[i, j + 1]) if 0 < j < C - 1 else 0.0
    return i + di, j + dj


# ------------------------------------------------------------------------------------ entry point
def strain_peaks(
    recording: Recording,
    side: str | None = None,
    *,
    metric: str = "pti",
    smooth_mm: float = 5.0,
    min_prominence_fraction: float = 0.1,
    registration: Registration | None = None,
    foot: str | None = None,
    layers: Iterable[str] | None = None,
) -> PeakResult:
    """Peaks of a (quiet-standing) grid recording, with the areas under each in every layer.

    Parameters
    ----------
    recording : a grid recording, kPa.
    side : which side (default: the first); ``foot`` names the foot of an "unknown" side.
    metric : "pti" (per-sensel pressure–time integral, kPa·s) or "mean" (kPa).
    smooth_mm : Gaussian smoothing SD in mm before peak finding.
    min_prominence_fraction : peaks less prominent than this share of the map's maximum are dropped.
    registration : a known placement; default: registered from the mean-pressure footprint.
    layers : atlas layers to look the peaks up in (default: all).
    """
    from solemap.lookup import where

    path = recording.metadata.get("path")
    if recording.kind != "grid" or recording.pitch_mm is None:
        raise RecordingError(path, None, "strain peaks need a pressure grid (insole or plate)")
    if metric not in ("pti", "mean"):
        raise ValueError(f"metric must be 'pti' or 'mean', got {metric!r}")
    if side is None:
        side = recording.sides[0]
    elif side not in recording.sides:
        if recording.sides == ("unknown",) and side in ("left", "right"):
            foot, side = side, "unknown"
        else:
            raise RecordingError(
                path, None, f"side {side!r} is not in this recording (sides: {', '.join(recording.sides)})"
            )
    data = recording.pressure(side)
    total = np.zeros(data.shape[1:])
    count = np.zeros(data.shape[1:])
    unloaded = 0
    for t0 in range(0, data.shape[0], 4096):
        block = np.asarray(data[t0 : t0 + 4096], dtype=np.float64)
        total += np.nansum(block, axis=0)
        count += np.isfinite(block).sum(axis=0)
        unloaded += int((np.nansum(block, axis=(1, 2)) <= 0).sum())
    valid = recording.valid_mask(side) & (count > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(valid, total / np.maximum(count, 1), np.nan)
    dt = 1.0 / recording.sample_rate_hz
    value_map = mean * recording.n_frames * dt if metric == "pti" else mean
    unit = "kPa·s" if metric == "pti" else "kPa"
    if not np.isfinite(value_map).any() or np.nanmax(value_map) <= 0:
        raise RecordingError(path, None, "the recording carries no load")
    pitch = (float(recording.pitch_mm[0]), float(recording.pitch_mm[1]))
    notes: list[str] = []
    if registration is None:
        forced = foot or (side if side in ("left", "right") else None)
        registration = register_footprint(np.where(valid, mean, np.nan), pitch, side=forced)  # type: ignore[arg-type]
        notes.extend(registration.notes)
    smoothed = smooth_nan(value_map, (smooth_mm / pitch[0], smooth_mm / pitch[1]))
    peak_max = float(np.nanmax(smoothed))
    min_prom = min_prominence_fraction * peak_max
    found = find_peaks_2d(smoothed, min_prom)
    rows_cols = [_subcell(smoothed, i, j) for i, j, _, _ in found]
    peaks: list[StrainPeak] = []
    if rows_cols:
        rc = np.asarray(rows_cols)
        pts = registration.plane_mm.reshape(*registration.shape, 2)
        sign = 1.0 if pts.shape[1] < 2 or pts[0, 1, 0] >= pts[0, 0, 0] else -1.0
        foot_mm = registration.plane_to_foot(
            np.column_stack([sign * rc[:, 1] * pitch[1], rc[:, 0] * pitch[0]])
        )
        us, vs = registration.frame.mm_to_uv(foot_mm[:, 0], foot_mm[:, 1])
        for k, ((_, _, h, p), (r, c)) in enumerate(zip(found, rows_cols, strict=True)):
            under = where(float(us[k]), float(vs[k]), registration.side)
            areas = {
                layer: [a.id for a in items]
                for layer, items in under.items()
                if (layers is None or layer in set(layers)) and items
            }
            peaks.append(StrainPeak(k + 1, float(r), float(c), float(us[k]), float(vs[k]), h, p, areas))
    if unloaded > 0.05 * recording.n_frames:
        notes.append(
            f"the foot was off the sensor in {unloaded / recording.n_frames:.0%} of the frames: "
            "this looks like "
            "walking, not quiet standing, so these are the peaks of the whole trial, not of standing"
        )
    if recording.duration_s < 1.0:
        notes.append("shorter than a second: a quiet-standing trial of 10–30 s gives a steadier map")
    return PeakResult(
        side,
        registration,
        metric,
        unit,
        value_map,
        smoothed,
        peaks,
        min_prom,
        source=str(path or ""),
        notes=notes,
    )


def peak_population(results: Iterable[PeakResult], layer: str) -> pd.DataFrame:
    """How often each area of ``layer`` holds at least one peak, over many recordings.

    Returns columns ``area``, ``recordings`` (of that area's foot), ``with_peak``, ``share``;
    sorted by share, highest first. Areas of a side-specific layer count only recordings of that
    foot.
    """
    from solemap.atlas import load_atlas

    atlas = load_atlas()
    per_foot: dict[str, int] = {"left": 0, "right": 0}
    hits: dict[str, int] = {}
    for res in results:
        per_foot[res.foot] += 1
        seen = {a for p in res.peaks for a in p.areas.get(layer, [])}
        for a in seen:
            hits[a] = hits.get(a, 0) + 1
    rows = []
    for area in atlas.areas_in(layer=layer):
        if area.geometry is None:
            continue
        n = per_foot["left"] + per_foot["right"] if area.side == "both" else per_foot.get(area.side, 0)
        if n == 0:
            continue
        k = hits.get(area.id, 0)
        rows.append({"area": area.id, "name": area.name, "recordings": n, "with_peak": k, "share": k / n})
    table = pd.DataFrame(rows, columns=["area", "name", "recordings", "with_peak", "share"])
    return table.sort_values(["share", "area"], ascending=[False, True], kind="stable").reset_index(drop=True)


def peaks_svg(result: PeakResult, layer: str = "reflexology", *, title: str | None = None) -> str:
    """The foot with ``layer``, the areas under the peaks highlighted and the peaks numbered."""
    from solemap.recordings.tracking import overlay_on_map
    from solemap.render import render_svg

    hl = sorted({a for p in result.peaks for a in p.areas.get(layer, [])})
    svg = render_svg(side=result.foot, layers=[layer], highlight=hl, title=title, labels=True)  # type: ignore[arg-type]
    pts = np.array([[p.u, p.v] for p in result.peaks]) if result.peaks else None
    return overlay_on_map(svg, result.foot, [], pts, css_class="strain-peaks", colour="#b2182b")
