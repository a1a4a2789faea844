"""Per-region metrics: hand-computed small arrays, both back ends, and plain-loop checks on real files."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solemap.recordings import read_recording
from solemap.recordings.analysis import run_analysis
from solemap.recordings.metrics import (
    METRICS,
    RegionWeights,
    cop_path,
    iter_chunks,
    region_curves,
    summarize,
)

BACKENDS = ["numba", "numpy"]
# Every array of a FrameCurves (region_ids aside).
CURVES = (
    "force_n",
    "contact_area_m2",
    "peak_kpa",
    "total_force_n",
    "total_area_m2",
    "total_peak_kpa",
    "cop_mm",
    "sensor_max_kpa",
    "sensor_sum_kpas",
    "segment_sensor_max_kpa",
)


def _curves(p, weights, area, pos, backend, chunk=2, segments=None, n_segments=0):
    p = np.asarray(p, np.float32)
    return region_curves(
        iter_chunks(p, chunk),
        p.shape[0],
        weights,
        np.asarray(area, float),
        np.asarray(pos, float),
        segments=segments,
        n_segments=n_segments,
        backend=backend,
    )


# 4 frames x 4 sensors; sensor areas 1e-4 m² (1 cm²); regions A = {0, 1}, B = {1, 2, 3} (overlap on 1).
P_SMALL = np.array(
    [
        [0.0, 0.0, 0.0, 0.0],
        [100.0, 50.0, 0.0, 10.0],
        [200.0, 0.0, 30.0, 20.0],
        [0.0, 0.0, 0.0, 0.0],
    ]
)
AREA = np.full(4, 1e-4)
POS = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0], [10.0, 10.0]])
W = RegionWeights.from_masks(["A", "B"], np.array([[1, 0], [1, 1], [0, 1], [0, 1]], bool))


@pytest.mark.parametrize("backend", BACKENDS)
def test_small_array_curves_by_hand(backend):
    c = _curves(P_SMALL, W, AREA, POS, backend)
    # Force = Σ p·A·1000: frame 1 region A = (100 + 50)·1e-4·1000 = 15 N; region B = (50 + 10)·0.1 = 6 N.
    np.testing.assert_allclose(c.force_n[:, 0], [0, 15, 20, 0], rtol=1e-6)
    np.testing.assert_allclose(c.force_n[:, 1], [0, 6, 5, 0], rtol=1e-6)
    np.testing.assert_allclose(c.peak_kpa[:, 0], [0, 100, 200, 0])
    np.testing.assert_allclose(c.peak_kpa[:, 1], [0, 50, 30, 0])
    np.testing.assert_allclose(c.contact_area_m2[:, 1], [0, 2e-4, 2e-4, 0], rtol=1e-6)
    np.testing.assert_allclose(c.total_force_n, [0, 16, 25, 0], rtol=1e-6)
    # CoP of frame 2: forces 20, 0, 3, 2 N at (0,0), (10,0), (0,10), (10,10) -> x = 20/25 mm, y = 50/25 mm.
    np.testing.assert_allclose(c.cop_mm[2], [20 / 25, 50 / 25], rtol=1e-6)
    assert np.isnan(c.cop_mm[0]).all()  # 0/0: NaN, not 0
    np.testing.assert_allclose(c.sensor_max_kpa, [200, 50, 30, 20])


@pytest.mark.parametrize("backend", BACKENDS)
def test_small_array_window_metrics_by_hand(backend):
    c = _curves(P_SMALL, W, AREA, POS, backend)
    dt = 0.5
    m = summarize(c.force_n, c.contact_area_m2, c.peak_kpa, c.sensor_max_kpa, W.weights, AREA, dt)
    # Region A: peak 200; FTI = trapz([0, 15, 20, 0], dt 0.5) = 0.5·(15 + 35 + 20)/2... = 17.5 N·s.
    assert m["peak_pressure"][0] == pytest.approx(200)
    assert m["fti"][0] == pytest.approx(0.5 * (0 + 15) / 2 + 0.5 * (15 + 20) / 2 + 0.5 * (20 + 0) / 2)
    # Novel PTI (rectangle sum of the peak curve): (0 + 100 + 200 + 0)·0.5 = 150 kPa·s.
    assert m["pti_peak"][0] == pytest.approx(150)
    # Ever-loaded area A: sensors 0 and 1 -> 2 cm²; Melai PTI = FTI / A / 1000 = 17.5 / 2e-4 / 1000.
    assert m["contact_area_total"][0] == pytest.approx(2.0)
    assert m["pti_mean"][0] == pytest.approx(17.5 / 2e-4 / 1000)
    # Mean regional pressure peak (pressuRe press_peak_mask): max F / 1000 / A_R = 20 / 1000 / 2e-4 = 100 kPa.
    assert m["mean_pressure_peak"][0] == pytest.approx(100)
    # Mean pressure over loaded frames: frame 1: 15 N over 2 cm² = 75 kPa; frame 2: 20 N over 1 cm² = 200.
    assert m["mean_pressure"][0] == pytest.approx((75 + 200) / 2)
    assert m["max_force"][1] == pytest.approx(6)
    assert m["contact_area_peak"][1] == pytest.approx(2.0)
    assert m["contact_time"][0] == pytest.approx(2 * dt)  # frames 1..2 loaded
    assert set(m) == set(METRICS)


@pytest.mark.parametrize("backend", BACKENDS)
def test_missing_samples_stay_missing(backend):
    p = P_SMALL.copy()
    p[2, :] = np.nan  # a whole frame missing
    p[:, 3] = np.nan  # a sensel outside the sensor in every frame
    c = _curves(p, W, AREA, POS, backend)
    assert np.isnan(c.force_n[2]).all() and np.isnan(c.peak_kpa[2]).all()
    assert np.isnan(c.total_force_n[2])
    assert c.force_n[1, 1] == pytest.approx(5.0)  # B = sensor 1 (50 kPa) + 2 (0); sensor 3 skipped
    m = summarize(c.force_n, c.contact_area_m2, c.peak_kpa, c.sensor_max_kpa, W.weights, AREA, 0.5)
    assert np.isnan(m["fti"]).all() and np.isnan(m["pti_peak"]).all()  # no integral across a gap
    assert m["peak_pressure"][0] == pytest.approx(100)  # the max of the frames that exist
    # A region of only never-measured sensels is missing in every frame.
    only3 = RegionWeights.from_masks(["C"], np.array([[0], [0], [0], [1]], bool))
    c3 = _curves(p, only3, AREA, POS, backend)
    assert np.isnan(c3.force_n).all()


def test_backends_agree_on_random_data_with_overlaps_and_nans():
    rng = np.random.default_rng(3)
    t, n, k = 301, 97, 6
    p = rng.gamma(1.2, 40, (t, n)).astype(np.float32)
    p[p < 25] = 0
    p[:, rng.choice(n, 9, replace=False)] = np.nan
    p[rng.choice(t, 7, replace=False)] = np.nan
    w = RegionWeights.from_masks([f"r{i}" for i in range(k)], rng.random((n, k)) < 0.3)
    area = rng.uniform(0.5e-4, 2e-4, n)
    pos = rng.uniform(0, 200, (n, 2))
    seg = np.repeat(np.arange(-1, 5), 51)[:t]
    a = _curves(p, w, area, pos, "numba", chunk=64, segments=seg, n_segments=5)
    b = _curves(p, w, area, pos, "numpy", chunk=17, segments=seg, n_segments=5)
    # Skipping the never-measured sensels gives the same result.
    active = ~np.isnan(p).all(axis=0)
    c = region_curves(iter_chunks(p, 50), t, w, area, pos, segments=seg, n_segments=5, active=active)
    for name in CURVES:
        np.testing.assert_allclose(getattr(a, name), getattr(b, name), rtol=2e-5, atol=1e-9, err_msg=name)
        np.testing.assert_allclose(getattr(a, name), getattr(c, name), rtol=2e-5, atol=1e-9, err_msg=name)
    # And against a plain loop that applies each region's mask to each frame.
    for ti in (0, 100, 250):
        for ki in range(k):
            vals = p[ti][w.weights[:, ki] > 0]
            if np.isnan(vals).all():
                assert np.isnan(a.peak_kpa[ti, ki])
                continue
            assert a.peak_kpa[ti, ki] == pytest.approx(np.nanmax(vals))
            f = np.nansum(p[ti] * w.weights[:, ki] * area) * 1000
            assert a.force_n[ti, ki] == pytest.approx(f, rel=1e-5)


def test_threads_sharing_a_chunk_give_the_single_thread_result():
    # Chunks of 1 000 frames are split into pieces of 256 that the threads claim one by one.
    import numba
    rng = np.random.default_rng(11)
    t, n, k = 2_003, 150, 4
    p = rng.gamma(1.5, 30, (t, n)).astype(np.float32)
    p[rng.random(p.shape) < 0.02] = np.nan
    w = RegionWeights.from_masks([f"r{i}" for i in range(k)], rng.random((n, k)) < 0.3)
    area = rng.uniform(0.5e-4, 2e-4, n)
    pos = rng.uniform(0, 200, (n, 2))
    seg = np.repeat(np.arange(-1, 9), 201)[:t]
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = _curves(p, w, area, pos, "numba", chunk=1_000, segments=seg, n_segments=9)
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        many = _curves(p, w, area, pos, "numba", chunk=1_000, segments=seg, n_segments=9)
    finally:
        numba.set_num_threads(threads)
    for name in ("force_n", "peak_kpa", "cop_mm", "sensor_max_kpa", "segment_sensor_max_kpa"):
        np.testing.assert_array_equal(getattr(one, name), getattr(many, name), err_msg=name)
    np.testing.assert_allclose(one.sensor_sum_kpas, many.sensor_sum_kpas, rtol=1e-12)
    ref = _curves(p, w, area, pos, "numpy", chunk=1_000, segments=seg, n_segments=9)
    np.testing.assert_allclose(many.force_n, ref.force_n, rtol=2e-5)
    np.testing.assert_allclose(many.sensor_sum_kpas, ref.sensor_sum_kpas, rtol=2e-5)


def test_region_weights_validation():
    with pytest.raises(ValueError):
        RegionWeights(("a",), np.array([[1.5]]))
    with pytest.raises(ValueError):
        RegionWeights.from_labels(["a"], np.array([0, 2]))
    w = RegionWeights.from_labels(["a", "b"], np.array([1, -1, 0]))
    assert w.weights.tolist() == [[0, 1], [0, 0], [1, 0]]


def test_cop_path_length_and_ranges():
    c = np.array([[0, 0], [3, 4], [np.nan, np.nan], [3, 10]], float)
    out = cop_path(c)
    assert out["cop_path_length"] == pytest.approx(5 + 6)
    assert out["cop_ap_range"] == pytest.approx(3) and out["cop_ml_range"] == pytest.approx(10)


def _plain_region_metrics(p, member, area_m2, dt):
    """pressuRe's definitions with plain loops over frames and sensors (independent of the kernel)."""
    t_count, n = p.shape
    force, peak, carea = [], [], []
    ever = np.zeros(n, bool)
    for t in range(t_count):
        f = 0.0
        pk = -np.inf
        a = 0.0
        for i in range(n):
            if not member[i] or np.isnan(p[t, i]):
                continue
            f += p[t, i] * area_m2[i] * 1000
            pk = max(pk, p[t, i])
            if p[t, i] > 0:
                a += area_m2[i]
                ever[i] = True
        force.append(f)
        peak.append(pk)
        carea.append(a)
    a_r = sum(area_m2[i] for i in range(n) if ever[i])
    fti = sum((force[j] + force[j + 1]) / 2 * dt for j in range(t_count - 1))
    return {
        "peak_pressure": max(peak),
        "max_force": max(force),
        "fti": fti,
        "pti_peak": sum(peak) * dt,
        "pti_mean": fti / a_r / 1000 if a_r else np.nan,
        "contact_area_peak": max(carea) * 1e4,
        "mean_pressure_peak": max(force) / 1000 / a_r if a_r else np.nan,
    }


def test_fscan_step_metrics_match_plain_loops_and_pressure_worked_values(shared_recordings):
    rec = read_recording(shared_recordings / "fscan_testL.asf")
    result = run_analysis(rec, "pressure-regions")
    side = result.sides[0]
    assert [(s.start + 1, s.stop + 1) for s in side.steps] == [
        (30, 52),
        (66, 87),
        (101, 122),
        (137, 158),
        (172, 195),
    ]
    table = result.table
    step1 = table[(table["step"] == 1) & (table["region"] == "foot")].set_index("metric")["value"]
    # pressure-metrics.md worked values for step 1 of this file (pressuRe, whole foot).
    assert step1["peak_pressure"] == pytest.approx(636)
    assert step1["pti_peak"] == pytest.approx(283.26, abs=0.01)
    assert step1["fti"] == pytest.approx(460.59, abs=0.01)
    assert step1["pti_mean"] == pytest.approx(39.49, abs=0.01)
    assert step1["max_force"] == pytest.approx(909.68, abs=0.01)
    assert step1["contact_area_peak"] == pytest.approx(93.94, abs=0.01)
    assert step1["contact_time"] == pytest.approx((52 - 30) * 0.032)  # (FO - FS) * dt
    # Every region of step 2 against plain loops from the definitions.
    p = rec.pressure().reshape(rec.n_frames, -1).astype(np.float64)
    st = side.steps[1]
    area = np.full(p.shape[1], 0.00508**2)
    for k, region in enumerate(side.weights.region_ids):
        member = side.weights.weights[:, k] > 0
        want = _plain_region_metrics(p[st.frames()], member, area, 0.032)
        got = table[(table["step"] == 2) & (table["region"] == region)].set_index("metric")["value"]
        for name, value in want.items():
            assert got[name] == pytest.approx(value, rel=1e-5), (region, name)


def test_pedar_step_metrics_match_plain_loops(shared_recordings):
    rec = read_recording(shared_recordings / "pedar_example.asc")
    result = run_analysis(rec, "pressure-regions")
    for side in result.sides:
        assert side.steps, "the pedar walking trial has steps on each insole"
        p = rec.pressure(side.side).astype(np.float64)
        area = rec.layout(side.side).areas_mm2 * 1e-6
        st = side.steps[0]
        got_all = result.table[(result.table["side"] == side.foot) & (result.table["step"] == 1)]
        for k, region in enumerate(side.weights.region_ids):
            member = side.weights.weights[:, k] > 0
            want = _plain_region_metrics(p[st.frames()], member, area, 0.01)
            got = got_all[got_all["region"] == region].set_index("metric")["value"]
            for name, value in want.items():
                assert got[name] == pytest.approx(value, rel=1e-5), (side.side, region, name)


def test_memory_mapped_recording_gives_the_same_table(tmp_path, shared_recordings):
    """The chunked path: a memory-mapped .npy analysed in small chunks equals the in-memory result."""
    import solemap.recordings.analysis as analysis

    rec = read_recording(shared_recordings / "fscan_testL.asf")
    np.save(tmp_path / "big.npy", rec.pressure())
    mm = read_recording(tmp_path / "big.npy", sample_rate_hz=rec.sample_rate_hz, pitch_mm=rec.pitch_mm)
    data = mm.pressure()
    # Backed by the file, not copied into memory (a plain view of the memmap counts too).
    assert isinstance(data, np.memmap) or isinstance(data.base, np.memmap)
    old = analysis.CHUNK_BYTES
    analysis.CHUNK_BYTES = 7 * 60 * 21 * 4  # 7 frames a chunk
    try:
        a = analysis.analyze(mm)
    finally:
        analysis.CHUNK_BYTES = old
    b = analysis.analyze(rec)
    np.testing.assert_allclose(a["value"].to_numpy(), b["value"].to_numpy(), rtol=1e-6, equal_nan=True)


@given(
    st.integers(1, 40),
    st.integers(1, 70),
    st.integers(0, 4),
    st.integers(0, 2**31 - 1),
)
@settings(max_examples=60, deadline=None)
def test_backends_agree_on_generated_arrays(t, n, k, seed):
    # n from 1 to 70 covers rows shorter than one 16-lane vector (padded), exactly one vector, and
    # a last vector that overlaps the one before; t covers blocks of 1 to 4 frames and chunk ends.
    rng = np.random.default_rng(seed)
    p = rng.choice([np.nan, 0.0, 5.0, 120.0, 999.0, -2.0], size=(t, n)).astype(np.float32)
    w = RegionWeights.from_masks([f"r{i}" for i in range(k)], rng.random((n, k)) < 0.5)
    area = rng.uniform(1e-5, 1e-4, n)
    pos = rng.uniform(0, 50, (n, 2))
    active = rng.random(n) < 0.8
    seg = rng.integers(-1, 3, t)
    contact = float(rng.choice([0.0, 4.0, -3.0]))
    a, b = (
        region_curves(
            iter_chunks(p, chunk),
            t,
            w,
            area,
            pos,
            segments=seg,
            n_segments=3,
            contact_kpa=contact,
            backend=backend,
            active=active,
        )
        for backend, chunk in (("numba", 7), ("numpy", 5))
    )
    for name in CURVES:
        np.testing.assert_allclose(getattr(a, name), getattr(b, name), rtol=1e-5, atol=1e-6, err_msg=name)
