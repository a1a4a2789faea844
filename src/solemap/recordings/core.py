"""The :class:`Recording` type: plantar pressure over time from any insole or plate system.

A recording holds, per side, either a **grid** of sensels ``(T, R, C)`` or a set of **discrete
sensors** ``(T, S)`` with their positions and areas (:class:`SensorLayout`). Pressure is always a
float32 array in kPa; cells the file marks as outside the sensor, and samples the file does not
have, are NaN (never 0), so "unloaded" (0 kPa) and "missing" stay distinguishable.

Frames and units
----------------
* ``times_s`` (T,) seconds from the file (or ``k / sample_rate_hz``), shared by both sides.
* Grid rows and columns are kept in the order of the file (Tekscan: row 0 is the toe end); the
  registration step (analysis) maps them into the foot frame. ``pitch_mm`` = (row, col) pitch.
* :class:`SensorLayout` positions are in *insole mm*: ``x`` along the insole from the heel end
  towards the toe, ``y`` from the medial towards the lateral border, for that side, seen from
  below. Both insoles therefore share the same numbers for mirror-symmetric layouts.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any, Literal

import numpy as np

from solemap.recordings.units import UnknownUnitError, normalize_unit, to_kpa

__all__ = ["SIDES", "Recording", "RecordingError", "SensorLayout"]

#: Side names a recording may hold. ``unknown``: the file does not say (plates, generic data).
SIDES: tuple[str, ...] = ("left", "right", "unknown")

Kind = Literal["grid", "sensors"]


class RecordingError(ValueError):
    """A recording could not be read or built.

    ``str(err)`` names the file, the 1-based line (where known) and what was expected, e.g.
    ``fscan.asf, line 93: expected 21 comma-separated cells, found 20``.
    """

    def __init__(self, path: str | PathLike[str] | None, line: int | None, message: str) -> None:
        self.path = None if path is None else str(path)
        self.line = line
        self.message = message
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = self.path if self.path is not None else "<recording>"
        if self.line is not None:
            where = f"{where}, line {self.line}"
        return f"{where}: {self.message}"

    def __reduce__(self):  # keep pickling (multiprocessing, dask) working with 3 arguments
        return (type(self), (self.path, self.line, self.message))


@dataclass(frozen=True, eq=False)
class SensorLayout:
    """Geometry of a discrete-sensor insole, one side.

    Attributes
    ----------
    positions_mm : (S, 2) float64, sensor centres in insole mm: ``x`` heel → toe, ``y`` medial →
        lateral, for this side as seen from below (NaN where unknown).
    areas_mm2 : (S,) float64, sensor areas in mm² (NaN where unknown).
    polygons : list of S (k, 2) float64 arrays (same frame as positions), or None if unknown.
    name : what the layout is (e.g. ``"pedar insole size y (approximate positions)"``).
    sensor_ids : (S,) labels of the sensors as the file numbers them (e.g. ``"1"`` … ``"99"``).
    source : where the geometry comes from (citation or file), for provenance.
    """

    positions_mm: np.ndarray
    areas_mm2: np.ndarray
    polygons: list[np.ndarray] | None = None
    name: str = ""
    sensor_ids: tuple[str, ...] = field(default=())
    source: str = ""

    def __post_init__(self) -> None:
        pos = np.asarray(self.positions_mm, dtype=np.float64)
        areas = np.asarray(self.areas_mm2, dtype=np.float64)
        if pos.ndim != 2 or pos.shape[1] != 2:
            raise ValueError(f"positions_mm must be (S, 2), got {pos.shape}")
        if areas.shape != (pos.shape[0],):
            raise ValueError(f"areas_mm2 must be ({pos.shape[0]},), got {areas.shape}")
        if np.any(np.isinf(areas)) or np.any(areas <= 0):
            # NaN is allowed and means "unknown" (e.g. stappone publishes no sensor areas).
            raise ValueError("sensor areas must be positive (or NaN when unknown)")
        object.__setattr__(self, "positions_mm", pos)
        object.__setattr__(self, "areas_mm2", areas)
        ids = tuple(str(i) for i in self.sensor_ids) or tuple(str(i + 1) for i in range(pos.shape[0]))
        if len(ids) != pos.shape[0]:
            raise ValueError(f"{len(ids)} sensor_ids for {pos.shape[0]} sensors")
        object.__setattr__(self, "sensor_ids", ids)
        if self.polygons is not None:
            polys = [np.asarray(p, dtype=np.float64) for p in self.polygons]
            if len(polys) != pos.shape[0] or any(p.ndim != 2 or p.shape[1] != 2 for p in polys):
                raise ValueError("polygons must be a list of S (k, 2) arrays")
            object.__setattr__(self, "polygons", polys)

    @classmethod
    def unknown(cls, n: int, sensor_ids: Sequence[str] = (), name: str = "unknown layout") -> SensorLayout:
        """A layout of ``n`` sensors whose positions and areas are not known (NaN)."""
        return cls(np.full((n, 2), np.nan), np.full(n, np.nan), None, name, tuple(sensor_ids))

    @property
    def is_known(self) -> bool:
        """True when every sensor has a position and an area."""
        return bool(np.all(np.isfinite(self.positions_mm)) and np.all(np.isfinite(self.areas_mm2)))

    @property
    def n_sensors(self) -> int:
        return int(self.positions_mm.shape[0])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SensorLayout):
            return NotImplemented
        if (self.polygons is None) != (other.polygons is None):
            return False
        same_polys = self.polygons is None or (
            len(self.polygons) == len(other.polygons or [])
            and all(np.array_equal(a, b) for a, b in zip(self.polygons, other.polygons or [], strict=True))
        )
        return (
            np.array_equal(self.positions_mm, other.positions_mm, equal_nan=True)
            and np.array_equal(self.areas_mm2, other.areas_mm2, equal_nan=True)
            and same_polys
            and self.name == other.name
            and self.sensor_ids == other.sensor_ids
            and self.source == other.source
        )

    __hash__ = None  # type: ignore[assignment]

    def subset(self, index: np.ndarray | Sequence[int]) -> SensorLayout:
        """The layout of the sensors at ``index`` (integer positions)."""
        idx = np.asarray(index, dtype=np.intp)
        return SensorLayout(
            self.positions_mm[idx],
            self.areas_mm2[idx],
            None if self.polygons is None else [self.polygons[i] for i in idx],
            self.name,
            tuple(self.sensor_ids[i] for i in idx),
            self.source,
        )


def _check_side(side: str) -> str:
    if side not in SIDES:
        raise ValueError(f"side must be one of {SIDES}, got {side!r}")
    return side


class Recording:
    """Plantar pressure over time for one or two sides (see the module docstring).

    Build one with a reader (:func:`solemap.recordings.read_recording`) or
    :meth:`Recording.from_array`; the constructor takes already-converted kPa arrays.

    Parameters
    ----------
    pressure : side -> float32 array in kPa, (T, R, C) for grids or (T, S) for sensors; all sides
        have the same T. Arrays are stored as given (a ``np.memmap`` stays on disk).
    sample_rate_hz : frames per second (> 0).
    times_s : (T,) frame times in s, increasing; default ``arange(T) / sample_rate_hz``.
    pitch_mm : (row_pitch, col_pitch) in mm for grids; None for sensors.
    layouts : side -> :class:`SensorLayout` for sensors (required there).
    valid_masks : side -> (R, C) bool, False outside the sensor outline; default: cells not NaN in
        every frame.
    source_units : the unit the file stored (``"kPa"``, ``"N/cm2"``, ``"raw"``, ...).
    format : reader id (``"tekscan-asf"``, ``"pedar-asc"``, ``"array"``, ...).
    metadata : anything the file says (path, header fields, calibration).
    calibrated : False when the values are raw counts without a calibration to kPa.
    """

    def __init__(
        self,
        pressure: Mapping[str, np.ndarray],
        *,
        sample_rate_hz: float,
        times_s: np.ndarray | None = None,
        pitch_mm: tuple[float, float] | None = None,
        layouts: Mapping[str, SensorLayout] | None = None,
        valid_masks: Mapping[str, np.ndarray] | None = None,
        source_units: str = "kPa",
        format: str = "array",
        metadata: Mapping[str, Any] | None = None,
        calibrated: bool = True,
    ) -> None:
        if not pressure:
            raise ValueError("a recording needs at least one side")
        order = [s for s in SIDES if s in pressure]
        unknown = set(pressure) - set(SIDES)
        if unknown:
            raise ValueError(f"side must be one of {SIDES}, got {sorted(unknown)}")
        if "unknown" in pressure and len(pressure) > 1:
            raise ValueError("side 'unknown' cannot be combined with left/right")
        arrays: dict[str, np.ndarray] = {}
        for side in order:
            arr = pressure[side]
            if not isinstance(arr, np.ndarray) or arr.dtype != np.float32:
                arr = np.asarray(arr, dtype=np.float32)
            if arr.ndim not in (2, 3):
                raise ValueError(f"{side}: pressure must be (T, R, C) or (T, S), got shape {arr.shape}")
            arrays[side] = arr
        ndims = {a.ndim for a in arrays.values()}
        if len(ndims) != 1:
            raise ValueError("all sides must be grids or all discrete sensors")
        n_frames = {a.shape[0] for a in arrays.values()}
        if len(n_frames) != 1:
            raise ValueError(f"sides have different frame counts: {sorted(n_frames)}")
        self._kind: Kind = "grid" if ndims == {3} else "sensors"
        t = next(iter(n_frames))
        rate = float(sample_rate_hz)
        if not math.isfinite(rate) or rate <= 0:
            raise ValueError(f"sample_rate_hz must be positive and finite, got {sample_rate_hz!r}")
        if times_s is None:
            times = np.arange(t, dtype=np.float64) / rate
        else:
            times = np.asarray(times_s, dtype=np.float64).reshape(-1)
            if times.shape != (t,):
                raise ValueError(f"times_s must have {t} entries, got {times.shape[0]}")
            if t > 1 and not np.all(np.diff(times) > 0):
                raise ValueError("times_s must be strictly increasing")
        if self._kind == "grid":
            if pitch_mm is None:
                raise ValueError("a grid recording needs pitch_mm=(row_pitch, col_pitch)")
            pitch = (float(pitch_mm[0]), float(pitch_mm[1]))
            if not all(math.isfinite(p) and p > 0 for p in pitch):
                raise ValueError(f"pitch_mm must be positive, got {pitch_mm!r}")
            self._pitch: tuple[float, float] | None = pitch
            self._layouts: dict[str, SensorLayout] = {}
        else:
            self._pitch = None
            layouts = dict(layouts or {})
            for side, arr in arrays.items():
                lay = layouts.get(side)
                if lay is None:
                    raise ValueError(f"{side}: a discrete-sensor recording needs a SensorLayout")
                if lay.n_sensors != arr.shape[1]:
                    raise ValueError(f"{side}: layout has {lay.n_sensors} sensors, pressure {arr.shape[1]}")
            self._layouts = {s: layouts[s] for s in arrays}
        masks: dict[str, np.ndarray] = {}
        for side, mask in (valid_masks or {}).items():
            if side not in arrays:
                raise ValueError(f"valid mask for absent side {side!r}")
            m = np.asarray(mask, dtype=bool)
            if m.shape != arrays[side].shape[1:]:
                raise ValueError(f"{side}: valid mask shape {m.shape} != {arrays[side].shape[1:]}")
            masks[side] = m
        self._pressure = arrays
        self._masks = masks
        self._rate = rate
        self._times = times
        try:
            self._units = normalize_unit(source_units)
        except UnknownUnitError as exc:
            raise ValueError(str(exc)) from None
        self._format = str(format)
        self.metadata: dict[str, Any] = dict(metadata or {})
        self._calibrated = bool(calibrated)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_array(
        cls,
        pressure: np.ndarray | Mapping[str, np.ndarray],
        *,
        sample_rate_hz: float,
        side: str = "unknown",
        pitch_mm: tuple[float, float] | None = None,
        layout: SensorLayout | Mapping[str, SensorLayout] | None = None,
        units: str = "kPa",
        calibration: float = 1.0,
        format: str = "array",
        metadata: Mapping[str, Any] | None = None,
        times_s: np.ndarray | None = None,
        valid_mask: np.ndarray | Mapping[str, np.ndarray] | None = None,
    ) -> Recording:
        """Build a recording from arrays in any supported unit.

        Parameters
        ----------
        pressure : (T, R, C) grid or (T, S) sensors array, or a dict side -> such array.
        sample_rate_hz : frames per second.
        side : the side of a single array (``"left"``, ``"right"`` or ``"unknown"``).
        pitch_mm : (row_pitch, col_pitch) in mm, required for grids.
        layout : :class:`SensorLayout` (or dict side -> layout) for sensors; if omitted for sensors,
            :meth:`SensorLayout.unknown` (NaN positions and areas) is used.
        units : unit of ``pressure`` (see :mod:`solemap.recordings.units`); ``"N"`` means force
            per sensor and uses the sensel or sensor area.
        calibration : kPa per count for ``units="raw"``.
        """
        if isinstance(pressure, Mapping):
            arrays = {str(k): v for k, v in pressure.items()}
        else:
            arrays = {_check_side(side): pressure}
        try:
            canon = normalize_unit(units)
        except UnknownUnitError as exc:
            raise RecordingError(None, None, str(exc)) from None
        layouts: dict[str, SensorLayout] = {}
        out: dict[str, np.ndarray] = {}
        for s, arr in arrays.items():
            a = np.asarray(arr)
            if a.ndim == 2:
                lay = layout.get(s) if isinstance(layout, Mapping) else layout
                if lay is None:
                    lay = SensorLayout.unknown(a.shape[1])
                layouts[s] = lay
                area: Any = lay.areas_mm2
            else:
                area = None if pitch_mm is None else float(pitch_mm[0]) * float(pitch_mm[1])
            try:
                out[s] = to_kpa(a, canon, calibration=calibration, area_mm2=area)
            except UnknownUnitError as exc:
                raise RecordingError(None, None, str(exc)) from None
        masks = (
            valid_mask
            if isinstance(valid_mask, Mapping)
            else (None if valid_mask is None else {next(iter(out)): valid_mask})
        )
        return cls(
            out,
            sample_rate_hz=sample_rate_hz,
            times_s=times_s,
            pitch_mm=pitch_mm,
            layouts=layouts or None,
            valid_masks=masks,
            source_units=canon,
            format=format,
            metadata={**(metadata or {}), **({"calibration": calibration} if canon == "raw" else {})},
            calibrated=canon != "raw" or calibration != 1.0,
        )

    # ------------------------------------------------------------------ properties
    @property
    def kind(self) -> Kind:
        """``"grid"`` (T, R, C) or ``"sensors"`` (T, S)."""
        return self._kind

    @property
    def sides(self) -> tuple[str, ...]:
        """Sides present, in the order left, right (or ``("unknown",)``)."""
        return tuple(self._pressure)

    @property
    def sample_rate_hz(self) -> float:
        return self._rate

    @property
    def n_frames(self) -> int:
        return int(self._times.shape[0])

    @property
    def times_s(self) -> np.ndarray:
        """(T,) float64 frame times in seconds (a read-only view)."""
        view = self._times.view()
        view.flags.writeable = False
        return view

    @property
    def duration_s(self) -> float:
        """Time covered by the frames: last − first frame time + one frame period (s)."""
        if self.n_frames == 0:
            return 0.0
        return float(self._times[-1] - self._times[0] + 1.0 / self._rate)

    @property
    def pitch_mm(self) -> tuple[float, float] | None:
        """(row_pitch, col_pitch) in mm for grids, else None."""
        return self._pitch

    @property
    def sensel_area_mm2(self) -> float | np.ndarray:
        """Grid: row_pitch × col_pitch (mm²). Sensors: (S,) areas of the first side's layout."""
        if self._pitch is not None:
            return self._pitch[0] * self._pitch[1]
        return self._layouts[self.sides[0]].areas_mm2

    @property
    def source_units(self) -> str:
        return self._units

    @property
    def format(self) -> str:
        return self._format

    @property
    def calibrated(self) -> bool:
        """False when the values are raw counts (no calibration to kPa was given)."""
        return self._calibrated

    def _side(self, side: str | None) -> str:
        if side is None:
            if len(self._pressure) != 1:
                raise ValueError(f"this recording has sides {self.sides}; name one")
            return self.sides[0]
        if side not in self._pressure:
            raise KeyError(f"side {side!r} not in this recording (sides: {self.sides})")
        return side

    def pressure(self, side: str | None = None) -> np.ndarray:
        """float32 kPa, (T, R, C) or (T, S), NaN = missing. ``side`` may be omitted if only one."""
        return self._pressure[self._side(side)]

    def shape(self, side: str | None = None) -> tuple[int, ...]:
        """Per-frame shape of a side: (R, C) or (S,)."""
        return tuple(self._pressure[self._side(side)].shape[1:])

    def layout(self, side: str | None = None) -> SensorLayout:
        """The :class:`SensorLayout` of a discrete-sensor side."""
        s = self._side(side)
        if self._kind != "sensors":
            raise TypeError("grid recordings have no SensorLayout; use pitch_mm")
        return self._layouts[s]

    def valid_mask(self, side: str | None = None) -> np.ndarray:
        """(R, C) or (S,) bool: False where the file marks a cell outside the sensor (NaN there)."""
        s = self._side(side)
        if s not in self._masks:
            arr = self._pressure[s]
            if arr.shape[0] == 0:
                self._masks[s] = np.ones(arr.shape[1:], dtype=bool)
            else:
                # In blocks of ~16 MB of frames: a memory-mapped recording larger than RAM must not
                # need a full-size temporary.
                mask = np.zeros(arr.shape[1:], dtype=bool)
                step = max(1, (16 << 20) // max(1, arr[0].nbytes))
                for i in range(0, arr.shape[0], step):
                    mask |= ~np.all(np.isnan(arr[i : i + step]), axis=0)
                self._masks[s] = mask
        return self._masks[s]

    def sensor_areas_mm2(self, side: str | None = None) -> np.ndarray:
        """(R, C) or (S,) float64 area per cell/sensor in mm²."""
        s = self._side(side)
        if self._pitch is not None:
            return np.full(self.shape(s), self._pitch[0] * self._pitch[1])
        return self._layouts[s].areas_mm2

    def __repr__(self) -> str:
        shapes = ", ".join(f"{s}={self.shape(s)}" for s in self.sides)
        return (
            f"Recording(format={self._format!r}, kind={self._kind!r}, frames={self.n_frames}, "
            f"rate={self._rate:g} Hz, {shapes}, source_units={self._units!r})"
        )

    # ------------------------------------------------------------------ sub-recordings
    def select(
        self, side: str | Sequence[str] | None = None, frames: slice | np.ndarray | None = None
    ) -> Recording:
        """A sub-recording: some sides and/or frames (slice, integer indices or boolean mask)."""
        if side is None:
            sides = list(self.sides)
        elif isinstance(side, str):
            sides = [self._side(side)]
        else:
            sides = [self._side(s) for s in side]
        idx: Any = slice(None) if frames is None else frames
        times = self._times[idx]
        return Recording(
            {s: self._pressure[s][idx] for s in sides},
            sample_rate_hz=self._rate,
            times_s=times,
            pitch_mm=self._pitch,
            layouts={s: self._layouts[s] for s in sides} if self._kind == "sensors" else None,
            valid_masks={s: self._masks[s] for s in sides if s in self._masks},
            source_units=self._units,
            format=self._format,
            metadata=self.metadata,
            calibrated=self._calibrated,
        )

    # ------------------------------------------------------------------ views
    def _coords(self, side: str) -> tuple[tuple[str, ...], dict[str, Any]]:
        import xarray as xr  # noqa: F401  (only to fail early with a clear ImportError)

        coords: dict[str, Any] = {"time": ("time", self._times, {"units": "s"})}
        if self._kind == "grid":
            assert self._pitch is not None
            r, c = self.shape(side)
            coords["row"] = np.arange(r)
            coords["col"] = np.arange(c)
            coords["row_mm"] = ("row", np.arange(r) * self._pitch[0], {"units": "mm"})
            coords["col_mm"] = ("col", np.arange(c) * self._pitch[1], {"units": "mm"})
            return ("time", "row", "col"), coords
        lay = self._layouts[side]
        coords["sensor"] = list(lay.sensor_ids)
        coords["x_mm"] = ("sensor", lay.positions_mm[:, 0], {"units": "mm"})
        coords["y_mm"] = ("sensor", lay.positions_mm[:, 1], {"units": "mm"})
        coords["area_mm2"] = ("sensor", lay.areas_mm2, {"units": "mm2"})
        return ("time", "sensor"), coords

    def _attrs(self, side: str) -> dict[str, Any]:
        attrs: dict[str, Any] = {
            "units": "kPa",
            "side": side,
            "sample_rate_hz": self._rate,
            "source_units": self._units,
            "format": self._format,
            "calibrated": int(self._calibrated),
        }
        if self._pitch is not None:
            attrs["pitch_mm"] = list(self._pitch)
        return attrs

    def to_xarray(self, side: str | None = None):
        """xarray view (no copy): a DataArray ``(time, row, col)`` / ``(time, sensor)`` for one side,
        or a Dataset with one variable per side when the recording has two and ``side`` is None.

        Coordinates: ``time`` (s), ``row_mm``/``col_mm`` (mm) or ``x_mm``/``y_mm``/``area_mm2``.
        """
        import xarray as xr

        def one(s: str) -> xr.DataArray:
            dims, coords = self._coords(s)
            return xr.DataArray(
                self._pressure[s], dims=dims, coords=coords, name=f"pressure_{s}", attrs=self._attrs(s)
            )

        if side is not None or len(self.sides) == 1:
            return one(self._side(side))
        arrays = {s: one(s) for s in self.sides}
        shapes = {self.shape(s) for s in self.sides}
        if len(shapes) > 1 or self._kind == "sensors":
            # Different grids (or sensor sets with their own coordinates) cannot share dims.
            arrays = {
                s: a.rename({n: f"{n}_{s}" for n in {*a.dims, *a.coords} if n != "time"})
                for s, a in arrays.items()
            }
        return xr.Dataset({s: a for s, a in arrays.items()}, attrs={"format": self._format})

    def to_dataframe(self, side: str | None = None):
        """Tidy pandas view, one row per cell per frame: ``time_s, [side,] row, col`` (grids) or
        ``time_s, [side,] sensor`` (sensors), ``pressure_kpa``. Invalid (outside) cells are left out;
        missing samples inside the sensor are kept as NaN. ``side=None`` stacks all sides.
        """
        import pandas as pd

        sides = self.sides if side is None else (self._side(side),)
        frames = []
        for s in sides:
            arr = self._pressure[s]
            t = arr.shape[0]
            valid = self.valid_mask(s).reshape(-1)
            cells = np.flatnonzero(valid)
            values = np.asarray(arr).reshape(t, -1)[:, cells]
            data: dict[str, Any] = {"time_s": np.repeat(self._times, cells.size)}
            if side is None:
                data["side"] = pd.Categorical(np.full(t * cells.size, s), categories=list(self.sides))
            if self._kind == "grid":
                r, c = np.unravel_index(cells, arr.shape[1:])
                data["row"] = np.tile(r, t)
                data["col"] = np.tile(c, t)
            else:
                ids = np.asarray(self._layouts[s].sensor_ids, dtype=object)[cells]
                data["sensor"] = np.tile(ids, t)
            data["pressure_kpa"] = values.reshape(-1)
            frames.append(pd.DataFrame(data))
        return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]

    # ------------------------------------------------------------------ persistence
    def save_npz(self, path: str | PathLike[str]) -> None:
        """Save everything (pressure, times, geometry, metadata) to a compressed ``.npz``.

        :meth:`from_npz` gives back an equal recording (bit-exact arrays). Metadata values that
        JSON cannot hold are stored as their ``str``.
        """
        from solemap.recordings.readers.numpy_files import save_npz

        save_npz(self, path)

    @classmethod
    def from_npz(cls, path: str | PathLike[str]) -> Recording:
        """Load a recording written by :meth:`save_npz`."""
        from solemap.recordings.readers.numpy_files import read_npz

        return read_npz(Path(path))

    def to_csv(self, path: str | PathLike[str]) -> None:
        """Write the documented generic CSV (:mod:`solemap.recordings.readers.generic_csv`);
        reading it back gives equal pressure (float32-exact), times, geometry and metadata.
        """
        from solemap.recordings.readers.generic_csv import write_csv

        write_csv(self, path)

    def equals(self, other: Recording) -> bool:
        """True if both recordings hold the same data (NaN equal to NaN), geometry and metadata."""
        if not isinstance(other, Recording):
            return False
        if (
            self.sides != other.sides
            or self._kind != other._kind
            or self._rate != other._rate
            or self._pitch != other._pitch
            or self._units != other._units
            or self._format != other._format
            or self._calibrated != other._calibrated
            or not np.array_equal(self._times, other._times)
        ):
            return False
        for s in self.sides:
            if not np.array_equal(self._pressure[s], other._pressure[s], equal_nan=True):
                return False
            if not np.array_equal(self.valid_mask(s), other.valid_mask(s)):
                return False
            if self._kind == "sensors" and self._layouts[s] != other._layouts[s]:
                return False
        return _jsonable(self.metadata) == _jsonable(other.metadata)


def from_array_for_file(path: str | PathLike[str], pressure: Any, **options: Any) -> Recording:
    """:meth:`Recording.from_array` for a reader: a failed validation names the file it came from
    (``RecordingError(path, None, message)``) instead of speaking only of arrays."""
    try:
        return Recording.from_array(pressure, **options)
    except ValueError as exc:
        message = exc.message if isinstance(exc, RecordingError) else str(exc)
        raise RecordingError(path, None, message) from None


def _jsonable(value: Any) -> Any:
    """Metadata as JSON would hold it (tuples → lists, unknown objects → str)."""
    return json.loads(json.dumps(value, default=_json_default))


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    return str(value)
