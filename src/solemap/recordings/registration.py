"""Registration: place a recording's sensels or sensors in the foot frame (foot_mm and uv).

Grids (insoles and plates) are registered from their **footprint** (the per-sensel peak or mean
pressure over the trial); discrete-sensor insoles (pedar, Moticon, ...) from their **layout**,
whose positions already run heel → toe and medial → lateral (see
:class:`solemap.recordings.core.SensorLayout`).

Footprint registration, step by step
------------------------------------
1. *Print*: sensels whose footprint exceeds ``threshold_fraction`` of its maximum.
2. *Starts*: the principal axis of the print gives two axis directions; the heel end is the one
   whose band at 20–40 % of the print length is narrower (there the loaded print is the heel and
   the lateral midfoot band, at the other end it is the ball of the foot, foot-shape.md §1–2).
3. *Fit*: the solemap footprint model (:func:`solemap.outline.plantar_outline` with
   ``footprint=True``: the sole with the medial arch off the ground) is fitted to the print by a
   rigid placement (angle, shift) and one size factor, maximizing a smooth intersection-over-union
   between the print and the model. The model is fitted twice, once as a right foot and once
   mirrored as a left foot, from both starting directions; the best fit gives the side, the foot
   axis (pternion → longest toe), the foot length and the placement. The side shows in the print
   through the medial arch gap and the medial hallux, which only one of the two mirror images of
   the model can cover.
4. *uv*: every sensel centre goes through the placement into foot_mm and, with a
   :class:`~solemap.frame.FootFrame` of the fitted size, into uv.

Orientation convention of grids: sensel ``(row, col)`` lies at grid-plane mm ``(col·col_pitch,
row·row_pitch)`` and the grid is taken as **seen from above** (looking down at the footprint, as
Tekscan and novel draw their maps): a right foot then maps to foot_mm by a proper rotation and a
left foot by a mirrored one. The F-Scan left sample (``fscan_testL.asf``, medial arch gap toward
the high columns) confirms this convention. ``seen_from="below"`` flips it.

``side`` and ``axis_deg`` override the fit (the remaining parameters are still fitted); with
``heel_toe_mm`` the placement is given entirely by the pternion and the toe-tip positions.

Confidence (0–1): the best fit's soft IoU times how clearly it beats the mirrored side
(``min(1, margin / 0.05)``, margin = IoU difference); 0 when side was forced.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from functools import cache
from typing import Literal

import numpy as np
from scipy import ndimage, optimize

from solemap.frame import FootDimensions, FootFrame, GridSpec

__all__ = [
    "Registration",
    "RegistrationError",
    "fit_problems",
    "register_footprint",
    "register_layout",
    "register_outline",
]

SideName = Literal["left", "right"]

# Foot lengths a registration accepts (mm): from a small child's foot (~100 mm at age 1) to well
# beyond the ANSUR II male P95 of 293 mm (foot-shape.md §1); outside this range the print is not a foot.
FOOT_LENGTH_RANGE_MM = (90.0, 400.0)

# The footprint model is rasterized once, at this resolution (mm per cell) and margin (mm).
_SDF_STEP_MM = 1.0
_SDF_MARGIN_MM = 60.0


class RegistrationError(ValueError):
    """The footprint or layout does not allow a registration (e.g. too few loaded sensels)."""


@dataclass(frozen=True, eq=False)
class Registration:
    """Where each sensel or sensor of one side lies on the foot.

    Attributes
    ----------
    side : "left" or "right".
    dims : the fitted foot (its length is the pternion → toe-tip distance of the print).
    matrix : (2, 2) linear part of the plane → foot_mm map (a rotation, or a mirrored rotation
        for a left foot seen from above): ``foot = matrix @ plane + offset``.
    offset : (2,) foot_mm position of the plane origin.
    plane_mm : (N, 2) sensel/sensor centres in the sensor plane (mm), N = flattened cells.
    foot_mm : (N, 2) the same points in foot_mm (x along the axis, y lateral positive).
    u, v : (N,) the same points in uv (outside the sole they fall outside [0, 1]).
    axis_deg : direction of the foot axis (heel → toe) in the sensor plane, degrees
        counter-clockwise from the plane's first axis (columns for grids).
    heel_mm, toe_mm : (2,) sensor-plane positions of the pternion (u = 0) and of the toe tip
        (u = 1) on the foot axis.
    confidence : 0–1 (see the module docstring); ``iou`` : soft IoU of the model fit (NaN for
        layouts); ``method`` : "footprint", "layout", "manual" or "sensor-outline"
        (:func:`register_outline`; callers may append how it was chosen).
    shape : the per-frame shape of the side, (R, C) or (S,).
    """

    side: SideName
    dims: FootDimensions
    matrix: np.ndarray
    offset: np.ndarray
    plane_mm: np.ndarray
    foot_mm: np.ndarray
    u: np.ndarray
    v: np.ndarray
    axis_deg: float
    heel_mm: np.ndarray
    toe_mm: np.ndarray
    confidence: float
    iou: float
    method: str
    shape: tuple[int, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def frame(self) -> FootFrame:
        """The :class:`FootFrame` of the fitted foot."""
        return FootFrame(self.side, self.dims)

    @property
    def mirrored(self) -> bool:
        """True when the plane → foot_mm map includes a reflection."""
        return bool(np.linalg.det(self.matrix) < 0)

    def plane_to_foot(self, xy: np.ndarray) -> np.ndarray:
        """(…, 2) sensor-plane mm → foot_mm."""
        return np.asarray(xy, float) @ self.matrix.T + self.offset

    def foot_to_plane(self, xy: np.ndarray) -> np.ndarray:
        """(…, 2) foot_mm → sensor-plane mm."""
        return (np.asarray(xy, float) - self.offset) @ np.linalg.inv(self.matrix).T

    def plane_to_uv(self, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(…, 2) sensor-plane mm → (u, v)."""
        f = self.plane_to_foot(xy)
        return self.frame.mm_to_uv(f[..., 0], f[..., 1])

    def grid_spec(self, pitch_mm: tuple[float, float]) -> GridSpec:
        """The placement as a :class:`~solemap.frame.GridSpec` (proper rotations only).

        Raises :class:`RegistrationError` for mirrored placements, which a GridSpec cannot hold.
        """
        if self.mirrored:
            raise RegistrationError("a mirrored placement (left foot seen from above) has no GridSpec")
        rows, cols = (*self.shape, 1)[:2]
        angle = math.degrees(math.atan2(self.matrix[1, 0], self.matrix[0, 0]))
        return GridSpec(rows, cols, pitch_mm, (float(self.offset[0]), float(self.offset[1])), angle)

    def to_json(self) -> dict:
        """A small JSON-ready summary (no per-sensel arrays)."""
        return {
            "side": self.side,
            "method": self.method,
            "foot_length_mm": round(self.dims.length_mm, 1),
            "axis_deg": round(self.axis_deg, 2),
            "heel_mm": [round(float(c), 2) for c in self.heel_mm],
            "toe_mm": [round(float(c), 2) for c in self.toe_mm],
            "confidence": round(self.confidence, 3),
            "iou": None if math.isnan(self.iou) else round(self.iou, 3),
            "notes": list(self.notes),
        }


# ----------------------------------------------------------------------------------- model
@dataclass(frozen=True, eq=False)
class _Model:
    dims: FootDimensions
    sdf: np.ndarray  # signed distance to the model footprint (mm, negative inside), (ny, nx)
    x0: float
    y0: float
    centroid: np.ndarray  # (2,) foot_mm centroid of the model footprint
    length: float


@cache
def _model(footprint: bool = True) -> _Model:
    """The footprint model of the default foot (``footprint=False``: the whole sole, arch
    included, the shape of an insole), as a signed-distance raster in foot_mm."""
    import shapely

    from solemap.outline import plantar_outline

    dims = FootDimensions()
    shape = plantar_outline("right", dims, frame="mm", footprint=footprint)
    xmin, ymin, xmax, ymax = shape.bounds
    x0, y0 = xmin - _SDF_MARGIN_MM, ymin - _SDF_MARGIN_MM
    nx = math.ceil((xmax - x0 + _SDF_MARGIN_MM) / _SDF_STEP_MM) + 1
    ny = math.ceil((ymax - y0 + _SDF_MARGIN_MM) / _SDF_STEP_MM) + 1
    gx, gy = np.meshgrid(x0 + np.arange(nx) * _SDF_STEP_MM, y0 + np.arange(ny) * _SDF_STEP_MM)
    inside = shapely.contains_xy(shape, gx, gy)
    dist_out = ndimage.distance_transform_edt(~inside) * _SDF_STEP_MM
    dist_in = ndimage.distance_transform_edt(inside) * _SDF_STEP_MM
    sdf = np.where(inside, -dist_in + 0.5 * _SDF_STEP_MM, dist_out - 0.5 * _SDF_STEP_MM)
    c = shape.centroid
    return _Model(dims, sdf, x0, y0, np.array([c.x, c.y]), dims.length_mm)


def _rot(theta: float) -> np.ndarray:
    c, s = math.cos(theta), math.sin(theta)
    return np.array([[c, -s], [s, c]])


def _linear(theta: float, mirror: bool) -> np.ndarray:
    """Plane → foot_mm linear map: rotate by theta after an optional reflection of plane y."""
    d = np.diag([1.0, -1.0 if mirror else 1.0])
    return _rot(theta) @ d


def _soft_iou(params, pts, printed, model, mirror, pitch, fixed_theta, log_s_range):
    if fixed_theta is None:
        theta, tx, ty, log_s = params
    else:
        tx, ty, log_s = params
        theta = fixed_theta
    # The grid shows nothing beyond its edges, so a model grown past them loses nothing there;
    # keep the size near what the print's length says (see _fit).
    excess = max(0.0, log_s_range[0] - log_s, log_s - log_s_range[1])
    s = math.exp(log_s)
    foot = pts @ _linear(theta, mirror).T + np.array([tx, ty])
    mx = (foot[:, 0] / s - model.x0) / _SDF_STEP_MM
    my = (foot[:, 1] / s - model.y0) / _SDF_STEP_MM
    d = ndimage.map_coordinates(model.sdf, [my, mx], order=1, mode="nearest") * s
    # Soft inside-ness: a sigmoid of the signed distance over half a sensel pitch.
    m = 1.0 / (1.0 + np.exp(np.clip(d / (0.5 * pitch), -50, 50)))
    inter = float(np.sum(m * printed))
    union = float(np.sum(m + printed - m * printed))
    return (-inter / union if union > 0 else 0.0) + 5.0 * excess


def _principal(pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    c = pts.mean(axis=0)
    cov = np.cov((pts - c).T)
    w, vecs = np.linalg.eigh(cov)
    return c, vecs[:, np.argmax(w)]


def _heel_first(pts: np.ndarray, centre: np.ndarray, axis: np.ndarray) -> bool:
    """True if the heel lies at the negative end of ``axis`` (narrower band at 20–40 %)."""
    s = (pts - centre) @ axis
    t = (pts - centre) @ np.array([-axis[1], axis[0]])
    lo, hi = s.min(), s.max()
    span = hi - lo

    def width(a: float, b: float) -> float:
        sel = (s >= a) & (s <= b)
        return float(np.ptp(t[sel])) if sel.sum() > 1 else 0.0

    near_lo = width(lo + 0.2 * span, lo + 0.4 * span)
    near_hi = width(hi - 0.4 * span, hi - 0.2 * span)
    return near_lo <= near_hi


def _fit(pts, printed, pitch, mirror, theta0, centre, length0, fixed_theta):
    model = _model()
    s0 = max(length0, 1.0) / model.length
    # The print runs from the heel to the toes, so the foot is about as long as the print: allow
    # 15 % shorter (a print over-reaching by a sensel) to 35 % longer (toes that did not load).
    log_s_range = (math.log(0.85 * s0), math.log(1.35 * s0))
    # Start: the print centroid onto the (scaled) model centroid.
    lin = _linear(theta0, mirror)
    t0 = model.centroid * s0 - lin @ centre
    if fixed_theta is None:
        x0 = np.array([theta0, t0[0], t0[1], math.log(s0)])
        step = np.array([0.08, 6.0, 6.0, 0.05])
    else:
        x0 = np.array([t0[0], t0[1], math.log(s0)])
        step = np.array([6.0, 6.0, 0.05])
    simplex = np.vstack([x0, x0 + np.diag(step)])
    res = optimize.minimize(
        _soft_iou,
        x0,
        args=(pts, printed, model, mirror, pitch, fixed_theta, log_s_range),
        method="Nelder-Mead",
        options={"initial_simplex": simplex, "xatol": 1e-4, "fatol": 1e-6, "maxiter": 1500},
    )
    params = res.x if fixed_theta is None else np.array([fixed_theta, *res.x])
    return -float(res.fun), params


def _plane_points(shape: tuple[int, int], pitch_mm: tuple[float, float]) -> np.ndarray:
    rows, cols = shape
    r, c = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
    return np.column_stack([c.reshape(-1) * pitch_mm[1], r.reshape(-1) * pitch_mm[0]])


def _finish(side, dims_scale, lin, offset, plane, confidence, iou, method, shape, notes=()):
    model = _model()
    d = model.dims
    length = d.length_mm * dims_scale
    lo, hi = FOOT_LENGTH_RANGE_MM
    if not lo <= length <= hi:
        raise RegistrationError(
            f"the print fits a foot {length:.0f} mm long, outside {lo:.0f}-{hi:.0f} mm: "
            "this is not the print of a whole foot"
        )
    dims = FootDimensions(
        length_mm=d.length_mm * dims_scale,
        ball_width_mm=d.ball_width_mm * dims_scale,
        heel_width_mm=d.heel_width_mm * dims_scale,
        ball_length_ratio=d.ball_length_ratio,
    )
    foot = plane @ lin.T + offset
    u, v = FootFrame(side, dims).mm_to_uv(foot[:, 0], foot[:, 1])
    inv = np.linalg.inv(lin)
    heel = inv @ (np.array([0.0, 0.0]) - offset)
    toe = inv @ (np.array([dims.length_mm, 0.0]) - offset)
    axis = toe - heel
    return Registration(
        side=side,
        dims=dims,
        matrix=lin,
        offset=np.asarray(offset, float),
        plane_mm=plane,
        foot_mm=foot,
        u=u,
        v=v,
        axis_deg=math.degrees(math.atan2(axis[1], axis[0])),
        heel_mm=heel,
        toe_mm=toe,
        confidence=float(confidence),
        iou=float(iou),
        method=method,
        shape=tuple(shape),
        notes=tuple(notes),
    )


def register_footprint(
    footprint: np.ndarray,
    pitch_mm: tuple[float, float],
    *,
    side: SideName | None = None,
    axis_deg: float | None = None,
    heel_toe_mm: tuple[tuple[float, float], tuple[float, float]] | None = None,
    seen_from: Literal["above", "below"] = "above",
    threshold_fraction: float = 0.02,
) -> Registration:
    """Register a grid from its footprint (see the module docstring).

    Parameters
    ----------
    footprint : (R, C) float, e.g. the per-sensel peak pressure in kPa; NaN = no sensel there.
    pitch_mm : (row_pitch, col_pitch) in mm.
    side : force the side ("left"/"right") instead of detecting it.
    axis_deg : force the heel → toe direction (degrees in the grid plane, counter-clockwise
        from the column axis, e.g. -90 for toes toward row 0).
    heel_toe_mm : force the pternion and toe-tip positions in grid-plane mm (x = col·pitch,
        y = row·pitch); the foot length is their distance. Needs ``side``.
    seen_from : "above" (default; Tekscan and novel maps) or "below" (mirrored export).
    threshold_fraction : a sensel belongs to the print when footprint > this × its maximum.
    """
    fp = np.asarray(footprint, dtype=np.float64)
    if fp.ndim != 2:
        raise RegistrationError(f"a footprint must be (rows, cols), got shape {fp.shape}")
    pitch = (float(pitch_mm[0]), float(pitch_mm[1]))
    plane = _plane_points(fp.shape, pitch)
    if seen_from == "below":
        plane = plane * np.array([-1.0, 1.0])
    elif seen_from != "above":
        raise ValueError(f"seen_from must be 'above' or 'below', got {seen_from!r}")
    flat = fp.reshape(-1)
    if side is not None and side not in ("left", "right"):
        raise ValueError(f"side must be 'left' or 'right', got {side!r}")

    if heel_toe_mm is not None:
        if side is None:
            raise RegistrationError("heel_toe_mm needs side= as well")
        heel = np.asarray(heel_toe_mm[0], float) * (np.array([-1.0, 1.0]) if seen_from == "below" else 1)
        toe = np.asarray(heel_toe_mm[1], float) * (np.array([-1.0, 1.0]) if seen_from == "below" else 1)
        length = float(np.linalg.norm(toe - heel))
        if length <= 0:
            raise RegistrationError("heel and toe positions coincide")
        mirror = side == "left"
        lin = _linear(0.0, mirror)
        # Choose the rotation that sends the axis direction onto +x.
        direction = lin @ (toe - heel)
        lin = _rot(-math.atan2(direction[1], direction[0])) @ lin
        offset = -lin @ heel
        return _finish(
            side, length / _model().length, lin, offset, plane, 0.0, float("nan"), "manual", fp.shape
        )

    valid = np.isfinite(flat)
    peak = np.nanmax(flat) if valid.any() else np.nan
    if not np.isfinite(peak) or peak <= 0:
        raise RegistrationError("the footprint has no loaded sensel")
    printed = (np.nan_to_num(flat, nan=0.0) > threshold_fraction * peak).astype(np.float64)
    n_print = int(printed.sum())
    if n_print < 12:
        raise RegistrationError(f"only {n_print} loaded sensels: too few to find the foot axis")
    pts_print = plane[printed > 0]
    centre, axis = _principal(pts_print)
    if not _heel_first(pts_print, centre, axis):
        axis = -axis
    proj = (pts_print - centre) @ axis
    length0 = float(np.ptp(proj)) + min(pitch)
    # Use only sensels near the print for the fit: far cells carry no information and cost time.
    near = np.ones(plane.shape[0], bool)
    if plane.shape[0] > 4 * n_print:
        dist = np.linalg.norm(plane - centre, axis=1)
        near = dist <= 0.75 * length0 + 3 * max(pitch)
    pts_fit, printed_fit = plane[near], printed[near]

    sides: tuple[SideName, ...] = (side,) if side is not None else ("right", "left")
    fixed = None if axis_deg is None else math.radians(axis_deg)
    fits: dict[str, tuple[float, np.ndarray]] = {}
    for s in sides:
        mirror = s == "left"
        best: tuple[float, np.ndarray] | None = None
        directions = (axis,) if fixed is not None else (axis, -axis)
        for d in directions:
            a_plane = math.atan2(d[1], d[0]) if fixed is None else fixed
            # theta such that the linear map sends the plane axis direction a_plane onto +x.
            dir_vec = _linear(0.0, mirror) @ np.array([math.cos(a_plane), math.sin(a_plane)])
            theta0 = -math.atan2(dir_vec[1], dir_vec[0])
            fixed_theta = theta0 if fixed is not None else None
            iou, params = _fit(pts_fit, printed_fit, min(pitch), mirror, theta0, centre, length0, fixed_theta)
            if best is None or iou > best[0]:
                best = (iou, params)
        assert best is not None
        fits[s] = best
    chosen: SideName = max(fits, key=lambda k: fits[k][0])  # type: ignore[assignment]
    iou, (theta, tx, ty, log_s) = fits[chosen]
    if len(fits) == 2:
        margin = fits[chosen][0] - min(f[0] for f in fits.values())
        confidence = iou * min(1.0, margin / 0.05)
    else:
        confidence = 0.0
    lin = _linear(theta, chosen == "left")
    notes = []
    if iou < 0.6:
        notes.append(f"poor fit of the footprint model (IoU {iou:.2f}); check side and axis")
    return _finish(
        chosen,
        math.exp(log_s),
        lin,
        np.array([tx, ty]),
        plane,
        confidence,
        iou,
        "footprint" if side is None and axis_deg is None else "manual",
        fp.shape,
        notes,
    )


def register_outline(
    valid: np.ndarray,
    pitch_mm: tuple[float, float],
    side: str | None = None,
    *,
    seen_from: Literal["above", "below"] = "above",
    refine: bool = True,
) -> Registration:
    """Register an insole grid from its sensor outline (the cells that are part of the sensor).

    A trimmed insole has the shape of the whole sole, arch included, so the footprint model (which
    leaves the medial arch out) does not fit it. Instead: the outline's principal axis is the foot
    axis; its heel end is the narrower end at 15–25 % of the length (heel ≈ 65 mm against a ball
    ≈ 100 mm wide, foot-shape.md); heel and toe points are the axis' ends; when the side is not
    given, the toe tip (the outline's foremost cells) lies on the medial, big-toe side. With
    ``refine`` the whole-sole model (:func:`solemap.outline.plantar_outline`, arch included) is
    then fitted to the outline from that start (rigid placement and size within −10/+12 %, both
    mirror images when the side is not given), which corrects the principal axis' tilt and the
    ends' quantization; ``iou`` is that fit's soft IoU (how insole-shaped the outline is). An
    untrimmed sensor is longer than the foot (the F-Scan sample: 306 mm of sensor under a 239 mm
    print), which stretches u; a standing ``reference`` recording avoids that.

    valid : (R, C) bool; pitch_mm : (row, col) pitch. ``confidence`` is 0 when the side was
    given, else the IoU times how clearly the chosen side beats the other (0.5 without ``refine``).
    """
    ok = np.asarray(valid, dtype=bool)
    if ok.ndim != 2:
        raise RegistrationError(f"a sensor outline must be (rows, cols), got shape {ok.shape}")
    if ok.sum() < 12:
        raise RegistrationError("the sensor outline has too few cells")
    pitch = (float(pitch_mm[0]), float(pitch_mm[1]))
    r, c = np.nonzero(ok)
    pts = np.column_stack([c * pitch[1], r * pitch[0]]).astype(np.float64)
    centre = pts.mean(axis=0)
    w, vecs = np.linalg.eigh(np.cov((pts - centre).T))
    axis = vecs[:, int(np.argmax(w))]
    normal = np.array([-axis[1], axis[0]])
    s_ = (pts - centre) @ axis
    t_ = (pts - centre) @ normal
    lo, hi = float(s_.min()), float(s_.max())
    span = hi - lo

    def width(a: float, b: float) -> float:
        sel = (s_ >= a) & (s_ <= b)
        return float(np.ptp(t_[sel])) if sel.sum() > 1 else 0.0

    if width(lo + 0.15 * span, lo + 0.25 * span) > width(hi - 0.25 * span, hi - 0.15 * span):
        axis, normal, s_, t_ = -axis, -normal, -s_, -t_
        lo, hi = -hi, -lo
    half = 0.5 * float(min(pitch))
    heel = centre + axis * (lo - half)
    toe = centre + axis * (hi + half)
    heel_toe = ((float(heel[0]), float(heel[1])), (float(toe[0]), float(toe[1])))
    front = s_ >= hi - 0.04 * span
    flip = np.array([-1.0, 1.0]) if seen_from == "below" else np.ones(2)
    tip = np.array([float(np.mean(pts[front, 0])), float(np.mean(pts[front, 1]))]) * flip
    sides: tuple[SideName, ...] = (side,) if side in ("left", "right") else ("right", "left")  # type: ignore[assignment]
    starts = {
        sd: register_footprint(np.zeros(ok.shape), pitch, side=sd, heel_toe_mm=heel_toe, seen_from=seen_from)
        for sd in sides
    }
    # The toe tip lies medial (negative foot y) for the right side choice.
    guess: SideName = min(starts, key=lambda sd: float(starts[sd].plane_to_foot(tip)[1]))
    if not refine:
        best = starts[guess]
        return dataclasses.replace(best, method="sensor-outline", confidence=0.0 if side else 0.5)
    model = _model(False)
    plane = starts[guess].plane_mm
    # The sensor ends at the grid's edges: fit on the grid padded with cells outside the outline,
    # so that the model is not free to grow past them (unlike a foot on a plate, an insole cannot).
    pad = 3
    padded = np.pad(ok, pad)
    fit_plane = (_plane_points(padded.shape, pitch) - pad * np.array([pitch[1], pitch[0]])) * flip
    printed = padded.reshape(-1).astype(np.float64)
    near = np.linalg.norm(fit_plane - centre * flip, axis=1) <= 0.75 * (span + 2 * half) + 3 * max(pitch)
    fits: dict[str, tuple[float, np.ndarray]] = {}
    for sd, start in starts.items():
        mirror = start.mirrored
        rot = start.matrix @ np.diag([1.0, -1.0 if mirror else 1.0])
        theta = math.atan2(rot[1, 0], rot[0, 0])
        log_s0 = math.log(start.dims.length_mm / model.length)
        x0 = np.array([theta, start.offset[0], start.offset[1], log_s0])
        simplex = np.vstack([x0, x0 + np.diag([0.05, 4.0, 4.0, 0.03])])
        res = optimize.minimize(
            _soft_iou,
            x0,
            args=(
                fit_plane[near],
                printed[near],
                model,
                mirror,
                min(pitch),
                None,
                (log_s0 + math.log(0.9), log_s0 + math.log(1.12)),
            ),
            method="Nelder-Mead",
            options={"initial_simplex": simplex, "xatol": 1e-4, "fatol": 1e-6, "maxiter": 1500},
        )
        fits[sd] = (-float(res.fun), res.x)
    chosen: SideName = max(fits, key=lambda k: fits[k][0])  # type: ignore[assignment]
    margin = fits[chosen][0] - min(f[0] for f in fits.values())
    if len(fits) == 2 and margin < 0.01:
        chosen = guess  # the mirror images fit alike: keep the toe-tip rule's side
    iou, (theta, tx, ty, log_s) = fits[chosen]
    confidence = 0.0 if len(fits) == 1 else iou * min(1.0, margin / 0.05)
    notes = []
    if iou < 0.65:  # a whole sole rasterized at any pitch fits with a soft IoU of ~0.75-0.8
        notes.append(f"the sensor outline is not insole-shaped (IoU {iou:.2f} with the whole sole)")
    return _finish(
        chosen,
        math.exp(log_s),
        _linear(theta, chosen == "left"),
        np.array([tx, ty]),
        plane,
        confidence,
        iou,
        "sensor-outline",
        ok.shape,
        notes,
    )


def fit_problems(reg: Registration, *, min_iou: float = 0.6, min_confidence: float = 0.3) -> list[str]:
    """Why a grid registration looks wrong (empty when it looks fine).

    Checks: the model fit's IoU (below ``min_iou``); the side detection (``confidence`` below
    ``min_confidence``, only when the side was detected: a given side has confidence 0 by
    definition); and the fitted foot itself: longer than 330 mm (beyond any adult foot, ANSUR II
    male P95 293 mm, foot-shape.md §1), or a pternion or toe tip beyond the grid's edges by more
    than a sensel plus 8 % of the length (a foot on an insole or plate lies on the sensor).
    """
    problems: list[str] = []
    if not math.isnan(reg.iou) and reg.iou < min_iou:
        problems.append(f"the model fits the print poorly (IoU {reg.iou:.2f})")
    detected = reg.method == "footprint" or (reg.method == "sensor-outline" and reg.confidence > 0)
    if detected and reg.confidence < min_confidence:
        problems.append(f"the side is unclear (confidence {reg.confidence:.2f})")
    length = reg.dims.length_mm
    if length > 330.0:
        problems.append(f"the fitted foot is {length:.0f} mm long")
    if len(reg.shape) == 2 and reg.plane_mm.shape[0] > 1:
        lo, hi = reg.plane_mm.min(axis=0), reg.plane_mm.max(axis=0)
        step = np.diff(np.unique(np.round(reg.plane_mm[:, 0], 6)))
        pitch = float(step.min()) if step.size else 0.0
        tol = pitch + 0.08 * length
        for name, point in (("heel", reg.heel_mm), ("toe tip", reg.toe_mm)):
            beyond = float(np.max(np.maximum(lo - point, point - hi)))
            if beyond > tol:
                problems.append(f"the fitted {name} lies {beyond:.0f} mm beyond the sensor's edge")
    return problems


def register_layout(
    positions_mm: np.ndarray,
    areas_mm2: np.ndarray,
    side: SideName,
) -> Registration:
    """Register a discrete-sensor insole from its layout (no footprint needed).

    ``positions_mm`` (S, 2) are insole mm, ``x`` heel → toe and ``y`` medial → lateral (the
    :class:`~solemap.recordings.core.SensorLayout` convention). The sensor field is taken to span
    the sole: u runs from the heel edge of the rearmost sensors (u = 0) to the toe edge of the
    foremost (u = 1); v is the position between the medial and lateral edges of the sensors at
    the same x (neighbours within a band of the typical row spacing), which is how an insole
    covers the width of the foot.
    """
    pos = np.asarray(positions_mm, dtype=np.float64)
    areas = np.asarray(areas_mm2, dtype=np.float64)
    if pos.ndim != 2 or pos.shape[1] != 2 or pos.shape[0] < 3:
        raise RegistrationError(f"a layout needs at least 3 sensor positions (S, 2), got {pos.shape}")
    if side not in ("left", "right"):
        raise RegistrationError(f"a layout needs a known side, got {side!r}")
    if not (np.all(np.isfinite(pos)) and np.all(np.isfinite(areas))):
        raise RegistrationError("the sensor layout is unknown (no sensor positions or areas in the file)")
    if np.ptp(pos[:, 0]) <= 0:
        raise RegistrationError("the sensor layout has no extent along the insole (placeholder layout?)")
    half = 0.5 * np.sqrt(areas)
    x_lo = float(np.min(pos[:, 0] - half))
    x_hi = float(np.max(pos[:, 0] + half))
    length = x_hi - x_lo
    xs = np.unique(np.round(pos[:, 0], 3))
    spacing = float(np.median(np.diff(xs))) if xs.size > 1 else length
    band = max(0.6 * spacing, 1e-6)
    u = (pos[:, 0] - x_lo) / length
    v = np.empty(pos.shape[0])
    for i in range(pos.shape[0]):
        near = np.abs(pos[:, 0] - pos[i, 0]) <= band
        lo = float(np.min(pos[near, 1] - half[near]))
        hi = float(np.max(pos[near, 1] + half[near]))
        v[i] = (pos[i, 1] - lo) / (hi - lo) if hi > lo else 0.5
    model = _model()
    scale = length / model.length
    d = model.dims
    dims = FootDimensions(
        length_mm=length,
        ball_width_mm=d.ball_width_mm * scale,
        heel_width_mm=d.heel_width_mm * scale,
        ball_length_ratio=d.ball_length_ratio,
    )
    fx, fy = FootFrame(side, dims).uv_to_mm(u, v)
    foot = np.column_stack([fx, fy])
    # Layout mm and foot_mm differ by a shift along x only; y is re-centred per station by v.
    lin = np.eye(2)
    offset = np.array([-x_lo, float(np.mean(fy - pos[:, 1]))])
    return Registration(
        side=side,
        dims=dims,
        matrix=lin,
        offset=offset,
        plane_mm=pos,
        foot_mm=foot,
        u=u,
        v=v,
        axis_deg=0.0,
        heel_mm=np.array([x_lo, float(np.mean(pos[:, 1]))]),
        toe_mm=np.array([x_hi, float(np.mean(pos[:, 1]))]),
        confidence=1.0,
        iou=float("nan"),
        method="layout",
        shape=(pos.shape[0],),
    )
