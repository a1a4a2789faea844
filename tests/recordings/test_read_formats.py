"""Readers on generated files: the generic CSV spec, format variants the samples do not cover,
layouts, dispatch and side handling."""

from __future__ import annotations

import numpy as np
import pytest

from solemap.recordings import Recording, RecordingError, read_recording, sniff_format
from solemap.recordings.readers.moticon import insole_length_mm, moticon_layout
from solemap.recordings.readers.pedar import pedar_layout, pedar_sizes

# ----------------------------------------------------------------------------- generic CSV


def test_generic_csv_minimal_file(tmp_path) -> None:
    """A home-made mat export: only a time column and sensor columns, no header lines."""
    path = tmp_path / "mat.csv"
    path.write_text("time,heel,mid,toe\n0.00,10,0,\n0.02,20,5,1\n0.04,30,,2\n")
    assert sniff_format(path) == "generic-csv"
    rec = read_recording(path)
    assert rec.kind == "sensors" and rec.sides == ("unknown",)
    assert rec.sample_rate_hz == pytest.approx(50)
    assert rec.layout().sensor_ids == ("heel", "mid", "toe")
    assert not rec.layout().is_known
    p = rec.pressure()
    assert np.isnan(p[0, 2]) and np.isnan(p[2, 1])  # empty cells are missing, not 0
    assert p[1, 0] == 20


def test_generic_csv_grid_with_units_sides_and_ms(tmp_path) -> None:
    path = tmp_path / "grid.csv"
    path.write_text(
        "# units: psi\n# pitch_mm: 10, 5\n"
        "time_ms,left:r0c0,left:r0c1,left:r1c1,right:r0c0,right:r0c1,right:r1c0,right:r1c1\n"
        "0,1,2,3,4,5,6,7\n10,1,2,3,4,5,6,7\n"
    )
    rec = read_recording(path)
    assert rec.kind == "grid" and rec.sides == ("left", "right")
    assert rec.sample_rate_hz == pytest.approx(100)
    assert rec.pitch_mm == (10, 5)
    left = rec.pressure("left")
    assert left.shape == (2, 2, 2)
    assert np.isnan(left[:, 1, 0]).all() and not rec.valid_mask("left")[1, 0]  # no column: outside
    np.testing.assert_allclose(left[0, 0, 1], 2 * 6.894757, rtol=1e-6)
    assert rec.source_units == "psi"


def test_generic_csv_sensor_layout_lines(tmp_path) -> None:
    path = tmp_path / "s.csv"
    path.write_text(
        "# side: right\n# sample_rate_hz: 25\n"
        "# sensor right a: 10 -5 50 | 5 -10; 15 -10; 15 0; 5 0\n# sensor right b: 100 3.5 75\n"
        "time_s,a,b\n0,1,2\n0.04,3,4\n"
    )
    rec = read_recording(path)
    lay = rec.layout("right")
    np.testing.assert_allclose(lay.positions_mm, [[10, -5], [100, 3.5]])
    np.testing.assert_allclose(lay.areas_mm2, [50, 75])
    assert lay.polygons is None  # one sensor without a polygon: no polygons at all
    assert rec.sample_rate_hz == 25


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("stamp,a\n0,1\n", "time_s, time or time_ms"),
        ("time_s\n0\n", "at least one pressure column"),
        ("time_s,a,a\n0,1,2\n", "unique"),
        ("time_s,a\n0,1\n0.01,x\n", "line 3"),
        ("time_s,a\n0,1\n0.01,1,2\n", "expected 2 cells"),
        ("time_s,a\n0.1,1\n0.0,1\n", "increase"),
        ("# units: stone\ntime_s,a\n0,1\n1,1\n", "stone"),
        ("time_s,r0c0\n0,1\n1,1\n", "pitch_mm"),
        ("# metadata: [1, 2]\ntime_s,a\n0,1\n1,2\n", "JSON object"),
        ("# solemap-pressure-csv 9\ntime_s,a\n0,1\n", "version"),
        ("time_s,a\n0,1\n", "sample_rate_hz"),
    ],
)
def test_generic_csv_errors(tmp_path, text, message) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(RecordingError, match=message):
        read_recording(path, format="generic-csv")


def test_csv_round_trip_of_a_real_file(tmp_path, shared_recordings) -> None:
    rec = read_recording(shared_recordings / "fscan_testL.asf")
    rec.to_csv(tmp_path / "f.csv")
    back = read_recording(tmp_path / "f.csv")
    assert back.equals(rec)
    assert back.format == "tekscan-asf" and back.source_units == "kPa"


def test_npz_round_trip_of_real_sensor_files(tmp_path, shared_recordings) -> None:
    for name in ("pedar_example.asc", "moticon_walk_with_events.txt"):
        rec = read_recording(shared_recordings / name)
        rec.save_npz(tmp_path / "r.npz")
        back = Recording.from_npz(tmp_path / "r.npz")
        assert back.equals(rec), name
        assert back.layout("left") == rec.layout("left")


# ----------------------------------------------------------------------------- pedar


def pedar_text(n_rows: int = 4, sides: int = 2, rate_line: bool = True, size: str = "y") -> str:
    rng = np.random.default_rng(1)
    head = [
        "file name:  test.sol\tdate/time  25.04.23 10.49",
        f"sensor type:  {size}-1865l-1870r-pxf306 ",
        "total time [secs]:  0.04\ttime per frame [secs]:  0.01000\tscanning rate [Hz]:   100"
        if rate_line
        else "total time [secs]:  0.04",
        "pressure values in  kPa",
        "",
        "mask definition: ",
        "left insole: " + ",".join(str(i) for i in range(1, 100)) + ",",
    ]
    if sides == 2:
        head.append("right insole: " + ",".join(str(i) for i in range(1, 100)) + ",")
    head.append("")
    cols = "\t".join(f"{i:7d}" for i in range(1, 100))
    head.append("time[secs]    \t" + "\t".join([cols] * sides) + "\t")
    for k in range(n_rows):
        vals = rng.integers(0, 40, 99 * sides) * 2.5
        head.append(f"{(k + 1) * 0.01:12.5f}\t" + "\t".join(f"{v:7.3f}" for v in vals) + "\t")
    return "\n".join(head)


def test_pedar_single_insole_and_missing_values(tmp_path) -> None:
    text = pedar_text(sides=1, rate_line=False)
    lines = text.split("\n")
    cells = lines[-1].split("\t")
    cells[5] = ""
    lines[-1] = "\t".join(cells)
    path = tmp_path / "one.asc"
    path.write_text("\n".join(lines))
    rec = read_recording(path)
    assert rec.sides == ("left",)  # only "left insole:" is declared
    assert rec.sample_rate_hz == pytest.approx(100)  # from the time column
    assert np.isnan(rec.pressure("left")[-1, 4])


def test_pedar_sizes_and_layouts() -> None:
    sizes = pedar_sizes()
    totals_cm2 = {k: round(v.sum() / 100, 1) for k, v in sizes.items()}
    # Insole totals quoted in pressure-formats.md.
    assert totals_cm2 == {
        "u": 125.9,
        "v": 139.3,
        "w": 155.4,
        "x": 172.1,
        "y": 191.1,
        "z": 214.7,
        "uw": 141.7,
        "xw": 196.4,
        "vw": 158.9,
    }
    small, large = pedar_layout("u"), pedar_layout("z")
    assert np.ptp(large.positions_mm[:, 0]) > np.ptp(small.positions_mm[:, 0])
    # Heel rows have 5 sensors (1-5), then 12 rows of 7: sensor 6 starts the second row, medial.
    assert small.positions_mm[5, 1] < small.positions_mm[11, 1]


def test_pedar_unknown_size_needs_an_option(tmp_path) -> None:
    path = tmp_path / "q.asc"
    path.write_text(pedar_text(size="q"))
    with pytest.raises(RecordingError, match="insole_size"):
        read_recording(path)
    rec = read_recording(path, insole_size="w")
    assert rec.metadata["insole_size"] == "w"


# ----------------------------------------------------------------------------- moticon


def test_moticon_layout_scaling() -> None:
    small, large = moticon_layout(3), moticon_layout(7)
    assert insole_length_mm(7) > insole_length_mm(3)
    ratio = large.areas_mm2 / small.areas_mm2
    assert np.all((ratio > 1.35) & (ratio < 1.5))  # fitted sizes: one common factor ≈ 1.43
    mid = moticon_layout(5)
    assert np.all(mid.areas_mm2 > small.areas_mm2) and np.all(mid.areas_mm2 < large.areas_mm2)
    # Heel sensors (1, 2) behind the toe sensors (14-16).
    assert small.positions_mm[:2, 0].max() < small.positions_mm[13:, 0].min()


def test_moticon_single_side_export(tmp_path) -> None:
    cols = ["time", *[f"right pressure {i}[N/cm²]" for i in range(1, 17)], "right total force[N]"]
    rows = ["\t".join(["0.00", *["1.00"] * 16, "100.00"]), "\t".join(["0.01", *["2.00"] * 16, "200.00"])]
    path = tmp_path / "m.txt"
    path.write_text(
        "# Start time: 01.01.2024 10:00:00.000\n# Size: 5\n# " + "\t".join(cols) + "\n" + "\n".join(rows),
        encoding="utf-8",
    )
    rec = read_recording(path)
    assert rec.sides == ("right",)
    np.testing.assert_allclose(rec.pressure("right")[1], 20.0)
    np.testing.assert_allclose(rec.metadata["channels"]["right_total_force_n"], [100, 200])


def test_moticon_missing_sensor_column(tmp_path) -> None:
    cols = ["time", *[f"left pressure {i}[N/cm²]" for i in range(1, 16)]]
    path = tmp_path / "m.txt"
    path.write_text("# Size: 5\n# " + "\t".join(cols) + "\n0.00" + "\t1" * 15 + "\n", encoding="utf-8")
    with pytest.raises(RecordingError, match=r"missing \[16\]"):
        read_recording(path)


# ----------------------------------------------------------------------------- dispatch and sides


def test_side_option(tmp_path, shared_recordings) -> None:
    pedar = read_recording(shared_recordings / "pedar_example.asc", side="right")
    assert pedar.sides == ("right",)
    with pytest.raises(RecordingError, match="side"):
        read_recording(shared_recordings / "footscan_test.xls", side="left")
    with pytest.raises(RecordingError, match="side must be"):
        read_recording(shared_recordings / "fscan_testL.asf", side="middle")


def test_content_beats_the_suffix(tmp_path, shared_recordings) -> None:
    # A Tekscan export saved as .txt and a pedar export saved as .csv are still recognised.
    (tmp_path / "a.txt").write_bytes((shared_recordings / "fscan_testL.asf").read_bytes())
    assert read_recording(tmp_path / "a.txt").format == "tekscan-asf"
    (tmp_path / "b.csv").write_bytes((shared_recordings / "pedar_example.asc").read_bytes())
    assert read_recording(tmp_path / "b.csv").format == "pedar-asc"


def test_plain_npz_with_pressure_array(tmp_path) -> None:
    p = np.random.default_rng(2).uniform(0, 5, (4, 7)).astype(np.float32)
    np.savez(tmp_path / "p.npz", pressure=p, times_s=np.array([0, 0.1, 0.2, 0.4]))
    rec = read_recording(tmp_path / "p.npz", sample_rate_hz=10, units="N/cm2")
    np.testing.assert_allclose(rec.pressure(), p * 10, rtol=1e-6)
    np.testing.assert_allclose(rec.times_s, [0, 0.1, 0.2, 0.4])


def test_truncated_pedar_and_moticon_are_errors(tmp_path, shared_recordings) -> None:
    """Both formats state their length in the header, so a file cut at a row boundary is caught."""
    for name, suffix in (("pedar_example.asc", ".asc"), ("moticon_230927_102114.txt", ".txt")):
        lines = (shared_recordings / name).read_bytes().split(b"\n")
        path = tmp_path / f"cut{suffix}"
        path.write_bytes(b"\n".join(lines[: len(lines) - 300]))
        with pytest.raises(RecordingError, match="truncated"):
            read_recording(path)


def test_unknown_reader_option_is_a_recording_error(shared_recordings) -> None:
    with pytest.raises(RecordingError, match="no option calibration; its options: insole_size"):
        read_recording(shared_recordings / "pedar_example.asc", calibration=2.0)


def test_moticon_resaved_as_latin1(tmp_path, shared_recordings) -> None:
    """A Windows re-save turns the UTF-8 '²' of the units into one byte; the file still reads."""
    text = (shared_recordings / "moticon_walk_with_events.txt").read_text(encoding="utf-8")
    path = tmp_path / "latin.txt"
    path.write_bytes(text.encode("cp1252"))
    rec = read_recording(path)
    assert rec.source_units == "N/cm2" and rec.n_frames == 499


def test_row_formats_read_the_same_in_small_blocks(monkeypatch, tmp_path, shared_recordings) -> None:
    """pedar and Moticon rows are parsed block by block: block edges change nothing, and errors
    still name the right line."""
    from solemap.recordings.readers import _text

    names = ("pedar_example.asc", "moticon_230927_102114.txt", "moticon_walk_with_events.txt")
    whole = {name: read_recording(shared_recordings / name) for name in names}
    monkeypatch.setattr(_text, "BLOCK_BYTES", 64 << 10)
    for name in names:
        small = read_recording(shared_recordings / name)
        assert small.equals(whole[name]), name
    lines = (shared_recordings / "pedar_example.asc").read_bytes().split(b"\n")
    lines[700] = lines[700].replace(b"\t", b"\tx", 1)
    (tmp_path / "bad.asc").write_bytes(b"\n".join(lines))
    with pytest.raises(RecordingError) as info:
        read_recording(tmp_path / "bad.asc")
    assert info.value.line == 701
