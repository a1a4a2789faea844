"""Bad data files are refused with the file, the entry id and the reason."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from solemap.atlas import AtlasError, build_geometry, load_atlas
from solemap.atlas.loader import build_atlas
from solemap.atlas.schema import GeometrySpec

SOURCES = {"sources": [{"key": "src-a", "citation": "Author A. A book about feet, 2020."}]}


def _entry(**over: Any) -> dict[str, Any]:
    base = {
        "id": "area-a",
        "name": "Area A",
        "side": "both",
        "geometry": {"box": {"u": [0.1, 0.2], "v": [0.1, 0.2]}},
        "body_parts": ["heel"],
        "description": "A test area with a long enough description.",
        "evidence": "anatomy",
        "sources": ["src-a"],
    }
    base.update(over)
    return {k: v for k, v in base.items() if v is not None}


def _layer(areas: list[dict[str, Any]], kind: str = "overlapping", lid: str = "test-layer") -> dict[str, Any]:
    return {
        "layer": {
            "id": lid,
            "name": "Test layer",
            "kind": kind,
            "order": 1,
            "description": "A layer used by the tests only.",
            "placement": "Made up for tests.",
        },
        "areas": areas,
    }


def _write(folder: Path, files: dict[str, Any], sources: dict[str, Any] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sources.yaml").write_text(yaml.safe_dump(sources or SOURCES), encoding="utf-8")
    for name, content in files.items():
        text = content if isinstance(content, str) else yaml.safe_dump(content, sort_keys=False)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _problems(folder: Path) -> list[str]:
    with pytest.raises(AtlasError) as info:
        build_atlas(folder)
    return [str(p) for p in info.value.problems]


def test_a_valid_minimal_atlas_loads(tmp_path: Path) -> None:
    folder = _write(tmp_path, {"t.yaml": _layer([_entry()])})
    atlas = load_atlas(folder)
    assert list(atlas.areas) == ["area-a"]
    assert atlas.get("area-a").centroid == pytest.approx((0.15, 0.15))


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ({"evidence": None}, "evidence: Field required"),
        ({"evidence": "anecdote"}, "evidence: Input should be 'guideline'"),
        ({"sources": []}, "sources: List should have at least 1 item"),
        ({"sources": ["nope"]}, "unknown source key(s): nope"),
        ({"side": "middle"}, "side: Input should be 'left', 'right' or 'both'"),
        ({"body_parts": []}, "body_parts: List should have at least 1 item"),
        ({"description": "short"}, "description: String should have at least 20 characters"),
        ({"synonym": ["x"]}, "synonym: unknown field (typo?)"),
        ({"id": "Bad Id"}, "is not a valid id"),
        ({"geometry": None}, "missing geometry (or mark the entry 'off_sole: true' with a location)"),
        ({"geometry": {"box": {"u": [0.5, 0.4], "v": [0.1, 0.2]}}}, "box u range [0.5, 0.4] is empty"),
        (
            {"geometry": {"box": {"u": [0.9, 1.2], "v": [0.1, 0.2]}}},
            "geometry leaves the sole: spans u 0.900..1.200",
        ),
        (
            {"geometry": {"polygon": [[0.1, 0.1], [0.3, 0.3], [0.3, 0.1], [0.1, 0.3]]}},
            "geometry is invalid: Self-intersection",
        ),
        (
            {
                "geometry": {
                    "box": {"u": [0.1, 0.2], "v": [0.1, 0.2]},
                    "ellipse": {"u": 0.5, "v": 0.5, "du": 0.1, "dv": 0.1},
                }
            },
            "give exactly one shape of",
        ),
        (
            {"geometry": {"ellipse": {"u": 1.5, "v": 0.5, "du": 0.1, "dv": 0.1}}},
            "geometry is empty (entirely off the sole?)",
        ),
        # Beyond the tip of the little toe: inside the unit square but off the plantar outline.
        (
            {"geometry": {"box": {"u": [0.93, 1.0], "v": [0.85, 1.0]}}},
            "only 0% of the geometry lies on the plantar outline (toe gaps or beyond the toe tips?)",
        ),
        (
            {"geometry": {"line": [[0.95, 0.80], [0.95, 1.0]]}},
            "only 0% of the geometry lies on the plantar outline",
        ),
        ({"geometry": None, "off_sole": True}, "an off-sole entry needs a 'location'"),
        (
            {"off_sole": True, "location": "calf"},
            "an off-sole entry (off_sole: true) must not have a geometry",
        ),
        ({"related": ["ghost"]}, "related id 'ghost' does not exist"),
        ({"chain": {"line": "x", "order": 1, "role": "station"}}, "'chain' is only allowed in graph layers"),
    ],
)
def test_entry_errors_name_file_entry_and_reason(
    tmp_path: Path, override: dict[str, Any], expected: str
) -> None:
    folder = _write(tmp_path, {"t.yaml": _layer([_entry(**override)])})
    problems = _problems(folder)
    assert len(problems) == 1, problems
    entry_id = override.get("id", "area-a")
    assert problems[0].startswith(f"{folder / 't.yaml'}: entry '{entry_id}': "), problems[0]
    assert expected in problems[0]


def test_all_problems_are_reported_together(tmp_path: Path) -> None:
    areas = [_entry(id="one", evidence="rumour"), _entry(id="two", sources=["missing"]), _entry(id="three")]
    folder = _write(tmp_path, {"t.yaml": _layer(areas)})
    with pytest.raises(AtlasError) as info:
        build_atlas(folder)
    message = str(info.value)
    assert message.startswith("2 problem(s) in the atlas data:")
    assert "entry 'one'" in message and "entry 'two'" in message and "entry 'three'" not in message


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    folder = _write(
        tmp_path, {"a.yaml": _layer([_entry()], lid="layer-a"), "b.yaml": _layer([_entry()], lid="layer-b")}
    )
    [problem] = _problems(folder)
    assert problem.startswith(f"{folder / 'b.yaml'}: entry 'area-a': duplicate id (also in ")
    assert str(folder / "a.yaml") in problem


def test_duplicate_layer_ids(tmp_path: Path) -> None:
    folder = _write(tmp_path, {"a.yaml": _layer([_entry(id="x")]), "b.yaml": _layer([_entry(id="y")])})
    [problem] = _problems(folder)
    assert "layer id 'test-layer' is already used by" in problem


def test_partition_overlap_and_gap(tmp_path: Path) -> None:
    left = _entry(id="left-half", geometry={"box": {"u": [0.0, 1.0], "v": [0.0, 0.6]}})
    right = _entry(id="right-half", geometry={"box": {"u": [0.0, 1.0], "v": [0.5, 0.9]}})
    folder = _write(tmp_path, {"p.yaml": _layer([left, right], kind="partition")})
    problems = _problems(folder)
    overlap = [p for p in problems if "entry 'left-half': overlaps 'right-half' by " in p]
    assert len(overlap) == 2 and "uv² on the left foot, but layer 'test-layer' is a partition" in overlap[0]
    # v 0.5-0.6 across the sole's length: a little under 0.1 uv² once the toe gaps are cut away.
    assert 0.085 < float(re.search(r"by (\d\.\d+) uv²", overlap[0]).group(1)) < 0.1
    gaps = [p for p in problems if "is a partition but leaves" in p]
    assert len(gaps) == 2 and gaps[1].endswith("uv² of the right sole uncovered")


def test_partition_per_side(tmp_path: Path) -> None:
    # Left and right entries may occupy the same place: each foot is checked on its own.
    areas = [
        _entry(id="l", side="left", geometry={"box": {"u": [0, 1], "v": [0, 1]}}),
        _entry(id="r", side="right", geometry={"box": {"u": [0, 1], "v": [0, 1]}}),
    ]
    atlas = load_atlas(_write(tmp_path, {"p.yaml": _layer(areas, kind="partition")}))
    assert [a.id for a in atlas.areas_in(side="left")] == ["l"]


def test_graph_layers_need_contiguous_chains(tmp_path: Path) -> None:
    a = _entry(id="s1", chain={"line": "line-x", "order": 1, "role": "station"})
    b = _entry(
        id="s3",
        geometry=None,
        off_sole=True,
        location="calf",
        chain={"line": "line-x", "order": 3, "role": "station"},
    )
    c = _entry(id="s0")
    folder = _write(tmp_path, {"g.yaml": _layer([a, b, c], kind="graph")})
    problems = _problems(folder)
    assert any("entry 's0': graph-layer entries need a 'chain'" in p for p in problems)
    assert any("chain 'line-x': orders [1, 3] must run 1..2 without gaps" in p for p in problems)


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    folder = _write(tmp_path, {"t.yaml": "layer:\n  id: x\n  name: [unclosed\n"})
    [problem] = _problems(folder)
    assert problem.startswith(f"{folder / 't.yaml'}: invalid YAML: line ")


def test_repeated_keys_are_refused(tmp_path: Path) -> None:
    text = yaml.safe_dump(_layer([_entry()]), sort_keys=False).replace(
        "  side: both\n", "  side: both\n  side: left\n"
    )
    folder = _write(tmp_path, {"t.yaml": text})
    [problem] = _problems(folder)
    assert "repeated key 'side'" in problem


def test_layer_header_errors(tmp_path: Path) -> None:
    doc = _layer([_entry()])
    doc["layer"]["kind"] = "heap"
    folder = _write(tmp_path, {"t.yaml": doc})
    [problem] = _problems(folder)
    assert problem.startswith(f"{folder / 't.yaml'}: layer.kind: Input should be 'partition'")


def test_source_file_errors(tmp_path: Path) -> None:
    bad = copy.deepcopy(SOURCES)
    bad["sources"].append({"key": "src-b", "citation": "short"})
    bad["sources"].append({"key": "src-a", "citation": "Author A. Again the same key, 2020."})
    folder = _write(tmp_path, {"t.yaml": _layer([_entry()])}, sources=bad)
    [problem] = _problems(folder)
    assert (
        problem
        == f"{folder / 'sources.yaml'}: entry 'src-b': citation: String should have at least 10 characters"
    )
    bad["sources"].pop(1)
    folder = _write(tmp_path / "again", {"t.yaml": _layer([_entry()])}, sources=bad)
    [problem] = _problems(folder)
    assert problem == f"{folder / 'sources.yaml'}: entry 'src-a': duplicate source key"


def test_missing_folder_and_files(tmp_path: Path) -> None:
    [problem] = _problems(tmp_path / "nowhere")
    assert problem.endswith("atlas data folder not found")
    (tmp_path / "empty").mkdir()
    [problem] = _problems(tmp_path / "empty")
    assert problem.endswith("sources.yaml: missing: every atlas folder needs a sources file")
    folder = _write(tmp_path / "only-sources", {})
    [problem] = _problems(folder)
    assert problem.endswith("no layer files (*.yaml) found")


def test_defaults_are_merged_and_overridden(tmp_path: Path) -> None:
    doc = _layer([_entry(id="a", evidence=None), _entry(id="b", evidence="trial")])
    doc["defaults"] = {"evidence": "expert-opinion"}
    atlas = load_atlas(_write(tmp_path, {"t.yaml": doc}))
    assert atlas.get("a").evidence == "expert-opinion"
    assert atlas.get("b").evidence == "trial"


def test_geometry_shorthands() -> None:
    box = build_geometry(
        GeometrySpec.model_validate({"box": {"u": [0.1, 0.5], "v": [0.2, 0.4], "round": 0.05}})
    )
    assert box.bounds == pytest.approx((0.1, 0.2, 0.5, 0.4))
    assert box.area < 0.4 * 0.2  # corners were rounded off
    ell = build_geometry(GeometrySpec.model_validate({"ellipse": {"u": 0.5, "v": 0.0, "du": 0.1, "dv": 0.2}}))
    assert ell.bounds == pytest.approx((0.4, 0.0, 0.6, 0.2))  # the half outside the sole is cut off
    assert ell.area == pytest.approx(3.14159 * 0.1 * 0.2 / 2, rel=0.01)
    band = build_geometry(
        GeometrySpec.model_validate({"band": {"path": [[0.2, 0.5], [0.6, 0.5]], "width": 0.1}})
    )
    assert band.bounds == pytest.approx((0.15, 0.45, 0.65, 0.55))
    line = build_geometry(GeometrySpec.model_validate({"line": [[0.3, 0.0], [0.3, 1.0]]}))
    assert line.geom_type == "LineString" and line.length == pytest.approx(1.0)
    union = build_geometry(
        GeometrySpec.model_validate(
            {"union": [{"box": {"u": [0, 0.1], "v": [0, 0.1]}}, {"box": {"u": [0.5, 0.6], "v": [0, 0.1]}}]}
        )
    )
    assert union.geom_type == "MultiPolygon" and union.area == pytest.approx(0.02)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "Input should be a valid dictionary"),
        ("- just\n- a list\n", "Input should be a valid dictionary"),
        ("layer: {}\n", "layer.id: Field required"),
    ],
)
def test_malformed_layer_files(tmp_path: Path, text: str, expected: str) -> None:
    folder = _write(tmp_path, {"t.yaml": text})
    problems = _problems(folder)
    assert all(p.startswith(f"{folder / 't.yaml'}: ") for p in problems)
    assert any(expected in p for p in problems), problems


def test_entries_must_be_mappings(tmp_path: Path) -> None:
    doc = _layer([_entry()])
    doc["areas"].append("not an entry")
    [problem] = _problems(_write(tmp_path, {"t.yaml": doc}))
    assert problem == f"{tmp_path / 't.yaml'}: areas.1: Input should be a valid dictionary"
