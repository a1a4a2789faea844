"""The compiled delimited-text parser against numpy/pandas and Python's float on generated tables."""

from __future__ import annotations

import io
import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from solemap.recordings import RecordingError
from solemap.recordings.readers._delimited_kernel import parse_delimited
from solemap.recordings.readers._text import iter_table_blocks, parse_bytes_table, parse_table

SETTINGS = settings(max_examples=150, deadline=None, derandomize=True)

finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
cell_value = st.one_of(
    finite,
    st.floats(-1e6, 1e6, allow_nan=False).map(lambda x: round(x, 3)),
    st.integers(-(10**20), 10**20).map(float),
    st.just(float("nan")),
)


def _fmt(x: float, style: int) -> str:
    if np.isnan(x):
        return ""
    return (repr(x), f"{x:.3f}", f"{x:.9g}", f"{x:e}", f"{x:10.4f}")[style]


@st.composite
def tables(draw):
    n_rows = draw(st.integers(1, 12))
    n_cols = draw(st.integers(1, 8))
    values = np.array(draw(st.lists(cell_value, min_size=n_rows * n_cols, max_size=n_rows * n_cols)))
    values = values.reshape(n_rows, n_cols)
    style = draw(st.integers(0, 4))
    sep = draw(st.sampled_from(["\t", ",", ";"]))
    pad = draw(st.sampled_from(["", " ", "  "]))
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    trailing = draw(st.booleans())
    lines = []
    for row in values:
        cells = [pad + _fmt(float(x), style).strip() + pad for x in row]
        lines.append(sep.join(cells) + (sep if trailing else ""))
    end = draw(st.sampled_from(["", eol]))
    text = eol.join(lines) + (end or (eol if not lines[-1] else ""))  # an empty last line needs its eol
    expected = np.array([[float(_fmt(float(x), style) or "nan") for x in row] for row in values])
    if trailing:
        expected = np.column_stack([expected, np.full(n_rows, np.nan)])
    return text, sep, expected


@SETTINGS
@given(tables())
def test_matches_python_float(case) -> None:
    text, sep, expected = case
    table, bad = parse_delimited(text.encode(), expected.shape[1], sep)
    assert bad is None
    np.testing.assert_array_equal(table, expected)  # bit-exact, NaN where empty


@SETTINGS
@given(tables())
def test_matches_pandas(case) -> None:
    text, sep, expected = case
    assume(text.strip())
    df = pd.read_csv(
        io.StringIO(text),
        header=None,
        names=range(expected.shape[1]),
        sep=sep,
        dtype=np.float64,
        skipinitialspace=True,
        skip_blank_lines=False,
    )
    table, _ = parse_delimited(text.encode(), expected.shape[1], sep)
    # pandas' own strtod may differ in the last bit; the kernel is the correctly rounded one above.
    np.testing.assert_allclose(table, df.to_numpy(), rtol=4e-16, atol=0)


@SETTINGS
@given(tables())
def test_float32_output_is_the_rounded_float64(case) -> None:
    text, sep, expected = case
    table, bad = parse_delimited(text.encode(), expected.shape[1], sep, dtype=np.float32)
    assert bad is None and table.dtype == np.float32
    np.testing.assert_array_equal(table, expected.astype(np.float32))


@SETTINGS
@given(tables(), st.data())
def test_whitespace_separated(case, data) -> None:
    _, _, expected = case
    expected = np.where(np.isnan(expected), 0.0, expected)
    blanks = data.draw(st.sampled_from([" ", "\t", "  \t "]))
    lines = [blanks.join(repr(float(x)) for x in row) for row in expected]
    body = "\n".join(data.draw(st.sampled_from(["", " "])) + line for line in lines)
    table, bad = parse_delimited(body.encode(), expected.shape[1], None)
    assert bad is None
    np.testing.assert_array_equal(table, np.loadtxt(io.StringIO(body), ndmin=2))


BAD_TOKENS = ["abc", "1.2.3", "--1", "1e", "1-", "1 2", "\x01", "\xff", '"5"', "inf", "1_0", "+"]


@SETTINGS
@given(tables(), st.data())
def test_bad_token_position(case, data) -> None:
    text, sep, expected = case
    n_rows, n_cols = expected.shape
    lines = text.rstrip("\r\n").split("\n")
    r = data.draw(st.integers(0, n_rows - 1))
    c = data.draw(st.integers(0, n_cols - 1))
    token = data.draw(st.sampled_from(BAD_TOKENS))
    cells = lines[r].rstrip("\r").split(sep)
    cells[c] = token
    lines[r] = sep.join(cells)
    raw = "\n".join(lines).encode("latin-1")
    table, bad = parse_delimited(raw, n_cols, sep)
    assert bad == (r, c)
    np.testing.assert_array_equal(table, expected[:r])


@SETTINGS
@given(tables(), st.data())
def test_wrong_field_count_position(case, data) -> None:
    text, sep, expected = case
    n_rows, n_cols = expected.shape
    lines = text.rstrip("\r\n").split("\n")
    r = data.draw(st.integers(0, n_rows - 1))
    extra = data.draw(st.booleans())
    line = lines[r].rstrip("\r")
    if extra:
        lines[r] = line + sep + "7"
        field = n_cols
    else:
        if n_cols == 1:
            return
        lines[r] = line.rsplit(sep, 1)[0]
        field = n_cols - 1
    table, bad = parse_delimited("\n".join(lines).encode(), n_cols, sep)
    assert bad == (r, field)
    assert table.shape == (r, n_cols)


def test_missing_tokens_and_long_numbers() -> None:
    raw = b"nan,NA,-, ,1\n0.1234567890123456789,1e400,-1e-400,12345678901234567890123,9007199254740993\n"
    table, bad = parse_delimited(raw, 5, ",", missing=("", "nan", "NA", "-"))
    assert bad is None
    assert np.isnan(table[0, :4]).all() and table[0, 4] == 1.0
    assert table[1].tolist() == [
        0.1234567890123456789,
        float("inf"),
        -0.0,
        12345678901234567890123.0,
        9007199254740993.0,
    ]
    # "nan" is not missing unless it is listed: the kernel leaves it to Python.
    assert parse_delimited(b"1,nan\n", 2, ",")[1] == (0, 1)


def test_python_fallback_names_line_and_accepts_what_python_reads(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    out = parse_table(path, ["1,2", "inf,1_000", " 3 , 4 "], 2, 10)
    np.testing.assert_array_equal(out, [[1, 2], [np.inf, 1000], [3, 4]])
    with pytest.raises(RecordingError) as info:
        parse_table(path, ["1,2", "3,x"], 2, 10, what="cells")
    assert info.value.line == 11 and "expected a number in field 2" in str(info.value)
    with pytest.raises(RecordingError) as info:
        parse_bytes_table(path, b"1,2\r\n3,4,5\r\n", 2, 5)
    assert info.value.line == 6 and "expected 2 cells" in str(info.value)


@pytest.mark.parametrize("block", [7, 64, 1 << 20])
def test_blocks_cut_at_lines_and_drop_trailing_blank_lines(tmp_path: Path, block: int) -> None:
    rng = np.random.default_rng(3)
    values = np.round(rng.uniform(-100, 100, (300, 4)), 3)
    body = "\n".join("\t".join(f"{x:.3f}" for x in row) for row in values)
    path = tmp_path / "t.txt"
    path.write_bytes(b"header\n" + body.encode() + b"\n \n\t\n\n")
    parts = list(iter_table_blocks(path, 7, 2, 4, sep="\t", block_bytes=block))
    assert parts[0][0] == 2
    for (line, table), (nxt, _) in itertools.pairwise(parts):
        assert nxt == line + table.shape[0]
    np.testing.assert_array_equal(np.concatenate([t for _, t in parts]), values)
    lines = body.split("\n")
    lines[200] = lines[200].replace("\t", "\tx", 1)
    path.write_bytes(b"header\n" + "\n".join(lines).encode())
    with pytest.raises(RecordingError) as info:
        list(iter_table_blocks(path, 7, 2, 4, sep="\t", block_bytes=block))
    assert info.value.line == 202
