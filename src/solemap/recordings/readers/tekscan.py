"""Tekscan ASCII exports: F-Scan / Conformat movies (``.asf``) and I-Scan CSV (``.csv``).

Layout (``../shared/domain/pressure-formats.md``, "Tekscan ASCII"; checked against the sample files
of Telfer/pressuRe ``inst/extdata/fscan_testL.asf`` and ``iscan_test.csv`` @ f847da5 and
GallVp/footPress ``Example Data/FrasP01L.asf`` @ 58cf661):

* header: ``KEY value`` lines (first space separates) up to ``ASCII_DATA @@``; ``COMMENTS:``
  has its value on the next line. ``ROWS``/``COLS`` give the frame shape, ``ROW_SPACING``/
  ``COL_SPACING`` the pitch (``mm``, ``centimeters`` or ``inches``), ``SECONDS_PER_FRAME`` the
  period, ``UNITS`` the unit (``KPa``, ``PSI``, ``raw``...), ``START_FRAME``/``END_FRAME`` the count.
* frames: a marker line ``Frame k`` (I-Scan: ``Frame k, t,, wall clock,,,Raw Sum=,,n``), ROWS
  lines of COLS comma-separated cells, a blank line; ``@@`` after the last frame. A cell is a
  number or ``B`` (outside the trimmed sensor outline → NaN, ``valid_mask`` False).
* LF or CRLF line ends. Row 0 is the toe end of an F-Scan insole map (rows kept as in the file).
* Frame times: the I-Scan marker's relative time when present, else (k − START_FRAME) × period.

Speed and memory: the data section is read in blocks of ``chunk_bytes`` cut at frame markers;
numpy passes classify its lines (markers, rows, blanks) and check the frame structure; the cells
are decoded by a compiled single-pass parser (``_tekscan_kernel``, numba), or, without numba or
when that parser meets anything unexpected, by numpy passes that group the cells by length and
decode them as digit matrices and that name the bad line — never line by line in Python. Each
block is written straight into the output array — a preallocated float32 array, or a ``.npy``
memory map (``memmap_path=``) so files larger than RAM need only one block in memory.
:class:`TekscanStream` yields the blocks for callers that analyse chunk by chunk.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from os import PathLike
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from solemap.recordings.core import Recording, RecordingError
from solemap.recordings.units import UnknownUnitError, kpa_factor, normalize_unit

#: The header must end within this many bytes (a "huge header" or wrong file ends in an error).
HEADER_MAX_BYTES = 1 << 20
#: Default bytes of frame text parsed at once (bounds the reader's working memory).
CHUNK_BYTES = 2 << 20  # ~2 MB keeps the working arrays in cache: fastest in benchmarks/recordings_read.py
#: Pitch unit words seen in exports -> mm (pressure-formats.md: mm, centimeters, inches).
_LENGTH_MM = {
    "mm": 1.0,
    "millimeters": 1.0,
    "millimetres": 1.0,
    "cm": 10.0,
    "centimeters": 10.0,
    "centimetres": 10.0,
    "in": 25.4,
    "inch": 25.4,
    "inches": 25.4,
}
_AREA_MM2 = {"mm2": 1.0, "cm2": 100.0, "in2": 645.16, "sq.in": 645.16}

_NL, _CR, _COMMA, _DOT, _MINUS, _B = 10, 13, 44, 46, 45, 66


@dataclass
class TekscanHeader:
    """The parsed header of a Tekscan ASCII export."""

    fields: dict[str, str]
    rows: int
    cols: int
    pitch_mm: tuple[float, float]
    seconds_per_frame: float
    units: str
    start_frame: int | None
    end_frame: int | None
    data_offset: int  # byte offset of the line after ``ASCII_DATA @@``
    data_line: int  # 1-based line number of that line
    comments: str = ""
    warnings: list[str] = field(default_factory=list)

    @property
    def expected_frames(self) -> int | None:
        if self.start_frame is None or self.end_frame is None:
            return None
        return self.end_frame - self.start_frame + 1


def _length_mm(path: Path, line: int, key: str, value: str) -> float:
    parts = value.split()
    try:
        number = float(parts[0])
    except (ValueError, IndexError):
        raise RecordingError(path, line, f"expected '{key} <number> <unit>', found {value!r}") from None
    unit = parts[1].lower() if len(parts) > 1 else "mm"
    if unit not in _LENGTH_MM:
        raise RecordingError(path, line, f"expected {key} in mm, centimeters or inches, found unit {unit!r}")
    out = number * _LENGTH_MM[unit]
    if not math.isfinite(out) or out <= 0:
        raise RecordingError(path, line, f"expected a positive {key}, found {value!r}")
    return out


def read_header(path: str | PathLike[str], fh: BinaryIO | None = None) -> TekscanHeader:
    """Parse the header of a Tekscan ASCII file (reads at most :data:`HEADER_MAX_BYTES`)."""
    path = Path(path)
    own = fh is None
    try:
        if own:
            fh = open(path, "rb")  # noqa: SIM115 (closed below)
        assert fh is not None
        head = fh.read(HEADER_MAX_BYTES)
    except OSError as exc:
        raise RecordingError(path, None, f"cannot read: {exc.strerror or exc}") from None
    finally:
        if own and fh is not None:
            fh.close()
    if not head:
        raise RecordingError(path, None, "the file is empty")
    marker = re.search(rb"^ASCII_DATA @@[ \t]*\r?$", head, flags=re.MULTILINE)
    if marker is None:
        lines_read = head.count(b"\n") + 1
        if len(head) >= HEADER_MAX_BYTES:
            raise RecordingError(
                path,
                lines_read,
                f"expected a line 'ASCII_DATA @@' ending the header within "
                f"the first {HEADER_MAX_BYTES} bytes",
            )
        raise RecordingError(
            path, lines_read, "expected a line 'ASCII_DATA @@' ending the header, found end of file"
        )
    # Latin-1 never fails: free-text fields (TIME, FILENAME, COMMENTS) may hold any 8-bit text.
    text = head[: marker.start()].decode("latin-1")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    end = head.find(b"\n", marker.end())
    data_offset = len(head) if end < 0 else end + 1
    data_line = len(lines) + 2
    if not lines or not lines[0].startswith("DATA_TYPE"):
        raise RecordingError(path, 1, "expected 'DATA_TYPE ...' on the first line of a Tekscan ASCII export")
    fields: dict[str, str] = {}
    where: dict[str, int] = {}
    comments = ""
    i = 0
    while i < len(lines):
        line = lines[i].rstrip("\r")
        if "\x00" in line:
            raise RecordingError(path, i + 1, "expected text in the header, found a NUL byte")
        key, _, value = line.partition(" ")
        if key == "COMMENTS:":
            # The comment is on the next line (and may contain the word "Frame": never searched).
            comments = lines[i + 1].rstrip("\r") if i + 1 < len(lines) else ""
            fields["COMMENTS"] = comments
            i += 2
            continue
        if key:
            fields[key] = value.strip()
            where[key] = i + 1
        i += 1

    def need(key: str) -> str:
        if key not in fields:
            raise RecordingError(path, None, f"expected a header line '{key} ...' before 'ASCII_DATA @@'")
        return fields[key]

    def as_int(key: str, positive: bool = True) -> int:
        value = need(key)
        try:
            out = int(value.split()[0])
        except (ValueError, IndexError):
            raise RecordingError(
                path, where[key], f"expected an integer for {key}, found {value!r}"
            ) from None
        if positive and out <= 0:
            raise RecordingError(path, where[key], f"expected a positive {key}, found {out}")
        return out

    rows, cols = as_int("ROWS"), as_int("COLS")
    if rows * cols > 4_000_000:
        raise RecordingError(path, where["ROWS"], f"a {rows}x{cols} sensor is implausibly large")
    if "ROW_SPACING" in fields and "COL_SPACING" in fields:
        pitch = (
            _length_mm(path, where["ROW_SPACING"], "ROW_SPACING", fields["ROW_SPACING"]),
            _length_mm(path, where["COL_SPACING"], "COL_SPACING", fields["COL_SPACING"]),
        )
    elif "SENSEL_AREA" in fields:
        parts = fields["SENSEL_AREA"].split()
        try:
            area = float(parts[0]) * _AREA_MM2[parts[1].lower() if len(parts) > 1 else "mm2"]
        except (ValueError, IndexError, KeyError):
            raise RecordingError(
                path,
                where["SENSEL_AREA"],
                f"expected 'SENSEL_AREA <number> mm2|cm2', found {fields['SENSEL_AREA']!r}",
            ) from None
        if not area > 0:
            raise RecordingError(path, where["SENSEL_AREA"], "expected a positive SENSEL_AREA")
        pitch = (math.sqrt(area), math.sqrt(area))  # square sensels assumed when only the area is given
    else:
        raise RecordingError(
            path, None, "expected ROW_SPACING and COL_SPACING (or SENSEL_AREA) in the header"
        )
    spf_text = need("SECONDS_PER_FRAME")
    try:
        spf = float(spf_text.split()[0])  # "1" without a decimal point is fine here
    except (ValueError, IndexError):
        raise RecordingError(
            path, where["SECONDS_PER_FRAME"], f"expected a number for SECONDS_PER_FRAME, found {spf_text!r}"
        ) from None
    if not math.isfinite(spf) or spf <= 0:
        raise RecordingError(
            path, where["SECONDS_PER_FRAME"], f"expected a positive SECONDS_PER_FRAME, found {spf}"
        )
    units_text = need("UNITS")
    try:
        units = normalize_unit(units_text.split()[0] if units_text.split() else units_text)
    except UnknownUnitError as exc:
        raise RecordingError(path, where["UNITS"], str(exc)) from None
    start = as_int("START_FRAME", positive=False) if "START_FRAME" in fields else None
    end_f = as_int("END_FRAME", positive=False) if "END_FRAME" in fields else None
    if start is not None and end_f is not None and end_f < start:
        raise RecordingError(
            path, where["END_FRAME"], f"expected END_FRAME >= START_FRAME, found {end_f} < {start}"
        )
    warnings = []
    for key in ("MIRROR_ROW", "MIRROR_COL"):
        if fields.get(key, "0").strip() not in ("0", ""):
            warnings.append(f"{key} is {fields[key]}: the exported map is mirrored (orientation unverified)")
    return TekscanHeader(
        fields, rows, cols, pitch, spf, units, start, end_f, data_offset, data_line, comments, warnings
    )


# ----------------------------------------------------------------------------- cell parsing
@cache
def _compiled():
    """The numba parser module, or None where numba is unavailable (compiles on first use)."""
    try:
        from solemap.recordings.readers import _tekscan_kernel
    except ImportError:
        return None
    return _tekscan_kernel


def parse_cells(data: np.ndarray, cols: int, on_error, n_lines: int | None = None) -> np.ndarray:
    """Decode lines of ``cols`` comma-separated cells from a uint8 byte array into float32.

    Parameters
    ----------
    data : (N,) uint8, the bytes of complete data lines, each ending in ``\\n``, no ``\\r``.
    cols : cells per line (COLS).
    on_error : callable(line_index, message) that raises; called for the first bad line
        (``line_index`` counts the data lines of ``data`` from 0).

    Returns
    -------
    (n_lines * cols,) float32; ``B`` cells are NaN. Numbers: optional ``-``, digits, optional
    ``.`` and digits (the forms Tekscan writes).

    With ``n_lines`` given and numba available, a compiled single-pass parser runs first; the numpy
    path below (a few vectorised passes) runs when it is unavailable or finds a problem, and is the
    one that explains errors.
    """
    kernel = _compiled() if n_lines is not None else None
    if kernel is not None:
        fast = kernel.parse(data, cols, n_lines)
        if fast is not None:
            return fast
    seps = np.flatnonzero((data == _COMMA) | (data == _NL))
    n_cells = seps.size
    out = np.empty(n_cells, dtype=np.float32)
    if n_cells == 0:
        return out
    # Cells per line from the separators: a line ends at a newline separator.
    line_end_tok = np.flatnonzero(data[seps] == _NL)
    per_line = np.diff(line_end_tok, prepend=-1)
    if np.any(per_line != cols):
        k = int(np.flatnonzero(per_line != cols)[0])
        on_error(k, f"expected {cols} comma-separated cells (COLS), found {per_line[k]}")
    starts = np.empty_like(seps)
    starts[0] = 0
    starts[1:] = seps[:-1] + 1
    lengths = seps - starts
    max_len = int(lengths.max())
    if lengths.min() == 0:
        on_error(int(np.flatnonzero(lengths == 0)[0]) // cols, "expected a number or B, found an empty cell")
    if max_len > 24:
        on_error(
            int(np.flatnonzero(lengths > 24)[0]) // cols,
            "expected a number or B, found a cell of more than 24 characters",
        )
    if _decode_integers(data, seps, lengths, max_len, out):
        return out
    # Decimals, signs or bad bytes: group cells by length, decode each group as a character matrix.
    counts = np.bincount(lengths, minlength=max_len + 1)
    order = np.argsort(lengths, kind="stable")
    offset = 0
    for length in np.flatnonzero(counts):
        n = int(counts[length])
        idx = order[offset : offset + n]
        offset += n
        s = starts[idx]
        chars = data[s[:, None] + np.arange(length)]
        _decode_group(chars.reshape(n, length), idx, out, lambda cell, msg: on_error(cell // cols, msg))
    return out


def _decode_integers(
    data: np.ndarray, seps: np.ndarray, lengths: np.ndarray, max_len: int, out: np.ndarray
) -> bool:
    """Fast path for cells that are unsigned integers or ``B``: fill ``out``; False if any is not.

    Walks the cells from their last character backwards: step j adds digit × 10^(j−1) for the
    cells at least j long, so the work shrinks with the (usually tiny) share of long cells.
    """
    last = data[seps - 1]
    digit = last - np.uint8(48)
    is_b = last == _B
    if not np.all((digit < 10) | is_b):
        return False
    if is_b.any() and np.any(is_b & (lengths != 1)):
        return False
    acc = digit.astype(np.float32)
    acc[is_b] = np.nan
    if max_len > 1:
        idx = np.flatnonzero(lengths > 1)
        scale = np.float32(1.0)
        for j in range(2, max_len + 1):
            if j > 2:
                idx = idx[lengths[idx] >= j]
            scale = np.float32(scale * 10)
            d = data[seps[idx] - j] - np.uint8(48)
            if not np.all(d < 10):
                return False
            acc[idx] += d.astype(np.float32) * scale
    if max_len > 7:
        return False  # beyond float32's exact integers: let the general path round once
    out[:] = acc
    return True


_POW10 = 10.0 ** np.arange(24, dtype=np.float64)


def _decode_group(chars: np.ndarray, idx: np.ndarray, out: np.ndarray, on_error) -> None:
    """Decode n cells of equal length L given as an (n, L) uint8 matrix into ``out[idx]``."""
    n, length = chars.shape
    digits = chars - np.uint8(48)  # non-digits wrap to values >= 10
    is_digit = digits < 10
    plain = is_digit.all(axis=1)
    weights = _POW10[length - 1 :: -1] if length > 1 else _POW10[:1]
    if plain.all():
        out[idx] = digits @ weights if length > 1 else digits[:, 0]
        return
    vals = np.empty(n, dtype=np.float64)
    vals[plain] = digits[plain] @ weights
    odd = np.flatnonzero(~plain)
    sub = chars[odd]
    sub_digit = is_digit[odd]
    is_b = sub == _B
    nan_rows = is_b.all(axis=1) if length == 1 else np.zeros(odd.size, bool)
    is_dot = sub == _DOT
    is_minus = sub == _MINUS
    ok = sub_digit | is_dot | is_minus
    bad = ~ok.all(axis=1) & ~nan_rows
    bad |= is_dot.sum(axis=1) > 1
    bad |= (is_minus.sum(axis=1) > 1) | (is_minus[:, 1:].any(axis=1) if length > 1 else False)
    bad |= ~sub_digit.any(axis=1) & ~nan_rows  # "-", "." or "-." alone
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        text = bytes(sub[k]).decode("latin-1")
        on_error(int(idx[odd[k]]), f"expected a number or B, found {text!r}")
    j = np.arange(length)
    has_dot = is_dot.any(axis=1)
    ref = np.where(has_dot, is_dot.argmax(axis=1), length)[:, None]
    place = ref - j[None, :] - (j[None, :] < ref)
    w = np.where(sub_digit, 10.0**place, 0.0)
    v = np.einsum("ij,ij->i", w, np.where(sub_digit, digits[odd], 0).astype(np.float64))
    v = np.where(is_minus[:, 0], -v, v)
    v[nan_rows] = np.nan
    vals[odd] = v
    out[idx] = vals


# ----------------------------------------------------------------------------- frame blocks
@dataclass
class _Block:
    frame_numbers: np.ndarray  # (n,) int64
    marker_times: np.ndarray | None  # (n,) float64 from I-Scan markers
    values: np.ndarray  # (n, rows, cols) float32, source units
    ended: bool  # the '@@' line was seen


class TekscanStream:
    """Iterate over the frames of a Tekscan ASCII file in blocks of bounded size.

    >>> stream = TekscanStream("walk.asf")                  # doctest: +SKIP
    >>> for times_s, kpa in stream: ...                     # (n,) s, (n, R, C) float32 kPa

    Values are converted to kPa (``raw`` × ``calibration``). ``frames_read`` and
    ``valid_any`` (cells that were a number in some frame) are filled while iterating.
    """

    def __init__(
        self, path: str | PathLike[str], *, calibration: float | None = None, chunk_bytes: int = CHUNK_BYTES
    ) -> None:
        self.path = Path(path)
        self.header = read_header(self.path)
        self.chunk_bytes = max(int(chunk_bytes), 1024)
        self.calibration = calibration
        if self.header.units == "raw":
            self.factor = float(calibration) if calibration is not None else 1.0
        else:
            # Force exports (N per sensel) need the sensel area; pressures ignore it.
            area = self.header.pitch_mm[0] * self.header.pitch_mm[1]
            self.factor = float(kpa_factor(self.header.units, area_mm2=area))
        self.frames_read = 0
        self.valid_any = np.zeros((self.header.rows, self.header.cols), dtype=bool)
        self.ended = False
        self._last_frame: int | None = None

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        h = self.header
        try:
            fh = open(self.path, "rb")  # noqa: SIM115
        except OSError as exc:
            raise RecordingError(self.path, None, f"cannot read: {exc.strerror or exc}") from None
        with fh:
            fh.seek(h.data_offset)
            pending = b""
            line_no = h.data_line
            size = self.chunk_bytes
            eof = False
            while not eof and not self.ended:
                try:
                    chunk = fh.read(size)
                except OSError as exc:
                    raise RecordingError(self.path, line_no, f"cannot read: {exc.strerror or exc}") from None
                eof = len(chunk) < size
                buf = pending + chunk
                if not buf:
                    break
                block, consumed, lines_used = self._parse(buf, line_no, eof)
                if block is None:
                    # Not even one whole frame in the buffer: read a bigger piece next time.
                    pending = buf
                    size *= 2
                    continue
                size = self.chunk_bytes
                pending = buf[consumed:]
                line_no += lines_used
                yield from self._emit(block)
            if not self.ended and pending.strip():
                block, _consumed, _ = self._parse(pending, line_no, True)
                if block is not None:
                    yield from self._emit(block)
        expected = h.expected_frames
        if expected is not None and self.frames_read != expected:
            raise RecordingError(
                self.path,
                None,
                f"expected END_FRAME − START_FRAME + 1 = {expected} frames, found "
                f"{self.frames_read} (truncated file?)",
            )
        if self.frames_read == 0:
            raise RecordingError(self.path, h.data_line, "expected at least one frame after 'ASCII_DATA @@'")

    def _emit(self, block: _Block) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        h = self.header
        numbers = block.frame_numbers
        if numbers.size:
            prev = self._last_frame
            seq = numbers if prev is None else np.concatenate([[prev], numbers])
            if seq.size > 1 and not np.all(np.diff(seq) > 0):
                k = int(np.flatnonzero(np.diff(seq) <= 0)[0])
                raise RecordingError(
                    self.path, None, f"expected increasing frame numbers, found {seq[k]} then {seq[k + 1]}"
                )
            self._last_frame = int(numbers[-1])
        if block.marker_times is not None and np.all(np.isfinite(block.marker_times)):
            times = block.marker_times
        else:
            first = h.start_frame if h.start_frame is not None else 1
            times = (numbers - first) * h.seconds_per_frame
        values = block.values
        if self.factor != 1.0:
            values *= np.float32(self.factor)
        self.valid_any |= ~np.all(np.isnan(values), axis=0) if values.shape[0] else False
        self.frames_read += values.shape[0]
        self.ended = block.ended
        if values.shape[0]:
            yield times.astype(np.float64), values

    def _parse(self, buf: bytes, first_line: int, eof: bool) -> tuple[_Block | None, int, int]:
        """Parse whole frames from ``buf``: (block or None if no whole frame, bytes used, lines used)."""
        h = self.header
        a = np.frombuffer(buf, dtype=np.uint8)
        nl = np.flatnonzero(a == _NL)
        if eof and (a.size == 0 or a[-1] != _NL):
            nl = np.append(nl, a.size)  # the last line has no newline (file ends without one)
            a = np.append(a, np.uint8(_NL))
        if nl.size == 0:
            return None, 0, 0
        starts = np.empty_like(nl)
        starts[0] = 0
        starts[1:] = nl[:-1] + 1
        first = a[starts]
        # Line kinds: 0 data, 1 marker, 2 blank, 3 end '@@', 4 other.
        kind = np.full(nl.size, 4, dtype=np.int8)
        kind[((first >= 48) & (first <= 57)) | (first == _B) | (first == _MINUS) | (first == _DOT)] = 0
        kind[first == ord("F")] = 1
        blank = (first == _NL) | ((first == _CR) & (nl - starts == 1))
        blank |= (first == ord(" ")) | (first == ord("\t"))
        kind[blank] = 2
        kind[first == ord("@")] = 3
        ends_at = np.flatnonzero(kind == 3)
        end_seen = ends_at.size > 0
        n_lines = int(ends_at[0]) if end_seen else nl.size
        markers = np.flatnonzero(kind[:n_lines] == 1)
        if not end_seen and not eof:
            # Cut before the last marker: its frame may continue in the next chunk.
            if markers.size < 2:
                return None, 0, 0
            n_lines = int(markers[-1])
            markers = markers[:-1]
        other = np.flatnonzero(kind[:n_lines] == 4)
        if other.size:
            k = int(other[0])
            text = bytes(a[starts[k] : min(nl[k], starts[k] + 40)]).decode("latin-1")
            self._fail(
                first_line + k,
                f"expected 'Frame N', a row of {h.cols} cells, a blank line or '@@', found {text!r}",
            )
        if end_seen:
            k = int(ends_at[0])
            if not bytes(a[starts[k] : nl[k]]).rstrip(b"\r \t").startswith(b"@@"):
                self._fail(first_line + k, "expected '@@' after the last frame")
        data_lines = np.flatnonzero(kind[:n_lines] == 0)
        # Blocks are cut at frame markers, so rows before a block's first marker have no frame.
        if data_lines.size and (markers.size == 0 or data_lines[0] < markers[0]):
            self._fail(first_line + int(data_lines[0]), "expected a 'Frame N' line before the rows of cells")
        # Every frame: exactly ROWS data lines right after its marker.
        frame_of = np.searchsorted(markers, data_lines, side="right") - 1
        per_frame = np.bincount(frame_of, minlength=markers.size) if markers.size else np.zeros(0, int)
        if np.any(per_frame != h.rows):
            f = int(np.flatnonzero(per_frame != h.rows)[0])
            where = first_line + int(markers[f])
            if not end_seen and eof and f == markers.size - 1 and per_frame[f] < h.rows:
                self._fail(
                    where, f"truncated file: frame has {per_frame[f]} of {h.rows} rows and no '@@' follows"
                )
            self._fail(
                where, f"expected {h.rows} rows of cells after this frame marker (ROWS), found {per_frame[f]}"
            )
        rank = np.arange(data_lines.size) - frame_of * h.rows
        if data_lines.size and np.any(data_lines != markers[frame_of] + 1 + rank):
            k = int(np.flatnonzero(data_lines != markers[frame_of] + 1 + rank)[0])
            self._fail(first_line + int(data_lines[k]), "expected the rows of a frame on consecutive lines")
        if eof and not end_seen and markers.size == 0 and data_lines.size == 0:
            return (
                _Block(np.zeros(0, np.int64), None, np.zeros((0, h.rows, h.cols), np.float32), False),
                len(buf),
                n_lines,
            )
        # Bytes of the data lines (their newline included), with carriage returns dropped.
        line_len = nl[:n_lines] - starts[:n_lines] + 1
        keep = np.repeat(kind[:n_lines] == 0, line_len)
        data = a[: keep.size][keep]
        if b"\r" in buf:  # CRLF export (footPress's copies): memchr, cheaper than a numpy pass
            data = data[data != _CR]

        def on_error(line: int, message: str) -> None:
            self._fail(
                first_line + int(data_lines[min(line, data_lines.size - 1)]) if data_lines.size else None,
                message,
            )

        values = parse_cells(data, h.cols, on_error, n_lines=int(data_lines.size)).reshape(-1, h.rows, h.cols)
        numbers, times = self._markers(a, starts, nl, markers, first_line)
        used_lines = n_lines + (1 if end_seen else 0)
        consumed = len(buf) if end_seen or eof else int(starts[n_lines])
        return _Block(numbers, times, values, end_seen), consumed, used_lines

    def _markers(self, a, starts, nl, markers, first_line) -> tuple[np.ndarray, np.ndarray | None]:
        numbers = np.empty(markers.size, dtype=np.int64)
        times = np.full(markers.size, np.nan)
        any_time = False
        for i, k in enumerate(markers.tolist()):
            text = bytes(a[starts[k] : nl[k]]).rstrip(b"\r")
            parts = text.split(b",")
            head = parts[0].split()
            if len(head) != 2 or head[0] != b"Frame":
                self._fail(
                    first_line + k,
                    f"expected a frame marker 'Frame N', found {text[:40].decode('latin-1')!r}",
                )
            try:
                numbers[i] = int(head[1])
                if len(parts) > 1 and parts[1].strip():
                    times[i] = float(parts[1])
                    any_time = True
            except ValueError:
                self._fail(
                    first_line + k, f"expected 'Frame N[, time]', found {text[:40].decode('latin-1')!r}"
                )
        return numbers, (times if any_time else None)

    def _fail(self, line: int | None, message: str):
        raise RecordingError(self.path, line, message)


def read(
    path: str | PathLike[str],
    *,
    calibration: float | None = None,
    memmap_path: str | PathLike[str] | None = None,
    chunk_bytes: int = CHUNK_BYTES,
) -> Recording:
    """Read a Tekscan F-Scan/Conformat ``.asf`` or I-Scan ``.csv`` export.

    Parameters
    ----------
    calibration : kPa per raw count for ``UNITS raw`` files (else the values stay raw counts and
        ``Recording.calibrated`` is False).
    memmap_path : write the (T, R, C) float32 pressure to this ``.npy`` file as a memory map instead
        of RAM (for files larger than memory; needs START_FRAME/END_FRAME in the header).
    chunk_bytes : bytes of frame text parsed at once.

    Returns a grid :class:`Recording`, side ``unknown`` (the file does not say; pass ``side=`` to
    :func:`read_recording` or let the registration decide).
    """
    path = Path(path)
    stream = TekscanStream(path, calibration=calibration, chunk_bytes=chunk_bytes)
    h = stream.header
    expected = h.expected_frames
    shape_tail = (h.rows, h.cols)
    if memmap_path is not None and expected is None:
        raise RecordingError(path, None, "memmap_path needs START_FRAME and END_FRAME in the header")
    if expected is not None and expected > 0:
        if memmap_path is not None:
            out = np.lib.format.open_memmap(
                memmap_path, mode="w+", dtype=np.float32, shape=(expected, *shape_tail)
            )
        else:
            out = np.empty((expected, *shape_tail), dtype=np.float32)
        times = np.empty(expected)
    else:
        out, times = None, None
    pieces: list[np.ndarray] = []
    tpieces: list[np.ndarray] = []
    pos = 0
    for t, block in stream:
        n = block.shape[0]
        if out is not None:
            if pos + n > out.shape[0]:
                raise RecordingError(
                    path, None, f"expected END_FRAME − START_FRAME + 1 = {expected} frames, found more"
                )
            out[pos : pos + n] = block
            times[pos : pos + n] = t  # type: ignore[index]
        else:
            pieces.append(block.copy())
            tpieces.append(t)
        pos += n
    if out is None:
        out = np.concatenate(pieces) if pieces else np.zeros((0, *shape_tail), np.float32)
        times = np.concatenate(tpieces) if tpieces else np.zeros(0)
    if isinstance(out, np.memmap):
        out.flush()
    assert times is not None
    if times.size > 1 and not np.all(np.diff(times) > 0):
        raise RecordingError(path, None, "expected increasing frame times in the frame markers")
    is_iscan = "VersaPogoFsx" in h.fields or path.suffix.lower() == ".csv"
    metadata: dict[str, Any] = {
        "path": str(path),
        "header": dict(h.fields),
        "comments": h.comments,
        "sensor_type": h.fields.get("SENSOR_TYPE", ""),
        "start_frame": h.start_frame,
        "end_frame": h.end_frame,
        "orientation": "row 0 is the toe end of an F-Scan insole map (pressure-formats.md)",
    }
    if h.units == "raw":
        metadata["calibration"] = 1.0 if calibration is None else float(calibration)
    if "CALIBRATION_POINT_1" in h.fields:
        # footPress reads the kg number as body mass; it is the calibration load (pressure-metrics.md).
        m = re.match(r"\s*([0-9.]+)\s*\(Kgs\)", h.fields["CALIBRATION_POINT_1"])
        if m:
            metadata["calibration_load_kg"] = float(m.group(1))
    if h.warnings:
        metadata["warnings"] = list(h.warnings)
    return Recording(
        {"unknown": out},
        sample_rate_hz=1.0 / h.seconds_per_frame,
        times_s=times,
        pitch_mm=h.pitch_mm,
        valid_masks={"unknown": stream.valid_any},
        source_units=h.units,
        format="tekscan-csv" if is_iscan else "tekscan-asf",
        metadata=metadata,
        calibrated=h.units != "raw" or calibration is not None,
    )
