"""Partial-sensor weighting: the fraction of each sensor's area that lies inside each region.

A region mask is a polygon; a sensor is a polygon too (a square sensel of a grid, or one of the
insole's sensor quadrilaterals for pedar and other discrete insoles). The weight of sensor i in
region k is

    w[i, k] = area(sensor_i ∩ region_k) / area(sensor_i)            ∈ [0, 1]

(``../shared/domain/pressure-metrics.md``, "Notation"). Sensors wholly inside a region get exactly
1.0 and sensors outside it (or touching it only along an edge or at a corner) exactly 0.0: both are
decided by exact predicates (``covers`` / ``intersects`` of the interiors), not by comparing a
floating-point area ratio with 1, so a sensor on a region drawn along its edges never comes out as
0.99999999 (which pressuRe's ``partial_sensors = FALSE`` rule, ``w < 1 → 0``, would then drop).

pressuRe's default keeps whole sensors only: :func:`whole_sensors` applies that rule to a weight
matrix. Every per-region metric in :mod:`solemap.recordings.metrics` accepts fractional weights:
force, area and mean pressure are weighted by w, peak pressure and the novel PTI use every sensor
with w > 0.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

__all__ = [
    "grid_sensel_polygons",
    "overlap_weights",
    "sensor_polygons_array",
    "whole_sensors",
]

#: Ratios this close to 0 or 1 (relative) are rounding noise of the intersection, not real overlap.
_SNAP = 1e-9


def grid_sensel_polygons(shape: tuple[int, int], pitch_mm: tuple[float, float]) -> np.ndarray:
    """Square sensel polygons of a grid in grid-plane mm.

    Parameters
    ----------
    shape : (R, C) rows and columns of the grid.
    pitch_mm : (row_pitch, col_pitch) in mm.

    Returns (R·C, 4, 2) float64 corners, row-major like ``pressure.reshape(T, -1)``. The plane is
    the one of :mod:`solemap.recordings.registration`: sensel (row, col) is centred at
    ``(x, y) = (col · col_pitch, row · row_pitch)`` and covers half a pitch either side.
    """
    rows, cols = int(shape[0]), int(shape[1])
    rp, cp = float(pitch_mm[0]), float(pitch_mm[1])
    r, c = np.meshgrid(np.arange(rows, dtype=np.float64), np.arange(cols, dtype=np.float64), indexing="ij")
    x, y = (c * cp).reshape(-1), (r * rp).reshape(-1)
    hx, hy = cp / 2.0, rp / 2.0
    corners = np.stack(
        [
            np.column_stack([x - hx, y - hy]),
            np.column_stack([x + hx, y - hy]),
            np.column_stack([x + hx, y + hy]),
            np.column_stack([x - hx, y + hy]),
        ],
        axis=1,
    )
    return corners


def sensor_polygons_array(polygons: Sequence[np.ndarray] | np.ndarray) -> np.ndarray:
    """Shapely polygons (object array, (N,)) from N (k, 2) vertex arrays (any orientation)."""
    if isinstance(polygons, np.ndarray) and polygons.ndim == 3:
        return shapely.polygons(polygons)
    return np.array([shapely.Polygon(np.asarray(p, dtype=np.float64)) for p in polygons], dtype=object)


def overlap_weights(
    sensors: Sequence[np.ndarray] | np.ndarray,
    regions: Sequence[BaseGeometry],
    *,
    degenerate: str = "error",
) -> np.ndarray:
    """(N, K) float64 fraction of each sensor polygon inside each region polygon.

    Parameters
    ----------
    sensors : N sensor polygons, as an (N, k, 2) array or a list of (k_i, 2) arrays (same frame
        and units as the regions; a shapely object array is accepted too).
    regions : K shapely (Multi)Polygons.
    degenerate : ``"error"`` (default) raises for a sensor polygon without area; ``"zero"``
        gives it weight 0 everywhere (sensors mapped into uv far outside the sole collapse).

    Exactly 1.0 where the region covers the sensor and exactly 0.0 where their interiors do not
    meet; in between, the area ratio. Only sensor–region pairs whose bounding boxes meet are
    intersected (STR tree), so a 60 × 21 grid against ten regions takes milliseconds.
    """
    if isinstance(sensors, np.ndarray) and sensors.dtype == object:
        polys = sensors
    else:
        polys = sensor_polygons_array(sensors)
    n, k = len(polys), len(regions)
    out = np.zeros((n, k), dtype=np.float64)
    if n == 0 or k == 0:
        return out
    areas = shapely.area(polys)
    ok = (areas > 0) & shapely.is_valid(polys)
    if not ok.all():
        if degenerate != "zero":
            bad = int(np.flatnonzero(~ok)[0])
            raise ValueError(f"sensor polygon {bad} has no area or is not a valid polygon")
        polys = np.where(ok, polys, None)
    reg = np.array(list(regions), dtype=object)
    tree = shapely.STRtree(polys)
    for j, region in enumerate(reg):
        if region is None or region.is_empty:
            continue
        cand = tree.query(region)  # bounding boxes meet
        if cand.size == 0:
            continue
        sub = polys[cand]
        inside = shapely.covers(region, sub)
        # Interiors meet ⇔ the intersection has area; "relate" would be exact too but slower.
        partial = cand[~inside]
        frac = np.zeros(partial.size)
        if partial.size:
            inter = shapely.area(shapely.intersection(region, polys[partial]))
            frac = inter / areas[partial]
            frac[frac < _SNAP] = 0.0
            frac[frac > 1.0 - _SNAP] = 1.0
        out[cand[inside], j] = 1.0
        out[partial, j] = frac
    return np.clip(out, 0.0, 1.0)


def whole_sensors(weights: np.ndarray) -> np.ndarray:
    """pressuRe's default (``partial_sensors = FALSE``): keep only sensors wholly inside (w = 1).

    Returns a new (N, K) array with every weight below 1 set to 0.
    """
    w = np.asarray(weights, dtype=np.float64)
    return np.where(w >= 1.0, 1.0, 0.0)
