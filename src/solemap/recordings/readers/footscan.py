"""RSscan footscan Excel export (``.xls``): force per sensor in N, one or two feet.

Layout (``../shared/domain/pressure-formats.md``, "RSscan footscan"; sample: Telfer/pressuRe
``inst/extdata/footscan_test.xls`` @ f847da5): one sheet; column A holds text lines (title,
``Scanning speed; for the left foot: X Hertz, for the right foot: Y Hertz``, ``Right foot data``,
``Right rectangle position`` with bottom/left/width/height), then per frame a label
``Frame k (t ms)``, *height* rows × *width* columns of values, one empty row.

Values are force per sensor in N (0.1 N steps); kPa = N / sensor area. The sensor is 5.08 mm
across the plate × 7.62 mm along it (pressure-formats.md; pressuRe ``load_footscan`` uses the same
0.00508 × 0.00762 m), so the pitch is (7.62, 5.08) mm for (rows, columns). Rows are kept in the
file's order (pressuRe reverses them).
"""

from __future__ import annotations

import re
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np

from solemap.recordings.core import Recording, RecordingError, from_array_for_file

#: Sensor pitch (row, col) in mm: 7.62 mm along the plate, 5.08 mm across (see the module docstring).
PITCH_MM = (7.62, 5.08)
_FRAME = re.compile(r"^\s*Frame\s+(\d+)\s*\(\s*([0-9.]+)\s*ms\s*\)")
_SPEED = re.compile(r"left foot:\s*([0-9.]+)\s*Hertz.*right foot:\s*([0-9.]+)\s*Hertz", re.IGNORECASE)


def read(path: str | PathLike[str]) -> Recording:
    """Read a footscan ``.xls`` export into a grid :class:`Recording` (kPa)."""
    path = Path(path)
    try:
        import xlrd

        book = xlrd.open_workbook(str(path), on_demand=True)
    except Exception as exc:  # xlrd raises XLRDError, CompDocError, struct.error, ... on damaged files
        raise RecordingError(
            path, None, f"expected an Excel 97 (.xls) workbook: {type(exc).__name__}: {exc}"
        ) from None
    try:
        if book.nsheets < 1:
            raise RecordingError(path, None, "expected a worksheet in the workbook")
        sheet = book.sheet_by_index(0)
        col_a = [_text(sheet.cell_value(r, 0)) for r in range(sheet.nrows)]
        return _parse(path, sheet, col_a)
    except RecordingError:
        raise
    except Exception as exc:  # damaged workbooks can fail inside xlrd while cells are read
        raise RecordingError(path, None, f"unreadable worksheet: {type(exc).__name__}: {exc}") from None
    finally:
        book.release_resources()


def _text(v: Any) -> str:
    return v if isinstance(v, str) else ""


def _parse(path: Path, sheet, col_a: list[str]) -> Recording:
    speeds: dict[str, float] = {}
    for line in col_a[:20]:
        m = _SPEED.search(line)
        if m:
            speeds = {"left": float(m.group(1)), "right": float(m.group(2))}
            break
    # Sections: "<Side> foot data" then its rectangle and frames.
    sections = [
        (i, line.split()[0].lower())
        for i, line in enumerate(col_a)
        if re.match(r"^\s*(Left|Right) foot data\s*$", line, flags=re.IGNORECASE)
    ]
    if not sections:
        raise RecordingError(path, None, "expected a 'Left foot data' or 'Right foot data' line in column A")
    pressure: dict[str, np.ndarray] = {}
    times: dict[str, np.ndarray] = {}
    meta: dict[str, Any] = {
        "path": str(path),
        "title": col_a[0] if col_a else "",
        "scanning_speed_hz": speeds,
    }
    bounds = [s for s, _ in sections] + [len(col_a)]
    for k, (start, side) in enumerate(sections):
        end = bounds[k + 1]
        rect = _rectangle(path, sheet, col_a, start, end)
        meta[f"{side}_rectangle"] = rect
        height, width = rect["height"], rect["width"]
        frame_rows = [(r, _FRAME.match(col_a[r])) for r in range(start, end) if _FRAME.match(col_a[r])]
        if not frame_rows:
            raise RecordingError(path, start + 1, f"expected 'Frame k (t ms)' lines after '{side} foot data'")
        if width > sheet.ncols:
            raise RecordingError(
                path, start + 1, f"expected {width} columns of values, the sheet has {sheet.ncols}"
            )
        data = np.empty((len(frame_rows), height, width), dtype=np.float64)
        t_ms = np.empty(len(frame_rows))
        for f, (r, m) in enumerate(frame_rows):
            if r + height >= sheet.nrows + 1:
                raise RecordingError(
                    path,
                    r + 1,
                    f"expected {height} rows of values after this frame label, found "
                    f"{sheet.nrows - r - 1} (truncated sheet?)",
                )
            t_ms[f] = float(m.group(2))
            for i in range(height):
                row = sheet.row_values(r + 1 + i, 0, width)
                try:
                    data[f, i] = [np.nan if v == "" else float(v) for v in row]
                except (TypeError, ValueError):
                    bad = next(v for v in row if not isinstance(v, float | int) and v != "")
                    raise RecordingError(
                        path, r + 2 + i, f"expected {width} numbers (N per sensor), found {str(bad)[:30]!r}"
                    ) from None
        if t_ms.size > 1 and not np.all(np.diff(t_ms) > 0):
            raise RecordingError(path, None, f"expected increasing frame times for the {side} foot")
        pressure[side] = data
        times[side] = t_ms / 1000.0
    rates = {}
    for side, t in times.items():
        rate = speeds.get(side, 0.0)
        if not rate > 0:
            if t.size < 2:
                raise RecordingError(path, None, f"cannot tell the {side} foot's sample rate")
            rate = float(1.0 / np.median(np.diff(t)))
        rates[side] = rate
    if len(set(rates.values())) > 1 or len({t.size for t in times.values()}) > 1:
        raise RecordingError(
            path,
            None,
            "the feet have different sample rates or frame counts; solemap needs one "
            "time axis: export one foot per file",
        )
    side_list = list(pressure)
    return from_array_for_file(
        path,
        pressure,
        sample_rate_hz=rates[side_list[0]],
        pitch_mm=PITCH_MM,
        units="N",
        format="footscan-xls",
        metadata=meta,
        times_s=times[side_list[0]],
    )


def _rectangle(path: Path, sheet, col_a: list[str], start: int, end: int) -> dict[str, int]:
    """bottom/left/width/height: each label in column A with its number on the next row."""
    out: dict[str, int] = {}
    for r in range(start, min(end, start + 30) - 1):
        m = re.match(r"^\s*Rectangle (bottom|left|width|height)\s*$", col_a[r], flags=re.IGNORECASE)
        if m:
            value = sheet.cell_value(r + 1, 0)
            if not isinstance(value, float) or value != int(value) or value < 0:
                raise RecordingError(
                    path, r + 2, f"expected a whole number after 'Rectangle {m.group(1)}', found {value!r}"
                )
            out[m.group(1).lower()] = int(value)
    for key in ("width", "height"):
        if key not in out or out[key] <= 0:
            raise RecordingError(
                path, start + 1, f"expected 'Rectangle {key}' and a positive number below it"
            )
    return out
