"""Synthetic recordings with known ground truth: quiet standing and a ball rolled under the sole.

Both simulators place a foot of known side, size and pose on a sensor grid, compute a continuous
pressure field on the sole (kPa, in the uv frame), average it over each sensel (3 × 3 samples per
sensel) and add noise. The returned :class:`~solemap.recordings.core.Recording` carries the truth
in ``metadata["simulation"]`` (JSON-ready); :func:`simulation_truth` turns it back into a
:class:`~solemap.recordings.registration.Registration` and the per-frame ball path.

Grid orientation follows :mod:`solemap.recordings.registration`: sensel ``(row, col)`` lies at
plane mm ``(col·pitch, row·pitch)``, seen from above, so a left foot is a mirrored placement.

Standing pattern
----------------
A sum of smooth bumps on the loaded footprint (:func:`solemap.outline.sole_uv` with
``footprint=True``: the medial arch off the ground): a heel blob (u ≈ 0.10), a low lateral midfoot
band, five metatarsal heads along the oblique ball line (MTH1 at u = 0.74, MTH5 21 mm behind it,
foot-shape.md §2.1), the hallux and the lesser toes, on a low base over the whole print. Each foot
carries half the body weight; the heel share of the load is ``heel_fraction`` (default 0.60, as
reported for quiet standing together with peaks of heel ≈ 139 kPa and forefoot ≈ 88 kPa: Cavanagh
PR, Rodgers MM, Iiboshi A 1987, Foot Ankle 7:262, via ``../shared/domain/mechanics.md`` §2, marked
unverified there). For 70 kg on the 5.08 mm grid the simulated peaks are ≈ 140 kPa at the heel and
≈ 70 kPa under the metatarsal heads (below the 88 kPa quoted: the pattern spreads the forefoot
load over five heads and the toes, and a 5 mm sensel averages a peak), and the mean over sensels
above 5 kPa ≈ 27 kPa, inside body weight / contact area ≈ 25–31 kPa (mechanics.md §2, derived).
A slow anteroposterior sway (0.2 Hz, ± ``sway_fraction`` of the load) moves the centre of
pressure a few millimetres, as in quiet standing.

Ball contact model
------------------
The sole is not a linear elastic half-space (12–25 mm of nearly incompressible, non-linear,
viscoelastic pad over bone, mechanics.md §3–4), so Hertz's formula for the contact *radius* is
not used. The model is empirical:

* **Profile**: the pressure under the ball has the semi-ellipsoidal shape of a Hertz contact,
  p(r) = p0 √(1 − r²/a²), with p0 = 3F / (2πa²) so that the pressure integrates exactly to the
  load F. Only the shape is borrowed; it is smooth, peaks under the centre and falls to zero at the
  contact edge.
* **Contact radius**: inside the working bound of mechanics.md §4 (an estimate there): a between
  0.5 R and R for self-massage loads. ``firmness`` 1 (golf or lacrosse ball, barely deforms) gives
  a = 0.5 R at the reference load of 100 N; ``firmness`` 0 (a soft ball that flattens, like a
  tennis ball: ≈ 6 mm at 80 N, ITF, mechanics.md §1) gives a = R. a grows with load as
  (F / 100 N)^(1/3) — Hertz's exponent, kept only as the usual sign of contact stiffening: the
  area grows more slowly than the load — and is clipped to [0.3 R, R].
* **Assumptions**: the sensor lies between the sole and the ball (an insole on the foot); the
  contact patch is circular in foot_mm (no bony prominences, no tissue layering, no friction or
  rolling asymmetry); the load is constant unless ``load_n`` is an array per frame. Resulting mean
  pressures are therefore F/(πa²) ∈ [F/(πR²), 4F/(πR²)], e.g. 31–124 kPa for 100 N under a lacrosse
  ball, as in mechanics.md §4. Use the numbers for geometry and ranking, not as absolute stress.

Noise: each loaded sensel gets multiplicative (``noise``, a relative SD) and additive (``noise``
× 2 kPa SD) Gaussian noise, clipped at zero; unloaded sensels read 0, as vendor noise thresholds do.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from solemap.frame import FootDimensions, FootFrame
from solemap.recordings.core import Recording
from solemap.recordings.registration import Registration, SideName, register_footprint

__all__ = [
    "SimulationTruth",
    "ball_contact_radius_mm",
    "simulate_rolling",
    "simulate_standing",
    "simulation_truth",
    "standing_pattern_uv",
]

GRAVITY = 9.80665  # m/s², standard gravity (BIPM SI brochure)
REFERENCE_LOAD_N = 100.0  # load at which the firmness sets the contact radius (mechanics.md §4)
STANDING_DEFAULT_MASS_KG = 70.0  # mechanics.md §2 worked example

# Bumps of the standing pattern: (u, v, sigma_u, sigma_v, relative amplitude). Positions from
# foot-shape.md §2.1 (heel contact centre u 0.06-0.14; MTH1 u 0.74 at v 0; MTH5 u 0.62-0.67 at
# v 1; toe tips); amplitudes are shape choices, scaled afterwards to the load and heel share.
_HEEL = (0.105, 0.5, 0.055, 0.26, 1.0)
_FOREFOOT = (
    (0.725, 0.12, 0.035, 0.09, 0.6),  # MTH1
    (0.715, 0.32, 0.035, 0.08, 1.0),  # MTH2
    (0.700, 0.49, 0.035, 0.08, 0.85),  # MTH3
    (0.680, 0.66, 0.035, 0.08, 0.5),  # MTH4
    (0.655, 0.84, 0.035, 0.08, 0.35),  # MTH5
    (0.915, 0.15, 0.040, 0.10, 0.45),  # hallux pad
    (0.870, 0.55, 0.030, 0.25, 0.15),  # lesser toe pads
)
_MIDFOOT_BAND = (0.45, 0.85, 0.11, 0.12, 0.12)  # lateral contact band
_BASE = 0.04  # low pressure everywhere on the print, relative


@dataclass(frozen=True, eq=False)
class SimulationTruth:
    """Ground truth of a simulated recording.

    Attributes
    ----------
    registration : the true placement of the foot on the grid (method ``"truth"``).
    kind : "standing" or "rolling".
    path_uv : (T, 2) ball centre per frame in uv (rolling), else None.
    path_grid : (T, 2) ball centre per frame as fractional (row, col), else None.
    contact_radius_mm : (T,) ball contact radius per frame (rolling), else None.
    load_n : (T,) ball load per frame (rolling) or whole-foot load (standing), N.
    cop_grid : (T, 2) the true centre of pressure as fractional (row, col) (before sensel
        averaging and noise).
    """

    registration: Registration
    kind: str
    path_uv: np.ndarray | None
    path_grid: np.ndarray | None
    contact_radius_mm: np.ndarray | None
    load_n: np.ndarray
    cop_grid: np.ndarray


def _gauss(u, v, spec):
    u0, v0, su, sv, amp = spec
    return amp * np.exp(-0.5 * (((u - u0) / su) ** 2 + ((v - v0) / sv) ** 2))


def standing_pattern_uv(u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Relative standing pressure at uv points, split into (rearfoot, forefoot+midfoot) parts.

    Zero outside the loaded footprint. Both parts are dimensionless; :func:`simulate_standing`
    scales them to kPa.
    """
    import shapely

    from solemap.outline import sole_uv

    print_uv = sole_uv(footprint=True)
    inside = shapely.contains_xy(print_uv, u, v)
    rear = _gauss(u, v, _HEEL) + _BASE * (u < 0.3)
    front = sum(_gauss(u, v, s) for s in _FOREFOOT) + _gauss(u, v, _MIDFOOT_BAND) + _BASE * (u >= 0.3)
    return np.where(inside, rear, 0.0), np.where(inside, front, 0.0)


def ball_contact_radius_mm(diameter_mm: float, firmness: float, load_n: np.ndarray | float) -> np.ndarray:
    """Contact radius (mm) of a ball of ``diameter_mm`` and ``firmness`` (0 soft … 1 hard) under
    ``load_n`` (N): the empirical rule of the module docstring."""
    if not 0.0 <= firmness <= 1.0:
        raise ValueError(f"firmness must lie in 0..1, got {firmness!r}")
    if diameter_mm <= 0:
        raise ValueError(f"ball diameter must be positive, got {diameter_mm!r}")
    r = diameter_mm / 2.0
    ratio_ref = 1.0 - 0.5 * firmness
    load = np.maximum(np.asarray(load_n, dtype=np.float64), 0.0)
    return r * np.clip(ratio_ref * np.cbrt(load / REFERENCE_LOAD_N), 0.3, 1.0)


# ---------------------------------------------------------------------------------- placement
def _placement(
    rows: int,
    cols: int,
    pitch_mm: tuple[float, float],
    side: SideName,
    foot_length_mm: float,
    axis_deg: float,
    heel_mm: tuple[float, float] | None,
) -> Registration:
    """The true Registration of a foot placed on the grid (centred unless heel_mm is given)."""
    length = float(foot_length_mm)
    a = math.radians(axis_deg)
    direction = np.array([math.cos(a), math.sin(a)])
    if heel_mm is None:
        # Centre the outline's bounding box on the grid: the axis is not the outline's middle
        # (the forefoot flares laterally), so shift by the outline's mean border offset.
        dims = _dims_for(length)
        frame = FootFrame(side, dims)
        uu = np.linspace(0, 1, 101)
        med, lat = frame.borders(uu)
        y_mid = 0.5 * (float(med.min()) + float(lat.max()))
        # Which way is lateral in the plane depends on the side (mirror for the left foot).
        probe = register_footprint(
            np.zeros((rows, cols)),
            pitch_mm,
            side=side,
            heel_toe_mm=((0.0, 0.0), tuple(direction * length)),
        )
        lateral = probe.foot_to_plane(np.array([0.0, 1.0])) - probe.foot_to_plane(np.array([0.0, 0.0]))
        centre = np.array([(cols - 1) * pitch_mm[1] / 2, (rows - 1) * pitch_mm[0] / 2])
        heel = centre - direction * length / 2 - lateral * y_mid
    else:
        heel = np.asarray(heel_mm, dtype=np.float64)
    toe = heel + direction * length
    reg = register_footprint(
        np.zeros((rows, cols)), pitch_mm, side=side, heel_toe_mm=(tuple(heel), tuple(toe))
    )
    return Registration(**{**reg.__dict__, "method": "truth", "confidence": 1.0})


def _dims_for(length_mm: float) -> FootDimensions:
    # The same proportions the registration fits (the default foot scaled), so truth and fit agree.
    d = FootDimensions()
    s = length_mm / d.length_mm
    return FootDimensions(length_mm, d.ball_width_mm * s, d.heel_width_mm * s, d.ball_length_ratio)


def _subsample_uv(reg: Registration, rows: int, cols: int, pitch_mm: tuple[float, float], n: int = 3):
    """uv of n × n sample points inside each sensel: arrays (R·C, n²)."""
    offs = (np.arange(n) + 0.5) / n - 0.5
    dr, dc = np.meshgrid(offs, offs, indexing="ij")
    r, c = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
    rr = r.reshape(-1, 1) + dr.reshape(1, -1)
    cc = c.reshape(-1, 1) + dc.reshape(1, -1)
    plane = np.stack([cc * pitch_mm[1], rr * pitch_mm[0]], axis=-1)
    foot = reg.plane_to_foot(plane)
    u, v = reg.frame.mm_to_uv(foot[..., 0], foot[..., 1])
    return u, v, foot


def _noisy(p: np.ndarray, noise: float, rng: np.random.Generator) -> np.ndarray:
    if noise <= 0:
        return p
    loaded = p > 0
    out = p * (1.0 + noise * rng.standard_normal(p.shape)) + 2.0 * noise * rng.standard_normal(p.shape)
    return np.where(loaded, np.maximum(out, 0.0), 0.0)


def _times(duration_s: float, rate: float) -> np.ndarray:
    if duration_s <= 0 or rate <= 0:
        raise ValueError("duration_s and sample_rate_hz must be positive")
    n = max(1, round(duration_s * rate))
    return np.arange(n) / rate


def _cop_grid(frames: np.ndarray) -> np.ndarray:
    rows, cols = frames.shape[1:]
    r, c = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
    tot = frames.sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        cr = (frames * r).sum(axis=(1, 2)) / tot
        cc = (frames * c).sum(axis=(1, 2)) / tot
    return np.column_stack([cr, cc])


def _recording(frames, rate, pitch_mm, side, meta) -> Recording:
    return Recording.from_array(
        frames.astype(np.float32),
        sample_rate_hz=rate,
        side=side,
        pitch_mm=pitch_mm,
        format="simulated",
        metadata={"simulation": meta},
    )


def _reg_meta(reg: Registration, pitch_mm) -> dict[str, Any]:
    return {
        "side": reg.side,
        "foot_length_mm": reg.dims.length_mm,
        "heel_mm": [float(x) for x in reg.heel_mm],
        "toe_mm": [float(x) for x in reg.toe_mm],
        "axis_deg": reg.axis_deg,
        "shape": list(reg.shape),
        "pitch_mm": list(pitch_mm),
    }


# ---------------------------------------------------------------------------------- standing
def simulate_standing(
    rows: int = 60,
    cols: int = 21,
    pitch_mm: tuple[float, float] = (5.08, 5.08),
    *,
    side: SideName = "left",
    foot_length_mm: float | None = None,
    axis_deg: float = -90.0,
    heel_mm: tuple[float, float] | None = None,
    body_mass_kg: float = STANDING_DEFAULT_MASS_KG,
    heel_fraction: float = 0.60,
    sway_fraction: float = 0.05,
    duration_s: float = 2.0,
    sample_rate_hz: float = 50.0,
    noise: float = 0.03,
    seed: int = 0,
) -> Recording:
    """A quiet-standing recording of one foot on a ``rows × cols`` grid.

    Parameters
    ----------
    rows, cols, pitch_mm : the grid (sensel pitch (row, col) in mm).
    side : "left" or "right".
    foot_length_mm : foot length (default: the ANSUR II mean adult, 258.8 mm).
    axis_deg : heel → toe direction in the grid plane (degrees counter-clockwise from the column
        axis); -90 puts the toes toward row 0, as Tekscan insoles do.
    heel_mm : plane position (mm) of the pternion; default: the foot is centred on the grid.
    body_mass_kg : each foot carries half of body_mass_kg × g.
    heel_fraction : share of the foot's load under the rearfoot (u < 0.3).
    sway_fraction : amplitude of the slow heel ↔ forefoot load shift, as a share of the load.
    noise : relative noise SD (see the module docstring); 0 = exact.
    seed : random seed (the result is a pure function of the arguments).
    """
    rng = np.random.default_rng(seed)
    length = float(foot_length_mm or FootDimensions().length_mm)
    reg = _placement(rows, cols, pitch_mm, side, length, axis_deg, heel_mm)
    u, v, _ = _subsample_uv(reg, rows, cols, pitch_mm)
    rear, front = standing_pattern_uv(u, v)
    rear_s = rear.mean(axis=1).reshape(rows, cols)  # sensel averages
    front_s = front.mean(axis=1).reshape(rows, cols)
    area_m2 = pitch_mm[0] * pitch_mm[1] * 1e-6
    load = body_mass_kg * GRAVITY / 2.0
    # kPa per unit of each part so that the parts carry heel_fraction and the rest of the load.
    k_rear = heel_fraction * load / (rear_s.sum() * area_m2 * 1000.0)
    k_front = (1 - heel_fraction) * load / (front_s.sum() * area_m2 * 1000.0)
    t = _times(duration_s, sample_rate_hz)
    shift = sway_fraction * np.sin(2 * np.pi * 0.2 * t)  # slow sway, share of the load
    frames = (k_rear * (1 + shift / heel_fraction))[:, None, None] * rear_s + (
        k_front * (1 - shift / (1 - heel_fraction))
    )[:, None, None] * front_s
    cop = _cop_grid(frames)
    frames = _noisy(frames, noise, rng)
    meta = {
        "kind": "standing",
        "seed": seed,
        "body_mass_kg": body_mass_kg,
        "heel_fraction": heel_fraction,
        "noise": noise,
        "load_n": load,
        "registration": _reg_meta(reg, pitch_mm),
        "cop_grid": cop.round(4).tolist(),
    }
    return _recording(frames, sample_rate_hz, pitch_mm, side, meta)


# ---------------------------------------------------------------------------------- rolling
def _path_points(path: Sequence[Sequence[float]] | np.ndarray, n: int) -> np.ndarray:
    """(n, 2) uv positions at constant speed along the polyline through ``path`` waypoints."""
    pts = np.asarray(path, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 2 or pts.shape[0] < 1:
        raise ValueError(f"path must be (K, 2) uv waypoints, got shape {pts.shape}")
    if pts.shape[0] == 1:
        return np.repeat(pts, n, axis=0)
    seg = np.linalg.norm(np.diff(pts, axis=0), axis=1)
    s = np.concatenate([[0.0], np.cumsum(seg)])
    target = np.linspace(0.0, s[-1], n)
    return np.column_stack([np.interp(target, s, pts[:, 0]), np.interp(target, s, pts[:, 1])])


DEFAULT_PATH_UV = ((0.12, 0.5), (0.45, 0.7), (0.72, 0.45), (0.72, 0.15), (0.2, 0.35))


def simulate_rolling(
    rows: int = 60,
    cols: int = 21,
    pitch_mm: tuple[float, float] = (5.08, 5.08),
    ball_diameter_mm: float = 63.7,
    firmness: float = 0.8,
    load_n: float | np.ndarray = 100.0,
    path: Sequence[Sequence[float]] | np.ndarray = DEFAULT_PATH_UV,
    sample_rate_hz: float = 100.0,
    noise: float = 0.03,
    seed: int = 0,
    *,
    duration_s: float = 10.0,
    side: SideName = "left",
    foot_length_mm: float | None = None,
    axis_deg: float = -90.0,
    heel_mm: tuple[float, float] | None = None,
    background_n: float = 0.0,
) -> Recording:
    """A ball rolled under one foot along a known path (see the module docstring).

    Parameters
    ----------
    rows, cols, pitch_mm : the grid.
    ball_diameter_mm : e.g. 63.7 (lacrosse), 67 (tennis), 42.7 (golf) (mechanics.md §1).
    firmness : 0 (soft, flattens) … 1 (hard); sets the contact radius with the load.
    load_n : ball load in N, a number or an array with one value per frame.
    path : (K, 2) uv waypoints; the ball centre moves through them at constant speed over the
        recording (a single point = pressing in place).
    sample_rate_hz, duration_s : frame rate and length.
    noise : relative noise SD; seed : random seed.
    side, foot_length_mm, axis_deg, heel_mm : the foot's placement (as in simulate_standing).
    background_n : extra load of the rest of the sole, spread in the standing pattern (N).
    """
    rng = np.random.default_rng(seed)
    length = float(foot_length_mm or FootDimensions().length_mm)
    reg = _placement(rows, cols, pitch_mm, side, length, axis_deg, heel_mm)
    t = _times(duration_s, sample_rate_hz)
    n = t.size
    loads = np.broadcast_to(np.asarray(load_n, dtype=np.float64), (n,)).copy()
    centres_uv = _path_points(path, n)
    frame = reg.frame
    cx, cy = frame.uv_to_mm(centres_uv[:, 0], centres_uv[:, 1])
    centres_foot = np.column_stack([cx, cy])
    centres_plane = reg.foot_to_plane(centres_foot)
    path_grid = np.column_stack([centres_plane[:, 1] / pitch_mm[0], centres_plane[:, 0] / pitch_mm[1]])
    radius = ball_contact_radius_mm(ball_diameter_mm, firmness, loads)
    u, v, foot = _subsample_uv(reg, rows, cols, pitch_mm)
    import shapely

    from solemap.outline import sole_uv

    on_sole = shapely.contains_xy(sole_uv(), u, v)  # (R·C, n²)
    frames = np.zeros((n, rows, cols))
    for i in range(n):
        a = radius[i]
        if loads[i] <= 0:
            continue
        d2 = (foot[..., 0] - cx[i]) ** 2 + (foot[..., 1] - cy[i]) ** 2
        p0 = 3.0 * loads[i] / (2.0 * math.pi * (a * 1e-3) ** 2) / 1000.0  # kPa
        prof = p0 * np.sqrt(np.clip(1.0 - d2 / a**2, 0.0, None))
        frames[i] = (prof * on_sole).mean(axis=1).reshape(rows, cols)
    if background_n > 0:
        rear, front = standing_pattern_uv(u, v)
        bg = (rear + front).mean(axis=1).reshape(rows, cols)
        bg *= background_n / (bg.sum() * pitch_mm[0] * pitch_mm[1] * 1e-6 * 1000.0)
        frames += bg[None]
    cop = _cop_grid(frames)
    frames = _noisy(frames, noise, rng)
    meta = {
        "kind": "rolling",
        "seed": seed,
        "ball_diameter_mm": ball_diameter_mm,
        "firmness": firmness,
        "noise": noise,
        "background_n": background_n,
        "registration": _reg_meta(reg, pitch_mm),
        "load_n": loads.round(6).tolist(),
        "path_uv": centres_uv.round(6).tolist(),
        "path_grid": path_grid.round(6).tolist(),
        "contact_radius_mm": radius.round(6).tolist(),
        "cop_grid": cop.round(4).tolist(),
    }
    return _recording(frames, sample_rate_hz, pitch_mm, side, meta)


def simulation_truth(recording: Recording) -> SimulationTruth:
    """The ground truth stored in a simulated recording's metadata."""
    meta = recording.metadata.get("simulation")
    if not isinstance(meta, dict):
        raise ValueError("this recording was not made by solemap's simulator")
    r = meta["registration"]
    rows, cols = r["shape"]
    reg = register_footprint(
        np.zeros((rows, cols)),
        tuple(r["pitch_mm"]),
        side=r["side"],
        heel_toe_mm=(tuple(r["heel_mm"]), tuple(r["toe_mm"])),
    )
    reg = Registration(**{**reg.__dict__, "method": "truth", "confidence": 1.0})

    def arr(key: str) -> np.ndarray | None:
        return None if key not in meta else np.asarray(meta[key], dtype=np.float64)

    load = arr("load_n")
    return SimulationTruth(
        registration=reg,
        kind=meta["kind"],
        path_uv=arr("path_uv"),
        path_grid=arr("path_grid"),
        contact_radius_mm=arr("contact_radius_mm"),
        load_n=np.broadcast_to(load, (recording.n_frames,)) if load is not None else np.zeros(0),
        cop_grid=np.asarray(meta["cop_grid"], dtype=np.float64),
    )
