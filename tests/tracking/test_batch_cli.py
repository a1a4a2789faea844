"""Batch analysis on a two-worker Dask cluster, and the track / peaks / tools / batch commands."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from solemap.cli import app
from solemap.recordings.batch import COLUMNS, analyse_file, find_recordings, run_batch
from solemap.recordings.simulate import simulate_rolling, simulate_standing

runner = CliRunner()


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> Path:
    """A small study: two simulated rolling files, one standing, one broken, one non-recording."""
    root = tmp_path_factory.mktemp("study")
    (root / "p01").mkdir()
    (root / "p02" / "day2").mkdir(parents=True)
    simulate_rolling(duration_s=1.0, sample_rate_hz=25, seed=0).save_npz(root / "p01" / "roll.npz")
    simulate_rolling(duration_s=1.0, sample_rate_hz=25, seed=1, side="right").save_npz(
        root / "p02" / "roll.npz"
    )
    simulate_standing(duration_s=1.0, sample_rate_hz=25, seed=2).save_npz(root / "p02" / "day2" / "stand.npz")
    (root / "p02" / "day2" / "broken.asf").write_text("ASCII_DATA @@\nnot a tekscan file\n", encoding="utf-8")
    (root / "notes.docx").write_text("not a recording", encoding="utf-8")
    (root / ".hidden").mkdir()
    (root / ".hidden" / "x.npz").write_bytes(b"")
    return root


def test_find_recordings(study: Path) -> None:
    names = [p.relative_to(study).as_posix() for p in find_recordings(study)]
    assert names == ["p01/roll.npz", "p02/day2/broken.asf", "p02/day2/stand.npz", "p02/roll.npz"]


def test_analyse_file_never_raises(study: Path) -> None:
    bad = analyse_file(str(study / "p02" / "day2" / "broken.asf"), str(study))
    assert bad["error"] and bad["file"] == "p02/day2/broken.asf" and bad["rows"] == []
    good = analyse_file(str(study / "p01" / "roll.npz"), str(study))
    assert good["error"] is None
    rows = pd.DataFrame(good["rows"], columns=COLUMNS)
    ball = rows[rows["region"] == "ball"].set_index("metric")["value"]
    assert ball["ball_confidence"] > 0.5 and ball["ball_tracked_time"] == pytest.approx(1.0, abs=0.05)


def test_batch_on_two_workers(study: Path, tmp_path: Path) -> None:
    seen = []
    out = tmp_path / "metrics.parquet"
    result = run_batch(
        study,
        out,
        n_workers=2,
        threads_per_worker=1,
        processes=False,
        progress=lambda done, total, name, error: seen.append((done, total, name, error)),
    )
    assert [s[0] for s in seen] == [1, 2, 3, 4] and all(s[1] == 4 for s in seen)
    assert result.failures and result.failures[0][0] == "p02/day2/broken.asf"
    assert len(result.files) == 4
    table = pd.read_parquet(out)
    assert list(table.columns) == COLUMNS
    assert set(table["file"]) == {"p01/roll.npz", "p02/roll.npz", "p02/day2/stand.npz"}
    assert {"left", "right"} <= set(table["side"])
    assert (table["metric"] == "strain_peak_prominence").any()
    stand = table[(table["file"] == "p02/day2/stand.npz") & (table["metric"] == "ball_confidence")]
    assert float(stand["value"].iloc[0]) < 0.5  # standing is not a ball
    # Same numbers as a direct analysis of one file.
    from solemap.recordings import read_recording
    from solemap.recordings.analysis import analyze

    direct = analyze(read_recording(study / "p01" / "roll.npz"))
    a = (
        direct[(direct.region == "foot") & (direct.metric == "force_peak")]["value"].iloc[0]
        if (direct.metric == "force_peak").any()
        else None
    )
    if a is not None:
        b = table[(table.file == "p01/roll.npz") & (table.region == "foot") & (table.metric == "force_peak")][
            "value"
        ].iloc[0]
        assert b == pytest.approx(a)


def test_cli_batch_in_a_worker_process(study: Path, tmp_path: Path) -> None:
    out = tmp_path / "m.parquet"
    res = runner.invoke(app, ["batch", str(study), "-o", str(out), "--workers", "1", "--quiet", "--no-peaks"])
    assert res.exit_code == 0, res.output
    assert "3 of 4 file(s) analysed" in res.output
    assert "failed: p02/day2/broken.asf" in res.output
    assert not (pd.read_parquet(out)["metric"] == "strain_peak_prominence").any()


def test_cli_batch_errors(tmp_path: Path) -> None:
    res = runner.invoke(app, ["batch", str(tmp_path / "nope"), "-o", str(tmp_path / "x.parquet")])
    assert res.exit_code == 2 and "not a folder" in res.output
    res = runner.invoke(app, ["batch", str(tmp_path), "-o", str(tmp_path / "x.parquet")])
    assert res.exit_code == 2 and "no recordings" in res.output


def test_cli_track(study: Path, tmp_path: Path, output_dir: Path) -> None:
    pic = output_dir / "cli-track-sim.png"
    res = runner.invoke(
        app,
        [
            "track",
            str(study / "p01" / "roll.npz"),
            "--json",
            "--routine",
            "full-sole-smr",
            "--layer",
            "reflexology",
            "-o",
            str(pic),
        ],
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert (
        data["layer"] == "reflexology"
        and data["looks_like_ball"]
        and data["feedback"]["routine"] == "full-sole-smr"
    )
    assert pic.read_bytes()[:4] == b"\x89PNG"
    text = runner.invoke(app, ["track", str(study / "p01" / "roll.npz")])
    assert text.exit_code == 0 and "never reached" in text.output
    assert runner.invoke(app, ["track", str(tmp_path / "none.npz")]).exit_code == 2
    bad = runner.invoke(app, ["track", str(study / "p01" / "roll.npz"), "--routine", "no-such-routine"])
    assert bad.exit_code == 2 and "no routine" in bad.output
    bad = runner.invoke(app, ["track", str(study / "p01" / "roll.npz"), "--layer", "nope"])
    assert bad.exit_code == 2 and "unknown layer" in bad.output


def test_cli_peaks(study: Path, tmp_path: Path) -> None:
    pop = tmp_path / "pop"
    pop.mkdir()
    for s in range(2):
        simulate_standing(duration_s=0.5, sample_rate_hz=20, seed=s).save_npz(pop / f"s{s}.npz")
    shutil.copy(study / "p02" / "day2" / "broken.asf", pop / "broken.asf")
    svg = tmp_path / "peaks.svg"
    res = runner.invoke(
        app,
        [
            "peaks",
            str(study / "p02" / "day2" / "stand.npz"),
            "--json",
            "-o",
            str(svg),
            "--population",
            str(pop),
            "--layer",
            "anatomy",
        ],
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["evidence"] == "expert-opinion" and "not a finding" in data["statement"]
    assert data["peaks"] and data["suggested_steps"]
    assert data["population"]["recordings"] == 2 and len(data["population"]["skipped"]) == 1
    assert svg.read_text().startswith("<svg")
    text = runner.invoke(app, ["peaks", str(study / "p02" / "day2" / "stand.npz")])
    assert text.exit_code == 0 and "hypothesis" in text.output


def test_cli_tools_compare() -> None:
    res = runner.invoke(
        app, ["tools", "compare", "--json", "--body-mass", "80", "--fraction", "0.5", "--tool", "golf-ball"]
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert {r["load"] for r in data["rows"]} == {"seated", "standing-50pct", "one-foot"}
    assert all(r["tool"] == "golf-ball" and r["evidence"] == "expert-opinion" for r in data["rows"])
    assert "kPa" in data["rows"][1]["sentence"]
    text = runner.invoke(app, ["tools", "compare"])
    assert text.exit_code == 0 and "Not modelled" in text.output
    bad = runner.invoke(app, ["tools", "compare", "--tool", "brick"])
    assert bad.exit_code == 2 and "unknown tool" in bad.output
