"""The foot frame: exact round trips, mirroring, scaling to a real foot, sensor grids."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solemap.frame import FootDimensions, FootFrame, GridSpec

unit = st.floats(min_value=1e-3, max_value=1.0, allow_nan=False)
side = st.sampled_from(["left", "right"])
length = st.floats(min_value=180.0, max_value=330.0)


@settings(max_examples=200, deadline=None)
@given(u=unit, v=st.floats(min_value=0.0, max_value=1.0), side=side, length=length)
def test_uv_mm_round_trip_is_exact(u: float, v: float, side: str, length: float) -> None:
    frame = FootFrame(side, FootDimensions.from_length(length))
    x, y = frame.uv_to_mm(u, v)
    u2, v2 = frame.mm_to_uv(x, y)
    assert abs(u2 - u) < 1e-9
    assert abs(v2 - v) < 1e-9


@settings(max_examples=200, deadline=None)
@given(x=st.floats(-50, 400), y=st.floats(-120, 120), side=side)
def test_mm_view_round_trip_is_exact(x: float, y: float, side: str) -> None:
    frame = FootFrame(side)
    vx, vy = frame.mm_to_view(x, y)
    x2, y2 = frame.view_to_mm(vx, vy)
    assert abs(x2 - x) < 1e-9 and abs(y2 - y) < 1e-9


@settings(max_examples=200, deadline=None)
@given(u=unit, v=st.floats(0.0, 1.0), side=side)
def test_uv_view_round_trip_is_exact(u: float, v: float, side: str) -> None:
    frame = FootFrame(side)
    u2, v2 = frame.view_to_uv(*frame.uv_to_view(u, v))
    assert abs(u2 - u) < 1e-9 and abs(v2 - v) < 1e-9


@settings(max_examples=200, deadline=None)
@given(u=unit, v=st.floats(0.0, 1.0))
def test_left_is_the_mirror_image_of_right(u: float, v: float) -> None:
    left, right = FootFrame("left"), FootFrame("right")
    lx, ly = left.uv_to_view(u, v)
    rx, ry = right.uv_to_view(u, v)
    assert lx == pytest.approx(-rx, abs=1e-12)
    assert ly == pytest.approx(ry, abs=1e-12)
    # Same anatomy in foot_mm for both feet.
    assert left.uv_to_mm(u, v) == pytest.approx(right.uv_to_mm(u, v))


def test_view_puts_big_toe_towards_the_middle() -> None:
    # Right foot: medial (v = 0) drawn left of lateral (v = 1); left foot the other way round.
    for side, sign in (("right", 1), ("left", -1)):
        frame = FootFrame(side)
        mx, _ = frame.uv_to_view(0.75, 0.0)
        lx, _ = frame.uv_to_view(0.75, 1.0)
        assert sign * (lx - mx) > 0
    # Toes up: larger u is higher in the picture (smaller view y).
    _, heel_y = FootFrame("left").uv_to_view(0.05, 0.5)
    _, toe_y = FootFrame("left").uv_to_view(0.95, 0.2)
    assert toe_y < heel_y


@settings(max_examples=200, deadline=None)
@given(
    row=st.floats(-5, 80),
    col=st.floats(-5, 40),
    pitch=st.tuples(st.floats(1.0, 10.0), st.floats(1.0, 10.0)),
    origin=st.tuples(st.floats(-100, 300), st.floats(-100, 100)),
    rotation=st.floats(-180, 180),
)
def test_grid_round_trip_is_exact(row, col, pitch, origin, rotation) -> None:
    grid = GridSpec(60, 21, pitch, origin, rotation)
    r2, c2 = grid.from_mm(*grid.to_mm(row, col))
    assert abs(r2 - row) < 1e-9 and abs(c2 - col) < 1e-9


def test_grid_rotation_and_pitch() -> None:
    grid = GridSpec(10, 5, pitch_mm=(5.0, 8.0), origin_mm=(10.0, -3.0), rotation_deg=90.0)
    x, y = grid.to_mm(0, 1)  # one column along the rotated column axis: +8 mm in y
    assert (x, y) == pytest.approx((10.0, 5.0))
    x, y = grid.to_mm(1, 0)  # one row: -5 mm in x after a quarter turn
    assert (x, y) == pytest.approx((5.0, -3.0))
    assert grid.sensel_area_mm2 == 40.0
    xs, ys = grid.centres_mm()
    assert xs.shape == (10, 5) and ys.shape == (10, 5)


def test_grid_through_foot_frame_round_trip() -> None:
    frame = FootFrame("right", FootDimensions.from_length(250))
    grid = GridSpec(60, 21, (5.08, 5.08), (5.0, -45.0), 2.5)
    rng = np.random.default_rng(3)
    u, v = rng.uniform(0.01, 1, 500), rng.uniform(0, 1, 500)
    r, c = frame.uv_to_grid(grid, u, v)
    u2, v2 = frame.grid_to_uv(grid, r, c)
    assert np.max(np.abs(u2 - u)) < 1e-9 and np.max(np.abs(v2 - v)) < 1e-9


def test_defaults_are_the_ansur_mean_adult_foot() -> None:
    dims = FootDimensions()
    assert dims.length_mm == pytest.approx((271.2 + 246.3) / 2, abs=0.01)
    assert dims.ball_width_mm == pytest.approx((101.9 + 92.7) / 2, abs=0.01)
    assert dims.heel_width_mm == pytest.approx((72.5 + 67.2) / 2, abs=0.01)


@pytest.mark.parametrize(("length", "sex", "expected"), [(271.2, "male", 101.8), (246.3, "female", 92.7)])
def test_width_regressions_reproduce_the_survey_means(length, sex, expected) -> None:
    assert FootDimensions.from_length(length, sex).ball_width_mm == pytest.approx(expected, abs=0.3)


def test_longer_feet_are_relatively_narrower() -> None:
    short, long = FootDimensions.from_length(230), FootDimensions.from_length(300)
    assert long.ball_width_mm / long.length_mm < short.ball_width_mm / short.length_mm


@pytest.mark.parametrize(
    "kwargs",
    [
        {"length_mm": -1},
        {"length_mm": float("nan")},
        {"ball_width_mm": 0},
        {"length_mm": 260, "ball_width_mm": 200},
        {"heel_width_mm": 120},
        {"ball_length_ratio": 0.95},
    ],
)
def test_implausible_dimensions_are_rejected(kwargs) -> None:
    with pytest.raises(ValueError):
        FootDimensions(**kwargs)


def test_bad_side_and_grid_are_rejected() -> None:
    with pytest.raises(ValueError, match="side"):
        FootFrame("middle")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="rows"):
        GridSpec(0, 3)
    with pytest.raises(ValueError, match="pitch"):
        GridSpec(3, 3, pitch_mm=(0.0, 1.0))


def test_borders_close_at_the_heel_and_widen_to_the_ball() -> None:
    frame = FootFrame("left")
    w = frame.width_mm(np.array([0.0, 0.05, 0.16, 0.74]))
    assert w[0] == pytest.approx(0.0, abs=1e-9)
    assert w[1] < w[2] < w[3]
    assert math.isclose(frame.mm_to_uv(0.0, 0.0)[1], 0.5)
