"""XSENSOR CSV export: per frame one grid per insole (``-LF`` left, ``-RF`` right).

Layout (``../shared/domain/pressure-formats.md``, "XSENSOR"; sample: Telfer/pressuRe
``inst/extdata/xsensor_data.csv`` @ f847da5): UTF-8 with BOM; every content line is followed by an
all-comma line; rows are padded with commas; ``File:`` holds a quoted path with commas (so a CSV
parser is used). Header ``Units:,mmHg``; per frame ``FRAME,<n>``, ``Date``, ``Time, hh:mm:ss.fff``,
then per insole ``SENSOR,<name>``, ``Rows``, ``Columns``, ``Sensel Width (cm)``, ``Sensel Height
(cm)``, vendor statistics, ``SENSELS`` and Rows lines of Columns values. ``GROUP`` blocks
(vendor regions with flat value lists) are not frames and are skipped. The frame period comes
from the ``Time`` stamps (≈ 13.3 ms in the sample).

The file is read as a stream of CSV records (one frame's values at a time are held besides the
float32 result), so long exports do not need several times their size in memory.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np

from solemap.recordings.core import Recording, RecordingError, from_array_for_file
from solemap.recordings.readers._text import read_head
from solemap.recordings.units import UnknownUnitError, normalize_unit

_TIME = re.compile(r"^\s*(\d+):(\d+):(\d+(?:\.\d+)?)\s*$")
_ENCODINGS = ("utf-8-sig", "cp1252", "latin-1")
_BLOCKS = ("FRAME", "SENSOR", "GROUP")


def _side_of(name: str) -> str:
    upper = name.upper()
    if re.search(r"-LF\b", upper) or "LEFT" in upper:
        return "left"
    if re.search(r"-RF\b", upper) or "RIGHT" in upper:
        return "right"
    return "unknown"


class _Records:
    """Non-empty CSV records as ``(line number, cells without trailing padding)``, with one-record
    look-ahead; decoding and CSV errors become :class:`RecordingError`."""

    def __init__(self, path: Path, fh) -> None:
        self.path = path
        self._reader = csv.reader(fh)
        self._next: tuple[int, list[str]] | None = None
        self._done = False

    def _pull(self) -> tuple[int, list[str]] | None:
        while True:
            try:
                cells = next(self._reader)
            except StopIteration:
                return None
            except (csv.Error, UnicodeDecodeError) as exc:
                raise RecordingError(
                    self.path, self._reader.line_num + 1, f"expected CSV text: {exc}"
                ) from None
            while cells and not cells[-1].strip():
                cells.pop()
            if cells:
                return self._reader.line_num, cells

    def peek(self) -> tuple[int, list[str]] | None:
        if self._next is None and not self._done:
            self._next = self._pull()
            self._done = self._next is None
        return self._next

    def pop(self) -> tuple[int, list[str]] | None:
        item = self.peek()
        self._next = None
        return item

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        while (item := self.pop()) is not None:
            yield item


def _encoding(path: Path) -> str:
    _, raw = read_head(path, encodings=_ENCODINGS)  # NUL bytes and empty files fail here
    for enc in _ENCODINGS:
        try:
            raw.decode(enc)
            return enc
        except UnicodeDecodeError:
            continue
    return "latin-1"


def read(path: str | PathLike[str]) -> Recording:
    """Read an XSENSOR ``.csv`` export into a grid :class:`Recording` (one or two insoles)."""
    path = Path(path)
    encoding = _encoding(path)
    try:
        fh = open(path, encoding=encoding, newline="")  # noqa: SIM115 (closed below)
    except OSError as exc:
        raise RecordingError(path, None, f"cannot read: {exc.strerror or exc}") from None
    with fh:
        return _parse(path, _Records(path, fh))


def _parse(path: Path, records: _Records) -> Recording:
    first = records.peek()
    if first is None or first[1][0].strip() != "File:":
        raise RecordingError(path, 1, "expected 'File:,...' on the first line of an XSENSOR export")
    units, units_line = "mmHg", None
    sides: list[str] | None = None
    geometry: dict[str, tuple[int, int, tuple[float, float]]] = {}
    names: dict[str, str] = {}
    data: dict[str, list[np.ndarray]] = {}
    stamps: list[tuple[int, str]] = []
    numbers: list[str] = []
    frame: dict[str, Any] | None = None

    def close(frame: dict[str, Any] | None) -> None:
        nonlocal sides
        if frame is None:
            return
        found = list(frame["sensors"])
        if sides is None:
            if not found:
                raise RecordingError(path, frame["line"], "expected a 'SENSOR' block in the first frame")
            sides = found
            for s in sides:
                geometry[s] = frame["sensors"][s]["geometry"]
                names[s] = frame["sensors"][s]["name"]
                data[s] = []
        if found != sides:
            raise RecordingError(
                path, frame["line"], f"expected the sensors {sides} in every frame, found {found}"
            )
        for s in sides:
            block = frame["sensors"][s]
            if block["geometry"] != geometry[s]:
                raise RecordingError(
                    path, block["line"], "expected the same rows, columns and sensel size in every frame"
                )
            data[s].append(block["values"])
        if "time" not in frame:
            raise RecordingError(path, frame["line"], "expected a 'Time, hh:mm:ss.fff' line in the frame")
        stamps.append(frame["time"])
        numbers.append(frame["number"])

    for ln, cells in records:
        key = cells[0].strip()
        if key == "Units:" and len(cells) > 1:
            units, units_line = cells[1].strip(), ln
        elif key == "FRAME":
            close(frame)
            frame = {"line": ln, "number": cells[1].strip() if len(cells) > 1 else "", "sensors": {}}
        elif key == "Time" and frame is not None and len(cells) > 1:
            frame["time"] = (ln, cells[1])
        elif key == "SENSOR":
            if frame is None:
                raise RecordingError(path, ln, "expected a 'FRAME,<n>' line before 'SENSOR'")
            _sensor_block(path, records, ln, cells, frame)
        elif key == "GROUP":
            _skip_group(records)
    close(frame)
    if sides is None:
        raise RecordingError(path, None, "expected 'FRAME,<n>' blocks")
    try:
        units = normalize_unit(units)
    except UnknownUnitError as exc:
        raise RecordingError(path, units_line, str(exc)) from None
    pitches = {g[2] for g in geometry.values()}
    if len(pitches) > 1:
        raise RecordingError(path, None, "expected the same sensel size on both insoles")
    times = _times(path, stamps)
    if times.size < 2:
        raise RecordingError(
            path, None, "expected at least two frames with 'Time' stamps to find the frame rate"
        )
    # Stamps are whole milliseconds (13 and 14 ms alternate at 75 Hz): use the mean period.
    rate = float((times.size - 1) / (times[-1] - times[0]))
    metadata = {
        "path": str(path),
        "frame_numbers": numbers,
        "sensor_names": names,
        "header": {"Units": units},
    }
    pressure = {s: np.stack(data[s]) for s in sides}
    data.clear()
    return from_array_for_file(
        path,
        pressure,
        sample_rate_hz=rate,
        pitch_mm=next(iter(pitches)),
        units=units,
        format="xsensor-csv",
        metadata=metadata,
        times_s=times,
    )


def _sensor_block(path: Path, records: _Records, ln: int, cells: list[str], frame: dict[str, Any]) -> None:
    """Parse one ``SENSOR`` block (its header line already read) into ``frame['sensors']``."""
    name = cells[1].strip() if len(cells) > 1 else ""
    side = _side_of(name)
    if side in frame["sensors"]:
        raise RecordingError(path, ln, f"expected one {side} sensor per frame, found another: {name!r}")
    fields: dict[str, str] = {}
    while True:
        item = records.pop()
        if item is None:
            raise RecordingError(path, ln, "expected 'SENSELS' and the sensel rows, found end of file")
        key = item[1][0].strip()
        if key == "SENSELS":
            break
        if key in _BLOCKS:
            raise RecordingError(path, item[0], "expected 'SENSELS' before the next block")
        fields[key] = item[1][1].strip() if len(item[1]) > 1 else ""
    try:
        rows, cols = int(fields["Rows"]), int(fields["Columns"])
        width_cm, height_cm = float(fields["Sensel Width (cm)"]), float(fields["Sensel Height (cm)"])
    except (KeyError, ValueError):
        raise RecordingError(
            path,
            ln,
            "expected 'Rows', 'Columns', 'Sensel Width (cm)' and 'Sensel Height (cm)' "
            "numbers in the SENSOR block",
        ) from None
    if rows <= 0 or cols <= 0 or rows * cols > 1_000_000 or width_cm <= 0 or height_cm <= 0:
        raise RecordingError(path, ln, "expected positive Rows, Columns and sensel sizes")
    values = np.empty((rows, cols), dtype=np.float32)
    for r in range(rows):
        item = records.pop()
        if item is None:
            raise RecordingError(path, None, f"expected {rows} sensel rows, found {r} (truncated file?)")
        lnr, cells_r = item
        if len(cells_r) != cols:
            raise RecordingError(path, lnr, f"expected {cols} sensel values (Columns), found {len(cells_r)}")
        try:
            values[r] = [float(c) if c.strip() else np.nan for c in cells_r]
        except ValueError:
            bad = next(c for c in cells_r if not _is_number(c))
            raise RecordingError(path, lnr, f"expected a number, found {bad[:30]!r}") from None
    frame["sensors"][side] = {
        "line": ln,
        "name": name,
        "values": values,
        "geometry": (rows, cols, (height_cm * 10.0, width_cm * 10.0)),
    }


def _is_number(c: str) -> bool:
    try:
        float(c)
    except ValueError:
        return not c.strip()
    return True


def _skip_group(records: _Records) -> None:
    """Skip a GROUP block (vendor region statistics and flat value lists) up to the next block."""
    while (item := records.peek()) is not None and item[1][0].strip() not in _BLOCKS:
        records.pop()


def _times(path: Path, stamps: list[tuple[int, str]]) -> np.ndarray:
    """Frame times in s from the ``Time, hh:mm:ss.fff`` stamps (midnight roll-over handled)."""
    out = np.empty(len(stamps))
    for f, (ln, value) in enumerate(stamps):
        m = _TIME.match(value)
        if not m:
            raise RecordingError(path, ln, f"expected a time hh:mm:ss.fff, found {value[:30]!r}")
        out[f] = int(m.group(1)) * 3600 + int(m.group(2)) * 60 + float(m.group(3))
    if out.size == 0:
        return out
    out = out - out[0]
    out = np.where(out < 0, out + 86400.0, out)
    if out.size > 1 and not np.all(np.diff(out) > 0):
        k = int(np.flatnonzero(np.diff(out) <= 0)[0]) + 1
        raise RecordingError(path, stamps[k][0], "expected frame times to increase")
    return out
