"""The foot-map commands through Typer's runner, including their errors."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from solemap.cli import app

runner = CliRunner()
AREA_KEYS = {"id", "name", "layer", "side", "centroid", "body_parts", "evidence", "sources"}


def run(*args: str):
    return runner.invoke(app, list(args))


def test_where_json_lists_areas_per_layer() -> None:
    result = run("where", "0.1", "0.5", "--side", "left", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["point"] == {"u": 0.1, "v": 0.5, "side": "left"}
    heel = data["layers"]["reflexology-coarse"][0]
    assert set(heel) >= AREA_KEYS and set(heel["centroid"]) == {"u", "v"}
    assert heel["id"] == "coarse-heel-pelvis"


def test_where_table_names_the_areas() -> None:
    result = run("where", "0.97", "0.15", "--side", "right")
    assert result.exit_code == 0 and "head" in result.stdout.lower()


def test_find_json_and_table() -> None:
    result = run("find", "kidney", "--json")
    data = json.loads(result.stdout)
    assert data["results"][0]["id"] == "refl-kidney"
    assert all(set(r) >= AREA_KEYS for r in data["results"])
    table = run("find", "lower back", "--side", "left")
    assert table.exit_code == 0 and "Lumbar" in table.stdout
    nothing = run("find", "xylophone quasar")
    assert nothing.exit_code == 1 and "No area matches" in nothing.stdout


def test_map_writes_svg_and_png(tmp_path) -> None:
    svg = tmp_path / "foot.svg"
    result = run(
        "map", "--side", "both", "--layer", "reflexology", "--highlight", "refl-kidney", "-o", str(svg)
    )
    assert result.exit_code == 0, result.output
    assert svg.read_text().startswith("<svg") and "area-refl-kidney-left" in svg.read_text()
    png = tmp_path / "foot.png"
    assert run("map", "--side", "left", "-o", str(png), "--length-mm", "240").exit_code == 0
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_atlas_list_and_check() -> None:
    listed = json.loads(run("atlas", "list", "--layer", "pressure-regions", "--json").stdout)
    assert len(listed["areas"]) == 10 and all(set(a) >= AREA_KEYS for a in listed["areas"])
    check = run("atlas", "check", "--json")
    assert check.exit_code == 0 and json.loads(check.stdout)["ok"] is True
    assert "all files valid" in run("atlas", "check").stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["where", "1.5", "0.2"], "U must lie between 0 and 1"),
        (["where", "0.5", "--side", "left", "--", "-0.1"], "V must lie between 0 and 1"),
        (["where", "0.5", "-0.1"], "No such option"),
        (["where", "abc", "0.1"], "Invalid value for 'u'"),
        (["map"], "Missing option"),
        (["where", "0.5", "0.5", "--side", "middle"], "--side must be one of left, right"),
        (["find", "kidney", "--layer", "tarot"], "unknown layer 'tarot'"),
        (["find", "  "], "QUERY is empty"),
        (["map", "-o", "x.svg", "--layer", "tarot"], "unknown layer 'tarot'"),
        (["map", "-o", "x.svg", "--side", "top"], "--side must be one of left, right, both"),
        (["map", "-o", "x.gif"], "must end in .svg or .png"),
        (["map", "-o", "x.svg", "--highlight", "nowhere"], "unknown area id for --highlight: nowhere"),
        (["map", "-o", "x.svg", "--length-mm", "-3"], "length_mm must be a positive number"),
        (["map", "-o", "/nonexistent-dir/x.svg"], "cannot write"),
        (["atlas", "list", "--side", "up"], "--side must be one of left, right"),
        (["atlas", "check", "--directory", "/nonexistent"], "is not a folder"),
    ],
)
def test_errors_are_one_line_with_exit_status_2(args, message) -> None:
    result = run(*args)
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]
    assert "Traceback" not in result.output


def test_atlas_check_reports_a_broken_data_folder(tmp_path) -> None:
    from solemap.atlas import default_directory

    for f in default_directory().iterdir():
        if f.suffix == ".yaml":
            (tmp_path / f.name).write_text(f.read_text())
    broken = tmp_path / "pressure-regions.yaml"
    broken.write_text(broken.read_text().replace("id: pr-midfoot", "id: pr-heel-medial", 1))
    result = run("atlas", "check", "--directory", str(tmp_path))
    assert result.exit_code == 2
    assert "pressure-regions.yaml" in result.stderr and "pr-heel-medial" in result.stderr
