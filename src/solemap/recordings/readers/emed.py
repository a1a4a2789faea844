"""novel emed plate listing (``.lst``): one page per picture (frame), pages split by form feeds.

Layout (``../shared/domain/pressure-formats.md``, "novel emed"; sample: Telfer/pressuRe
``inst/extdata/emed_test.lst`` @ f847da5): Latin-1 text; each page has ``Page N``, ``File: ...
Matrix: 64x95`` (columns × rows of the plate), ``Sensor area: 0.25 cm²``, ``Time/picture:10.0 ms``,
``Sensor size: 0.500x0.500 cm``, ``Pict-No.: N ...``, then a TAB table: a header of plate column
indices + ``Force``, rows of (plate row index, values in kPa, row force) and a last ``Force`` row.
Only a window of the plate is printed; summary pages (``MVP``/``MPP`` instead of ``Pict-No.``) end
the pictures.

The recording is the union of the printed windows, as a grid (rows and columns in plate order);
cells of that window that a page does not print read 0 kPa (the export omits unloaded sensors).
``metadata["window_origin"]`` is the plate (row, col) of cell (0, 0) and ``metadata["plate_shape"]``
the full plate (rows, cols).
"""

from __future__ import annotations

import re
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np

from solemap.recordings.core import Recording, RecordingError, from_array_for_file
from solemap.recordings.readers._text import check_header_size, parse_table, read_text, split_lines

_MATRIX = re.compile(r"Matrix:\s*(\d+)\s*x\s*(\d+)")
_TIME = re.compile(r"Time/picture:\s*([0-9.]+)\s*(ms|s)")
_SIZE = re.compile(r"Sensor size:\s*([0-9.]+)\s*x\s*([0-9.]+)\s*(cm|mm)")
_PICT = re.compile(r"Pict-No\.:\s*(\d+)")


def read(path: str | PathLike[str]) -> Recording:
    """Read a novel emed ``.lst`` listing into a grid :class:`Recording` (side unknown)."""
    path = Path(path)
    text = read_text(path, encodings=("latin-1",))
    lines = split_lines(text)
    # Page boundaries: lines holding a form feed.
    pages: list[tuple[int, int]] = []
    start = 0
    for i, line in enumerate(lines):
        if "\f" in line:
            pages.append((start, i))
            start = i + 1
    pages.append((start, len(lines)))
    frames: list[tuple[int, np.ndarray, np.ndarray, np.ndarray]] = []
    info: dict[str, Any] = {}
    summaries: list[str] = []
    for a, b in pages:
        page = lines[a:b]
        if not any(x.strip() for x in page):
            continue
        head_text = "\n".join(page[:14])
        m_pict = _PICT.search(head_text)
        if not m_pict:
            if re.search(r"\b(MVP|MPP)\b", head_text):
                summaries.append(re.search(r"\b(MVP|MPP)\b", head_text).group(1))  # type: ignore[union-attr]
                break  # summary pages follow the pictures: stop there
            raise RecordingError(
                path, a + 1, "expected a page with 'Pict-No.: N' (or an MVP/MPP summary page)"
            )
        _page_info(path, a, page, info)
        frames.append(_page_table(path, a, page, int(m_pict.group(1))))
    if not frames:
        raise RecordingError(path, None, "expected at least one page with 'Pict-No.:' and a table of values")
    n_cols, n_rows = info["matrix"]
    rows_all = np.unique(np.concatenate([f[1] for f in frames]))
    cols_all = np.unique(np.concatenate([f[2] for f in frames]))
    if rows_all.min() < 0 or rows_all.max() >= n_rows or cols_all.min() < 0 or cols_all.max() >= n_cols:
        raise RecordingError(path, None, f"expected row/column indices inside the {n_cols}x{n_rows} matrix")
    r0, c0 = int(rows_all.min()), int(cols_all.min())
    shape = (int(rows_all.max()) - r0 + 1, int(cols_all.max()) - c0 + 1)
    numbers = np.array([f[0] for f in frames])
    if numbers.size > 1 and not np.all(np.diff(numbers) > 0):
        k = int(np.flatnonzero(np.diff(numbers) <= 0)[0])
        raise RecordingError(
            path, None, f"expected increasing picture numbers, found {numbers[k]} then {numbers[k + 1]}"
        )
    out = np.zeros((len(frames), *shape), dtype=np.float32)
    for k, (_, rows, cols, values) in enumerate(frames):
        out[k][np.ix_(rows - r0, cols - c0)] = values
    dt = info["period_s"]
    metadata = {
        "path": str(path),
        "header": info["header"],
        "plate_shape": [n_rows, n_cols],
        "window_origin": [r0, c0],
        "sensor_area_mm2": info.get("sensor_area_mm2"),
        "summary_pages": summaries,
    }
    return from_array_for_file(
        path,
        out,
        sample_rate_hz=1.0 / dt,
        pitch_mm=info["pitch_mm"],
        units="kPa",
        format="emed-lst",
        metadata=metadata,
        times_s=(numbers - numbers[0]) * dt,
    )


def _page_info(path: Path, a: int, page: list[str], info: dict[str, Any]) -> None:
    """Check/collect the page header (matrix, period, sensor size); all pages must agree."""
    head = "\n".join(page[:14])
    found: dict[str, Any] = {}
    m = _MATRIX.search(head)
    if m:
        found["matrix"] = (int(m.group(1)), int(m.group(2)))
    m = _TIME.search(head)
    if m:
        value = float(m.group(1)) * (1e-3 if m.group(2) == "ms" else 1.0)
        found["period_s"] = value
    m = _SIZE.search(head)
    if m:
        scale = 10.0 if m.group(3) == "cm" else 1.0
        # "Sensor size: W x H": the first number across the plate (columns), the second along it (rows).
        found["pitch_mm"] = (float(m.group(2)) * scale, float(m.group(1)) * scale)
    m = re.search(r"Sensor area:\s*([0-9.]+)\s*(cm|mm)", head)
    if m:
        found["sensor_area_mm2"] = float(m.group(1)) * (100.0 if m.group(2) == "cm" else 1.0)
    if "matrix" not in info:
        for key, what in (
            ("matrix", "'Matrix: CxR'"),
            ("period_s", "'Time/picture: N ms'"),
            ("pitch_mm", "'Sensor size: WxH cm'"),
        ):
            if key not in found:
                raise RecordingError(path, a + 1, f"expected {what} in the page header")
        if found["period_s"] <= 0 or min(found["pitch_mm"]) <= 0:
            raise RecordingError(path, a + 1, "expected a positive picture time and sensor size")
        info.update(found)
        info["header"] = {k: (list(v) if isinstance(v, tuple) else v) for k, v in found.items()}
        return
    for key, value in found.items():
        if info.get(key) != value:
            raise RecordingError(
                path, a + 1, f"page header {key} = {value} differs from the first page's {info.get(key)}"
            )


def _parse_body(path: Path, rows: list[str], n_cols: int, first_line: int) -> np.ndarray:
    return parse_table(
        path, rows, n_cols, first_line, sep="\t", what="TAB-separated fields (row, values, force)"
    )


def _page_table(path: Path, a: int, page: list[str], number: int):
    """(picture number, plate rows (n,), plate cols (m,), values (n, m) kPa) of one page."""
    head_idx = None
    for i, line in enumerate(page):
        cells = line.split("\t")
        if len(cells) > 2 and cells[-1].strip() == "Force" and all(c.strip().isdigit() for c in cells[1:-1]):
            head_idx = i
            break
    if head_idx is None:
        raise RecordingError(path, a + 1, "expected a table header of column numbers ending in 'Force'")
    check_header_size(path, page, head_idx)
    cols = np.array([int(c) for c in page[head_idx].split("\t")[1:-1]])
    body = []
    force_line = None
    for j, line in enumerate(page[head_idx + 1 :]):
        if not line.strip():
            continue
        if line.startswith("Force"):
            force_line = head_idx + 1 + j
            break
        body.append((head_idx + 1 + j, line.rstrip("\t")))
    if force_line is None:
        raise RecordingError(path, a + head_idx + 1, "expected the table to end with a 'Force' row")
    if not body:
        raise RecordingError(path, a + head_idx + 2, "expected rows of values after the table header")
    first = body[0][0]
    if [k for k, _ in body] != list(range(first, first + len(body))):
        k = next(k for i, (k, _) in enumerate(body) if k != first + i)
        raise RecordingError(path, a + k, "expected the table rows on consecutive lines")
    table = _parse_body(path, [line for _, line in body], cols.size + 2, a + first + 1)
    if np.any(np.isnan(table[:, 0])) or np.any(table[:, 0] != np.round(table[:, 0])):
        raise RecordingError(path, a + first + 1, "expected an integer row number in the first field")
    values = table[:, 1:-1]
    values = np.where(np.isnan(values), 0.0, values)  # emed prints empty cells for unloaded sensors
    # Plate indices are 1-based in the listing.
    return number, table[:, 0].astype(int) - 1, cols - 1, values
