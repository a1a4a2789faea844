"""Helpers shared by the text readers: decoding and numeric tables with line-exact errors."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np

from solemap.recordings.core import RecordingError

#: Cells read as a missing sample (NaN).
MISSING = ("", "nan", "NaN", "NA", "-")


def read_text(path: Path, encodings: tuple[str, ...] = ("utf-8-sig", "latin-1"), max_bytes: int | None = None) -> str:
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
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise RecordingError(path, raw[:nul].count(b"\n") + 1, "expected text, found a NUL byte (binary file, "
                             "or a UTF-16 export: save it as UTF-8 or ANSI text)")
    last: UnicodeDecodeError | None = None
    for enc in encodings:
        try:
            return raw.decode(enc)
        except UnicodeDecodeError as exc:
            last = exc
    assert last is not None
    line = raw[: last.start].count(b"\n") + 1
    raise RecordingError(path, line, f"expected {' or '.join(encodings)} text, found byte 0x{raw[last.start]:02x}")


def split_lines(text: str) -> list[str]:
    """Lines split at ``\\n`` only (``\\r`` stripped), so line numbers match a text editor's.

    ``str.splitlines`` also splits at form feeds and other control characters, which would shift
    the numbers in error messages (and hide the emed page breaks).
    """
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def parse_table(path: Path, rows: list[str], n_cols: int, first_line: int, sep: str = ",",
                what: str = "cells", missing: tuple[str, ...] = MISSING) -> np.ndarray:
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
    if counts is None or np.all(counts == n_cols - 1):
        try:
            import pandas as pd

            df = pd.read_csv(
                io.StringIO("\n".join(rows)), header=None, names=range(n_cols), sep=sep if sep else r"\s+",
                dtype=np.float64, na_values=list(missing), keep_default_na=False, skip_blank_lines=False,
                skipinitialspace=True, engine="c" if sep else "python",
            )
            if len(df) == len(rows):
                return df.to_numpy(dtype=np.float64)
        except Exception:  # noqa: BLE001 — pandas raises many kinds; the exact line is found below
            pass
    out = np.empty((len(rows), n_cols))
    splitter = re.compile(r"\s+") if sep is None else None
    for k, row in enumerate(rows):
        cells = splitter.split(row.strip()) if splitter else row.split(sep)
        if len(cells) != n_cols:
            raise RecordingError(path, first_line + k, f"expected {n_cols} {what} separated by "
                                 f"{'blanks' if sep is None else repr(sep)}, found {len(cells)}")
        for j, cell in enumerate(cells):
            s = cell.strip()
            if s in missing:
                out[k, j] = np.nan
                continue
            try:
                out[k, j] = float(s)
            except ValueError:
                raise RecordingError(path, first_line + k, f"expected a number in field {j + 1}, found "
                                     f"{s[:30]!r}") from None
    return out
