"""novel pedar ASCII export (``.asc``): 99 sensors per insole, one or two insoles.

Layout (``../shared/domain/pressure-formats.md``, "novel pedar ASCII"; sample: Telfer/pressuRe
``inst/extdata/pedar_example.asc`` @ f847da5): header lines ``file name:``, ``sensor type:`` (the
first token before ``-`` is the insole size, e.g. ``y``, ``xw``), ``total time [secs]:``/``time per
frame [secs]:``/``scanning rate [Hz]:`` (TAB between fields), ``pressure values in kPa``, a
``mask definition`` with ``left insole:``/``right insole:`` lines; then the column header
``time[secs]`` + sensor numbers (left 1–99, then right 1–99) and TAB-separated rows with a trailing
TAB. The header is found by the ``time[secs]`` line, not by a line count.

Sensor geometry (:func:`pedar_layout`): polygons of pressuRe's pedar drawing
(``data/pedar_insole_polygons.csv``) scaled per insole size so their total equals the size's sensor
area (``data/pedar_sensor_areas.csv``, pressuRe's per-sensor table in mm²). The areas used for
force are the table's; the positions are therefore an approximation of the real insole (one drawing
scaled isotropically for all sizes), good to a few mm.
"""

from __future__ import annotations

import csv
import re
from functools import cache
from importlib import resources
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np

from solemap.recordings.core import Recording, RecordingError, SensorLayout, from_array_for_file
from solemap.recordings.readers._text import (
    byte_offset_of_line,
    check_header_size,
    iter_table_blocks,
    read_head,
    split_lines,
)
from solemap.recordings.units import UnknownUnitError, normalize_unit

N_SENSORS = 99
MAX_HEADER_LINES = 200
_DATA = "solemap.recordings.data"


def _read_csv_rows(name: str) -> tuple[list[str], list[list[str]]]:
    text = resources.files(_DATA).joinpath(name).read_text(encoding="utf-8")
    rows = [r for r in csv.reader(line for line in text.splitlines() if line and not line.startswith("#"))]
    return rows[0], rows[1:]


@cache
def pedar_sizes() -> dict[str, np.ndarray]:
    """Insole size -> (99,) sensor areas in mm² (pressuRe's table; see the data file header)."""
    header, rows = _read_csv_rows("pedar_sensor_areas.csv")
    table = np.array([[float(v) for v in r[1:]] for r in rows])
    if table.shape != (N_SENSORS, len(header) - 1):
        raise RuntimeError("pedar_sensor_areas.csv must have 99 rows, one column per size")
    return {size: table[:, k] for k, size in enumerate(header[1:])}


@cache
def _drawing_polygons() -> np.ndarray:
    """(99, 4, 2) left-insole polygons in pressuRe drawing units (x medial→lateral, y heel→toe)."""
    _, rows = _read_csv_rows("pedar_insole_polygons.csv")
    pts = np.array([[float(v) for v in r[1:]] for r in rows]).reshape(N_SENSORS, 4, 2)
    return pts


def _shoelace(poly: np.ndarray) -> np.ndarray:
    x, y = poly[..., 0], poly[..., 1]
    return 0.5 * np.abs(np.sum(x * np.roll(y, -1, axis=-1) - np.roll(x, -1, axis=-1) * y, axis=-1))


@cache
def pedar_layout(size: str) -> SensorLayout:
    """The :class:`SensorLayout` of a pedar insole of ``size`` (same numbers for left and right).

    Positions and polygons in insole mm: x from the heel end of the sensor array towards the toes,
    y from the insole's midline towards the lateral border (medial negative).
    """
    sizes = pedar_sizes()
    if size not in sizes:
        raise KeyError(f"unknown pedar insole size {size!r}; known: {', '.join(sizes)}")
    areas = sizes[size]
    draw = _drawing_polygons()
    scale = float(np.sqrt(areas.sum() / _shoelace(draw).sum()))  # mm per drawing unit for this size
    x_mm = (draw[..., 1] - draw[..., 1].min()) * scale
    mid = 0.5 * (draw[..., 0].min() + draw[..., 0].max())
    y_mm = (draw[..., 0] - mid) * scale
    polys = np.stack([x_mm, y_mm], axis=-1)
    # Vertex mean as the centre: the sensors are near-rectangular quadrilaterals.
    centres = polys.mean(axis=1)
    return SensorLayout(
        centres,
        areas.copy(),
        [p for p in polys],
        name=f"pedar insole size {size} (approximate positions)",
        sensor_ids=tuple(str(i) for i in range(1, N_SENSORS + 1)),
        source="areas: pressuRe pedar_insole_area(); positions: pressuRe pedar_insole_grids() drawing scaled "
        "to the size's total sensor area (approximation); see solemap/recordings/data/README.md",
    )


def _size_from(token: str) -> str | None:
    sizes = pedar_sizes()
    head = token.strip().split("-")[0].strip().lower()
    if head in sizes:
        return head
    if head[:1] in sizes:
        return head[:1]
    return None


def read(path: str | PathLike[str], *, insole_size: str | None = None) -> Recording:
    """Read a novel pedar ``.asc`` export.

    Parameters
    ----------
    insole_size : override the size read from ``sensor type:`` (``u``, ``v``, ``w``, ``x``, ``y``,
        ``z``, ``uw``, ``vw``, ``xw``).
    """
    path = Path(path)
    text, raw_head = read_head(path)
    if not text.strip():
        raise RecordingError(path, None, "the file is empty")
    # Only the first MAX_HEADER_LINES lines can hold the header: split no further.
    first = text.split("\n", MAX_HEADER_LINES)
    lines = split_lines("\n".join(first[:MAX_HEADER_LINES]) + "\n" if len(first) > MAX_HEADER_LINES else text)
    head_idx = None
    for i, line in enumerate(lines[:MAX_HEADER_LINES]):
        if line.lstrip().lower().startswith("time[secs]"):
            head_idx = i
            break
    if head_idx is None:
        raise RecordingError(
            path,
            min(len(lines), MAX_HEADER_LINES),
            f"expected a column header line starting 'time[secs]' within the first {MAX_HEADER_LINES} lines",
        )
    check_header_size(path, lines, head_idx)
    header: dict[str, str] = {}
    where: dict[str, int] = {}
    sides_declared: list[str] = []
    for i, line in enumerate(lines[:head_idx]):
        for field in line.split("\t"):
            key, sep, value = field.partition(":")
            if not sep:
                m = re.match(r"\s*pressure values in\s+(.+)$", field, flags=re.IGNORECASE)
                if m:
                    header["units"], where["units"] = m.group(1).strip(), i + 1
                continue
            k = key.strip().lower()
            header[k] = value.strip()
            where[k] = i + 1
            if k in ("left insole", "right insole"):
                sides_declared.append(k.split()[0])
    # Column header: time + sensor numbers, TAB-separated, trailing TAB.
    fields = lines[head_idx].split("\t")
    while fields and not fields[-1].strip():
        fields.pop()
    n_sensors = len(fields) - 1
    if n_sensors == 2 * N_SENSORS:
        sides = ["left", "right"]
    elif n_sensors == N_SENSORS:
        sides = [sides_declared[0]] if len(sides_declared) == 1 else ["unknown"]
    else:
        raise RecordingError(
            path,
            head_idx + 1,
            f"expected time[secs] and 99 or 198 sensor columns, found {n_sensors} sensor columns",
        )
    ids = [f.strip() for f in fields[1:]]
    expected_ids = [str(k) for k in range(1, N_SENSORS + 1)] * len(sides)
    if ids != expected_ids:
        k = next(j for j, (a, b) in enumerate(zip(ids, expected_ids, strict=True)) if a != b)
        raise RecordingError(
            path,
            head_idx + 1,
            f"expected sensor number {expected_ids[k]} in column {k + 2}, found {ids[k][:20]!r}",
        )
    offset = byte_offset_of_line(raw_head, head_idx + 1)
    times, values = _read_rows(path, raw_head, offset, head_idx + 2, n_sensors)
    if times.size == 0:
        raise RecordingError(path, head_idx + 1, "expected data rows after the column header, found none")
    if np.any(np.isnan(times)):
        k = int(np.flatnonzero(np.isnan(times))[0])
        raise RecordingError(
            path, head_idx + 2 + k, "expected a time in the first field, found an empty field"
        )
    if times.size > 1 and not np.all(np.diff(times) > 0):
        k = int(np.flatnonzero(np.diff(times) <= 0)[0]) + 1
        raise RecordingError(
            path, head_idx + 2 + k, f"expected increasing times, found {times[k - 1]} then {times[k]}"
        )
    rate = _rate(path, header, where, times)
    _check_complete(path, header, where, times, rate, head_idx + 2 + times.size)
    units_text = header.get("units", "kPa")
    try:
        units = normalize_unit(units_text)
    except UnknownUnitError as exc:
        raise RecordingError(path, where.get("units"), str(exc)) from None
    size_token = header.get("sensor type", "")
    size = insole_size or _size_from(size_token)
    if size is None or size not in pedar_sizes():
        raise RecordingError(
            path,
            where.get("sensor type"),
            f"cannot tell the insole size from sensor type "
            f"{size_token!r}; pass insole_size= one of {', '.join(pedar_sizes())}",
        )
    layout = pedar_layout(size)
    pressure = {side: values[:, k * N_SENSORS : (k + 1) * N_SENSORS] for k, side in enumerate(sides)}
    metadata: dict[str, Any] = {
        "path": str(path),
        "header": header,
        "insole_size": size,
        "sensor_type": size_token,
    }
    if "file name" in header:
        metadata["source_file"] = header["file name"].split("\t")[0]
    return from_array_for_file(
        path,
        pressure,
        sample_rate_hz=rate,
        layout=dict.fromkeys(sides, layout),
        units=units,
        format="pedar-asc",
        metadata=metadata,
        times_s=times,
    )


def _read_rows(
    path: Path, raw_head: bytes, offset: int, first_line: int, n_sensors: int
) -> tuple[np.ndarray, np.ndarray]:
    """Times (T,) float64 and values (T, n_sensors) float32 of the data rows, parsed block by block
    (a small file in one pass) so a long recording needs its float32 result plus one block."""
    # Rows end with a TAB like the header: one more (empty) field than the columns.
    nl = raw_head.find(b"\n", offset)
    if nl >= 0:
        first = raw_head[offset:nl]
    else:
        with open(path, "rb") as fh:
            fh.seek(offset)
            first = fh.readline().rstrip(b"\n")
    trailing = first.rstrip(b"\r").endswith(b"\t")
    n_fields = n_sensors + 1 + (1 if trailing else 0)
    times: list[np.ndarray] = []
    values: list[np.ndarray] = []
    for line_no, table in iter_table_blocks(
        path, offset, first_line, n_fields, sep="\t", what="TAB-separated fields", encodings=("latin-1",)
    ):
        if trailing and np.any(~np.isnan(table[:, -1])):
            k = int(np.flatnonzero(~np.isnan(table[:, -1]))[0])
            raise RecordingError(path, line_no + k, f"expected {n_sensors + 1} fields and a trailing TAB")
        times.append(np.ascontiguousarray(table[:, 0]))
        values.append(table[:, 1 : 1 + n_sensors].astype(np.float32))
    if not times:
        return np.zeros(0), np.zeros((0, n_sensors), np.float32)
    if len(times) == 1:
        return times[0], values[0]
    return np.concatenate(times), np.concatenate(values)


def _check_complete(
    path: Path, header: dict[str, str], where: dict[str, int], times: np.ndarray, rate: float, end_line: int
) -> None:
    """The header's ``total time [secs]`` is the last row's time: fewer rows mean a truncated file."""
    text = header.get("total time [secs]")
    if not text:
        return
    try:
        total = float(text.split()[0])
    except (ValueError, IndexError):
        raise RecordingError(
            path,
            where["total time [secs]"],
            f"expected a number after 'total time [secs]:', found {text[:30]!r}",
        ) from None
    if times[-1] < total - 0.5 / rate:
        raise RecordingError(
            path,
            end_line,
            f"expected rows up to the total time {total} s of the header, the last "
            f"is at {times[-1]} s (truncated file?)",
        )


def _rate(path: Path, header: dict[str, str], where: dict[str, int], times: np.ndarray) -> float:
    """Sample rate: ``scanning rate [Hz]``, else 1 / ``time per frame``, else from the time column."""
    for key, invert in (("scanning rate [hz]", False), ("time per frame [secs]", True)):
        if key in header:
            try:
                value = float(header[key].split()[0])
            except (ValueError, IndexError):
                raise RecordingError(
                    path, where[key], f"expected a number after '{key}:', found {header[key][:30]!r}"
                ) from None
            if value > 0 and np.isfinite(value):
                return 1.0 / value if invert else value
            raise RecordingError(path, where[key], f"expected a positive number after '{key}:'")
    if times.size > 1:
        return float(1.0 / np.median(np.diff(times)))
    raise RecordingError(path, None, "expected 'scanning rate [Hz]:' in the header (one row gives no period)")
