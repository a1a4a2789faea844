"""Compiled cell parser for Tekscan ASCII frames (numba; imported lazily by ``tekscan.py``).

One pass over the bytes of the data lines: each cell is ``B`` (outside the sensor → NaN) or an
optional ``-``, digits, optional ``.`` and digits; cells end at ``,`` or ``\\n``; every line must
have ``cols`` cells. The kernel only reports *that* something is off (``-1``): the numpy parser in
``tekscan.py`` then runs on the same block and raises the error that names the line and the cell.
"""

from __future__ import annotations

import numba
import numpy as np

# 10**k is exact in float64 for k <= 22, so mantissa / 10**k is the correctly rounded value.
_POW10 = 10.0 ** np.arange(23)


@numba.njit(cache=True, nogil=True, boundscheck=False)
def parse_block(data: np.ndarray, cols: int, out: np.ndarray, pow10: np.ndarray) -> int:
    """Fill ``out`` (float32, lines × cols) from ``data`` (uint8); return the cell count or -1."""
    n = data.size
    cap = out.size
    k = 0
    col = 0
    i = 0
    while i < n:
        c = data[i]
        if k >= cap:
            return -1
        if c == 66:  # 'B'
            out[k] = np.nan
            i += 1
        else:
            neg = False
            if c == 45:  # '-'
                neg = True
                i += 1
            mant = 0
            digits = 0
            decimals = 0
            while i < n and 48 <= data[i] <= 57:
                mant = mant * 10 + (data[i] - 48)
                digits += 1
                i += 1
            if i < n and data[i] == 46:  # '.'
                i += 1
                while i < n and 48 <= data[i] <= 57:
                    mant = mant * 10 + (data[i] - 48)
                    digits += 1
                    decimals += 1
                    i += 1
            if digits == 0 or digits > 18:  # no number, or more digits than an int64 holds
                return -1
            value = float(mant) if decimals == 0 else mant / pow10[decimals]  # no division for integers
            out[k] = -value if neg else value
        k += 1
        if i >= n:
            return -1  # every cell ends with a separator
        c = data[i]
        if c == 44:  # ','
            col += 1
        elif c == 10:  # '\n'
            if col != cols - 1:
                return -1
            col = 0
        else:
            return -1
        i += 1
    if col != 0:
        return -1
    return k


def parse(data: np.ndarray, cols: int, n_lines: int) -> np.ndarray | None:
    """(n_lines * cols,) float32, or None when the block is not clean (the caller explains why)."""
    out = np.empty(n_lines * cols, dtype=np.float32)
    k = parse_block(data, cols, out, _POW10)
    if k != out.size:
        return None
    return out
