"""Partial-sensor weights on hand-made geometries (areas worked out by hand in each comment)."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from solemap.recordings.weights import grid_sensel_polygons, overlap_weights, whole_sensors

UNIT = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], float)


def square(x: float, y: float, size: float = 1.0) -> np.ndarray:
    return UNIT * size + [x, y]


def test_inside_outside_and_touching_are_exact():
    region = shapely.box(0, 0, 3, 3)
    sensors = [
        square(1, 1),  # wholly inside
        square(5, 5),  # far outside
        square(3, 0),  # shares the edge x = 3 only: no area inside
        square(0, 0),  # on the region's corner, still wholly inside (covers, not contains)
        square(3, 3),  # touches at one corner only
    ]
    w = overlap_weights(sensors, [region])[:, 0]
    assert w.tolist() == [1.0, 0.0, 0.0, 1.0, 0.0]


def test_fractions_by_hand():
    sensors = [
        square(2.5, 0),  # half of [2.5, 3.5] lies inside x < 3 → 0.5
        square(2.5, 2.5),  # a quarter square [2.5,3]×[2.5,3] → 0.25
        square(0, 0, 2.0),  # 2×2 sensor, region triangle below the diagonal y < x cuts it in half → 0.5
    ]
    box = shapely.box(0, 0, 3, 3)
    tri = shapely.Polygon([(0, 0), (10, 0), (10, 10)])
    w = overlap_weights(sensors, [box, tri])
    assert w[0, 0] == pytest.approx(0.5, abs=1e-12)
    assert w[1, 0] == pytest.approx(0.25, abs=1e-12)
    assert w[2, 1] == pytest.approx(0.5, abs=1e-12)
    assert w[0, 1] == 1.0  # [2.5, 3.5] × [0, 1] lies wholly below the diagonal y < x


def test_triangle_over_square_third():
    # Region triangle (0,0), (1,0), (1,1/2) lies inside the unit sensor: area = 1 · 1/2 / 2 = 1/4.
    tri = shapely.Polygon([(0, 0), (1, 0), (1, 0.5)])
    w = overlap_weights([UNIT], [tri])
    assert w[0, 0] == pytest.approx(0.25, abs=1e-12)


def test_region_drawn_along_sensor_edges_gives_exact_ones():
    # A union of sensor squares as the region (pressuRe's pedar masks): members must be exactly
    # 1.0 although the union's vertices come from floating-point arithmetic.
    polys = grid_sensel_polygons((4, 5), (5.08, 5.08))
    members = [0, 1, 5, 6, 7]
    region = shapely.union_all([shapely.Polygon(polys[i]) for i in members])
    w = overlap_weights(polys, [region])[:, 0]
    assert np.flatnonzero(w == 1.0).tolist() == members
    assert np.all(w[np.setdiff1d(np.arange(20), members)] == 0.0)


def test_grid_polygons_follow_the_registration_plane():
    p = grid_sensel_polygons((2, 3), (4.0, 2.0))
    assert p.shape == (6, 4, 2)
    # sensel (row 1, col 2) is centred at (col·2, row·4) = (4, 4) and spans ±1 × ±2 mm
    assert p[5].mean(axis=0).tolist() == [4.0, 4.0]
    assert p[5][:, 0].min() == 3.0 and p[5][:, 0].max() == 5.0
    assert p[5][:, 1].min() == 2.0 and p[5][:, 1].max() == 6.0


def test_weights_sum_to_one_over_a_partition():
    rng = np.random.default_rng(3)
    polys = grid_sensel_polygons((6, 6), (1.0, 1.0))
    x_cut, y_cut = rng.uniform(1, 4, size=2)
    parts = [
        shapely.box(-1, -1, x_cut, y_cut),
        shapely.box(x_cut, -1, 9, y_cut),
        shapely.box(-1, y_cut, 9, 9),
    ]
    w = overlap_weights(polys, parts)
    np.testing.assert_allclose(w.sum(axis=1), 1.0, atol=1e-12)


def test_whole_sensors_rule():
    assert whole_sensors(np.array([[1.0, 0.999], [0.0, 0.5]])).tolist() == [[1.0, 0.0], [0.0, 0.0]]


def test_degenerate_sensor_rejected():
    with pytest.raises(ValueError, match="no area"):
        overlap_weights([np.zeros((4, 2))], [shapely.box(0, 0, 1, 1)])


def _clip_left(poly: list[tuple[float, float]], x_cut: float) -> list[tuple[float, float]]:
    """Sutherland–Hodgman clip of a polygon to the half-plane x ≤ x_cut (plain Python)."""
    out = []
    for k in range(len(poly)):
        (x0, y0), (x1, y1) = poly[k - 1], poly[k]
        in0, in1 = x0 <= x_cut, x1 <= x_cut
        if in1:
            if not in0:
                out.append((x_cut, y0 + (y1 - y0) * (x_cut - x0) / (x1 - x0)))
            out.append((x1, y1))
        elif in0:
            out.append((x_cut, y0 + (y1 - y0) * (x_cut - x0) / (x1 - x0)))
    return out


def _area(poly: list[tuple[float, float]]) -> float:
    return 0.5 * abs(sum(poly[k - 1][0] * poly[k][1] - poly[k][0] * poly[k - 1][1] for k in range(len(poly))))


def test_pedar_sensors_cut_by_a_line_match_a_hand_clip(pedar):
    # pedar_mask2's hindfoot is everything proximal of 50 % of the insole length: each sensor's
    # weight must be its clipped area over its area, computed here by an independent clipper.
    from solemap.recordings.pressure_masks import pedar_mask

    m = pedar_mask("pedar_mask2", pedar, "left")
    hind = m.regions[0].geometry
    x_cut = hind.bounds[2]
    polys = [[tuple(map(float, p)) for p in poly] for poly in pedar.layout("left").polygons]
    w = overlap_weights(pedar.layout("left").polygons, [hind])[:, 0]
    want = [_area(_clip_left(p, x_cut)) / _area(p) if _clip_left(p, x_cut) else 0.0 for p in polys]
    np.testing.assert_allclose(w, want, atol=1e-9)
    assert 0 < np.sum((w > 0) & (w < 1)) < 10  # a few sensors straddle the cut


def test_rotated_grid_partition_property():
    # Any grid (rotated, any pitch) cut by two lines into three parts: the weights of every sensel
    # that lies inside the union add up to 1.
    rng = np.random.default_rng(11)
    for _ in range(5):
        pitch = rng.uniform(2, 9, size=2)
        polys = grid_sensel_polygons((7, 5), tuple(pitch))
        angle = rng.uniform(0, np.pi)
        rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
        polys = polys @ rot.T
        c = polys.reshape(-1, 2).mean(axis=0)
        a, b = rng.uniform(-5, 5, size=2)
        big = 1e3
        left = shapely.box(c[0] - big, c[1] - big, c[0] + a, c[1] + big)
        right = shapely.box(c[0] + a, c[1] - big, c[0] + big, c[1] + b)
        top = shapely.box(c[0] + a, c[1] + b, c[0] + big, c[1] + big)
        w = overlap_weights(polys, [left, right, top])
        np.testing.assert_allclose(w.sum(axis=1), 1.0, atol=1e-9)
