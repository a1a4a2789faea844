"""Lookup: the label raster equals shapely, the coarse statements hold, search forgives."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from solemap.atlas import load_atlas
from solemap.lookup import LabelRaster, find, label_points, normalize, where

LAYERS = [
    "reflexology-coarse",
    "reflexology-zones",
    "reflexology",
    "anatomy",
    "referred-pain",
    "pressure-regions",
]


def _shapely_membership(raster: LabelRaster, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    return np.column_stack([shapely.contains_xy(g, u, v) for g in raster.geometries])


def _boundary_points(raster: LabelRaster, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Points within a hair of area boundaries, where a raster is most likely to be wrong."""
    coords = np.vstack(
        [shapely.get_coordinates(shapely.segmentize(g.boundary, 0.01)) for g in raster.geometries]
    )
    pick = coords[rng.integers(0, len(coords), n)]
    jitter = rng.normal(scale=2e-4, size=pick.shape)
    return pick[:, 0] + jitter[:, 0], pick[:, 1] + jitter[:, 1]


@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("layer", LAYERS)
@pytest.mark.parametrize("seed", [0, 1])
def test_label_raster_agrees_with_shapely(layer: str, side: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    raster = LabelRaster.for_layer(layer, side)
    u = np.concatenate([rng.uniform(-0.05, 1.05, 20_000), _boundary_points(raster, rng, 5_000)[0]])
    v = np.concatenate([rng.uniform(-0.05, 1.05, 20_000), _boundary_points(raster, rng, 5_000)[1]])
    v = v[: u.size]
    expected = _shapely_membership(raster, u, v)
    assert np.array_equal(raster.membership(u, v), expected)
    sizes = np.where(expected, raster.areas_uv[None, :], np.inf)
    smallest = np.where(np.isfinite(sizes.min(axis=1)), sizes.argmin(axis=1), -1)
    assert np.array_equal(raster.labels(u, v), smallest)


def test_labels_keep_the_input_shape_and_label_points_checks_it() -> None:
    raster = LabelRaster.for_layer("pressure-regions", "left")
    grid_u, grid_v = np.meshgrid(np.linspace(0, 1, 30), np.linspace(0, 1, 12), indexing="ij")
    assert raster.label_grid(grid_u, grid_v).shape == (30, 12)
    pts = np.column_stack([grid_u.ravel(), grid_v.ravel()])
    assert np.array_equal(label_points(pts, "left", "pressure-regions"), raster.labels(pts[:, 0], pts[:, 1]))
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        label_points(np.zeros((3, 3)), "left", "pressure-regions")
    with pytest.raises(ValueError, match="side"):
        LabelRaster.for_layer("pressure-regions", "up")


def test_pressure_regions_cover_the_sole_without_overlap() -> None:
    from solemap.outline import sole_uv

    raster = LabelRaster.for_layer("pressure-regions", "right")
    rng = np.random.default_rng(7)
    u, v = rng.random(50_000), rng.random(50_000)
    on_sole = shapely.contains_xy(sole_uv(), u, v)
    member = raster.membership(u, v)
    assert (member.sum(axis=1)[on_sole] == 1).mean() > 0.995


# The four statements of popular reflexology explanations, through where() and find().
COARSE = [
    ((0.97, 0.15), "head", "coarse-toes-head"),
    ((0.68, 0.50), "heart", "coarse-ball-chest"),
    ((0.68, 0.50), "chest", "coarse-ball-chest"),
    ((0.50, 0.50), "liver", "coarse-arch-abdomen"),
    ((0.50, 0.50), "pancreas", "coarse-arch-abdomen"),
    ((0.50, 0.50), "kidneys", "coarse-arch-abdomen"),
    ((0.10, 0.50), "lower back", "coarse-heel-pelvis"),
    ((0.10, 0.50), "intestines", "coarse-heel-pelvis"),
]


@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize(("point", "body_part", "area_id"), COARSE)
def test_coarse_statements_hold_through_where_and_find(point, body_part, area_id, side) -> None:
    found = where(*point, side)
    coarse = found["reflexology-coarse"]
    assert [a.id for a in coarse] == [area_id]
    assert body_part in " ".join(coarse[0].body_parts).lower()
    hits = [m.area.id for m in find(body_part, side=side, layers=["reflexology-coarse"])]
    assert hits and hits[0] == area_id


def test_left_and_right_charts_differ_where_the_chart_says() -> None:
    atlas = load_atlas()
    heart = atlas.get("refl-heart").centroid
    liver = atlas.get("refl-liver").centroid
    assert "refl-heart" in [a.id for a in where(*heart, "left")["reflexology"]]
    assert "refl-heart" not in [a.id for a in where(*heart, "right").get("reflexology", [])]
    assert "refl-liver" in [a.id for a in where(*liver, "right")["reflexology"]]
    assert "refl-liver" not in [a.id for a in where(*liver, "left").get("reflexology", [])]
    left_only = {m.area.id for m in find("spleen", side="left")}
    assert "refl-spleen" in left_only
    assert "refl-spleen" not in {m.area.id for m in find("spleen", side="right")}
    assert "refl-gallbladder" in {m.area.id for m in find("gallbladder", side="right")}
    assert "refl-gallbladder" not in {m.area.id for m in find("gallbladder", side="left")}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kidney", "refl-kidney"),
        ("Kidneys", "refl-kidney"),
        ("lower back", "refl-pelvis-lower-back"),
        ("lumbar", "refl-lumbar-spine"),
        ("intestines", "refl-small-intestine"),
        ("bowel", "refl-small-intestine"),
        ("heel pain", "anat-plantar-fascia-origin"),
        ("big toe", "anat-hallux"),
        ("plantar fascia", "anat-plantar-fascia-central-band"),
        ("sinuses", "refl-sinus-toe-2"),
        ("kidny", "refl-kidney"),  # a typo
        ("calf", "tp-gastrocnemius"),
    ],
)
def test_find_is_forgiving(query: str, expected: str) -> None:
    ids = [m.area.id for m in find(query)]
    assert expected in ids, f"{query!r} -> {ids[:10]}"


def test_find_ranks_exact_names_first_and_rejects_nonsense() -> None:
    assert find("kidney")[0].area.id == "refl-kidney"
    assert find("xylophone quasar") == []
    with pytest.raises(ValueError, match="at least one word"):
        find("   ")
    with pytest.raises(ValueError, match="unknown layer"):
        find("kidney", layers=["tarot"])


def test_where_rejects_bad_input_and_finds_nothing_between_the_toes() -> None:
    with pytest.raises(ValueError, match="side"):
        where(0.5, 0.5, "both")
    with pytest.raises(ValueError, match="finite"):
        where(float("nan"), 0.5, "left")
    assert where(0.99, 0.9, "left") == {}  # beyond the little toe's tip


def test_normalize_stems_and_drops_filler() -> None:
    assert normalize("The Kidneys") == ("kidney",)
    assert normalize("toes") == ("toe",)
    assert normalize("Intestinal") == normalize("intestines")


@pytest.mark.parametrize("n", [0, 1, 3])
def test_few_points_far_from_any_boundary(n: int) -> None:
    # A ball held still: every point in the interior of one area, none on a boundary cell.
    raster = LabelRaster.for_layer("pressure-regions", "left")
    u, v = np.full(n, 0.1), np.full(n, 0.25)
    assert raster.membership(u, v).shape == (n, len(raster.area_ids))
    labels = raster.labels(u, v)
    assert labels.shape == (n,)
    if n:
        assert raster.area_ids[labels[0]] == "pr-heel-medial"


@pytest.mark.parametrize("side", ["left", "right"])
def test_where_equals_a_plain_layer_by_layer_test(side: str) -> None:
    # where() answers from one prepared array; the answer must be the naive one, in the same order.
    atlas = load_atlas()
    for u in np.linspace(0.0, 1.0, 37):
        for v in np.linspace(0.0, 1.0, 19):
            expected = {}
            for layer in atlas.layers:
                hits = [
                    a
                    for a in atlas.areas_in(layer=layer, side=side)
                    if a.geometry is not None
                    and a.geometry.geom_type in ("Polygon", "MultiPolygon")
                    and shapely.contains_xy(a.geometry, u, v)
                ]
                if hits:
                    expected[layer] = [a.id for a in sorted(hits, key=lambda a: a.geometry.area)]
            got = {k: [a.id for a in areas] for k, areas in where(float(u), float(v), side).items()}
            assert list(got.items()) == list(expected.items()), (u, v)
    custom = {k: [a.id for a in areas] for k, areas in where(0.1, 0.5, side, atlas=atlas).items()}
    assert custom == {k: [a.id for a in areas] for k, areas in where(0.1, 0.5, side).items()}
