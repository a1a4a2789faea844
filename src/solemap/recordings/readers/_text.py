"""Helpers shared by the text readers: decoding and numeric tables with line-exact errors."""

from __future__ import annotations

import io
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
    sep: str = ",",
    what: str = "cells",
    missing: tuple[str, ...] = MISSING,
) -> np.ndarray:
    """(N, n_cols) float64 from ``rows`` of ``sep``-separated numbers; missing cells are NaN.

    ``first_line`` is the 1-based line number of ``rows[0]`` in the file, so errors point at the
    right line. Cells may be padded with spaces. A whitespace separator (``sep=None``) splits on
    runs of blanks.
    """
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
