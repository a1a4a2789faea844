"""NumPy files: ``.npz`` written by :meth:`Recording.save_npz`, and plain ``.npy``/``.npz`` arrays.

solemap ``.npz`` (format id ``solemap-npz``, version 1) holds:

* ``solemap_recording``: int array ``[1]`` (the version; marks the file as ours),
* ``meta_json``: 0-d unicode array, JSON with ``sides``, ``kind``, ``sample_rate_hz``,
  ``pitch_mm``, ``source_units``, ``format``, ``calibrated``, ``metadata`` and per side the layout's
  ``name``/``sensor_ids``/``source``,
* ``times_s`` (T,) float64; per side ``pressure_<side>`` float32 (T, R, C) or (T, S) in kPa,
  ``valid_<side>`` bool; for sensors ``positions_<side>`` (S, 2), ``areas_<side>`` (S,) and, when
  polygons are known, ``polygon_offsets_<side>`` (S + 1,) and ``polygon_points_<side>`` (P, 2).

Plain arrays (any other ``.npy``, or an ``.npz`` with a ``pressure`` array or a single array)
are read through :meth:`Recording.from_array` and need ``sample_rate_hz=`` (and ``pitch_mm=`` for
grids) as options. ``.npy`` files are memory-mapped when they are float32 already, so a file larger
than RAM can be analysed in chunks.
"""

from __future__ import annotations

import json
import zipfile
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np

from solemap.recordings.core import (
    Recording,
    RecordingError,
    SensorLayout,
    _json_default,
    from_array_for_file,
)

NPZ_VERSION = 1
_MARK = "solemap_recording"


def save_npz(rec: Recording, path: str | PathLike[str]) -> None:
    """Write ``rec`` as a solemap ``.npz`` (see the module docstring)."""
    arrays: dict[str, np.ndarray] = {_MARK: np.array([NPZ_VERSION]), "times_s": np.asarray(rec.times_s)}
    layouts: dict[str, Any] = {}
    for side in rec.sides:
        arrays[f"pressure_{side}"] = np.asarray(rec.pressure(side))
        arrays[f"valid_{side}"] = rec.valid_mask(side)
        if rec.kind == "sensors":
            lay = rec.layout(side)
            arrays[f"positions_{side}"] = lay.positions_mm
            arrays[f"areas_{side}"] = lay.areas_mm2
            if lay.polygons is not None:
                sizes = [p.shape[0] for p in lay.polygons]
                arrays[f"polygon_offsets_{side}"] = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
                arrays[f"polygon_points_{side}"] = (
                    np.concatenate(lay.polygons) if lay.polygons else np.zeros((0, 2))
                )
            layouts[side] = {"name": lay.name, "sensor_ids": list(lay.sensor_ids), "source": lay.source}
    meta = {
        "sides": list(rec.sides),
        "kind": rec.kind,
        "sample_rate_hz": rec.sample_rate_hz,
        "pitch_mm": None if rec.pitch_mm is None else list(rec.pitch_mm),
        "source_units": rec.source_units,
        "format": rec.format,
        "calibrated": rec.calibrated,
        "metadata": rec.metadata,
        "layouts": layouts,
    }
    arrays["meta_json"] = np.array(json.dumps(meta, default=_json_default))
    with open(path, "wb") as fh:
        np.savez_compressed(fh, **arrays)


def _load_npz(path: Path):
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise RecordingError(path, None, f"not a readable .npz/.npy file ({exc})") from None


def read_npz(path: Path, **options: Any) -> Recording:
    """Read a solemap ``.npz``, or a plain ``.npz`` of arrays (``pressure`` or a single array)."""
    path = Path(path)
    data = _load_npz(path)
    if not isinstance(data, np.lib.npyio.NpzFile):
        return _from_plain(path, data, options)
    try:
        with data:
            names = set(data.files)
            if _MARK not in names:
                if "pressure" in names:
                    arr = data["pressure"]
                elif len(names) == 1:
                    arr = data[next(iter(names))]
                else:
                    raise RecordingError(
                        path,
                        None,
                        f"expected a solemap .npz or an array named 'pressure', found {sorted(names)}",
                    )
                if "times_s" in names and "times_s" not in options:
                    options["times_s"] = data["times_s"]
                return _from_plain(path, arr, options)
            version = int(np.asarray(data[_MARK]).reshape(-1)[0])
            if version != NPZ_VERSION:
                raise RecordingError(
                    path, None, f"solemap .npz version {version}; this solemap reads {NPZ_VERSION}"
                )
            meta = json.loads(str(data["meta_json"]))
            sides = meta["sides"]
            pressure = {s: data[f"pressure_{s}"] for s in sides}
            layouts = None
            if meta["kind"] == "sensors":
                layouts = {}
                for s in sides:
                    polys = None
                    if f"polygon_offsets_{s}" in names:
                        off = data[f"polygon_offsets_{s}"]
                        pts = data[f"polygon_points_{s}"]
                        polys = [pts[off[i] : off[i + 1]] for i in range(off.size - 1)]
                    info = meta["layouts"][s]
                    layouts[s] = SensorLayout(
                        data[f"positions_{s}"],
                        data[f"areas_{s}"],
                        polys,
                        info["name"],
                        tuple(info["sensor_ids"]),
                        info["source"],
                    )
            return Recording(
                pressure,
                sample_rate_hz=meta["sample_rate_hz"],
                times_s=data["times_s"],
                pitch_mm=None if meta["pitch_mm"] is None else tuple(meta["pitch_mm"]),
                layouts=layouts,
                valid_masks={s: data[f"valid_{s}"] for s in sides},
                source_units=meta["source_units"],
                format=meta["format"],
                metadata=meta["metadata"],
                calibrated=meta["calibrated"],
            )
    except RecordingError:
        raise
    except (KeyError, ValueError, TypeError, IndexError, OSError, zipfile.BadZipFile, EOFError) as exc:
        raise RecordingError(path, None, f"damaged solemap .npz: {type(exc).__name__}: {exc}") from None


def read_npy(path: Path, **options: Any) -> Recording:
    """Read a ``.npy`` array (T, R, C) or (T, S); memory-mapped when it is float32 kPa already."""
    path = Path(path)
    try:
        arr = np.load(path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError, EOFError) as exc:
        raise RecordingError(path, None, f"not a readable .npy file ({exc})") from None
    return _from_plain(path, arr, options)


def _from_plain(path: Path, arr: Any, options: dict[str, Any]) -> Recording:
    if not isinstance(arr, np.ndarray) or arr.dtype.kind not in "fiu" or arr.ndim not in (2, 3):
        shape = getattr(arr, "shape", None)
        raise RecordingError(
            path,
            None,
            f"expected a numeric (T, R, C) or (T, S) array, found {getattr(arr, 'dtype', '?')} {shape}",
        )
    if "sample_rate_hz" not in options:
        raise RecordingError(
            path, None, "a plain array file does not say its sample rate: pass sample_rate_hz="
        )
    side = options.pop("side", None) or "unknown"
    if arr.ndim == 3 and options.get("pitch_mm") is None:
        raise RecordingError(path, None, "a plain grid array does not say its sensel pitch: pass pitch_mm=")
    allowed = {"sample_rate_hz", "pitch_mm", "layout", "units", "calibration", "times_s", "metadata"}
    unknown = set(options) - allowed
    if unknown:
        raise RecordingError(path, None, f"unknown options {sorted(unknown)} for a plain array")
    meta = {"path": str(path), **dict(options.pop("metadata", None) or {})}
    return from_array_for_file(path, arr, side=side, format="numpy", metadata=meta, **options)
