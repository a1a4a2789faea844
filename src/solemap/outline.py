"""The parametric plantar outline: the sole with separate toe pads, as shapely geometry.

The outline is built in the ``uv`` frame, where the envelope of the sole is the unit square and
only the toes need drawing: the body of the sole ends at the toe creases, and five toe pads stand
above it. :class:`~solemap.frame.FootFrame` bends that square into millimetres with the published
proportions in :class:`~solemap.frame.FootDimensions`, so one uv outline serves every foot size.

Toe positions (foot-shape.md §2.1 and reflexology-chart.md, both estimates): creases run obliquely
from u 0.78-0.81 under the hallux to u 0.70-0.74 under the little toe; toe tips of an "Egyptian"
foot (hallux longest, the commonest pattern, Hajaghazadeh M et al. 2018, Health Scope 7(3):e14063)
step down T1 1.00, T2 0.97-1.00, T3 0.93-0.97, T4 0.89-0.94, T5 0.84-0.90. The toe strips follow
the five reflexology zones (v 0-0.30, 0.30-0.47, 0.47-0.63, 0.63-0.80, 0.80-1.00).

A loaded *footprint* differs from the outline: the medial arch leaves the ground. With
``footprint=True`` the arch is cut away so that the narrowest midfoot contact is ``csi`` times the
ball breadth (Chippaux-Smirak index; a normal adult band is about 0.30-0.45, flat feet 0.45 and
above, Banwell HA et al. 2018, J Foot Ankle Res 11:21, and foot-shape.md §2.3).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Literal, get_args

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from solemap.frame import FootDimensions, FootFrame, Side

ToeShape = Literal["egyptian", "greek", "square"]
TOE_SHAPES: tuple[ToeShape, ...] = get_args(ToeShape)


@dataclass(frozen=True)
class Toe:
    """One toe pad in uv: medial and lateral v of its strip, u of its crease and its tip."""

    name: str
    v_medial: float
    v_lateral: float
    u_base: float
    u_tip: float


# v strips of the toe pads (a little narrower than the zones, leaving the web spaces) and their
# creases: estimates, see the module docstring.
_TOE_STRIPS = (
    ("hallux", 0.005, 0.30, 0.80),
    ("toe-2", 0.32, 0.47, 0.785),
    ("toe-3", 0.485, 0.63, 0.765),
    ("toe-4", 0.645, 0.795, 0.745),
    ("toe-5", 0.81, 0.975, 0.725),
)
TOE_TIPS: dict[ToeShape, tuple[float, float, float, float, float]] = {
    "egyptian": (1.00, 0.97, 0.945, 0.91, 0.87),
    "greek": (0.985, 1.00, 0.955, 0.915, 0.87),
    "square": (1.00, 0.995, 0.955, 0.915, 0.87),
}
# The body of the sole ends at the toe creases, a little behind each pad (the sulcus).
BODY_TOP_MEDIAL_U = 0.795
BODY_TOP_LATERAL_U = 0.715


def toes(toe_shape: ToeShape = "egyptian") -> tuple[Toe, ...]:
    """The five toe pads of a foot with the given toe pattern."""
    if toe_shape not in TOE_TIPS:
        raise ValueError(f"toe_shape must be one of {', '.join(TOE_SHAPES)}, got {toe_shape!r}")
    # Each pad starts just above the body's edge under its own centre (a narrow sulcus).
    return tuple(
        Toe(name, vm, vl, max(base, float(body_top_u((vm + vl) / 2)) + 0.006), tip)
        for (name, vm, vl, base), tip in zip(_TOE_STRIPS, TOE_TIPS[toe_shape], strict=True)
    )


def _toe_pad(toe: Toe, n: int = 25) -> Polygon:
    """A toe pad in uv: straight sides, an elliptical tip and a gently rounded base.

    ``n`` is odd so that the middle sample sits exactly on the tip (u = u_tip).
    """
    half = (toe.v_lateral - toe.v_medial) / 2
    centre = toe.v_medial + half
    length = toe.u_tip - toe.u_base
    tip_r = min(0.5 * length, 0.07)
    base_r = min(0.15 * length, 0.012)
    a = np.linspace(0.0, np.pi, n)
    tip = [(toe.u_tip - tip_r + tip_r * np.sin(t), centre + half * np.cos(t)) for t in a]
    base = [(toe.u_base + base_r - base_r * np.sin(t), centre - half * np.cos(t)) for t in a]
    return Polygon(tip + base)


def body_top_u(v: np.ndarray | float) -> np.ndarray:
    """u of the toe-crease line that closes the body of the sole, at ``v``.

    An oblique line from the hallux crease to the little-toe crease, bowed slightly towards the
    toes under the middle metatarsal heads, with its two ends rounded off into the borders.
    """
    v = np.asarray(v, dtype=float)
    line = BODY_TOP_MEDIAL_U + (BODY_TOP_LATERAL_U - BODY_TOP_MEDIAL_U) * v
    bow = 0.012 * np.sin(np.pi * v)
    corner = 0.035 * (np.clip(1 - v / 0.07, 0, 1) ** 2 + np.clip(1 - (1 - v) / 0.09, 0, 1) ** 2)
    return line + bow - corner


def _body(footprint: bool, csi: float, dims: FootDimensions) -> Polygon:
    v = np.linspace(0.0, 1.0, 81)
    top = list(zip(body_top_u(v), v, strict=True))
    if not footprint:
        return Polygon([(0.0, 1.0), (0.0, 0.0), *top])
    # Arch cut: the medial edge of the contact band, deepest at u 0.45, tapering to the heel (u
    # 0.22) and the ball (u 0.66) with a cosine profile.
    frame = FootFrame("right", dims)
    u = np.linspace(0.22, 0.66, 45)
    band_mm = csi * dims.ball_width_mm
    v_edge_deepest = 1.0 - band_mm / float(frame.width_mm(0.45))
    depth = 0.5 * (1 - np.cos(2 * np.pi * (u - u[0]) / (u[-1] - u[0])))
    v_edge = np.clip(depth * max(v_edge_deepest, 0.0), 0.0, 0.98)
    medial = list(zip(u, v_edge, strict=True))
    return Polygon([(0.0, 1.0), (0.0, 0.0), *medial, *top])


@cache
def sole_uv(toe_shape: ToeShape = "egyptian", footprint: bool = False, csi: float = 0.38) -> BaseGeometry:
    """The sole in the uv frame: the body and five toe pads (a MultiPolygon).

    Parameters
    ----------
    toe_shape : "egyptian" (hallux longest), "greek" (2nd toe longest) or "square".
    footprint : cut away the medial arch, as a loaded footprint shows it.
    csi : narrowest midfoot contact / ball breadth for the footprint (Chippaux-Smirak index).
    """
    if not 0.0 <= csi <= 1.0:
        raise ValueError(f"csi must lie in 0..1, got {csi!r}")
    parts = [_body(footprint, csi, FootDimensions()), *(_toe_pad(t) for t in toes(toe_shape))]
    return MultiPolygon(parts)


def toe_pads_uv(toe_shape: ToeShape = "egyptian") -> dict[str, Polygon]:
    """Each toe pad in uv, keyed ``hallux``, ``toe-2`` ... ``toe-5``."""
    return {t.name: _toe_pad(t) for t in toes(toe_shape)}


def uv_geometry_to_frame(
    geometry: BaseGeometry, frame: FootFrame, target: Literal["mm", "view"] = "view", step: float = 0.004
) -> BaseGeometry:
    """Map a uv geometry into foot_mm or view coordinates.

    Edges are first split into pieces no longer than ``step`` in uv, because straight lines in uv
    are curves in millimetres (v is relative to a width that changes along the foot).
    """
    dense = shapely.segmentize(geometry, step)
    convert = frame.uv_to_view if target == "view" else frame.uv_to_mm

    def transform(coords: np.ndarray) -> np.ndarray:
        x, y = convert(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(dense, transform)


def plantar_outline(
    side: Side = "right",
    dims: FootDimensions | None = None,
    toe_shape: ToeShape = "egyptian",
    frame: Literal["mm", "view"] = "mm",
    footprint: bool = False,
    csi: float = 0.38,
) -> BaseGeometry:
    """The sole of a real foot in millimetres (foot_mm, or view for drawing).

    Returns a MultiPolygon: the body of the sole and the five toe pads.
    """
    ff = FootFrame(side, dims)
    return uv_geometry_to_frame(sole_uv(toe_shape, footprint, csi), ff, frame)


def landmark_widths(dims: FootDimensions | None = None, toe_shape: ToeShape = "egyptian") -> dict[str, float]:
    """Widths of the drawn outline at its measured landmarks (mm), to check against the surveys.

    ``ball``: MTH1 (medial border at u = ball_length_ratio) to MTH5 (lateral border 21 mm behind),
    the oblique ball breadth. ``heel``: the outline's width at 16 % of the length. ``midfoot``: the
    narrowest width between u 0.3 and 0.6.
    """
    from solemap.frame import MTH5_SETBACK_MM

    dims = dims if dims is not None else FootDimensions()
    ff = FootFrame("right", dims)
    u1 = dims.ball_length_ratio
    u5 = u1 - MTH5_SETBACK_MM / dims.length_mm
    x1, y1 = ff.uv_to_mm(u1, 0.0)
    x5, y5 = ff.uv_to_mm(u5, 1.0)
    mid_u = np.linspace(0.3, 0.6, 61)
    return {
        "ball": float(np.hypot(x1 - x5, y1 - y5)),
        "heel": float(ff.width_mm(0.16)),
        "midfoot": float(ff.width_mm(mid_u).min()),
    }
