"""The pressure commands: footprint, animate, curves, indices, mask make / show."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from solemap.cli import app

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def test_mask_make_and_show(tmp_path, sample_file):
    pedar = str(sample_file("pedar_example.asc"))
    out = tmp_path / "m1.geojson"
    res = run(
        "mask",
        "make",
        pedar,
        "--scheme",
        "pedar_mask1",
        "-o",
        str(out),
        "--picture",
        str(tmp_path / "m1.png"),
    )
    assert res.exit_code == 0, res.output
    assert "hindfoot, midfoot, forefoot, toes" in res.output
    assert json.loads(out.read_text())["solemap_mask"]["scheme"] == "pedar_mask1"
    assert (tmp_path / "m1.png").read_bytes().startswith(b"\x89PNG")
    shown = run("mask", "show", str(out), "--recording", pedar, "--json")
    assert shown.exit_code == 0, shown.output
    counts = {r["id"]: r["sensors"] for r in json.loads(shown.output)["regions"]}
    assert counts == {"hindfoot": 26.0, "midfoot": 28.0, "forefoot": 28.0, "toes": 17.0}


def test_mask_make_grid_alias(tmp_path, sample_file):
    res = run("mask", "make", str(sample_file("emed_test.lst")), "--scheme", "auto-simple",
              "-o", str(tmp_path / "s.geojson"))  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "heel, midfoot, forefoot" in res.output


def test_indices_json(sample_file):
    res = run("indices", str(sample_file("emed_test.lst")), "--json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)["indices"][0]
    assert 0.15 < data["arch_index"]["value"] < 0.30
    assert data["pppg"]["peak_kpa"] == 370.0


def test_pictures_commands(tmp_path, sample_file):
    fscan = str(sample_file("fscan_testL.asf"))
    res = run("curves", fscan, "-o", str(tmp_path / "c.svg"))
    assert res.exit_code == 0, res.output
    assert "5 steps; 29-51, 65-86, 100-121, 136-157, 171-194" in res.output
    assert (tmp_path / "c.svg").read_text().lstrip().startswith("<?xml")
    res = run("footprint", fscan, "-o", str(tmp_path / "f.svg"), "--kind", "frame", "--frame", "40",
              "--clean", "--upsample", "2")  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "value-raster" in (tmp_path / "f.svg").read_text()
    res = run(
        "footprint", str(sample_file("pedar_example.asc")), "-o", str(tmp_path / "p.png"), "--upsample", "2"
    )
    assert res.exit_code == 2 and "needs a grid recording" in res.output
    res = run("footprint", fscan, "-o", str(tmp_path / "s2.png"), "--step", "2", "--layer", "anatomy")
    assert res.exit_code == 0, res.output
    res = run("footprint", fscan, "-o", str(tmp_path / "s9.png"), "--step", "9")
    assert res.exit_code == 2 and "--step must lie in 1…5" in res.output
    res = run(
        "animate", fscan, "-o", str(tmp_path / "a.gif"), "--start", "20", "--stop", "60", "--layer", "none"
    )
    assert res.exit_code == 0, res.output
    assert "(40 frames)" in res.output


def test_errors_are_one_line(tmp_path, sample_file):
    fscan = str(sample_file("fscan_testL.asf"))
    for args, text in (
        (("footprint", fscan, "-o", str(tmp_path / "x.jpg")), "must end in .png, .svg"),
        (
            ("footprint", fscan, "-o", str(tmp_path / "x.png"), "--kind", "frame"),
            "--kind frame needs --frame",
        ),
        (("footprint", str(tmp_path / "none.asf"), "-o", str(tmp_path / "x.png")), "no such file"),
        (
            ("mask", "make", fscan, "--scheme", "pedar_mask1", "-o", str(tmp_path / "m.geojson")),
            "for sensors",
        ),
        (("indices", str(sample_file("pedar_example.asc"))), "plate or grid"),
    ):
        res = run(*args)
        assert res.exit_code == 2, (args, res.output)
        assert text in res.output


def test_mask_apply(tmp_path, sample_file):
    pedar = str(sample_file("pedar_example.asc"))
    out = tmp_path / "m3.geojson"
    assert run("mask", "make", pedar, "--scheme", "pedar_mask3", "-o", str(out)).exit_code == 0
    res = run("mask", "apply", pedar, "--mask", str(out), "--json")
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)["metrics"]
    assert {r["metric"] for r in rows} == {"peak_pressure", "pti_peak", "pti_mean", "fti", "max_force"}
    assert len({(r["side"], r["step"]) for r in rows}) == 9 + 8  # every step of both insoles
    assert len({r["region"] for r in rows}) == 9
    table = run("mask", "apply", pedar, "--mask", "pedar_mask1", "--metrics", "peak_pressure")
    assert table.exit_code == 0 and "hindfoot" in table.output and "peak_pressure" in table.output
    bad = run("mask", "apply", pedar, "--mask", "pedar_mask1", "--metrics", "nope")
    assert bad.exit_code == 2 and "unknown metric" in bad.output


def test_mask_apply_with_saved_steps(tmp_path, sample_file):
    # steps.json as the page saves it: only left steps 1 and 3 (frames from the detection).
    pedar = str(sample_file("pedar_example.asc"))
    steps = tmp_path / "steps.json"
    steps.write_text(
        json.dumps({"file": "pedar_example.asc", "steps": {"left": [[343, 426], [603, 681]], "right": []}})
    )
    res = run("mask", "apply", pedar, "--mask", "pedar_mask1", "--steps", str(steps), "--json")
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)["metrics"]
    assert {(r["side"], r["step"]) for r in rows} == {("left", 1), ("left", 2)}
    steps.write_text(json.dumps({"steps": {"left": [[10, 5000]]}}))
    bad = run("mask", "apply", pedar, "--mask", "pedar_mask1", "--steps", str(steps))
    assert bad.exit_code == 2 and "outside frames 0…1504" in bad.output


def test_analyze_with_mask_file_and_scheme(tmp_path, sample_file):
    pedar = str(sample_file("pedar_example.asc"))
    out = tmp_path / "m3.geojson"
    assert run("mask", "make", pedar, "--scheme", "pedar_mask3", "-o", str(out)).exit_code == 0
    res = run("analyze", pedar, "--mask", str(out), "--json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["layer"] == "pedar_mask3"
    regions = [f["id"] for f in json.loads(out.read_text())["features"]]
    assert {r["region"] for r in data["metrics"]} == {*regions, "foot"}
    grid = run("analyze", str(sample_file("emed_test.lst")), "--layer", "automask_simple", "--json")
    assert grid.exit_code == 0, grid.output
    assert {r["region"] for r in json.loads(grid.output)["metrics"]} == {
        "heel",
        "midfoot",
        "forefoot",
        "foot",
    }
    (tmp_path / "bad.geojson").write_text('{"type": "Feature"}')
    bad = run("analyze", pedar, "--mask", str(tmp_path / "bad.geojson"))
    assert bad.exit_code == 2 and "FeatureCollection" in bad.output
