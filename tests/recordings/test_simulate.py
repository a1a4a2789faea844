"""The simulator: loads, pressures in published ranges, ball contact model, ground truth, round trips."""

from __future__ import annotations

import numpy as np
import pytest

from solemap.recordings import Recording
from solemap.recordings.simulate import (
    ball_contact_radius_mm,
    simulate_rolling,
    simulate_standing,
    simulation_truth,
)

G = 9.80665


def _force(rec: Recording) -> np.ndarray:
    a = rec.pitch_mm[0] * rec.pitch_mm[1] * 1e-6
    return np.nansum(rec.pressure(), axis=(1, 2)) * a * 1000


def test_standing_carries_half_the_body_weight_with_plausible_pressures():
    rec = simulate_standing(body_mass_kg=70, noise=0.0, sway_fraction=0.0, duration_s=0.2)
    assert rec.sides == ("left",) and rec.format == "simulated"
    np.testing.assert_allclose(_force(rec), 70 * G / 2, rtol=1e-6)
    p = rec.pressure()[0]
    rows = p.shape[0]
    heel = p[int(rows * 0.6) :]
    fore = p[: int(rows * 0.55)]
    # mechanics.md §2: quiet standing peaks heel ≈ 139 kPa, forefoot ≈ 88 kPa (Cavanagh 1987, unverified);
    # mean over the contact ≈ body weight / contact area ≈ 25–31 kPa for 70 kg.
    assert 100 < heel.max() < 180
    assert 50 < fore.max() < 110
    loaded = p[p > 5]
    assert 20 < loaded.mean() < 35
    assert 90 < loaded.size * 5.08**2 / 100 < 160  # contact area, cm²
    # Heel share of the load: 60 %.
    a = 5.08**2 * 1e-6 * 1000
    truth = simulation_truth(rec).registration
    u = truth.u.reshape(p.shape)
    assert np.sum(p[u < 0.3]) * a / (70 * G / 2) == pytest.approx(0.6, abs=0.03)


def test_standing_is_seeded_and_noise_changes_values_only_where_loaded():
    a = simulate_standing(seed=3, duration_s=0.1)
    b = simulate_standing(seed=3, duration_s=0.1)
    c = simulate_standing(seed=4, duration_s=0.1)
    exact = simulate_standing(seed=3, duration_s=0.1, noise=0.0)
    assert np.array_equal(a.pressure(), b.pressure())
    assert not np.array_equal(a.pressure(), c.pressure())
    assert np.array_equal(a.pressure() > 0, exact.pressure() > 0)
    assert (a.pressure() >= 0).all()


def test_sway_moves_the_centre_of_pressure_along_the_foot():
    rec = simulate_standing(noise=0.0, duration_s=5.0, sample_rate_hz=20, sway_fraction=0.05)
    cop = simulation_truth(rec).cop_grid
    excursion_mm = np.ptp(cop[:, 0]) * 5.08  # rows run along the foot here
    assert 3 < excursion_mm < 30


def test_contact_radius_rule():
    r = 63.7 / 2
    assert ball_contact_radius_mm(63.7, 1.0, 100.0) == pytest.approx(0.5 * r)
    assert ball_contact_radius_mm(63.7, 0.0, 100.0) == pytest.approx(r)
    # Grows as the cube root of the load, within [0.3 R, R].
    assert ball_contact_radius_mm(63.7, 1.0, 800.0) == pytest.approx(min(r, 0.5 * r * 2))
    assert ball_contact_radius_mm(63.7, 1.0, 1.0) == pytest.approx(0.3 * r)
    with pytest.raises(ValueError):
        ball_contact_radius_mm(63.7, 1.5, 100.0)


def test_rolling_ball_force_pressure_and_path(output_dir):
    path = [(0.15, 0.5), (0.7, 0.4)]
    rec = simulate_rolling(
        ball_diameter_mm=63.7,
        firmness=1.0,
        load_n=100.0,
        path=path,
        sample_rate_hz=50,
        duration_s=2.0,
        noise=0.0,
        seed=1,
    )
    truth = simulation_truth(rec)
    assert truth.kind == "rolling" and truth.path_uv.shape == (rec.n_frames, 2)
    np.testing.assert_allclose(truth.path_uv[0], path[0])
    np.testing.assert_allclose(truth.path_uv[-1], path[-1])
    f = _force(rec)
    # The whole ball contact lies on the sole along this path: the sensels see the full load.
    np.testing.assert_allclose(f, 100.0, rtol=0.03)
    p = rec.pressure()
    a = ball_contact_radius_mm(63.7, 1.0, 100.0)
    loaded = (p > 0).sum(axis=(1, 2)) * 5.08**2
    # Contact patch ≈ πa² (plus the sensels the edge cuts).
    assert np.median(loaded) == pytest.approx(np.pi * a**2, rel=0.35)
    # Mean pressure inside mechanics.md §4's bound F/(πR²) … 4F/(πR²) (31–124 kPa there, R rounded to
    # 32 mm, for a lacrosse ball at 100 N); a hard ball sits at the upper end.
    r_m = 63.7 / 2 * 1e-3
    mean_kpa = 100.0 / (np.pi * (a * 1e-3) ** 2) / 1000
    assert 100.0 / (np.pi * r_m**2) / 1000 <= mean_kpa <= 4 * 100.0 / (np.pi * r_m**2) / 1000 * (1 + 1e-9)
    # The pressure centre of each frame is the ball centre (symmetric profile): < 0.25 sensel.
    rows, cols = np.meshgrid(np.arange(p.shape[1]), np.arange(p.shape[2]), indexing="ij")
    cr = (p * rows).sum(axis=(1, 2)) / p.sum(axis=(1, 2))
    cc = (p * cols).sum(axis=(1, 2)) / p.sum(axis=(1, 2))
    err = np.hypot(cr - truth.path_grid[:, 0], cc - truth.path_grid[:, 1])
    assert err.max() < 0.25
    from solemap.render import svg_to_png

    frames = p[:: max(1, rec.n_frames // 6)]
    img = np.concatenate(list(frames), axis=1)
    level = np.clip(img * 2, 0, 255).astype(int)
    svg_rects = "".join(
        f'<rect x="{j * 4}" y="{i * 4}" width="4" height="4" '
        f'fill="rgb({level[i, j]},0,{255 - level[i, j]})"/>'
        for (i, j), v in np.ndenumerate(img)
        if v > 0
    )
    w, h = img.shape[1] * 4, img.shape[0] * 4
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}">'
        f'<rect width="{w}" height="{h}" fill="#eee"/>{svg_rects}</svg>'
    )
    (output_dir / "simulate_rolling_frames.png").write_bytes(svg_to_png(svg))


def test_soft_ball_spreads_the_same_load_wider():
    kw = dict(load_n=100.0, path=[(0.12, 0.5)], sample_rate_hz=10, duration_s=0.2, noise=0.0)
    hard = simulate_rolling(firmness=1.0, **kw).pressure()[0]
    soft = simulate_rolling(firmness=0.0, **kw).pressure()[0]
    assert (soft > 0).sum() > 2.5 * (hard > 0).sum()
    assert hard.max() > 2.5 * soft.max()


def test_round_trips_keep_data_and_truth(tmp_path):
    rec = simulate_rolling(duration_s=0.5, sample_rate_hz=20, seed=2)
    rec.save_npz(tmp_path / "r.npz")
    back = Recording.from_npz(tmp_path / "r.npz")
    assert back.equals(rec)
    t1, t2 = simulation_truth(rec), simulation_truth(back)
    np.testing.assert_allclose(t1.path_grid, t2.path_grid)
    np.testing.assert_allclose(t1.registration.u, t2.registration.u)
    with pytest.raises(ValueError):
        simulation_truth(Recording.from_array(np.zeros((2, 4, 4)), sample_rate_hz=10, pitch_mm=(5, 5)))


def test_varying_load_and_background():
    load = np.linspace(50, 150, 20)
    rec = simulate_rolling(
        load_n=load, path=[(0.12, 0.5)], sample_rate_hz=10, duration_s=2.0, noise=0.0, background_n=40.0
    )
    np.testing.assert_allclose(_force(rec), load + 40.0, rtol=0.03)
