"""Every reader on the real sample files in ../shared/data/recordings.

Expected numbers come from the files' own headers and from the "Sample file facts" table of
../shared/domain/pressure-formats.md (computed there directly from the files).
"""

from __future__ import annotations

import numpy as np
import pytest

from solemap.recordings import Recording, read_recording, sniff_format


@pytest.fixture(scope="module")
def rec_of(shared_recordings):
    cache: dict[str, Recording] = {}

    def get(name: str) -> Recording:
        if name not in cache:
            cache[name] = read_recording(shared_recordings / name)
        return cache[name]

    return get


@pytest.mark.parametrize(
    ("name", "fmt", "sniffed"),
    [
        ("fscan_testL.asf", "tekscan-asf", "tekscan"),
        ("iscan_test.csv", "tekscan-csv", "tekscan"),
        ("pedar_example.asc", "pedar-asc", "pedar"),
        ("emed_test.lst", "emed-lst", "emed"),
        ("pliance_test.asc", "pliance-asc", "pliance"),
        ("footscan_test.xls", "footscan-xls", "footscan"),
        ("xsensor_data.csv", "xsensor-csv", "xsensor"),
        ("stappone_example.csv", "stappone-csv", "stappone"),
        ("moticon_230927_102114.txt", "moticon-txt", "moticon"),
        ("moticon_walk_with_events.txt", "moticon-txt", "moticon"),
    ],
)
def test_dispatch_and_common_contract(shared_recordings, rec_of, name, fmt, sniffed) -> None:
    assert sniff_format(shared_recordings / name) == sniffed
    rec = rec_of(name)
    assert rec.format == fmt
    for side in rec.sides:
        p = rec.pressure(side)
        assert p.dtype == np.float32
        assert p.shape[0] == rec.n_frames == rec.times_s.shape[0]
        assert np.all(np.diff(rec.times_s) > 0)
        # Pressure is never negative; missing stays NaN.
        assert np.nanmin(p) >= 0
    assert rec.metadata["path"].endswith(name)


def test_fscan_left(rec_of) -> None:
    rec = rec_of("fscan_testL.asf")
    assert rec.kind == "grid" and rec.sides == ("unknown",)
    p = rec.pressure()
    assert p.shape == (205, 60, 21)
    assert rec.sample_rate_hz == pytest.approx(31.25)
    assert rec.pitch_mm == pytest.approx((5.08, 5.08))
    assert rec.source_units == "kPa" and rec.calibrated
    np.testing.assert_allclose(rec.times_s[:2], [0.0, 0.032])
    # 305 "B" cells per frame: NaN and outside the valid mask, in every frame.
    mask = rec.valid_mask()
    assert (~mask).sum() == 305
    assert np.isnan(p[:, ~mask]).all() and not np.isnan(p[:, mask]).any()
    assert np.nanmax(p) == 760
    # Whole-foot force peaks at 924.36 N in frame 9 (pressure-formats.md).
    force = np.nansum(p, axis=(1, 2)) * 1000 * (5.08e-3) ** 2
    assert int(np.argmax(force)) + 1 == 9
    assert force.max() == pytest.approx(924.36, abs=0.01)
    # pressuRe keeps 471 sensels loaded at some time.
    assert int((p[:, mask].max(axis=0) > 0).sum()) == 471
    assert rec.metadata["header"]["SENSOR_TYPE"] == "FSCAN"
    assert rec.metadata["comments"] == "overground walk p10"
    assert rec.metadata["calibration_load_kg"] == pytest.approx(75.0001)


def test_fscan_side_override(shared_recordings) -> None:
    rec = read_recording(shared_recordings / "fscan_testL.asf", side="left")
    assert rec.sides == ("left",)
    assert rec.valid_mask("left").sum() == 60 * 21 - 305


def test_iscan(rec_of) -> None:
    rec = rec_of("iscan_test.csv")
    p = rec.pressure()
    assert p.shape == (309, 28, 28)
    assert rec.source_units == "raw" and not rec.calibrated
    assert rec.pitch_mm == pytest.approx((1.27, 1.27))
    assert (~rec.valid_mask()).sum() == 300
    assert np.nanmax(p) == 100
    # Frame times come from the markers (they drift from k × 0.1 s).
    assert rec.times_s[5] == pytest.approx(0.51)
    assert rec.times_s[-1] == pytest.approx(31.1)


def test_iscan_calibration(shared_recordings) -> None:
    rec = read_recording(shared_recordings / "iscan_test.csv", calibration=2.0)
    assert rec.calibrated
    assert np.nanmax(rec.pressure()) == 200


def test_pedar(rec_of) -> None:
    rec = rec_of("pedar_example.asc")
    assert rec.kind == "sensors" and rec.sides == ("left", "right")
    assert rec.n_frames == 1505 and rec.sample_rate_hz == 100
    assert rec.times_s[0] == pytest.approx(0.01) and rec.times_s[-1] == pytest.approx(15.05)
    assert rec.pressure("left").shape == (1505, 99)
    assert np.nanmax(rec.pressure("left")) == 150.0
    assert np.nanmax(rec.pressure("right")) == 247.5
    lay = rec.layout("left")
    assert lay.n_sensors == 99 and rec.metadata["insole_size"] == "y"
    assert lay.areas_mm2.sum() == pytest.approx(19113)  # 191.1 cm², size y
    # The left insole is never fully unloaded: minimum 7.6 N with size-y areas.
    force = rec.pressure("left") @ lay.areas_mm2 / 1000
    assert force.min() == pytest.approx(7.62, abs=0.01)
    # Layout: row 1 (sensors 1-5) at the heel, row 15 (96-99) at the toes; numbering medial -> lateral.
    x, y = lay.positions_mm.T
    assert x[:5].max() < x[5:12].min() and x[95:].min() > x[82:89].max()
    assert np.all(np.diff(y[5:12]) > 0)
    assert 240 < x.max() - x.min() < 300
    assert len(lay.polygons) == 99


def test_moticon_102114(rec_of) -> None:
    rec = rec_of("moticon_230927_102114.txt")
    assert rec.sides == ("left", "right") and rec.kind == "sensors"
    assert rec.n_frames == 1750
    assert rec.source_units == "N/cm2"
    assert rec.sample_rate_hz == pytest.approx(100)
    left, right = rec.pressure("left"), rec.pressure("right")
    assert left.shape == (1750, 16)
    # Rows without an insole's data are NaN, never 0: no left data in the first 50 rows.
    assert np.isnan(left[:50]).all() and not np.isnan(right[:50]).any()
    assert np.isnan(right[-5:]).all()
    assert rec.metadata["left_samples"] == 1687 and rec.metadata["right_samples"] == 1737
    assert np.nanmax(left) == pytest.approx(242.5)  # 24.25 N/cm²
    assert max(np.nanmax(left), np.nanmax(right)) == pytest.approx(322.5)
    # The derived sensor areas reproduce the vendor's total force column to < 1 N.
    for side, p in (("left", left), ("right", right)):
        vendor = rec.metadata["channels"][f"{side}_total_force_n"]
        ok = ~np.isnan(vendor)
        ours = np.nansum(p * rec.layout(side).areas_mm2, axis=1) / 1000
        assert np.abs(ours[ok] - vendor[ok]).max() < 1.0
    # A skipped sample (16.43 -> 16.45) stays visible in the times.
    assert np.any(np.isclose(np.diff(rec.times_s), 0.02))


def test_moticon_events(rec_of) -> None:
    rec = rec_of("moticon_walk_with_events.txt")
    assert rec.n_frames == 499
    assert rec.metadata["insole_size"] == 3
    assert len(rec.metadata["events"]) == 16
    assert np.nanmax(rec.pressure("right")) == pytest.approx(282.5)


def test_emed(rec_of) -> None:
    rec = rec_of("emed_test.lst")
    p = rec.pressure()
    assert p.shape == (106, 54, 22)
    assert rec.metadata["window_origin"] == [29, 25] and rec.metadata["plate_shape"] == [95, 64]
    assert rec.sample_rate_hz == pytest.approx(100) and rec.pitch_mm == (5.0, 5.0)
    assert np.nanmax(p) == 370
    assert int((p.max(axis=0) > 0).sum()) == 506  # pressuRe keeps 506 active sensels


def test_pliance(rec_of) -> None:
    rec = rec_of("pliance_test.asc")
    p = rec.pressure()
    assert rec.kind == "grid" and p.shape == (281, 29, 28)
    assert rec.valid_mask().sum() == 812
    assert rec.pitch_mm == pytest.approx((10.28, 5.28))
    assert rec.sample_rate_hz == pytest.approx(1 / 0.04167)
    assert rec.times_s[0] == pytest.approx(5.79167) and rec.times_s[-1] == pytest.approx(17.45833, abs=1e-4)
    assert np.nanmax(p) == 140
    assert len(rec.metadata["trial_force"]["time_s"]) == 1067
    # The MPP summary row is the per-sensor maximum of the frames.
    grid = np.array(rec.metadata["sensor_grid"])
    mpp = np.asarray(rec.metadata["summary"]["MPP"])
    np.testing.assert_allclose(np.nanmax(p, axis=0)[grid > 0].max(), mpp.max())


def test_footscan(rec_of) -> None:
    rec = rec_of("footscan_test.xls")
    assert rec.sides == ("right",)
    p = rec.pressure("right")
    assert p.shape == (329, 38, 20)
    assert rec.sample_rate_hz == 500 and rec.source_units == "N"
    assert rec.pitch_mm == (7.62, 5.08)
    # 22.6 N on one 5.08 x 7.62 mm sensor.
    assert np.nanmax(p) == pytest.approx(22.6 * 1000 / (5.08 * 7.62), rel=1e-5)


def test_xsensor(rec_of) -> None:
    rec = rec_of("xsensor_data.csv")
    assert rec.sides == ("left", "right")
    assert rec.pressure("left").shape == (101, 31, 11)
    assert rec.pitch_mm == pytest.approx((8.6, 8.6))
    assert rec.source_units == "mmHg"
    assert 74 < rec.sample_rate_hz < 76
    peak_mmhg = max(np.nanmax(rec.pressure(s)) for s in rec.sides) / 0.1333224
    assert peak_mmhg == pytest.approx(2957.46, abs=0.01)


def test_stappone(rec_of) -> None:
    rec = rec_of("stappone_example.csv")
    assert rec.sides == ("unknown",) and rec.n_frames == 4575
    assert rec.sample_rate_hz == pytest.approx(62.5)
    assert rec.source_units == "raw" and not rec.calibrated
    assert np.nanmax(rec.pressure()) == 756
    assert not rec.layout().is_known
