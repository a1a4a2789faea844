"""Server-rendered pages (what a browser without JavaScript, or a link preview, receives)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import numpy as np
import pytest
from fastapi.testclient import TestClient

from solemap.atlas import load_atlas
from solemap.frame import FootFrame
from solemap.render import render_svg
from solemap.web import maps
from solemap.web.app import create_app
from solemap.web.settings import Settings


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings())) as c:
        yield c


def boot_state(html: str) -> dict:
    block = re.search(r'<script type="application/json" id="map-boot">(.*?)</script>', html, re.S)
    assert block is not None
    return json.loads(block.group(1))


def test_map_page_defaults(client: TestClient) -> None:
    html = client.get("/").text
    assert "<title>Foot map · solemap</title>" in html
    # The interactive map is preloaded from the API; without JavaScript an <img> shows it.
    interactive = "/api/map.svg?side=both&amp;layers=reflexology&amp;interactive=true"
    assert f'<link rel="preload" href="{interactive}"' in html
    assert f'data-src="{interactive}"' in html
    assert '<img class="map-static" src="/api/map.svg?side=both&amp;layers=reflexology"' in html
    boot = boot_state(html)
    assert boot["state"]["layers"] == list(maps.DEFAULT_LAYERS)
    assert boot["geometry"]["side"] == "both"
    # Every layer drawable on the sole has a toggle; the default one is ticked.
    for layer_id in maps.map_layers():
        assert f'name="layers" value="{layer_id}"' in html
    assert re.search(r'value="reflexology" checked', html)


def test_map_page_restores_state_from_the_url(client: TestClient) -> None:
    url = "/?side=left&layers=anatomy,trigger-points&q=kidney&area=refl-kidney-left&length_mm=240"
    html = client.get(url).text
    boot = boot_state(html)
    assert boot["state"] == {
        "side": "left",
        "layers": ["anatomy", "trigger-points"],
        "q": "kidney",
        "area": "refl-kidney-left",
        "length_mm": "240",
        "width_mm": "",
        "shoe_size": "",
        "shoe_system": "",
    }
    src = "/api/map.svg?side=left&amp;layers=anatomy%2Ctrigger-points&amp;length_mm=240&amp;interactive=true"
    assert f'data-src="{src}"' in html
    # The picture for browsers without JavaScript highlights the search hits and the selection.
    static = re.search(r'<img class="map-static" src="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert "highlight=" in static and "refl-kidney" in static
    assert boot["foot"]["length_mm"] == 240.0
    # Without JavaScript the results are still listed, as links that open the area.
    assert "for “kidney”" in html
    assert 'href="?q=kidney&amp;area=refl-kidney&amp;layers=reflexology"' in html
    assert "<title>kidney · Foot map · solemap</title>" in html


def test_repeated_layer_parameters_from_the_plain_form_work_too(client: TestClient) -> None:
    boot = boot_state(client.get("/?layers=anatomy&layers=reflexology").text)
    assert boot["state"]["layers"] == ["reflexology", "anatomy"]  # atlas order


def test_stale_links_still_open(client: TestClient) -> None:
    response = client.get("/?side=top&layers=nope,anatomy&area=gone&length_mm=abc")
    assert response.status_code == 200
    html = response.text
    assert "Unknown layer &#39;nope&#39; was left out." in html
    assert "There is no area &#39;gone&#39; in the atlas." in html
    assert "Foot length, width and shoe size must be numbers." in html
    boot = boot_state(html)
    assert boot["state"]["side"] == "both" and boot["state"]["layers"] == ["anatomy"]
    assert boot["state"]["length_mm"] == ""  # the bad value is not carried into new links


def test_invalid_foot_size_is_explained_in_the_form(client: TestClient) -> None:
    html = client.get("/?shoe_size=12&shoe_system=eu").text
    assert "Shoe size EU size 12 is outside adult sizes" in html
    assert "an average adult foot" in html


def test_boot_json_cannot_close_its_script_block(client: TestClient) -> None:
    html = client.get("/?q=</script><script>alert(1)</script>").text
    block = re.search(r'<script type="application/json" id="map-boot">(.*?)</script>', html, re.S)
    assert block is not None and "<" not in block.group(1)
    assert boot_state(html)["state"]["q"] == "</script><script>alert(1)</script>"


def test_about_page_lists_every_source_and_label(client: TestClient) -> None:
    html = client.get("/about").text
    atlas = load_atlas()
    for key in atlas.sources:
        assert f'id="source-{key}"' in html, key
    for label in maps.EVIDENCE_NAMES:
        assert f"evidence-{label}" in html
    for layer in atlas.layers.values():
        assert f'id="layer-{layer.id}"' in html
    assert "not established medicine" in html or "Traditional claim" in html
    assert f"draws {len(atlas)} areas" in html


@pytest.mark.parametrize("side", ["both", "left", "right"])
@pytest.mark.parametrize("length", [None, 230.0, 300.0])
def test_drawn_sole_spans_the_envelope_the_page_uses_for_clicks(side: str, length: float | None) -> None:
    """map.js finds each foot's offset from the drawn sole's bounding box minus the envelope's xmin;
    that only works if the sole spans the envelope exactly, which this checks."""
    foot = maps.parse_foot_size(length_mm=length)
    svg = render_svg(side=side, layers=[], dims=foot.dims, legend=False)
    extents = maps.view_extents(side, foot)
    assert set(extents) == ({"left", "right"} if side == "both" else {side})
    for s, (xmin, xmax) in extents.items():
        group = re.search(rf'<g class="foot" id="foot-{s}"[^>]*>\s*<path class="sole" d="([^"]+)"', svg)
        assert group is not None
        xs = np.array([float(x) for x in re.findall(r"[ML]\s*(-?[\d.]+)[ ,]-?[\d.]+", group.group(1))])
        assert xs.max() - xs.min() == pytest.approx(xmax - xmin, abs=0.3)
        frame = FootFrame(s, foot.dims)
        assert [xmin, xmax] == pytest.approx([frame.view_extent()[0], frame.view_extent()[2]], abs=1e-3)


def test_outline_table_matches_the_frame() -> None:
    foot = maps.parse_foot_size(length_mm=265)
    table = maps.outline_table(foot)
    frame = FootFrame("left", foot.dims)
    medial, lateral = frame.borders(np.array(table["u"]))
    assert np.allclose(table["medial_mm"], medial, atol=1e-3)
    assert np.allclose(table["lateral_mm"], lateral, atol=1e-3)
