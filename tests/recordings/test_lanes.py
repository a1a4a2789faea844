"""The lane layout the metrics kernel reads frames with: every sensor counted once, windows cover
each region's members once, arrays aligned."""

from __future__ import annotations

import numpy as np
import pytest

from solemap.recordings._lanes import LANES, aligned_full, lane_layout


def _layout(n, seed, k=3):
    rng = np.random.default_rng(seed)
    area = rng.uniform(1e-5, 1e-4, n)
    xs, ys = rng.uniform(0, 300, n), rng.uniform(0, 120, n)
    active = rng.random(n) < 0.75
    active[: n // 5] = False  # a run of inactive sensors, as the rows outside an insole
    weights = np.where(rng.random((n, k)) < 0.4, rng.uniform(0.2, 1.0, (n, k)), 0.0)
    return lane_layout(area, xs, ys, active, weights), area, xs, ys, active, weights


@pytest.mark.parametrize("n", [16, 17, 31, 32, 33, 100, 1260])
@pytest.mark.parametrize("seed", [0, 1])
def test_every_active_sensor_has_exactly_one_lane(n, seed):
    lay, area, xs, ys, active, _ = _layout(n, seed)
    assert lay.offsets.min() >= 0 and lay.offsets.max() <= n - LANES
    counted = lay.owner & (lay.active > 0)
    cols = lay.columns[counted]
    assert sorted(cols.tolist()) == np.flatnonzero(active).tolist()
    np.testing.assert_allclose(lay.area[counted], area[cols], rtol=1e-6)
    np.testing.assert_allclose(lay.area_x[counted], (area * xs)[cols], rtol=1e-6)
    np.testing.assert_allclose(lay.area_y[counted], (area * ys)[cols], rtol=1e-6)
    # Lanes that do not count their sensor carry no weight at all.
    assert not lay.area[~counted].any() and not lay.area_x[~counted].any()
    # Vectors with no active sensor are not read.
    assert counted.any(axis=1).all()
    sensors, values = lay.lane_values(np.arange(lay.n_vectors * LANES, dtype=float))
    assert sorted(sensors.tolist()) == np.flatnonzero(active).tolist()
    assert values.size == sensors.size


@pytest.mark.parametrize("n", [16, 17, 45, 100, 1260])
def test_windows_cover_each_region_member_once_with_its_weight(n):
    lay, area, _, _, active, weights = _layout(n, 3, k=4)
    for k in range(weights.shape[1]):
        seen = np.zeros(n)
        weight = np.zeros(n)
        for w in range(lay.win_ptr[k], lay.win_ptr[k + 1]):
            start = lay.win_offset[w]
            assert 0 <= start <= n - LANES
            member = lay.win_member[w] > 0
            seen[start : start + LANES] += member
            weight[start : start + LANES] += lay.win_weight[w]
            assert not lay.win_weight[w][~member].any()
        expected = active & (weights[:, k] > 0)
        np.testing.assert_array_equal(seen, expected.astype(float))
        np.testing.assert_allclose(weight, np.where(expected, weights[:, k] * area, 0), rtol=1e-6)


def test_a_run_of_members_takes_the_fewest_windows():
    n = 200
    weights = np.zeros((n, 1))
    weights[37 : 37 + 50, 0] = 1.0  # 50 consecutive members: ceil(50 / 16) = 4 windows
    lay = lane_layout(np.full(n, 1e-4), np.zeros(n), np.zeros(n), np.ones(n, bool), weights)
    assert lay.win_ptr.tolist() == [0, 4]
    assert lay.win_offset.tolist() == [37, 53, 69, 85]


def test_arrays_are_aligned_and_short_rows_are_refused():
    lay, *_ = _layout(100, 0)
    for arr in (lay.area, lay.area_x, lay.area_y, lay.active, lay.win_weight, lay.win_member):
        assert arr.ctypes.data % 64 == 0
    a = aligned_full((3, 5, 16), -np.inf)
    assert a.ctypes.data % 64 == 0 and a.shape == (3, 5, 16) and np.isneginf(a).all()
    with pytest.raises(ValueError, match="at least 16"):
        lane_layout(np.ones(15), np.zeros(15), np.zeros(15), np.ones(15, bool), np.ones((15, 1)))
