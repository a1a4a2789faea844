"""Moticon OpenGo text export (``.txt``): 16 pressure sensors per insole, left and right.

Layout (``../shared/domain/pressure-formats.md``, "Moticon OpenGo"; samples: moticon-rego/moticon-opengo
``tests/testdata`` @ 086e045, whose reader ``txt_export.py`` was read for behaviour): UTF-8 ``# Key:
value`` header lines (``Start time``, ``Duration``, ``Sensor insoles``, ``Size``, ...); the last ``#``
line is ``# time<TAB>channel[unit]...``; TAB-separated rows, one per 0.01 s. When an insole sent no
sample all of its fields are empty: those samples stay NaN here (moticon-opengo would trim or
duplicate them). Pressure is N/cm² (× 10 → kPa).

Besides pressure, ``metadata["channels"]`` keeps the vendor's per-side ``total_force_n``,
``cop_x``/``cop_y`` (normalised, as exported) and ``steps`` codes (left 11/15, right 21/25 = heel
strike/toe off) as (T,) arrays, and ``metadata["events"]`` the event columns as a list of
``{"time_s", "side", "label", "value"}``.

Sensor geometry: ``data/moticon_opengo_sensors.csv`` (positions and areas derived from the vendor's
own force and CoP columns, see that file); mm from an *estimated* insole length per size
(:func:`insole_length_mm`).
"""

from __future__ import annotations

import csv
import math
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
    iter_line_blocks,
    read_head,
    split_lines,
)
from solemap.recordings.units import UnknownUnitError, normalize_unit

N_SENSORS = 16
_ENCODINGS = ("utf-8-sig", "cp1252", "latin-1")
_CHANNEL = re.compile(r"^(?P<name>.*?)\s*\[(?P<unit>[^\]]*)\]\s*$")
_PRESSURE = re.compile(r"^(left|right) pressure (\d+)$")
#: ANSUR II mean ball breadth / foot length (101.9 / 271.2 men, 92.7 / 246.3 women; see solemap.frame).
WIDTH_PER_LENGTH = 0.376


def insole_length_mm(size: int) -> float:
    """Estimated insole length of an OpenGo size (mm).

    Assumes size n covers EU shoe sizes 2n + 32 and 2n + 33 (Paris point 2/3 cm), which matches the
    area ratio of the two fitted sizes (√1.43 = 1.196 vs 1.208 predicted). An estimate: Moticon does
    not publish insole dimensions in the export.
    """
    return (2 * size + 32.5) * 20.0 / 3.0


@cache
def _sensor_table() -> tuple[np.ndarray, np.ndarray, dict[int, np.ndarray]]:
    text = (
        resources.files("solemap.recordings.data").joinpath("moticon_opengo_sensors.csv").read_text("utf-8")
    )
    rows = list(csv.reader(line for line in text.splitlines() if line and not line.startswith("#")))
    table = np.array([[float(v) for v in r] for r in rows[1:]])
    sizes = {int(name.rsplit("size", 1)[1]): table[:, k] for k, name in enumerate(rows[0]) if "size" in name}
    return table[:, 1], table[:, 2], sizes


@cache
def moticon_layout(size: int) -> SensorLayout:
    """:class:`SensorLayout` of an OpenGo insole (insole mm: x from the heel end, y medial → lateral from
    the midline); areas fitted for sizes 3 and 7, scaled by length² for other sizes."""
    x_norm, y_norm, areas = _sensor_table()
    length = insole_length_mm(size)
    if size in areas:
        area_mm2 = areas[size] * 100.0
    else:
        area_mm2 = areas[7] * 100.0 * (length / insole_length_mm(7)) ** 2
    pos = np.column_stack([(x_norm + 0.5) * length, y_norm * WIDTH_PER_LENGTH * length])
    fitted = "fitted" if size in areas else "scaled from size 7"
    return SensorLayout(
        pos,
        area_mm2,
        None,
        name=f"Moticon OpenGo insole size {size} (derived positions, areas {fitted})",
        sensor_ids=tuple(str(i) for i in range(1, N_SENSORS + 1)),
        source="derived from the vendor's total force and CoP columns; see solemap/recordings/data/README.md",
    )


def read(path: str | PathLike[str], *, insole_size: int | None = None) -> Recording:
    """Read a Moticon OpenGo ``.txt`` export (``insole_size`` overrides the ``# Size:`` header)."""
    path = Path(path)
    text, raw_head = read_head(path, encodings=_ENCODINGS)
    lines = split_lines(text)
    header: dict[str, str] = {}
    columns: list[str] | None = None
    col_line = 0
    i = 0
    while i < len(lines) and lines[i].startswith("#"):
        body = lines[i][1:].strip()
        if lines[i].startswith("# time\t") or body == "time":
            columns = lines[i][2:].split("\t")
            col_line = i + 1
        else:
            key, sep, value = body.partition(":")
            if sep:
                header[key.strip()] = value.strip()
        i += 1
    if columns is None:
        raise RecordingError(
            path, i or 1, "expected a header line '# time<TAB>channel[unit]...' before the data"
        )
    check_header_size(path, lines, i)
    first_data = i + 1
    names: list[str] = []
    units: list[str] = []
    for col in columns:
        m = _CHANNEL.match(col)
        names.append((m.group("name") if m else col).strip())
        units.append(m.group("unit") if m else "")
    pressure_cols: dict[str, list[int]] = {"left": [0] * N_SENSORS, "right": [0] * N_SENSORS}
    found: dict[str, set[int]] = {"left": set(), "right": set()}
    p_unit = None
    for k, name in enumerate(names):
        m = _PRESSURE.match(name)
        if m:
            side, num = m.group(1), int(m.group(2))
            if not 1 <= num <= N_SENSORS:
                raise RecordingError(path, col_line, f"expected pressure sensors 1..16, found {name!r}")
            pressure_cols[side][num - 1] = k
            found[side].add(num)
            p_unit = units[k] or "N/cm2"
    sides = [s for s in ("left", "right") if found[s]]
    if not sides:
        raise RecordingError(
            path, col_line, "expected 'left pressure 1..16' or 'right pressure 1..16' columns"
        )
    for s in sides:
        if len(found[s]) != N_SENSORS:
            missing = sorted(set(range(1, N_SENSORS + 1)) - found[s])
            raise RecordingError(path, col_line, f"expected all 16 {s} pressure columns, missing {missing}")
    assert p_unit is not None
    try:
        p_unit = normalize_unit(p_unit.replace("²", "2"))
    except UnknownUnitError as exc:
        raise RecordingError(path, col_line, str(exc)) from None
    text_cols = {k for k, n in enumerate(names) if n.lower().endswith("label")}
    n_cols = len(columns)
    numeric = [k for k in range(n_cols) if k not in text_cols]
    wanted = {
        "pressure": {s: pressure_cols[s] for s in sides},
        "channels": _channel_columns(names, sides),
    }
    # Rows are parsed block by block; only time, pressure, channels and events are kept.
    times_parts: list[np.ndarray] = []
    p_parts: dict[str, list[np.ndarray]] = {s: [] for s in sides}
    ch_parts: dict[str, list[np.ndarray]] = {k: [] for k in wanted["channels"]}
    events: list[dict[str, Any]] = []
    n_rows = 0
    for line_no, rows in iter_line_blocks(path, byte_offset_of_line(raw_head, i), first_data, _ENCODINGS):
        labels: dict[int, list[str]] = {k: [""] * len(rows) for k in text_cols}
        block = _parse_rows(path, rows, n_cols, numeric, labels, line_no)
        times_parts.append(block[:, 0])
        for s in sides:
            p_parts[s].append(block[:, pressure_cols[s]].astype(np.float32))
        for key, col in wanted["channels"].items():
            ch_parts[key].append(block[:, col])
        events += _events(names, block, labels)
        n_rows += len(rows)
    if not n_rows:
        raise RecordingError(path, col_line, "expected data rows after the '# time' line, found none")
    rows = range(n_rows)
    times = np.concatenate(times_parts)
    if np.any(np.isnan(times)):
        k = int(np.flatnonzero(np.isnan(times))[0])
        raise RecordingError(path, first_data + k, "expected a time in the first field, found an empty field")
    if times.size > 1 and not np.all(np.diff(times) > 0):
        k = int(np.flatnonzero(np.diff(times) <= 0)[0]) + 1
        raise RecordingError(
            path, first_data + k, f"expected increasing times, found {times[k - 1]} then {times[k]}"
        )
    if times.size > 1:
        # Times are printed with 2 decimals; a skipped sample must not change the rate.
        rate = float(1.0 / np.median(np.diff(times)))
        rate = round(rate, 6)
    else:
        rate = 100.0  # the OpenGo export rate of both samples (pressure-formats.md)
    _check_complete(path, header, times, rate, first_data + len(rows) - 1)
    size = insole_size
    if size is None:
        m = re.match(r"\s*(\d+)", header.get("Size", ""))
        if not m:
            raise RecordingError(
                path,
                None,
                f"cannot tell the insole size from '# Size: {header.get('Size', '')}'; pass insole_size=",
            )
        size = int(m.group(1))
    if not 1 <= size <= 12:
        raise RecordingError(path, None, f"expected an insole size between 1 and 12, found {size}")
    layout = moticon_layout(size)
    pressure = {s: np.concatenate(p_parts[s]) for s in sides}
    metadata: dict[str, Any] = {
        "path": str(path),
        "header": header,
        "insole_size": size,
        "channels": {key: np.concatenate(parts) for key, parts in ch_parts.items()},
        "events": sorted(events, key=lambda e: (e["time_s"], e["side"])),
    }
    for s in sides:
        metadata[f"{s}_samples"] = int(np.count_nonzero(~np.all(np.isnan(pressure[s]), axis=1)))
    return from_array_for_file(
        path,
        pressure,
        sample_rate_hz=rate,
        layout=dict.fromkeys(sides, layout),
        units=p_unit,
        format="moticon-txt",
        metadata=metadata,
        times_s=times,
    )


def _check_complete(
    path: Path, header: dict[str, str], times: np.ndarray, rate: float, last_line: int
) -> None:
    """``# Duration: mm:ss.fff`` ends at the last row (±1 sample in both samples): fewer rows mean a
    truncated file."""
    m = re.match(r"\s*(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)\s*$", header.get("Duration", ""))
    if not m:
        return
    duration = int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + float(m.group(3))
    if times[-1] < duration - 2.0 / rate:
        raise RecordingError(
            path,
            last_line,
            f"expected rows up to the duration {duration:.3f} s of the header, "
            f"the last is at {times[-1]} s (truncated file?)",
        )


def _parse_rows(
    path: Path,
    rows: list[str],
    n_cols: int,
    numeric: list[int],
    labels: dict[int, list[str]],
    first_line: int,
) -> np.ndarray:
    """(N, n_cols) float64; empty fields NaN; label columns collected as text into ``labels``."""
    if not labels:
        from solemap.recordings.readers._text import parse_table

        return parse_table(
            path, rows, n_cols, first_line, sep="\t", what="TAB-separated fields", missing=("",)
        )
    fast = _parse_rows_pandas(rows, n_cols, labels)
    if fast is not None:
        return fast
    # Slow path, only to name the first bad line.
    out = np.full((len(rows), n_cols), np.nan)
    for k, row in enumerate(rows):
        cells = row.split("\t")
        if len(cells) != n_cols:
            raise RecordingError(
                path, first_line + k, f"expected {n_cols} TAB-separated fields, found {len(cells)}"
            )
        for j in numeric:
            c = cells[j]
            if c:
                try:
                    out[k, j] = float(c)
                except ValueError:
                    raise RecordingError(
                        path, first_line + k, f"expected a number in field {j + 1}, found {c[:30]!r}"
                    ) from None
        for j, store in labels.items():
            store[k] = cells[j]
    return out


def _parse_rows_pandas(rows: list[str], n_cols: int, labels: dict[int, list[str]]) -> np.ndarray | None:
    """One C-level parse with the label columns as text; None if anything is off."""
    import io

    import pandas as pd

    counts = np.fromiter((r.count("\t") for r in rows), dtype=np.int64, count=len(rows))
    if np.any(counts != n_cols - 1):
        return None
    dtypes = {k: (str if k in labels else np.float64) for k in range(n_cols)}
    try:
        df = pd.read_csv(
            io.StringIO("\n".join(rows)),
            sep="\t",
            header=None,
            names=range(n_cols),
            dtype=dtypes,
            na_values={k: [""] for k in range(n_cols) if k not in labels},
            keep_default_na=False,
            skip_blank_lines=False,
            engine="c",
            quoting=3,
        )
    except Exception:  # any pandas failure: the slow path names the bad line
        return None
    if len(df) != len(rows):
        return None
    out = np.full((len(rows), n_cols), np.nan)
    numeric = [k for k in range(n_cols) if k not in labels]
    out[:, numeric] = df[numeric].to_numpy(dtype=np.float64)
    for k, store in labels.items():
        store[:] = df[k].fillna("").astype(str).tolist()
    return out


def _channel_columns(names: list[str], sides: list[str]) -> dict[str, int]:
    """``"<side>_<channel>"`` -> column index of the vendor channels kept in the metadata."""
    wanted = {
        "total force": "total_force_n",
        "center of pressure X": "cop_x",
        "center of pressure Y": "cop_y",
        "steps": "steps",
    }
    out: dict[str, int] = {}
    for k, name in enumerate(names):
        for s in sides:
            for label, key in wanted.items():
                if name == f"{s} {label}":
                    out[f"{s}_{key}"] = k
    return out


def _events(names: list[str], values: np.ndarray, labels: dict[int, list[str]]) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for k, name in enumerate(names):
        m = re.match(r"^(left|right) events$", name, flags=re.IGNORECASE)
        if not m:
            continue
        label_col = next(
            (j for j in labels if names[j].lower() == f"{m.group(1).lower()} events label"), None
        )
        for row in np.flatnonzero(~np.isnan(values[:, k])):
            label = labels[label_col][row] if label_col is not None else ""
            value = float(values[row, k])
            events.append(
                {
                    "time_s": float(values[row, 0]),
                    "side": m.group(1).lower(),
                    "label": label,
                    "value": value if math.isfinite(value) else None,
                }
            )
    return events
