"""pressuRe's masks: pedar sensor lists, pedar_mask2 percentages, automasks, GeoJSON files."""

from __future__ import annotations

import contextlib
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solemap.recordings import Recording
from solemap.recordings.pressure_masks import (
    MaskError,
    PressureMask,
    automask,
    load_mask,
    make_mask,
    pedar_mask,
)


def test_pedar_mask1_sensor_numbers(pedar):
    m = make_mask("pedar_mask1", pedar, "left")
    w = m.weights(pedar, "left").weights
    # hindfoot 1–26, midfoot 27–54, forefoot 55–82, toes 83–99 (pressure-metrics.md)
    assert m.region_ids == ("hindfoot", "midfoot", "forefoot", "toes")
    assert [np.flatnonzero(w[:, k]).tolist() for k in range(4)] == [
        list(range(0, 26)),
        list(range(26, 54)),
        list(range(54, 82)),
        list(range(82, 99)),
    ]
    assert set(np.unique(w)) == {0.0, 1.0}
    # Same numbers on the right insole.
    assert np.array_equal(m.weights(pedar, "right").weights, w)


def test_pedar_mask3_partitions_all_99_sensors(pedar):
    w = make_mask("pedar_mask3", pedar, "left").weights(pedar, "left").weights
    assert w.shape == (99, 9)
    assert np.all(w.sum(axis=1) == 1.0)
    # The intended definition puts 3–5 in the lateral hindfoot (pressuRe's code leaves them out).
    assert w[[2, 3, 4], 1].tolist() == [1.0, 1.0, 1.0]
    # Sensor lists are the same whether taken from the numbers or from the polygons.
    m = make_mask("pedar_mask3", pedar, "left")
    geo = PressureMask(
        "custom", "insole_mm", tuple(type(r)(r.id, r.name, r.geometry, None) for r in m.regions)
    )
    assert np.array_equal(geo.weights(pedar, "left").weights, w)


def test_pedar_mask2_percentages(pedar):
    m = pedar_mask("pedar_mask2", pedar, "left")
    lay = pedar.layout("left")
    allx = np.concatenate([p[:, 0] for p in lay.polygons])
    ally = np.concatenate([p[:, 1] for p in lay.polygons])
    x0, x1, y0, y1 = allx.min(), allx.max(), ally.min(), ally.max()
    g = {r.id: r.geometry for r in m.regions}
    # hindfoot ends at 50 %, forefoot spans 50–85 %, toes beyond 85 % of the length
    assert g["hindfoot"].bounds[2] == pytest.approx(x0 + 0.5 * (x1 - x0))
    assert g["forefoot"].bounds[0] == pytest.approx(x0 + 0.5 * (x1 - x0))
    assert g["forefoot"].bounds[2] == pytest.approx(x0 + 0.85 * (x1 - x0))
    # hallux: the medial 35 % of the width (y grows medial → lateral)
    assert g["hallux"].bounds[3] == pytest.approx(y0 + 0.35 * (y1 - y0))
    # The four regions partition the insole: fractional weights sum to 1 for every sensor.
    wp = m.weights(pedar, "left", partial=True).weights
    np.testing.assert_allclose(wp.sum(axis=1), 1.0, atol=1e-9)
    # Whole sensors only (pressuRe default) drops the straddling ones.
    ww = m.weights(pedar, "left").weights
    assert ww.sum() < 99 and set(np.unique(ww)) <= {0.0, 1.0}


def _rectangle_print(rows: int = 40, cols: int = 10) -> np.ndarray:
    fp = np.full((rows + 4, cols + 4), np.nan)
    fp[:, :] = 0.0
    fp[2 : rows + 2, 2 : cols + 2] = 100.0
    return fp


def test_automask_simple_cuts_by_hand():
    # 40 × 10 loaded sensels, pitch 5 mm, toes toward row 0. Centres run from row 2 to row 41:
    # length L = 39 · 5 = 195 mm. The heel cut lies 0.27 L = 52.65 mm distal of the heel-end
    # centre (y = 41 · 5 = 205) at y = 152.35 mm, i.e. row 30.47: rows 31–41 (11 rows) lie wholly
    # in the heel, row 30 (y 147.5–152.5) straddles the cut. The midfoot cut at 0.55 L = 107.25
    # mm lies at y = 97.75: row 20 (y 97.5–102.5) straddles it, rows 21–29 are wholly midfoot and
    # row 19 (y 92.5–97.5) is wholly forefoot.
    fp = _rectangle_print()
    m = automask(
        fp,
        (5.0, 5.0),
        "automask_simple",
        side="left",
        directions=(np.array([0.0, -1.0]), np.array([1.0, 0.0])),
    )
    rec = Recording.from_array(fp[None], sample_rate_hz=100, pitch_mm=(5.0, 5.0), side="left")
    w = m.weights(rec).weights.reshape(fp.shape[0], fp.shape[1], 3)
    rows_in = [sorted(set(np.nonzero(w[..., k])[0].tolist())) for k in range(3)]
    assert rows_in[0] == list(range(31, 42))
    assert rows_in[1] == list(range(21, 30))
    assert rows_in[2] == list(range(2, 20))
    wp = m.weights(rec, partial=True).weights.reshape(fp.shape[0], fp.shape[1], 3)
    # row 30 spans y 147.5–152.5; the heel (y > 152.35) holds 0.15 mm of its 5 mm, the midfoot 4.85
    assert wp[30, 5, 0] == pytest.approx(0.15 / 5.0)
    assert wp[30, 5, 1] == pytest.approx(4.85 / 5.0)


def test_automask_novel_on_emed(emed):
    m = make_mask("automask_novel", emed)
    assert m.region_ids == (
        "heel",
        "midfoot",
        "forefoot",
        "hallux",
        "lesser_toes",
        "mt1",
        "mt2",
        "mt3",
        "mt4",
        "mt5",
    )
    w = m.weights(emed).weights
    assert np.all(w.sum(axis=0) > 0), "every region holds sensels"
    # MT1 … MT5 split the forefoot without overlap: their fractional weights add up to its own.
    wp = m.weights(emed, partial=True).weights
    np.testing.assert_allclose(wp[:, 5:].sum(axis=1), wp[:, 2], atol=1e-9)
    # The toes and the forefoot do not overlap; hallux and lesser toes split the toes.
    assert np.all(wp[:, 2] + wp[:, 3] + wp[:, 4] <= 1.0 + 1e-9)
    # Medial → lateral order: MT centroids move monotonically across the foot.
    from solemap.recordings.pressure_masks import axis_frame, reg_directions, register_side

    reg = register_side(emed, emed.sides[0])
    geoms = [r.geometry for r in m.regions]
    cents = np.array([g.centroid.coords[0] for g in geoms])
    frame, _ = axis_frame(cents, *reg_directions(reg))
    s = frame.to_local(cents)[:, 0]
    assert np.all(np.diff(s[5:]) > 0)
    assert s[3] < s[4], "hallux medial of the lesser toes"
    t = frame.to_local(cents)[:, 1]
    assert t[0] < t[1] < t[2] < min(t[3], t[4]), "heel, midfoot, forefoot, toes from heel to toe"


def test_geojson_round_trip(tmp_path, pedar, emed):
    for m, rec in (
        (make_mask("pedar_mask2", pedar, "left"), pedar),
        (make_mask("automask_simple", emed), emed),
    ):
        path = tmp_path / f"{m.scheme}.geojson"
        m.save(path)
        back = load_mask(path)
        assert back.region_ids == m.region_ids and back.frame == m.frame and back.scheme == m.scheme
        side = rec.sides[0]
        np.testing.assert_allclose(
            back.weights(rec, side, partial=True).weights,
            m.weights(rec, side, partial=True).weights,
            atol=1e-3,
        )
        data = json.loads(path.read_text())
        assert data["type"] == "FeatureCollection" and data["solemap_mask"]["frame"] == m.frame


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "not a JSON file"),
        ('{"type": "Feature"}', "FeatureCollection"),
        ('{"type": "FeatureCollection", "features": []}', "non-empty"),
        (
            '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"id": "a"}, '
            '"geometry": {"type": "Point", "coordinates": [0, 0]}}]}',
            "expected a Polygon",
        ),
        (
            '{"type": "FeatureCollection", "solemap_mask": {"frame": "mars"}, '
            '"features": [{"type": "Feature", '
            '"properties": {"id": "a", "sensors": [1]}, "geometry": null}]}',
            "frame must be",
        ),
        (
            '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": 5}]}',
            "must be an object",
        ),
        (
            '{"type": "FeatureCollection", "solemap_mask": {"notes": 5}, "features": [{"type": "Feature", '
            '"properties": {"sensors": [1]}}]}',
            "'notes' must be a list",
        ),
        (
            '{"type": "FeatureCollection", "solemap_mask": {"grid": 5}, "features": [{"type": "Feature", '
            '"properties": {"sensors": [1]}}]}',
            "'grid' must be",
        ),
        (
            '{"type": "FeatureCollection", "solemap_mask": {"side": 3}, "features": [{"type": "Feature", '
            '"properties": {"sensors": [1]}}]}',
            "'side' must be",
        ),
        (
            '{"type": "FeatureCollection", "features": [{"type": "Feature", '
            '"properties": {"sensors": "ab"}}]}',
            "list of integers",
        ),
        (
            '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, '
            '"geometry": {"type": "Polygon", "coordinates": 5}}]}',
            "bad geometry",
        ),
    ],
)
def test_bad_mask_files(tmp_path, text, message):
    path = tmp_path / "m.geojson"
    path.write_text(text)
    with pytest.raises(MaskError, match=message):
        load_mask(path)


def test_scheme_kind_checked(pedar, emed):
    with pytest.raises(MaskError, match="for grid recordings"):
        make_mask("automask_simple", pedar, "left")
    with pytest.raises(MaskError, match="for sensors recordings"):
        make_mask("pedar_mask1", emed)


def test_atlas_layer_with_partial_weights(fscan, pedar):
    # The 10-region pressure layer of the atlas as a uv mask: whole-sensel weights are a subset of
    # the fractional ones, and inside the sole the fractions add up to (at most) 1 per sensel.
    from solemap.recordings.pressure_masks import atlas_mask, register_side

    for rec, side in ((fscan, "unknown"), (pedar, "left")):
        reg = register_side(rec, side)
        m = atlas_mask("pressure-regions", reg.side)
        part = m.weights(rec, side, reg, partial=True).weights
        whole = m.weights(rec, side, reg).weights
        assert np.all((whole == 1.0) <= (part == 1.0))
        assert np.all(part.sum(axis=1) <= 1.0 + 1e-9)
        assert (part > 0).sum() > (whole > 0).sum()
        # the heel areas hold the sensels of the heel end (smallest u)
        heel = [k for k, rid in enumerate(m.region_ids) if "heel" in rid]
        assert heel
        u_heel = np.average(reg.u, weights=part[:, heel].sum(axis=1))
        assert u_heel < 0.25


def test_uv_mask_file_round_trip(tmp_path, fscan):
    import shapely

    from solemap.recordings.pressure_masks import MaskRegion

    m = PressureMask("custom", "uv", (MaskRegion("rear", "Rear third", shapely.box(0, 0, 1 / 3, 1)),))
    path = tmp_path / "uv.geojson"
    m.save(path)
    w = load_mask(path).weights(fscan, partial=True).weights[:, 0]
    from solemap.recordings.pressure_masks import register_side

    reg = register_side(fscan, "unknown")
    valid = fscan.valid_mask().reshape(-1)
    # sensels whose square lies inside the box: a 5 mm sensel spans ≈ 0.02 in u, ≈ 0.08 in v at the heel
    inner = valid & (reg.u > 0.03) & (reg.u < 0.3) & (reg.v > 0.1) & (reg.v < 0.9)
    assert inner.sum() > 50 and w[inner].min() == 1.0
    assert w[reg.u > 0.36].max() == 0.0 and w[~valid].max() == 0.0


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.floats(allow_nan=False, width=32)
    | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "type",
                    "features",
                    "geometry",
                    "properties",
                    "coordinates",
                    "id",
                    "sensors",
                    "solemap_mask",
                    "frame",
                ]
            ),
            children,
            max_size=4,
        )
    ),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(data=json_values)
def test_any_json_gives_a_mask_or_a_mask_error(data):
    if isinstance(data, dict):  # steer towards the interesting shape
        data = {"type": "FeatureCollection", **data}
    with contextlib.suppress(MaskError):
        PressureMask.from_geojson(data)


def test_layer_weights_for_the_analysis(pedar, emed):
    # What the analysis calls per side: scheme names, mask objects and atlas layers (partial).
    from solemap.recordings.pressure_masks import footprint_max, layer_weights, register_side

    reg = register_side(pedar, "left")
    fp = footprint_max(pedar, "left")
    valid = np.isfinite(fp)
    w1 = layer_weights("pedar_mask1", pedar, "left", reg, fp, valid)
    assert w1.region_ids == ("hindfoot", "midfoot", "forefoot", "toes") and w1.weights.sum() == 99
    m = make_mask("pedar_mask3", pedar, "left")
    assert layer_weights(m, pedar, "left", reg, fp, valid).weights.sum() == 99
    atlas = layer_weights("pressure-regions", pedar, "left", reg, fp, valid, partial=True)
    assert 0 < atlas.weights.max() <= 1 and np.any((atlas.weights > 0) & (atlas.weights < 1))
    reg_e = register_side(emed, "unknown")
    fp_e = footprint_max(emed)
    we = layer_weights("automask_novel", emed, "unknown", reg_e, fp_e, np.isfinite(fp_e).reshape(-1))
    assert np.array_equal(we.weights, make_mask("automask_novel", emed).weights(emed).weights)
    with pytest.raises(MaskError, match="for grid recordings"):
        layer_weights("automask_simple", pedar, "left", reg, fp, valid)
