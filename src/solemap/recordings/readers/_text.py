"""Helpers shared by the text readers: decoding and numeric tables with line-exact errors."""

from __future__ import annotations

import functools
import io
import os
import re
from pathlib import Path

import numpy as np

from solemap.recordings.core import RecordingError

#: No export of the supported formats has a header near this size; larger means a wrong or damaged file.
MAX_HEADER_CHARS = 1 << 20

#: Cells read as a missing sample (NaN).
MISSING = ("", "nan", "NaN", "NA", "-")


def read_text(
    path: Path, encodings: tuple[str, ...] = ("utf-8-sig", "latin-1"), max_bytes: int | None = None
) -> str:
    """The file's text in the first encoding that decodes it; binary content is an error.

    Latin-1 decodes any bytes, so a NUL byte (UTF-16 files, binary junk) is what marks a file as
    not text; the error names the line of the first one.
    """
    try:
        with open(path, "rb") as fh:
            raw = fh.read() if max_bytes is None else fh.read(max_bytes)
    except OSError as exc:
        raise RecordingError(path, None, f"cannot read: {exc.strerror or exc}") from None
    if not raw:
        raise RecordingError(path, None, "the file is empty")
    return _decode(path, raw, encodings)


#: Bytes of rows parsed at once by the streaming readers (bounds their working memory).
BLOCK_BYTES = 8 << 20


def read_head(path: Path, encodings: tuple[str, ...] = ("utf-8-sig", "latin-1")) -> tuple[str, bytes]:
    """(text, raw bytes) of the first :data:`MAX_HEADER_CHARS` + 64 KB of a file, cut after the last
    whole line, for readers that parse the header first and stream the rows after it."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_HEADER_CHARS + (64 << 10))
            complete = fh.read(1) == b""
    except OSError as exc:
        raise RecordingError(path, None, f"cannot read: {exc.strerror or exc}") from None
    if not complete:
        cut = raw.rfind(b"\n")
        raw = raw[: cut + 1] if cut >= 0 else raw
    return _decode(path, raw, encodings), raw


def _decode(path: Path, raw: bytes, encodings: tuple[str, ...], first_line: int = 1) -> str:
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise RecordingError(
            path,
            first_line + raw[:nul].count(b"\n"),
            "expected text, found a NUL byte (a binary file, or UTF-16: save it as UTF-8 or ANSI text)",
        )
    last: UnicodeDecodeError | None = None
    for enc in encodings:
        try:
            return raw.decode(enc)
        except UnicodeDecodeError as exc:
            last = exc
    assert last is not None
    line = first_line + raw[: last.start].count(b"\n")
    raise RecordingError(
        path, line, f"expected {' or '.join(encodings)} text, found byte 0x{raw[last.start]:02x}"
    )


def byte_offset_of_line(raw: bytes, index: int) -> int:
    """Byte offset where 0-based line ``index`` starts in ``raw`` (len(raw) if it has fewer lines)."""
    pos = 0
    for _ in range(index):
        nl = raw.find(b"\n", pos)
        if nl < 0:
            return len(raw)
        pos = nl + 1
    return pos


def iter_line_blocks(
    path: Path,
    offset: int,
    first_line: int,
    encodings: tuple[str, ...] = ("utf-8", "latin-1"),
    block_bytes: int | None = None,
):
    """Yield ``(line number of the first line, lines)`` for the file from byte ``offset`` on, in
    blocks of about ``block_bytes`` cut at line ends, so a reader holds one block at a time.

    Lines are split at ``\\n`` only, ``\\r`` stripped; trailing empty lines of the file are dropped.
    """
    try:
        fh = open(path, "rb")  # noqa: SIM115 (closed in finally, across yields)
    except OSError as exc:
        raise RecordingError(path, None, f"cannot read: {exc.strerror or exc}") from None
    block_bytes = block_bytes or BLOCK_BYTES  # read at call time, so tests can shrink it
    try:
        fh.seek(offset)
        pending = b""
        line = first_line
        held: tuple[int, list[str]] | None = None  # one block kept back so trailing blank lines can go
        while True:
            chunk = fh.read(block_bytes)
            buf = pending + chunk
            if chunk:
                cut = buf.rfind(b"\n")
                if cut < 0:
                    pending = buf
                    continue
                piece, pending = buf[:cut], buf[cut + 1 :]
            else:
                piece, pending = buf, b""
            if piece or chunk:
                lines = [
                    x[:-1] if x.endswith("\r") else x
                    for x in _decode(path, piece, encodings, line).split("\n")
                ]
                if held is not None:
                    yield held
                held = (line, lines)
                line += len(lines)
            if not chunk:
                break
        if held is not None:
            start, lines = held
            while lines and not lines[-1].strip():
                lines.pop()
            if lines:
                yield start, lines
    finally:
        fh.close()


def check_header_size(path: Path, lines: list[str], end: int) -> None:
    """Raise if the header (``lines[:end]``) is larger than :data:`MAX_HEADER_CHARS`."""
    total = 0
    for i, line in enumerate(lines[:end]):
        total += len(line) + 1
        if total > MAX_HEADER_CHARS:
            raise RecordingError(
                path,
                i + 1,
                f"expected the header to end within {MAX_HEADER_CHARS} characters (is this the right file?)",
            )


def split_lines(text: str) -> list[str]:
    """Lines split at ``\\n`` only (``\\r`` stripped), so line numbers match a text editor's.

    ``str.splitlines`` also splits at form feeds and other control characters, which would shift
    the numbers in error messages (and hide the emed page breaks).
    """
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def parse_table(
    path: Path,
    rows: list[str],
    n_cols: int,
    first_line: int,
    sep: str | None = ",",
    what: str = "cells",
    missing: tuple[str, ...] = MISSING,
) -> np.ndarray:
    """(N, n_cols) float64 from ``rows`` of ``sep``-separated numbers; missing cells are NaN.

    ``first_line`` is the 1-based line number of ``rows[0]`` in the file, so errors point at the
    right line. Cells may be padded with spaces. A whitespace separator (``sep=None``) splits on
    runs of blanks. ASCII rows go through the compiled parser (:func:`parse_bytes_table`).
    """
    if rows:
        text = "\n".join(rows)
        if text.isascii() and "\x00" not in text:
            return parse_bytes_table(path, text.encode("ascii"), n_cols, first_line, sep, what, missing)
    return _parse_table_py(path, rows, n_cols, first_line, sep, what, missing)


#: ASCII whitespace that ``str.strip`` removes (a line of only these is blank).
_BLANK = b" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"


def _kernel():
    """The compiled parser module (numba is imported on first use, not with the readers)."""
    from solemap.recordings.readers import _delimited_kernel

    return _delimited_kernel


@functools.cache
def _missing_code(missing: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    return _kernel().encode_missing(missing)


def parse_bytes_table(
    path: Path,
    data: bytes,
    n_cols: int,
    first_line: int,
    sep: str | None = ",",
    what: str = "cells",
    missing: tuple[str, ...] = MISSING,
    end: int | None = None,
) -> np.ndarray:
    """:func:`parse_table` of the ASCII lines of ``data[:end]`` (split at ``\\n``; a final ``\\n``
    ends the last line), in one compiled pass.

    Lines the compiled parser does not take (a wrong field count, a token such as ``inf`` or a
    quoted number) are handed one at a time to the Python parser, which raises the error naming
    the line and the expectation, or returns the values; the compiled pass resumes after them.
    """
    kernel = _kernel()
    end = len(data) if end is None else end
    if end == 0:
        return np.zeros((0, n_cols))
    buf = np.frombuffer(data, dtype=np.uint8)
    n_rows = kernel.count_lines(buf, end)
    out = np.empty((n_rows, n_cols))
    sep_byte = kernel.sep_code(sep)
    miss = _missing_code(tuple(missing))
    pos = row = 0
    while row < n_rows:
        stop = kernel.parse_into(buf, pos, out, row, sep_byte, miss, end)
        if stop.status == kernel.DONE:
            row = stop.row
            break
        nl = data.find(b"\n", stop.pos, end)
        line_end = end if nl < 0 else nl
        line = data[stop.pos : line_end].decode("ascii")
        if line.endswith("\r"):
            line = line[:-1]
        out[stop.row] = _parse_table_py(path, [line], n_cols, first_line + stop.row, sep, what, missing)[0]
        pos, row = line_end + 1, stop.row + 1
    if row != n_rows:  # pragma: no cover (the line count and the parser agree on \n)
        raise AssertionError(f"parsed {row} of {n_rows} lines")
    return out


def iter_table_blocks(
    path: Path,
    offset: int,
    first_line: int,
    n_cols: int,
    *,
    sep: str | None,
    what: str = "cells",
    missing: tuple[str, ...] = MISSING,
    encodings: tuple[str, ...] = ("utf-8", "latin-1"),
    block_bytes: int | None = None,
):
    """Yield ``(line number of the first row, (N, n_cols) float64)`` for the rows of the file from
    byte ``offset`` on (as :func:`parse_table` of :func:`iter_line_blocks`' lines), in blocks of
    about ``block_bytes`` cut at line ends: a file smaller than a block is read and parsed in one
    pass, a larger one needs one block of bytes and its table at a time.

    Trailing blank lines of the file are dropped. ASCII blocks go straight from bytes to numbers;
    others (and NUL bytes) are decoded first, with the error of :func:`iter_line_blocks`.
    """
    try:
        fh = open(path, "rb")  # noqa: SIM115 (closed in finally, across yields)
    except OSError as exc:
        raise RecordingError(path, None, f"cannot read: {exc.strerror or exc}") from None
    block_bytes = block_bytes or BLOCK_BYTES  # read at call time, so tests can shrink it
    try:
        size = os.fstat(fh.fileno()).st_size
        fh.seek(offset)
        pending = b""
        line = first_line
        while True:
            chunk = fh.read(block_bytes)
            eof = not chunk or fh.tell() >= size
            buf = pending + chunk if pending else chunk
            if eof:
                end = _content_end(buf, len(buf))
            else:
                last_nl = buf.rfind(b"\n")
                end = _content_end(buf, last_nl) if last_nl >= 0 else -1
                if end < 0:  # no complete non-blank line yet
                    pending = buf
                    continue
            if end >= 0:
                if (buf.isascii() or buf[:end].isascii()) and buf.find(b"\x00", 0, end) < 0:
                    table = parse_bytes_table(path, buf, n_cols, line, sep, what, missing, end)
                else:
                    lines = [
                        x[:-1] if x.endswith("\r") else x
                        for x in _decode(path, buf[:end], encodings, line).split("\n")
                    ]
                    table = _parse_table_py(path, lines, n_cols, line, sep, what, missing)
                yield line, table
                line += table.shape[0]
                pending = buf[end + 1 :]
            if eof:
                break
    finally:
        fh.close()


def _content_end(buf: bytes, end: int) -> int:
    """End of the last non-blank line of ``buf[:end]`` (a line end or ``end``), -1 if all are blank."""
    while True:
        prev = buf.rfind(b"\n", 0, end)
        if buf[prev + 1 : end].strip(_BLANK):
            return end
        if prev < 0:
            return -1
        end = prev


def _parse_table_py(
    path: Path,
    rows: list[str],
    n_cols: int,
    first_line: int,
    sep: str | None = ",",
    what: str = "cells",
    missing: tuple[str, ...] = MISSING,
) -> np.ndarray:
    """The Python parser behind :func:`parse_table`: numpy / pandas, then the loop that names the
    first bad line."""
    if not rows:
        return np.zeros((0, n_cols))
    counts = None
    if sep is not None:
        counts = np.fromiter((r.count(sep) for r in rows), dtype=np.int64, count=len(rows))
    if (counts is None or np.all(counts == n_cols - 1)) and len(rows) * n_cols < 50_000:
        # Small tables (an emed page): numpy's string-to-float conversion beats pandas' per-call
        # overhead; for large ones pandas' C parser is about 3x faster.
        try:
            arr = np.array([r.split(sep) for r in rows], dtype=np.float64)
            if arr.shape == (len(rows), n_cols):
                return arr
        except ValueError:
            pass  # empty cells, text or ragged rows: the general path below decides
    if counts is None or np.all(counts == n_cols - 1):
        try:
            import pandas as pd

            df = pd.read_csv(
                io.StringIO("\n".join(rows)),
                header=None,
                names=range(n_cols),
                sep=sep if sep else r"\s+",
                dtype=np.float64,
                na_values=list(missing),
                keep_default_na=False,
                skip_blank_lines=False,
                skipinitialspace=True,
                engine="c",
            )
            if len(df) == len(rows):
                return df.to_numpy(dtype=np.float64)
        except (
            Exception
        ):  # pandas raises many kinds (ParserError, ValueError, ...): the loop below finds the line
            pass
    out = np.empty((len(rows), n_cols))
    splitter = re.compile(r"\s+") if sep is None else None
    for k, row in enumerate(rows):
        cells = splitter.split(row.strip()) if splitter else row.split(sep)
        if len(cells) != n_cols:
            raise RecordingError(
                path,
                first_line + k,
                f"expected {n_cols} {what} separated by "
                f"{'blanks' if sep is None else repr(sep)}, found {len(cells)}",
            )
        for j, cell in enumerate(cells):
            s = cell.strip()
            if s in missing:
                out[k, j] = np.nan
                continue
            try:
                out[k, j] = float(s)
            except ValueError:
                raise RecordingError(
                    path, first_line + k, f"expected a number in field {j + 1}, found {s[:30]!r}"
                ) from None
    return out
