"""The Recording type: construction, units, views, selection and round trips."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from solemap.recordings import Recording, RecordingError, SensorLayout, read_recording
from solemap.recordings.units import UNIT_FACTORS_KPA, UnknownUnitError, normalize_unit, to_kpa


def grid_rec(t: int = 6, r: int = 4, c: int = 3, side: str = "left", seed: int = 0) -> Recording:
    rng = np.random.default_rng(seed)
    p = rng.uniform(0, 300, size=(t, r, c)).astype(np.float32)
    p[:, 0, 0] = np.nan  # outside the outline in every frame
    p[2, 1, 1] = np.nan  # a missing sample inside
    return Recording.from_array(p, sample_rate_hz=50.0, side=side, pitch_mm=(5.08, 7.62))


def sensor_layout(n: int = 5) -> SensorLayout:
    pos = np.column_stack([np.linspace(10, 200, n), np.linspace(-20, 20, n)])
    polys = [np.array([[x - 5, y - 5], [x + 5, y - 5], [x + 5, y + 5], [x - 5, y + 5]]) for x, y in pos]
    return SensorLayout(pos, np.full(n, 100.0), polys, name="test", source="made up")


def sensor_rec() -> Recording:
    rng = np.random.default_rng(1)
    left = rng.uniform(0, 30, size=(7, 5))
    right = rng.uniform(0, 30, size=(7, 5))
    right[3] = np.nan  # the right insole sent nothing in frame 3
    lay = sensor_layout()
    return Recording.from_array(
        {"left": left, "right": right},
        sample_rate_hz=100.0,
        layout={"left": lay, "right": lay},
        units="N/cm2",
        metadata={"path": "x", "nested": {"a": [1, 2]}},
    )


@pytest.mark.parametrize(
    ("unit", "factor"),
    [
        ("kPa", 1.0),
        ("KPa", 1.0),
        ("N/cm²", 10.0),
        ("N/cm2", 10.0),
        ("PSI", 6.894757),
        ("mmHg", 0.1333224),
        ("MPa", 1000.0),
        ("bar", 100.0),
    ],
)
def test_unit_factors(unit: str, factor: float) -> None:
    out = to_kpa(np.array([1.0, 2.5, np.nan]), unit)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out[:2], np.array([1.0, 2.5]) * factor, rtol=1e-6)
    assert np.isnan(out[2])


def test_unit_table_and_unknown_unit() -> None:
    assert UNIT_FACTORS_KPA["N/cm2"] == 10.0
    assert normalize_unit(" kpa ") == "kPa"
    with pytest.raises(UnknownUnitError, match="furlongs"):
        normalize_unit("furlongs")
    with pytest.raises(RecordingError, match="furlongs"):
        Recording.from_array(np.zeros((2, 3)), sample_rate_hz=10, units="furlongs")


def test_raw_and_force_units() -> None:
    raw = Recording.from_array(
        np.full((2, 2, 2), 4.0), sample_rate_hz=1, pitch_mm=(2, 5), units="raw", calibration=2.5
    )
    assert raw.source_units == "raw" and raw.calibrated
    np.testing.assert_array_equal(raw.pressure(), 10.0)
    uncal = Recording.from_array(np.full((2, 2, 2), 4.0), sample_rate_hz=1, pitch_mm=(2, 5), units="raw")
    assert not uncal.calibrated
    # 1 N on a 2 mm x 5 mm sensel = 100 kPa.
    force = Recording.from_array(np.full((1, 1, 1), 1.0), sample_rate_hz=1, pitch_mm=(2, 5), units="N")
    np.testing.assert_allclose(force.pressure(), 100.0)


def test_grid_properties() -> None:
    rec = grid_rec()
    assert rec.kind == "grid"
    assert rec.sides == ("left",)
    assert rec.pressure("left").dtype == np.float32
    assert rec.pressure("left").shape == (6, 4, 3)
    assert rec.n_frames == 6
    assert rec.sample_rate_hz == 50.0
    np.testing.assert_allclose(rec.times_s, np.arange(6) / 50.0)
    assert rec.duration_s == pytest.approx(6 / 50.0)
    assert rec.pitch_mm == (5.08, 7.62)
    assert rec.sensel_area_mm2 == pytest.approx(5.08 * 7.62)
    mask = rec.valid_mask("left")
    assert mask.shape == (4, 3) and not mask[0, 0] and mask[1, 1] and mask.sum() == 11
    with pytest.raises(TypeError):
        rec.layout("left")
    with pytest.raises(KeyError):
        rec.pressure("right")


def test_sensor_properties_and_nan_kept() -> None:
    rec = sensor_rec()
    assert rec.kind == "sensors"
    assert rec.sides == ("left", "right")
    assert rec.pitch_mm is None
    np.testing.assert_array_equal(rec.sensel_area_mm2, np.full(5, 100.0))
    assert rec.layout("right").positions_mm.shape == (5, 2)
    assert rec.source_units == "N/cm2"
    assert np.isnan(rec.pressure("right")[3]).all()
    assert not np.isnan(rec.pressure("left")).any()
    with pytest.raises(ValueError, match="name one"):
        rec.pressure()


def test_constructor_validation() -> None:
    with pytest.raises(ValueError, match="pitch_mm"):
        Recording({"left": np.zeros((2, 3, 3))}, sample_rate_hz=10)
    with pytest.raises(ValueError, match="frame counts"):
        Recording.from_array({"left": np.zeros((2, 3)), "right": np.zeros((3, 3))}, sample_rate_hz=10)
    with pytest.raises(ValueError, match="sample_rate_hz"):
        Recording.from_array(np.zeros((2, 3)), sample_rate_hz=0)
    with pytest.raises(ValueError, match="increasing"):
        Recording.from_array(np.zeros((3, 3)), sample_rate_hz=10, times_s=[0, 0.2, 0.1])
    with pytest.raises(ValueError, match="side"):
        Recording.from_array(np.zeros((2, 3)), sample_rate_hz=10, side="middle")
    with pytest.raises(ValueError, match="sensors"):
        Recording.from_array(np.zeros((2, 3)), sample_rate_hz=10, layout=sensor_layout(4))


def test_select_frames_and_side() -> None:
    rec = sensor_rec()
    sub = rec.select(side="right", frames=slice(2, 5))
    assert sub.sides == ("right",)
    assert sub.n_frames == 3
    np.testing.assert_array_equal(sub.times_s, rec.times_s[2:5])
    np.testing.assert_array_equal(sub.pressure("right"), rec.pressure("right")[2:5])
    boolsel = rec.select(frames=np.array([True, False] * 3 + [True]))
    assert boolsel.n_frames == 4 and boolsel.sides == ("left", "right")


def test_xarray_view() -> None:
    rec = grid_rec()
    da = rec.to_xarray()
    assert da.dims == ("time", "row", "col")
    np.testing.assert_allclose(da["col_mm"].values, [0, 7.62, 15.24])
    np.testing.assert_array_equal(da["time"].values, rec.times_s)
    assert da.attrs["units"] == "kPa"
    ds = sensor_rec().to_xarray()
    assert set(ds.data_vars) == {"left", "right"}
    assert ds["left"].dims == ("time", "sensor_left")
    assert ds["right"]["area_mm2_right"].dims == ("sensor_right",)
    np.testing.assert_array_equal(ds["right"]["area_mm2_right"].values, 100.0)


def test_dataframe_view() -> None:
    rec = grid_rec()
    df = rec.to_dataframe("left")
    assert list(df.columns) == ["time_s", "row", "col", "pressure_kpa"]
    assert len(df) == 6 * 11  # the outside cell (0, 0) is left out, the missing sample kept as NaN
    assert df["pressure_kpa"].isna().sum() == 1
    row = df[(df.time_s == rec.times_s[3]) & (df.row == 2) & (df.col == 1)]
    assert row.pressure_kpa.iloc[0] == rec.pressure("left")[3, 2, 1]
    both = sensor_rec().to_dataframe()
    assert set(both["side"]) == {"left", "right"}
    assert len(both) == 2 * 7 * 5
    assert isinstance(both, pd.DataFrame)


@pytest.mark.parametrize("make", [grid_rec, sensor_rec])
def test_npz_round_trip(tmp_path, make) -> None:
    rec = make()
    path = tmp_path / "rec.npz"
    rec.save_npz(path)
    back = Recording.from_npz(path)
    assert back.equals(rec)
    again = read_recording(path)
    assert again.equals(rec)
    if rec.kind == "sensors":
        assert back.layout("left") == rec.layout("left")


@pytest.mark.parametrize("make", [grid_rec, sensor_rec])
def test_csv_round_trip(tmp_path, make) -> None:
    rec = make()
    path = tmp_path / "rec.csv"
    rec.to_csv(path)
    back = read_recording(path)
    assert back.equals(rec), (back, rec)


def test_npy_plain_array(tmp_path) -> None:
    arr = np.random.default_rng(3).uniform(0, 10, (5, 4, 3)).astype(np.float32)
    path = tmp_path / "plain.npy"
    np.save(path, arr)
    with pytest.raises(RecordingError, match="sample_rate_hz"):
        read_recording(path)
    rec = read_recording(path, sample_rate_hz=20, pitch_mm=(5, 5), side="right")
    assert rec.sides == ("right",)
    np.testing.assert_array_equal(rec.pressure("right"), arr)
    psi = read_recording(path, sample_rate_hz=20, pitch_mm=(5, 5), units="psi")
    np.testing.assert_allclose(psi.pressure(), arr * 6.894757, rtol=1e-6)


def test_error_message_names_file_and_line() -> None:
    err = RecordingError("a/b.asf", 12, "expected 21 cells, found 20")
    assert str(err) == "a/b.asf, line 12: expected 21 cells, found 20"
    assert str(RecordingError("x.csv", None, "empty")) == "x.csv: empty"
    import pickle

    assert str(pickle.loads(pickle.dumps(err))) == str(err)


def test_a_reader_built_recording_that_fails_validation_names_the_file():
    from solemap.recordings.core import from_array_for_file

    grid = np.zeros((3, 2, 2), np.float32)
    with pytest.raises(RecordingError) as bad_rate:
        from_array_for_file("walk.csv", grid, sample_rate_hz=-1.0, pitch_mm=(5.0, 5.0))
    assert bad_rate.value.path == "walk.csv" and "sample_rate_hz" in bad_rate.value.message
    # core.py's own RecordingError (no file) keeps its message and gains the file.
    with pytest.raises(RecordingError) as bad_unit:
        from_array_for_file("walk.csv", grid, sample_rate_hz=100.0, pitch_mm=(5.0, 5.0), units="furlongs")
    assert str(bad_unit.value).startswith("walk.csv: ") and "furlongs" in bad_unit.value.message
    rec = from_array_for_file("walk.csv", grid, sample_rate_hz=100.0, pitch_mm=(5.0, 5.0))
    assert rec.n_frames == 3
