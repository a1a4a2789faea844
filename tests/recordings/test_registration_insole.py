"""Whole-insole prints (XSENSOR): registration from the insole outline when the footprint model fails.

The XSENSOR sample (pressuRe ``xsensor_data.csv``) loads nearly the whole insole (228 and 230 of the
~235 sensels its header's "Total Area" 174.17 cm² / 0.86² cm² implies), arch included, so the
footprint model (medial arch off the ground) fits it badly. The data say where the heel is: every
stance starts with the centre of pressure at rows 24–28 and rolls off at rows 2–5 (toes toward
row 0), and the right insole's rearfoot peak lies at rows 26–29.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely

from solemap.frame import FootDimensions
from solemap.outline import plantar_outline
from solemap.recordings import Recording, read_recording
from solemap.recordings.analysis import run_analysis
from solemap.recordings.registration import fit_problems, register_footprint, register_outline

PITCH = 8.6  # XSENSOR 'Sensel Width (cm)' / 'Sensel Height (cm)' 0.86


def _angle_error(a: float, b: float) -> float:
    return abs((a - b + 180.0) % 360.0 - 180.0)


@pytest.fixture(scope="module")
def xsensor(shared_recordings):
    rec = read_recording(shared_recordings / "xsensor_data.csv")
    return rec, run_analysis(rec, steps=False)


def test_xsensor_pitch_matches_the_header(xsensor):
    rec, _ = xsensor
    assert rec.pitch_mm == (PITCH, PITCH)
    # First frame, left insole: 'Contact Area (cm²),68.19' = loaded sensels × 0.86².
    first = np.nan_to_num(rec.pressure("left")[0])
    assert (first > 0).sum() * 0.86**2 == pytest.approx(68.19, abs=0.2)


def test_xsensor_heel_is_where_each_stance_starts(xsensor):
    rec, res = xsensor
    rows = np.arange(31)[:, None]
    for s in res.sides:
        reg = s.registration
        assert reg.side == s.side  # the file names the insoles (-LF, -RF)
        assert reg.method.startswith("sensor-outline")
        assert any("insole outline" in n for n in reg.notes)
        assert not any(n.startswith("warning") for n in reg.notes)
        assert not fit_problems(reg)
        # Toes toward row 0, heel at the last rows.
        assert reg.heel_mm[1] / PITCH > 27 and reg.toe_mm[1] / PITCH < 2
        assert _angle_error(reg.axis_deg, -90.0) < 15
        assert 220 <= reg.dims.length_mm <= 300  # 31 rows × 8.6 mm = 267 mm of sensor
        # Initial contacts (first loaded frame of each stance) lie on the rearfoot.
        p = np.nan_to_num(rec.pressure(s.side)).astype(np.float64)
        force = p.sum(axis=(1, 2))
        onsets = [t for t in range(1, len(force)) if force[t] > 0 and force[t - 1] == 0]
        assert onsets
        for t in onsets:
            cop_row = float((p[t] * rows).sum() / force[t])
            assert cop_row > 20
            assert s.cop_uv[t, 0] < 0.3
    # The right insole's rearfoot peak (row 26–29) lies in the heel (u < 0.2).
    right = next(s for s in res.sides if s.side == "right")
    fp = np.nan_to_num(right.footprint_kpa)
    rear = np.argmax(np.where(np.arange(31)[:, None] >= 20, fp, -1.0))
    assert 26 <= rear // 11 <= 29
    assert right.registration.u[rear] < 0.2


def test_xsensor_sides_detected_from_the_outline(xsensor):
    rec, res = xsensor
    for s in res.sides:
        outline = np.nan_to_num(s.footprint_kpa) > 0
        reg = register_outline(outline, rec.pitch_mm)
        assert reg.side == s.side
        assert _angle_error(reg.axis_deg, s.registration.axis_deg) < 1.0


def test_xsensor_report_picture(xsensor, output_dir):
    from solemap.recordings.analysis import footprint_raster
    from solemap.render import render_svg, svg_to_png

    _, res = xsensor
    for s in res.sides:
        raster = footprint_raster(s)
        assert np.isfinite(raster).mean() > 0.6  # the insole covers most of the sole
        svg = render_svg(side=s.side, layers=["pressure-regions"], value_raster=raster, labels=False)
        (output_dir / f"xsensor-peak-{s.side}.png").write_bytes(svg_to_png(svg))


def _whole_insole(side, axis_deg, length, rows, cols, pitch, shift=(0.0, 0.0)):
    """A grid loaded wherever the whole sole (arch included) covers a sensel centre, and the truth."""
    a = math.radians(axis_deg)
    centre = np.array([(cols - 1) * pitch / 2, (rows - 1) * pitch / 2]) + np.asarray(shift)
    d = np.array([math.cos(a), math.sin(a)])
    heel, toe = centre - d * length / 2, centre + d * length / 2
    truth = register_footprint(np.zeros((rows, cols)), (pitch, pitch), side=side, heel_toe_mm=(heel, toe))
    sole = plantar_outline(side, FootDimensions.from_length(length), frame="mm")
    inside = shapely.contains_xy(sole, truth.foot_mm[:, 0], truth.foot_mm[:, 1]).reshape(rows, cols)
    return inside, truth


INSOLES = [
    # side, axis_deg, length, pitch, shift
    ("left", -90.0, 260.0, 8.6, (0.0, 0.0)),
    ("right", -90.0, 250.0, 8.6, (5.0, -3.0)),
    ("left", 30.0, 270.0, 8.6, (-6.0, 4.0)),
    ("right", 150.0, 240.0, 5.08, (3.0, 2.0)),
    ("left", -170.0, 285.0, 8.6, (0.0, 0.0)),
    ("right", -63.0, 265.0, 5.08, (-4.0, 0.0)),
]


@pytest.mark.parametrize(("side", "axis_deg", "length", "pitch", "shift"), INSOLES)
def test_synthetic_whole_insole(side, axis_deg, length, pitch, shift):
    n = math.ceil(1.15 * length / pitch)
    inside, truth = _whole_insole(side, axis_deg, length, n, n, pitch, shift)
    reg = register_outline(inside, (pitch, pitch))
    assert reg.side == side
    assert _angle_error(reg.axis_deg, truth.axis_deg) < 2.0
    assert np.linalg.norm(reg.heel_mm - truth.heel_mm) < pitch
    assert np.linalg.norm(reg.toe_mm - truth.toe_mm) < pitch
    assert reg.iou > 0.65 and reg.confidence > 0.3


@pytest.mark.parametrize(("side", "axis_deg"), [("left", -90.0), ("right", -84.0), ("left", 96.0)])
def test_synthetic_whole_insole_through_the_analysis(side, axis_deg):
    """An insole grid (31 × 11 at 8.6 mm, zeros outside the sole) loaded over its whole outline."""
    pitch, length = 8.6, 255.0
    inside, truth = _whole_insole(side, axis_deg, length, 31, 11, pitch)
    rng = np.random.default_rng(3)
    frame = np.where(inside, rng.uniform(20.0, 200.0, inside.shape), 0.0)
    p = np.stack([frame * f for f in (0.2, 0.6, 1.0, 0.5)]).astype(np.float32)
    rec = Recording.from_array(p, sample_rate_hz=50.0, side=side, pitch_mm=(pitch, pitch))
    reg = run_analysis(rec, steps=False).sides[0].registration
    assert reg.side == side
    assert _angle_error(reg.axis_deg, truth.axis_deg) < 2.0
    assert np.linalg.norm(reg.heel_mm - truth.heel_mm) < pitch
    assert np.linalg.norm(reg.toe_mm - truth.toe_mm) < pitch


def test_fscan_left_still_registers_from_its_footprint(shared_recordings):
    rec = read_recording(shared_recordings / "fscan_testL.asf")
    reg = run_analysis(rec, steps=False).sides[0].registration
    assert reg.method == "footprint" and reg.side == "left"
    assert _angle_error(reg.axis_deg, -90.0) < 5
    assert 230 < reg.dims.length_mm < 250
    assert reg.notes == ()
    # The tracking module's name for the outline registration still works.
    from solemap.recordings import tracking

    assert tracking.register_outline is register_outline


def test_low_confidence_registration_warns():
    """A print that neither the footprint model nor an insole outline explains: a plain warning."""
    rows, cols, pitch = 40, 40, 5.0
    frame = np.zeros((rows, cols))
    frame[5:35, 5:35] = 100.0  # a square slab, not a foot
    rec = Recording.from_array(frame[None].astype(np.float32), sample_rate_hz=50.0, pitch_mm=(pitch, pitch))
    reg = run_analysis(rec, steps=False).sides[0].registration
    assert not reg.method.startswith("sensor-outline")
    warnings = [n for n in reg.notes if n.startswith("warning")]
    assert warnings and "--side" in warnings[0] and "--axis-deg" in warnings[0]
