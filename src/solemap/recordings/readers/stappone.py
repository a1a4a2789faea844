"""stappone insole CSV: 12 raw pressure channels per sole, with IMU columns.

Layout (``../shared/domain/pressure-formats.md``, "stappone"; sample: Telfer/pressuRe
``inst/extdata/stappone_example.csv`` @ f847da5): comma-separated with a header
``sole_id,timestamp,accel_*,gyro_*,magn_*,pressure_01..pressure_12,corrupt``; ``sole_id`` 1 or 2,
``timestamp`` in ms since the epoch (16 ms steps = 62.5 Hz in the sample), ``corrupt`` a flag.

The pressure channels are raw counts (a baseline of about 70 when unloaded) and neither the unit
nor the sensor positions and areas are published, so the recording is ``calibrated = False``
unless ``calibration=`` (kPa per count) is given, and the layout is unknown (NaN). Rows flagged
``corrupt`` become NaN. Which sole id is which foot is not documented: one sole gives side
``unknown``; two soles are mapped by ``sole_sides`` (default 1 → left, 2 → right, an assumption
recorded in ``metadata``).
"""

from __future__ import annotations

from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np

from solemap.recordings.core import Recording, RecordingError, SensorLayout, from_array_for_file
from solemap.recordings.readers._text import parse_table, read_text, split_lines

N_SENSORS = 12
_PRESSURE = [f"pressure_{i:02d}" for i in range(1, N_SENSORS + 1)]


def read(
    path: str | PathLike[str], *, calibration: float | None = None, sole_sides: dict[int, str] | None = None
) -> Recording:
    """Read a stappone ``.csv`` export (raw counts; ``calibration`` in kPa per count)."""
    path = Path(path)
    lines = split_lines(read_text(path))
    if not lines:
        raise RecordingError(path, None, "the file is empty")
    columns = [c.strip() for c in lines[0].split(",")]
    needed = ["sole_id", "timestamp", *_PRESSURE]
    missing = [c for c in needed if c not in columns]
    if missing:
        raise RecordingError(
            path,
            1,
            f"expected stappone columns {', '.join(missing[:4])}"
            f"{'...' if len(missing) > 4 else ''} in the header",
        )
    rows = [r for r in lines[1:]]
    while rows and not rows[-1].strip():
        rows.pop()
    if not rows:
        raise RecordingError(path, 2, "expected data rows after the header, found none")
    table = parse_table(path, rows, len(columns), 2, sep=",", what="comma-separated fields")
    col = {c: k for k, c in enumerate(columns)}
    sole = table[:, col["sole_id"]]
    stamp = table[:, col["timestamp"]]
    if np.any(np.isnan(sole)) or np.any(np.isnan(stamp)):
        k = int(np.flatnonzero(np.isnan(sole) | np.isnan(stamp))[0])
        raise RecordingError(path, 2 + k, "expected a sole_id and a timestamp in every row")
    pressure_all = table[:, [col[c] for c in _PRESSURE]]
    if "corrupt" in col:
        bad = table[:, col["corrupt"]] > 0
        pressure_all[bad] = np.nan
    soles = sorted({int(s) for s in np.unique(sole)})
    mapping = dict(sole_sides or {1: "left", 2: "right"})
    if len(soles) == 1:
        sides = {soles[0]: "unknown"}
    else:
        if len(soles) > 2 or any(s not in mapping for s in soles):
            raise RecordingError(path, None, f"expected sole ids 1 and 2, found {soles}; pass sole_sides=")
        sides = {s: mapping[s] for s in soles}
    # One time axis: the union of both soles' timestamps; a sole without a sample there is NaN.
    t_all = np.unique(stamp)
    pressure: dict[str, np.ndarray] = {}
    for s, side in sides.items():
        rows_s = np.flatnonzero(sole == s)
        ts = stamp[rows_s]
        if np.unique(ts).size != ts.size:
            k = rows_s[int(np.flatnonzero(np.diff(np.sort(ts)) == 0)[0])]
            raise RecordingError(path, 2 + int(k), f"expected one row per timestamp for sole {s}")
        out = np.full((t_all.size, N_SENSORS), np.nan)
        out[np.searchsorted(t_all, ts)] = pressure_all[rows_s]
        pressure[side] = out
    times = (t_all - t_all[0]) / 1000.0
    if times.size < 2:
        raise RecordingError(path, None, "expected at least two timestamps to find the sample rate")
    rate = float(1000.0 / np.median(np.diff(t_all)))
    metadata: dict[str, Any] = {
        "path": str(path),
        "start_timestamp_ms": float(t_all[0]),
        "sole_sides": {str(k): v for k, v in sides.items()},
        "corrupt_rows": int(np.count_nonzero(table[:, col["corrupt"]] > 0)) if "corrupt" in col else 0,
    }
    if len(sides) == 2:
        metadata["sole_sides_note"] = "sole id to foot mapping assumed (not documented by the vendor)"
    layout = SensorLayout.unknown(
        N_SENSORS,
        sensor_ids=[f"{i:02d}" for i in range(1, N_SENSORS + 1)],
        name="stappone insole (sensor positions and areas not published)",
    )
    return from_array_for_file(
        path,
        pressure,
        sample_rate_hz=rate,
        layout=dict.fromkeys(pressure, layout),
        units="raw",
        calibration=1.0 if calibration is None else float(calibration),
        format="stappone-csv",
        metadata=metadata,
        times_s=times,
    )
