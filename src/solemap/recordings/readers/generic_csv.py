"""solemap generic pressure CSV: one row per frame, one column per sensel or sensor.

For home-made sensor mats and for exchanging recordings with spreadsheets. The same text is in
``docs/recordings-formats.md``.

Specification (version 1)
-------------------------
UTF-8 text (a BOM is allowed), comma-separated, ``\\n`` or ``\\r\\n`` line ends.

1. Optional **header lines** at the top, each ``# key: value``. Known keys (all optional):

   ===================  ==========================================================================
   ``solemap-pressure-csv``  the first line ``# solemap-pressure-csv 1`` marks the version
   ``kind``             ``grid`` or ``sensors`` (default: ``grid`` if the columns are ``r<i>c<j>``)
   ``sample_rate_hz``   frames per second (default: 1 / median difference of the time column)
   ``units``            unit of the values: kPa (default), N/cm2, psi, mmHg, MPa, bar, raw, N, ...
   ``calibration``      kPa per count when ``units`` is ``raw`` (default 1)
   ``calibrated``       ``true``/``false`` (default: false only for raw without calibration)
   ``pitch_mm``         ``row_pitch, col_pitch`` in mm (grids; required for grids)
   ``side``             side of columns without a side prefix: left, right, unknown (default)
   ``format``           the format the data came from (default ``generic-csv``)
   ``metadata``         a JSON object (one line)
   ``valid <side>``     grids: R×C characters ``0``/``1`` row by row, 0 = outside the sensor
                        (default: cells that are empty in every frame are outside)
   ``sensor <side> <id>``  sensors: ``x_mm y_mm area_mm2`` and optionally ``| x y; x y; ...``
                        (the sensor's polygon), positions in insole mm (x heel → toe,
                        y medial → lateral); default: unknown (NaN) positions and areas
   ``layout <side>``    JSON object with the layout's ``name`` and ``source``
   ===================  ==========================================================================

   Unknown keys are kept in ``Recording.metadata["csv_header"]``.
2. One **column header** line: the first column is the time, named ``time_s`` (seconds),
   ``time`` (seconds) or ``time_ms`` (milliseconds); every other column is one sensel or sensor,
   named ``[<side>:]r<row>c<col>`` (0-based grid indices) or ``[<side>:]<sensor id>``. ``<side>``
   is ``left`` or ``right``; columns without it belong to the ``side`` header (or ``unknown``).
   Grid cells that have no column are outside the sensor (NaN).
3. **Data rows**: the time, then one number per column; an empty cell, ``nan`` or ``NA`` is a
   missing sample (NaN, never 0). Times must increase.

:meth:`Recording.to_csv` writes this format with every header line, values with 9 significant
digits (float32-exact) and times with Python's shortest round-trip representation.
"""

from __future__ import annotations

import csv
import json
import math
import re
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
from solemap.recordings.readers._text import (
    byte_offset_of_line,
    check_header_size,
    iter_table_blocks,
    read_head,
    split_lines,
)
from solemap.recordings.units import UnknownUnitError, normalize_unit

VERSION = 1
MAX_HEADER_LINES = 100_000  # a runaway header (binary junk, wrong file) ends in an error, not a hang
_GRID_COL = re.compile(r"^r(\d+)c(\d+)$")
_MISSING = ("", "nan", "NaN", "NA")
_TIME_COLS = {"time_s": 1.0, "time": 1.0, "time_ms": 1e-3}


def write_csv(rec: Recording, path: str | PathLike[str]) -> None:
    """Write ``rec`` in the generic CSV format (see the module docstring)."""
    lines = [
        f"# solemap-pressure-csv {VERSION}",
        f"# kind: {rec.kind}",
        f"# sample_rate_hz: {float(rec.sample_rate_hz)!r}",
        "# units: kPa",
        f"# calibrated: {'true' if rec.calibrated else 'false'}",
        f"# format: {rec.format}",
    ]
    if rec.source_units != "kPa":
        # The values are written in kPa; the original unit travels in the metadata.
        lines.append(f"# source_units: {rec.source_units}")
    if rec.pitch_mm is not None:
        lines.append(f"# pitch_mm: {float(rec.pitch_mm[0])!r}, {float(rec.pitch_mm[1])!r}")
    lines.append(f"# metadata: {json.dumps(rec.metadata, default=_json_default)}")
    columns: list[str] = []
    blocks: list[np.ndarray] = []
    for side in rec.sides:
        arr = np.asarray(rec.pressure(side))
        t = arr.shape[0]
        if rec.kind == "grid":
            mask = rec.valid_mask(side)
            default = ~np.all(np.isnan(arr), axis=0) if t else np.ones(mask.shape, bool)
            if not np.array_equal(mask, default):
                bits = "".join("1" if v else "0" for v in mask.reshape(-1))
                lines.append(f"# valid {side}: {mask.shape[0]}x{mask.shape[1]} {bits}")
            r, c = arr.shape[1:]
            columns += [f"{side}:r{i}c{j}" for i in range(r) for j in range(c)]
        else:
            lay = rec.layout(side)
            lines.append(f"# layout {side}: {json.dumps({'name': lay.name, 'source': lay.source})}")
            for k, sid in enumerate(lay.sensor_ids if lay.is_known else ()):
                x, y = lay.positions_mm[k].tolist()
                entry = f"# sensor {side} {sid}: {x!r} {y!r} {float(lay.areas_mm2[k])!r}"
                if lay.polygons is not None:
                    entry += " | " + "; ".join(f"{px!r} {py!r}" for px, py in lay.polygons[k].tolist())
                lines.append(entry)
            bad = [sid for sid in lay.sensor_ids if not sid or re.search(r"[,:\s]", sid)]
            if bad:
                raise RecordingError(
                    path,
                    None,
                    f"sensor id {bad[0]!r} cannot be a CSV column name (no commas, colons or spaces)",
                )
            columns += [f"{side}:{sid}" for sid in lay.sensor_ids]
        blocks.append(arr.reshape(t, -1))
    values = np.concatenate(blocks, axis=1) if blocks else np.zeros((rec.n_frames, 0), np.float32)
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("\n".join(lines) + "\n")
        fh.write(",".join(["time_s", *columns]) + "\n")
        for k in range(values.shape[0]):
            cells = ["" if math.isnan(v) else f"{v:.9g}" for v in values[k].tolist()]
            fh.write(repr(float(rec.times_s[k])) + "," + ",".join(cells) + "\n")


def _parse_bool(path: Path, line: int, value: str) -> bool:
    v = value.strip().lower()
    if v in ("true", "1", "yes"):
        return True
    if v in ("false", "0", "no"):
        return False
    raise RecordingError(path, line, f"expected true or false, found {value!r}")


def _parse_float(path: Path, line: int, value: str, what: str) -> float:
    try:
        out = float(value)
    except ValueError:
        raise RecordingError(path, line, f"expected a number for {what}, found {value!r}") from None
    if not math.isfinite(out):
        raise RecordingError(path, line, f"expected a finite number for {what}, found {value!r}")
    return out


def read(path: str | PathLike[str], **options: Any) -> Recording:
    """Read a generic pressure CSV (see the module docstring) into a :class:`Recording`.

    Options: ``sample_rate_hz``, ``pitch_mm``, ``units``, ``calibration``, ``side`` override the
    header (for files that have none).
    """
    path = Path(path)
    # The header is parsed from the file's head; the rows are then streamed block by block.
    text, raw_head = read_head(path, encodings=("utf-8-sig",))
    if not text:
        raise RecordingError(path, None, "the file is empty")
    lines = split_lines(text)
    header: dict[str, tuple[int, str]] = {}
    sensors: dict[str, list[tuple[int, str, str]]] = {}
    valids: dict[str, tuple[int, str]] = {}
    layouts_info: dict[str, tuple[int, str]] = {}
    i = 0
    while i < len(lines) and (lines[i].startswith("#") or not lines[i].strip()):
        if i > MAX_HEADER_LINES:
            raise RecordingError(path, i + 1, f"expected the column header within {MAX_HEADER_LINES} lines")
        body = lines[i].lstrip("#").strip()
        lineno = i + 1
        i += 1
        if not body:
            continue
        if body.startswith("solemap-pressure-csv"):
            ver = body.split()[-1]
            if ver != str(VERSION):
                raise RecordingError(path, lineno, f"expected generic CSV version {VERSION}, found {ver!r}")
            continue
        key, sep, value = body.partition(":")
        if not sep:
            raise RecordingError(path, lineno, f"expected a '# key: value' header line, found {body[:60]!r}")
        key = key.strip()
        parts = key.split()
        if parts[0] == "sensor" and len(parts) == 3:
            sensors.setdefault(parts[1], []).append((lineno, parts[2], value))
        elif parts[0] == "valid" and len(parts) == 2:
            valids[parts[1]] = (lineno, value.strip())
        elif parts[0] == "layout" and len(parts) == 2:
            layouts_info[parts[1]] = (lineno, value.strip())
        else:
            header[key] = (lineno, value.strip())
    check_header_size(path, lines, i)
    if i >= len(lines):
        raise RecordingError(
            path, i or None, "expected a column header line (time_s, ...), found end of file"
        )
    head_line = i + 1
    columns = [c.strip() for c in next(csv.reader([lines[i]]))]
    time_name = columns[0].lower() if columns else ""
    if time_name not in _TIME_COLS:
        raise RecordingError(
            path,
            head_line,
            f"expected the first column to be time_s, time or time_ms, found "
            f"{columns[0][:40] if columns else ''!r}",
        )
    if len(columns) < 2:
        raise RecordingError(path, head_line, "expected at least one pressure column after the time")
    if len(set(columns)) != len(columns):
        dup = next(c for c in columns if columns.count(c) > 1)
        raise RecordingError(path, head_line, f"expected unique column names, {dup!r} repeats")

    default_side = options.pop("side", None) or header.get("side", (0, "unknown"))[1]
    if default_side not in ("left", "right", "unknown"):
        raise RecordingError(
            path,
            header.get("side", (None,))[0],
            f"expected side left, right or unknown, found {default_side!r}",
        )
    col_side: list[str] = []
    col_cell: list[str] = []
    for name in columns[1:]:
        side, sep, cell = name.partition(":")
        if sep and side in ("left", "right", "unknown"):
            col_side.append(side)
            col_cell.append(cell)
        else:
            col_side.append(default_side)
            col_cell.append(name)
    sides = [s for s in ("left", "right", "unknown") if s in col_side]
    if "unknown" in sides and len(sides) > 1:
        raise RecordingError(
            path, head_line, "expected columns of left/right or of one unknown side, not both"
        )
    is_grid = all(_GRID_COL.match(c) for c in col_cell)
    kind = header.get("kind", (0, "grid" if is_grid else "sensors"))[1]
    if kind not in ("grid", "sensors"):
        raise RecordingError(path, header["kind"][0], f"expected kind grid or sensors, found {kind!r}")
    if kind == "grid" and not is_grid:
        bad = next(c for c in col_cell if not _GRID_COL.match(c))
        raise RecordingError(path, head_line, f"expected grid columns named r<row>c<col>, found {bad!r}")

    # Data rows: parse all at once; locate the first bad cell only when something is wrong.
    n_cols = len(columns)
    times_parts: list[np.ndarray] = []
    value_parts: list[np.ndarray] = []
    offset = byte_offset_of_line(raw_head, i + 1)
    for _, table in iter_table_blocks(
        path, offset, head_line + 1, n_cols, sep=",", what="cells", missing=_MISSING, encodings=("utf-8",)
    ):
        times_parts.append(np.ascontiguousarray(table[:, 0]))
        value_parts.append(table[:, 1:].astype(np.float32))
    times = (np.concatenate(times_parts) if times_parts else np.zeros(0)) * _TIME_COLS[time_name]
    values = np.concatenate(value_parts) if value_parts else np.zeros((0, n_cols - 1), np.float32)
    del value_parts
    if times.size and not np.all(np.isfinite(times)):
        k = int(np.flatnonzero(~np.isfinite(times))[0])
        raise RecordingError(
            path, head_line + 1 + k, "expected a time in the first column, found an empty cell"
        )
    if times.size > 1 and not np.all(np.diff(times) > 0):
        k = int(np.flatnonzero(np.diff(times) <= 0)[0]) + 1
        raise RecordingError(path, head_line + 1 + k, "expected times to increase")
    if "sample_rate_hz" in options:
        rate = float(options.pop("sample_rate_hz"))
    elif "sample_rate_hz" in header:
        ln, v = header["sample_rate_hz"]
        rate = _parse_float(path, ln, v, "sample_rate_hz")
    elif times.size > 1:
        rate = 1.0 / float(np.median(np.diff(times)))
    else:
        raise RecordingError(path, None, "expected '# sample_rate_hz:' (one frame gives no period)")
    if rate <= 0:
        raise RecordingError(
            path, header.get("sample_rate_hz", (None,))[0], "expected a positive sample rate"
        )
    units = options.pop("units", None) or header.get("units", (0, "kPa"))[1]
    try:
        units = normalize_unit(units)
    except UnknownUnitError as exc:
        raise RecordingError(path, header.get("units", (None,))[0], str(exc)) from None
    calibration = options.pop("calibration", None)
    if calibration is None:
        calibration = (
            _parse_float(path, header["calibration"][0], header["calibration"][1], "calibration")
            if "calibration" in header
            else 1.0
        )
    pitch = options.pop("pitch_mm", None)
    if pitch is None and "pitch_mm" in header:
        ln, v = header["pitch_mm"]
        parts = [p for p in re.split(r"[,\s]+", v) if p]
        if len(parts) != 2:
            raise RecordingError(path, ln, f"expected 'pitch_mm: row, col', found {v!r}")
        pitch = (_parse_float(path, ln, parts[0], "pitch_mm"), _parse_float(path, ln, parts[1], "pitch_mm"))
    if kind == "grid" and pitch is None:
        raise RecordingError(path, None, "expected '# pitch_mm: row, col' for a grid (or pass pitch_mm=)")
    if options:
        raise RecordingError(path, None, f"unknown options {sorted(options)} for the generic CSV reader")
    metadata: dict[str, Any] = {}
    if "metadata" in header:
        ln, v = header["metadata"]
        try:
            metadata = json.loads(v)
        except json.JSONDecodeError as exc:
            raise RecordingError(path, ln, f"expected a JSON object after 'metadata:' ({exc.msg})") from None
        if not isinstance(metadata, dict):
            raise RecordingError(path, ln, "expected a JSON object after 'metadata:'")
    known = {
        "kind",
        "sample_rate_hz",
        "units",
        "calibration",
        "calibrated",
        "pitch_mm",
        "side",
        "format",
        "metadata",
        "source_units",
    }
    extra = {k: v for k, (_, v) in header.items() if k not in known}
    if extra:
        metadata = {**metadata, "csv_header": extra}
    if "metadata" not in header:  # a file written by to_csv carries its own metadata unchanged
        metadata.setdefault("path", str(path))
    fmt = header.get("format", (0, "generic-csv"))[1] or "generic-csv"

    pressure: dict[str, np.ndarray] = {}
    masks: dict[str, np.ndarray] = {}
    layouts: dict[str, SensorLayout] = {}
    col_side_arr = np.array(col_side)
    for side in sides:
        idx = np.flatnonzero(col_side_arr == side)
        cells = [col_cell[k] for k in idx]
        block = values[:, idx]
        if kind == "grid":
            rc = np.array([[int(g) for g in _GRID_COL.match(c).groups()] for c in cells])  # type: ignore[union-attr]
            r, c = rc.max(axis=0) + 1
            if r * c > 10_000_000:
                raise RecordingError(path, head_line, f"grid of {r}x{c} cells is implausibly large")
            grid = np.full((values.shape[0], r, c), np.nan, dtype=np.float32)
            grid[:, rc[:, 0], rc[:, 1]] = block
            pressure[side] = grid
            if side in valids:
                ln, v = valids[side]
                m = re.fullmatch(r"(\d+)x(\d+)\s+([01]+)", v)
                if not m or (int(m[1]), int(m[2])) != (r, c) or len(m[3]) != r * c:
                    raise RecordingError(path, ln, f"expected 'valid {side}: {r}x{c} <{r * c} digits 0/1>'")
                masks[side] = (np.frombuffer(m[3].encode(), np.uint8) == ord("1")).reshape(r, c)
            else:
                present = np.zeros((r, c), bool)
                present[rc[:, 0], rc[:, 1]] = True
                masks[side] = present & (~np.all(np.isnan(grid), axis=0) if grid.shape[0] else True)
        else:
            pressure[side] = block.astype(np.float32)
            layouts[side] = _layout(path, side, cells, sensors.get(side, []), layouts_info.get(side))
    rec = from_array_for_file(
        path,
        pressure,
        sample_rate_hz=rate,
        pitch_mm=pitch,
        layout=layouts or None,
        units=units,
        calibration=calibration,
        format=fmt,
        metadata=metadata,
        times_s=times,
        valid_mask=masks or None,
    )
    if "calibrated" in header or "source_units" in header:
        calibrated = _parse_bool(path, *header["calibrated"]) if "calibrated" in header else rec.calibrated
        src = header["source_units"][1] if "source_units" in header else rec.source_units
        try:
            normalize_unit(src)
        except UnknownUnitError as exc:
            raise RecordingError(path, header["source_units"][0], str(exc)) from None
        rec = Recording(
            {s: rec.pressure(s) for s in rec.sides},
            sample_rate_hz=rate,
            times_s=rec.times_s,
            pitch_mm=rec.pitch_mm,
            layouts={s: rec.layout(s) for s in rec.sides} if kind == "sensors" else None,
            valid_masks={s: rec.valid_mask(s) for s in rec.sides},
            source_units=src,
            format=fmt,
            metadata={
                k: v
                for k, v in rec.metadata.items()
                if not (k == "calibration" and "calibration" not in metadata)
            },
            calibrated=calibrated,
        )
    return rec


def _layout(
    path: Path, side: str, cells: list[str], entries: list[tuple[int, str, str]], info: tuple[int, str] | None
) -> SensorLayout:
    name, source = "unknown layout", ""
    if info is not None:
        try:
            obj = json.loads(info[1])
            name, source = str(obj.get("name", "")), str(obj.get("source", ""))
        except (json.JSONDecodeError, AttributeError):
            raise RecordingError(path, info[0], "expected a JSON object with name and source") from None
    if not entries:
        return SensorLayout(
            np.full((len(cells), 2), np.nan),
            np.full(len(cells), np.nan),
            name=name,
            sensor_ids=tuple(cells),
            source=source,
        )
    by_id = {sid: (ln, v) for ln, sid, v in entries}
    missing = [c for c in cells if c not in by_id]
    if missing:
        raise RecordingError(
            path, None, f"expected a '# sensor {side} {missing[0]}:' line for every sensor column"
        )
    pos = np.empty((len(cells), 2))
    areas = np.empty(len(cells))
    polys: list[np.ndarray] = []
    have_polys = True
    for k, cid in enumerate(cells):
        ln, v = by_id[cid]
        geo, bar, poly = v.partition("|")
        nums = geo.split()
        if len(nums) != 3:
            raise RecordingError(
                path, ln, f"expected 'x_mm y_mm area_mm2' for sensor {cid}, found {geo.strip()!r}"
            )
        pos[k] = [_parse_float(path, ln, nums[0], "x_mm"), _parse_float(path, ln, nums[1], "y_mm")]
        areas[k] = _parse_float(path, ln, nums[2], "area_mm2")
        if areas[k] <= 0:
            raise RecordingError(path, ln, f"expected a positive sensor area, found {nums[2]!r}")
        if bar:
            pts = [p.split() for p in poly.split(";") if p.strip()]
            if any(len(p) != 2 for p in pts) or len(pts) < 3:
                raise RecordingError(
                    path, ln, "expected a polygon of at least 3 'x y' points separated by ';'"
                )
            polys.append(
                np.array(
                    [
                        [_parse_float(path, ln, a, "polygon"), _parse_float(path, ln, b, "polygon")]
                        for a, b in pts
                    ]
                )
            )
        else:
            have_polys = False
    return SensorLayout(
        pos, areas, polys if have_polys else None, name=name, sensor_ids=tuple(cells), source=source
    )
