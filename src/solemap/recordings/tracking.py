"""Ball tracking: where a ball rolled under the sole went, how fast, how long and how hard.

>>> from solemap.recordings import read_recording
>>> from solemap.recordings.tracking import track_ball
>>> track = track_ball(read_recording("rolling.npz"))          # doctest: +SKIP
>>> track.area_table("reflexology")                             # doctest: +SKIP

Method (a background model plus a thresholded centroid, chosen for speed and for having no shape
assumption beyond "compact and roughly symmetric"):

1. **Background**: the rest of the foot's load (standing on the insole, the heel resting on the
   floor) changes slowly and stays in place, while the ball moves. A per-sensel low quantile over
   time (default the 20th percentile, over at most 2000 evenly spaced frames) estimates that
   stationary load; the residual ``max(p - baseline, 0)`` holds the ball. A ball held on one spot
   for more than 80 % of the recording is absorbed into the background there (the quantile says
   so): track such holds with ``quantile`` lower, or with a zero baseline (``baseline="none"``).
2. **Blob**: in each frame the highest 3 × 3 sum of the residual seeds a circular window of
   ``window_mm`` radius; sensels whose residual exceeds ``rel_threshold`` (20 %) of the local
   maximum form the ball's contact. Subtracting that threshold before weighting keeps a symmetric
   contact symmetric, so the weighted centroid of ``residual - threshold`` is unbiased to a
   fraction of a sensel (sub-sensel accuracy without a model fit; a Gaussian fit would be ~10×
   slower and biased for the flat-topped profile under a soft ball). The window is re-centred on
   the first centroid and the centroid computed again.
3. **Foot frame**: the grid centre is mapped through a
   :class:`~solemap.recordings.registration.Registration` to foot_mm and uv. The placement comes,
   in order, from the caller, a reference (standing) recording, the background load if it shows a
   foot, the insole's sensor outline (Tekscan ``B`` cells), the simulator's stored placement, or —
   last and flagged in ``notes`` — from the print the ball left.
4. **Path measures**: speed from the centred moving average of the path (``smooth_s``), coverage
   as a time-at-location raster over uv (the path's occupancy convolved with a disc of the median
   contact radius), and per area of any atlas layer: dwell time of the centre, mean and peak
   pressure under the ball, and whether the contact ever touched the area.

Confidence (0–1, :attr:`BallTrack.confidence`) says whether the load looks like one ball at all:
the share of detections that look like a ball — at least 85 % of the frame's moving load inside
the window (compact), a round contact (minor/major axis ≥ 0.5) and a ball-sized one (equivalent
radius 3–45 mm: a golf ball pressed lightly to a soft ball flattened to its radius, mechanics.md §1
and §4) — times the share of loaded frames with a detection. A walking trial scores low: during
most of the stance its load is split between heel and forefoot.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

import numpy as np
import pandas as pd

from solemap.recordings.core import Recording, RecordingError
from solemap.recordings.registration import (
    Registration,
    RegistrationError,
    register_footprint,
    register_outline,  # re-exported: it lived here before
)

__all__ = [
    "BallTrack",
    "TrackFrames",
    "estimate_baseline",
    "membership",
    "register_outline",
    "track_ball",
    "track_frames",
]

#: Contact radii a ball can plausibly make on the sole (mm): a golf ball (R 21.3 mm) pressed
#: lightly (~0.15 R) up to a soft ball flattened to its full radius (tennis, R ≈ 34 mm) plus a
#: margin for sensel quantization (mechanics.md §1, §4; expert-opinion).
BALL_RADIUS_RANGE_MM = (3.0, 45.0)
#: Share of a frame's moving load that must lie in the search window for the frame to look like
#: one ball (a walking trial's heel and forefoot split the load; a ball carries nearly all of it).
COMPACT_SHARE = 0.85
#: Minor/major axis ratio of the contact above which it counts as round.
ROUND_RATIO = 0.5
#: Below this confidence a track is reported as "probably not a ball".
LOW_CONFIDENCE = 0.5
#: Default search window radius (mm) when the ball size is unknown: larger than the contact
#: radius of any ball in the tools catalog (≤ 35 mm).
DEFAULT_WINDOW_MM = 40.0
#: uv raster size of coverage maps (the render module's default raster density).
RASTER_NU, RASTER_NV = 240, 90

_PER_FRAME = ("row", "col", "peak_kpa", "mean_kpa", "force_n", "area_mm2", "compactness", "roundness")


# --------------------------------------------------------------------------------- background
def estimate_baseline(pressure: np.ndarray, quantile: float = 0.2, max_frames: int = 2000) -> np.ndarray:
    """Per-sensel stationary load: the ``quantile`` over time of ``pressure``.

    Parameters
    ----------
    pressure : (T, R, C) float, kPa; NaN = missing or outside the sensor.
    quantile : 0–1; the share of the time a sensel may carry the ball without it leaking into the
        baseline is ``1 - quantile``.
    max_frames : at most this many evenly spaced frames are used (bounded time and memory).

    Returns (R, C) float64 kPa, 0 where a sensel is never finite.
    """
    if not 0.0 <= quantile < 1.0:
        raise ValueError(f"quantile must lie in [0, 1), got {quantile!r}")
    n = pressure.shape[0]
    step = max(1, math.ceil(n / max_frames))
    sample = np.asarray(pressure[::step], dtype=np.float32)
    # One row per sensel (contiguous), so the partition runs along memory.
    flat = np.ascontiguousarray(sample.reshape(sample.shape[0], -1).T)
    gaps = np.isnan(flat).any(axis=1)
    base = np.zeros(flat.shape[0])
    # The lower order statistic of rank floor(q·(n-1)) by one partition of all gap-free sensels;
    # nanquantile loops in Python, so it only handles the few sensels with some gaps (cells
    # outside the sensor are NaN throughout and stay 0).
    if (~gaps).any():
        k = math.floor(quantile * (flat.shape[1] - 1))
        base[~gaps] = np.partition(flat[~gaps], k, axis=1)[:, k]
    partial = gaps & ~np.isnan(flat).all(axis=1)
    if partial.any():
        base[partial] = np.nanquantile(flat[partial], quantile, axis=1, method="lower")
    return base.reshape(sample.shape[1:])


# --------------------------------------------------------------------------------- per frame
def _frame_kernel(p, base, pitch_r, pitch_c, window_mm, rel, min_peak, out):  # pragma: no cover - jitted
    """Fill ``out`` (T, 8) with row, col, peak, mean, force, area, compactness, roundness."""
    T, R, C = p.shape
    wr = math.ceil(window_mm / pitch_r)
    wc = math.ceil(window_mm / pitch_c)
    w2 = window_mm * window_mm
    cell_mm2 = pitch_r * pitch_c
    res = np.zeros((R, C))
    for t in range(T):
        total = 0.0
        for i in range(R):
            for j in range(C):
                x = p[t, i, j]
                if x == x:  # not NaN
                    x = x - base[i, j]
                    if x < 0.0:
                        x = 0.0
                else:
                    x = 0.0
                res[i, j] = x
                total += x
        best = -1.0
        bi = 0
        bj = 0
        for i in range(R):
            for j in range(C):
                s = 0.0
                for di in range(-1, 2):
                    ii = i + di
                    if ii < 0 or ii >= R:
                        continue
                    for dj in range(-1, 2):
                        jj = j + dj
                        if 0 <= jj < C:
                            s += res[ii, jj]
                if s > best:
                    best = s
                    bi = i
                    bj = j
        for k in range(8):
            out[t, k] = np.nan
        if best / 9.0 < min_peak or total <= 0.0:
            continue
        rmax = 0.0
        for di in range(-1, 2):
            ii = bi + di
            if ii < 0 or ii >= R:
                continue
            for dj in range(-1, 2):
                jj = bj + dj
                if 0 <= jj < C and res[ii, jj] > rmax:
                    rmax = res[ii, jj]
        thr = rel * rmax
        ci = float(bi)
        cj = float(bj)
        for _ in range(2):  # centroid around the seed, then re-centred on the first centroid
            oi = round(ci)
            oj = round(cj)
            sw = 0.0
            si = 0.0
            sj = 0.0
            sii = 0.0
            sjj = 0.0
            sij = 0.0
            inside = 0.0
            n = 0
            praw = 0.0
            pmax = 0.0
            force = 0.0
            for i in range(max(0, oi - wr), min(R, oi + wr + 1)):
                dy = (i - ci) * pitch_r
                for j in range(max(0, oj - wc), min(C, oj + wc + 1)):
                    dx = (j - cj) * pitch_c
                    if dy * dy + dx * dx > w2:
                        continue
                    r = res[i, j]
                    inside += r
                    w = r - thr
                    if w > 0.0:
                        sw += w
                        si += w * i
                        sj += w * j
                        sii += w * i * i
                        sjj += w * j * j
                        sij += w * i * j
                        n += 1
                        raw = p[t, i, j]
                        praw += raw
                        if raw > pmax:
                            pmax = raw
                        force += r
            if sw <= 0.0:
                break
            ci = si / sw
            cj = sj / sw
        if sw <= 0.0:
            continue
        # Second moments of the contact in mm², for its elongation.
        vii = (sii / sw - ci * ci) * pitch_r * pitch_r
        vjj = (sjj / sw - cj * cj) * pitch_c * pitch_c
        vij = (sij / sw - ci * cj) * pitch_r * pitch_c
        tr = vii + vjj
        det = vii * vjj - vij * vij
        disc = math.sqrt(max(tr * tr / 4.0 - det, 0.0))
        lmax = tr / 2.0 + disc
        lmin = max(tr / 2.0 - disc, 0.0)
        out[t, 0] = ci
        out[t, 1] = cj
        out[t, 2] = pmax
        out[t, 3] = praw / n
        out[t, 4] = force * cell_mm2 * 1e-3  # kPa · mm² = 1e-3 N
        out[t, 5] = n * cell_mm2
        out[t, 6] = inside / total
        out[t, 7] = math.sqrt(lmin / lmax) if lmax > 0.0 else 1.0


@cache
def _jitted():
    import numba

    return numba.njit(cache=True, nogil=True, fastmath=False)(_frame_kernel)


@dataclass(frozen=True, eq=False)
class TrackFrames:
    """Per-frame results of :func:`track_frames` (NaN where no ball was found).

    Attributes (all (T,) float64)
    -----------------------------
    row, col : fractional grid position of the ball centre (sensel indices).
    peak_kpa, mean_kpa : highest and mean measured pressure over the ball's contact sensels, kPa.
    force_n : the ball's load above the background, N.
    area_mm2 : contact area, mm² (sensels above the relative threshold).
    compactness : share of the frame's moving load inside the search window (0–1).
    roundness : minor/major axis ratio of the contact (0–1).
    """

    row: np.ndarray
    col: np.ndarray
    peak_kpa: np.ndarray
    mean_kpa: np.ndarray
    force_n: np.ndarray
    area_mm2: np.ndarray
    compactness: np.ndarray
    roundness: np.ndarray

    @property
    def detected(self) -> np.ndarray:
        """(T,) bool: a ball was found in the frame."""
        return np.isfinite(self.row)


def track_frames(
    pressure: np.ndarray,
    pitch_mm: tuple[float, float],
    baseline: np.ndarray | None = None,
    *,
    window_mm: float = DEFAULT_WINDOW_MM,
    rel_threshold: float = 0.2,
    min_peak_kpa: float = 10.0,
    chunk_frames: int = 8192,
    jit: bool = True,
) -> TrackFrames:
    """Find the ball in every frame (steps 1–2 of the module docstring).

    Parameters
    ----------
    pressure : (T, R, C) float kPa (NaN = missing); a memory map is read in chunks.
    pitch_mm : (row_pitch, col_pitch) in mm.
    baseline : (R, C) kPa stationary load to subtract (default: none).
    window_mm : radius of the search window around the seed.
    rel_threshold : share of the local maximum below which a sensel is not the ball's contact.
    min_peak_kpa : a frame whose best 3 × 3 mean residual stays below this holds no ball.
    jit : False runs the same kernel as plain Python (slow; for checking the compiled one).
    """
    if pressure.ndim != 3:
        raise ValueError(f"pressure must be (T, R, C), got shape {pressure.shape}")
    if not 0.0 < rel_threshold < 1.0:
        raise ValueError(f"rel_threshold must lie in (0, 1), got {rel_threshold!r}")
    T, R, C = pressure.shape
    base = np.zeros((R, C)) if baseline is None else np.asarray(baseline, dtype=np.float64)
    if base.shape != (R, C):
        raise ValueError(f"baseline shape {base.shape} does not match frames {(R, C)}")
    kernel = _jitted() if jit else _frame_kernel
    out = np.empty((T, 8))
    for t0 in range(0, T, chunk_frames):
        block = np.ascontiguousarray(pressure[t0 : t0 + chunk_frames], dtype=np.float32)
        kernel(
            block,
            base,
            float(pitch_mm[0]),
            float(pitch_mm[1]),
            float(window_mm),
            float(rel_threshold),
            float(min_peak_kpa),
            out[t0 : t0 + block.shape[0]],
        )
    return TrackFrames(*(out[:, k].copy() for k in range(8)))


# --------------------------------------------------------------------------------- result
@dataclass(eq=False)
class BallTrack:
    """A tracked ball on one side of a recording.

    Attributes
    ----------
    side : the recording's side key ("left", "right" or "unknown").
    registration : placement of the grid on the foot (``registration.side`` is the foot).
    registration_source : where the placement came from (see the module docstring).
    times_s : (T,) s.
    frames : per-frame detections (:class:`TrackFrames`).
    centre_foot_mm : (T, 2) ball centre in foot_mm (NaN when not detected).
    centre_uv : (T, 2) the same in uv.
    speed_mm_s : (T,) rolling speed from the smoothed path (NaN when not detected).
    baseline_kpa : (R, C) the subtracted stationary load.
    coverage_s : (RASTER_NU, RASTER_NV) seconds each uv cell spent under the ball's contact; NaN
        where no sensel measures (render with ``render_svg(value_raster=...)``).
    contact_radius_mm : median equivalent contact radius over detected frames.
    confidence : 0–1 that the load is one ball (module docstring).
    notes : remarks for the reader.
    """

    side: str
    registration: Registration
    registration_source: str
    times_s: np.ndarray
    frames: TrackFrames
    centre_foot_mm: np.ndarray
    centre_uv: np.ndarray
    speed_mm_s: np.ndarray
    baseline_kpa: np.ndarray
    coverage_s: np.ndarray
    contact_radius_mm: float
    confidence: float
    pitch_mm: tuple[float, float]
    notes: list[str] = field(default_factory=list)

    @property
    def foot(self) -> str:
        """The foot ("left"/"right") the grid was registered as."""
        return self.registration.side

    @property
    def dt(self) -> float:
        return float(np.median(np.diff(self.times_s))) if self.times_s.size > 1 else 0.0

    @property
    def detected(self) -> np.ndarray:
        return self.frames.detected

    @property
    def tracked_s(self) -> float:
        """Seconds with a ball detected."""
        return float(self.detected.sum() * self.dt)

    @property
    def path_length_mm(self) -> float:
        """Length of the smoothed path over runs of detected frames, mm."""
        speed = self.speed_mm_s
        return float(np.nansum(speed) * self.dt)

    @property
    def looks_like_ball(self) -> bool:
        return self.confidence >= LOW_CONFIDENCE

    def area_table(self, layer: str = "reflexology") -> pd.DataFrame:
        """Per area of ``layer`` on this foot: time and pressure under the ball.

        Columns: ``area`` (id), ``name``, ``dwell_s`` (seconds the ball centre was inside the
        area), ``share`` (of the tracked time), ``mean_kpa`` (mean pressure over the contact while
        the centre was inside), ``peak_kpa`` (highest sensel under the ball meanwhile), ``reached``
        (the contact touched the area at least once), ``measured`` (some sensel lies under it).
        Rows follow the atlas order; areas beyond the sole (off-sole stations) are left out.
        """
        from solemap.atlas import load_atlas

        atlas = load_atlas()
        det = self.detected
        uv = self.centre_uv[det]
        area_ids, member = membership(layer, self.foot, uv[:, 0], uv[:, 1])
        cell_member = _raster_membership(layer, self.foot)
        cov = self.coverage_s.reshape(-1)
        measured_cells = np.isfinite(cov)
        touched_cells = np.nan_to_num(cov) > 0
        dt = self.dt
        peak = self.frames.peak_kpa[det]
        mean = self.frames.mean_kpa[det]
        tracked = max(self.tracked_s, 1e-12)
        rows = []
        for k, aid in enumerate(area_ids):
            inside = member[:, k]
            dwell = float(inside.sum() * dt)
            cells = cell_member[:, k]
            rows.append(
                {
                    "area": aid,
                    "name": atlas.get(aid).name,
                    "dwell_s": dwell,
                    "share": dwell / tracked,
                    "mean_kpa": float(np.mean(mean[inside])) if inside.any() else float("nan"),
                    "peak_kpa": float(np.max(peak[inside])) if inside.any() else float("nan"),
                    "reached": bool((cells & touched_cells).any()) or bool(inside.any()),
                    "measured": bool((cells & measured_cells).any()),
                }
            )
        return pd.DataFrame(
            rows, columns=["area", "name", "dwell_s", "share", "mean_kpa", "peak_kpa", "reached", "measured"]
        )

    def never_reached(self, layer: str = "reflexology") -> list[str]:
        """Ids of the areas of ``layer`` under the sensor that the ball never touched."""
        t = self.area_table(layer)
        return t.loc[t["measured"] & ~t["reached"], "area"].tolist()

    def summary(self) -> dict[str, Any]:
        """Whole-track numbers (JSON-ready)."""
        det = self.detected
        speed = self.speed_mm_s[np.isfinite(self.speed_mm_s)]
        f = self.frames

        def q(x: np.ndarray, p: float) -> float | None:
            x = x[np.isfinite(x)]
            return None if not x.size else round(float(np.percentile(x, p)), 3)

        return {
            "side": self.side,
            "foot": self.foot,
            "registration_source": self.registration_source,
            "confidence": round(self.confidence, 3),
            "looks_like_ball": self.looks_like_ball,
            "duration_s": round(
                float(self.times_s[-1] - self.times_s[0] + self.dt) if self.times_s.size else 0.0, 4
            ),
            "tracked_s": round(self.tracked_s, 4),
            "detected_fraction": round(float(det.mean()) if det.size else 0.0, 4),
            "path_length_mm": round(self.path_length_mm, 1),
            "speed_mm_s": {"median": q(speed, 50), "p10": q(speed, 10), "p90": q(speed, 90)},
            "contact_radius_mm": None
            if not math.isfinite(self.contact_radius_mm)
            else round(self.contact_radius_mm, 2),
            "ball_force_n": {"median": q(f.force_n, 50), "p90": q(f.force_n, 90)},
            "peak_pressure_kpa": None
            if not np.isfinite(f.peak_kpa).any()
            else round(float(np.nanmax(f.peak_kpa)), 2),
            "mean_pressure_kpa": q(f.mean_kpa, 50),
            "notes": list(self.notes),
        }

    def to_json(self, layer: str = "reflexology", path_points: int = 400) -> dict[str, Any]:
        """Summary, per-area table of ``layer``, never-reached areas and a thinned uv path."""
        table = self.area_table(layer)
        rows = []
        for rec in table.to_dict(orient="records"):
            rows.append(
                {
                    k: (
                        None
                        if isinstance(v, float) and not math.isfinite(v)
                        else (round(v, 4) if isinstance(v, float) else v)
                    )
                    for k, v in rec.items()
                }
            )
        det = np.flatnonzero(self.detected)
        step = max(1, math.ceil(det.size / max(path_points, 1)))
        pick = det[::step]
        return {
            **self.summary(),
            "registration": self.registration.to_json(),
            "layer": layer,
            "areas": rows,
            "never_reached": table.loc[table["measured"] & ~table["reached"], "area"].tolist(),
            "path": [
                {
                    "t_s": round(float(self.times_s[i]), 4),
                    "u": round(float(self.centre_uv[i, 0]), 4),
                    "v": round(float(self.centre_uv[i, 1]), 4),
                }
                for i in pick
            ],
        }


def membership(layer: str, foot: str, u: np.ndarray, v: np.ndarray) -> tuple[list[str], np.ndarray]:
    """(area ids, (N, K) bool) of ``layer`` at uv points, via :class:`solemap.lookup.LabelRaster`.

    ``LabelRaster.membership`` fails when none of the points falls in a cell on an area boundary
    (e.g. a ball held still in the middle of an area); a fixed grid of probe points, which always
    crosses boundaries, is appended and dropped again.
    """
    from solemap.lookup import LabelRaster

    raster = LabelRaster.for_layer(layer, foot)
    u = np.ravel(np.asarray(u, dtype=np.float64))
    v = np.ravel(np.asarray(v, dtype=np.float64))
    pu, pv = np.meshgrid(np.linspace(0.005, 0.995, 48), np.linspace(0.005, 0.995, 48), indexing="ij")
    m = raster.membership(np.r_[u, pu.ravel()], np.r_[v, pv.ravel()])
    return list(raster.area_ids), m[: u.size]


@cache
def _raster_cells_uv() -> tuple[np.ndarray, np.ndarray]:
    uu, vv = np.meshgrid(
        (np.arange(RASTER_NU) + 0.5) / RASTER_NU, (np.arange(RASTER_NV) + 0.5) / RASTER_NV, indexing="ij"
    )
    return uu.reshape(-1), vv.reshape(-1)


@cache
def _raster_membership(layer: str, foot: str) -> np.ndarray:
    """(RASTER_NU · RASTER_NV, K) membership of the coverage raster's cells in ``layer``."""
    u, v = _raster_cells_uv()
    return membership(layer, foot, u, v)[1]


# --------------------------------------------------------------------------------- helpers
def _moving_mean(x: np.ndarray, ok: np.ndarray, n: int) -> np.ndarray:
    """Centred moving mean of (T, k) ``x`` over valid rows, window ``n`` frames; NaN where invalid."""
    if n <= 1:
        return np.where(ok[:, None], x, np.nan)
    xz = np.where(ok[:, None], x, 0.0)
    kern = np.ones(n)
    from scipy.ndimage import convolve1d

    s = convolve1d(xz, kern, axis=0, mode="constant")
    c = convolve1d(ok.astype(np.float64), kern, mode="constant")
    with np.errstate(invalid="ignore", divide="ignore"):
        m = s / c[:, None]
    return np.where(ok[:, None], m, np.nan)


def _speed(foot_mm: np.ndarray, ok: np.ndarray, rate: float, smooth_s: float) -> np.ndarray:
    """(T,) speed in mm/s from the smoothed path, only between consecutive detected frames."""
    n = max(1, round(smooth_s * rate))
    sm = _moving_mean(foot_mm, ok, n)
    v = np.full(ok.shape[0], np.nan)
    if ok.shape[0] < 2:
        return v
    d = np.linalg.norm(np.diff(sm, axis=0), axis=1) * rate  # mm/s between frames t and t+1
    both = ok[1:] & ok[:-1]
    d = np.where(both, d, np.nan)
    # Centre the forward differences on the frames (mean of the two neighbouring intervals).
    stacked = np.vstack([np.r_[np.nan, d], np.r_[d, np.nan]])
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            v = np.nanmean(stacked, axis=0)
    return np.where(ok, v, np.nan)


def _grid_to_foot(
    reg: Registration, row: np.ndarray, col: np.ndarray, pitch: tuple[float, float]
) -> np.ndarray:
    # Grid plane convention of registration.py: x = col · col_pitch, y = row · row_pitch; a
    # "seen from below" registration stores mirrored plane points, detected from plane_mm.
    rows, cols = reg.shape
    pts = reg.plane_mm.reshape(rows, cols, 2)
    sign = 1.0 if cols < 2 or pts[0, 1, 0] >= pts[0, 0, 0] else -1.0
    plane = np.column_stack([sign * col * pitch[1], row * pitch[0]])
    return reg.plane_to_foot(plane)


def _measured_cells(reg: Registration, valid: np.ndarray, pitch: tuple[float, float]) -> np.ndarray:
    """(RASTER_NU · RASTER_NV,) bool: a valid sensel lies under the uv raster cell."""
    u, v = _raster_cells_uv()
    x, y = reg.frame.uv_to_mm(u, v)
    plane = reg.foot_to_plane(np.column_stack([x, y]))
    rows, cols = reg.shape
    pts = reg.plane_mm.reshape(rows, cols, 2)
    sign = 1.0 if cols < 2 or pts[0, 1, 0] >= pts[0, 0, 0] else -1.0
    c = np.rint(sign * plane[:, 0] / pitch[1]).astype(int)
    r = np.rint(plane[:, 1] / pitch[0]).astype(int)
    ok = (r >= 0) & (r < rows) & (c >= 0) & (c < cols)
    out = np.zeros(u.shape[0], bool)
    out[ok] = valid[r[ok], c[ok]]
    return out


def _coverage(
    reg: Registration, foot_mm: np.ndarray, ok: np.ndarray, dt: float, radius_mm: float, measured: np.ndarray
) -> np.ndarray:
    """Seconds under the contact per uv raster cell: path occupancy (1 mm bins in foot_mm)
    convolved with a disc of ``radius_mm``."""
    from scipy.signal import fftconvolve

    out = np.zeros(RASTER_NU * RASTER_NV)
    pts = foot_mm[ok]
    if pts.size and math.isfinite(radius_mm) and radius_mm > 0:
        length = reg.dims.length_mm
        r = math.ceil(radius_mm)
        x0, y0 = -r - 2.0, -0.5 * length - r - 2.0
        nx, ny = int(length + 2 * r + 5), int(length + 2 * r + 5)
        ix = np.clip(np.floor(pts[:, 0] - x0).astype(int), 0, nx - 1)
        iy = np.clip(np.floor(pts[:, 1] - y0).astype(int), 0, ny - 1)
        hist = np.zeros((nx, ny))
        np.add.at(hist, (ix, iy), dt)
        yy, xx = np.mgrid[-r : r + 1, -r : r + 1]
        disc = ((xx**2 + yy**2) <= radius_mm**2).astype(np.float64)
        cov = fftconvolve(hist, disc, mode="same")
        cov[cov < 0.5 * dt] = 0.0  # FFT round-off
        u, v = _raster_cells_uv()
        cx, cy = reg.frame.uv_to_mm(u, v)
        jx = np.clip(np.floor(cx - x0).astype(int), 0, nx - 1)
        jy = np.clip(np.floor(cy - y0).astype(int), 0, ny - 1)
        out = cov[jx, jy]
    return np.where(measured, out, np.nan).reshape(RASTER_NU, RASTER_NV)


RegistrationSource = Literal["given", "reference", "background", "sensor-outline", "simulation", "ball-print"]


def _choose_registration(
    recording: Recording,
    side: str,
    baseline: np.ndarray,
    *,
    registration: Registration | None,
    reference: Recording | None,
    foot: str | None,
    axis_deg: float | None,
) -> tuple[Registration, str, list[str]]:
    pitch = recording.pitch_mm
    assert pitch is not None
    forced = foot or (side if side in ("left", "right") else None)
    notes: list[str] = []
    if registration is not None:
        return registration, "given", notes
    if reference is not None:
        ref_side = side if side in reference.sides else reference.sides[0]
        data = reference.pressure(ref_side)
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            fp = np.nanmean(np.asarray(data, dtype=np.float64), axis=0)
        reg = register_footprint(fp, reference.pitch_mm or pitch, side=forced, axis_deg=axis_deg)  # type: ignore[arg-type]
        return reg, "reference", notes
    candidates: list[tuple[str, np.ndarray]] = []
    valid = recording.valid_mask(side)
    # A background counts as a foot when it loads a print of at least ~40 cm² (a heel alone is
    # ~35–45 cm², mechanics.md §2), and is clearly above noise.
    cell = pitch[0] * pitch[1]
    if (baseline > 5.0).sum() * cell >= 4000.0:
        candidates.append(("background", baseline))
    if not valid.all() and valid.sum() >= 12:
        candidates.append(("sensor-outline", valid.astype(np.float64)))
    for source, fp in candidates:
        try:
            if source == "sensor-outline":
                reg = register_outline(valid, pitch, side=forced)
            else:
                reg = register_footprint(fp, pitch, side=forced, axis_deg=axis_deg)  # type: ignore[arg-type]
        except RegistrationError as exc:
            notes.append(f"registration from the {source} failed: {exc}")
            continue
        if source == "sensor-outline" and forced is None:
            notes.append("side guessed from the insole outline; pass the side if the file does not say")
        return reg, source, notes
    if recording.metadata.get("simulation"):
        from solemap.recordings.simulate import simulation_truth

        return simulation_truth(recording).registration, "simulation", notes
    # Last resort: the print the ball left (its per-sensel peak above the background).
    data = recording.pressure(side)
    peak_map = np.zeros(data.shape[1:])
    for t0 in range(0, data.shape[0], 4096):
        block = np.fmax.reduce(np.asarray(data[t0 : t0 + 4096], dtype=np.float64), axis=0)
        peak_map = np.maximum(peak_map, np.nan_to_num(block) - baseline)
    reg = register_footprint(peak_map, pitch, side=forced, axis_deg=axis_deg)  # type: ignore[arg-type]
    notes.append(
        "the foot's placement was guessed from the print the ball left, which need not look like a "
        "foot: pass a standing reference recording or the side and axis for a trustworthy map"
    )
    return reg, "ball-print", notes


# --------------------------------------------------------------------------------- entry point
def track_ball(
    recording: Recording,
    side: str | None = None,
    *,
    registration: Registration | None = None,
    reference: Recording | None = None,
    foot: str | None = None,
    axis_deg: float | None = None,
    ball_diameter_mm: float | None = None,
    baseline: Literal["quantile", "none"] = "quantile",
    quantile: float = 0.2,
    rel_threshold: float = 0.2,
    min_peak_kpa: float = 10.0,
    smooth_s: float = 0.1,
    jit: bool = True,
) -> BallTrack:
    """Track a ball rolled under one side of a grid recording.

    Parameters
    ----------
    recording : a grid recording (insole or plate), kPa.
    side : which side of a two-sided recording (default: the first).
    registration : a known placement of this side's grid on the foot.
    reference : a standing recording on the same grid, registered instead (best for real data).
    foot : "left"/"right" when the file does not say (forces the side of the registration).
    axis_deg : force the heel → toe direction of the grid (see ``register_footprint``).
    ball_diameter_mm : sets the search window (0.6 × diameter + one pitch); default 40 mm radius.
    baseline : "quantile" (module docstring) or "none" (seated rolling without other load).
    quantile, rel_threshold, min_peak_kpa : see :func:`estimate_baseline`, :func:`track_frames`.
    smooth_s : moving-average window for the speed, s.

    Raises
    ------
    RecordingError : not a grid recording, no frames, or an unknown side.
    """
    path = recording.metadata.get("path")
    if recording.kind != "grid" or recording.pitch_mm is None:
        raise RecordingError(
            path, None, "ball tracking needs a pressure grid (insole or plate), not discrete sensors"
        )
    if recording.n_frames < 2:
        raise RecordingError(path, None, "ball tracking needs at least two frames")
    if side is None:
        side = recording.sides[0]
    elif side not in recording.sides:
        if recording.sides == ("unknown",) and side in ("left", "right"):
            foot, side = side, "unknown"
        else:
            raise RecordingError(
                path, None, f"side {side!r} is not in this recording (sides: {', '.join(recording.sides)})"
            )
    pitch = (float(recording.pitch_mm[0]), float(recording.pitch_mm[1]))
    data = recording.pressure(side)
    base = estimate_baseline(data, quantile) if baseline == "quantile" else np.zeros(data.shape[1:])
    window = DEFAULT_WINDOW_MM if ball_diameter_mm is None else 0.6 * ball_diameter_mm + max(pitch)
    frames = track_frames(
        data, pitch, base, window_mm=window, rel_threshold=rel_threshold, min_peak_kpa=min_peak_kpa, jit=jit
    )
    ok = frames.detected
    reg, source, notes = _choose_registration(
        recording, side, base, registration=registration, reference=reference, foot=foot, axis_deg=axis_deg
    )
    notes = list(reg.notes) + notes
    rate = recording.sample_rate_hz
    dt = 1.0 / rate
    foot_mm = np.full((data.shape[0], 2), np.nan)
    if ok.any():
        foot_mm[ok] = _grid_to_foot(reg, frames.row[ok], frames.col[ok], pitch)
    cu, cv = reg.frame.mm_to_uv(foot_mm[:, 0], foot_mm[:, 1])
    centre_uv = np.column_stack([cu, cv])
    speed = _speed(np.nan_to_num(foot_mm), ok, rate, smooth_s)
    radius = float(np.sqrt(np.nanmedian(frames.area_mm2[ok]) / math.pi)) if ok.any() else float("nan")
    valid = recording.valid_mask(side)
    measured = _measured_cells(reg, valid, pitch)
    coverage = _coverage(reg, np.nan_to_num(foot_mm), ok, dt, radius, measured)
    confidence = _confidence(frames, data)
    if not ok.any():
        notes.append("no ball found in any frame")
    elif confidence < LOW_CONFIDENCE:
        notes.append(
            f"low confidence ({confidence:.2f}) that this is a ball: the moving load is "
            "spread, elongated or not ball-sized (a walking or standing trial looks like this)"
        )
    return BallTrack(
        side=side,
        registration=reg,
        registration_source=source,
        times_s=recording.times_s,
        frames=frames,
        centre_foot_mm=foot_mm,
        centre_uv=centre_uv,
        speed_mm_s=speed,
        baseline_kpa=base,
        coverage_s=coverage,
        contact_radius_mm=radius,
        confidence=confidence,
        pitch_mm=pitch,
        notes=notes,
    )


def _confidence(frames: TrackFrames, data: np.ndarray) -> float:
    ok = frames.detected
    if not ok.any():
        return 0.0
    loaded = np.zeros(data.shape[0], bool)
    for t0 in range(0, data.shape[0], 4096):
        block = np.asarray(data[t0 : t0 + 4096])
        # fmax ignores NaN (cells outside the sensor) without a copy.
        loaded[t0 : t0 + block.shape[0]] = np.fmax.reduce(block.reshape(block.shape[0], -1), axis=1) > 0
    det_frac = float(ok.sum() / max(int(loaded.sum()), 1))
    r_eq = np.sqrt(frames.area_mm2[ok] / math.pi)
    lo, hi = BALL_RADIUS_RANGE_MM
    ball_like = (
        (frames.compactness[ok] >= COMPACT_SHARE)
        & (frames.roundness[ok] >= ROUND_RATIO)
        & (r_eq >= lo)
        & (r_eq <= hi)
    )
    return float(np.clip(float(np.mean(ball_like)) * min(det_frac, 1.0), 0.0, 1.0))


# --------------------------------------------------------------------------------- pictures
def overlay_on_map(
    svg: str,
    side: str,
    lines_uv: list[np.ndarray] = (),  # type: ignore[assignment]
    points_uv: np.ndarray | None = None,
    point_labels: list[str] | None = None,
    css_class: str = "ball-path",
    colour: str = "#d62728",
) -> str:
    """Draw uv polylines and numbered points over one foot of a :func:`solemap.render.render_svg`
    picture drawn with the default foot size.

    ``lines_uv`` : list of (K, 2) uv arrays (NaN rows split a line); ``points_uv`` : (P, 2).
    The overlay is placed from the drawn sole outline of that foot.
    """
    import re

    from solemap.frame import FootDimensions, FootFrame

    m = re.search(
        rf'<g class="foot" id="foot-{side}"[^>]*transform="translate\(0 ([-0-9.]+)\)">\s*'
        r'<path class="sole" d="([^"]*)"',
        svg,
    )
    if m is None:
        raise ValueError(f"the picture has no {side} foot")
    top = float(m.group(1))
    frame = FootFrame(side, FootDimensions())  # type: ignore[arg-type]
    # The horizontal shift of this foot: the drawn sole against the frame's own view extent (the
    # render module may centre the feet under a wide title, so its layout is read, not re-derived).
    xs = np.array([float(x) for x in re.findall(r"[ML]\s*(-?[0-9.]+)", m.group(2))])
    xmin, _, xmax, _ = frame.view_extent()
    dx = 0.5 * (xs.min() + xs.max()) - 0.5 * (xmin + xmax)
    parts = [f'<g class="{css_class}" transform="translate({dx:.3f} {top:.3f})">']
    for line in lines_uv:
        line = np.asarray(line, dtype=np.float64)
        if line.size == 0:
            continue
        vx, vy = frame.uv_to_view(line[:, 0], line[:, 1])
        good = np.isfinite(vx) & np.isfinite(vy)
        # Split at gaps (frames without a ball).
        breaks = np.flatnonzero(np.diff(good.astype(int)) != 0) + 1
        for seg in np.split(np.arange(good.size), breaks):
            if seg.size < 2 or not good[seg[0]]:
                continue
            pts = " ".join(f"{vx[i]:.2f},{vy[i]:.2f}" for i in seg)
            parts.append(
                f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="1.1" '
                'stroke-linejoin="round" stroke-opacity="0.85"/>'
            )
        first = np.flatnonzero(good)
        if first.size:
            i0, i1 = first[0], first[-1]
            parts.append(
                f'<circle class="path-start" cx="{vx[i0]:.2f}" cy="{vy[i0]:.2f}" r="2.2" fill="#2ca02c">'
                "<title>start</title></circle>"
            )
            parts.append(
                f'<circle class="path-end" cx="{vx[i1]:.2f}" cy="{vy[i1]:.2f}" r="2.2" fill="#000000">'
                "<title>end</title></circle>"
            )
    if points_uv is not None and len(points_uv):
        pts = np.asarray(points_uv, dtype=np.float64)
        vx, vy = frame.uv_to_view(pts[:, 0], pts[:, 1])
        for k in range(pts.shape[0]):
            label = point_labels[k] if point_labels else str(k + 1)
            parts.append(
                f'<g class="marker"><circle cx="{vx[k]:.2f}" cy="{vy[k]:.2f}" r="3.2" fill="{colour}" '
                f'stroke="#ffffff" stroke-width="0.8"/><text x="{vx[k]:.2f}" y="{vy[k] + 1.3:.2f}" '
                f'font-size="3.6" text-anchor="middle" fill="#ffffff" '
                f'font-family="sans-serif">{label}</text></g>'
            )
    parts.append("</g>")
    head, sep, tail = svg.rpartition("</svg>")
    if not sep:
        raise ValueError("not an SVG document")
    return head + "\n".join(parts) + sep + tail


def track_svg(
    track: BallTrack,
    layer: str = "pressure-regions",
    *,
    highlight: list[str] = (),  # type: ignore[assignment]
    title: str | None = None,
    max_points: int = 1500,
) -> str:
    """The foot with the layer, the coverage raster (seconds under the ball; untouched cells
    transparent) and the tracked path (green start, black end)."""
    from solemap.render import render_svg

    cov = np.where(np.nan_to_num(track.coverage_s) > 0, track.coverage_s, np.nan)
    has = bool(np.isfinite(cov).any())
    svg = render_svg(
        side=track.foot,  # type: ignore[arg-type]
        layers=[layer],
        highlight=list(highlight),
        value_raster=cov if has else None,
        value_label="s under the ball",
        title=title,
        labels=False,
    )
    path = track.centre_uv
    step = max(1, math.ceil(path.shape[0] / max_points))
    return overlay_on_map(svg, track.foot, [path[::step]])
