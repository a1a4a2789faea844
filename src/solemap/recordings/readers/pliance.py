"""novel pliance ASCII export (``.asc``): a sensor mat with its sensor geometry in the file.

Layout (``../shared/domain/pressure-formats.md``, "novel pliance"; sample: Telfer/pressuRe
``inst/extdata/pliance_test.asc`` @ f847da5): header lines ``file name: ...``, ``mat type ...``,
``total times [secs]: ... time per frame [secs]: ... scanning rate [Hz]: ...``, ``pressure values in
kPa``; a table ``time[secs]`` + sensor ids (space-aligned) with one row per frame, then ``MPP`` and
``MVP`` summary rows (not frames); a ``time[secs] force[N] x[cm] y[cm]`` block for the whole trial
(``-`` where there is no CoP); and the geometry: ``sensor`` ids, ``corner[cm]``, rows
``x[0]``/``y[0]`` … ``x[3]``/``y[3]``, ``x[c]``/``y[c]``, ``area`` (cm², cm).

When every sensor is the same axis-aligned rectangle on a regular lattice (true of pliance mats),
the recording is a **grid**: row 0 holds the sensors of largest mat y, column 0 those of smallest
x; lattice cells without a sensor are NaN and outside ``valid_mask``; ``metadata["sensor_grid"]``
maps (row, col) to the sensor id (0 = none). Otherwise it is a **sensors** recording whose layout
holds the file's centres, areas and polygons (mat mm). The trial force/CoP block is kept in
``metadata["trial_force"]``.
"""

from __future__ import annotations

import re
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np

from solemap.recordings.core import Recording, RecordingError, SensorLayout, from_array_for_file
from solemap.recordings.readers._text import check_header_size, parse_table, read_text, split_lines
from solemap.recordings.units import UnknownUnitError, normalize_unit

_GEOMETRY_ROWS = ("x[0]", "y[0]", "x[1]", "y[1]", "x[2]", "y[2]", "x[3]", "y[3]", "x[c]", "y[c]", "area")


def read(path: str | PathLike[str]) -> Recording:
    """Read a novel pliance ``.asc`` export (side unknown: a mat)."""
    path = Path(path)
    lines = split_lines(read_text(path, encodings=("utf-8-sig", "latin-1")))
    header_text = "\n".join(lines[:12])
    rate = None
    m_tpf = re.search(r"time per frame \[secs\]:\s*([0-9.]+)", header_text)
    m = re.search(r"scanning rate \[Hz\]:\s*([0-9.]+)", header_text)
    # The frame period has 5 decimals; the rate is printed as a whole number (24 for 0.04167 s).
    if m_tpf and float(m_tpf.group(1)) > 0:
        rate = 1.0 / float(m_tpf.group(1))
    elif m and float(m.group(1)) > 0:
        rate = float(m.group(1))
    m_units = re.search(r"pressure values in\s+(\S+)", header_text)
    try:
        units = normalize_unit(m_units.group(1)) if m_units else "kPa"
    except UnknownUnitError as exc:
        raise RecordingError(path, None, str(exc)) from None
    starts = [i for i, line in enumerate(lines) if line.lstrip().startswith("time[secs]")]
    if not starts:
        raise RecordingError(path, None, "expected a table header line starting 'time[secs]'")
    head = starts[0]
    check_header_size(path, lines, head)
    ids_text = lines[head].split()[1:]
    if not ids_text or not all(t.isdigit() for t in ids_text):
        raise RecordingError(path, head + 1, "expected 'time[secs]' followed by sensor numbers")
    ids = np.array([int(t) for t in ids_text])
    n = ids.size
    rows: list[str] = []
    summary: dict[str, np.ndarray] = {}
    i = head + 1
    while i < len(lines) and lines[i].strip():
        stripped = lines[i].strip()
        label = stripped.split()[0]
        if label in ("MPP", "MVP"):
            summary[label] = parse_table(
                path, [stripped[len(label) :].strip()], n, i + 1, sep=None, what="values"
            )[0]
        else:
            if summary:
                raise RecordingError(path, i + 1, "expected no frames after the MPP/MVP summary rows")
            rows.append(stripped)
        i += 1
    if not rows:
        raise RecordingError(path, head + 2, "expected frame rows after the 'time[secs]' header")
    table = parse_table(path, rows, n + 1, head + 2, sep=None, what="values (time and one per sensor)")
    times = table[:, 0]
    if np.any(np.isnan(times)) or (times.size > 1 and not np.all(np.diff(times) > 0)):
        k = (
            int(np.flatnonzero(np.isnan(times))[0])
            if np.any(np.isnan(times))
            else int(np.flatnonzero(np.diff(times) <= 0)[0]) + 1
        )
        raise RecordingError(path, head + 2 + k, "expected increasing times in the first column")
    values = table[:, 1:]
    if rate is None:
        if times.size > 1:
            rate = float(1.0 / np.median(np.diff(times)))
        else:
            raise RecordingError(path, None, "expected 'scanning rate [Hz]:' in the header")
    geometry = _geometry(path, lines, ids)
    trial = _trial_force(path, lines, starts[1:])
    metadata: dict[str, Any] = {
        "path": str(path),
        "header": {"lines": [x for x in lines[:head] if x.strip()]},
        "mat_type": (re.search(r"mat type\s+(\S+)", header_text) or [None, None])[1],
        "summary": {k: v for k, v in summary.items()},
        "trial_force": trial,
    }
    grid = _as_grid(ids, geometry)
    if grid is not None:
        index, shape, pitch, id_grid = grid
        out = np.full((values.shape[0], *shape), np.nan, dtype=np.float32)
        out.reshape(values.shape[0], -1)[:, index] = values
        metadata["sensor_grid"] = id_grid
        valid = np.zeros(shape, dtype=bool)
        valid.reshape(-1)[index] = True
        return from_array_for_file(
            path,
            out,
            sample_rate_hz=rate,
            pitch_mm=pitch,
            units=units,
            format="pliance-asc",
            metadata=metadata,
            times_s=times,
            valid_mask=valid,
        )
    corners, centres, areas = geometry
    layout = SensorLayout(
        centres,
        areas,
        list(corners),
        name="pliance mat (from the file)",
        sensor_ids=tuple(str(k) for k in ids),
        source=str(path),
    )
    return from_array_for_file(
        path,
        values,
        sample_rate_hz=rate,
        layout=layout,
        units=units,
        format="pliance-asc",
        metadata=metadata,
        times_s=times,
    )


def _geometry(path: Path, lines: list[str], ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """((S, 4, 2) corners mm, (S, 2) centres mm, (S,) areas mm²) for the pressure table's sensors."""
    at = next((i for i, line in enumerate(lines) if line.startswith("sensor")), None)
    if at is None:
        raise RecordingError(
            path, None, "expected the sensor geometry block ('sensor' ids, 'corner[cm]', x/y rows)"
        )
    geo_ids = [t for t in lines[at].split()[1:]]
    if not all(t.isdigit() for t in geo_ids):
        raise RecordingError(path, at + 1, "expected sensor numbers after 'sensor'")
    geo_ids_arr = np.array([int(t) for t in geo_ids])
    found: dict[str, np.ndarray] = {}
    for j in range(at + 1, min(at + 16, len(lines))):
        parts = lines[j].split()
        if parts and parts[0] in _GEOMETRY_ROWS:
            found[parts[0]] = parse_table(
                path, [" ".join(parts[1:])], geo_ids_arr.size, j + 1, sep=None, what="geometry values"
            )[0]
    missing = [r for r in _GEOMETRY_ROWS if r not in found]
    if missing:
        raise RecordingError(path, at + 1, f"expected geometry rows {', '.join(missing)} after 'sensor'")
    pos = {int(k): i for i, k in enumerate(geo_ids_arr)}
    absent = [int(k) for k in ids if int(k) not in pos]
    if absent:
        raise RecordingError(
            path, at + 1, f"expected geometry for every sensor of the table, missing {absent[:5]}"
        )
    idx = np.array([pos[int(k)] for k in ids])
    corners = np.stack(
        [np.column_stack([found[f"x[{c}]"][idx], found[f"y[{c}]"][idx]]) for c in range(4)], axis=1
    )
    centres = np.column_stack([found["x[c]"][idx], found["y[c]"][idx]])
    if np.any(~np.isfinite(corners)) or np.any(~np.isfinite(found["area"][idx])):
        raise RecordingError(path, at + 1, "expected a number for every corner, centre and area")
    return corners * 10.0, centres * 10.0, found["area"][idx] * 100.0


def _as_grid(
    ids: np.ndarray, geometry
) -> tuple[np.ndarray, tuple[int, int], tuple[float, float], list] | None:
    """Flat lattice index of each sensor, lattice shape, pitch and id grid, if the sensors form one."""
    corners, centres, _areas = geometry
    width = corners[..., 0].max(axis=1) - corners[..., 0].min(axis=1)
    height = corners[..., 1].max(axis=1) - corners[..., 1].min(axis=1)
    if width.size == 0 or np.ptp(width) > 1e-6 * width[0] + 1e-9 or np.ptp(height) > 1e-6 * height[0] + 1e-9:
        return None
    # Rectangles: two distinct x and two distinct y per sensor.
    for axis in (0, 1):
        c = np.sort(corners[..., axis], axis=1)
        if np.any(np.abs(c[:, 1] - c[:, 0]) > 1e-6) or np.any(np.abs(c[:, 3] - c[:, 2]) > 1e-6):
            return None
    w, h = float(width[0]), float(height[0])
    col = (centres[:, 0] - centres[:, 0].min()) / w
    row = (centres[:, 1].max() - centres[:, 1]) / h
    if np.any(np.abs(col - np.round(col)) > 1e-3) or np.any(np.abs(row - np.round(row)) > 1e-3):
        return None
    col, row = np.round(col).astype(int), np.round(row).astype(int)
    shape = (int(row.max()) + 1, int(col.max()) + 1)
    flat = row * shape[1] + col
    if np.unique(flat).size != flat.size:
        return None
    id_grid = np.zeros(shape, dtype=int)
    id_grid.reshape(-1)[flat] = ids
    return flat, shape, (h, w), id_grid.tolist()


def _trial_force(path: Path, lines: list[str], starts: list[int]) -> dict[str, list] | None:
    """The whole-trial ``time[secs] force[N] x[cm] y[cm]`` block (CoP in mm, NaN where '-')."""
    for s in starts:
        if "force[N]" not in lines[s]:
            continue
        rows = []
        j = s + 1
        while j < len(lines) and not lines[j].strip():
            j += 1
        first = j
        while j < len(lines) and lines[j].strip() and not lines[j].lstrip().startswith(("sensor", "time")):
            rows.append(lines[j].strip())
            j += 1
        table = parse_table(path, rows, 4, first + 1, sep=None, what="values (time, force, x, y)")
        return {
            "time_s": table[:, 0].tolist(),
            "force_n": table[:, 1].tolist(),
            "cop_x_mm": (table[:, 2] * 10).tolist(),
            "cop_y_mm": (table[:, 3] * 10).tolist(),
        }
    return None
