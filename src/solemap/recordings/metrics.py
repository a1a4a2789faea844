"""Per-region plantar-pressure metrics: a one-pass kernel over frames and the step summaries.

Definitions follow Telfer/pressuRe (``mask_analysis``; see ``../shared/domain/pressure-metrics.md``)
where pressuRe computes the same quantity; the names below say which pressuRe id each one is.

Notation: frame t with period Δt (s); sensor i with pressure p_i(t) (kPa, NaN = missing) and area
A_i (m²); region R with weights w_i ∈ [0, 1] (the fraction of sensor i inside the region). A sensor
"belongs" to R when w_i > 0. Loaded: p_i(t) > ``contact_kpa`` (0 kPa in pressuRe).

Per frame (:func:`region_curves`, one pass over the data, chunked over time):

* force F_R(t) = Σ_i w_i A_i p_i(t) · 1000, N (missing sensors skipped)
* contact area C_R(t) = Σ_i w_i A_i [p_i(t) > contact_kpa], m²
* peak curve P_R(t) = max over member sensors of p_i(t), kPa (pressuRe ``press_peak_sensor_ts``)
* a frame is *missing* for R when every member sensor is NaN in it; its curve values are NaN.
* whole foot: total force and the force-weighted centre of pressure (CoP) in sensor-plane mm.

Per window of frames (a step or the whole trial, :func:`summarize`), with the *ever-loaded area*
A_R = Σ w_i A_i [max_t p_i(t) > contact_kpa] over the window:

=======================  ===========================================================  =====
name                     definition                                                   unit
=======================  ===========================================================  =====
``peak_pressure``        max_t P_R(t) (pressuRe ``press_peak_sensor``)                kPa
``mean_pressure_peak``   max_t F_R(t) / (1000 A_R) (pressuRe ``press_peak_mask``)     kPa
``mean_pressure``        mean over loaded frames of F_R(t) / (1000 C_R(t))            kPa
``pti_peak``             Σ_t P_R(t) Δt, rectangle sum (pressuRe ``pti_1``)            kPa·s
``pti_mean``             FTI / A_R / 1000, Melai (pressuRe ``pti_2``)                 kPa·s
``fti``                  trapezoid ∫ F_R dt (pressuRe ``fti``)                        N·s
``max_force``            max_t F_R(t) (pressuRe ``force_peak``)                       N
``contact_area_peak``    max_t C_R(t) (pressuRe ``contact_area_peak``, in cm²)        cm²
``contact_area_total``   A_R, the area loaded at any time in the window               cm²
``contact_time``         (last − first loaded frame + 1) Δt; the whole foot in a      s
                         step: (FO − FS) Δt, set by :mod:`solemap.recordings.analysis`
=======================  ===========================================================  =====

Missing data stays missing: maxima and means use the frames that have data (NaN if none);
integrals (``pti_*``, ``fti``) are NaN when any frame of the window is missing for the region,
because integrating across a gap would invent the pressure in it.

Two interchangeable back ends compute the per-frame curves: a numba kernel (parallel over frames;
the default) and a numpy one (matrix products for the sums, per-region ``nanmax`` for the peak).
``benchmarks/recordings.py`` times both.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from solemap.recordings._lanes import LANES, aligned_full, lane_layout

__all__ = [
    "METRICS",
    "FrameCurves",
    "MetricInfo",
    "RegionWeights",
    "cop_path",
    "region_curves",
    "summarize",
]

Backend = Literal["numba", "numpy"]


@dataclass(frozen=True)
class MetricInfo:
    """What a metric name means: unit, one-line definition and the pressuRe id it matches."""

    unit: str
    definition: str
    pressure_id: str | None


METRICS: dict[str, MetricInfo] = {
    "peak_pressure": MetricInfo("kPa", "maximum over frames and region sensors", "press_peak_sensor"),
    "mean_pressure_peak": MetricInfo(
        "kPa", "max over frames of regional force / ever-loaded regional area", "press_peak_mask"
    ),
    "mean_pressure": MetricInfo("kPa", "mean over loaded frames of force / current contact area", None),
    "pti_peak": MetricInfo("kPa·s", "rectangle sum of the regional peak-pressure curve (novel PTI)", "pti_1"),
    "pti_mean": MetricInfo("kPa·s", "force-time integral / ever-loaded area (Melai PTI)", "pti_2"),
    "fti": MetricInfo("N·s", "trapezoid integral of the regional force", "fti"),
    "max_force": MetricInfo("N", "maximum regional force", "force_peak"),
    "contact_area_peak": MetricInfo("cm²", "maximum loaded area in one frame", "contact_area_peak"),
    "contact_area_total": MetricInfo("cm²", "area of the sensors loaded at any time in the window", None),
    "contact_time": MetricInfo(
        "s",
        "(last − first frame with a loaded sensor + 1) × frame period; "
        "whole foot in a step: (FO − FS) × period",
        None,
    ),
}

#: Metrics of the whole-foot centre-of-pressure path (region ``foot`` only), in foot_mm when the
#: caller passes registered coordinates, else in sensor-plane mm.
COP_METRICS: dict[str, MetricInfo] = {
    "cop_path_length": MetricInfo("mm", "sum of distances between successive CoP points", None),
    "cop_ap_range": MetricInfo("mm", "range of the CoP along the foot axis (heel → toe)", None),
    "cop_ml_range": MetricInfo("mm", "range of the CoP across the foot axis", None),
}


# ---------------------------------------------------------------------------------- regions
@dataclass(frozen=True, eq=False)
class RegionWeights:
    """Membership of N sensors in K (possibly overlapping) regions.

    Attributes
    ----------
    region_ids : K region names (atlas area ids or mask names).
    weights : (N, K) float64 in [0, 1]; w[i, k] = fraction of sensor i inside region k.
    """

    region_ids: tuple[str, ...]
    weights: np.ndarray

    def __post_init__(self) -> None:
        w = np.asarray(self.weights, dtype=np.float64)
        if w.ndim != 2 or w.shape[1] != len(self.region_ids):
            raise ValueError(f"weights must be (N, {len(self.region_ids)}), got {w.shape}")
        if np.any(~np.isfinite(w)) or np.any(w < 0) or np.any(w > 1):
            raise ValueError("region weights must lie in [0, 1]")
        object.__setattr__(self, "weights", w)
        object.__setattr__(self, "region_ids", tuple(str(r) for r in self.region_ids))

    @classmethod
    def from_masks(cls, region_ids: Sequence[str], masks: np.ndarray) -> RegionWeights:
        """From an (N, K) boolean membership matrix (overlaps allowed)."""
        return cls(tuple(region_ids), np.asarray(masks, dtype=np.float64))

    @classmethod
    def from_labels(cls, region_ids: Sequence[str], labels: np.ndarray) -> RegionWeights:
        """From (N,) integer labels into ``region_ids`` (-1 = in no region)."""
        lab = np.asarray(labels).reshape(-1)
        k = len(region_ids)
        if lab.size and (lab.max() >= k or lab.min() < -1):
            raise ValueError(f"labels must lie in -1 … {k - 1}")
        w = np.zeros((lab.size, k))
        inside = lab >= 0
        w[np.flatnonzero(inside), lab[inside]] = 1.0
        return cls(tuple(region_ids), w)

    @property
    def n_sensors(self) -> int:
        return int(self.weights.shape[0])

    @property
    def n_regions(self) -> int:
        return int(self.weights.shape[1])


# ---------------------------------------------------------------------------------- curves
@dataclass(eq=False)
class FrameCurves:
    """Per-frame regional curves of one side plus per-sensor accumulations.

    Attributes
    ----------
    region_ids : K region names.
    force_n : (T, K) float64, regional force F_R(t) in N (NaN = missing frame).
    contact_area_m2 : (T, K) float64, loaded regional area C_R(t) in m².
    peak_kpa : (T, K) float32, regional peak pressure P_R(t) in kPa.
    total_force_n : (T,) float64, whole-foot force in N (NaN when the whole frame is missing).
    total_area_m2 : (T,) float64, whole-foot loaded area in m².
    total_peak_kpa : (T,) float32, whole-foot peak pressure in kPa.
    cop_mm : (T, 2) float64, force-weighted CoP in the caller's sensor coordinates (mm); NaN
        when the foot carries no load or the frame is missing.
    sensor_max_kpa : (N,) float32, per-sensor maximum over all frames (NaN if never measured).
    sensor_sum_kpas : (N,) float64, per-sensor Σ p over frames (× Δt = per-sensor PTI map).
    segment_sensor_max_kpa : (S, N) float32, per-sensor maximum within each segment (e.g. step).
    """

    region_ids: tuple[str, ...]
    force_n: np.ndarray
    contact_area_m2: np.ndarray
    peak_kpa: np.ndarray
    total_force_n: np.ndarray
    total_area_m2: np.ndarray
    total_peak_kpa: np.ndarray
    cop_mm: np.ndarray
    sensor_max_kpa: np.ndarray
    sensor_sum_kpas: np.ndarray
    segment_sensor_max_kpa: np.ndarray

    @property
    def n_frames(self) -> int:
        return int(self.force_n.shape[0])


def _numba_kernels():
    """The numba kernel (:mod:`solemap.recordings._kernels`), imported on first use: importing
    numba takes a moment, and the kernel compiles (or loads from numba's cache) on its first call.
    """
    from solemap.recordings._kernels import block_kernel

    return block_kernel


def _neg_inf_to_nan(maxima: np.ndarray) -> np.ndarray:
    """The kernel's running maxima start at -inf ("nothing measured yet"); that becomes NaN."""
    out = np.asarray(maxima, dtype=np.float32).copy()
    out[np.isneginf(out)] = np.nan
    return out


def _numpy_frames(p, weights, area_m2, xs, ys, thr, out, t0):
    force, carea, peak, tforce, tarea, tpeak, cop = out
    t1 = t0 + p.shape[0]
    valid = ~np.isnan(p)
    pz = np.where(valid, p, np.float32(0)).astype(np.float64)
    wa = weights * area_m2[:, None]
    member = weights > 0
    nvalid = valid.astype(np.float64) @ member.astype(np.float64)
    missing = nvalid == 0
    f = pz @ wa * 1000.0
    a = (p > thr).astype(np.float64) @ wa
    f[missing] = np.nan
    a[missing] = np.nan
    force[t0:t1] = f
    carea[t0:t1] = a
    for k in range(weights.shape[1]):
        cols = np.flatnonzero(member[:, k])
        sub = np.where(valid[:, cols], p[:, cols], -np.inf)
        m = sub.max(axis=1) if cols.size else np.full(p.shape[0], -np.inf, np.float32)
        m = m.astype(np.float32)
        m[missing[:, k]] = np.nan
        peak[t0:t1, k] = m
    fa = pz * area_m2
    tf = fa.sum(axis=1)
    frame_missing = ~valid.any(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        cx = fa @ xs / tf
        cy = fa @ ys / tf
    cx[~(tf > 0)] = np.nan
    cy[~(tf > 0)] = np.nan
    tforce[t0:t1] = np.where(frame_missing, np.nan, tf * 1000.0)
    tarea[t0:t1] = np.where(frame_missing, np.nan, (p > thr) @ area_m2)
    tp = np.where(valid, p, -np.inf).max(axis=1).astype(np.float32)
    tp[frame_missing] = np.nan
    tpeak[t0:t1] = tp
    cop[t0:t1, 0] = cx
    cop[t0:t1, 1] = cy


def _numpy_sensors(p, seg, smax, ssum, segmax):
    ssum += np.nansum(p, axis=0, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        smax[:] = np.fmax(smax, np.nanmax(np.where(np.isnan(p), -np.inf, p), axis=0))
    smax[np.isneginf(smax)] = np.nan
    for g in np.unique(seg[seg >= 0]):
        rows = p[seg == g]
        cur = np.where(np.isnan(rows), -np.inf, rows).max(axis=0)
        cur = np.where(np.isneginf(cur), np.nan, cur)
        segmax[g] = np.fmax(segmax[g], cur)


def _mmap_of(arr: np.ndarray):
    """The ``mmap`` object behind a memory-mapped array (or a view of one), else None."""
    base = arr
    while base is not None:
        mm = getattr(base, "_mmap", None)
        if mm is not None:
            return base, mm
        base = getattr(base, "base", None)
    return None


def _release(arr: np.ndarray, t0: int, t1: int) -> None:
    """Tell the kernel the file pages of frames t0..t1 are no longer needed.

    Pages of a memory-mapped file count towards the process's resident memory until the system
    needs them back; dropping them after each chunk keeps the resident size bounded (the data stay
    in the file and the page cache).
    """
    import mmap

    found = _mmap_of(arr)
    if found is None or not arr.flags.c_contiguous or not hasattr(mmap, "MADV_DONTNEED"):
        return
    base, mm = found
    start = arr[t0:t1].__array_interface__["data"][0] - np.asarray(base).__array_interface__["data"][0]
    start += getattr(base, "offset", 0) % mmap.ALLOCATIONGRANULARITY
    length = (t1 - t0) * arr[0].nbytes
    page = mmap.PAGESIZE
    lo = (start // page) * page
    hi = ((start + length) // page) * page  # whole pages only: neighbours may still be in use
    if hi > lo:
        with contextlib.suppress(OSError, ValueError):  # advice only
            mm.madvise(mmap.MADV_DONTNEED, lo, hi - lo)


def iter_chunks(pressure: np.ndarray, chunk_frames: int) -> Iterator[tuple[int, np.ndarray]]:
    """Yield ``(first_frame, (t, N) float32 block)`` over a (T, …) array, ``chunk_frames`` at a time.

    Works on memory-mapped arrays with bounded memory: only one block is resident at a time.
    """
    t_count = pressure.shape[0]
    for t0 in range(0, t_count, chunk_frames):
        t1 = min(t_count, t0 + chunk_frames)
        block = np.asarray(pressure[t0:t1], dtype=np.float32)
        yield t0, np.ascontiguousarray(block.reshape(block.shape[0], -1))
        _release(pressure, t0, t1)


def region_curves(
    chunks: Iterable[tuple[int, np.ndarray]],
    n_frames: int,
    weights: RegionWeights,
    area_m2: np.ndarray,
    positions_mm: np.ndarray,
    *,
    segments: np.ndarray | None = None,
    n_segments: int = 0,
    contact_kpa: float = 0.0,
    backend: Backend = "numba",
    progress: Callable[[int], None] | None = None,
    active: np.ndarray | None = None,
) -> FrameCurves:
    """Per-frame regional curves and per-sensor maxima in one pass over the data.

    Parameters
    ----------
    chunks : iterable of ``(first_frame, (t, N) float32 kPa)`` blocks in time order, e.g.
        :func:`iter_chunks` over an in-memory or memory-mapped (T, R, C) array.
    n_frames : T, the total number of frames the chunks cover.
    weights : region membership of the N sensors.
    area_m2 : (N,) sensor areas in m².
    positions_mm : (N, 2) sensor centres (any planar mm frame; the CoP comes out in it).
    segments : (T,) int, segment index per frame (e.g. step number, -1 = none) for
        ``segment_sensor_max_kpa``; None = no segments.
    n_segments : number of segments S.
    contact_kpa : a sensor is loaded when p > contact_kpa (pressuRe: 0).
    backend : ``"numba"`` (parallel kernel) or ``"numpy"``.
    progress : called with the number of frames done after each chunk.
    active : (N,) bool, the sensors that can hold data (e.g. the recording's valid mask); the
        others are NaN in every frame and are ignored. None = all.
    """
    n = weights.n_sensors
    k = weights.n_regions
    area = np.ascontiguousarray(area_m2, dtype=np.float64).reshape(-1)
    pos = np.asarray(positions_mm, dtype=np.float64).reshape(n, 2)
    xs, ys = np.ascontiguousarray(pos[:, 0]), np.ascontiguousarray(pos[:, 1])
    if area.shape != (n,):
        raise ValueError(f"area_m2 must have {n} entries, got {area.shape}")
    seg_all = np.full(n_frames, -1, np.int64) if segments is None else np.asarray(segments, np.int64)
    if seg_all.shape != (n_frames,):
        raise ValueError(f"segments must have {n_frames} entries")
    force = np.empty((n_frames, k))
    carea = np.empty((n_frames, k))
    peak = np.empty((n_frames, k), np.float32)
    tforce = np.empty(n_frames)
    tarea = np.empty(n_frames)
    tpeak = np.empty(n_frames, np.float32)
    cop = np.empty((n_frames, 2))
    smax = np.full(n, np.nan, np.float32)
    ssum = np.zeros(n)
    segmax = np.full((max(n_segments, 0), n), np.nan, np.float32)
    thr = float(contact_kpa)
    act = np.ones(n, bool) if active is None else np.asarray(active, bool).reshape(-1)
    if act.shape != (n,):
        raise ValueError(f"active must have {n} entries, got {act.shape}")
    if backend == "numba":
        import numba

        kernel = _numba_kernels()
        # Rows shorter than one 16-lane vector are padded with never-measured sensors.
        pad = max(0, LANES - n)
        lanes = lane_layout(
            np.pad(area, (0, pad)),
            np.pad(xs, (0, pad)),
            np.pad(ys, (0, pad)),
            np.pad(act, (0, pad)),
            np.pad(weights.weights, ((0, pad), (0, 0))),
        )
        n_threads = numba.get_num_threads()
        lane_count = lanes.n_vectors * LANES
        # Per-thread accumulators (no two threads write the same cell); maxima start at -inf.
        smax_k = aligned_full((n_threads, lanes.n_vectors, LANES), -np.inf)
        ssum_k = np.zeros((n_threads, lane_count))
        ssum32_k = aligned_full((n_threads, lanes.n_vectors, LANES), 0.0)
        segmax_k = aligned_full((n_threads, max(n_segments, 0), lane_count), -np.inf)
    elif backend != "numpy":
        raise ValueError(f"backend must be 'numba' or 'numpy', got {backend!r}")
    done = 0
    for t0, block in chunks:
        if block.shape[1] != n:
            raise ValueError(f"chunk has {block.shape[1]} sensors, weights {n}")
        t1 = t0 + block.shape[0]
        seg = seg_all[t0:t1]
        if backend == "numba":
            # The kernel reads whole 16-lane vectors of each row: rows must be contiguous float32.
            block = np.ascontiguousarray(block, dtype=np.float32)
            if pad:
                block = np.pad(block, ((0, 0), (0, pad)), constant_values=np.nan)
            kernel(
                block,
                lanes.offsets,
                lanes.area,
                lanes.area_x,
                lanes.area_y,
                lanes.active,
                lanes.win_ptr,
                lanes.win_offset,
                lanes.win_weight,
                lanes.win_member,
                np.float32(thr),
                seg,
                force[t0:t1],
                carea[t0:t1],
                peak[t0:t1],
                tforce[t0:t1],
                tarea[t0:t1],
                tpeak[t0:t1],
                cop[t0:t1],
                smax_k,
                ssum_k,
                ssum32_k,
                segmax_k,
            )
        else:
            if active is not None and not act.all():
                block = np.where(act, block, np.float32(np.nan))
            _numpy_frames(
                block, weights.weights, area, xs, ys, thr, (force, carea, peak, tforce, tarea, tpeak, cop), t0
            )
            _numpy_sensors(block, seg, smax, ssum, segmax)
        done += block.shape[0]
        if progress is not None:
            progress(done)
    if done != n_frames:
        raise ValueError(f"chunks covered {done} frames, expected {n_frames}")
    if backend == "numba":
        sensors, smax_v = lanes.lane_values(smax_k.reshape(n_threads, -1).max(axis=0))
        smax[sensors] = _neg_inf_to_nan(smax_v)
        ssum[sensors] = lanes.lane_values(ssum_k.sum(axis=0))[1]
        if n_segments > 0:
            segmax[:, sensors] = _neg_inf_to_nan(lanes.lane_values(segmax_k.max(axis=0))[1])
    return FrameCurves(weights.region_ids, force, carea, peak, tforce, tarea, tpeak, cop, smax, ssum, segmax)


# ---------------------------------------------------------------------------------- summaries
def _trapz_or_nan(y: np.ndarray, dt: float) -> np.ndarray:
    """Trapezoid integral along axis 0 with spacing dt; NaN for columns with any NaN."""
    if y.shape[0] == 0:
        return np.full(y.shape[1:], np.nan)
    if y.shape[0] == 1:
        out = np.zeros(y.shape[1:])
    else:
        out = (y[1:] + y[:-1]).sum(axis=0) * (dt / 2.0)
    return np.where(np.isnan(y).any(axis=0), np.nan, out)


def _nanmax0(y: np.ndarray) -> np.ndarray:
    """Max along axis 0 ignoring NaN; NaN where a column is all NaN (no warning)."""
    if y.shape[0] == 0:
        return np.full(y.shape[1:], np.nan)
    filled = np.where(np.isnan(y), -np.inf, y).max(axis=0).astype(np.float64)
    return np.where(np.isneginf(filled), np.nan, filled)


def summarize(
    force_n: np.ndarray,
    contact_area_m2: np.ndarray,
    peak_kpa: np.ndarray,
    sensor_max_kpa: np.ndarray,
    weights: np.ndarray,
    area_m2: np.ndarray,
    dt_s: float,
    contact_kpa: float = 0.0,
) -> dict[str, np.ndarray]:
    """The window metrics of :data:`METRICS` from curves restricted to one window.

    Parameters
    ----------
    force_n, contact_area_m2, peak_kpa : (W, K) curves of the window's W frames.
    sensor_max_kpa : (N,) per-sensor maximum over the same window (NaN = never measured).
    weights : (N, K) region weights; area_m2 : (N,) sensor areas (m²); dt_s : frame period (s).

    Returns metric name -> (K,) float64 values in the units of :data:`METRICS`.
    """
    force = np.asarray(force_n, np.float64)
    area_t = np.asarray(contact_area_m2, np.float64)
    peak = np.asarray(peak_kpa, np.float64)
    loaded_sensor = np.nan_to_num(np.asarray(sensor_max_kpa, np.float64), nan=-np.inf) > contact_kpa
    ever_area = (loaded_sensor.astype(np.float64) * area_m2) @ weights  # (K,) m², A_R
    fti = _trapz_or_nan(force, dt_s)
    with np.errstate(invalid="ignore", divide="ignore"):
        melai = np.where(ever_area > 0, fti / np.where(ever_area > 0, ever_area, 1.0) / 1000.0, np.nan)
        mean_peak = np.where(
            ever_area > 0, _nanmax0(force) / 1000.0 / np.where(ever_area > 0, ever_area, 1), np.nan
        )
        loaded = area_t > 0
        ratio = np.where(loaded, force / 1000.0 / np.where(loaded, area_t, 1.0), np.nan)
    n_loaded = loaded.sum(axis=0)
    mean_p = np.where(n_loaded > 0, np.nansum(ratio, axis=0) / np.maximum(n_loaded, 1), np.nan)
    pti_peak = np.where(np.isnan(peak).any(axis=0), np.nan, np.nansum(peak, axis=0) * dt_s)
    if peak.shape[0] == 0:
        pti_peak = np.full(peak.shape[1:], np.nan)
    contact_time = np.zeros(force.shape[1])
    for k in range(force.shape[1]):
        hit = np.flatnonzero(loaded[:, k])
        if hit.size:
            contact_time[k] = (hit[-1] - hit[0] + 1) * dt_s
    all_missing = np.isnan(force).all(axis=0)
    contact_time[all_missing] = np.nan
    return {
        "peak_pressure": _nanmax0(peak),
        "mean_pressure_peak": mean_peak,
        "mean_pressure": mean_p,
        "pti_peak": pti_peak,
        "pti_mean": melai,
        "fti": fti,
        "max_force": _nanmax0(force),
        "contact_area_peak": _nanmax0(area_t) * 1e4,
        "contact_area_total": np.where(all_missing, np.nan, ever_area * 1e4),
        "contact_time": contact_time,
    }


def cop_path(cop_xy_mm: np.ndarray) -> dict[str, float]:
    """Length and ranges of a CoP path (T, 2) in mm; NaN points (unloaded frames) are skipped.

    The first coordinate is taken as along the foot axis (AP), the second across it (ML), so pass
    foot_mm coordinates for anatomical ranges.
    """
    c = np.asarray(cop_xy_mm, np.float64)
    c = c[~np.isnan(c).any(axis=1)]
    if c.shape[0] == 0:
        return {"cop_path_length": np.nan, "cop_ap_range": np.nan, "cop_ml_range": np.nan}
    length = float(np.linalg.norm(np.diff(c, axis=0), axis=1).sum())
    return {
        "cop_path_length": length,
        "cop_ap_range": float(np.ptp(c[:, 0])),
        "cop_ml_range": float(np.ptp(c[:, 1])),
    }
