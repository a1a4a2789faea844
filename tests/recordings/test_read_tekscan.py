"""Tekscan ASCII reader on generated files: variants of the format, chunking, memmap, errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solemap.recordings import RecordingError, read_recording
from solemap.recordings.readers import tekscan


@pytest.fixture(autouse=True, params=["compiled", "numpy"])
def backend(request, monkeypatch) -> str:
    """Run every test with the numba cell parser and with the pure-numpy one."""
    if request.param == "numpy":
        monkeypatch.setattr(tekscan, "_compiled", lambda: None)
    else:
        assert tekscan._compiled() is not None, "numba is a dependency of solemap (pyproject.toml)"
    return request.param


def make_asf(
    frames: np.ndarray,
    *,
    units: str = "KPa",
    spf: str = "0.01",
    start: int = 1,
    comments: str = "walk",
    iscan_times: list[float] | None = None,
    end_marker: bool = True,
    fmt: str = "{:g}",
    extra_header: str = "",
    row_spacing: str = "5.08 mm",
    declared_frames: int | None = None,
) -> str:
    """Text of a Tekscan export of ``frames`` (T, R, C) with NaN written as ``B``."""
    t, r, c = frames.shape
    n = t if declared_frames is None else declared_frames
    head = (
        f"DATA_TYPE MOVIE\nVERSION test\nSENSOR_TYPE FSCAN\nROWS {r}\nCOLS {c}\nROW_SPACING {row_spacing}\n"
        f"COL_SPACING {row_spacing}\nSECONDS_PER_FRAME {spf}\n{extra_header}COMMENTS:\n{comments}\n"
        f"START_FRAME {start}\nEND_FRAME {start + n - 1}\nUNITS {units}\nMIRROR_ROW 0\nMIRROR_COL 0\n"
        "ASCII_DATA @@\n\n"
    )
    parts = [head]
    for k in range(t):
        marker = f"Frame {start + k}"
        if iscan_times is not None:
            marker += f", {iscan_times[k]:g},, 12/2/2019 6:21:52.34PM,,,Raw Sum=,,1"
        rows = "\n".join(",".join("B" if np.isnan(v) else fmt.format(v) for v in row) for row in frames[k])
        parts.append(f"{marker}\n{rows}\n\n")
    if end_marker:
        parts.append("@@\n")
    return "".join(parts)


def frames_fixture(t: int = 7, r: int = 6, c: int = 5, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    f = rng.integers(0, 900, size=(t, r, c)).astype(np.float32)
    f[:, 0, 0] = np.nan
    f[:, -1, -1] = np.nan
    return f


def write(tmp_path, text: str, name: str = "x.asf", newline: str = "\n"):
    path = tmp_path / name
    path.write_bytes(text.replace("\n", newline).encode("latin-1"))
    return path


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_round_values_and_line_endings(tmp_path, newline) -> None:
    f = frames_fixture()
    rec = read_recording(write(tmp_path, make_asf(f), newline=newline))
    np.testing.assert_array_equal(rec.pressure(), f)
    assert rec.sample_rate_hz == pytest.approx(100)
    np.testing.assert_allclose(rec.times_s, np.arange(7) * 0.01)
    assert rec.valid_mask().sum() == f[0].size - 2


@pytest.mark.parametrize("chunk", [1024, 1500, 4096, 1 << 20])
def test_chunk_boundaries_do_not_change_the_result(tmp_path, chunk) -> None:
    f = frames_fixture(t=60, r=12, c=9, seed=3)
    path = write(tmp_path, make_asf(f))
    rec = tekscan.read(path, chunk_bytes=chunk)
    np.testing.assert_array_equal(rec.pressure(), f)


def test_decimals_signs_and_units(tmp_path) -> None:
    rng = np.random.default_rng(5)
    f = np.round(rng.uniform(-5, 120, size=(4, 3, 4)), 3).astype(np.float32)
    f[:, 1, 2] = np.nan
    rec = read_recording(write(tmp_path, make_asf(f, units="PSI", fmt="{:.3f}")))
    assert rec.source_units == "psi"
    np.testing.assert_allclose(rec.pressure(), f * 6.894757, rtol=1e-6)


def test_raw_units_need_calibration(tmp_path) -> None:
    f = frames_fixture()
    path = write(tmp_path, make_asf(f, units="raw"))
    raw = read_recording(path)
    assert not raw.calibrated and raw.source_units == "raw"
    cal = read_recording(path, calibration=0.5)
    assert cal.calibrated
    np.testing.assert_allclose(cal.pressure(), f * 0.5)


def test_one_frame_integer_period_and_frame_in_comments(tmp_path) -> None:
    # pressuRe fails on each of these (pressure-formats.md, "Malformed or risky").
    f = frames_fixture(t=1)
    rec = read_recording(write(tmp_path, make_asf(f, spf="1", comments="Frame 3 was bad")))
    assert rec.n_frames == 1 and rec.sample_rate_hz == 1.0
    np.testing.assert_array_equal(rec.pressure(), f)


def test_iscan_marker_times_and_start_frame(tmp_path) -> None:
    f = frames_fixture(t=4)
    times = [0.0, 0.1, 0.21, 0.31]
    rec = read_recording(write(tmp_path, make_asf(f, iscan_times=times, spf="0.1"), name="x.csv"))
    assert rec.format == "tekscan-csv"
    np.testing.assert_allclose(rec.times_s, times)
    rec2 = read_recording(write(tmp_path, make_asf(f, start=50, spf="0.1"), name="y.asf"))
    np.testing.assert_allclose(rec2.times_s, np.arange(4) * 0.1)


def test_pitch_units(tmp_path) -> None:
    f = frames_fixture(t=2)
    rec = read_recording(write(tmp_path, make_asf(f, row_spacing="0.127 centimeters")))
    assert rec.pitch_mm == pytest.approx((1.27, 1.27))
    rec = read_recording(write(tmp_path, make_asf(f, row_spacing="0.2 inches"), name="y.asf"))
    assert rec.pitch_mm == pytest.approx((5.08, 5.08))


def test_missing_end_marker_is_accepted_when_all_frames_are_there(tmp_path) -> None:
    f = frames_fixture(t=3)
    rec = read_recording(write(tmp_path, make_asf(f, end_marker=False)))
    assert rec.n_frames == 3


def test_memmap_output(tmp_path) -> None:
    f = frames_fixture(t=40, seed=9)
    out = tmp_path / "p.npy"
    rec = read_recording(write(tmp_path, make_asf(f)), memmap_path=out)
    assert isinstance(rec.pressure(), np.memmap)
    np.testing.assert_array_equal(np.load(out), f)


def test_stream_yields_blocks(tmp_path) -> None:
    f = frames_fixture(t=50, r=20, c=10, seed=2)
    stream = tekscan.TekscanStream(write(tmp_path, make_asf(f)), chunk_bytes=2048)
    blocks = list(stream)
    assert len(blocks) > 1
    np.testing.assert_array_equal(np.concatenate([b for _, b in blocks]), f)
    assert stream.frames_read == 50


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda s: s.replace("ROWS 6\n", ""), "ROWS"),
        (lambda s: s.replace("UNITS KPa", "UNITS furlongs"), "furlongs"),
        (lambda s: s.replace("ASCII_DATA @@", "ASCII DATA"), "ASCII_DATA @@"),
        (lambda s: s.replace("END_FRAME 7", "END_FRAME 8"), "8 frames"),
        (lambda s: s.replace("SECONDS_PER_FRAME 0.01", "SECONDS_PER_FRAME fast"), "SECONDS_PER_FRAME"),
        (lambda s: s.replace("Frame 1\nB,", "Frame 1\nBx,", 1), "'Bx'"),
        (lambda s: s.replace("Frame 3\n", "Frame 3\n1,2,3,4,5\n", 1), "6 rows"),
        (lambda s: s.rsplit(",", 1)[0] + "\n\n@@\n", "cells"),
        (lambda s: s.replace("Frame 4", "Frame 2"), "increasing"),
        (lambda s: s[: len(s) // 2], "frame"),
        (lambda s: s.replace("B,", "B,,", 1), "cells"),
        (lambda s: s.replace("Frame 2\n", "Frame 2\n\u00e9\n", 1), "expected 'Frame N'"),
    ],
)
def test_malformed_files_name_what_was_expected(tmp_path, mutate, message) -> None:
    text = mutate(make_asf(frames_fixture()))
    path = write(tmp_path, text)
    with pytest.raises(RecordingError, match=message) as info:
        read_recording(path, format="tekscan")
    assert str(path) in str(info.value)


def test_error_points_at_the_right_line(tmp_path) -> None:
    f = frames_fixture(t=3, r=4, c=3)
    text = make_asf(f)
    lines = text.split("\n")
    target = (
        next(i for i, line in enumerate(lines) if line.startswith("Frame 2")) + 2
    )  # second row of frame 2
    lines[target] = lines[target].replace(lines[target].split(",")[1], "7x", 1)
    path = write(tmp_path, "\n".join(lines))
    with pytest.raises(RecordingError) as info:
        read_recording(path)
    assert info.value.line == target + 1
    assert "7x" in str(info.value)


def test_memory_is_bounded_by_the_block_not_the_file(tmp_path) -> None:
    """With a memory-mapped output, the reader's own allocations stay near one block."""
    import tracemalloc

    base = frames_fixture(t=8, r=30, c=20, seed=4)
    frame_texts = [
        make_asf(base[k : k + 1]).split("Frame 1\n", 1)[1].rsplit("\n\n@@", 1)[0] for k in range(8)
    ]
    n = 8000
    head = make_asf(base[:1], declared_frames=n).split("Frame 1\n", 1)[0]
    text = head + "".join(f"Frame {k + 1}\n{frame_texts[k % 8]}\n\n" for k in range(n)) + "@@\n"
    path = write(tmp_path, text)
    out_bytes = n * 30 * 20 * 4
    tracemalloc.start()
    try:
        rec = tekscan.read(path, memmap_path=tmp_path / "p.npy", chunk_bytes=256 << 10)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert rec.n_frames == n
    np.testing.assert_array_equal(rec.pressure()[8:16], base)
    assert len(text) > 4 * (256 << 10)
    assert peak < 0.5 * out_bytes, f"peak {peak / 1e6:.1f} MB for a {out_bytes / 1e6:.1f} MB output"


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    shape=st.tuples(st.integers(1, 6), st.integers(1, 9), st.integers(1, 7)),
    seed=st.integers(0, 2**31 - 1),
    decimals=st.sampled_from([0, 1, 3]),
    newline=st.sampled_from(["\n", "\r\n"]),
    chunk=st.sampled_from([1024, 3000, 1 << 20]),
)
def test_generated_files_round_trip(shape, seed, decimals, newline, chunk) -> None:
    """Any frames written in the Tekscan layout come back exactly, whatever the block size."""
    import tempfile
    from pathlib import Path

    rng = np.random.default_rng(seed)
    f = np.round(rng.uniform(0, 2000, size=shape), decimals).astype(np.float32)
    f[rng.random(shape) < 0.2] = np.nan
    fmt = f"{{:.{decimals}f}}"
    text = make_asf(f, fmt=fmt)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "g.asf"
        path.write_bytes(text.replace("\n", newline).encode())
        rec = tekscan.read(path, chunk_bytes=chunk)
    expected = np.array(
        [[[float(fmt.format(v)) if not np.isnan(v) else np.nan for v in row] for row in fr] for fr in f],
        dtype=np.float32,
    )
    np.testing.assert_array_equal(rec.pressure(), expected)


def test_force_units_use_the_sensel_area(tmp_path) -> None:
    f = frames_fixture(t=2)
    rec = read_recording(write(tmp_path, make_asf(f, units="Newtons")))
    assert rec.source_units == "N"
    # N on a 5.08 mm x 5.08 mm sensel: kPa = N * 1000 / 25.8064.
    np.testing.assert_allclose(rec.pressure(), f * 1000 / (5.08 * 5.08), rtol=1e-6)
