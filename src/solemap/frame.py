"""Named coordinate frames of the foot and exact transforms between them.

Frames (see ``docs/architecture.md``):

``uv``
    The normalized plantar frame every atlas layer is written in, identical for both feet.
    ``u`` runs along the foot axis from the back of the heel (pternion, 0) to the tip of the
    longest toe (1); ``v`` runs from the medial border (0, big-toe side) to the lateral border
    (1), relative to the local width of the outline envelope at that ``u``.
``foot_mm``
    Anatomical millimetres, identical for both feet: ``x`` along the foot axis from the pternion,
    ``y`` perpendicular to it, positive towards the lateral side, 0 on the axis.
``view``
    A picture of the soles seen from below (millimetres, ``y`` pointing down as in SVG): toes up,
    the right foot drawn with its big toe on the left, the left foot mirrored.
``grid``
    Fractional ``(row, col)`` indices of a pressure sensor's sensel centres, placed in ``foot_mm``
    by a :class:`GridSpec` (pitch, origin, rotation).

Every transform takes and returns numpy arrays of any broadcastable shape (scalars too), so a
million points cost one vectorized call. ``uv -> foot_mm -> uv`` and the grid and view round
trips are exact to floating-point rounding (tested with hypothesis to 1e-9).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from typing import Literal, get_args

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.interpolate import PchipInterpolator

Side = Literal["left", "right"]
SIDES: tuple[Side, ...] = get_args(Side)

FloatArray = NDArray[np.float64]

# ANSUR II (Gordon CC et al. 2014, NATICK/TR-15/007; ratios computed in shared/domain/foot-shape.md).
# Means of 4,082 men and 1,986 women, mm.
ANSUR_MEN = {"length_mm": 271.2, "ball_width_mm": 101.9, "heel_width_mm": 72.5, "ball_length_ratio": 0.741}
ANSUR_WOMEN = {"length_mm": 246.3, "ball_width_mm": 92.7, "heel_width_mm": 67.2, "ball_length_ratio": 0.739}
# Ball breadth from foot length (least squares over ANSUR II, foot-shape.md §1; residual SD 4.2 / 4.0 mm):
# longer feet are relatively narrower, so width is not a fixed fraction of length.
BALL_WIDTH_REGRESSION = {"male": (38.1, 0.235), "female": (40.2, 0.213)}
# Heel breadth / ball breadth, ANSUR II per-person ratio means (men 0.71, women 0.73).
HEEL_TO_BALL_RATIO = {"male": 0.71, "female": 0.73}
# Metatarsal head 5 lies about 21 mm behind MTH1 (Domínguez-Maldonado G et al. 2014,
# ScientificWorldJournal, doi 10.1155/2014/505736: MT5 head -20.21 mm, MT1 +0.94 mm relative to MT2).
MTH5_SETBACK_MM = 21.2

SexName = Literal["male", "female", "any"]


def _check_positive(name: str, value: float) -> None:
    if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive number of millimetres, got {value!r}")


@dataclass(frozen=True)
class FootDimensions:
    """The few published measurements the outline and the frame are built from (mm).

    The default is the mean adult foot of ANSUR II (the average of the men's and women's means):
    length 258.8 mm, ball breadth 97.3 mm, heel breadth 69.9 mm, MTH1 at 74.0 % of the length.

    Attributes
    ----------
    length_mm : pternion to the tip of the longest toe, along the foot axis.
    ball_width_mm : ball breadth, metatarsale tibiale (MTH1) to metatarsale fibulare (MTH5).
    heel_width_mm : heel breadth, taken at 16 % of the length (Lee, Lin & Wang 2014).
    ball_length_ratio : heel -> MTH1 distance over length (ANSUR II 0.741 men, 0.739 women).
    """

    length_mm: float = round((ANSUR_MEN["length_mm"] + ANSUR_WOMEN["length_mm"]) / 2, 2)
    ball_width_mm: float = round((ANSUR_MEN["ball_width_mm"] + ANSUR_WOMEN["ball_width_mm"]) / 2, 2)
    heel_width_mm: float = round((ANSUR_MEN["heel_width_mm"] + ANSUR_WOMEN["heel_width_mm"]) / 2, 2)
    ball_length_ratio: float = 0.74

    def __post_init__(self) -> None:
        _check_positive("length_mm", self.length_mm)
        _check_positive("ball_width_mm", self.ball_width_mm)
        _check_positive("heel_width_mm", self.heel_width_mm)
        if not 0.6 <= self.ball_length_ratio <= 0.85:
            raise ValueError(f"ball_length_ratio must lie in 0.6..0.85, got {self.ball_length_ratio!r}")
        if not 0.2 <= self.ball_width_mm / self.length_mm <= 0.6:
            raise ValueError(
                f"ball_width_mm {self.ball_width_mm} is implausible for a foot {self.length_mm} mm long "
                "(ball breadth is 20-60 % of foot length)"
            )
        if not 0.4 <= self.heel_width_mm / self.ball_width_mm <= 1.0:
            raise ValueError(
                f"heel_width_mm {self.heel_width_mm} is implausible for a ball breadth of "
                f"{self.ball_width_mm} mm (heel/ball breadth is 0.4-1.0)"
            )

    @classmethod
    def from_length(
        cls, length_mm: float, sex: SexName = "any", ball_width_mm: float | None = None
    ) -> FootDimensions:
        """Dimensions of a foot of the given length, widths from the ANSUR II regressions.

        ``ball_width_mm`` overrides the regression when the person measured it.
        """
        _check_positive("length_mm", length_mm)
        sexes = ("male", "female") if sex == "any" else (sex,)
        if ball_width_mm is None:
            ball_width_mm = float(
                np.mean(
                    [BALL_WIDTH_REGRESSION[s][0] + BALL_WIDTH_REGRESSION[s][1] * length_mm for s in sexes]
                )
            )
        heel_ratio = float(np.mean([HEEL_TO_BALL_RATIO[s] for s in sexes]))
        return cls(
            length_mm=float(length_mm),
            ball_width_mm=float(ball_width_mm),
            heel_width_mm=heel_ratio * float(ball_width_mm),
        )


# Outline envelope: where the medial and lateral borders lie, in units of the ball or heel breadth,
# at stations along u. Positions of MTH1 (u = ball_length_ratio) and MTH5 (21 mm behind it) and the
# heel-breadth line at u = 0.16 are from the sources above; the stations between them (navicular
# bulge u 0.38-0.46, 5th-metatarsal tuberosity u 0.36-0.42, toe-row envelope) are estimates
# (foot-shape.md §2.1). The foot axis ends at the 2nd toe, which sits about 40 % of the way across
# the toe row, so the forefoot lies mostly lateral of the axis: the outline's "outflare".
HEEL_BREADTH_U = 0.16
AXIS_FRACTION_AT_BALL = 0.40  # share of the ball breadth medial of the foot axis (estimate)


@dataclass(frozen=True)
class _Envelope:
    medial: PchipInterpolator  # u -> y of the medial border (mm, negative)
    lateral: PchipInterpolator  # u -> y of the lateral border (mm, positive)
    heel_half_width: float
    heel_u: float


@cache
def _envelope(dims: FootDimensions) -> _Envelope:
    length, ball, heel = dims.length_mm, dims.ball_width_mm, dims.heel_width_mm
    u_mth1 = dims.ball_length_ratio
    u_mth5 = u_mth1 - MTH5_SETBACK_MM / length
    # Across the oblique ball line only the transverse part of the breadth counts for y.
    ball_y = math.sqrt(max(ball**2 - MTH5_SETBACK_MM**2, (0.8 * ball) ** 2))
    med_ball = -AXIS_FRACTION_AT_BALL * ball_y
    lat_ball = (1 - AXIS_FRACTION_AT_BALL) * ball_y
    h = heel / 2
    medial_pts = [
        (HEEL_BREADTH_U, -h),
        (0.20, -h - 0.002 * ball),
        (0.28, -h - 0.015 * ball),
        (0.42, -h - 0.045 * ball),  # navicular bulge
        (0.58, med_ball + 0.02 * ball),
        (u_mth1, med_ball),
        (0.86, med_ball + 0.03 * ball),
        (1.0, med_ball + 0.11 * ball),
    ]
    lateral_pts = [
        (HEEL_BREADTH_U, h),
        (0.20, h + 0.004 * ball),
        (0.28, h + 0.03 * ball),
        (0.40, h + 0.085 * ball),  # 5th metatarsal tuberosity
        (0.52, lat_ball - 0.06 * ball),
        (u_mth5, lat_ball),
        (0.76, lat_ball - 0.05 * ball),
        (0.88, lat_ball - 0.15 * ball),
        (1.0, lat_ball - 0.24 * ball),
    ]
    mu, my = zip(*medial_pts, strict=True)
    lu, ly = zip(*lateral_pts, strict=True)
    return _Envelope(
        medial=PchipInterpolator(mu, my, extrapolate=True),
        lateral=PchipInterpolator(lu, ly, extrapolate=True),
        heel_half_width=h,
        heel_u=HEEL_BREADTH_U,
    )


def _as_float(a: ArrayLike) -> FloatArray:
    return np.asarray(a, dtype=np.float64)


class FootFrame:
    """Transforms between the uv, foot_mm and view frames for one foot.

    Parameters
    ----------
    side : "left" or "right".
    dims : the foot's measurements; the ANSUR II mean adult foot by default.
    """

    def __init__(self, side: Side, dims: FootDimensions | None = None) -> None:
        if side not in SIDES:
            raise ValueError(f"side must be 'left' or 'right', got {side!r}")
        self.side: Side = side
        self.dims = dims if dims is not None else FootDimensions()
        self._env = _envelope(self.dims)

    def __repr__(self) -> str:
        return f"FootFrame(side={self.side!r}, dims={self.dims!r})"

    @property
    def length_mm(self) -> float:
        return self.dims.length_mm

    def borders(self, u: ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Medial and lateral ``y`` (mm) of the outline envelope at ``u``.

        Behind the heel-breadth line the heel is an elliptical cap that closes at ``u = 0``;
        beyond ``u`` in [0, 1] the borders are held at their end values.
        """
        u = np.clip(_as_float(u), 0.0, 1.0)
        env = self._env
        # Elliptical heel cap: semi-axes heel_u * length (along) and half the heel breadth (across).
        t = np.clip(u / env.heel_u, 0.0, 1.0)
        cap = env.heel_half_width * np.sqrt(np.clip(1.0 - (1.0 - t) ** 2, 0.0, 1.0))
        in_cap = u < env.heel_u
        medial = np.where(in_cap, -cap, env.medial(np.maximum(u, env.heel_u)))
        lateral = np.where(in_cap, cap, env.lateral(np.maximum(u, env.heel_u)))
        return medial, lateral

    def width_mm(self, u: ArrayLike) -> FloatArray:
        """Envelope width perpendicular to the foot axis at ``u`` (mm)."""
        medial, lateral = self.borders(u)
        return lateral - medial

    # uv <-> foot_mm -------------------------------------------------------------------------
    def uv_to_mm(self, u: ArrayLike, v: ArrayLike) -> tuple[FloatArray, FloatArray]:
        """uv -> foot_mm. ``u``, ``v`` broadcastable arrays; returns ``(x, y)`` in mm."""
        u, v = np.broadcast_arrays(_as_float(u), _as_float(v))
        medial, lateral = self.borders(u)
        return u * self.dims.length_mm, medial + v * (lateral - medial)

    def mm_to_uv(self, x: ArrayLike, y: ArrayLike) -> tuple[FloatArray, FloatArray]:
        """foot_mm -> uv. Where the envelope has no width (the heel pole) ``v`` is 0.5."""
        x, y = np.broadcast_arrays(_as_float(x), _as_float(y))
        u = x / self.dims.length_mm
        medial, lateral = self.borders(u)
        width = lateral - medial
        safe = np.where(width > 0, width, 1.0)
        v = np.where(width > 0, (y - medial) / safe, 0.5)
        return u, v

    # foot_mm <-> view -----------------------------------------------------------------------
    def mm_to_view(self, x: ArrayLike, y: ArrayLike) -> tuple[FloatArray, FloatArray]:
        """foot_mm -> view (soles from below, toes up, left foot mirrored). Returns ``(vx, vy)`` mm."""
        x, y = np.broadcast_arrays(_as_float(x), _as_float(y))
        vx = y if self.side == "right" else -y
        return vx, self.dims.length_mm - x

    def view_to_mm(self, vx: ArrayLike, vy: ArrayLike) -> tuple[FloatArray, FloatArray]:
        """view -> foot_mm."""
        vx, vy = np.broadcast_arrays(_as_float(vx), _as_float(vy))
        y = vx if self.side == "right" else -vx
        return self.dims.length_mm - vy, y

    def uv_to_view(self, u: ArrayLike, v: ArrayLike) -> tuple[FloatArray, FloatArray]:
        return self.mm_to_view(*self.uv_to_mm(u, v))

    def view_to_uv(self, vx: ArrayLike, vy: ArrayLike) -> tuple[FloatArray, FloatArray]:
        return self.mm_to_uv(*self.view_to_mm(vx, vy))

    def view_extent(self) -> tuple[float, float, float, float]:
        """``(xmin, ymin, xmax, ymax)`` of the outline envelope in the view frame (mm)."""
        u = np.linspace(0.0, 1.0, 401)
        xs, ys = [], []
        for v in (0.0, 1.0):
            vx, vy = self.uv_to_view(u, np.full_like(u, v))
            xs.append(vx)
            ys.append(vy)
        ax, ay = np.concatenate(xs), np.concatenate(ys)
        return float(ax.min()), float(ay.min()), float(ax.max()), float(ay.max())

    # grid <-> uv ----------------------------------------------------------------------------
    def grid_to_uv(self, grid: GridSpec, row: ArrayLike, col: ArrayLike) -> tuple[FloatArray, FloatArray]:
        return self.mm_to_uv(*grid.to_mm(row, col))

    def uv_to_grid(self, grid: GridSpec, u: ArrayLike, v: ArrayLike) -> tuple[FloatArray, FloatArray]:
        return grid.from_mm(*self.uv_to_mm(u, v))


@dataclass(frozen=True)
class GridSpec:
    """Placement of a sensor grid in the foot_mm frame.

    Sensel ``(row, col)`` has grid-local position ``(col * col_pitch, row * row_pitch)`` (mm), which
    is rotated by ``rotation_deg`` (counter-clockwise, from the grid's column axis to the foot's
    ``x`` axis) and shifted by ``origin_mm``, the foot_mm position of sensel ``(0, 0)``'s centre.
    """

    rows: int
    cols: int
    pitch_mm: tuple[float, float] = (5.08, 5.08)
    origin_mm: tuple[float, float] = (0.0, 0.0)
    rotation_deg: float = 0.0

    def __post_init__(self) -> None:
        if int(self.rows) != self.rows or int(self.cols) != self.cols or self.rows < 1 or self.cols < 1:
            raise ValueError(f"rows and cols must be positive integers, got {self.rows!r} x {self.cols!r}")
        if len(self.pitch_mm) != 2 or not all(math.isfinite(p) and p > 0 for p in self.pitch_mm):
            raise ValueError(f"pitch_mm must be two positive numbers (row, col), got {self.pitch_mm!r}")
        if not all(math.isfinite(o) for o in self.origin_mm) or not math.isfinite(self.rotation_deg):
            raise ValueError("origin_mm and rotation_deg must be finite")

    @property
    def sensel_area_mm2(self) -> float:
        return self.pitch_mm[0] * self.pitch_mm[1]

    def _rotation(self) -> tuple[float, float]:
        theta = math.radians(self.rotation_deg)
        return math.cos(theta), math.sin(theta)

    def to_mm(self, row: ArrayLike, col: ArrayLike) -> tuple[FloatArray, FloatArray]:
        """grid (fractional row, col) -> foot_mm ``(x, y)``."""
        row, col = np.broadcast_arrays(_as_float(row), _as_float(col))
        gx, gy = col * self.pitch_mm[1], row * self.pitch_mm[0]
        c, s = self._rotation()
        return self.origin_mm[0] + c * gx - s * gy, self.origin_mm[1] + s * gx + c * gy

    def from_mm(self, x: ArrayLike, y: ArrayLike) -> tuple[FloatArray, FloatArray]:
        """foot_mm ``(x, y)`` -> grid (fractional row, col)."""
        x, y = np.broadcast_arrays(_as_float(x), _as_float(y))
        dx, dy = x - self.origin_mm[0], y - self.origin_mm[1]
        c, s = self._rotation()
        gx, gy = c * dx + s * dy, -s * dx + c * dy
        return gy / self.pitch_mm[0], gx / self.pitch_mm[1]

    def centres_mm(self) -> tuple[FloatArray, FloatArray]:
        """foot_mm coordinates of every sensel centre, each of shape ``(rows, cols)``."""
        row, col = np.meshgrid(np.arange(self.rows), np.arange(self.cols), indexing="ij")
        return self.to_mm(row, col)
