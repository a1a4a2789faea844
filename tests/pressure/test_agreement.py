"""Agreement with pressuRe's definitions on the shared pedar file, pedar_mask1, pressuRe's steps.

The expected values are computed here by plain loops over pressuRe's definitions
(``mask_analysis`` helpers ``pressure_peak``, ``pti_1``, ``pti_2``, ``fti``, ``force_peak`` and
``threshold_event``; see ../shared/domain/pressure-metrics.md) on slices of the real file, and
compared with solemap's kernels fed with the ``pedar_mask1`` weights.
"""

from __future__ import annotations

import numpy as np
import pytest

from solemap.recordings.metrics import iter_chunks, region_curves, summarize
from solemap.recordings.pressure_masks import make_mask
from solemap.recordings.steps import detect_steps

DT = 0.01  # s, pedar_example.asc: "time per frame [secs]: 0.01000"


def pressure_steps(force: list[float], min_frames: int = 10) -> list[tuple[int, int]]:
    """pressuRe ``threshold_event`` with the automatic threshold, written out as loops (0-based)."""
    lo, hi = min(force), max(force)
    thr = lo + 0.1 * (hi - lo)
    fs = [t for t in range(1, len(force)) if force[t - 1] < thr and force[t] > thr]
    fo = [t for t in range(1, len(force)) if force[t - 1] > thr and force[t] < thr]
    if fo[0] < fs[0]:
        fo = fo[1:]
    if len(fs) > len(fo):
        fs = fs[:-1]
    return [(s, e) for s, e in zip(fs, fo, strict=False) if not e - s < min_frames]


def by_hand(
    p: list[list[float]], areas_m2: list[float], sensors: list[int], first: int, last: int
) -> dict[str, float]:
    """pressuRe's five metrics for one step (frames first…last inclusive) and one region;
    ``p`` and ``areas_m2`` as plain Python lists so that nothing vectorised is involved."""
    frames = range(first, last + 1)
    peak = max(p[t][i] for t in frames for i in sensors)  # pressure_peak
    pti_1 = sum(max(p[t][i] for i in sensors) * DT for t in frames)  # rectangle sum
    force = [sum(p[t][i] * areas_m2[i] * 1000.0 for i in sensors) for t in frames]
    fti = sum((force[k] + force[k + 1]) / 2.0 * DT for k in range(len(force) - 1))  # pracma::trapz
    active_area = sum(areas_m2[i] for i in sensors if max(p[t][i] for t in frames) > 0)
    return {
        "peak_pressure": peak,
        "pti_peak": pti_1,
        "fti": fti,
        "pti_mean": fti / active_area / 1000.0,
        "max_force": max(force),
    }


@pytest.mark.parametrize("side", ["left", "right"])
def test_steps_match_threshold_event(pedar, side):
    p = pedar.pressure(side)
    areas = pedar.sensor_areas_mm2(side) * 1e-6
    pl, al = p.astype(np.float64).tolist(), areas.tolist()
    force = [sum(pl[t][i] * al[i] * 1000.0 for i in range(99)) for t in range(len(pl))]
    expected = pressure_steps(force)
    got = [(s.start, s.stop) for s in detect_steps(np.array(force))]
    assert got == expected
    assert len(got) == {"left": 9, "right": 8}[side]


@pytest.mark.parametrize("side", ["left", "right"])
def test_pedar_mask1_metrics_agree(pedar, side):
    p = pedar.pressure(side)
    areas = pedar.sensor_areas_mm2(side) * 1e-6
    mask = make_mask("pedar_mask1", pedar, side)
    weights = mask.weights(pedar, side)
    steps = detect_steps(np.nansum(p.astype(np.float64) * areas, axis=1) * 1000.0)
    curves = region_curves(iter_chunks(p, 256), p.shape[0], weights, areas, pedar.layout(side).positions_mm)
    p_list, a_list = p.astype(np.float64).tolist(), areas.tolist()
    lists = {
        "hindfoot": range(0, 26),
        "midfoot": range(26, 54),
        "forefoot": range(54, 82),
        "toes": range(82, 99),
    }
    for st in steps[:3]:  # three steps × four regions × five metrics, each by hand
        window = st.frames()
        smax = np.nanmax(p[window], axis=0)
        got = summarize(
            curves.force_n[window],
            curves.contact_area_m2[window],
            curves.peak_kpa[window],
            smax,
            weights.weights,
            areas,
            DT,
        )
        for k, region in enumerate(weights.region_ids):
            want = by_hand(p_list, a_list, list(lists[region]), st.start, st.stop)
            for name, value in want.items():
                # "to rounding": pressuRe prints a few decimals; the numba kernel's sums differ from
                # exact float64 loops by up to ~2e-7 relative (float32 samples), far below that.
                assert got[name][k] == pytest.approx(value, rel=1e-6), (side, st.number, region, name)


def test_worked_step_values(pedar):
    # Left step 1 of the file, hindfoot (sensors 1–26): a spot check of magnitudes against the
    # loops above, so that a wrong area unit (cm² vs m²) or a missing × 1000 shows as a clear failure.
    p = pedar.pressure("left")
    areas = pedar.sensor_areas_mm2("left") * 1e-6
    st = detect_steps(np.nansum(p.astype(np.float64) * areas, axis=1) * 1000.0)[0]
    want = by_hand(p.astype(np.float64).tolist(), areas.tolist(), list(range(26)), st.start, st.stop)
    assert 100 < want["peak_pressure"] <= 150.0  # the left insole's maximum is 150 kPa
    assert 100 < want["max_force"] < 1000  # N under a heel in walking
    # The Melai PTI divides by the ever-loaded area, at most the region's whole area.
    assert want["pti_mean"] >= want["fti"] / (float(sum(areas[:26])) * 1000.0)
    assert want["pti_peak"] > want["pti_mean"]  # the novel PTI follows the region's highest sensor


def test_analyze_with_mask_table_agrees(pedar):
    # The high-level table (what `solemap analyze --mask` and the web page report) gives the same
    # five numbers for left step 2, toes (sensors 83–99), as the loops.
    from solemap.recordings.pressure_masks import analyze_with_mask

    table = analyze_with_mask(pedar, "pedar_mask1", backend="numpy")
    p = pedar.pressure("left")
    areas = pedar.sensor_areas_mm2("left") * 1e-6
    st = detect_steps(np.nansum(p.astype(np.float64) * areas, axis=1) * 1000.0)[1]
    want = by_hand(p.astype(np.float64).tolist(), areas.tolist(), list(range(82, 99)), st.start, st.stop)
    rows = table[(table.side == "left") & (table.step == 2) & (table.region == "toes")].set_index("metric")
    for name, value in want.items():
        assert rows.loc[name, "value"] == pytest.approx(value, rel=1e-9)
    assert rows.loc["pti_peak", "unit"] == "kPa·s" and rows.loc["fti", "unit"] == "N·s"
    # Explicit steps (as approved in the page) replace the detected ones.
    only = analyze_with_mask(
        pedar, "pedar_mask1", steps={"left": [(st.start, st.stop)], "right": []}, backend="numpy"
    )
    assert set(only[only.side == "left"].step) == {1}
    assert (only.side == "right").sum() == 0  # every right step rejected: the side is left out
    whole = analyze_with_mask(pedar, "pedar_mask1", steps={"left": []}, backend="numpy")
    assert set(whole.side) == {"right"} and whole.step.isna().all()  # not listed: whole recording


def test_whole_foot_curves_as_pressure_defines_them(pedar):
    # pressuRe whole_pressure_curve for pedar: force = Σ p·A·1000 per insole; area = Σ A over
    # sensors above 10 kPa (force_pedar's min_press); peak = max over the insole's 99 sensors.
    from solemap.recordings.signals import whole_foot_curves

    p = pedar.pressure("right").astype(np.float64).tolist()
    a = (pedar.sensor_areas_mm2("right") * 1e-6).tolist()
    c = whole_foot_curves(pedar, "right", contact_kpa=10.0)
    for t in (0, 410, 700, 1504):
        assert c.force_n[t] == pytest.approx(sum(p[t][i] * a[i] * 1000.0 for i in range(99)), rel=1e-12)
        assert c.area_cm2[t] == pytest.approx(sum(a[i] for i in range(99) if p[t][i] > 10.0) * 1e4, rel=1e-12)
        assert c.peak_kpa[t] == max(p[t])


def _fraction_left(poly: list[list[float]], x_cut: float) -> float:
    """Area fraction of a polygon with x ≤ x_cut (Sutherland–Hodgman clip, shoelace areas)."""

    def area(q):
        return 0.5 * abs(sum(q[k - 1][0] * q[k][1] - q[k][0] * q[k - 1][1] for k in range(len(q))))

    out = []
    for k in range(len(poly)):
        (x0, y0), (x1, y1) = poly[k - 1], poly[k]
        if (x1 <= x_cut) != (x0 <= x_cut):
            out.append((x_cut, y0 + (y1 - y0) * (x_cut - x0) / (x1 - x0)))
        if x1 <= x_cut:
            out.append((x1, y1))
    return area(out) / area(poly) if len(out) >= 3 else 0.0


def test_partial_sensors_agree_on_pedar_mask2(pedar):
    # pressuRe with partial_sensors = TRUE: force and the Melai area use the weights w_i, peak
    # pressure and the novel PTI every sensor with w_i > 0. Hindfoot of pedar_mask2 = the insole
    # proximal of 50 % of its length, so w_i = the part of sensor i left of that line.
    from solemap.recordings.pressure_masks import analyze_with_mask, pedar_mask

    lay = pedar.layout("left")
    polys = [p.tolist() for p in lay.polygons]
    xs = [x for p in polys for x, _ in p]
    x_cut = min(xs) + 0.5 * (max(xs) - min(xs))
    w = [_fraction_left(p, x_cut) for p in polys]
    assert sum(0 < f < 1 for f in w) > 0  # some sensors straddle the line
    p = pedar.pressure("left").astype(np.float64).tolist()
    a = (pedar.sensor_areas_mm2("left") * 1e-6).tolist()
    st = detect_steps(np.nansum(pedar.pressure("left").astype(np.float64) * np.array(a), axis=1) * 1000.0)[0]
    frames = range(st.start, st.stop + 1)
    members = [i for i in range(99) if w[i] > 0]
    force = [sum(w[i] * p[t][i] * a[i] * 1000.0 for i in members) for t in frames]
    fti = sum((force[k] + force[k + 1]) / 2 * DT for k in range(len(force) - 1))
    ever = sum(w[i] * a[i] for i in members if max(p[t][i] for t in frames) > 0)
    want = {
        "peak_pressure": max(p[t][i] for t in frames for i in members),
        "pti_peak": sum(max(p[t][i] for i in members) * DT for t in frames),
        "fti": fti,
        "pti_mean": fti / ever / 1000.0,
        "max_force": max(force),
    }
    mask = pedar_mask("pedar_mask2", pedar, "left")
    table = analyze_with_mask(pedar.select(side="left"), mask, partial=True, backend="numpy")
    rows = table[(table.step == 1) & (table.region == "hindfoot")].set_index("metric")
    for name, value in want.items():
        assert rows.loc[name, "value"] == pytest.approx(value, rel=1e-9), name


def test_solemap_analyze_with_the_mask_agrees(pedar, tmp_path):
    # The full analysis (`solemap analyze FILE --mask m1.geojson`): registration, steps, pass 2
    # kernels — the per-step values equal the loops over pressuRe's definitions.
    from solemap.recordings.analysis import run_analysis
    from solemap.recordings.pressure_masks import load_mask

    path = tmp_path / "m1.geojson"
    make_mask("pedar_mask1", pedar, "left").save(path)
    result = run_analysis(pedar, load_mask(path))
    assert result.layer == "pedar_mask1"
    t = result.table
    p = pedar.pressure("right")
    areas = pedar.sensor_areas_mm2("right") * 1e-6
    st = detect_steps(np.nansum(p.astype(np.float64) * areas, axis=1) * 1000.0)[3]
    want = by_hand(p.astype(np.float64).tolist(), areas.tolist(), list(range(54, 82)), st.start, st.stop)
    rows = t[(t.side == "right") & (t.step == 4) & (t.region == "forefoot")].set_index("metric")
    for name, value in want.items():
        assert rows.loc[name, "value"] == pytest.approx(value, rel=1e-6), name
