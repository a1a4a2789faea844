"""Malformed input for every reader ends in RecordingError (naming the file), never another
exception and never a hang. Hypothesis mutates small excerpts of the real sample files (cut in the
fixture below from ../shared/data/recordings; nothing is copied into the repository).
"""

from __future__ import annotations

import contextlib
import signal
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solemap.recordings import Recording, RecordingError, read_recording

SETTINGS = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    derandomize=True,
)


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def _excerpts(shared: Path) -> dict[str, tuple[str, str, bytes]]:
    """format id -> (reader format, file name, bytes of a small but complete file)."""
    out: dict[str, tuple[str, str, bytes]] = {}
    asf = (shared / "fscan_testL.asf").read_bytes()
    head, body = asf.split(b"ASCII_DATA @@\n", 1)
    frames = body.split(b"Frame ")[1:4]
    out["tekscan-asf"] = (
        "tekscan",
        "x.asf",
        head.replace(b"END_FRAME 205", b"END_FRAME 3")
        + b"ASCII_DATA @@\n\n"
        + b"".join(b"Frame " + f for f in frames).rstrip(b"\n")
        + b"\n\n@@\n",
    )
    csv = (shared / "iscan_test.csv").read_bytes()
    head, body = csv.split(b"ASCII_DATA @@\n", 1)
    frames = body.split(b"Frame ")[1:3]
    out["tekscan-csv"] = (
        "tekscan",
        "x.csv",
        head.replace(b"END_FRAME 309", b"END_FRAME 2")
        + b"ASCII_DATA @@\n\n"
        + b"".join(b"Frame " + f for f in frames).rstrip(b"\n")
        + b"\n\n@@\n",
    )
    ped = _lines((shared / "pedar_example.asc").read_bytes())
    # 15 rows: the header's total time must say so, or the excerpt would be a truncated file.
    ped[2] = ped[2].replace(b"15.050", b"0.150")
    out["pedar"] = ("pedar", "x.asc", b"\n".join(ped[:10] + ped[10:25]))
    mot = _lines((shared / "moticon_walk_with_events.txt").read_bytes())
    hdr = [x for x in mot if x.startswith(b"#")]
    rows = [x for x in mot if not x.startswith(b"#")]
    hdr = [b"# Duration: 00:00.700" if x.startswith(b"# Duration") else x for x in hdr]
    out["moticon"] = ("moticon", "x.txt", b"\n".join(hdr + rows[40:70]) + b"\n")
    emed = (shared / "emed_test.lst").read_bytes()
    pages = emed.split(b"\x0c")
    out["emed"] = ("emed", "x.lst", b"\x0c".join(pages[:3]) + b"\x0c\n\x0c")
    pl = _lines((shared / "pliance_test.asc").read_bytes())
    geo = next(i for i, x in enumerate(pl) if x.startswith(b"sensor"))
    mpp = next(i for i, x in enumerate(pl) if x.strip().startswith(b"MPP"))
    out["pliance"] = ("pliance", "x.asc", b"\n".join(pl[:12] + pl[mpp : mpp + 12] + [b"", b""] + pl[geo:]))
    xs = (shared / "xsensor_data.csv").read_bytes()
    cut = [i for i in range(len(xs)) if xs.startswith(b"FRAME,", i)][:3]
    out["xsensor"] = ("xsensor", "x.csv", xs[: cut[2]])
    sp = _lines((shared / "stappone_example.csv").read_bytes())
    out["stappone"] = ("stappone", "x.csv", b"\n".join(sp[:30]) + b"\n")
    rng = np.random.default_rng(0)
    grid = rng.uniform(0, 200, (5, 4, 3)).astype(np.float32)
    grid[:, 0, 0] = np.nan
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / "g.csv"
        Recording.from_array(grid, sample_rate_hz=50, pitch_mm=(5, 5), side="left").to_csv(p)
        out["generic-csv"] = ("generic-csv", "x.csv", p.read_bytes())
    return out


EXCERPTS: dict[str, tuple[str, str, bytes]] = {}


@pytest.fixture(scope="module")
def excerpts(shared_recordings) -> None:
    """Fills EXCERPTS (kept out of the test arguments so hypothesis does not print 100 kB reprs)."""
    if not EXCERPTS:
        EXCERPTS.update(_excerpts(shared_recordings))


FORMAT_IDS = [
    "tekscan-asf",
    "tekscan-csv",
    "pedar",
    "moticon",
    "emed",
    "pliance",
    "xsensor",
    "stappone",
    "generic-csv",
]


@contextlib.contextmanager
def no_hang(seconds: int = 20):
    """Fail (instead of hanging the suite) if a read takes longer than ``seconds``."""

    def boom(signum, frame):
        raise TimeoutError(f"reader took longer than {seconds} s")

    old = signal.signal(signal.SIGALRM, boom)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def attempt(tmp: Path, name: str, data: bytes, fmt: str | None) -> Recording | RecordingError:
    path = tmp / name
    path.write_bytes(data)
    with no_hang():
        try:
            return read_recording(path, format=fmt)
        except RecordingError as err:
            assert str(path) in str(err)
            return err


@pytest.mark.parametrize("fid", FORMAT_IDS)
def test_excerpts_are_valid(tmp_path, excerpts, fid) -> None:
    _, name, data = EXCERPTS[fid]
    rec = attempt(tmp_path, name, data, None)
    assert isinstance(rec, Recording), rec
    assert rec.n_frames >= 1


@pytest.mark.parametrize("fid", FORMAT_IDS)
def test_empty_and_blank_files(tmp_path, excerpts, fid) -> None:
    fmt, name, _ = EXCERPTS[fid]
    for data in (b"", b"\n", b"   \n\n", b"\xef\xbb\xbf"):
        assert isinstance(attempt(tmp_path, name, data, fmt), RecordingError)
    assert isinstance(attempt(tmp_path, name, b"", None), RecordingError)


@pytest.mark.parametrize("fid", FORMAT_IDS)
def test_wrong_encodings_and_binary_junk(tmp_path, excerpts, fid) -> None:
    fmt, name, data = EXCERPTS[fid]
    text = data.decode("utf-8", errors="replace")
    for bad in (
        text.encode("utf-16"),
        text.encode("utf-32"),
        bytes(range(256)) * 8,
        np.random.default_rng(1).integers(0, 256, 5000, dtype=np.uint8).tobytes(),
    ):
        assert isinstance(attempt(tmp_path, name, bad, fmt), RecordingError)
        assert isinstance(attempt(tmp_path, name, bad, None), RecordingError)


@pytest.mark.parametrize("fid", FORMAT_IDS)
def test_huge_header(tmp_path, excerpts, fid) -> None:
    fmt, name, data = EXCERPTS[fid]
    junk = b"NOISE " + b"x" * 60 + b"\n"
    for blob in (junk * 30_000, b"# " + b"y" * 3_000_000 + b"\n"):
        assert isinstance(attempt(tmp_path, name, blob + data, fmt), RecordingError)


@pytest.mark.parametrize("fid", FORMAT_IDS)
@SETTINGS
@given(cut=st.floats(0.0, 0.999))
def test_truncated(tmp_path, excerpts, fid, cut) -> None:
    fmt, name, data = EXCERPTS[fid]
    n = int(len(data) * cut)
    out = attempt(tmp_path, name, data[:n], fmt)
    if isinstance(out, Recording):
        if fid.startswith("tekscan"):
            # Only the final '@@' may be cut: every frame is still complete.
            assert n >= data.rindex(b"\n\n@@"), out
        elif fid == "emed":
            # Only the page end may be cut: the last page's table is complete.
            assert n > data.rindex(b"\nForce"), out
        else:
            # A cut that falls on a row boundary of a row-per-frame format is a valid shorter file.
            # (pedar and Moticon state their total time / duration, so a shorter file is an error.)
            assert fid in ("stappone", "generic-csv", "pliance", "xsensor"), out
        assert out.n_frames >= 1


@pytest.mark.parametrize("fid", FORMAT_IDS)
@SETTINGS
@given(data=st.data())
def test_mutated(tmp_path, excerpts, fid, data) -> None:
    """Wrong counts (deleted/duplicated lines, extra or missing cells), non-numbers, junk bytes."""
    fmt, name, raw = EXCERPTS[fid]
    lines = raw.split(b"\n")
    k = data.draw(st.integers(0, len(lines) - 1), label="line")
    kind = data.draw(
        st.sampled_from(["delete", "duplicate", "junk-cell", "drop-cell", "extra-cell", "bytes"])
    )
    line = lines[k]
    if kind == "delete":
        lines.pop(k)
    elif kind == "duplicate":
        lines.insert(k, line)
    elif kind == "junk-cell":
        word = data.draw(st.sampled_from([b"abc", b"1.2.3", b"--", b"\xff\xfe", b"1e", b"\x00"]))
        pos = data.draw(st.integers(0, len(line)))
        lines[k] = line[:pos] + word + line[pos:]
    elif kind == "drop-cell":
        for sep in (b"\t", b","):
            if sep in line:
                lines[k] = line.rsplit(sep, 1)[0]
                break
    elif kind == "extra-cell":
        sep = b"\t" if b"\t" in line else b","
        lines[k] = line + sep + b"7"
    else:
        junk = data.draw(st.binary(min_size=1, max_size=40))
        pos = data.draw(st.integers(0, len(raw)))
        out = attempt(tmp_path, name, raw[:pos] + junk + raw[pos:], fmt)
        assert isinstance(out, Recording | RecordingError)
        return
    out = attempt(tmp_path, name, b"\n".join(lines), fmt)
    assert isinstance(out, Recording | RecordingError)


@pytest.mark.parametrize(
    ("fid", "needle", "replacement", "line_hint"),
    [
        ("pedar", b"\t 40.000\t", b"\t forty\t", "forty"),
        ("moticon", b"\t0.25\t", b"\tx\t", "'x'"),
        ("stappone", b",0\n", b",zero\n", "zero"),
        ("xsensor", b"Rows,31", b"Rows,32", "Columns"),
        ("emed", b"Matrix: 64x95", b"Matrix: 64 by 95", "Matrix"),
        ("pliance", b"x[c]", b"x[q]", "x[c]"),
        ("generic-csv", b"# pitch_mm: 5.0, 5.0", b"# pitch_mm: five", "pitch_mm"),
    ],
)
def test_specific_errors_name_line_and_expectation(
    tmp_path, excerpts, fid, needle, replacement, line_hint
) -> None:
    fmt, name, raw = EXCERPTS[fid]
    assert needle in raw, f"fixture changed: {needle!r} not in the {fid} excerpt"
    out = attempt(tmp_path, name, raw.replace(needle, replacement, 1), fmt)
    assert isinstance(out, RecordingError)
    assert "expected" in str(out) and line_hint in str(out)


def test_binary_formats(tmp_path, shared_recordings) -> None:
    xls = (shared_recordings / "footscan_test.xls").read_bytes()
    for data in (
        xls[:5000],
        xls[:100],
        xls[:512] + b"\x00" * 4096,
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"junk" * 100,
    ):
        assert isinstance(attempt(tmp_path, "x.xls", data, None), RecordingError)
    rec = Recording.from_array(np.ones((3, 2, 2)), sample_rate_hz=10, pitch_mm=(1, 1))
    rec.save_npz(tmp_path / "ok.npz")
    npz = (tmp_path / "ok.npz").read_bytes()
    for data in (npz[: len(npz) // 2], b"PK\x03\x04" + b"\x00" * 50, b"\x93NUMPY" + b"\x01" * 30):
        name = "x.npy" if data.startswith(b"\x93") else "x.npz"
        assert isinstance(attempt(tmp_path, name, data, None), RecordingError)


def test_unknown_format_lists_supported(tmp_path) -> None:
    path = tmp_path / "mystery.dat"
    path.write_text("hello\n")
    with pytest.raises(RecordingError, match="supported formats") as info:
        read_recording(path)
    assert "tekscan" in str(info.value) and "moticon" in str(info.value)
    with pytest.raises(RecordingError, match="no such file"):
        read_recording(tmp_path / "absent.asf")
    with pytest.raises(RecordingError, match="unknown format"):
        read_recording(path, format="bogus")
