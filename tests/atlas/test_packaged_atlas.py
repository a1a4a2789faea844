"""The packaged atlas: layers, counts, left/right differences and positions against the sources."""

from __future__ import annotations

import itertools
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import shapely

from solemap.atlas import EVIDENCE_LABELS, SEGMENT_UV, Atlas, load_atlas, sources_markdown
from solemap.atlas.__main__ import END, README, START
from solemap.outline import sole_uv

LAYERS = [
    "reflexology-coarse",
    "reflexology-zones",
    "reflexology",
    "anatomy",
    "trigger-points",
    "referred-pain",
    "pressure-regions",
    "chains",
]


@pytest.fixture(scope="module")
def atlas() -> Atlas:
    return load_atlas()


def test_all_layers_present_in_order(atlas: Atlas) -> None:
    assert list(atlas.layers) == LAYERS


def test_every_entry_is_complete(atlas: Atlas) -> None:
    for area in atlas:
        assert area.evidence in EVIDENCE_LABELS, area.id
        assert area.sources, area.id
        assert area.body_parts, area.id
        assert len(area.description) >= 20, area.id
        assert area.side in ("left", "right", "both"), area.id
        if area.off_sole:
            assert area.geometry is None and area.location != "sole", area.id
        else:
            assert area.geometry is not None and area.geometry.is_valid, area.id
            u0, v0, u1, v1 = area.geometry.bounds
            assert u0 >= 0 and v0 >= 0 and u1 <= 1 and v1 <= 1, area.id


def test_descriptions_are_not_copies_of_each_other(atlas: Atlas) -> None:
    descriptions = [a.description for a in atlas]
    assert len(set(descriptions)) == len(descriptions)


def test_reflexology_layers_are_labelled_traditional(atlas: Atlas) -> None:
    for layer in ("reflexology", "reflexology-coarse", "reflexology-zones"):
        assert {a.evidence for a in atlas.areas_in(layer=layer)} == {"traditional-claim"}
        # The layer text itself says plainly that this is a tradition, with the reviews cited.
        text = atlas.layers[layer].description.lower()
        assert "tradition" in text or "teaches" in text
    keys = {s.key for s in atlas.layers["reflexology"].sources}
    assert {"ernst-2009", "ernst-2011", "white-2000"} <= keys


@pytest.mark.parametrize("side", ["left", "right"])
def test_detailed_chart_has_at_least_40_sole_areas_per_foot(atlas: Atlas, side: str) -> None:
    on_sole = atlas.areas_in(layer="reflexology", side=side, on_sole=True)
    assert len(on_sole) >= 40


# Domain brief "Left vs right": areas only (or mainly) on one foot.
LEFT_ONLY = [
    "refl-heart",
    "refl-spleen",
    "refl-stomach",
    "refl-splenic-flexure",
    "refl-descending-colon",
    "refl-sigmoid-colon",
    "refl-rectum",
    "refl-pancreas-body-tail",
]
RIGHT_ONLY = [
    "refl-liver",
    "refl-gallbladder",
    "refl-ileocecal-valve",
    "refl-ascending-colon",
    "refl-hepatic-flexure",
    "refl-duodenum",
    "refl-pancreas-head",
]
BOTH = [
    "refl-brain",
    "refl-pituitary",
    "refl-eyes",
    "refl-ears",
    "refl-neck",
    "refl-thyroid",
    "refl-lungs",
    "refl-shoulder",
    "refl-diaphragm",
    "refl-solar-plexus",
    "refl-adrenal",
    "refl-kidney",
    "refl-ureter",
    "refl-bladder",
    "refl-small-intestine",
    "refl-transverse-colon",
    "refl-lumbar-spine",
    "refl-pelvis-lower-back",
    "refl-sciatic-nerve",
]


def test_left_and_right_charts_differ_where_the_chart_says(atlas: Atlas) -> None:
    left = {a.id for a in atlas.areas_in(layer="reflexology", side="left")}
    right = {a.id for a in atlas.areas_in(layer="reflexology", side="right")}
    for aid in LEFT_ONLY:
        assert aid in left and aid not in right, aid
    for aid in RIGHT_ONLY:
        assert aid in right and aid not in left, aid
    for aid in BOTH:
        assert aid in left and aid in right, aid


def test_required_structures_exist(atlas: Atlas) -> None:
    names = " | ".join(a.name.lower() for a in atlas.areas_in(layer="anatomy"))
    for word in [
        "plantar fascia origin",
        "central band",
        "insertions",
        "heel fat pad",
        "sesamoid",
        "hallux",
        "medial longitudinal arch",
        "abductor hallucis",
        "flexor digitorum brevis",
        "quadratus plantae",
        "abductor digiti minimi",
        "flexor hallucis brevis",
        "adductor hallucis",
        "medial plantar nerve",
        "lateral plantar nerve",
        "baxter",
    ]:
        assert word in names, word
    for n in range(1, 6):
        atlas.get(f"anat-mth-{n}")
    tps = {a.id for a in atlas.areas_in(layer="trigger-points")}
    for muscle in [
        "gastrocnemius",
        "soleus",
        "tibialis-posterior",
        "flexor-digitorum-longus",
        "flexor-hallucis-longus",
        "abductor-hallucis",
        "quadratus-plantae",
    ]:
        assert f"tp-{muscle}" in tps
    zone_names = {a.id for a in atlas.areas_in(layer="reflexology-zones") if not a.is_line}
    assert zone_names == {f"zone-{n}-{s}" for n in range(1, 6) for s in ("left", "right")}
    lines = {a.id for a in atlas.areas_in(layer="reflexology-zones") if a.is_line}
    assert {"line-shoulder", "line-diaphragm", "line-waist", "line-pelvic"} <= lines


# (id, u range, v range) of the centroid, from the domain briefs' tables (reflexology-chart.md,
# anatomy-and-trigger-points.md). Centroids must fall inside the published estimate ranges.
POSITIONS = [
    ("refl-brain", (0.90, 1.00), (0.00, 0.30)),
    ("refl-pituitary", (0.90, 0.94), (0.12, 0.20)),
    ("refl-neck", (0.79, 0.85), (0.02, 0.30)),
    ("refl-thyroid", (0.72, 0.80), (0.05, 0.30)),
    ("refl-eyes", (0.72, 0.78), (0.33, 0.63)),
    ("refl-ears", (0.70, 0.76), (0.63, 0.98)),
    ("refl-lungs", (0.62, 0.76), (0.30, 0.90)),
    ("refl-heart", (0.62, 0.72), (0.15, 0.50)),
    ("refl-shoulder", (0.62, 0.74), (0.88, 1.00)),
    ("refl-solar-plexus", (0.58, 0.64), (0.35, 0.55)),
    ("refl-liver", (0.46, 0.60), (0.40, 1.00)),
    ("refl-gallbladder", (0.50, 0.56), (0.62, 0.76)),
    ("refl-stomach", (0.46, 0.62), (0.05, 0.50)),
    ("refl-spleen", (0.50, 0.58), (0.75, 0.95)),
    ("refl-adrenal", (0.50, 0.56), (0.24, 0.34)),
    ("refl-kidney", (0.40, 0.50), (0.26, 0.44)),
    ("refl-ureter", (0.27, 0.41), (0.10, 0.32)),
    ("refl-bladder", (0.24, 0.32), (0.00, 0.15)),
    ("refl-ascending-colon", (0.29, 0.45), (0.80, 0.92)),
    ("refl-descending-colon", (0.29, 0.45), (0.80, 0.92)),
    ("refl-ileocecal-valve", (0.27, 0.32), (0.78, 0.92)),
    ("refl-small-intestine", (0.28, 0.40), (0.12, 0.78)),
    ("refl-thoracic-spine", (0.42, 0.72), (0.00, 0.06)),
    ("refl-lumbar-spine", (0.28, 0.42), (0.00, 0.06)),
    ("refl-sacrum", (0.14, 0.28), (0.00, 0.07)),
    ("refl-coccyx", (0.02, 0.14), (0.00, 0.10)),
    ("refl-pelvis-lower-back", (0.02, 0.27), (0.10, 0.90)),
    ("refl-sciatic-nerve", (0.10, 0.16), (0.05, 0.95)),
    ("anat-plantar-fascia-origin", (0.12, 0.22), (0.20, 0.45)),
    ("anat-heel-fat-pad", (0.06, 0.14), (0.35, 0.65)),
    ("anat-navicular-tuberosity", (0.38, 0.46), (0.00, 0.08)),
    ("anat-fifth-metatarsal-tuberosity", (0.36, 0.42), (0.92, 1.00)),
    ("anat-mth-1", (0.69, 0.74), (0.05, 0.25)),
    ("anat-mth-2", (0.70, 0.74), (0.28, 0.42)),
    ("anat-mth-3", (0.68, 0.72), (0.42, 0.58)),
    ("anat-mth-4", (0.65, 0.69), (0.58, 0.74)),
    ("anat-mth-5", (0.61, 0.66), (0.78, 0.95)),
    ("anat-sesamoid-tibial", (0.67, 0.72), (0.05, 0.24)),
    ("anat-sesamoid-fibular", (0.67, 0.72), (0.05, 0.24)),
    ("anat-abductor-hallucis", (0.10, 0.65), (0.00, 0.22)),
    ("anat-abductor-digiti-minimi", (0.10, 0.65), (0.80, 1.00)),
    ("anat-quadratus-plantae", (0.12, 0.40), (0.25, 0.70)),
    ("anat-baxters-nerve", (0.15, 0.25), (0.10, 0.85)),
    ("tp-abductor-hallucis", (0.25, 0.45), (0.00, 0.15)),
    ("tp-quadratus-plantae", (0.20, 0.35), (0.25, 0.60)),
    ("tp-flexor-hallucis-brevis", (0.55, 0.68), (0.05, 0.28)),
    ("rp-soleus", (0.00, 0.20), (0.15, 0.85)),
    ("rp-gastrocnemius", (0.30, 0.55), (0.00, 0.40)),
    ("rp-flexor-digitorum-longus", (0.66, 0.80), (0.30, 0.95)),
]


# Ranges given for the centre only (the heel pad covers the whole heel; the brief locates its centre).
CENTRE_ONLY = {"anat-heel-fat-pad"}


@pytest.mark.parametrize(("area_id", "u_range", "v_range"), POSITIONS, ids=[p[0] for p in POSITIONS])
def test_positions_match_the_domain_tables(atlas: Atlas, area_id: str, u_range, v_range) -> None:
    area = atlas.get(area_id)
    assert area.centroid is not None
    u, v = area.centroid
    assert u_range[0] <= u <= u_range[1], (area_id, u)
    assert v_range[0] <= v <= v_range[1], (area_id, v)
    if area_id in CENTRE_ONLY:
        return
    # The whole shape stays close to the published range too (0.03 uv of slack for rounded outlines).
    u0, v0, u1, v1 = area.geometry.bounds
    assert u0 >= u_range[0] - 0.03 and u1 <= u_range[1] + 0.03, (area_id, u0, u1)
    assert v0 >= v_range[0] - 0.03 and v1 <= v_range[1] + 0.03, (area_id, v0, v1)


def test_metatarsal_heads_lie_on_an_oblique_curve(atlas: Atlas) -> None:
    u = [atlas.get(f"anat-mth-{n}").centroid[0] for n in range(1, 6)]
    v = [atlas.get(f"anat-mth-{n}").centroid[1] for n in range(1, 6)]
    assert v == sorted(v)
    # MTH1 about level with MTH2, then each further back (Domínguez-Maldonado 2014).
    assert abs(u[0] - u[1]) < 0.015
    assert u[1] > u[2] > u[3] > u[4]
    # MTH5 is ≈ 20 mm behind MTH2: 0.06-0.10 of a 250-270 mm foot.
    assert 0.05 <= u[1] - u[4] <= 0.10


@pytest.mark.parametrize("layer", ["reflexology-coarse", "reflexology-zones", "pressure-regions"])
@pytest.mark.parametrize("side", ["left", "right"])
def test_partition_layers_label_every_point_exactly_once(atlas: Atlas, layer: str, side: str) -> None:
    rng = np.random.default_rng(7)
    u, v = rng.random(20_000), rng.random(20_000)
    polys = [a for a in atlas.areas_in(layer=layer, side=side) if not a.is_line]
    hits = np.stack([shapely.contains_xy(a.geometry, u, v) for a in polys]).sum(axis=0)
    on_sole = shapely.contains_xy(sole_uv(), u, v)
    # Points exactly on a shared border may be in neither; random floats do not land there.
    assert (hits[on_sole] == 1).all()
    # Between the toes and beyond their tips nothing is labelled.
    assert (hits[~on_sole] == 0).all() and (~on_sole).sum() > 100


def test_pressure_mask_has_the_ten_usual_regions(atlas: Atlas) -> None:
    ids = [a.id for a in atlas.areas_in(layer="pressure-regions")]
    assert ids == [
        "pr-heel-medial",
        "pr-heel-lateral",
        "pr-midfoot",
        "pr-mth-1",
        "pr-mth-2",
        "pr-mth-3",
        "pr-mth-4",
        "pr-mth-5",
        "pr-hallux",
        "pr-lesser-toes",
    ]
    # Each metatarsal-head region contains its anatomical head.
    for n in range(1, 6):
        head = atlas.get(f"anat-mth-{n}").geometry.centroid
        assert atlas.get(f"pr-mth-{n}").geometry.contains(head)


def test_trigger_points_and_referred_pain_link_both_ways(atlas: Atlas) -> None:
    tps = atlas.areas_in(layer="trigger-points")
    assert len(tps) == len(atlas.areas_in(layer="referred-pain"))
    for tp in tps:
        rp = [atlas.get(r) for r in tp.related if r.startswith("rp-")]
        assert len(rp) == 1 and rp[0].layer == "referred-pain" and rp[0].geometry is not None
        assert tp.id in rp[0].related
    legs = [a for a in tps if a.off_sole]
    assert {a.location.split(",")[0] for a in legs} <= {"lower calf", "calf", "deep calf"}


def test_chains_run_from_the_sole_upward(atlas: Atlas) -> None:
    assert set(atlas.chains) == {"superficial-back-line", "deep-front-line"}
    sbl = atlas.chain("superficial-back-line")
    assert [a.chain.order for a in sbl] == list(range(1, 14))
    assert not sbl[0].off_sole and sbl[-1].off_sole
    # Stations and tracks alternate, starting and ending with a station (Myers, table 3.1).
    assert [a.chain.role for a in sbl] == ["station", "track"] * 6 + ["station"]
    # The leg parts a routine can target are reachable from the foot.
    locations = {a.location for line in atlas.chains.values() for a in line}
    assert "calf and Achilles tendon" in locations
    assert any("ankle" in loc for loc in locations)
    calf = atlas.get("chain-sbl-gastrocnemius-achilles")
    assert "tp-gastrocnemius" in calf.related
    with pytest.raises(KeyError, match="unknown chain"):
        atlas.chain("spiral-line")


def test_to_json_carries_the_promised_fields(atlas: Atlas) -> None:
    for area in atlas:
        data = area.to_json()
        for key in ("id", "name", "layer", "side", "centroid", "body_parts", "evidence", "sources"):
            assert key in data
        assert all("citation" in s and "key" in s for s in data["sources"])
        if area.off_sole:
            assert data["centroid"] is None
        else:
            assert set(data["centroid"]) == {"u", "v"}
            assert area.geometry.covers(shapely.Point(*area.centroid)) or area.is_line


def test_lookup_helpers(atlas: Atlas) -> None:
    assert atlas.get("refl-kidney-left") is atlas.get("refl-kidney")
    assert atlas.get("refl-heart-left") is atlas.get("refl-heart")
    with pytest.raises(KeyError):
        atlas.get("refl-heart-right")  # the heart is on the left foot only
    with pytest.raises(KeyError, match="unknown atlas area"):
        atlas.get("refl-nothing")
    with pytest.raises(KeyError, match="unknown layer"):
        atlas.areas_in(layer="astrology")
    with pytest.raises(ValueError, match="unknown side"):
        atlas.areas_in(side="middle")
    assert len(atlas.areas_in(layer=["anatomy", "chains"])) == len(atlas.areas_in(layer="anatomy")) + len(
        atlas.areas_in(layer="chains")
    )


def test_geometry_is_densified_for_faithful_mapping(atlas: Atlas) -> None:
    for area in atlas.areas_in(on_sole=True):
        coords = shapely.get_coordinates(
            shapely.boundary(area.geometry) if not area.is_line else area.geometry
        )
        steps = np.hypot(*np.diff(coords, axis=0).T)
        # Jumps between parts of a MultiPolygon are not segments; every real segment is short.
        assert (np.sort(steps)[: max(1, len(steps) - 10)] <= SEGMENT_UV + 1e-9).all(), area.id


def test_load_is_cached_and_returns_the_same_object() -> None:
    assert load_atlas() is load_atlas()


def test_import_does_no_io() -> None:
    code = (
        "import solemap.atlas, solemap.atlas.loader as l; "
        "assert l._load_cached.cache_info().currsize == 0; print('ok')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "ok"


def test_readme_lists_every_source(atlas: Atlas) -> None:
    text = README.read_text(encoding="utf-8")
    block = text.split(START, 1)[1].split(END, 1)[0].lstrip("\n")
    assert block == sources_markdown(atlas), "run `python -m solemap.atlas readme` to refresh atlas/README.md"
    for key in atlas.sources:
        assert f"`{key}`" in text
    # Every layer file is described in the README too.
    for layer in atlas.layers.values():
        assert f"`{Path(layer.file).name}`" in text


def test_every_source_is_cited() -> None:
    atlas = load_atlas()
    cited = {s.key for a in atlas for s in a.sources} | {
        s.key for lay in atlas.layers.values() for s in lay.sources
    }
    assert cited == set(atlas.sources)


def test_no_entry_claims_treatment_effects(atlas: Atlas) -> None:
    # Reflexology text describes the chart; it must not promise cures or diagnoses.
    banned = re.compile(r"\b(cures?|heals?|treats?|diagnos\w*)\b", re.I)
    for area in itertools.chain(
        atlas.areas_in(layer="reflexology"), atlas.areas_in(layer="reflexology-coarse")
    ):
        assert not banned.search(area.description), area.id


def test_module_entry_point_validates(capsys: pytest.CaptureFixture[str]) -> None:
    from solemap.atlas.__main__ import main

    assert main([]) == 0
    assert capsys.readouterr().out.startswith("atlas ok: ")


def test_groups_subdivide_the_busy_layers(atlas: Atlas) -> None:
    groups = {a.group for a in atlas.areas_in(layer="anatomy")}
    assert groups == {"fascia", "heel", "bones", "toes", "muscles", "nerves"}
    assert all(a.group for a in atlas.areas_in(layer="reflexology"))
    assert atlas.get("anat-baxters-nerve").to_json()["group"] == "nerves"
