"""Ball tracking against simulated sessions with known paths, and on a real walking trial."""

from __future__ import annotations

import math

import numpy as np
import pytest

from solemap.recordings import Recording, RecordingError, read_recording
from solemap.recordings.simulate import simulate_rolling, simulate_standing, simulation_truth
from solemap.recordings.tracking import (
    LOW_CONFIDENCE,
    estimate_baseline,
    track_ball,
    track_frames,
    track_svg,
)

# Grids: an F-Scan-like insole (5.08 mm), a coarse home-made mat (8.4 mm), a fine plate (2.5 mm
# over a smaller field: rows × pitch must hold a foot).
GRIDS = {
    "fscan": (60, 21, (5.08, 5.08)),
    "coarse": (36, 14, (8.4, 8.4)),
    "fine": (112, 44, (2.5, 2.5)),
}
BALLS = {"golf": (42.7, 1.0), "lacrosse": (63.7, 0.8), "tennis": (67.0, 0.2)}


def _path_error(track, truth) -> np.ndarray:
    """(T,) centre error in sensel pitches (NaN when not detected)."""
    return np.hypot(track.frames.row - truth.path_grid[:, 0], track.frames.col - truth.path_grid[:, 1])


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("ball", list(BALLS))
@pytest.mark.parametrize("grid", list(GRIDS))
def test_mean_error_under_one_sensel(grid: str, ball: str, seed: int) -> None:
    rows, cols, pitch = GRIDS[grid]
    diameter, firmness = BALLS[ball]
    rng = np.random.default_rng(seed)
    # A random path of four waypoints inside the sole, away from its border.
    path = np.column_stack([rng.uniform(0.12, 0.78, 4), rng.uniform(0.3, 0.7, 4)])
    rec = simulate_rolling(
        rows,
        cols,
        pitch,
        ball_diameter_mm=diameter,
        firmness=firmness,
        load_n=rng.uniform(60, 250),
        path=path,
        duration_s=2.0,
        sample_rate_hz=50,
        noise=0.05,
        seed=seed,
        background_n=150.0 if seed == 1 else 0.0,
    )
    truth = simulation_truth(rec)
    track = track_ball(rec, ball_diameter_mm=diameter)
    err = _path_error(track, truth)
    assert track.detected.mean() > 0.98
    assert np.nanmean(err) < 1.0, f"mean error {np.nanmean(err):.2f} sensels"
    assert track.confidence >= LOW_CONFIDENCE


def test_error_is_sub_sensel_and_path_maps_to_uv() -> None:
    rec = simulate_rolling(duration_s=3.0, seed=4, background_n=200.0)
    truth = simulation_truth(rec)
    track = track_ball(rec)
    assert track.registration_source == "background"
    assert np.nanmean(_path_error(track, truth)) < 0.3
    # Through the fitted registration the uv path lies within ~1 sensel (5 mm ≈ 0.02 u) of the truth.
    uv_err = np.hypot(*(track.centre_uv - truth.path_uv).T)
    assert np.nanmean(uv_err) < 0.03


def test_speed_and_path_length_match_truth() -> None:
    rec = simulate_rolling(duration_s=4.0, sample_rate_hz=100, seed=5, noise=0.03)
    truth = simulation_truth(rec)
    track = track_ball(rec)
    foot = truth.registration.frame
    x, y = foot.uv_to_mm(truth.path_uv[:, 0], truth.path_uv[:, 1])
    true_len = float(np.sum(np.hypot(np.diff(x), np.diff(y))))
    assert track.path_length_mm == pytest.approx(true_len, rel=0.08)
    # The simulator moves at constant speed in uv, so compare with the true speed in mm frame by frame.
    true_speed = np.hypot(np.diff(x), np.diff(y)) * 100.0
    assert np.nanmedian(track.speed_mm_s) == pytest.approx(np.median(true_speed), rel=0.05)


def test_held_ball_is_found_without_baseline() -> None:
    # Pressing in place the whole time: the quantile baseline absorbs the ball, "none" keeps it.
    rec = simulate_rolling(path=[(0.3, 0.5)], duration_s=1.0, seed=2)
    assert not track_ball(rec).detected.any()
    held = track_ball(rec, baseline="none")
    assert held.detected.all()
    assert np.nanmax(held.speed_mm_s) < 5.0


def test_dwell_table_sums_and_never_reached() -> None:
    # Stay in the heel: forefoot areas are never reached; the dwell of a partition sums to the time.
    rec = simulate_rolling(path=[(0.08, 0.35), (0.16, 0.65), (0.08, 0.5)], duration_s=2.0, seed=3)
    track = track_ball(rec)
    table = track.area_table("pressure-regions")
    heel = table.set_index("area").loc[["pr-heel-medial", "pr-heel-lateral"], "dwell_s"].sum()
    assert heel == pytest.approx(track.tracked_s, abs=0.05)
    never = track.never_reached("pressure-regions")
    assert "pr-hallux" in never and "pr-mth-1" in never
    assert "pr-heel-medial" not in never
    assert table["peak_kpa"].max() >= table["mean_kpa"].max()


def test_coverage_raster_counts_time_under_contact() -> None:
    rec = simulate_rolling(path=[(0.5, 0.6)], duration_s=1.0, sample_rate_hz=50, seed=0)
    track = track_ball(rec, baseline="none")
    cov = track.coverage_s
    # The cell under the held ball accumulates the whole second; far cells none.
    i, j = int(0.5 * cov.shape[0]), int(0.6 * cov.shape[1])
    assert cov[i, j] == pytest.approx(1.0, abs=0.03)
    assert np.nanmax(cov[: int(0.2 * cov.shape[0])]) == 0.0


def test_jit_kernel_matches_python() -> None:
    rec = simulate_rolling(duration_s=0.2, sample_rate_hz=50, seed=7, background_n=100.0)
    p = rec.pressure()
    base = estimate_baseline(p)
    fast = track_frames(p, rec.pitch_mm, base)
    slow = track_frames(p, rec.pitch_mm, base, jit=False)
    for name in ("row", "col", "peak_kpa", "force_n", "compactness", "roundness"):
        np.testing.assert_allclose(getattr(fast, name), getattr(slow, name), rtol=1e-6, equal_nan=True)


def test_baseline_is_the_stationary_load() -> None:
    p = np.zeros((100, 4, 4), np.float32)
    p[:, 1, 1] = 50.0
    p[:30, 2, 2] = 200.0  # a passing ball, 30 % of the time
    p[0, 0, 0] = np.nan
    base = estimate_baseline(p, 0.2)
    assert base[1, 1] == 50.0 and base[2, 2] == 0.0 and base[0, 0] == 0.0


def test_standing_recording_is_not_a_ball() -> None:
    rec = simulate_standing(duration_s=2.0, seed=1)
    track = track_ball(rec, baseline="none")
    assert track.confidence < LOW_CONFIDENCE
    assert any("low confidence" in n for n in track.notes)


def test_real_walking_trial_is_not_a_ball(shared_recordings, output_dir) -> None:
    rec = read_recording(shared_recordings / "fscan_testL.asf")
    track = track_ball(rec)
    assert track.foot == "left"  # registered from the insole outline
    assert track.registration_source == "sensor-outline"
    assert track.confidence < LOW_CONFIDENCE
    from solemap.render import svg_to_png

    (output_dir / "tracking-fscan-walk.png").write_bytes(
        svg_to_png(track_svg(track, title="F-Scan walking trial (not a ball)"), scale=2)
    )


def test_rolling_on_a_real_insole(shared_recordings, output_dir) -> None:
    """A simulated ball on the real F-Scan grid: its sensor outline, its foot placement and a
    background of the trial's own mid-stance load; tracked from the outline registration."""
    real = read_recording(shared_recordings / "fscan_testL.asf")
    valid = real.valid_mask()
    from solemap.recordings.analysis import run_analysis

    reg = run_analysis(real, steps=False).sides[0].registration  # the foot's own print
    sim = simulate_rolling(
        60,
        21,
        real.pitch_mm,
        side="left",
        foot_length_mm=reg.dims.length_mm,
        axis_deg=reg.axis_deg,
        heel_mm=tuple(reg.heel_mm),
        duration_s=4.0,
        sample_rate_hz=real.sample_rate_hz,
        seed=3,
    )
    truth = simulation_truth(sim)
    p = sim.pressure().copy()
    force = np.nansum(real.pressure(), axis=(1, 2))
    stance = np.asarray(real.pressure()[int(np.argmax(force))], dtype=np.float32)
    p += 0.25 * np.nan_to_num(stance)[None]  # a quarter of a stance frame under the other load
    p[:, ~valid] = np.nan
    rec = Recording.from_array(p, sample_rate_hz=real.sample_rate_hz, side="left", pitch_mm=real.pitch_mm)
    track = track_ball(rec, registration=None)
    assert track.confidence >= LOW_CONFIDENCE
    inside = valid[
        np.clip(np.rint(truth.path_grid[:, 0]).astype(int), 0, 59),
        np.clip(np.rint(truth.path_grid[:, 1]).astype(int), 0, 20),
    ]
    err = _path_error(track, truth)[inside]
    assert np.nanmean(err) < 1.0
    from solemap.render import svg_to_png

    (output_dir / "tracking-fscan-grid-rolling.png").write_bytes(
        svg_to_png(track_svg(track, title="Ball on the real F-Scan grid (simulated)"), scale=2)
    )


def test_discrete_sensors_are_refused() -> None:
    layout_rec = Recording.from_array(np.zeros((5, 16), np.float32), sample_rate_hz=100, side="left")
    with pytest.raises(RecordingError, match="grid"):
        track_ball(layout_rec)


def test_json_is_plain() -> None:
    import json

    rec = simulate_rolling(duration_s=1.0, sample_rate_hz=50, seed=0)
    data = track_ball(rec).to_json("reflexology")
    text = json.dumps(data, allow_nan=False)
    assert data["looks_like_ball"] is True and data["path"] and "never_reached" in data
    assert math.isfinite(json.loads(text)["speed_mm_s"]["median"])


@pytest.mark.parametrize(("side", "axis_deg"), [("right", -70.0), ("left", -110.0), ("right", 90.0)])
def test_rotated_and_mirrored_placements(side: str, axis_deg: float) -> None:
    # A plate: the foot stands at an angle, toes up or down the grid, either foot.
    rec = simulate_rolling(
        80,
        60,
        (5.0, 5.0),
        side=side,
        axis_deg=axis_deg,
        duration_s=2.0,
        sample_rate_hz=25,
        background_n=200.0,
        seed=11,
    )
    truth = simulation_truth(rec)
    track = track_ball(rec)
    assert np.nanmean(_path_error(track, truth)) < 1.0
    assert track.foot == side and track.registration_source == "background"
    uv_err = np.hypot(*(track.centre_uv - truth.path_uv).T)
    assert np.nanmean(uv_err) < 0.04
