"""Registration: synthetic prints with known pose (rotated, shifted, mirrored), real files, overrides."""

from __future__ import annotations

import numpy as np
import pytest

from solemap.recordings import read_recording
from solemap.recordings.registration import RegistrationError, register_footprint, register_layout
from solemap.recordings.simulate import simulate_standing, simulation_truth


def _angle_error(a: float, b: float) -> float:
    return abs((a - b + 180.0) % 360.0 - 180.0)


POSES = [
    # side, axis_deg, heel shift (mm), foot length
    ("left", -90.0, (0.0, 0.0), 258.8),
    ("right", -90.0, (6.0, -4.0), 240.0),
    ("left", 35.0, (-10.0, 8.0), 270.0),
    ("right", 152.0, (12.0, 3.0), 230.0),
    ("left", -171.0, (3.0, -12.0), 285.0),
    ("right", 4.0, (-7.0, 10.0), 250.0),
]


@pytest.mark.parametrize(("side", "axis_deg", "shift", "length"), POSES)
def test_synthetic_prints_with_known_pose(side, axis_deg, shift, length):
    rows = cols = 72
    pitch = (5.0, 5.0)
    a = np.radians(axis_deg)
    centre = np.array([(cols - 1) * pitch[1] / 2, (rows - 1) * pitch[0] / 2])
    heel = centre - np.array([np.cos(a), np.sin(a)]) * length / 2 + np.array(shift)
    rec = simulate_standing(
        rows,
        cols,
        pitch,
        side=side,
        axis_deg=axis_deg,
        heel_mm=tuple(heel),
        foot_length_mm=length,
        duration_s=0.1,
        sample_rate_hz=50,
        noise=0.05,
        seed=7,
    )
    truth = simulation_truth(rec).registration
    reg = register_footprint(rec.pressure().max(axis=0), rec.pitch_mm)
    assert reg.side == side
    assert _angle_error(reg.axis_deg, truth.axis_deg) < 2.0
    sensel = min(pitch)
    assert np.linalg.norm(reg.heel_mm - truth.heel_mm) < sensel
    assert np.linalg.norm(reg.toe_mm - truth.toe_mm) < sensel
    assert reg.confidence > 0.5
    # Sensels in the print get nearly their true uv.
    loaded = rec.pressure().max(axis=0).reshape(-1) > 0
    assert np.median(np.abs(reg.u[loaded] - truth.u[loaded])) < 0.01
    assert np.median(np.abs(reg.v[loaded] - truth.v[loaded])) < 0.05


def test_mirrored_export_flips_the_side():
    rec = simulate_standing(side="right", noise=0.0, duration_s=0.1)
    fp = rec.pressure().max(axis=0)
    assert register_footprint(fp, rec.pitch_mm).side == "right"
    assert register_footprint(fp[:, ::-1], rec.pitch_mm).side == "left"
    assert register_footprint(fp[:, ::-1], rec.pitch_mm, seen_from="below").side == "right"


@pytest.mark.filterwarnings(
    "ignore:All-NaN slice:RuntimeWarning", "ignore:Mean of empty slice:RuntimeWarning"
)
def test_fscan_left_insole_comes_out_left(shared_recordings):
    rec = read_recording(shared_recordings / "fscan_testL.asf")
    p = rec.pressure()
    for footprint in (np.nanmax(p, axis=0), np.nanmean(p, axis=0)):
        reg = register_footprint(footprint, rec.pitch_mm)
        assert reg.side == "left"
        # Toes toward row 0 (Tekscan orientation): the axis points to -y of the plane.
        assert _angle_error(reg.axis_deg, -90.0) < 10
        assert 200 < reg.dims.length_mm < 300
    # The right insole of the same system is the column mirror of the left one.
    assert register_footprint(np.nanmax(p, axis=0)[:, ::-1], rec.pitch_mm).side == "right"


def test_manual_overrides():
    rec = simulate_standing(side="left", noise=0.0, duration_s=0.1)
    fp = rec.pressure().max(axis=0)
    truth = simulation_truth(rec).registration
    forced = register_footprint(fp, rec.pitch_mm, side="right")
    assert forced.side == "right" and forced.method == "manual" and forced.confidence == 0.0
    fixed = register_footprint(fp, rec.pitch_mm, axis_deg=-80.0)
    assert _angle_error(fixed.axis_deg, -80.0) < 1e-6
    given = register_footprint(fp, rec.pitch_mm, side="left", heel_toe_mm=(truth.heel_mm, truth.toe_mm))
    np.testing.assert_allclose(given.u, truth.u, atol=1e-9)
    np.testing.assert_allclose(given.v, truth.v, atol=1e-9)
    with pytest.raises(RegistrationError):
        register_footprint(fp, rec.pitch_mm, heel_toe_mm=((0, 0), (0, 250)))  # needs side


def test_plane_and_foot_round_trip():
    rec = simulate_standing(side="left", axis_deg=20.0, noise=0.0, duration_s=0.1, rows=70, cols=70)
    reg = register_footprint(rec.pressure().max(axis=0), rec.pitch_mm)
    pts = np.array([[10.0, 20.0], [100.0, -5.0]])
    np.testing.assert_allclose(reg.foot_to_plane(reg.plane_to_foot(pts)), pts, atol=1e-9)
    assert reg.mirrored  # a left foot seen from above is a mirror image
    with pytest.raises(RegistrationError):
        reg.grid_spec((5.08, 5.08))
    right = register_footprint(
        simulate_standing(side="right", noise=0.0, duration_s=0.1).pressure().max(axis=0), (5.08, 5.08)
    )
    spec = right.grid_spec((5.08, 5.08))
    x, y = spec.to_mm(np.array([3.0]), np.array([4.0]))
    np.testing.assert_allclose(
        np.column_stack([x, y])[0], right.plane_to_foot(np.array([4 * 5.08, 3 * 5.08])), atol=1e-9
    )


def test_too_few_loaded_sensels():
    fp = np.zeros((60, 21))
    with pytest.raises(RegistrationError):
        register_footprint(fp, (5.08, 5.08))
    fp[30, 10] = 100.0
    with pytest.raises(RegistrationError):
        register_footprint(fp, (5.08, 5.08))


def test_pedar_registers_from_its_layout(shared_recordings):
    rec = read_recording(shared_recordings / "pedar_example.asc")
    lay = rec.layout("left")
    reg = register_layout(lay.positions_mm, lay.areas_mm2, "left")
    assert reg.method == "layout" and reg.side == "left"
    u, v = reg.u, reg.v
    assert u.min() > 0 and u.max() < 1 and v.min() > 0 and v.max() < 1
    # pressuRe's pedar layout: sensors 1-5 are the heel row, 96-99 the toe row; numbering runs
    # medial -> lateral within a row.
    assert u[:5].max() < 0.1 and u[95:].min() > 0.9
    assert np.all(np.diff(v[:5]) > 0)
    assert np.all(np.diff(v[5:12]) > 0)
    with pytest.raises(RegistrationError):
        register_layout(np.zeros((99, 2)), np.ones(99), "left")
