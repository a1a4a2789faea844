"""``solemap analyze`` and ``solemap simulate``: JSON shape, reports, errors in one line with exit 2."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from solemap.cli import app


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    return CliRunner()


def test_analyze_fscan_json(runner, shared_recordings):
    res = runner.invoke(app, ["analyze", str(shared_recordings / "fscan_testL.asf"), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    rec = out["recording"]
    assert rec["format"] == "tekscan-asf" and rec["frames"] == 205
    assert rec["sample_rate_hz"] == pytest.approx(31.25) and rec["duration_s"] == pytest.approx(205 * 0.032)
    assert rec["source_units"] == "kPa"
    assert rec["sides"] == [{"side": "unknown", "shape": [60, 21], "peak_pressure_kpa": 760.0}]
    assert out["registration"][0]["side"] == "left"
    rows = out["metrics"]
    assert set(rows[0]) == {"side", "step", "region", "metric", "value", "unit"}
    whole_mpp = [
        r for r in rows if r["step"] is None and r["region"] == "foot" and r["metric"] == "peak_pressure"
    ]
    assert whole_mpp[0]["value"] == 760.0 and whole_mpp[0]["unit"] == "kPa"
    assert {r["step"] for r in rows} == {None, 1, 2, 3, 4, 5}


def test_analyze_pedar_two_sides_and_side_option(runner, shared_recordings):
    path = str(shared_recordings / "pedar_example.asc")
    both = json.loads(runner.invoke(app, ["analyze", path, "--json"]).stdout)
    assert [s["side"] for s in both["recording"]["sides"]] == ["left", "right"]
    assert [s["shape"] for s in both["recording"]["sides"]] == [[99], [99]]
    assert {r["side"] for r in both["metrics"]} == {"left", "right"}
    right = json.loads(
        runner.invoke(app, ["analyze", path, "--json", "--side", "right", "--layer", "anatomy"]).stdout
    )
    assert {r["side"] for r in right["metrics"]} == {"right"}
    assert right["layer"] == "anatomy"


def test_analyze_table_output(runner, shared_recordings):
    res = runner.invoke(app, ["analyze", str(shared_recordings / "fscan_testL.asf")], env={"COLUMNS": "200"})
    assert res.exit_code == 0
    assert "registered as the left foot" in res.stdout
    assert "pr-heel-medial" in res.stdout and "5 steps" in res.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["analyze", "no-such-file.asf"], "no such file"),
        (["analyze", "{fscan}", "--layer", "nope"], "unknown layer 'nope'"),
        (["analyze", "{fscan}", "--side", "both"], "--side must be left or right"),
        (
            ["analyze", "{pedar}", "--side", "left", "--report", "out.txt"],
            "--report must end in .html or .pdf",
        ),
        (["analyze", "{bad}"], "expected"),
        (["analyze", "{fscan}", "--side", "right", "--json"], None),  # forcing the foot is allowed
    ],
)
def test_analyze_errors_are_one_line_exit_2(runner, shared_recordings, tmp_path, args, message):
    bad = tmp_path / "bad.asf"
    bad.write_text("DATA_TYPE MOVIE\nROWS 2\nCOLS 2\nASCII_DATA @@\n\nFrame 1\n1,2\n3\n@@\n")
    paths = {
        "fscan": shared_recordings / "fscan_testL.asf",
        "pedar": shared_recordings / "pedar_example.asc",
        "bad": bad,
    }
    argv = [a.format(**paths) for a in args]
    res = runner.invoke(app, argv)
    if message is None:
        assert res.exit_code == 0
        return
    assert res.exit_code == 2, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]
    assert "Traceback" not in res.output


def test_raw_counts_are_refused_without_calibration(runner, shared_recordings):
    res = runner.invoke(app, ["analyze", str(shared_recordings / "iscan_test.csv")])
    assert res.exit_code == 2
    assert "raw sensor counts" in res.stderr and "calibration" in res.stderr
    ok = runner.invoke(
        app, ["analyze", str(shared_recordings / "iscan_test.csv"), "--calibration", "1.0", "--json"]
    )
    assert ok.exit_code in (0, 2)  # a reader may reject the option; never a traceback
    assert "Traceback" not in ok.output


def test_reports_html_and_pdf(runner, shared_recordings, output_dir):
    html = output_dir / "recordings_report.html"
    pdf = output_dir / "recordings_report.pdf"
    path = str(shared_recordings / "fscan_testL.asf")
    assert runner.invoke(app, ["analyze", path, "--report", str(html)]).exit_code == 0
    text = html.read_text(encoding="utf-8")
    assert "<svg" in text and "Peak pressure, left foot" in text and "Centre of pressure" in text
    assert "pr-mth-1" in text and "<table" in text and "value-raster" in text
    assert runner.invoke(app, ["analyze", path, "--report", str(pdf), "--json"]).exit_code == 0
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 10_000


def test_simulate_then_analyze(runner, tmp_path):
    npz = tmp_path / "standing.npz"
    res = runner.invoke(app, ["simulate", "standing", "-o", str(npz), "--side", "right", "--seed", "3"])
    assert res.exit_code == 0, res.output
    out = json.loads(runner.invoke(app, ["analyze", str(npz), "--json"]).stdout)
    assert out["registration"][0]["side"] == "right"
    assert out["recording"]["format"] == "simulated"
    csv = tmp_path / "rolling.csv"
    res = runner.invoke(
        app,
        [
            "simulate",
            "rolling",
            "-o",
            str(csv),
            "--duration",
            "1",
            "--load",
            "80",
            "--path",
            "0.1,0.5;0.7,0.4",
        ],
    )
    assert res.exit_code == 0, res.output
    assert csv.stat().st_size > 0
    rolled = json.loads(runner.invoke(app, ["analyze", str(csv), "--json"]).stdout)
    assert rolled["recording"]["frames"] == 100


@pytest.mark.parametrize(
    "args",
    [
        ["simulate", "standing", "-o", "x.txt"],
        ["simulate", "rolling", "-o", "x.npz", "--path", "a,b"],
        ["simulate", "rolling", "-o", "x.npz", "--path", "0.1,2"],
        ["simulate", "standing", "-o", "x.npz", "--side", "middle"],
    ],
)
def test_simulate_errors(runner, tmp_path, args):
    args = [str(tmp_path / a) if a.startswith("x.") else a for a in args]
    res = runner.invoke(app, args)
    assert res.exit_code == 2
    assert res.stderr.strip().startswith("error: ")


def test_axis_override(runner, shared_recordings):
    path = str(shared_recordings / "fscan_testL.asf")
    out = json.loads(runner.invoke(app, ["analyze", path, "--json", "--axis-deg", "-80"]).stdout)
    reg = out["registration"][0]
    assert reg["axis_deg"] == pytest.approx(-80.0) and reg["method"] == "manual"
