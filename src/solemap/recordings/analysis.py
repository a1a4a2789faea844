"""High-level analysis of a recording: registration, region masks, steps and the metrics table.

>>> from solemap.recordings import read_recording
>>> from solemap.recordings.analysis import analyze
>>> table = analyze(read_recording("walk.asf"), layer="pressure-regions")   # doctest: +SKIP

The table is tidy: one row per (side, step, region, metric) with ``value`` and ``unit``. ``side`` is
the foot as registered (detected when the file does not say). ``step``
is the step number (1 …) for walking trials and missing (``<NA>``) for the whole recording;
``region`` is an atlas area id, or ``foot`` for the whole foot (which also carries the centre-of-
pressure metrics in foot_mm). Metric names and definitions: :data:`solemap.recordings.metrics.METRICS`.

Per side the data are read twice, in time chunks, so a memory-mapped recording larger than the
machine's memory works with bounded memory: pass 1 gives the footprint (per-sensel peak) and the
whole-foot force curve, from which the side is registered and the steps found; pass 2 computes the
per-region curves. Everything else works on the per-frame curves (T × regions), not on the data.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from solemap.recordings.core import Recording, RecordingError
from solemap.recordings.masks import DEFAULT_LAYER, region_weights
from solemap.recordings.metrics import (
    COP_METRICS,
    METRICS,
    Backend,
    FrameCurves,
    RegionWeights,
    cop_path,
    iter_chunks,
    region_curves,
    summarize,
)
from solemap.recordings.registration import (
    Registration,
    RegistrationError,
    fit_problems,
    register_footprint,
    register_layout,
    register_outline,
)
from solemap.recordings.steps import Step, StepError, detect_steps

__all__ = ["Analysis", "SideAnalysis", "analyze", "footprint_raster", "run_analysis"]

#: Bytes of pressure data per chunk handed to the kernel (which splits it between its threads):
#: large enough that per-call overhead vanishes, small enough to keep memory bounded.
CHUNK_BYTES = 64 * 1024 * 1024

Progress = Callable[[int, int], None]


@dataclass(eq=False)
class SideAnalysis:
    """Everything computed for one side.

    Attributes
    ----------
    side : the side as the recording names it ("left", "right", or "unknown" if registered).
    registration : where each sensel lies on the foot (its ``side`` is the detected foot).
    weights : region membership of the sensels.
    curves : per-frame regional curves (:class:`~solemap.recordings.metrics.FrameCurves`).
    steps : detected steps (empty for standing or rolling trials).
    footprint_kpa : per-sensel peak pressure over the recording, shape of one frame, NaN = none.
    cop_foot_mm : (T, 2) whole-foot centre of pressure in foot_mm (NaN when unloaded).
    cop_uv : (T, 2) the same in uv.
    notes : remarks (e.g. why no steps were found).
    """

    side: str
    registration: Registration
    weights: RegionWeights
    curves: FrameCurves
    steps: list[Step]
    footprint_kpa: np.ndarray
    cop_foot_mm: np.ndarray
    cop_uv: np.ndarray
    notes: list[str] = field(default_factory=list)

    @property
    def foot(self) -> str:
        """The foot this side was registered as ("left" or "right")."""
        return self.registration.side


@dataclass(eq=False)
class Analysis:
    """The result of :func:`run_analysis`: a tidy ``table`` plus per-side details."""

    recording: dict[str, Any]
    layer: str
    sides: list[SideAnalysis]
    table: pd.DataFrame

    def to_json(self) -> dict[str, Any]:
        """``{"recording": summary, "layer", "registration": [...], "metrics": [rows]}`` (JSON-ready)."""
        rows = []
        for rec in self.table.to_dict(orient="records"):
            step = rec["step"]
            value = rec["value"]
            rows.append(
                {
                    "side": rec["side"],
                    "step": None if pd.isna(step) else int(step),
                    "region": rec["region"],
                    "metric": rec["metric"],
                    "value": None if value is None or not math.isfinite(value) else round(float(value), 6),
                    "unit": rec["unit"],
                }
            )
        return {
            "recording": self.recording,
            "layer": self.layer,
            "registration": [{"side": s.side, **s.registration.to_json()} for s in self.sides],
            "steps": [
                {
                    "side": s.side,
                    "steps": [
                        {"step": st.number, "first_frame": st.start, "last_frame": st.stop} for st in s.steps
                    ],
                }
                for s in self.sides
            ],
            "metrics": rows,
        }


def _chunk_frames(frame_cells: int) -> int:
    return max(16, CHUNK_BYTES // max(4 * frame_cells, 1))


def _positions_and_areas(recording: Recording, side: str) -> tuple[np.ndarray | None, np.ndarray]:
    areas_mm2 = np.asarray(recording.sensor_areas_mm2(side), dtype=np.float64).reshape(-1)
    if recording.kind == "sensors":
        return recording.layout(side).positions_mm, areas_mm2
    return None, areas_mm2


def _register(
    recording: Recording,
    side: str,
    footprint: np.ndarray,
    foot_side: str | None,
    axis_deg: float | None,
    seen_from: str,
) -> Registration:
    if recording.kind == "sensors":
        foot = foot_side or (side if side in ("left", "right") else None)
        if foot is None:
            raise RecordingError(
                recording.metadata.get("path"),
                None,
                "a discrete-sensor recording with an unknown side: name the side (left or right)",
            )
        lay = recording.layout(side)
        return register_layout(lay.positions_mm, lay.areas_mm2, foot)  # type: ignore[arg-type]
    assert recording.pitch_mm is not None
    forced = foot_side or (side if side in ("left", "right") else None)
    reg = register_footprint(
        footprint,
        recording.pitch_mm,
        side=forced,  # type: ignore[arg-type]
        axis_deg=axis_deg,
        seen_from=seen_from,  # type: ignore[arg-type]
    )
    from_file = foot_side is None and forced is not None
    problems = fit_problems(reg)
    if problems and axis_deg is None:
        outline, share, drawn = _insole_outline(footprint)
        alt = None
        if outline is not None and share >= OUTLINE_MIN_SHARE:
            try:
                alt = register_outline(outline, recording.pitch_mm, forced, seen_from=seen_from)  # type: ignore[arg-type]
            except RegistrationError:
                alt = None
        if alt is not None and alt.iou >= OUTLINE_MIN_IOU and not fit_problems(alt):
            note = (
                f"the footprint model fitted poorly ({'; '.join(problems)}): registered from the "
                f"insole outline instead ({drawn}; IoU {alt.iou:.2f} with the whole sole)"
            )
            method = "sensor-outline (footprint fit poor" + (", side from the file)" if from_file else ")")
            reg = dataclasses.replace(alt, method=method, notes=(*alt.notes, note))
            problems = []
    if from_file and axis_deg is None and reg.method == "manual":
        # The file named the side; the rest came from the footprint.
        reg = dataclasses.replace(reg, method="footprint (side from the file)")
    if problems:
        warning = (
            f"warning: low-confidence registration ({'; '.join(problems)}); check the map and give "
            "the foot and the heel → toe direction (--side left/right, --axis-deg)"
        )
        reg = dataclasses.replace(reg, notes=(*reg.notes, warning))
    return reg


#: Fallback to the insole outline: the share of the outline's cells that the recording loaded, and
#: the soft IoU of the whole-sole model with the outline, that make the outline trustworthy.
OUTLINE_MIN_SHARE = 0.8
OUTLINE_MIN_IOU = 0.65


def _insole_outline(footprint: np.ndarray) -> tuple[np.ndarray | None, float, str]:
    """The insole's outline and the share of it that the recording loaded.

    The outline is the sensor's own (cells that are never NaN, e.g. Tekscan ``B`` cells) when the
    file marks it; otherwise (XSENSOR: a rectangle of cells, 0 outside the insole) the cells ever
    loaded, holes filled, largest connected piece (then the share is 1 by construction and the
    outline's shape, judged by the model fit, decides).
    """
    from scipy import ndimage

    fp = np.asarray(footprint, dtype=np.float64)
    if fp.ndim != 2:
        return None, 0.0, ""
    sensor = np.isfinite(fp)
    loaded = np.nan_to_num(fp, nan=0.0) > 0
    if not sensor.all():
        outline = sensor
    else:
        labels, n = ndimage.label(loaded, structure=np.ones((3, 3)))
        if n == 0:
            return None, 0.0, ""
        sizes = ndimage.sum(loaded, labels, index=np.arange(1, n + 1))
        outline = ndimage.binary_fill_holes(labels == 1 + int(np.argmax(sizes)))
    total = int(outline.sum())
    if total < 12:
        return None, 0.0, ""
    share = float((loaded & outline).sum() / total)
    if sensor.all():
        drawn = f"the outline of the {total} cells the recording loaded, the file marks no sensor outline"
    else:
        drawn = f"the sensor's outline, {share:.0%} of its {total} cells loaded"
    return outline, share, drawn


def _window_metrics(
    curves: FrameCurves,
    frames: slice,
    sensor_max: np.ndarray,
    weights: RegionWeights,
    area_m2: np.ndarray,
    dt: float,
    contact_kpa: float,
    cop_foot: np.ndarray,
    step: Step | None = None,
) -> list[tuple[str, str, float]]:
    """(region, metric, value) rows for one window: the regions and the whole foot.

    For a step, the whole foot's contact time is (FO − FS) · Δt, foot strike to foot off
    (pressure-metrics.md); regions and whole recordings use their loaded span.
    """
    rows: list[tuple[str, str, float]] = []
    if weights.n_regions:
        vals = summarize(
            curves.force_n[frames],
            curves.contact_area_m2[frames],
            curves.peak_kpa[frames],
            sensor_max,
            weights.weights,
            area_m2,
            dt,
            contact_kpa,
        )
        for k, region in enumerate(weights.region_ids):
            rows.extend((region, name, float(vals[name][k])) for name in METRICS)
    foot_w = np.isfinite(sensor_max).astype(np.float64)[:, None]
    foot = summarize(
        curves.total_force_n[frames, None],
        curves.total_area_m2[frames, None],
        curves.total_peak_kpa[frames, None],
        sensor_max,
        foot_w,
        area_m2,
        dt,
        contact_kpa,
    )
    if step is not None:
        foot["contact_time"] = np.array([(step.stop - step.start) * dt])
    rows.extend(("foot", name, float(foot[name][0])) for name in METRICS)
    rows.extend(("foot", name, float(val)) for name, val in cop_path(cop_foot[frames]).items())
    return rows


def _analyse_side(
    recording: Recording,
    side: str,
    layer: Any,
    *,
    partial: bool = False,
    foot_side: str | None,
    axis_deg: float | None,
    seen_from: str,
    steps: bool,
    step_threshold: float | str,
    min_step_frames: int,
    contact_kpa: float,
    backend: Backend,
    progress: Progress | None,
    done_before: int,
    total: int,
) -> tuple[SideAnalysis, list[tuple[str, Any, str, str, float]]]:
    data = recording.pressure(side)
    n_frames = data.shape[0]
    frame_shape = data.shape[1:]
    n_cells = int(np.prod(frame_shape))
    chunk = _chunk_frames(n_cells)
    positions, areas_mm2 = _positions_and_areas(recording, side)
    area_m2 = areas_mm2 * 1e-6
    plane_guess = (
        positions
        if positions is not None
        else np.column_stack(
            [
                (np.arange(n_cells) % frame_shape[-1]) * recording.pitch_mm[1],  # type: ignore[index]
                (np.arange(n_cells) // frame_shape[-1]) * recording.pitch_mm[0],  # type: ignore[index]
            ]
        )
    )

    def tick(offset: int) -> Callable[[int], None] | None:
        if progress is None:
            return None
        return lambda done: progress(done_before + offset + done, total)

    # Pass 1: footprint and whole-foot force (no regions).
    empty = RegionWeights((), np.zeros((n_cells, 0)))
    first = region_curves(
        iter_chunks(data, chunk),
        n_frames,
        empty,
        area_m2,
        plane_guess,
        contact_kpa=contact_kpa,
        backend=backend,
        progress=tick(0),
    )
    footprint = first.sensor_max_kpa.reshape(frame_shape)
    total_force = first.total_force_n
    del first  # keep only what pass 2 needs: memory grows with frames on long recordings
    if not np.isfinite(footprint).any():
        raise RecordingError(recording.metadata.get("path"), None, f"side {side}: every sample is missing")
    reg = _register(recording, side, footprint, foot_side, axis_deg, seen_from)
    # Cells never measured (NaN in every frame) are outside the sensor: the same rule as
    # Recording.valid_mask, taken from pass 1 so that a memory-mapped file is not read again.
    valid = np.isfinite(footprint)
    from solemap.recordings.masks import layer_ids

    if isinstance(layer, str) and not partial and layer in layer_ids():
        weights = region_weights(reg, layer, valid)
    else:  # a PressureMask, a pressuRe scheme name, or an atlas layer with partial weights
        from solemap.recordings.pressure_masks import layer_weights

        weights = layer_weights(layer, recording, side, reg, footprint, valid.reshape(-1), partial=partial)

    notes: list[str] = list(reg.notes)
    found: list[Step] = []
    if steps and n_frames > 2:
        try:
            found = detect_steps(total_force, step_threshold, min_frames=min_step_frames)
        except StepError as exc:
            notes.append(f"no steps: {exc}")
        if not found:
            notes.append("no complete steps found; metrics cover the whole recording")
    segments = np.full(n_frames, -1, np.int64)
    for st in found:
        segments[st.frames()] = st.number - 1

    # Pass 2: regional curves and per-step sensel maxima.
    curves = region_curves(
        iter_chunks(data, chunk),
        n_frames,
        weights,
        area_m2,
        reg.plane_mm,
        segments=segments,
        n_segments=len(found),
        contact_kpa=contact_kpa,
        backend=backend,
        progress=tick(n_frames),
        active=valid.reshape(-1),
    )
    cop_foot = reg.plane_to_foot(curves.cop_mm)
    cu, cv = reg.frame.mm_to_uv(cop_foot[:, 0], cop_foot[:, 1])
    cop_uv = np.column_stack([cu, cv])
    dt = 1.0 / recording.sample_rate_hz

    rows: list[tuple[str, Any, str, str, float]] = []
    have = np.flatnonzero(np.isfinite(curves.total_force_n))
    whole = slice(int(have[0]), int(have[-1]) + 1) if have.size else slice(0, 0)
    for region, metric, value in _window_metrics(
        curves, whole, curves.sensor_max_kpa, weights, area_m2, dt, contact_kpa, cop_foot
    ):
        rows.append((reg.side, pd.NA, region, metric, value))
    for st in found:
        smax = curves.segment_sensor_max_kpa[st.number - 1]
        for region, metric, value in _window_metrics(
            curves, st.frames(), smax, weights, area_m2, dt, contact_kpa, cop_foot, st
        ):
            rows.append((reg.side, st.number, region, metric, value))
    result = SideAnalysis(side, reg, weights, curves, found, footprint, cop_foot, cop_uv, notes)
    return result, rows


def recording_summary(recording: Recording, peaks: dict[str, float] | None = None) -> dict[str, Any]:
    """The ``recording`` object of ``solemap analyze --json``.

    ``peaks``: per-side peak pressures already known (from an analysis); other sides are read in
    chunks.
    """
    sides = []
    known = dict(peaks or {})
    for s in recording.sides:
        if s in known:
            peak = known[s]
        else:
            data = recording.pressure(s)
            peak = float("nan")
            for _, block in iter_chunks(data, _chunk_frames(int(np.prod(data.shape[1:])))):
                if np.isfinite(block).any():
                    peak = float(np.nanmax([peak, float(np.nanmax(block))]))
        sides.append(
            {
                "side": s,
                "shape": list(recording.shape(s)),
                "peak_pressure_kpa": None if math.isnan(peak) else round(peak, 3),
            }
        )
    return {
        "format": recording.format,
        "frames": recording.n_frames,
        "sample_rate_hz": recording.sample_rate_hz,
        "duration_s": round(recording.duration_s, 6),
        "source_units": recording.source_units,
        "sides": sides,
    }


def run_analysis(
    recording: Recording,
    layer: Any = DEFAULT_LAYER,
    side: str | None = None,
    *,
    axis_deg: float | None = None,
    seen_from: str = "above",
    steps: bool = True,
    step_threshold: float | str = "auto",
    min_step_frames: int = 10,
    contact_kpa: float = 0.0,
    backend: Backend = "numba",
    progress: Progress | None = None,
    partial: bool = False,
) -> Analysis:
    """Register, mask and measure every side (or one) of a recording.

    Parameters
    ----------
    recording : any :class:`~solemap.recordings.core.Recording` (in memory or memory-mapped).
    layer : atlas layer whose areas are the regions (default ``pressure-regions``), a pressuRe
        mask scheme (``pedar_mask1``, ``automask_novel``, …) or a
        :class:`~solemap.recordings.pressure_masks.PressureMask` (e.g. a GeoJSON mask file).
    partial : weight sensors by the fraction of their area inside each region (default: whole
        sensors for masks, sensel centres for atlas layers).
    side : "left"/"right": analyse only that side of a two-sided recording, or name the foot of a
        recording whose side is unknown (overriding the side detection).
    axis_deg : force the heel → toe direction of a grid (degrees, see
        :func:`~solemap.recordings.registration.register_footprint`).
    seen_from : "above" (default) or "below" for a mirrored grid export.
    steps : segment walking trials into steps (pressuRe's threshold rule).
    step_threshold, min_step_frames : see :func:`~solemap.recordings.steps.detect_steps`.
    contact_kpa : a sensel is loaded above this pressure (pressuRe: 0).
    backend : "numba" or "numpy" for the per-frame kernel.
    progress : called as ``progress(frames_done, frames_total)`` (both passes, all sides).

    Raises
    ------
    RecordingError : uncalibrated raw counts, an unknown side, or no data.
    solemap.recordings.masks.LayerError : unknown layer.
    """
    from solemap.recordings.masks import LayerError, layer_ids
    from solemap.recordings.pressure_masks import SCHEMES

    if isinstance(layer, str) and layer not in layer_ids() and layer not in SCHEMES:
        raise LayerError(f"unknown layer {layer!r}; layers: {', '.join([*layer_ids(), *SCHEMES])}")
    path = recording.metadata.get("path")
    if not recording.calibrated:
        raise RecordingError(
            path,
            None,
            "the values are raw sensor counts without a calibration to kPa; read the file with a "
            "calibration factor (kPa per count) to analyse it",
        )
    if side is not None and side not in ("left", "right"):
        raise RecordingError(path, None, f"side must be 'left' or 'right', got {side!r}")
    if side is None:
        todo = [(s, None) for s in recording.sides]
    elif side in recording.sides:
        todo = [(side, None)]
    elif recording.sides == ("unknown",):
        todo = [("unknown", side)]
    else:
        raise RecordingError(
            path, None, f"side {side!r} is not in this recording (sides: {', '.join(recording.sides)})"
        )
    if recording.n_frames == 0:
        raise RecordingError(path, None, "the recording has no frames")
    total = 2 * recording.n_frames * len(todo)
    results: list[SideAnalysis] = []
    rows: list[tuple[str, Any, str, str, float]] = []
    for i, (s, foot_side) in enumerate(todo):
        res, r = _analyse_side(
            recording,
            s,
            layer,
            partial=partial,
            foot_side=foot_side,
            axis_deg=axis_deg,
            seen_from=seen_from,
            steps=steps,
            step_threshold=step_threshold,
            min_step_frames=min_step_frames,
            contact_kpa=contact_kpa,
            backend=backend,
            progress=progress,
            done_before=2 * recording.n_frames * i,
            total=total,
        )
        results.append(res)
        rows.extend(r)
    units = {**{k: v.unit for k, v in METRICS.items()}, **{k: v.unit for k, v in COP_METRICS.items()}}
    table = pd.DataFrame(rows, columns=["side", "step", "region", "metric", "value"])
    table["step"] = table["step"].astype("Int64")
    table["value"] = table["value"].astype(np.float64)
    table["unit"] = table["metric"].map(units)
    peaks = {r.side: float(np.nanmax(r.footprint_kpa)) for r in results}
    return Analysis(recording_summary(recording, peaks), getattr(layer, "name", layer), results, table)


def analyze(
    recording: Recording, layer: str = DEFAULT_LAYER, side: str | None = None, **options: Any
) -> pd.DataFrame:
    """The tidy metrics table (side, step, region, metric, value, unit) of a recording.

    See :func:`run_analysis` for the options and the per-side details.
    """
    return run_analysis(recording, layer, side, **options).table


def footprint_raster(
    result: SideAnalysis, values: np.ndarray | None = None, nu: int = 240, nv: int = 90
) -> np.ndarray:
    """A (nu, nv) uv raster of per-sensel values (default: the peak-pressure footprint), for
    :func:`solemap.render.render_svg` ``value_raster``. Cells with no sensel under them are NaN.

    Each uv cell centre is mapped through the registration into the sensor plane and takes the
    value of the sensel (grid: the one containing it) or sensor (layout: the nearest, if within one
    sensor size) there.
    """
    vals = np.asarray(result.footprint_kpa if values is None else values, dtype=np.float64).reshape(-1)
    reg = result.registration
    uu, vv = np.meshgrid((np.arange(nu) + 0.5) / nu, (np.arange(nv) + 0.5) / nv, indexing="ij")
    x, y = reg.frame.uv_to_mm(uu, vv)
    plane = reg.foot_to_plane(np.stack([x, y], axis=-1))
    out = np.full((nu, nv), np.nan)
    if len(reg.shape) == 2:
        rows, cols = reg.shape
        # Grid plane: x = col · col_pitch, y = row · row_pitch (mirrored x for seen_from="below").
        pts = reg.plane_mm.reshape(rows, cols, 2)
        col_pitch = float(np.hypot(*(pts[0, 1] - pts[0, 0]))) if cols > 1 else 1.0
        row_pitch = float(np.hypot(*(pts[1, 0] - pts[0, 0]))) if rows > 1 else 1.0
        sign = 1.0 if cols < 2 or pts[0, 1, 0] > pts[0, 0, 0] else -1.0
        c = np.rint(sign * plane[..., 0] / col_pitch).astype(int)
        r = np.rint(plane[..., 1] / row_pitch).astype(int)
        ok = (r >= 0) & (r < rows) & (c >= 0) & (c < cols)
        out[ok] = vals[r[ok] * cols + c[ok]]
    else:
        from scipy.spatial import cKDTree

        tree = cKDTree(reg.plane_mm)
        spacing = np.median(tree.query(reg.plane_mm, k=2)[0][:, 1]) if reg.plane_mm.shape[0] > 1 else 10.0
        dist, idx = tree.query(plane.reshape(-1, 2))
        flat = np.where(dist <= spacing, vals[idx], np.nan)
        out = flat.reshape(nu, nv)
    return out
