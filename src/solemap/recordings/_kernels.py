"""The numba kernel behind :func:`solemap.recordings.metrics.region_curves` (imported lazily).

Layout: each thread takes sub-chunks of frames, transposes one into a (sensors, frames) buffer in
cache, and then every reduction runs along *frames*, which are contiguous: per-frame sums and
maxima become element-wise vector operations over the frames, and each sensor is read once per
region it belongs to. Maxima run on values with NaN replaced by -inf, through LLVM's ``maxnum``
with the no-NaN flag (:func:`_fmax`): numba's own ``max`` on floats leaves a compare-and-select
that LLVM does not vectorize as a reduction, and the flag is sound because no operand is NaN by
then. A frame or region whose maximum stays -inf had no measured sensor, so it is missing.
(Float maxima replaced integer keys of the bit patterns, which numba widened to int64 lanes.)

The functions live at module level so that numba's on-disk cache (``cache=True``) works: compiling
takes seconds, loading the cache a fraction of that. Importing this module compiles nothing.
"""

from __future__ import annotations

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

# fastmath without "nnan": the NaN tests (v == v) must stay.
_OPTS = {
    "fastmath": {"reassoc", "contract", "nsz", "arcp"},
    "nogil": True,
    "boundscheck": False,
    "cache": True,
}
_ZERO = np.float32(0.0)
_NEG_INF = np.float32(-np.inf)


@intrinsic
def _fmax(typingctx, a, b):
    """max(a, b) of two float32 values that are never NaN, as LLVM's ``maxnum`` with no-NaN flags.

    Callers pass NaN-free operands only (missing values are -inf by then).
    """
    if not (a == types.float32 and b == types.float32):
        return None

    def codegen(context, builder, signature, args):
        f32 = ir.FloatType()
        fn = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(f32, [f32, f32]), "llvm.maxnum.f32"
        )
        return builder.call(fn, list(args), fastmath=("nnan", "nsz", "reassoc"))

    return types.float32(a, b), codegen


@numba.njit(**_OPTS)
def transpose(p, t0, tc, cols, pt):
    # Columns ``cols`` of frames t0..t0+tc into pt (len(cols), tc). Blocks of 16 frames: each
    # column's 16 reads touch 16 cache lines that the next columns reuse, and its 16 writes
    # are one contiguous run (measured twice as fast as 8 × 8 tiles here).
    n = cols.size
    tb_end = tc - tc % 16
    for tb in range(0, tb_end, 16):
        for j in range(n):
            c = cols[j]
            for a in range(16):
                pt[j, tb + a] = p[t0 + tb + a, c]
    for tt in range(tb_end, tc):
        for j in range(n):
            pt[j, tt] = p[t0 + tt, cols[j]]


@numba.njit(**_OPTS)
def sub_chunk(
    p,
    cols,
    t0,
    t1,
    ptr,
    idx,
    wa,
    area,
    ax,
    ay,
    thr,
    seg,
    force,
    carea,
    peak,
    tforce,
    tarea,
    tpeak,
    cop,
    smax,
    ssum,
    segmax,
    pt,
    acc,
    maxima,
    runs,
):
    n = cols.size
    k_count = ptr.size - 1
    tc = t1 - t0
    transpose(p, t0, tc, cols, pt)
    f_tot, mx, my, la_tot = acc[0], acc[1], acc[2], acc[3]
    s, la = acc[5], acc[6]
    km_tot, km, mv = maxima[0], maxima[1], maxima[2]
    for tt in range(tc):
        f_tot[tt] = _ZERO
        mx[tt] = _ZERO
        my[tt] = _ZERO
        la_tot[tt] = _ZERO
        km_tot[tt] = _NEG_INF
    # Runs of frames of one segment inside this sub-chunk (segments are contiguous in time).
    n_runs = 0
    a = 0
    while a < tc:
        e = a + 1
        while e < tc and seg[t0 + e] == seg[t0 + a]:
            e += 1
        if seg[t0 + a] >= 0:
            runs[n_runs, 0] = a
            runs[n_runs, 1] = e
            runs[n_runs, 2] = seg[t0 + a]
            n_runs += 1
        a = e
    for i in range(n):
        a_i = area[i]
        ax_i = ax[i]
        ay_i = ay[i]
        sum_i = _ZERO
        for tt in range(tc):
            v = pt[i, tt]
            ok = v == v
            z = v if ok else _ZERO
            f_tot[tt] += z * a_i
            mx[tt] += z * ax_i
            my[tt] += z * ay_i
            la_tot[tt] += a_i if v > thr else _ZERO
            sum_i += z
        max_i = smax[i]
        for tt in range(tc):
            v = pt[i, tt]
            m = v if v == v else _NEG_INF
            mv[tt] = m
            km_tot[tt] = _fmax(km_tot[tt], m)
            max_i = _fmax(max_i, m)
        smax[i] = max_i
        ssum[i] += sum_i
        for r in range(n_runs):
            g = runs[r, 2]
            m = segmax[g, i]
            for tt in range(runs[r, 0], runs[r, 1]):
                m = _fmax(m, mv[tt])
            segmax[g, i] = m
    for tt in range(tc):
        t = t0 + tt
        if km_tot[tt] == _NEG_INF:  # every sensor NaN: the frame is missing
            tforce[t] = np.nan
            tarea[t] = np.nan
            tpeak[t] = np.nan
            cop[t, 0] = np.nan
            cop[t, 1] = np.nan
        else:
            tforce[t] = f_tot[tt] * 1000.0
            tarea[t] = la_tot[tt]
            tpeak[t] = km_tot[tt]
            if f_tot[tt] > _ZERO:
                cop[t, 0] = mx[tt] / f_tot[tt]
                cop[t, 1] = my[tt] / f_tot[tt]
            else:
                cop[t, 0] = np.nan
                cop[t, 1] = np.nan
    for k in range(k_count):
        for tt in range(tc):
            s[tt] = _ZERO
            la[tt] = _ZERO
            km[tt] = _NEG_INF
        for j in range(ptr[k], ptr[k + 1]):
            i = idx[j]
            w = wa[j]
            for tt in range(tc):
                v = pt[i, tt]
                ok = v == v
                s[tt] += v * w if ok else _ZERO
                la[tt] += w if v > thr else _ZERO
            for tt in range(tc):
                v = pt[i, tt]
                km[tt] = _fmax(km[tt], v if v == v else _NEG_INF)
        for tt in range(tc):
            t = t0 + tt
            if km[tt] == _NEG_INF:  # no member measured in this frame
                force[t, k] = np.nan
                carea[t, k] = np.nan
                peak[t, k] = np.nan
            else:
                force[t, k] = s[tt] * 1000.0
                carea[t, k] = la[tt]
                peak[t, k] = km[tt]


@numba.njit(parallel=True, nogil=True, cache=True)
def block_kernel(
    p,
    cols,
    ptr,
    idx,
    wa,
    area,
    ax,
    ay,
    thr,
    seg,
    force,
    carea,
    peak,
    tforce,
    tarea,
    tpeak,
    cop,
    smax,
    ssum,
    segmax,
    sub,
):
    t_count = p.shape[0]
    n = cols.size
    n_threads = smax.shape[0]
    n_sub = (t_count + sub - 1) // sub
    for th in numba.prange(n_threads):
        pt = np.empty((max(n, 1), sub), np.float32)
        acc = np.empty((8, sub), np.float32)
        maxima = np.empty((3, sub), np.float32)  # frame peak, region peak, NaN -> -inf
        runs = np.empty((sub, 3), np.int64)
        for c in range(th, n_sub, n_threads):
            t0 = c * sub
            t1 = min(t_count, t0 + sub)
            sub_chunk(
                p,
                cols,
                t0,
                t1,
                ptr,
                idx,
                wa,
                area,
                ax,
                ay,
                thr,
                seg,
                force,
                carea,
                peak,
                tforce,
                tarea,
                tpeak,
                cop,
                smax[th],
                ssum[th],
                segmax[th],
                pt,
                acc,
                maxima,
                runs,
            )
