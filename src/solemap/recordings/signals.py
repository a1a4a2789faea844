"""Whole-foot signals of a recording, footprints, noise cleaning and interpolation to a finer grid.

* :func:`whole_foot_curves` — force, peak-pressure and contact-area curves of one side with the
  detected steps (pressuRe ``whole_pressure_curve`` and ``threshold_event``).
* :func:`footprint` — the per-sensel peak, mean or one frame (pressuRe ``footprint``).
* :func:`clean_isolated` — removes isolated-sensel noise: a loaded cell none of whose neighbours
  is loaded in the same frame is set to 0.
* :func:`interpolate_grid` — resamples a grid recording to a finer grid (factor f per axis).

Arrays are float32 kPa like :class:`~solemap.recordings.core.Recording`; NaN stays NaN.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from solemap.recordings.core import Recording
from solemap.recordings.steps import Step, StepError, detect_steps

__all__ = [
    "WholeFootCurves",
    "clean_isolated",
    "footprint",
    "interpolate_grid",
    "neighbour_matrix",
    "whole_foot_curves",
]

FootprintKind = Literal["peak", "mean", "frame"]


@dataclass(eq=False)
class WholeFootCurves:
    """Per-frame whole-foot curves of one side.

    Attributes
    ----------
    side : the recording's side name.
    times_s : (T,) s.
    force_n : (T,) Σ p_i A_i · 1000, N (NaN for a frame with no data).
    peak_kpa : (T,) max_i p_i, kPa.
    area_cm2 : (T,) Σ A_i [p_i > contact_kpa], cm².
    steps : detected steps (frames inclusive, 0-based); empty for standing trials.
    threshold_n : the step threshold used (NaN when no steps were looked for).
    notes : why no steps were found, if so.
    """

    side: str
    times_s: np.ndarray
    force_n: np.ndarray
    peak_kpa: np.ndarray
    area_cm2: np.ndarray
    steps: list[Step]
    threshold_n: float = float("nan")
    notes: list[str] = field(default_factory=list)

    def to_json(self, decimals: int = 3) -> dict:
        """JSON-ready dict (NaN → None) for the web page."""

        def arr(a: np.ndarray) -> list:
            return [None if not np.isfinite(x) else round(float(x), decimals) for x in a]

        return {
            "side": self.side,
            "times_s": arr(self.times_s),
            "force_n": arr(self.force_n),
            "peak_kpa": arr(self.peak_kpa),
            "area_cm2": arr(self.area_cm2),
            "threshold_n": None if not np.isfinite(self.threshold_n) else round(self.threshold_n, decimals),
            "steps": [{"step": s.number, "first_frame": s.start, "last_frame": s.stop} for s in self.steps],
            "notes": list(self.notes),
        }


def whole_foot_curves(
    recording: Recording,
    side: str | None = None,
    *,
    contact_kpa: float = 0.0,
    steps: bool = True,
    threshold: float | str = "auto",
    min_frames: int = 10,
) -> WholeFootCurves:
    """Force, peak pressure and contact area of one side per frame, with steps marked.

    ``contact_kpa``: a sensel counts as in contact above it (pressuRe: 0 for plates and Tekscan,
    10 kPa for its pedar area curve). Steps follow :func:`solemap.recordings.steps.detect_steps`
    (pressuRe's ``threshold_event``).
    """
    side = recording._side(side)
    data = recording.pressure(side)
    t = data.shape[0]
    area_m2 = np.asarray(recording.sensor_areas_mm2(side), dtype=np.float64).reshape(-1) * 1e-6
    force = np.empty(t)
    peak = np.empty(t)
    area = np.empty(t)
    chunk = max(1, (8 << 20) // max(4 * area_m2.size, 1))
    for t0 in range(0, t, chunk):
        block = np.asarray(data[t0 : t0 + chunk], dtype=np.float32).reshape(-1, area_m2.size)
        valid = ~np.isnan(block)
        z = np.where(valid, block, 0).astype(np.float64)
        none = ~valid.any(axis=1)
        f = z @ area_m2 * 1000.0
        pk = np.where(valid, block, -np.inf).max(axis=1).astype(np.float64)
        a = (z > contact_kpa) @ area_m2 * 1e4
        f[none], pk[none], a[none] = np.nan, np.nan, np.nan
        force[t0 : t0 + block.shape[0]] = f
        peak[t0 : t0 + block.shape[0]] = pk
        area[t0 : t0 + block.shape[0]] = a
    found: list[Step] = []
    notes: list[str] = []
    thr = float("nan")
    if steps and t > 2 and np.isfinite(force).any():
        from solemap.recordings.steps import step_threshold

        thr = step_threshold(force, threshold)
        try:
            found = detect_steps(force, threshold, min_frames=min_frames)
        except StepError as exc:
            notes.append(f"no steps: {exc}")
    return WholeFootCurves(
        side, np.asarray(recording.times_s, dtype=np.float64), force, peak, area, found, thr, notes
    )


def footprint(
    recording: Recording,
    side: str | None = None,
    kind: FootprintKind = "peak",
    frame: int | None = None,
    frames: slice | None = None,
) -> np.ndarray:
    """A per-sensel picture of one side: ``peak`` (max over frames), ``mean`` or one ``frame``.

    Returns float64, the frame shape ((R, C) or (S,)), kPa; NaN where never measured.
    ``frames`` restricts peak/mean to some frames (e.g. one step's ``Step.frames()``).
    """
    data = recording.pressure(side)
    if kind == "frame":
        if frame is None or not -data.shape[0] <= frame < data.shape[0]:
            raise ValueError(f"frame must be an index in 0…{data.shape[0] - 1}, got {frame!r}")
        return np.asarray(data[frame], dtype=np.float64)
    sub = data if frames is None else data[frames]
    if sub.shape[0] == 0:
        raise ValueError("no frames selected")
    if kind == "peak":
        with np.errstate(invalid="ignore"):
            m = np.where(np.isnan(sub), -np.inf, sub).max(axis=0).astype(np.float64)
        m[np.isneginf(m)] = np.nan
        return m
    if kind == "mean":
        valid = (~np.isnan(sub)).sum(axis=0)
        total = np.nansum(sub, axis=0, dtype=np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(valid > 0, total / np.maximum(valid, 1), np.nan)
    raise ValueError(f"kind must be 'peak', 'mean' or 'frame', got {kind!r}")


def neighbour_matrix(recording: Recording, side: str | None = None, gap_mm: float = 1.0) -> np.ndarray:
    """(S, S) bool adjacency of a discrete-sensor layout: polygons closer than ``gap_mm``
    (or, without polygons, centres closer than 1.5 × the median nearest-centre distance)."""
    lay = recording.layout(side)
    n = lay.n_sensors
    adj = np.zeros((n, n), dtype=bool)
    if lay.polygons is not None:
        import shapely

        polys = np.array([shapely.Polygon(p) for p in lay.polygons], dtype=object)
        tree = shapely.STRtree(polys)
        a, b = tree.query(polys, predicate="dwithin", distance=gap_mm)
        adj[a, b] = True
    else:
        d = np.linalg.norm(lay.positions_mm[:, None] - lay.positions_mm[None], axis=-1)
        np.fill_diagonal(d, np.inf)
        adj = d < 1.5 * np.median(d.min(axis=1))
    np.fill_diagonal(adj, False)
    return adj


def clean_isolated(
    recording: Recording,
    *,
    threshold_kpa: float = 0.0,
    min_neighbours: int = 1,
) -> Recording:
    """A copy of ``recording`` without isolated-sensel noise.

    In every frame, a cell with p > ``threshold_kpa`` that has fewer than ``min_neighbours``
    loaded neighbours (8-neighbourhood on a grid; touching sensor polygons on an insole) is set
    to 0 kPa. Real contact is spatially smooth — a loaded patch of foot covers several sensels —
    whereas electrical noise and crosstalk light single cells. NaN cells stay NaN and never
    count as loaded.
    """
    out: dict[str, np.ndarray] = {}
    for side in recording.sides:
        p = np.array(recording.pressure(side), dtype=np.float32, copy=True)
        loaded = np.nan_to_num(p, nan=0.0) > threshold_kpa
        if recording.kind == "grid":
            padded = np.pad(loaded, ((0, 0), (1, 1), (1, 1))).astype(np.int16)
            r, c = p.shape[1:]
            count = np.zeros(loaded.shape, np.int16)
            for dr in (-1, 0, 1):
                for dc in (-1, 0, 1):
                    if dr or dc:
                        count += padded[:, 1 + dr : 1 + dr + r, 1 + dc : 1 + dc + c]
        else:
            adj = neighbour_matrix(recording, side).astype(np.float32)
            count = (loaded.astype(np.float32) @ adj).astype(np.int16)
        p[loaded & (count < min_neighbours)] = 0.0
        out[side] = p
    return _like(
        recording,
        out,
        recording.pitch_mm,
        {
            "cleaned": f"isolated sensels removed (threshold "
            f"{threshold_kpa} kPa, min {min_neighbours} neighbours)"
        },
    )


def interpolate_grid(
    recording: Recording, factor: int = 2, method: Literal["linear", "nearest"] = "linear"
) -> Recording:
    """Resample a grid recording to ``factor`` × finer sensels per axis.

    Each sensel is divided into factor × factor sub-sensels of pitch / factor. ``nearest`` gives
    each the parent's value (force and area are preserved exactly); ``linear`` interpolates
    bilinearly between sensel centres (clamped at the border), a smoother picture whose force
    differs slightly. Sub-sensels of a NaN (outside) parent are NaN, and NaN neighbours do not
    bleed into valid ones (normalised interpolation).

    Sub-sensel (i, j) is centred at ((i + 0.5) / f − 0.5) parent pitches from parent (0, 0).
    """
    if recording.kind != "grid":
        raise ValueError("interpolation to a finer grid needs a grid recording")
    f = int(factor)
    if f < 1:
        raise ValueError(f"factor must be a positive integer, got {factor!r}")
    if method not in ("linear", "nearest"):
        raise ValueError(f"method must be 'linear' or 'nearest', got {method!r}")
    out: dict[str, np.ndarray] = {}
    for side in recording.sides:
        p = np.asarray(recording.pressure(side), dtype=np.float32)
        t, r, c = p.shape
        parent_r = np.repeat(np.arange(r), f)
        parent_c = np.repeat(np.arange(c), f)
        if method == "nearest" or f == 1:
            out[side] = p[:, parent_r][:, :, parent_c]
            continue
        pos_r = (np.arange(r * f) + 0.5) / f - 0.5
        pos_c = (np.arange(c * f) + 0.5) / f - 0.5
        r0 = np.clip(np.floor(pos_r).astype(int), 0, r - 1)
        c0 = np.clip(np.floor(pos_c).astype(int), 0, c - 1)
        r1, c1 = np.clip(r0 + 1, 0, r - 1), np.clip(c0 + 1, 0, c - 1)
        fr = np.clip(pos_r - r0, 0, 1).astype(np.float32)[:, None]
        fc = np.clip(pos_c - c0, 0, 1).astype(np.float32)[None, :]
        # Cells outside the sensor (NaN in every frame) carry no weight in the interpolation.
        vmask = np.asarray(recording.valid_mask(side), dtype=np.float32)
        z = np.nan_to_num(p, nan=0.0)
        num = np.zeros((t, r * f, c * f), np.float32)
        den = np.zeros((r * f, c * f), np.float32)
        for rr, wr in ((r0, 1 - fr), (r1, fr)):
            for cc, wc in ((c0, 1 - fc), (c1, fc)):
                w = wr * wc
                num += z[:, rr][:, :, cc] * w
                den += vmask[rr][:, cc] * w
        with np.errstate(invalid="ignore", divide="ignore"):
            res = np.where(den > 0, num / np.where(den > 0, den, 1), np.nan).astype(np.float32)
        res[:, ~(vmask[parent_r][:, parent_c] > 0)] = np.nan
        out[side] = res
    assert recording.pitch_mm is not None
    pitch = (recording.pitch_mm[0] / f, recording.pitch_mm[1] / f)
    return _like(recording, out, pitch, {"interpolated": f"{method} x{f}"})


def _like(recording: Recording, pressure: dict[str, np.ndarray], pitch, extra: dict) -> Recording:
    return Recording(
        pressure,
        sample_rate_hz=recording.sample_rate_hz,
        times_s=np.asarray(recording.times_s),
        pitch_mm=pitch if recording.kind == "grid" else None,
        layouts={s: recording.layout(s) for s in recording.sides} if recording.kind == "sensors" else None,
        source_units=recording.source_units,
        format=recording.format,
        metadata={**recording.metadata, **extra},
        calibrated=recording.calibrated,
    )
