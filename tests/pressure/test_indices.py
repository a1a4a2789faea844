"""Clinical indices on synthetic prints whose answers are worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from solemap.recordings.indices import arch_index, cpei, peak_pressure_gradient

UP = np.array([0.0, 1.0])  # heel → toe along +row in these prints
LAT = np.array([1.0, 0.0])  # lateral toward +col


def blocks_print(mid_cols: int) -> np.ndarray:
    """30 rows: heel rows 0–9 and forefoot rows 20–29 are 6 sensels wide (cols 0–5); the midfoot
    rows 10–19 load only ``mid_cols`` lateral sensels (cols 6 − mid_cols … 5)."""
    fp = np.zeros((30, 8))
    fp[0:10, 0:6] = 200.0
    fp[20:30, 0:6] = 300.0
    fp[10:20, 6 - mid_cols : 6] = 80.0
    return fp


@pytest.mark.parametrize(("mid_cols", "expected"), [(2, 20 / 140), (0, 0.0), (6, 1 / 3)])
def test_arch_index_thirds(mid_cols, expected):
    # Length 30 rows → thirds of 10 rows each. Areas in sensels: 60 + 10·mid_cols + 60, so
    # AI = 10·mid_cols / (120 + 10·mid_cols): 2 cols → 20/140, none → 0, full width → 60/180.
    fp = blocks_print(mid_cols)
    if mid_cols == 0:
        fp[10:20, 5] = 0.0
    toes = np.zeros(fp.shape, bool)
    ai = arch_index(fp, (4.0, 4.0), toes=toes, axis=UP, lateral=LAT)
    assert ai.value == pytest.approx(expected, abs=1e-12)
    assert ai.rearfoot_mm2 == pytest.approx(60 * 16.0)
    assert ai.length_mm == pytest.approx(30 * 4.0)


def test_arch_index_removes_toes():
    # Toes in rows 30–33 must not lengthen the print: with them removed the answer is unchanged.
    fp = np.zeros((34, 8))
    fp[:30] = blocks_print(2)
    fp[30:34, 1:5] = 150.0
    toes = np.zeros(fp.shape, bool)
    toes[30:34] = True
    ai = arch_index(fp, (4.0, 4.0), toes=toes, axis=UP, lateral=LAT)
    assert ai.value == pytest.approx(20 / 140, abs=1e-12)
    assert ai.toes_removed == 16


def test_arch_index_thirds_cut_through_sensels():
    # 31 rows long: thirds of 31/3 rows; the midfoot band (rows 10.33–20.67) holds a full-width
    # print of 6 columns: 10.333 rows × 6 cols; total 31 × 6 → AI = 1/3 exactly, from fractional overlaps.
    fp = np.zeros((31, 6))
    fp[:] = 100.0
    ai = arch_index(fp, (5.0, 5.0), toes=np.zeros(fp.shape, bool), axis=UP, lateral=LAT)
    assert ai.value == pytest.approx(1 / 3, abs=1e-12)
    assert ai.midfoot_mm2 == pytest.approx(31 / 3 * 6 * 25.0)


def test_cpei_known_excursion():
    # Print: 30 rows × 10 cols, pitch 5 mm → width 50 mm, length 150 mm (sensel edges at y = -2.5
    # and 147.5). The distal-third line lies at 0.667 of the length: y = -2.5 + 0.667 · 150 = 97.55.
    # CoP path: from (20, 0) straight to (26, 97.55) and back to (20, 145): the construction line
    # (first → last point) is x = 20, the path crosses the distal-third line at x = 26: CPE = 6 mm
    # lateral, CPEI = 100 · 6 / 50 = 12 %.
    fp = np.full((30, 10), 100.0)
    y_star = -2.5 + 0.667 * 150.0
    cop = np.array([[20.0, 0.0], [26.0, y_star], [20.0, 145.0]])
    res = cpei(fp, (5.0, 5.0), cop, axis=UP, lateral=LAT)
    assert res.width_mm == pytest.approx(50.0)
    assert res.cpe_mm == pytest.approx(6.0)
    assert res.value == pytest.approx(12.0)
    # Mirror the foot (lateral toward -col): the same path read the other way is 6 mm *medial*.
    res2 = cpei(fp, (5.0, 5.0), cop, axis=UP, lateral=-LAT)
    assert res2.cpe_mm == pytest.approx(-6.0)


def test_cpei_hull_construction_and_nan_rows():
    fp = np.full((30, 10), 100.0)
    y_star = -2.5 + 0.667 * 150.0
    cop = np.array([[np.nan, np.nan], [20.0, 0.0], [26.0, y_star], [20.0, 145.0], [np.nan, np.nan]])
    # Hull of the three points: the longest edge joins the two end points (145 mm vs ≈ 98 / 48).
    res = cpei(fp, (5.0, 5.0), cop, axis=UP, lateral=LAT, construction="hull")
    assert res.cpe_mm == pytest.approx(6.0)


def test_pppg_on_a_cone():
    # p = 400 − 10 · distance (mm) around (row 5, col 5), pitch 2 mm: every neighbour is lower by
    # 10 kPa per mm of centre distance, so PPPG = 10 kPa/mm.
    r, c = np.mgrid[0:11, 0:11]
    img = 400.0 - 10.0 * np.hypot((r - 5) * 2.0, (c - 5) * 2.0)
    g = peak_pressure_gradient(img, (2.0, 2.0))
    assert (g.row, g.col, g.peak_kpa) == (5, 5, 400.0)
    assert g.value == pytest.approx(10.0)


def test_pppg_steepest_neighbour_and_nan():
    img = np.full((3, 3), np.nan)
    img[1, 1] = 300.0
    img[1, 2] = 280.0  # 20 kPa over 5 mm (col pitch) = 4 kPa/mm
    img[0, 1] = 250.0  # 50 kPa over 10 mm (row pitch) = 5 kPa/mm
    img[2, 2] = 200.0  # 100 kPa over √(10² + 5²) = 11.18 mm = 8.94 kPa/mm: the steepest
    g = peak_pressure_gradient(img, (10.0, 5.0))
    assert g.value == pytest.approx(100.0 / np.hypot(10.0, 5.0))


def test_indices_on_the_emed_plate(emed):
    # The shared emed trial (one stance on a plate): a normal-range arch index.
    from solemap.recordings.signals import footprint

    fp = footprint(emed)
    ai = arch_index(fp, emed.pitch_mm)
    assert 0.15 < ai.value < 0.30
    assert ai.toes_removed > 0


def test_trial_indices_per_step(fscan):
    # A walking trial on an F-Scan insole: one entry per detected step (5), each with all three.
    from solemap.recordings.indices import cop_plane_mm, trial_indices

    rows = trial_indices(fscan)
    assert [r["step"] for r in rows] == [1, 2, 3, 4, 5]
    assert all({"arch_index", "cpei", "pppg"} <= r.keys() for r in rows)
    assert all(0.1 < r["arch_index"]["value"] < 0.4 for r in rows)
    # CoP by hand for one frame of a tiny grid: loads 100 at (row 0, col 0) and 300 at (row 1,
    # col 2), pitch (4, 5) mm → x = (0·100 + 10·300)/400 = 7.5, y = (0·100 + 4·300)/400 = 3.
    p = np.zeros((2, 2, 3))
    p[0, 0, 0], p[0, 1, 2] = 100.0, 300.0
    cop = cop_plane_mm(p, (4.0, 5.0))
    assert cop[0].tolist() == [7.5, 3.0] and np.isnan(cop[1]).all()
