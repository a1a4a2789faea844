"""pressuRe's region masks, reproduced, plus mask files (GeoJSON) drawn or edited by hand.

Schemes (``../shared/domain/pressure-metrics.md``, "Region masks"; Telfer/pressuRe
``R/pressuRe_functions.R``: ``pedar_mask1``–``pedar_mask3``, ``automask``):

``pedar_mask1`` (4 regions), ``pedar_mask3`` (9)
    Lists of pedar sensor numbers (same numbers for both insoles). Sensors in a list have weight
    exactly 1, all others 0. pressuRe builds the union polygon of the listed sensors and
    intersects it again with every sensor, which gives the same membership up to rounding.
``pedar_mask2`` (4)
    Percentages of the insole's bounding box: hindfoot = proximal 50 % of its length, forefoot =
    50–85 %, toes = distal 15 % split at 35 % of the width from the medial border into hallux and
    lesser toes. Geometric, so sensors straddling a cut have fractional weights (dropped with
    pressuRe's default of whole sensors only).
``automask_simple`` (3, grids)
    Outline of the trial's footprint, cut across its minimum-area bounding rectangle at 27 % and
    55 % of the length from the heel: heel, midfoot, forefoot.
``automask_novel`` (10, grids)
    As simple, plus the toe line (a least-cost path through the low-pressure valley between the
    toes and the metatarsal heads), medial/lateral edge lines, and dividers rotated from the
    medial edge by fractions of the angle between the edges: hallux | lesser toes and MT1 … MT5.

Where pressuRe's code deviates from its own intent, the intended definition is used; each case
is listed in ``docs/pressure-parity.md`` (e.g. ``pedar_mask3`` leaves sensors 3–5 in no region,
``pedar_mask2``'s forefoot also covers the hindfoot, the automask outline is grown by a sensor
*area* taken as a distance).

Frames of a mask's polygons (``PressureMask.frame``):

* ``insole_mm`` — :class:`~solemap.recordings.core.SensorLayout` mm (x heel → toe, y medial →
  lateral, seen from below); one mask serves both insoles.
* ``grid_mm`` — the grid plane of :mod:`solemap.recordings.registration`: sensel (row, col)
  centred at (col · col_pitch, row · row_pitch) mm.
* ``uv`` — the normalized foot frame (:mod:`solemap.frame`): works across trials and systems
  through each trial's registration.

A :class:`PressureMask` is accepted wherever the analysis takes a region layer: its
:meth:`PressureMask.weights` gives the (N, K) :class:`~solemap.recordings.metrics.RegionWeights`
of one recording side, whole sensors only by default (pressuRe) or fractional with
``partial=True``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from solemap.recordings.core import Recording
from solemap.recordings.metrics import RegionWeights
from solemap.recordings.registration import Registration, register_footprint, register_layout
from solemap.recordings.weights import grid_sensel_polygons, overlap_weights, whole_sensors

__all__ = [
    "FRAMES",
    "SCHEMES",
    "AxisFrame",
    "MaskError",
    "MaskRegion",
    "PressureMask",
    "analyze_with_mask",
    "atlas_mask",
    "automask",
    "axis_frame",
    "layer_weights",
    "load_mask",
    "make_mask",
    "pedar_mask",
]

FRAMES = ("insole_mm", "grid_mm", "uv")

#: pedar sensor lists (1-based sensor numbers, identical for both insoles). Source: pressuRe
#: ``pedar_mask1`` / ``pedar_mask3`` (left-insole lists) and pressure-metrics.md's table; mask1
#: after PMC9470545, mask3 after doi:10.1186/1757-1146-7-20. ``lateral_hindfoot`` includes 3–5
#: (the intended definition; pressuRe's code leaves them out, see docs/pressure-parity.md).
_PEDAR_LISTS: dict[str, dict[str, tuple[str, list[int]]]] = {
    "pedar_mask1": {
        "hindfoot": ("Hindfoot", list(range(1, 27))),
        "midfoot": ("Midfoot", list(range(27, 55))),
        "forefoot": ("Forefoot", list(range(55, 83))),
        "toes": ("Toes", list(range(83, 100))),
    },
    "pedar_mask3": {
        "medial_hindfoot": ("Medial hindfoot", [1, 2, 6, 7, 8, 13, 14, 15, 20, 21, 22]),
        "lateral_hindfoot": ("Lateral hindfoot", [3, 4, 5, *range(9, 13), *range(16, 20), *range(23, 27)]),
        "medial_midfoot": ("Medial midfoot", [27, 28, 29, 34, 35, 36, 41, 42, 43, 48, 49, 50, 55, 56, 57]),
        "lateral_midfoot": (
            "Lateral midfoot",
            [*range(30, 34), *range(37, 41), *range(44, 48), *range(51, 55), 58, 59],
        ),
        "mtpj1": ("MTPJ 1", [62, 63, 69, 70, 76, 77]),
        "mtpj23": ("MTPJ 2–3", [64, 65, 66, 71, 72, 73, 78, 79, 80]),
        "mtpj45": ("MTPJ 4–5", [60, 61, 67, 68, 74, 75]),
        "hallux": ("Hallux", [83, 84, 90, 91, 96]),
        "lesser_toes": ("Lesser toes", [81, 82, *range(85, 90), *range(92, 96), 97, 98, 99]),
    },
}

_SOURCES = {
    "pedar_mask1": "pressuRe pedar_mask1 (Telfer/pressuRe, MIT); regions after PMC9470545",
    "pedar_mask2": "pressuRe pedar_mask2 (Telfer/pressuRe, MIT); regions after doi:10.1186/1757-1146-7-18",
    "pedar_mask3": "pressuRe pedar_mask3 (Telfer/pressuRe, MIT); regions after doi:10.1186/1757-1146-7-20",
    "automask_simple": "pressuRe automask 'automask_simple' (Telfer/pressuRe, MIT): cuts at 27 % and 55 %",
    "automask_novel": "pressuRe automask 'automask_novel' (Telfer/pressuRe, MIT), after novel's automask",
}

#: Scheme name -> kind of recording it is made for.
SCHEMES: dict[str, str] = {
    "pedar_mask1": "sensors",
    "pedar_mask2": "sensors",
    "pedar_mask3": "sensors",
    "automask_simple": "grid",
    "automask_novel": "grid",
}

# automask fractions of the footprint length from the heel (pressuRe automask; pressure-metrics.md)
_HEEL_CUT, _MID_CUT = 0.27, 0.55
# Dividers rotated from the medial edge line by these fractions of the edge angle (pressuRe).
_DIVIDERS = {"hallux": 0.33, "mt12": 0.30, "mt23": 0.47, "mt34": 0.64, "mt45": 0.81}
# Zones (fractions of length from the heel) whose outermost points define the edge lines.
_MEDIAL_ZONES = ((0.10, 0.30), (0.60, 0.80))
_LATERAL_ZONES = ((0.10, 0.30), (0.55, 0.75))
# Toe line ends, as fractions of the distance from the toe tip to the middle of the print
# (pressuRe's code: toe_start = 0.2 on the medial edge, hal_start = 0.5 on the lateral edge).
_TOE_START, _TOE_END = 0.2, 0.5
# pedar_mask2 percentages of the insole bounding box (pressuRe pedar_mask2).
_P2_HIND, _P2_TOES, _P2_HALLUX = 0.50, 0.85, 0.35
_BIG = 1.0e4  # mm: "far beyond any foot", for half-planes


class MaskError(ValueError):
    """A mask cannot be built, read or applied (the message says why)."""


@dataclass(frozen=True, eq=False)
class MaskRegion:
    """One region of a mask.

    Attributes
    ----------
    id : short id (``hindfoot``, ``mt1``, ...), unique within the mask.
    name : display name.
    geometry : shapely (Multi)Polygon in the mask's frame, or None for a sensor list without
        geometry.
    sensors : 1-based sensor numbers for sensor-list regions (discrete insoles), else None.
    """

    id: str
    name: str
    geometry: BaseGeometry | None = None
    sensors: tuple[int, ...] | None = None


@dataclass(frozen=True, eq=False)
class PressureMask:
    """A set of named regions in one frame, usable as a region layer for the metrics.

    Attributes
    ----------
    scheme : how it was made (``pedar_mask1``, ``automask_novel``, ``custom``, ...).
    frame : ``insole_mm``, ``grid_mm`` or ``uv`` (see the module docstring).
    regions : the regions, in output order (they may overlap, e.g. forefoot and MT1–MT5).
    side : the foot a grid mask was made on (``left``/``right``), None if it fits both.
    grid : for ``grid_mm`` masks, ``{"shape": [R, C], "pitch_mm": [row, col]}`` of the grid.
    source, notes : provenance and remarks (kept in the GeoJSON file).
    """

    scheme: str
    frame: str
    regions: tuple[MaskRegion, ...]
    side: str | None = None
    grid: dict[str, Any] | None = None
    source: str = ""
    notes: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if self.frame not in FRAMES:
            raise MaskError(f"frame must be one of {', '.join(FRAMES)}, got {self.frame!r}")
        ids = [r.id for r in self.regions]
        if len(set(ids)) != len(ids):
            raise MaskError(f"region ids must be unique, got {ids}")
        if not self.regions:
            raise MaskError("a mask needs at least one region")

    @property
    def name(self) -> str:
        """The layer name used in tables (the scheme)."""
        return self.scheme

    @property
    def region_ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.regions)

    # ------------------------------------------------------------------ weights
    def weights(
        self,
        recording: Recording,
        side: str | None = None,
        registration: Registration | None = None,
        *,
        partial: bool = False,
        valid: np.ndarray | None = None,
    ) -> RegionWeights:
        """(N, K) region weights of one side of ``recording`` (N sensels/sensors, K regions).

        Parameters
        ----------
        recording, side : the recording and the side to weight (may be omitted if it has one).
        registration : needed for ``uv`` masks (sensor polygons are mapped into uv through it);
            computed from the footprint / layout when omitted.
        partial : False (pressuRe default): whole sensors only, weight 1 or 0; True: the
            fraction of each sensor's area inside the region.

        Cells outside the sensor (``valid`` False; default ``recording.valid_mask``) get weight 0
        in every region.
        """
        side = recording._side(side)
        valid = np.asarray(recording.valid_mask(side) if valid is None else valid, dtype=bool).reshape(-1)
        if all(r.sensors is not None for r in self.regions) and recording.kind == "sensors":
            w = _list_weights(self.regions, recording.layout(side).n_sensors)
        else:
            polys = self._sensor_polygons(recording, side, registration)
            geoms = []
            for r in self.regions:
                if r.geometry is None:
                    raise MaskError(
                        f"region {r.id!r} has no geometry and the recording has no sensor numbers"
                    )
                geoms.append(r.geometry)
            w = overlap_weights(polys, geoms, degenerate="zero" if self.frame == "uv" else "error")
            if not partial:
                w = whole_sensors(w)
        w = w * valid[:, None]
        return RegionWeights(self.region_ids, w)

    def _sensor_polygons(
        self, recording: Recording, side: str, registration: Registration | None
    ) -> np.ndarray:
        if self.frame == "insole_mm":
            if recording.kind != "sensors":
                raise MaskError("an insole_mm mask needs a discrete-sensor recording (e.g. pedar)")
            lay = recording.layout(side)
            if lay.polygons is None:
                raise MaskError(f"the layout {lay.name!r} has no sensor polygons")
            return _as_object_polygons(lay.polygons)
        if self.frame == "grid_mm":
            if recording.kind != "grid":
                raise MaskError("a grid_mm mask needs a grid recording")
            pitch = recording.pitch_mm
            assert pitch is not None
            if self.grid is not None:
                want = tuple(float(p) for p in self.grid.get("pitch_mm", pitch))
                if not np.allclose(want, pitch, rtol=1e-6):
                    raise MaskError(
                        f"the mask was drawn on a grid of pitch {want} mm, the recording has {pitch} mm"
                    )
            return grid_sensel_polygons(recording.shape(side), pitch)  # type: ignore[arg-type]
        # uv: sensor polygons through the registration
        reg = registration if registration is not None else register_side(recording, side)
        if recording.kind == "grid":
            corners = grid_sensel_polygons(recording.shape(side), recording.pitch_mm)  # type: ignore[arg-type]
            u, v = reg.plane_to_uv(corners)
            return np.stack([u, v], axis=-1)
        frame = reg.frame
        polys = []
        for poly in sensor_polygons_foot(recording, side, reg):
            u, v = frame.mm_to_uv(poly[:, 0], poly[:, 1])
            polys.append(np.column_stack([u, v]))
        return _as_object_polygons(polys)

    # ------------------------------------------------------------------ GeoJSON
    def to_geojson(self) -> dict[str, Any]:
        """A GeoJSON FeatureCollection (RFC 7946) with the mask's metadata as a foreign member
        ``solemap_mask``; each region is a Feature with ``id``, ``name`` and ``sensors``.

        Coordinates are in the mask's frame (mm or uv), not longitude/latitude.
        """
        feats = []
        for r in self.regions:
            feats.append(
                {
                    "type": "Feature",
                    "id": r.id,
                    "properties": {
                        "id": r.id,
                        "name": r.name,
                        "sensors": None if r.sensors is None else list(r.sensors),
                    },
                    "geometry": None if r.geometry is None else _rounded(mapping(r.geometry)),
                }
            )
        return {
            "type": "FeatureCollection",
            "solemap_mask": {
                "version": 1,
                "scheme": self.scheme,
                "frame": self.frame,
                "side": self.side,
                "grid": self.grid,
                "source": self.source,
                "notes": list(self.notes),
            },
            "features": feats,
        }

    @classmethod
    def from_geojson(cls, data: Mapping[str, Any], *, where: str = "<mask>") -> PressureMask:
        """Read a mask from :meth:`to_geojson`'s structure (raises :class:`MaskError`)."""
        if not isinstance(data, Mapping) or data.get("type") != "FeatureCollection":
            raise MaskError(f"{where}: expected a GeoJSON FeatureCollection")
        meta = data.get("solemap_mask") or {}
        if not isinstance(meta, Mapping):
            raise MaskError(f"{where}: 'solemap_mask' must be an object")
        frame = meta.get("frame", "grid_mm")
        side = meta.get("side")
        if side not in (None, "left", "right"):
            raise MaskError(f"{where}: 'side' must be left, right or null, got {side!r}")
        grid = meta.get("grid")
        if grid is not None and not (
            isinstance(grid, Mapping)
            and isinstance(grid.get("pitch_mm"), list)
            and len(grid["pitch_mm"]) == 2
            and all(isinstance(p, (int, float)) and p > 0 for p in grid["pitch_mm"])
        ):
            raise MaskError(f'{where}: \'grid\' must be {{"shape": [R, C], "pitch_mm": [row, col]}}')
        notes = meta.get("notes", [])
        if not isinstance(notes, list):
            raise MaskError(f"{where}: 'notes' must be a list")
        regions = []
        feats = data.get("features")
        if not isinstance(feats, list) or not feats:
            raise MaskError(f"{where}: expected a non-empty 'features' list")
        for k, feat in enumerate(feats):
            if not isinstance(feat, Mapping) or feat.get("type") != "Feature":
                raise MaskError(f"{where}: features[{k}] is not a GeoJSON Feature")
            props = feat.get("properties") or {}
            if not isinstance(props, Mapping):
                raise MaskError(f"{where}: features[{k}]: 'properties' must be an object")
            rid = str(props.get("id", feat.get("id", f"region{k + 1}")))
            geom_data = feat.get("geometry")
            geom = None
            if geom_data is not None:
                try:
                    geom = shape(geom_data)
                except Exception as exc:
                    raise MaskError(f"{where}: features[{k}] ({rid}): bad geometry: {exc}") from None
                if geom.geom_type not in ("Polygon", "MultiPolygon"):
                    raise MaskError(
                        f"{where}: features[{k}] ({rid}): expected a Polygon, found {geom.geom_type}"
                    )
                if not geom.is_valid:
                    geom = shapely.make_valid(geom)
            sensors = props.get("sensors")
            if sensors is not None:
                try:
                    sensors = tuple(int(s) for s in sensors)
                except (TypeError, ValueError):
                    raise MaskError(
                        f"{where}: features[{k}] ({rid}): 'sensors' must be a list of integers"
                    ) from None
            if geom is None and sensors is None:
                raise MaskError(f"{where}: features[{k}] ({rid}) has neither a geometry nor sensors")
            regions.append(MaskRegion(rid, str(props.get("name", rid)), geom, sensors))
        try:
            return cls(
                scheme=str(meta.get("scheme", "custom")), frame=str(frame), regions=tuple(regions),
                side=side, grid=dict(grid) if grid is not None else None, source=str(meta.get("source", "")),
                notes=tuple(str(n) for n in notes),
            )  # fmt: skip
        except MaskError as exc:
            raise MaskError(f"{where}: {exc}") from None

    def save(self, path: str | PathLike[str]) -> None:
        """Write the GeoJSON file."""
        Path(path).write_text(json.dumps(self.to_geojson(), indent=1), encoding="utf-8")


def load_mask(path: str | PathLike[str]) -> PressureMask:
    """Read a GeoJSON mask file written by :meth:`PressureMask.save` or the web page."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MaskError(f"{p}: cannot read: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MaskError(f"{p}: not a JSON file: {exc}") from None
    return PressureMask.from_geojson(data, where=str(p))


# ---------------------------------------------------------------------------------- helpers
def _rounded(obj: Any, digits: int = 4) -> Any:
    if isinstance(obj, float):
        return round(obj, digits)
    if isinstance(obj, (list, tuple)):
        return [_rounded(o, digits) for o in obj]
    if isinstance(obj, Mapping):
        return {k: _rounded(v, digits) for k, v in obj.items()}
    return obj


def _as_object_polygons(polys: Sequence[np.ndarray]) -> np.ndarray:
    return np.array([shapely.Polygon(np.asarray(p, dtype=np.float64)) for p in polys], dtype=object)


def _list_weights(regions: Sequence[MaskRegion], n: int) -> np.ndarray:
    w = np.zeros((n, len(regions)))
    for k, r in enumerate(regions):
        idx = np.asarray(r.sensors, dtype=np.intp) - 1
        if idx.size and (idx.min() < 0 or idx.max() >= n):
            raise MaskError(f"region {r.id!r} names sensor numbers outside 1…{n}")
        w[idx, k] = 1.0
    return w


def register_side(recording: Recording, side: str) -> Registration:
    """The registration of one side from its layout (sensors) or its peak footprint (grids)."""
    if recording.kind == "sensors":
        foot = side if side in ("left", "right") else "left"
        lay = recording.layout(side)
        return register_layout(lay.positions_mm, lay.areas_mm2, foot)  # type: ignore[arg-type]
    fp = footprint_max(recording, side)
    forced = side if side in ("left", "right") else None
    return register_footprint(fp, recording.pitch_mm, side=forced)  # type: ignore[arg-type]


def sensor_polygons_foot(recording: Recording, side: str, reg: Registration) -> list[np.ndarray]:
    """Sensor polygons of an insole in foot_mm, each placed on its sensor's registered position.

    A layout registration (:func:`~solemap.recordings.registration.register_layout`) places every
    sensor by its own (u, v) (the insole spans the sole's width station by station), which a
    single affine map cannot express; so each polygon keeps its shape and is moved so that its
    centre lands on the sensor's registered foot_mm position.
    """
    lay = recording.layout(side)
    polys = lay.polygons
    if polys is None:
        half = np.sqrt(lay.areas_mm2)[:, None, None] / 2 * np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]])
        polys = list(lay.positions_mm[:, None, :] + half)
    out = []
    for i, poly in enumerate(polys):
        shift = reg.foot_mm[i] - reg.plane_to_foot(lay.positions_mm[i])
        out.append(reg.plane_to_foot(np.asarray(poly, float)) + shift)
    return out


def footprint_max(recording: Recording, side: str | None = None) -> np.ndarray:
    """Per-sensel maximum over the recording ((R, C) or (S,), kPa; NaN where never measured)."""
    data = recording.pressure(side)
    out = np.full(data.shape[1:], -np.inf, dtype=np.float32)
    step = max(1, (8 << 20) // max(4 * int(np.prod(data.shape[1:])), 1))
    for t0 in range(0, data.shape[0], step):
        block = np.asarray(data[t0 : t0 + step])
        np.fmax(out, np.where(np.isnan(block), -np.inf, block).max(axis=0), out=out)
    out[np.isneginf(out)] = np.nan
    return out


# ---------------------------------------------------------------------------------- pedar
def pedar_mask(scheme: str, recording: Recording | None = None, side: str | None = None) -> PressureMask:
    """``pedar_mask1``, ``pedar_mask2`` or ``pedar_mask3`` in insole mm (both insoles).

    ``pedar_mask2`` needs the insole's sensor polygons, taken from ``recording`` (any pedar
    recording; the default layout of size ``y`` when omitted).
    """
    from solemap.recordings.readers.pedar import pedar_layout

    if scheme not in ("pedar_mask1", "pedar_mask2", "pedar_mask3"):
        raise MaskError(f"unknown pedar scheme {scheme!r}")
    lay = recording.layout(side) if recording is not None else pedar_layout("y")
    if lay.polygons is None or lay.n_sensors != 99:
        raise MaskError(f"{scheme} needs a 99-sensor pedar layout with polygons")
    polys = _as_object_polygons(lay.polygons)
    if scheme in _PEDAR_LISTS:
        regions = tuple(
            MaskRegion(rid, name, shapely.union_all(polys[np.asarray(nums) - 1]).buffer(0), tuple(nums))
            for rid, (name, nums) in _PEDAR_LISTS[scheme].items()
        )
        notes: tuple[str, ...] = ()
        if scheme == "pedar_mask3":
            notes = (
                "lateral_hindfoot includes sensors 3-5 (pressuRe's code omits them; docs/pressure-parity.md)",
            )
        return PressureMask(scheme, "insole_mm", regions, None, None, _SOURCES[scheme], notes)
    outline = shapely.union_all(polys).buffer(0)
    x0, y0, x1, y1 = outline.bounds  # x heel → toe, y medial → lateral
    length, width = x1 - x0, y1 - y0
    x_hind, x_toes = x0 + _P2_HIND * length, x0 + _P2_TOES * length
    y_hal = y0 + _P2_HALLUX * width

    def box(xa: float, xb: float, ya: float = -_BIG, yb: float = _BIG) -> BaseGeometry:
        return outline.intersection(shapely.box(xa, ya, xb, yb))

    regions = (
        MaskRegion("hindfoot", "Hindfoot", box(-_BIG, x_hind)),
        MaskRegion("forefoot", "Forefoot", box(x_hind, x_toes)),
        MaskRegion("hallux", "Hallux", box(x_toes, _BIG, -_BIG, y_hal)),
        MaskRegion("lesser_toes", "Lesser toes", box(x_toes, _BIG, y_hal, _BIG)),
    )
    notes = ("forefoot = 50-85 % of the insole length (pressuRe's covers 0-85 %; docs/pressure-parity.md)",)
    return PressureMask(scheme, "insole_mm", regions, None, None, _SOURCES[scheme], notes)


# ---------------------------------------------------------------------------------- automask
@dataclass(frozen=True)
class AxisFrame:
    """Local foot-aligned frame in the grid plane: t along the axis from the heel end (mm),
    s across it, positive towards the lateral border."""

    origin: np.ndarray
    along: np.ndarray
    across: np.ndarray

    def to_local(self, xy: np.ndarray) -> np.ndarray:
        d = np.asarray(xy, float) - self.origin
        return np.stack([d @ self.across, d @ self.along], axis=-1)  # (s, t)

    def to_plane(self, st: np.ndarray) -> np.ndarray:
        st = np.asarray(st, float)
        return self.origin + st[..., :1] * self.across + st[..., 1:2] * self.along

    def poly(self, st: Sequence[Sequence[float]]) -> BaseGeometry:
        return shapely.Polygon(self.to_plane(np.asarray(st, float)))


def reg_directions(reg: Registration) -> tuple[np.ndarray, np.ndarray]:
    """(heel → toe, medial → lateral) direction vectors of a registration in its sensor plane."""
    heel_to_toe = np.asarray(reg.toe_mm, float) - np.asarray(reg.heel_mm, float)
    lateral = reg.foot_to_plane(np.array([0.0, 1.0])) - reg.foot_to_plane(np.array([0.0, 0.0]))
    return heel_to_toe, lateral


def axis_frame(centres: np.ndarray, heel_to_toe: np.ndarray, lateral: np.ndarray) -> tuple[AxisFrame, float]:
    """The minimum-area bounding rectangle of the active sensel centres (rotating calipers, as
    pressuRe's ``getMinBBox``); its long side is the foot axis, oriented heel → toe and medial →
    lateral by the two direction vectors (e.g. :func:`reg_directions`). Returns the frame
    (origin at the middle of the heel-side edge) and the rectangle's length (mm)."""
    rect = shapely.minimum_rotated_rectangle(shapely.MultiPoint(centres))
    if rect.geom_type != "Polygon":
        raise MaskError("the footprint is too small for an automatic mask")
    c = np.asarray(rect.exterior.coords)[:4]
    e1, e2 = c[1] - c[0], c[2] - c[1]
    long_edge = e1 if np.linalg.norm(e1) >= np.linalg.norm(e2) else e2
    along = long_edge / np.linalg.norm(long_edge)
    if along @ np.asarray(heel_to_toe, float) < 0:
        along = -along
    across = np.array([along[1], -along[0]])
    if across @ np.asarray(lateral, float) < 0:
        across = -across
    t = (c - c.mean(axis=0)) @ along
    s = (c - c.mean(axis=0)) @ across
    origin = c.mean(axis=0) + t.min() * along + 0.5 * (s.min() + s.max()) * across
    return AxisFrame(origin, along, across), float(np.ptp(t))


def _half_plane(frame: AxisFrame, point: np.ndarray, direction: np.ndarray, lateral: bool) -> BaseGeometry:
    """The half-plane lateral (or medial) of the line through ``point`` (s, t) along ``direction``."""
    d = direction / np.linalg.norm(direction)
    n = np.array([d[1], -d[0]])  # rotate -90°: for d = (0, 1) (distal) n = (1, 0), lateral
    if n[0] < 0:
        n = -n
    sgn = 1.0 if lateral else -1.0
    p0, p1 = point - d * _BIG, point + d * _BIG
    return frame.poly([p0, p1, p1 + sgn * n * _BIG, p0 + sgn * n * _BIG])


def _edge_line(local: np.ndarray, length: float, zones, lateral: bool) -> tuple[np.ndarray, np.ndarray]:
    """Point and distal direction of an edge line through the outermost print corners of two zones."""
    pts = []
    for lo, hi in zones:
        band = local[(local[:, 1] >= lo * length) & (local[:, 1] <= hi * length)]
        if band.shape[0] == 0:
            raise MaskError(
                "the footprint has no loaded sensels in an edge zone; cannot build automask_novel"
            )
        pts.append(band[np.argmax(band[:, 0])] if lateral else band[np.argmin(band[:, 0])])
    a, b = pts
    d = b - a
    if d[1] <= 0:
        raise MaskError("degenerate edge line in the footprint")
    return a, d


def _toe_line(
    fp: np.ndarray,
    loaded: np.ndarray,
    centres_local: np.ndarray,
    outline_local: BaseGeometry,
    length: float,
    med: tuple[np.ndarray, np.ndarray],
    lat: tuple[np.ndarray, np.ndarray],
) -> np.ndarray:
    """Least-cost path (s, t points) from the medial to the lateral edge across the distal half,
    through the low-pressure valley between the toes and the metatarsal heads.

    Nodes are the grid cells inside the footprint outline in the distal half; entering a cell
    costs its distance × (0.05 + footprint / max), so the path follows unloaded or lightly loaded
    cells (scipy Dijkstra on the 8-connected grid).
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import dijkstra

    rows, cols = fp.shape
    st = centres_local.reshape(rows, cols, 2)
    inside = shapely.contains_xy(outline_local, st[..., 0], st[..., 1]) & (st[..., 1] >= 0.5 * length)
    val = np.nan_to_num(fp, nan=0.0)
    peak = float(val[loaded].max()) if loaded.any() else 1.0
    cost = 0.05 + np.clip(val / peak, 0, 1)
    idx = -np.ones((rows, cols), np.int64)
    idx[inside] = np.arange(int(inside.sum()))
    src, dst, wts = [], [], []
    for dr, dc in ((0, 1), (1, 0), (1, 1), (1, -1)):
        r0 = np.arange(max(0, -dr), rows - max(0, dr))
        c0 = np.arange(max(0, -dc), cols - max(0, dc))
        rr, cc = np.meshgrid(r0, c0, indexing="ij")
        a, b = idx[rr, cc], idx[rr + dr, cc + dc]
        ok = (a >= 0) & (b >= 0)
        dist = np.linalg.norm(st[rr + dr, cc + dc] - st[rr, cc], axis=-1)
        w = dist * 0.5 * (cost[rr, cc] + cost[rr + dr, cc + dc])
        src += [a[ok], b[ok]]
        dst += [b[ok], a[ok]]
        wts += [w[ok], w[ok]]
    n = int(inside.sum())
    if n < 4:
        raise MaskError("too few sensels in the distal half of the footprint for a toe line")
    graph = coo_matrix(
        (np.concatenate(wts), (np.concatenate(src), np.concatenate(dst))), shape=(n, n)
    ).tocsr()
    node_st = st[inside]

    def on_edge(line: tuple[np.ndarray, np.ndarray], frac: float) -> int:
        t_target = length - frac * 0.5 * length
        p, d = line
        s_edge = p[0] + d[0] * (t_target - p[1]) / d[1]
        return int(np.argmin(np.hypot(node_st[:, 0] - s_edge, node_st[:, 1] - t_target)))

    start, end = on_edge(med, _TOE_START), on_edge(lat, _TOE_END)
    _, pred = dijkstra(graph, indices=start, return_predecessors=True)
    path = [end]
    while path[-1] != start:
        prev = pred[path[-1]]
        if prev < 0:
            raise MaskError("no path for the toe line across the footprint")
        path.append(int(prev))
    return node_st[path[::-1]]


def automask(
    footprint: np.ndarray,
    pitch_mm: tuple[float, float],
    scheme: str = "automask_novel",
    *,
    registration: Registration | None = None,
    side: str | None = None,
    directions: tuple[np.ndarray, np.ndarray] | None = None,
) -> PressureMask:
    """pressuRe's automatic grid masks from a trial's footprint (per-sensel maximum, kPa).

    Parameters
    ----------
    footprint : (R, C) per-sensel peak pressure in kPa (NaN = no sensel).
    pitch_mm : (row_pitch, col_pitch) in mm.
    scheme : ``automask_simple`` (heel, midfoot, forefoot) or ``automask_novel`` (+ hallux, lesser
        toes, MT1–MT5).
    registration : gives the heel → toe direction and the lateral side; computed from the
        footprint when omitted (``side`` forces the foot).
    directions : (heel → toe, medial → lateral) vectors in the grid plane, instead of a
        registration (``side`` then names the foot).

    Returns a ``grid_mm`` :class:`PressureMask` for that grid.
    """
    if scheme not in ("automask_simple", "automask_novel"):
        raise MaskError(f"unknown automask scheme {scheme!r}")
    fp = np.asarray(footprint, dtype=np.float64)
    if fp.ndim != 2:
        raise MaskError(f"an automask needs a (rows, cols) footprint, got shape {fp.shape}")
    pitch = (float(pitch_mm[0]), float(pitch_mm[1]))
    if directions is None:
        reg = registration or register_footprint(fp, pitch, side=side)  # type: ignore[arg-type]
        directions = reg_directions(reg)
        side = reg.side
    loaded = np.nan_to_num(fp, nan=0.0) > 0  # pressuRe: sensors whose trial maximum is > 0
    if loaded.sum() < 12:
        raise MaskError(f"only {int(loaded.sum())} loaded sensels: too few for an automatic mask")
    squares = grid_sensel_polygons(fp.shape, pitch)
    centres = squares.mean(axis=1)
    frame, length = axis_frame(centres[loaded.reshape(-1)], *directions)
    # Outline: convex hull of the loaded sensels themselves, so that every loaded sensel lies
    # wholly inside (pressuRe grows the hull of the centres by the sensor *area* read as a
    # distance, ≈ 0.03 mm, which leaves the edge sensels half outside; see pressure-parity.md).
    outline = shapely.convex_hull(
        shapely.MultiPolygon([shapely.Polygon(q) for q in squares[loaded.reshape(-1)]])
    )

    def band(t0: float, t1: float) -> BaseGeometry:
        return outline.intersection(frame.poly([(-_BIG, t0), (_BIG, t0), (_BIG, t1), (-_BIG, t1)]))

    heel = band(-_BIG, _HEEL_CUT * length)
    mid = band(_HEEL_CUT * length, _MID_CUT * length)
    fore = band(_MID_CUT * length, _BIG)
    notes = [f"foot axis from the minimum-area rectangle, length {length:.1f} mm, side {side}"]
    if scheme == "automask_simple":
        regions = (
            MaskRegion("heel", "Heel", heel),
            MaskRegion("midfoot", "Midfoot", mid),
            MaskRegion("forefoot", "Forefoot", fore),
        )
        return PressureMask(
            scheme,
            "grid_mm",
            regions,
            side,
            {"shape": list(fp.shape), "pitch_mm": list(pitch)},
            _SOURCES[scheme],
            tuple(notes),
        )

    corners_local = frame.to_local(squares[loaded.reshape(-1)].reshape(-1, 2))
    med = _edge_line(corners_local, length, _MEDIAL_ZONES, lateral=False)
    lat = _edge_line(corners_local, length, _LATERAL_ZONES, lateral=True)
    outline_local = shapely.Polygon(frame.to_local(np.asarray(outline.exterior.coords)))
    toe_pts = _toe_line(fp, loaded, frame.to_local(centres), outline_local, length, med, lat)
    # Close the toe line into the distal polygon: extend it beyond both edges and around the toes.
    s_lo, s_hi = -_BIG, _BIG
    ring = [(s_lo, toe_pts[0, 1]), *map(tuple, toe_pts), (s_hi, toe_pts[-1, 1]), (s_hi, _BIG), (s_lo, _BIG)]
    distal = shapely.make_valid(frame.poly(ring))
    toes = outline.intersection(distal)
    fore = fore.difference(distal)

    # Dividers: the medial edge rotated towards the lateral one about their intersection.
    ang_m = math.atan2(med[1][0], med[1][1])  # angle from the distal direction, towards lateral
    ang_l = math.atan2(lat[1][0], lat[1][1])
    alpha = ang_l - ang_m
    pm, dm = med
    pl, dl = lat
    denom = dm[0] * dl[1] - dm[1] * dl[0]
    dividers: dict[str, BaseGeometry] = {}
    for key, frac in _DIVIDERS.items():
        if abs(denom) < 1e-9 * np.linalg.norm(dm) * np.linalg.norm(dl):
            # parallel edges: the divider lies at that fraction of the way across
            point = pm + frac * np.array([pl[0] - pm[0] - dl[0] * (pl[1] - pm[1]) / dl[1], 0.0])
            direction = dm
        else:
            k = ((pl[0] - pm[0]) * dl[1] - (pl[1] - pm[1]) * dl[0]) / denom
            point = pm + k * dm
            a = ang_m + frac * alpha
            direction = np.array([math.sin(a), math.cos(a)])
        dividers[key] = _half_plane(frame, point, direction, lateral=True)

    def between(lo: str | None, hi: str | None, base: BaseGeometry) -> BaseGeometry:
        g = base
        if lo is not None:
            g = g.intersection(dividers[lo])
        if hi is not None:
            g = g.difference(dividers[hi])
        return g

    regions = (
        MaskRegion("heel", "Heel", heel),
        MaskRegion("midfoot", "Midfoot", mid),
        MaskRegion("forefoot", "Forefoot", fore),
        MaskRegion("hallux", "Hallux", between(None, "hallux", toes)),
        MaskRegion("lesser_toes", "Lesser toes", between("hallux", None, toes)),
        MaskRegion("mt1", "MT1", between(None, "mt12", fore)),
        MaskRegion("mt2", "MT2", between("mt12", "mt23", fore)),
        MaskRegion("mt3", "MT3", between("mt23", "mt34", fore)),
        MaskRegion("mt4", "MT4", between("mt34", "mt45", fore)),
        MaskRegion("mt5", "MT5", between("mt45", None, fore)),
    )
    notes.append(f"edge angle alpha = {math.degrees(alpha):.1f} deg")
    return PressureMask(
        scheme,
        "grid_mm",
        regions,
        side,
        {"shape": list(fp.shape), "pitch_mm": list(pitch)},
        _SOURCES[scheme],
        tuple(notes),
    )


def atlas_mask(layer: str, side: str) -> PressureMask:
    """An atlas layer as a ``uv`` :class:`PressureMask` (areas of that foot with a geometry), so
    that atlas regions can weight sensors by overlap (``weights(..., partial=True)``) as well."""
    from solemap.atlas import load_atlas

    atlas = load_atlas()
    if layer not in atlas.layers:
        raise MaskError(f"unknown layer {layer!r}; layers: {', '.join(atlas.layers)}")
    regions = tuple(
        MaskRegion(a.id, a.name, a.geometry)
        for a in atlas.areas_in(layer=layer, side=side)
        if a.geometry is not None and a.geometry.geom_type in ("Polygon", "MultiPolygon")
    )
    if not regions:
        raise MaskError(f"layer {layer!r} has no area polygons on the {side} foot")
    return PressureMask(f"atlas:{layer}", "uv", regions, side, None, f"solemap atlas layer {layer}")


def layer_weights(
    layer: str | PressureMask,
    recording: Recording,
    side: str,
    registration: Registration,
    footprint: np.ndarray,
    valid: np.ndarray,
    *,
    partial: bool = False,
) -> RegionWeights:
    """Region weights of one side for the analysis: a :class:`PressureMask`, a scheme name
    (:data:`SCHEMES`, built from this side's ``footprint`` and ``registration`` without reading
    the data again), or an atlas layer id with fractional weights (``partial``).

    footprint : the side's per-sensel peak (frame shape, kPa); valid : cells inside the sensor.
    """
    if isinstance(layer, PressureMask):
        mask = layer
    elif layer in SCHEMES:
        if SCHEMES[layer] != recording.kind:
            raise MaskError(
                f"{layer} is for {SCHEMES[layer]} recordings; this one is a {recording.kind} recording"
            )
        if recording.kind == "sensors":
            mask = pedar_mask(layer, recording, side)
        else:
            mask = automask(footprint, recording.pitch_mm, layer, registration=registration)  # type: ignore[arg-type]
    else:
        mask = atlas_mask(layer, registration.side)
    return mask.weights(recording, side, registration, partial=partial, valid=valid)


def make_mask(scheme: str, recording: Recording, side: str | None = None) -> PressureMask:
    """Build a named scheme (:data:`SCHEMES`) for one side of a recording."""
    if scheme not in SCHEMES:
        raise MaskError(f"unknown mask scheme {scheme!r}; schemes: {', '.join(SCHEMES)}")
    if SCHEMES[scheme] != recording.kind:
        raise MaskError(
            f"{scheme} is for {SCHEMES[scheme]} recordings; this one is a {recording.kind} recording"
        )
    side = recording._side(side)
    if recording.kind == "sensors":
        return pedar_mask(scheme, recording, side)
    fp = footprint_max(recording, side)
    forced = side if side in ("left", "right") else None
    reg = register_footprint(fp, recording.pitch_mm, side=forced)  # type: ignore[arg-type]
    return automask(fp, recording.pitch_mm, scheme, registration=reg)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------- metrics
def analyze_with_mask(
    recording: Recording,
    mask: PressureMask | str,
    *,
    steps: Mapping[str, Sequence[tuple[int, int]]] | None = None,
    partial: bool = False,
    contact_kpa: float = 0.0,
    min_step_frames: int = 10,
    backend: str = "numba",
) -> Any:
    """The tidy metrics table (side, step, region, metric, value, unit) of a recording under a
    mask, per step — pressuRe's ``mask_analysis`` for all its metrics at once.

    Parameters
    ----------
    mask : a :class:`PressureMask`, or a scheme name (:data:`SCHEMES`) built per side.
    steps : side -> (first, last) frame pairs (0-based, inclusive), e.g. the steps approved in
        the web page (an empty list leaves the side out); None: detected per side
        (:func:`solemap.recordings.steps.detect_steps`). A side without steps (standing, or not
        in ``steps``) is measured over the whole recording (step ``<NA>``).
    partial : fractional sensor weights instead of whole sensors (pressuRe's default).
    backend : per-frame kernel of :func:`~solemap.recordings.metrics.region_curves`; ``"numpy"``
        needs no compilation (the first numba call of a process compiles for seconds).
    """
    import pandas as pd

    from solemap.recordings.metrics import METRICS, iter_chunks, region_curves, summarize
    from solemap.recordings.steps import StepError, detect_steps

    rows: list[tuple[Any, ...]] = []
    dt = 1.0 / recording.sample_rate_hz
    for side in recording.sides:
        m = make_mask(mask, recording, side) if isinstance(mask, str) else mask
        weights = m.weights(recording, side, partial=partial)
        data = recording.pressure(side)
        area_m2 = np.asarray(recording.sensor_areas_mm2(side), dtype=np.float64).reshape(-1) * 1e-6
        n_cells = area_m2.size
        positions = np.zeros((n_cells, 2))
        curves = region_curves(
            iter_chunks(data, max(16, (2 << 20) // (4 * n_cells))),
            data.shape[0],
            weights,
            area_m2,
            positions,
            contact_kpa=contact_kpa,
            backend=backend,
        )  # type: ignore[arg-type]
        if steps is not None and side in steps:
            windows = [(k + 1, int(a), int(b)) for k, (a, b) in enumerate(steps[side])]
            if not windows:
                continue  # every step of this side was rejected: nothing to measure
        elif steps is None:
            try:
                windows = [
                    (s.number, s.start, s.stop)
                    for s in detect_steps(curves.total_force_n, min_frames=min_step_frames)
                ]
            except StepError:
                windows = []
        else:
            windows = []
        if not windows:
            windows = [(None, 0, data.shape[0] - 1)]
        for number, a, b in windows:
            if not 0 <= a <= b < data.shape[0]:
                raise MaskError(f"{side}: step frames {a}-{b} outside 0…{data.shape[0] - 1}")
            sl = slice(a, b + 1)
            block = np.asarray(data[sl], dtype=np.float32).reshape(b - a + 1, -1)
            with np.errstate(invalid="ignore"):
                smax = np.where(np.isnan(block), -np.inf, block).max(axis=0)
            smax = np.where(np.isneginf(smax), np.nan, smax)
            vals = summarize(
                curves.force_n[sl],
                curves.contact_area_m2[sl],
                curves.peak_kpa[sl],
                smax,
                weights.weights,
                area_m2,
                dt,
                contact_kpa,
            )
            for k, region in enumerate(weights.region_ids):
                for name, info in METRICS.items():
                    rows.append((side, number, region, name, float(vals[name][k]), info.unit))
    table = pd.DataFrame(rows, columns=["side", "step", "region", "metric", "value", "unit"])
    table["step"] = table["step"].astype("Int64")
    return table
