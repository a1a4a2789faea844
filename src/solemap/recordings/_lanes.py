"""How the metrics kernel reads a frame: sensors in 16-lane vectors, regions in 16-lane windows.

Pure numpy; :mod:`solemap.recordings._kernels` consumes it. A frame is a row of N float32 values.
The kernel loads it as vectors at offsets 0, 16, 32, … with the last one moved back to ``N - 16``,
so that no load runs past the row; that last vector's lanes which the previous vector already
covers carry zero weight (each sensor is counted in exactly one lane). Vectors that hold no active
sensor are left out. A region is covered by windows of 16 consecutive sensors placed greedily:
each window starts at the first member not yet covered, which gives the fewest windows for
members sorted along the row. Per window the kernel gets the members' weights (w·A, zero
elsewhere) and a member flag.

All per-lane arrays are allocated 64-byte aligned, so that a 16-lane load or store never straddles
two cache lines.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LANES = 16


def aligned_full(shape: tuple[int, ...], fill: float, dtype=np.float32) -> np.ndarray:
    """A C-contiguous array of ``shape`` filled with ``fill`` whose first element is 64-byte aligned."""
    dtype = np.dtype(dtype)
    size = int(np.prod(shape))
    raw = np.empty(size + 64 // dtype.itemsize, dtype)
    start = (-raw.ctypes.data % 64) // dtype.itemsize
    out = raw[start : start + size].reshape(shape)
    out[...] = fill
    return out


def _aligned_copy(values: np.ndarray) -> np.ndarray:
    out = aligned_full(values.shape, 0.0, values.dtype)
    out[...] = values
    return out


@dataclass(frozen=True)
class LaneLayout:
    """Sensors of a frame in 16-lane vectors, and the windows that cover each region.

    Attributes
    ----------
    n_sensors : N, the length of a frame row (at least 16; callers pad shorter rows with NaN).
    offsets : (V,) int64, the first sensor of each vector read (at most ``N - 16``).
    columns : (V, 16) int64, the sensor in each lane.
    owner : (V, 16) bool, lanes that count their sensor (False for the last vector's repeats).
    area, area_x, area_y : (V, 16) float32, A, A·x, A·y of active owned lanes (0 elsewhere).
    active : (V, 16) float32, 1.0 for active owned lanes, 0.0 elsewhere.
    win_ptr : (K + 1,) int64, region k's windows are ``win_ptr[k]:win_ptr[k + 1]``.
    win_offset : (W,) int64, first sensor of each window.
    win_weight : (W, 16) float32, w·A of the region's active members in the window, 0 elsewhere.
    win_member : (W, 16) float32, 1.0 on those members, 0.0 elsewhere.
    """

    n_sensors: int
    offsets: np.ndarray
    columns: np.ndarray
    owner: np.ndarray
    area: np.ndarray
    area_x: np.ndarray
    area_y: np.ndarray
    active: np.ndarray
    win_ptr: np.ndarray
    win_offset: np.ndarray
    win_weight: np.ndarray
    win_member: np.ndarray

    @property
    def n_vectors(self) -> int:
        return int(self.offsets.size)

    def lane_values(self, per_lane: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(sensor indices, values) of the active owned lanes of a (…, V·16) per-lane array."""
        counted = (self.active > 0).reshape(-1)  # active lanes are owned lanes already
        return self.columns.reshape(-1)[counted], per_lane[..., counted]


def lane_layout(
    area_m2: np.ndarray,
    xs: np.ndarray,
    ys: np.ndarray,
    active: np.ndarray,
    weights: np.ndarray,
) -> LaneLayout:
    """The layout for N sensors (N ≥ 16): areas (m²), positions (any planar unit), the active mask
    (inactive sensors are ignored) and the (N, K) region weights in [0, 1]."""
    n = int(area_m2.shape[0])
    if n < LANES:
        raise ValueError(f"a lane layout needs at least {LANES} sensors, got {n} (pad the rows)")
    n_vec = -(-n // LANES)
    offsets = np.minimum(np.arange(n_vec) * LANES, n - LANES).astype(np.int64)
    columns = offsets[:, None] + np.arange(LANES)[None, :]
    owner = columns >= (np.arange(n_vec) * LANES)[:, None]
    use = owner & active[columns]
    # Vectors without an active sensor (e.g. rows of a plate outside the insole) are not read.
    keep = use.any(axis=1)
    offsets, columns, owner, use = offsets[keep], columns[keep], owner[keep], use[keep]
    area = np.where(use, area_m2[columns], 0.0)
    layout_area = _aligned_copy(area.astype(np.float32))
    layout_ax = _aligned_copy((area * xs[columns]).astype(np.float32))
    layout_ay = _aligned_copy((area * ys[columns]).astype(np.float32))
    layout_active = _aligned_copy(use.astype(np.float32))

    ptr = [0]
    win_offset: list[int] = []
    win_weight: list[np.ndarray] = []
    win_member: list[np.ndarray] = []
    for k in range(weights.shape[1]):
        members = np.flatnonzero(active & (weights[:, k] > 0))
        i = 0
        while i < members.size:
            start = min(int(members[i]), n - LANES)
            window = start + np.arange(LANES)
            # Members i, i+1, … that fall inside this window (earlier ones are covered already).
            covered = members[i : i + LANES]
            covered = covered[covered < start + LANES]
            is_member = np.isin(window, covered)
            win_offset.append(start)
            win_weight.append(np.where(is_member, weights[window, k] * area_m2[window], 0.0))
            win_member.append(is_member)
            i += covered.size
        ptr.append(len(win_offset))
    n_win = len(win_offset)
    return LaneLayout(
        n_sensors=n,
        offsets=offsets,
        columns=columns,
        owner=owner,
        area=layout_area,
        area_x=layout_ax,
        area_y=layout_ay,
        active=layout_active,
        win_ptr=np.asarray(ptr, np.int64),
        win_offset=np.asarray(win_offset, np.int64),
        win_weight=_aligned_copy(np.asarray(win_weight, np.float32).reshape(n_win, LANES)),
        win_member=_aligned_copy(np.asarray(win_member, np.float32).reshape(n_win, LANES)),
    )
