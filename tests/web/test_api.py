"""The JSON API with FastAPI's test client: every route, every error path."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from solemap.atlas import load_atlas
from solemap.lookup import where
from solemap.web.app import create_app
from solemap.web.settings import Settings


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings(svg_cache_size=16))) as c:
        yield c


def assert_names_param(response: Any, param: str) -> None:
    """A 422 whose body names the parameter, both in FastAPI's detail list and in the message."""
    assert response.status_code == 422, response.text
    body = response.json()
    assert any(e["loc"][-1] == param for e in body["detail"]), body
    assert f"'{param}'" in body["message"], body["message"]


# ---- layers and areas ----------------------------------------------------------------------------


def test_layers_lists_every_atlas_layer_with_counts(client: TestClient) -> None:
    layers = client.get("/api/layers").json()
    atlas = load_atlas()
    assert {layer["id"] for layer in layers} == set(atlas.layers)
    by_id = {layer["id"]: layer for layer in layers}
    assert by_id["reflexology"]["area_count"] == len(atlas.areas_in(layer="reflexology"))
    assert by_id["reflexology"]["on_map"] is True
    assert all(layer["description"] for layer in layers)


def test_areas_filter_by_layer_and_side(client: TestClient) -> None:
    left = client.get("/api/areas", params={"layer": "reflexology", "side": "left"}).json()
    assert left and all(a["layer"] == "reflexology" and a["side"] in ("left", "both") for a in left)
    right_ids = {a["id"] for a in client.get("/api/areas?layer=reflexology&side=right").json()}
    left_ids = {a["id"] for a in left}
    # The charts differ between feet: heart on the left, liver on the right.
    assert left_ids != right_ids
    everything = client.get("/api/areas").json()
    assert len(everything) == len(load_atlas())


@pytest.mark.parametrize(
    ("url", "param"),
    [
        ("/api/areas?layer=nope", "layer"),
        ("/api/areas?side=middle", "side"),
        ("/api/areas/refl-kidney?side=both", "side"),
        ("/api/areas/refl-kidney?length_mm=20", "length_mm"),
        ("/api/areas/refl-kidney?length_mm=abc", "length_mm"),
    ],
)
def test_area_routes_reject_bad_parameters(client: TestClient, url: str, param: str) -> None:
    assert_names_param(client.get(url), param)


def test_area_detail_resolves_links_both_ways(client: TestClient) -> None:
    referred = client.get("/api/areas/rp-soleus").json()
    assert referred["evidence"] == "expert-opinion"
    assert "tp-soleus" in {a["id"] for a in referred["related_areas"]}
    # The trigger point lists the pain it sends, even when only one file states the link.
    trigger = client.get("/api/areas/tp-soleus").json()
    assert "rp-soleus" in {a["id"] for a in trigger["related_areas"]}
    assert trigger["off_sole"] is True


def test_area_detail_accepts_the_svg_side_suffix_and_gives_the_extent_in_mm(client: TestClient) -> None:
    plain = client.get("/api/areas/refl-kidney").json()
    suffixed = client.get("/api/areas/refl-kidney-left").json()
    assert plain["id"] == suffixed["id"] == "refl-kidney"
    assert plain["evidence"] == "traditional-claim"
    assert plain["evidence_name"] == "Traditional claim"
    short = client.get("/api/areas/refl-kidney-left?length_mm=220").json()["extent_mm"]
    long = client.get("/api/areas/refl-kidney-left?length_mm=300").json()["extent_mm"]
    assert long["from_heel_mm"] / short["from_heel_mm"] == pytest.approx(300 / 220, rel=1e-3)


def test_chain_station_lists_its_line(client: TestClient) -> None:
    chains = [a for a in load_atlas() if a.chain is not None]
    assert chains, "the atlas should hold the myofascial lines"
    detail = client.get(f"/api/areas/{chains[0].id}").json()
    stations = detail["chain_stations"]
    assert [s["order"] for s in stations] == sorted(s["order"] for s in stations)
    assert sum(s["here"] for s in stations) == 1


def test_unknown_area_is_404(client: TestClient) -> None:
    response = client.get("/api/areas/no-such-area")
    assert response.status_code == 404
    assert "no-such-area" in response.json()["detail"]
    # A side suffix on an area of the other foot only is unknown too.
    left_only = next(a for a in load_atlas() if a.side == "left")
    assert client.get(f"/api/areas/{left_only.id}-right").status_code == 404


# ---- where ---------------------------------------------------------------------------------------


def test_where_matches_the_library(client: TestClient) -> None:
    body = client.get("/api/where", params={"u": 0.5, "v": 0.5, "side": "left"}).json()
    expected = where(0.5, 0.5, "left")
    assert {hit["layer"] for hit in body["layers"]} == set(expected)
    for hit in body["layers"]:
        assert [a["id"] for a in hit["areas"]] == [a.id for a in expected[hit["layer"]]]
    assert body["position_mm"]["x_mm"] == pytest.approx(0.5 * 258.75, abs=0.2)


def test_where_scales_positions_to_the_foot(client: TestClient) -> None:
    body = client.get("/api/where?u=0.25&v=0.5&side=right&length_mm=240").json()
    assert body["position_mm"]["x_mm"] == pytest.approx(60.0, abs=0.1)
    shoe = client.get("/api/where?u=0.25&v=0.5&side=right&shoe_size=9&shoe_system=uk").json()
    assert shoe["position_mm"]["x_mm"] == pytest.approx(0.25 * (9 + 23) * 25.4 / 3, abs=0.1)


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("u=1.5&v=0.5&side=left", "u"),
        ("u=-0.1&v=0.5&side=left", "u"),
        ("u=0.5&v=2&side=left", "v"),
        ("u=0.5&v=x&side=left", "v"),
        ("u=nan&v=0.5&side=left", "u"),
        ("v=0.5&side=left", "u"),
        ("u=0.5&v=0.5", "side"),
        ("u=0.5&v=0.5&side=both", "side"),
        ("u=0.5&v=0.5&side=left&length_mm=1000", "length_mm"),
        ("u=0.5&v=0.5&side=left&shoe_size=99", "shoe_size"),
    ],
)
def test_where_rejects_bad_parameters(client: TestClient, query: str, param: str) -> None:
    assert_names_param(client.get("/api/where?" + query), param)


# ---- find ----------------------------------------------------------------------------------------


def test_find_kidney_returns_the_reflex_area_first(client: TestClient) -> None:
    body = client.get("/api/find", params={"q": "kidney"}).json()
    assert body["count"] == len(body["matches"]) >= 1
    assert body["matches"][0]["id"] == "refl-kidney"
    assert body["matches"][0]["score"] == pytest.approx(1.0)
    assert body["matches"][0]["evidence"] == "traditional-claim"


def test_find_filters_by_layer_side_and_limit(client: TestClient) -> None:
    body = client.get("/api/find?q=heel%20pain&layers=anatomy&limit=2").json()
    assert 1 <= body["count"] <= 2
    assert all(m["layer"] == "anatomy" for m in body["matches"])
    left = client.get("/api/find?q=heart&side=left").json()
    right = client.get("/api/find?q=heart&side=right").json()
    assert "refl-heart" in {m["id"] for m in left["matches"]}
    assert "refl-heart" not in {m["id"] for m in right["matches"]}


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("q=", "q"),
        ("", "q"),
        ("q=" + "x" * 101, "q"),
        ("q=the%20of", "q"),
        ("q=kidney&layers=nope", "layers"),
        ("q=kidney&limit=0", "limit"),
        ("q=kidney&side=up", "side"),
    ],
)
def test_find_rejects_bad_parameters(client: TestClient, query: str, param: str) -> None:
    assert_names_param(client.get("/api/find?" + query), param)


# ---- map.svg -------------------------------------------------------------------------------------


def test_map_svg_draws_the_chosen_layers_and_feet(client: TestClient) -> None:
    response = client.get("/api/map.svg?side=left&layers=anatomy,trigger-points")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    svg = response.text
    assert svg.startswith("<svg")
    assert 'id="foot-left"' in svg and 'id="foot-right"' not in svg
    assert "layer-anatomy" in svg and "layer-trigger-points" in svg
    assert "layer-reflexology " not in svg
    empty = client.get("/api/map.svg?layers=").text
    assert 'class="area ' not in empty


def test_map_svg_interactive_areas_are_focusable(client: TestClient) -> None:
    svg = client.get("/api/map.svg?layers=reflexology&interactive=true").text
    kidney = re.search(r'<path id="area-refl-kidney-left"[^>]*>', svg)
    assert kidney is not None
    assert 'tabindex="0"' in kidney.group(0) and 'role="button"' in kidney.group(0)
    assert "aria-label=" in kidney.group(0)


def test_map_svg_is_cached_compressed_and_revalidated(client: TestClient) -> None:
    url = "/api/map.svg?layers=pressure-regions&side=right"
    first = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert first.headers["content-encoding"] == "gzip"
    etag = first.headers["etag"]
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    # httpx undoes the gzip: both encodings carry the same document.
    assert first.content == plain.content
    assert plain.headers["etag"] == etag
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    info = client.app.state.map_renderer.cache_info()
    assert info["hits"] >= 2


def test_map_svg_scales_to_the_foot(client: TestClient) -> None:
    small = client.get("/api/map.svg?layers=&length_mm=220").text
    big = client.get("/api/map.svg?layers=&length_mm=300").text

    def view_height(svg: str) -> float:
        return float(re.search(r'viewBox="0 0 [\d.]+ ([\d.]+)"', svg).group(1))

    assert view_height(big) - view_height(small) == pytest.approx(80.0, abs=1.0)


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("layers=nope", "layers"),
        ("layers=reflexology,nope", "layers"),
        ("highlight=no-such-area", "highlight"),
        ("side=top", "side"),
        ("labels=perhaps", "labels"),
        ("length_mm=50", "length_mm"),
        ("width_mm=5", "width_mm"),
        ("length_mm=250&shoe_size=40", "shoe_size"),
        ("shoe_size=40&shoe_system=martian", "shoe_system"),
    ],
)
def test_map_svg_rejects_bad_parameters(client: TestClient, query: str, param: str) -> None:
    assert_names_param(client.get("/api/map.svg?" + query), param)


# ---- foot and shoe sizes -------------------------------------------------------------------------


def test_foot_from_a_shoe_size(client: TestClient) -> None:
    body = client.get("/api/foot?shoe_size=42&shoe_system=eu").json()
    assert body["basis"] == "shoe"
    assert body["length_mm"] == pytest.approx((42 - 2) * 20 / 3, abs=0.1)
    assert body["width_estimated"] is True
    assert body["shoe_sizes"]["eu"] == 42.0
    assert "approximate" in body["description"]
    geometry = body["geometry"]
    assert set(geometry["extents"]) == {"left", "right"}
    assert len(geometry["outline"]["u"]) == 101


def test_foot_with_measured_width(client: TestClient) -> None:
    body = client.get("/api/foot?length_mm=250&width_mm=100&side=left").json()
    assert body["basis"] == "length"
    assert body["ball_width_mm"] == 100.0
    assert body["width_estimated"] is False
    assert set(body["geometry"]["extents"]) == {"left"}


def test_foot_default_is_the_average_adult(client: TestClient) -> None:
    body = client.get("/api/foot").json()
    assert body["basis"] == "average"
    assert 240 < body["length_mm"] < 275


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("shoe_system=eu", "shoe_size"),
        ("shoe_size=10&shoe_system=xx", "shoe_system"),
        ("shoe_size=2&shoe_system=eu", "shoe_size"),
        ("shoe_size=inf", "shoe_size"),
        ("length_mm=250&width_mm=200", "width_mm"),
        ("length_mm=250&width_mm=-3", "width_mm"),
        ("side=middle", "side"),
    ],
)
def test_foot_rejects_bad_parameters(client: TestClient, query: str, param: str) -> None:
    assert_names_param(client.get("/api/foot?" + query), param)


def test_shoe_size_systems_are_listed_with_sources(client: TestClient) -> None:
    body = client.get("/api/shoe-sizes").json()
    assert {s["id"] for s in body["systems"]} == {"eu", "uk", "us-men", "us-women", "mondopoint"}
    assert all(s["formula"] and s["source"] for s in body["systems"])
    assert "Approximate" in body["note"]


# ---- schema, docs, pages, headers ----------------------------------------------------------------


def test_openapi_schema_lists_the_api(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    paths = ("/api/layers", "/api/areas", "/api/areas/{area_id}", "/api/where", "/api/find", "/api/map.svg")
    for path in paths:
        assert path in schema["paths"], path
    assert "/" not in schema["paths"]  # pages are not API


def test_docs_page_loads_swagger_from_this_server(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', page.text)
    assert scripts and all(s.startswith("/") for s in scripts)
    assert "<script>" not in page.text  # no inline script
    bundle = client.get("/docs/assets/swagger-ui-bundle.js")
    assert bundle.status_code == 200 and len(bundle.content) > 100_000


@pytest.mark.parametrize("url", ["/", "/about", "/api/layers", "/static/css/solemap.css", "/nope", "/docs"])
def test_security_headers_on_every_response(client: TestClient, url: str) -> None:
    headers = client.get(url).headers
    csp = headers["content-security-policy"]
    script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
    assert script_src.split() == ["script-src", "'self'"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"


def test_pages_have_no_inline_scripts_and_no_external_assets(client: TestClient) -> None:
    for url in ("/", "/about", "/docs", "/nope"):
        html = client.get(url, headers={"Accept": "text/html"}).text
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag or 'type="application/json"' in tag, (url, tag)
        for ref in re.findall(r'(?:src|href)="(https?:[^"]+)"', html):
            # External links may appear in text (sources), never as loaded assets.
            assert not ref.endswith((".js", ".css")), ref


def test_unknown_page_is_a_friendly_404_for_browsers_and_json_for_the_api(client: TestClient) -> None:
    page = client.get("/no/such/page", headers={"Accept": "text/html"})
    assert page.status_code == 404 and "Page not found" in page.text and "<nav" in page.text
    api = client.get("/api/no-such-route", headers={"Accept": "text/html"})
    assert api.status_code == 404 and api.json() == {"detail": "Not Found"}


def test_favicon(client: TestClient) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.headers["content-type"] == "image/x-icon"
    assert client.get("/static/favicon.svg").status_code == 200
