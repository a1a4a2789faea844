"""Whole-foot curves, footprints, noise cleaning and interpolation on small synthetic recordings."""

from __future__ import annotations

import numpy as np
import pytest

from solemap.recordings import Recording
from solemap.recordings.signals import clean_isolated, footprint, interpolate_grid, whole_foot_curves


def walking(n_steps: int = 3) -> Recording:
    """2 × 3 grid, pitch 10 mm (1 cm² sensels), 100 Hz: steps of 20 loaded frames (all six
    sensels at 100 kPa → force 6 · 100 kPa · 1e-4 m² · 1000 = 60 N) separated by 10 empty frames."""
    frames = []
    for _ in range(n_steps):
        frames += [np.zeros((2, 3))] * 10 + [np.full((2, 3), 100.0)] * 20
    frames += [np.zeros((2, 3))] * 10
    return Recording.from_array(np.array(frames), sample_rate_hz=100, pitch_mm=(10.0, 10.0), side="left")


def test_curves_and_steps_by_hand():
    rec = walking()
    c = whole_foot_curves(rec)
    assert c.force_n.max() == pytest.approx(60.0)
    assert c.area_cm2.max() == pytest.approx(6.0)
    assert c.peak_kpa.max() == 100.0
    # threshold = 0 + 0.1 · 60 = 6 N; loaded frames 10–29, 40–59, 70–89; a step runs from the first
    # loaded frame to the first unloaded one (pressuRe's FS…FO inclusive).
    assert c.threshold_n == pytest.approx(6.0)
    assert [(s.start, s.stop) for s in c.steps] == [(10, 30), (40, 60), (70, 90)]
    js = c.to_json()
    assert js["steps"][0] == {"step": 1, "first_frame": 10, "last_frame": 30}


def test_contact_threshold_and_missing_frames():
    p = np.zeros((4, 2, 2), np.float32)
    p[1] = [[5.0, 20.0], [0.0, 0.0]]
    p[2] = np.nan
    rec = Recording.from_array(p, sample_rate_hz=10, pitch_mm=(10.0, 10.0))
    c = whole_foot_curves(rec, contact_kpa=10.0, steps=False)
    assert c.area_cm2[1] == pytest.approx(1.0)  # only the 20 kPa sensel is above 10 kPa
    assert c.force_n[1] == pytest.approx(25 * 1e-4 * 1000)
    assert np.isnan(c.force_n[2]) and np.isnan(c.peak_kpa[2])


def test_footprints():
    p = np.array([[[1.0, 4.0]], [[3.0, 2.0]]], np.float32)
    rec = Recording.from_array(p, sample_rate_hz=10, pitch_mm=(5.0, 5.0))
    assert footprint(rec).tolist() == [[3.0, 4.0]]
    assert footprint(rec, kind="mean").tolist() == [[2.0, 3.0]]
    assert footprint(rec, kind="frame", frame=1).tolist() == [[3.0, 2.0]]
    with pytest.raises(ValueError, match="frame must be"):
        footprint(rec, kind="frame", frame=7)


def test_clean_isolated_grid():
    p = np.zeros((2, 5, 5), np.float32)
    p[0, 0, 0] = 50.0  # alone: noise
    p[0, 3, 3] = 80.0  # with a diagonal neighbour: kept
    p[0, 4, 4] = 60.0
    p[1, 2, 2] = 30.0  # alone in frame 1 (its neighbours are loaded only in frame 0)
    p[0, 2, 1] = np.nan
    rec = Recording.from_array(p, sample_rate_hz=10, pitch_mm=(5.0, 5.0))
    out = clean_isolated(rec).pressure()
    assert out[0, 0, 0] == 0.0 and out[1, 2, 2] == 0.0
    assert out[0, 3, 3] == 80.0 and out[0, 4, 4] == 60.0
    assert np.isnan(out[0, 2, 1])
    assert rec.pressure()[0, 0, 0] == 50.0, "the input is not modified"


def test_clean_isolated_insole(pedar):
    p = pedar.select(frames=slice(0, 50))
    out = clean_isolated(p, min_neighbours=1)
    before, after = p.pressure("left") > 0, out.pressure("left") > 0
    assert np.all(after <= before)
    # a loaded pedar sensor with no loaded neighbour disappears
    from solemap.recordings.signals import neighbour_matrix

    adj = neighbour_matrix(p, "left")
    lonely = before & ((before.astype(int) @ adj.astype(int)) == 0)
    assert np.array_equal(after, before & ~lonely)
    assert adj[0, 1] and not adj[0, 98]  # sensors 1 and 2 touch; 1 and 99 are heel and toe


def test_interpolate_nearest_preserves_force():
    rng = np.random.default_rng(0)
    p = rng.uniform(0, 300, (3, 4, 5)).astype(np.float32)
    p[:, 0, 0] = np.nan
    rec = Recording.from_array(p, sample_rate_hz=10, pitch_mm=(5.0, 4.0), valid_mask=~np.isnan(p[0]))
    fine = interpolate_grid(rec, 3, "nearest")
    assert fine.shape() == (12, 15) and fine.pitch_mm == (5.0 / 3, 4.0 / 3)
    f0 = whole_foot_curves(rec, steps=False).force_n
    f1 = whole_foot_curves(fine, steps=False).force_n
    np.testing.assert_allclose(f1, f0, rtol=1e-6)
    assert np.isnan(fine.pressure()[0, :3, :3]).all()


def test_interpolate_linear_on_a_ramp():
    # p = 10 · col: bilinear interpolation reproduces a linear ramp exactly between sensel centres.
    p = np.tile(np.arange(6, dtype=np.float32) * 10.0, (1, 4, 1))
    rec = Recording.from_array(p, sample_rate_hz=10, pitch_mm=(5.0, 5.0))
    fine = interpolate_grid(rec, 2).pressure()[0]
    # sub-sensel j sits at (j + 0.5)/2 − 0.5 parent columns: j = 3 → 1.25 → 12.5 kPa
    assert fine[1, 3] == pytest.approx(12.5)
    assert fine[1, 0] == pytest.approx(0.0)  # clamped at the border (−0.25 → 0)
