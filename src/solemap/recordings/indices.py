"""Clinical foot indices from plate footprints: arch index, CPEI and the peak pressure gradient.

Arch index (AI)
    Cavanagh PR, Rodgers MM 1987, "The arch index: a useful measure from footprints", J Biomech
    20(5):547–551. Toes removed, the remaining print's length along the foot axis is cut into
    thirds; AI = midfoot-third contact area / total contact area (all three thirds). Commonly
    quoted bands: high arch ≤ 0.21, normal 0.21–0.26, flat ≥ 0.26 (``../shared/domain/foot-shape.md``
    §2.3, **unverified**). As in pressuRe's ``arch_index``: the toes are the hallux and lesser-toe
    regions of the ``automask_novel`` mask and a sensel touching them is dropped; areas are the
    exact overlaps of the sensel squares with the thirds. The axis here is the long side of the
    print's minimum-area rectangle (pressuRe rotates by its CoP line instead; the original uses heel
    centre → second toe); pass ``axis`` to use another.
Centre of pressure excursion index (CPEI)
    Song J, Hillstrom HJ, Secord D, Levitt J 1996, "Foot type biomechanics: comparison of planus
    and rectus foot types", J Am Podiatr Med Assoc 86(1):16–23. A construction line joins the first
    and last CoP points of the stance (``construction="endpoints"``; pressuRe uses the longest edge
    of the CoP path's convex hull, ``"hull"``). At 66.7 % of the foot length a line perpendicular
    to the medial border of the print is drawn; CPE = distance along it from the construction line
    to the CoP path (positive when the path lies lateral of the line), forefoot width = from the
    medial border to the lateral edge of the print along it. CPEI = 100 · CPE / width (%).
Peak plantar pressure gradient (PPPG)
    Mueller MJ, Zou D, Lott DJ 2005, "'Pressure gradient' as an indicator of plantar skin injury",
    Diabetes Care 28(12):2908–2912: the spatial gradient of pressure around the site of peak
    plantar pressure. Computed here as the largest drop from the peak sensel to any of its eight
    neighbours divided by their centre distance (kPa/mm), on the peak-pressure image (or any one
    frame). The paper's exact neighbourhood is **unverified** against its full text.

All functions take a grid footprint (R, C) in kPa with its pitch (row, col) in mm, in the grid
plane of :mod:`solemap.recordings.registration` (sensel (row, col) at (col·col_pitch, row·row_pitch)).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np
import shapely

from solemap.recordings.pressure_masks import AxisFrame, automask, axis_frame, reg_directions
from solemap.recordings.registration import Registration, register_footprint
from solemap.recordings.weights import grid_sensel_polygons, overlap_weights

__all__ = ["CPEI", "ArchIndex", "PressureGradient", "arch_index", "cpei", "peak_pressure_gradient"]

_BIG = 1.0e4


@dataclass(frozen=True)
class ArchIndex:
    """Arch index and the contact areas of the thirds (mm²), rearfoot = heel third."""

    value: float
    forefoot_mm2: float
    midfoot_mm2: float
    rearfoot_mm2: float
    length_mm: float
    toes_removed: int

    def to_json(self) -> dict:
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in asdict(self).items()}


@dataclass(frozen=True)
class CPEI:
    """CPEI (%), the excursion CPE (mm, + lateral), the forefoot width (mm) and the points used
    (grid-plane mm)."""

    value: float
    cpe_mm: float
    width_mm: float
    cop_point_mm: tuple[float, float]
    line_point_mm: tuple[float, float]

    def to_json(self) -> dict:
        d = asdict(self)
        return {k: (round(v, 4) if isinstance(v, float) else [round(x, 3) for x in v]) for k, v in d.items()}


@dataclass(frozen=True)
class PressureGradient:
    """PPPG (kPa/mm) at the peak sensel (row, col) of peak pressure ``peak_kpa``."""

    value: float
    peak_kpa: float
    row: int
    col: int

    def to_json(self) -> dict:
        return {
            "value": round(self.value, 4),
            "peak_kpa": round(self.peak_kpa, 3),
            "row": self.row,
            "col": self.col,
        }


def _directions(fp: np.ndarray, pitch: tuple[float, float], axis, lateral, registration, side):
    if axis is not None and lateral is not None:
        return np.asarray(axis, float), np.asarray(lateral, float)
    reg = registration or register_footprint(fp, pitch, side=side)
    h, lat = reg_directions(reg)
    return (np.asarray(axis, float) if axis is not None else h), (
        np.asarray(lateral, float) if lateral is not None else lat
    )


def _frame_for(
    points: np.ndarray, axis: np.ndarray, lateral: np.ndarray, exact_axis: bool
) -> tuple[AxisFrame, float]:
    """Local (s, t) frame: along the given axis exactly, or along the print's minimum rectangle."""
    if exact_axis:
        a = axis / np.linalg.norm(axis)
        across = np.array([a[1], -a[0]])
        if across @ lateral < 0:
            across = -across
        t = points @ a
        s = points @ across
        origin = t.min() * a + 0.5 * (s.min() + s.max()) * across
        return AxisFrame(origin, a, across), float(np.ptp(t))
    return axis_frame(points, axis, lateral)


def arch_index(
    footprint: np.ndarray,
    pitch_mm: tuple[float, float],
    *,
    toes: np.ndarray | None = None,
    axis: np.ndarray | None = None,
    lateral: np.ndarray | None = None,
    registration: Registration | None = None,
    side: str | None = None,
    contact_kpa: float = 0.0,
) -> ArchIndex:
    """Arch index of a plate footprint (see the module docstring).

    Parameters
    ----------
    footprint : (R, C) peak pressure, kPa (NaN = no sensel); sensels > ``contact_kpa`` are contact.
    pitch_mm : (row_pitch, col_pitch), mm.
    toes : (R, C) bool, sensels of the toes to remove; default from ``automask_novel``.
    axis : heel → toe direction in the grid plane; with it the thirds are cut exactly across
        this axis, without it across the print's minimum-area rectangle (oriented by the
        registration).
    lateral : medial → lateral direction (only its sign matters); default from the registration.
    """
    fp = np.asarray(footprint, dtype=np.float64)
    pitch = (float(pitch_mm[0]), float(pitch_mm[1]))
    loaded = (np.nan_to_num(fp, nan=0.0) > contact_kpa).reshape(-1)
    squares = grid_sensel_polygons(fp.shape, pitch)
    if toes is None:
        reg = registration or register_footprint(fp, pitch, side=side)  # type: ignore[arg-type]
        mask = automask(fp, pitch, "automask_novel", registration=reg)
        toe_geom = shapely.union_all([r.geometry for r in mask.regions if r.id in ("hallux", "lesser_toes")])
        w = overlap_weights(squares, [toe_geom])[:, 0]
        toe_cells = w > 0  # pressuRe drops every sensor that touches the toe masks (st_intersects)
        registration = reg
    else:
        toe_cells = np.asarray(toes, dtype=bool).reshape(-1)
    keep = loaded & ~toe_cells
    if keep.sum() < 3:
        raise ValueError("too few loaded sensels without the toes for an arch index")
    a, lat = _directions(fp, pitch, axis, lateral, registration, side)
    frame, _ = _frame_for(squares[keep].reshape(-1, 2), a, lat, exact_axis=axis is not None)
    corners_t = frame.to_local(squares[keep].reshape(-1, 2))[:, 1]
    t0, t1 = float(corners_t.min()), float(corners_t.max())
    third = (t1 - t0) / 3.0
    bands = [
        frame.poly([(-_BIG, lo), (_BIG, lo), (_BIG, hi), (-_BIG, hi)])
        for lo, hi in ((t0 - 1, t0 + third), (t0 + third, t0 + 2 * third), (t0 + 2 * third, t1 + 1))
    ]
    w = overlap_weights(squares[keep], bands)
    area = pitch[0] * pitch[1]
    rear, mid, fore = (float(x) for x in w.sum(axis=0) * area)
    total = rear + mid + fore
    return ArchIndex(mid / total, fore, mid, rear, t1 - t0, int((loaded & toe_cells).sum()))


def _construction_line(cop: np.ndarray, construction: str) -> tuple[np.ndarray, np.ndarray]:
    if construction == "endpoints":
        return cop[0], cop[-1] - cop[0]
    if construction == "hull":
        hull = shapely.convex_hull(shapely.MultiPoint(cop))
        if hull.geom_type != "Polygon":
            return cop[0], cop[-1] - cop[0]
        ring = np.asarray(hull.exterior.coords)
        edges = np.diff(ring, axis=0)
        k = int(np.argmax(np.linalg.norm(edges, axis=1)))
        return ring[k], edges[k]
    raise ValueError(f"construction must be 'endpoints' or 'hull', got {construction!r}")


def _cross(p: np.ndarray, d: np.ndarray, q: np.ndarray, e: np.ndarray) -> float:
    """Parameter k with p + k d on the line q + j e."""
    den = d[0] * e[1] - d[1] * e[0]
    if abs(den) < 1e-12:
        raise ValueError("parallel lines")
    return ((q[0] - p[0]) * e[1] - (q[1] - p[1]) * e[0]) / den


def cpei(
    footprint: np.ndarray,
    pitch_mm: tuple[float, float],
    cop_mm: np.ndarray,
    *,
    axis: np.ndarray | None = None,
    lateral: np.ndarray | None = None,
    registration: Registration | None = None,
    side: str | None = None,
    construction: Literal["endpoints", "hull"] = "endpoints",
    fraction: float = 0.667,
    contact_kpa: float = 0.0,
) -> CPEI:
    """Centre-of-pressure excursion index of one stance (see the module docstring).

    Parameters
    ----------
    footprint : (R, C) peak pressure of the stance, kPa.
    pitch_mm : (row_pitch, col_pitch), mm.
    cop_mm : (T, 2) CoP path in grid-plane mm (NaN rows = unloaded frames, skipped).
    axis, lateral, registration, side : orientation (see :func:`arch_index`).
    fraction : where across the foot length the CPE is measured (Song 1996: distal third, 0.667).
    """
    fp = np.asarray(footprint, dtype=np.float64)
    pitch = (float(pitch_mm[0]), float(pitch_mm[1]))
    cop = np.asarray(cop_mm, dtype=np.float64)
    cop = cop[np.isfinite(cop).all(axis=1)]
    if cop.shape[0] < 3:
        raise ValueError("CPEI needs a CoP path of at least 3 loaded frames")
    loaded = (np.nan_to_num(fp, nan=0.0) > contact_kpa).reshape(-1)
    if loaded.sum() < 3:
        raise ValueError("too few loaded sensels for CPEI")
    squares = grid_sensel_polygons(fp.shape, pitch)[loaded]
    a, lat = _directions(fp, pitch, axis, lateral, registration, side)
    frame, _ = _frame_for(squares.reshape(-1, 2), a, lat, exact_axis=axis is not None)
    corners = frame.to_local(squares.reshape(-1, 2))
    hull = shapely.convex_hull(shapely.MultiPoint(corners))
    ring = np.asarray(hull.exterior.coords)
    # Medial border: the longest hull edge facing medially (it spans the arch, heel to ball).
    best, med_p, med_d = -1.0, None, None
    for p, q in itertools.pairwise(ring):
        d = q - p
        n = np.array([d[1], -d[0]])
        mid = 0.5 * (p + q)
        if (mid - np.asarray(hull.centroid.coords[0])) @ n < 0:
            n = -n  # outward normal
        if n[0] < 0 and np.linalg.norm(d) > best:
            best, med_p, med_d = float(np.linalg.norm(d)), p, d
    if med_p is None or med_d is None:
        raise ValueError("no medial border found in the footprint")
    t0, t1 = corners[:, 1].min(), corners[:, 1].max()
    t_star = t0 + fraction * (t1 - t0)
    k = (t_star - med_p[1]) / med_d[1]
    m_pt = med_p + k * med_d  # on the medial border at the distal-third level
    perp = np.array([med_d[1], -med_d[0]])
    if perp[0] < 0:
        perp = -perp  # pointing lateral
    perp = perp / np.linalg.norm(perp)
    cross_line = shapely.LineString([m_pt - perp * _BIG, m_pt + perp * _BIG])
    exits = hull.exterior.intersection(cross_line)
    pts = np.array(
        [g.coords[0] for g in getattr(exits, "geoms", [exits]) if not g.is_empty and g.geom_type == "Point"]
    )
    width = float(np.max((pts - m_pt) @ perp)) if pts.size else float("nan")
    cop_local = frame.to_local(cop)
    path_hit = shapely.LineString(cop_local).intersection(cross_line)
    hits = [
        np.asarray(g.coords[0])
        for g in getattr(path_hit, "geoms", [path_hit])
        if not g.is_empty and g.geom_type == "Point"
    ]
    if not hits:
        raise ValueError("the CoP path does not cross the distal-third line")
    c_pt = hits[0]
    q, e = _construction_line(cop_local, construction)
    j = _cross(m_pt, perp, q, e)
    l_pt = m_pt + j * perp
    cpe = float((c_pt - l_pt) @ perp)
    to_plane = frame.to_plane
    cp, lp = to_plane(c_pt), to_plane(l_pt)
    return CPEI(100.0 * cpe / width, cpe, width, (float(cp[0]), float(cp[1])), (float(lp[0]), float(lp[1])))


def peak_pressure_gradient(image: np.ndarray, pitch_mm: tuple[float, float]) -> PressureGradient:
    """PPPG of a pressure image (see the module docstring): max over the 8 neighbours of the peak
    sensel of (peak − neighbour) / centre distance, kPa/mm. NaN neighbours (outside the sensor)
    are skipped; ties for the peak take the first in row-major order."""
    img = np.asarray(image, dtype=np.float64)
    if img.ndim != 2 or not np.isfinite(img).any():
        raise ValueError("PPPG needs a 2-D image with data")
    flat = np.where(np.isfinite(img), img, -np.inf)
    r, c = (int(x) for x in np.unravel_index(int(np.argmax(flat)), img.shape))
    peak = img[r, c]
    rp, cp = float(pitch_mm[0]), float(pitch_mm[1])
    best = 0.0
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            rr, cc = r + dr, c + dc
            if (dr or dc) and 0 <= rr < img.shape[0] and 0 <= cc < img.shape[1] and np.isfinite(img[rr, cc]):
                best = max(best, (peak - img[rr, cc]) / math.hypot(dr * rp, dc * cp))
    return PressureGradient(best, float(peak), r, c)


def cop_plane_mm(pressure: np.ndarray, pitch_mm: tuple[float, float]) -> np.ndarray:
    """(T, 2) pressure-weighted CoP of a (T, R, C) grid in grid-plane mm (NaN when unloaded).

    Pressure-weighted equals force-weighted here because all sensels of a grid have one area.
    """
    p = np.nan_to_num(np.asarray(pressure, dtype=np.float64)).reshape(pressure.shape[0], -1)
    rows, cols = pressure.shape[1:]
    x = np.tile(np.arange(cols) * float(pitch_mm[1]), rows)
    y = np.repeat(np.arange(rows) * float(pitch_mm[0]), cols)
    tot = p.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        cop = np.column_stack([p @ x / tot, p @ y / tot])
    cop[~(tot > 0)] = np.nan
    return cop


def stance_indices(
    recording, side: str | None = None, frames: slice | None = None, registration: Registration | None = None
) -> dict:
    """Arch index, CPEI and PPPG of one stance of a grid recording (a plate trial, or one step).

    ``frames``: the stance (e.g. ``Step.frames()``), default the whole recording. Returns a
    JSON-ready dict; an index that cannot be computed holds ``{"error": reason}``.
    """
    from solemap.recordings.pressure_masks import register_side
    from solemap.recordings.signals import footprint

    if recording.kind != "grid":
        raise ValueError("the footprint indices need a grid recording (plate or Tekscan insole)")
    side = recording._side(side)
    fp = footprint(recording, side, frames=frames)
    reg = registration or register_side(recording, side)
    out: dict = {"side": side, "foot": reg.side}
    window = frames if frames is not None else slice(None)
    for name, fn in (
        ("arch_index", lambda: arch_index(fp, recording.pitch_mm, registration=reg)),
        (
            "cpei",
            lambda: cpei(
                fp,
                recording.pitch_mm,
                cop_plane_mm(recording.pressure(side)[window], recording.pitch_mm),
                registration=reg,
            ),
        ),
        ("pppg", lambda: peak_pressure_gradient(fp, recording.pitch_mm)),
    ):
        try:
            out[name] = fn().to_json()
        except ValueError as exc:
            out[name] = {"error": str(exc)}
    return out


def trial_indices(recording, side: str | None = None) -> list[dict]:
    """:func:`stance_indices` for every step of a walking trial (``step`` 1…n), or once for the
    whole recording when it holds no complete step (a plate trial of one stance)."""
    from solemap.recordings.signals import whole_foot_curves

    side = recording._side(side)
    steps = whole_foot_curves(recording, side).steps
    from solemap.recordings.pressure_masks import register_side

    reg = register_side(recording, side)
    if len(steps) <= 1:
        return [{"step": None, **stance_indices(recording, side, registration=reg)}]
    return [
        {"step": st.number, **stance_indices(recording, side, st.frames(), registration=reg)} for st in steps
    ]
