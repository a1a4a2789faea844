"""Rendering: one titled element per area and foot, overlays, PNG export, pictures to look at."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest

from solemap.atlas import load_atlas
from solemap.frame import FootDimensions
from solemap.render import render_png, render_svg

NS = {"svg": "http://www.w3.org/2000/svg"}


def _areas(svg: str) -> dict[str, ET.Element]:
    root = ET.fromstring(svg)
    return {
        el.get("id"): el
        for el in root.iter(f"{{{NS['svg']}}}path")
        if (el.get("id") or "").startswith("area-")
    }


@pytest.mark.parametrize("layer", list(load_atlas().layers))
def test_every_on_sole_area_is_an_element_with_a_title(layer: str) -> None:
    atlas = load_atlas()
    elements = _areas(render_svg("both", [layer]))
    for side in ("left", "right"):
        for area in atlas.areas_in(layer=layer, side=side):
            if area.geometry is None:
                continue
            el = elements[f"area-{area.id}-{side}"]
            assert el.get("data-area-id") == area.id and el.get("data-side") == side
            assert f"layer-{layer}" in el.get("class")
            title = el.find("svg:title", NS)
            assert title is not None and area.name in title.text


def test_left_and_right_feet_carry_their_own_areas() -> None:
    elements = _areas(render_svg("both", ["reflexology"]))
    assert "area-refl-heart-left" in elements and "area-refl-heart-right" not in elements
    assert "area-refl-liver-right" in elements and "area-refl-liver-left" not in elements
    only_left = _areas(render_svg("left", ["reflexology"]))
    assert all(key.endswith("-left") for key in only_left)


def test_highlight_emphasises_and_dims_the_rest() -> None:
    elements = _areas(render_svg("both", ["reflexology"], highlight=["refl-kidney"]))
    assert "highlight" in elements["area-refl-kidney-left"].get("class")
    assert "highlight" in elements["area-refl-kidney-right"].get("class")
    assert "dimmed" in elements["area-refl-liver-right"].get("class")


def test_values_overlay_colours_by_value_and_labels_the_scale() -> None:
    svg = render_svg(
        "left", ["pressure-regions"], values={"pr-heel-medial": 10.0, "pr-hallux": 300.0}, value_label="kPa"
    )
    elements = _areas(svg)
    low = elements["area-pr-heel-medial-left"].get("fill")
    high = elements["area-pr-hallux-left"].get("fill")
    none = elements["area-pr-midfoot-left"].get("fill")
    assert len({low, high, none}) == 3
    assert "kPa" in svg and "value-scale" in svg


def test_value_raster_is_embedded_as_an_image_clipped_to_the_sole() -> None:
    raster = np.outer(np.linspace(0, 1, 64), np.ones(16))
    raster[:5] = np.nan
    svg = render_svg("right", ["pressure-regions"], value_raster=raster, labels=False)
    assert 'class="value-raster"' in svg and "data:image/png;base64," in svg
    with pytest.raises(ValueError, match="2-D"):
        render_svg("right", ["pressure-regions"], value_raster=np.zeros(5))


def test_scaling_to_a_real_foot_changes_the_drawing_size() -> None:
    small = ET.fromstring(render_svg("left", ["reflexology-coarse"], dims=FootDimensions.from_length(220)))
    large = ET.fromstring(render_svg("left", ["reflexology-coarse"], dims=FootDimensions.from_length(300)))
    assert float(large.get("height")) > float(small.get("height"))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"layers": ["tarot"]}, "unknown layer"),
        ({"highlight": ["refl-nothing"]}, "unknown area"),
        ({"values": {"nowhere": 1.0}}, "unknown area"),
        ({"side": "middle"}, "side"),
    ],
)
def test_bad_arguments_raise_clear_errors(kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        render_svg(**kwargs)


@pytest.mark.parametrize(
    "layers",
    [
        ["reflexology"],
        ["reflexology-coarse", "reflexology-zones"],
        ["anatomy"],
        ["trigger-points", "referred-pain"],
        ["pressure-regions"],
    ],
)
def test_png_pictures_for_people_to_look_at(layers, output_dir) -> None:
    png = render_png("both", layers, title=" + ".join(layers))
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000
    (output_dir / f"map-{'-'.join(layers)}.png").write_bytes(png)


def test_groups_filter_keeps_only_those_groups() -> None:
    elements = _areas(render_svg("left", ["anatomy"], groups=["muscles"]))
    atlas = load_atlas()
    assert elements
    assert all(atlas.get(el.get("data-area-id")).group == "muscles" for el in elements.values())
