"""The numba kernel behind :func:`solemap.recordings.metrics.region_curves` (imported lazily).

Layout: frame-major, as the data lies in memory. A frame's N sensors are read as vectors of 16
float32 lanes (``LANES``) at the offsets of a :class:`solemap.recordings._lanes.LaneLayout`; four
consecutive frames are reduced together, so every per-sensor accumulator (maximum, sum) is loaded
and stored once per four frames while the per-frame sums stay in registers. Regions are read again
from the same four rows, now in L1 cache, through 16-lane windows that cover each region's members
(their weights are 0 elsewhere). Threads claim runs of 256 frames and ask for the rows eight
frames ahead (``_PREFETCH_FRAMES``), so that memory traffic overlaps the arithmetic.

Why explicit vectors: from plain loops LLVM's auto-vectoriser kept the accumulators in memory
(a load and a store per vector and sum) and needed a transposed copy of each frame block, and
numba offers no SIMD type. ``F32x16`` below is a numba type whose value is an LLVM
``<16 x float>``; the intrinsics are thin wrappers over single LLVM vector instructions (load,
store, masked multiply-add, ``maxnum``, shuffles). On a CPU without 512-bit vectors LLVM splits
each operation into two 256-bit (or four 128-bit) ones; the results are the same.

NaN: a missing sample is NaN. Sums take only lanes that hold a number (a select on the ordered
compare ``v == v``); maxima take the lane or -inf, then LLVM's ``maxnum`` with the no-NaN flag,
which is sound because no operand is NaN by then. A frame or region whose maximum stays -inf had no
measured sensor, so it is missing. The functions are compiled without the "no NaNs" fast-math flag,
as that would let LLVM fold the NaN tests away.

The intrinsics live in this module rather than in a helper module because numba's on-disk cache
(``cache=True``) checks only the source file of the cached function: a change here recompiles,
a change in another module would silently keep the stale machine code. Importing this module
compiles nothing.
"""

from __future__ import annotations

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic, models, register_model

LANES = 16
# Rows this many frames ahead are prefetched (two 4-frame blocks: far enough to cover the
# memory latency, near enough to stay in L1/L2; measured 4, 8 and 12 frames).
_PREFETCH_FRAMES = 8
# Frames a thread claims at a time; per-sensor sums are accumulated in float32 over one piece,
# then added to float64. Claiming pieces (rather than fixed halves) keeps both cores busy when
# one of them is slowed by other work (measured 0.049 -> 0.039 s on a shared 2-core machine).
_PIECE_FRAMES = 256

_F32 = ir.FloatType()
_VEC = ir.VectorType(_F32, LANES)
_I32 = ir.IntType(32)
# Fast-math flags for the vector arithmetic: reassociation and contraction (multiply-add), but
# not "nnan": the NaN tests must stay.
_ARITH = ("nsz", "reassoc", "contract", "arcp")
_OPTS = {
    "fastmath": set(_ARITH),
    "nogil": True,
    "boundscheck": False,
    "cache": True,
}


class F32x16(types.Type):
    """Sixteen float32 lanes held in one vector register (LLVM ``<16 x float>``)."""

    def __init__(self) -> None:
        super().__init__(name="F32x16")


f32x16 = F32x16()


@register_model(F32x16)
class _F32x16Model(models.PrimitiveModel):
    def __init__(self, dmm, fe_type):
        super().__init__(dmm, fe_type, _VEC)


def _lane_ptr(context, builder, signature, args):
    """Pointer to element [row, col] of a 2-D float32 array with unit column stride, as a
    ``<16 x float>*`` (the row stride is read from the array, so any row pitch works)."""
    ary = context.make_array(signature.args[0])(context, builder, args[0])
    row = context.cast(builder, args[1], signature.args[1], types.intp)
    col = context.cast(builder, args[2], signature.args[2], types.intp)
    i64 = ir.IntType(64)
    row_stride = cgutils.unpack_tuple(builder, ary.strides, 2)[0]
    offset = builder.add(builder.mul(row, row_stride), builder.mul(col, ir.Constant(i64, 4)))
    address = builder.add(builder.ptrtoint(ary.data, i64), offset)
    return builder.inttoptr(address, _VEC.as_pointer())


def _is_f32_matrix(arr) -> bool:
    return isinstance(arr, types.Array) and arr.dtype == types.float32 and arr.ndim == 2


def _vectors(*values) -> bool:
    return all(v == f32x16 for v in values)


@intrinsic
def vload(typingctx, arr, row, col):
    """arr[row, col:col + 16] (2-D, unit column stride; alignment not required)."""
    if not _is_f32_matrix(arr):
        return None

    def codegen(context, builder, signature, args):
        return builder.load(_lane_ptr(context, builder, signature, args), align=4)

    return f32x16(arr, row, col), codegen


@intrinsic
def vstore(typingctx, arr, row, col, v):
    """arr[row, col:col + 16] = v."""
    if not (_is_f32_matrix(arr) and _vectors(v)):
        return None

    def codegen(context, builder, signature, args):
        builder.store(args[3], _lane_ptr(context, builder, signature, args), align=4)
        return context.get_dummy_value()

    return types.void(arr, row, col, v), codegen


@intrinsic
def vprefetch(typingctx, arr, row, col):
    """Ask the cache for the line holding arr[row, col] (a hint: never faults, changes nothing)."""
    if not _is_f32_matrix(arr):
        return None

    def codegen(context, builder, signature, args):
        i8p = ir.IntType(8).as_pointer()
        # declare_intrinsic mangles the name for this llvmlite's pointer kind (p0i8 or p0).
        fn = builder.module.declare_intrinsic(
            "llvm.prefetch", [i8p], ir.FunctionType(ir.VoidType(), [i8p, _I32, _I32, _I32])
        )
        ptr = builder.bitcast(_lane_ptr(context, builder, signature, args), i8p)
        # read, keep in all cache levels, data cache
        builder.call(fn, [ptr, ir.Constant(_I32, 0), ir.Constant(_I32, 3), ir.Constant(_I32, 1)])
        return context.get_dummy_value()

    return types.void(arr, row, col), codegen


@intrinsic
def vsplat(typingctx, x):
    """x in all 16 lanes."""
    if not isinstance(x, types.Float):
        return None

    def codegen(context, builder, signature, args):
        xf = context.cast(builder, args[0], signature.args[0], types.float32)
        undef = ir.Constant(_VEC, ir.Undefined)
        one = builder.insert_element(undef, xf, ir.Constant(_I32, 0))
        return builder.shuffle_vector(one, undef, ir.Constant(ir.VectorType(_I32, LANES), [0] * LANES))

    return f32x16(x), codegen


def _maxnum(builder, a, b):
    fn = cgutils.get_or_insert_function(
        builder.module, ir.FunctionType(_VEC, [_VEC, _VEC]), "llvm.maxnum.v16f32"
    )
    return builder.call(fn, [a, b], fastmath=("nnan", "nsz"))


@intrinsic
def vmax(typingctx, a, b):
    """Lane-wise maximum of two vectors that hold no NaN."""
    if not _vectors(a, b):
        return None

    def codegen(context, builder, signature, args):
        return _maxnum(builder, args[0], args[1])

    return f32x16(a, b), codegen


@intrinsic
def vfma_where_ord(typingctx, v, w, s):
    """s + v·w in the lanes where v is a number; s in the others."""
    if not _vectors(v, w, s):
        return None

    def codegen(context, builder, signature, args):
        v_, w_, s_ = args
        is_number = builder.fcmp_ordered("ord", v_, v_)
        total = builder.fadd(builder.fmul(v_, w_, flags=_ARITH), s_, flags=_ARITH)
        return builder.select(is_number, total, s_)

    return f32x16(v, w, s), codegen


@intrinsic
def vadd_where_gt(typingctx, v, thr, w, s):
    """s + w in the lanes where v > thr (a NaN lane is not); s in the others."""
    if not _vectors(v, thr, w, s):
        return None

    def codegen(context, builder, signature, args):
        v_, thr_, w_, s_ = args
        above = builder.fcmp_ordered(">", v_, thr_)
        return builder.select(above, builder.fadd(s_, w_, flags=_ARITH), s_)

    return f32x16(v, thr, w, s), codegen


@intrinsic
def vmember(typingctx, v, member, fill):
    """v in the lanes where v is a number and member != 0; fill in the others."""
    if not _vectors(v, member, fill):
        return None

    def codegen(context, builder, signature, args):
        v_, member_, fill_ = args
        is_number = builder.fcmp_ordered("ord", v_, v_)
        is_member = builder.fcmp_unordered("!=", member_, ir.Constant(_VEC, [0.0] * LANES))
        return builder.select(builder.and_(is_number, is_member), v_, fill_)

    return f32x16(v, member, fill), codegen


@intrinsic
def claim_next(typingctx, counter):
    """Atomically add 1 to counter[0] and return its previous value (a shared work counter)."""
    if not (isinstance(counter, types.Array) and counter.dtype == types.int64 and counter.ndim == 1):
        return None

    def codegen(context, builder, signature, args):
        ary = context.make_array(signature.args[0])(context, builder, args[0])
        return builder.atomic_rmw("add", ary.data, ir.Constant(ir.IntType(64), 1), "monotonic")

    return types.int64(counter), codegen


def _reduce_four(kind: str):
    """An intrinsic that reduces four vectors to a 4-tuple of their lane sums (or maxima), with
    shuffles that halve all four at once instead of four separate reductions."""

    @intrinsic
    def reduce_four(typingctx, a, b, c, d):
        if not _vectors(a, b, c, d):
            return None
        tuple_type = types.UniTuple(types.float32, 4)

        def codegen(context, builder, signature, args):
            def shuffle(x, y, idx):
                return builder.shuffle_vector(x, y, ir.Constant(ir.VectorType(_I32, len(idx)), idx))

            def combine(x, y):
                if kind == "sum":
                    return builder.fadd(x, y, flags=_ARITH)
                return _maxnum(builder, x, y)

            # [a | b] halves, then quarters of [a b | c d], then pairs and neighbours inside each
            # quarter: lane 4i ends up holding the reduction of input i.
            low = list(range(0, 8)) + list(range(16, 24))
            high = list(range(8, 16)) + list(range(24, 32))
            ab = combine(shuffle(args[0], args[1], low), shuffle(args[0], args[1], high))
            cd = combine(shuffle(args[2], args[3], low), shuffle(args[2], args[3], high))
            quarters_low = [q * 8 + i for q in range(4) for i in range(4)]
            quarters_high = [q * 8 + 4 + i for q in range(4) for i in range(4)]
            x = combine(shuffle(ab, cd, quarters_low), shuffle(ab, cd, quarters_high))
            x = combine(x, shuffle(x, x, [g * 4 + i for g in range(4) for i in (2, 3, 0, 1)]))
            x = combine(x, shuffle(x, x, [g * 4 + i for g in range(4) for i in (1, 0, 3, 2)]))
            lanes = [builder.extract_element(x, ir.Constant(_I32, 4 * i)) for i in range(4)]
            return context.make_tuple(builder, signature.return_type, lanes)

        return tuple_type(a, b, c, d), codegen

    return reduce_four


vsum4 = _reduce_four("sum")
vmax4 = _reduce_four("max")


@numba.njit(**_OPTS)
def _write_frames(frames, force, cop_x, cop_y, area, peak, tforce, tarea, tpeak, cop):
    for i in range(4):
        t = frames[i]
        if peak[i] == -np.inf:  # no sensor measured in this frame: it is missing
            tforce[t] = np.nan
            tarea[t] = np.nan
            tpeak[t] = np.nan
            cop[t, 0] = np.nan
            cop[t, 1] = np.nan
            continue
        tforce[t] = force[i] * 1000.0
        tarea[t] = area[i]
        tpeak[t] = peak[i]
        if force[i] > 0:
            cop[t, 0] = cop_x[i] / force[i]
            cop[t, 1] = cop_y[i] / force[i]
        else:
            cop[t, 0] = np.nan
            cop[t, 1] = np.nan


@numba.njit(**_OPTS)
def _write_region(frames, k, force_sum, area, peak_max, force, carea, peak):
    for i in range(4):
        t = frames[i]
        if peak_max[i] == -np.inf:  # no member measured in this frame
            force[t, k] = np.nan
            carea[t, k] = np.nan
            peak[t, k] = np.nan
        else:
            force[t, k] = force_sum[i] * 1000.0
            carea[t, k] = area[i]
            peak[t, k] = peak_max[i]


@numba.njit(**_OPTS)
def four_frames(
    p,
    t0,
    t1,
    t2,
    t3,
    new1,
    new2,
    new3,
    vec_offsets,
    sensor_area,
    sensor_ax,
    sensor_ay,
    sensor_active,
    win_ptr,
    win_offset,
    win_weight,
    win_member,
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
):
    """Reduce frames t0..t3 of ``p`` (a repeated index is a frame counted once: ``new1..3`` are
    1.0 for a frame not seen before in this call, 0.0 for a repeat)."""
    n_vec = vec_offsets.size
    zero = vsplat(np.float32(0.0))
    one = vsplat(np.float32(1.0))
    ninf = vsplat(np.float32(-np.inf))
    thr_v = vsplat(thr)
    count1 = vsplat(new1)
    count2 = vsplat(new2)
    count3 = vsplat(new3)
    last = p.shape[0] - 1
    ahead0 = min(t0 + _PREFETCH_FRAMES, last)
    ahead1 = min(t0 + _PREFETCH_FRAMES + 1, last)
    ahead2 = min(t0 + _PREFETCH_FRAMES + 2, last)
    ahead3 = min(t0 + _PREFETCH_FRAMES + 3, last)
    # Whole foot: force (Σ p·A), CoP moments (Σ p·A·x, Σ p·A·y), loaded area, peak; per frame.
    f0 = zero
    f1 = zero
    f2 = zero
    f3 = zero
    mx0 = zero
    mx1 = zero
    mx2 = zero
    mx3 = zero
    my0 = zero
    my1 = zero
    my2 = zero
    my3 = zero
    la0 = zero
    la1 = zero
    la2 = zero
    la3 = zero
    pk0 = ninf
    pk1 = ninf
    pk2 = ninf
    pk3 = ninf
    for j in range(n_vec):
        o = vec_offsets[j]
        # Half of the rows ahead are requested here, half during the region windows below, so
        # the requests spread over the whole block.
        vprefetch(p, ahead0, o)
        vprefetch(p, ahead1, o)
        a = vload(sensor_area, j, 0)
        ax = vload(sensor_ax, j, 0)
        ay = vload(sensor_ay, j, 0)
        act = vload(sensor_active, j, 0)
        v0 = vload(p, t0, o)
        v1 = vload(p, t1, o)
        v2 = vload(p, t2, o)
        v3 = vload(p, t3, o)
        f0 = vfma_where_ord(v0, a, f0)
        f1 = vfma_where_ord(v1, a, f1)
        f2 = vfma_where_ord(v2, a, f2)
        f3 = vfma_where_ord(v3, a, f3)
        mx0 = vfma_where_ord(v0, ax, mx0)
        mx1 = vfma_where_ord(v1, ax, mx1)
        mx2 = vfma_where_ord(v2, ax, mx2)
        mx3 = vfma_where_ord(v3, ax, mx3)
        my0 = vfma_where_ord(v0, ay, my0)
        my1 = vfma_where_ord(v1, ay, my1)
        my2 = vfma_where_ord(v2, ay, my2)
        my3 = vfma_where_ord(v3, ay, my3)
        la0 = vadd_where_gt(v0, thr_v, a, la0)
        la1 = vadd_where_gt(v1, thr_v, a, la1)
        la2 = vadd_where_gt(v2, thr_v, a, la2)
        la3 = vadd_where_gt(v3, thr_v, a, la3)
        m0 = vmember(v0, act, ninf)
        m1 = vmember(v1, act, ninf)
        m2 = vmember(v2, act, ninf)
        m3 = vmember(v3, act, ninf)
        pk0 = vmax(pk0, m0)
        pk1 = vmax(pk1, m1)
        pk2 = vmax(pk2, m2)
        pk3 = vmax(pk3, m3)
        # Per sensor: running maximum and sum (a repeated frame adds 0 to the sum).
        vstore(smax, j, 0, vmax(vload(smax, j, 0), vmax(vmax(m0, m1), vmax(m2, m3))))
        s = vfma_where_ord(v0, one, vload(ssum, j, 0))
        s = vfma_where_ord(v1, count1, s)
        s = vfma_where_ord(v2, count2, s)
        vstore(ssum, j, 0, vfma_where_ord(v3, count3, s))
    frames = (t0, t1, t2, t3)
    _write_frames(
        frames,
        vsum4(f0, f1, f2, f3),
        vsum4(mx0, mx1, mx2, mx3),
        vsum4(my0, my1, my2, my3),
        vsum4(la0, la1, la2, la3),
        vmax4(pk0, pk1, pk2, pk3),
        tforce,
        tarea,
        tpeak,
        cop,
    )
    # Steps: per-sensor maxima per segment (a repeated frame is harmless: max is idempotent).
    for t in frames:
        g = seg[t]
        if g >= 0:
            for j in range(n_vec):
                m = vmember(vload(p, t, vec_offsets[j]), vload(sensor_active, j, 0), ninf)
                vstore(segmax, g, j * LANES, vmax(vload(segmax, g, j * LANES), m))
    requested = 0
    for k in range(win_ptr.size - 1):
        s0 = zero
        s1 = zero
        s2 = zero
        s3 = zero
        a0 = zero
        a1 = zero
        a2 = zero
        a3 = zero
        r0 = ninf
        r1 = ninf
        r2 = ninf
        r3 = ninf
        for w in range(win_ptr[k], win_ptr[k + 1]):
            if requested < n_vec:
                vprefetch(p, ahead2, vec_offsets[requested])
                vprefetch(p, ahead3, vec_offsets[requested])
                requested += 1
            o = win_offset[w]
            wa = vload(win_weight, w, 0)
            member = vload(win_member, w, 0)
            v0 = vload(p, t0, o)
            v1 = vload(p, t1, o)
            v2 = vload(p, t2, o)
            v3 = vload(p, t3, o)
            s0 = vfma_where_ord(v0, wa, s0)
            s1 = vfma_where_ord(v1, wa, s1)
            s2 = vfma_where_ord(v2, wa, s2)
            s3 = vfma_where_ord(v3, wa, s3)
            a0 = vadd_where_gt(v0, thr_v, wa, a0)
            a1 = vadd_where_gt(v1, thr_v, wa, a1)
            a2 = vadd_where_gt(v2, thr_v, wa, a2)
            a3 = vadd_where_gt(v3, thr_v, wa, a3)
            r0 = vmax(r0, vmember(v0, member, ninf))
            r1 = vmax(r1, vmember(v1, member, ninf))
            r2 = vmax(r2, vmember(v2, member, ninf))
            r3 = vmax(r3, vmember(v3, member, ninf))
        _write_region(
            frames, k, vsum4(s0, s1, s2, s3), vsum4(a0, a1, a2, a3), vmax4(r0, r1, r2, r3), force, carea, peak
        )
    for j in range(requested, n_vec):
        vprefetch(p, ahead2, vec_offsets[j])
        vprefetch(p, ahead3, vec_offsets[j])


@numba.njit(parallel=True, nogil=True, cache=True)
def block_kernel(
    p,
    vec_offsets,
    sensor_area,
    sensor_ax,
    sensor_ay,
    sensor_active,
    win_ptr,
    win_offset,
    win_weight,
    win_member,
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
    ssum32,
    segmax,
):
    """One chunk of frames. Threads claim pieces of ``_PIECE_FRAMES`` consecutive frames from a
    shared counter until none is left, so a thread whose core is
    busy with other work does less; each keeps its own per-sensor accumulators (``smax[th]``,
    ``ssum[th]``, ``segmax[th]``; ``ssum32[th]`` is its float32 scratch), so no two threads write
    the same cell."""
    t_count = p.shape[0]
    n_vec = vec_offsets.size
    n_threads = smax.shape[0]
    n_pieces = (t_count + _PIECE_FRAMES - 1) // _PIECE_FRAMES
    counter = np.zeros(1, np.int64)  # pieces claimed so far, shared by the threads
    one = np.float32(1.0)
    nil = np.float32(0.0)
    for th in numba.prange(n_threads):
        partial = ssum32[th]
        while True:
            c = claim_next(counter)
            if c >= n_pieces:
                break
            ta = c * _PIECE_FRAMES
            tb = min(t_count, ta + _PIECE_FRAMES)
            partial[:] = 0.0
            for t in range(ta, tb, 4):
                # A short last block repeats its last frame; the repeats add nothing to the sums.
                t1 = min(t + 1, tb - 1)
                t2 = min(t + 2, tb - 1)
                t3 = min(t + 3, tb - 1)
                four_frames(
                    p,
                    t,
                    t1,
                    t2,
                    t3,
                    one if t1 > t else nil,
                    one if t2 > t1 else nil,
                    one if t3 > t2 else nil,
                    vec_offsets,
                    sensor_area,
                    sensor_ax,
                    sensor_ay,
                    sensor_active,
                    win_ptr,
                    win_offset,
                    win_weight,
                    win_member,
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
                    partial,
                    segmax[th],
                )
            for j in range(n_vec):
                for q in range(LANES):
                    ssum[th, j * LANES + q] += partial[j, q]
