"""Compiled parser for delimited numeric text (numba; imported lazily by ``_text.py``).

One pass over the bytes of a table: lines end at ``\\n`` (a ``\\r`` before it is a blank), fields
are separated by one separator byte (TAB, comma, ...) or, with ``sep=None``, by runs of blanks
(space, TAB, CR). Blanks around a field are ignored, as ``str.strip`` would. A field is a missing
token (``missing``, e.g. the empty field → NaN) or a decimal number ``[+-]digits[.digits][e[+-]digits]``.

Numbers are correctly rounded: up to 15 significant digits with a decimal exponent within ±22 the
value is ``mantissa * 10**e`` or ``mantissa / 10**-e`` in float64 (both factors exact, one rounding:
Clinger's fast path); longer or larger numbers are collected and converted afterwards by numpy's
``bytes → float64`` (Python's correctly rounded ``strtod``).

The kernel takes what it can and stops at the first line it cannot take (a wrong field count, a
token that is no number of that form: ``inf``, ``1_000``, a quote, a control byte, a non-ASCII
byte, ...). :func:`parse_into` reports that line's index and byte offset and the index of the first
wrong field; the caller explains the line (or accepts it, for tokens Python reads) and resumes after
it, so error messages name the line and the expectation and no valid file is refused.
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np

# 10**k is exact in float64 for k <= 22.
_POW10 = 10.0 ** np.arange(23)
_MAX_EXACT = 1 << 53
_MANT_LIMIT = 10**17
#: Hard tokens (long numbers) collected per call before they are converted; at least one line's worth.
_HARD_CAP = 8192

DONE, BAD_LINE, HARD_FULL = 0, 1, 2


@numba.njit(cache=True, nogil=True, boundscheck=False)
def _plain_line(
    data: np.ndarray,
    pos: int,
    end: int,
    sep: int,
    tab_blank: bool,
    empty_nan: bool,
    out: np.ndarray,
    row: int,
    pow10: np.ndarray,
) -> int:
    """Fast path for a line of plain decimals (``[blanks][-]digits[.digits][blanks]``, at most 15
    digits, or an empty field when that is missing): the byte offset after the line, or -1 when
    the line needs the general path (which then parses it from the start)."""
    n_cols = out.shape[1]
    field = 0
    while True:
        while pos < end:
            c = data[pos]
            if c == 32 or c == 13 or (c == 9 and tab_blank):
                pos += 1
            else:
                break
        if field >= n_cols:
            return -1
        neg = pos < end and data[pos] == 45
        if neg:
            pos += 1
        start = pos
        mant = 0
        while pos < end:
            d = np.int64(data[pos]) - 48
            if d < 0 or d > 9:
                break
            mant = mant * 10 + d
            pos += 1
        digits = pos - start
        frac = 0
        if pos < end and data[pos] == 46:
            pos += 1
            start = pos
            while pos < end:
                d = np.int64(data[pos]) - 48
                if d < 0 or d > 9:
                    break
                mant = mant * 10 + d
                pos += 1
            frac = pos - start
            digits += frac
            if digits == 0:
                return -1  # a lone '.'
        while pos < end:
            c = data[pos]
            if c == 32 or c == 13 or (c == 9 and tab_blank):
                pos += 1
            else:
                break
        if digits == 0:
            if neg or not empty_nan:
                return -1
            out[row, field] = np.nan
        elif digits > 15:
            return -1
        else:
            value = mant / pow10[frac] if frac else float(mant)
            out[row, field] = -value if neg else value
        field += 1
        if pos >= end or data[pos] == 10:
            break
        if data[pos] != sep:
            return -1
        pos += 1
    if field != n_cols:
        return -1
    return pos + 1 if pos < end else pos


@numba.njit(cache=True, nogil=True, boundscheck=False)
def _kernel(
    data: np.ndarray,
    pos: int,
    end: int,
    sep: int,
    out: np.ndarray,
    row: int,
    miss: np.ndarray,
    miss_start: np.ndarray,
    hard: np.ndarray,
    pow10: np.ndarray,
) -> tuple[int, int, int, int, int]:
    """Parse the lines of ``data[pos:end]`` into ``out[row:]`` (2-D float array, one line per row).

    ``sep``: separator byte, 0 for runs of blanks. ``miss``/``miss_start``: the missing tokens,
    concatenated, and their start offsets (``len(miss_start) == n_tokens + 1``). ``hard``: (cap, 4)
    int64 filled with (row, field, start, stop) of long numbers (``out`` holds NaN there).

    Returns ``(status, row, pos, field, n_hard)``: status :data:`DONE` (``row`` lines parsed),
    :data:`BAD_LINE` (line ``row`` starting at byte ``pos`` is not taken; ``field`` is the index of
    its first wrong field) or :data:`HARD_FULL` (the hard buffer is full; resume at ``row``/``pos``).
    """
    n_rows, n_cols = out.shape
    cap = hard.shape[0]
    n_hard = 0
    n_miss = miss_start.size - 1
    ws = sep == 0
    tab_blank = sep != 9
    empty_nan = False
    for m in range(n_miss):
        empty_nan |= miss_start[m + 1] == miss_start[m]
    while pos < end:
        if row >= n_rows:
            return 1, row, pos, 0, n_hard
        if not ws:
            after = _plain_line(data, pos, end, sep, tab_blank, empty_nan, out, row, pow10)
            if after >= 0:
                pos = after
                row += 1
                continue
        line_start = pos
        hard_at_line = n_hard
        field = 0
        while True:
            # Leading blanks (space, CR, and TAB unless it is the separator).
            while pos < end:
                c = data[pos]
                if c == 32 or c == 13 or (c == 9 and tab_blank):
                    pos += 1
                else:
                    break
            at_eol = pos >= end or data[pos] == 10
            if ws and at_eol and field > 0:
                break  # trailing blanks after the last field
            if field >= n_cols:
                return 1, row, line_start, field, hard_at_line
            tok = pos
            # A number: sign, digits, point, digits, exponent.
            neg = False
            if pos < end and (data[pos] == 45 or data[pos] == 43):
                neg = data[pos] == 45
                pos += 1
            # Digits go into mant while it is below 10**17 (leading zeros keep it 0); a mant that
            # reaches that is above 2**53, so the number is hard and later digits do not matter.
            mant = 0
            exp10 = 0
            start = pos
            while pos < end:
                d = np.int64(data[pos]) - 48
                if d < 0 or d > 9:
                    break
                if mant < _MANT_LIMIT:
                    mant = mant * 10 + d
                pos += 1
            digits = pos - start
            if pos < end and data[pos] == 46:  # '.'
                pos += 1
                start = pos
                while pos < end:
                    d = np.int64(data[pos]) - 48
                    if d < 0 or d > 9:
                        break
                    if mant < _MANT_LIMIT:
                        mant = mant * 10 + d
                        exp10 -= 1
                    pos += 1
                digits += pos - start
            ok = digits > 0
            if ok and pos < end and (data[pos] == 101 or data[pos] == 69):  # 'e' / 'E'
                pos += 1
                eneg = False
                if pos < end and (data[pos] == 45 or data[pos] == 43):
                    eneg = data[pos] == 45
                    pos += 1
                e = 0
                edigits = 0
                while pos < end and 48 <= data[pos] <= 57:
                    if e < 100000:
                        e = e * 10 + (data[pos] - 48)
                    edigits += 1
                    pos += 1
                ok = edigits > 0
                exp10 += -e if eneg else e
            stop = pos
            # Trailing blanks, then the separator or the end of the line.
            while pos < end:
                c = data[pos]
                if c == 32 or c == 13 or (c == 9 and tab_blank):
                    pos += 1
                else:
                    break
            if pos < end:
                c = data[pos]
                ended = c == 10 or (c == sep if not ws else pos > stop)
            else:
                ended = True
            if ok and ended:
                if mant == 0:
                    value = 0.0
                elif mant <= _MAX_EXACT and -22 <= exp10 <= 22:
                    value = mant * pow10[exp10] if exp10 >= 0 else mant / pow10[-exp10]
                else:
                    if n_hard >= cap:
                        return 2, row, line_start, 0, hard_at_line
                    hard[n_hard, 0] = row
                    hard[n_hard, 1] = field
                    hard[n_hard, 2] = tok
                    hard[n_hard, 3] = stop
                    n_hard += 1
                    value = np.nan
                out[row, field] = -value if neg else value
            else:
                # Not a number of that form: a missing token, or a line for the caller.
                pos = tok
                if ws:
                    while pos < end:
                        c = data[pos]
                        if c == 32 or c == 13 or c == 9 or c == 10:
                            break
                        pos += 1
                    stop = pos
                else:
                    stop = pos
                    while pos < end:
                        c = data[pos]
                        if c == sep or c == 10:
                            break
                        if not (c == 32 or c == 13 or c == 9):
                            stop = pos + 1
                        pos += 1
                found = False
                for m in range(n_miss):
                    a = miss_start[m]
                    b = miss_start[m + 1]
                    if b - a == stop - tok:
                        same = True
                        for q in range(b - a):
                            if miss[a + q] != data[tok + q]:
                                same = False
                                break
                        if same:
                            found = True
                            break
                if not found:
                    return 1, row, line_start, field, hard_at_line
                out[row, field] = np.nan
                if ws:
                    while pos < end:
                        c = data[pos]
                        if c == 32 or c == 13 or c == 9:
                            pos += 1
                        else:
                            break
            field += 1
            if pos >= end or data[pos] == 10:
                break
            if not ws:
                pos += 1  # the separator
        if field != n_cols:
            return 1, row, line_start, field, hard_at_line
        if pos < end:
            pos += 1  # '\n'
        row += 1
    return 0, row, pos, 0, n_hard


class Stop(NamedTuple):
    """Where :func:`parse_into` stopped: ``status`` :data:`DONE` or :data:`BAD_LINE`; ``row`` and
    ``pos`` (byte offset) of the first line not parsed; ``field``: its first wrong field."""

    status: int
    row: int
    pos: int
    field: int


def encode_missing(missing: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """The kernel's form of the missing tokens: concatenated ASCII bytes and start offsets."""
    parts = [m.strip().encode("ascii") for m in missing]
    starts = np.zeros(len(parts) + 1, dtype=np.int64)
    starts[1:] = np.cumsum([len(p) for p in parts])
    return np.frombuffer(b"".join(parts) or b"\0", dtype=np.uint8).copy(), starts


def sep_code(sep: str | None) -> int:
    if sep is None:
        return 0
    if len(sep) != 1 or not 0 < ord(sep) < 128 or sep in " \r\n" or sep in "0123456789.+-eE":
        raise ValueError(f"unsupported separator {sep!r}")
    return ord(sep)


def parse_into(
    data: np.ndarray,
    pos: int,
    out: np.ndarray,
    row: int,
    sep: int,
    missing: tuple[np.ndarray, np.ndarray],
    end: int | None = None,
) -> Stop:
    """Parse lines of ``data`` (uint8) from byte ``pos`` into ``out[row:]`` until the end of the
    data or the first line the kernel does not take (see the module docstring)."""
    end = data.size if end is None else end
    hard = np.empty((max(_HARD_CAP, 2 * out.shape[1]), 4), dtype=np.int64)
    while True:
        status, row, pos, field, n_hard = _kernel(
            data, pos, end, sep, out, row, missing[0], missing[1], hard, _POW10
        )
        if n_hard:
            _convert_hard(data, hard[:n_hard], out)
        if status != HARD_FULL:
            return Stop(status, row, pos, field)


def _convert_hard(data: np.ndarray, hard: np.ndarray, out: np.ndarray) -> None:
    """Long numbers → float64 through numpy's correctly rounded ``bytes`` conversion."""
    start, stop = hard[:, 2], hard[:, 3]
    width = int((stop - start).max())
    offs = np.arange(width)
    idx = start[:, None] + offs
    chars = np.where(offs < (stop - start)[:, None], data[np.minimum(idx, data.size - 1)], 0).astype(np.uint8)
    values = chars.view(f"S{width}").ravel().astype(np.float64)
    out[hard[:, 0], hard[:, 1]] = values


@numba.njit(cache=True, nogil=True, boundscheck=False)
def _count_newlines(data: np.ndarray, end: int) -> int:
    n = 0
    for i in range(end):
        n += data[i] == 10
    return n


def count_lines(data: np.ndarray, end: int) -> int:
    """Lines of ``data[:end]`` (uint8) as the kernel counts them: split at ``\\n``, a final
    ``\\n`` ends the last line."""
    if end <= 0:
        return 0
    return int(_count_newlines(data, end)) + (0 if data[end - 1] == 10 else 1)


def count_rows(data: bytes | np.ndarray) -> int:
    """Lines of ``data`` as the kernel counts them: split at ``\\n``, a final ``\\n`` ends the last."""
    raw = data.tobytes() if isinstance(data, np.ndarray) else data
    if not raw:
        return 0
    return raw.count(b"\n") + (0 if raw.endswith(b"\n") else 1)


def parse_delimited(
    data: bytes,
    n_cols: int,
    sep: str | None = "\t",
    missing: tuple[str, ...] = ("",),
    dtype: type = np.float64,
) -> tuple[np.ndarray, tuple[int, int] | None]:
    """(rows, n_cols) table of ``dtype`` and None, or the rows before the first line the kernel does
    not take and ``(line index, field index)`` of the first wrong field there."""
    buf = np.frombuffer(data, dtype=np.uint8)
    out = np.empty((count_rows(data), n_cols), dtype=dtype)
    stop = parse_into(buf, 0, out, 0, sep_code(sep), encode_missing(missing))
    if stop.status == DONE:
        return out, None
    return out[: stop.row], (stop.row, stop.field)
