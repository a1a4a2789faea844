"""The recordings page and ``POST /api/recordings/analyze``: uploads, limits and plain errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from solemap.web.app import create_app
from solemap.web.routes import recordings as recordings_route
from solemap.web.settings import Settings


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings(svg_cache_size=4))) as c:
        yield c


def _upload(path: Path) -> dict[str, Any]:
    return {"file": (path.name, path.read_bytes(), "application/octet-stream")}


def test_page_has_an_upload_form(client):
    r = client.get("/recordings")
    assert r.status_code == 200
    assert 'enctype="multipart/form-data"' in r.text and 'name="file"' in r.text
    assert 'value="pressure-regions" selected' in r.text
    assert 'aria-current="page">Recordings' in r.text


def test_api_analyses_an_upload(client, shared_recordings):
    r = client.post(
        "/api/recordings/analyze",
        files=_upload(shared_recordings / "fscan_testL.asf"),
        data={"layer": "reflexology"},
    )
    assert r.status_code == 200
    body = r.json()
    assert body["recording"]["file"] == "fscan_testL.asf"
    assert body["recording"]["frames"] == 205 and body["layer"] == "reflexology"
    assert body["registration"][0]["side"] == "left"
    regions = {m["region"] for m in body["metrics"]}
    assert "foot" in regions and any(r.startswith("refl-") for r in regions)


def test_api_side_selects_one_insole(client, shared_recordings):
    r = client.post(
        "/api/recordings/analyze",
        files=_upload(shared_recordings / "pedar_example.asc"),
        data={"side": "left"},
    )
    assert r.status_code == 200
    assert {m["side"] for m in r.json()["metrics"]} == {"left"}


@pytest.mark.parametrize(
    ("name", "content", "data", "status", "message"),
    [
        ("upload.asf", b"DATA_TYPE MOVIE\nROWS 3\n", {}, 400, "ASCII_DATA"),
        ("upload.asf", b"", {}, 400, "empty"),
        ("upload.dat", b"hello there\n1 2 3\n", {}, 400, "format"),
        ("upload.asf", b"x", {"layer": "nope"}, 422, "unknown layer"),
        ("upload.asf", b"x", {"side": "middle"}, 422, "side must be left or right"),
    ],
)
def test_api_errors_are_plain(client, name, content, data, status, message):
    r = client.post("/api/recordings/analyze", files={"file": (name, content)}, data=data)
    assert r.status_code == status
    detail = r.json()["detail"]
    assert message in detail
    assert "/tmp" not in detail and "solemap-upload" not in detail  # the server's paths stay private


def test_upload_limit(client, monkeypatch):
    monkeypatch.setattr(recordings_route, "MAX_UPLOAD_BYTES", 1000)
    r = client.post("/api/recordings/analyze", files={"file": ("big.asf", b"0" * 5000)})
    assert r.status_code == 413 and "limit" in r.json()["detail"]
    page = client.post("/recordings", files={"file": ("big.asf", b"0" * 5000)})
    assert page.status_code == 413 and "Could not analyse the file" in page.text


def test_page_shows_map_path_and_table(client, shared_recordings, output_dir):
    r = client.post(
        "/recordings",
        files=_upload(shared_recordings / "fscan_testL.asf"),
        data={"layer": "pressure-regions"},
    )
    assert r.status_code == 200
    html = r.text
    assert "Peak pressure, left foot" in html and 'class="value-raster"' in html
    assert 'class="cop-path"' in html and "<polyline" in html
    assert '<table class="rec-table">' in html and "pr-heel-medial" in html
    (output_dir / "recordings-page.html").write_text(html, encoding="utf-8")
    bad = client.post("/recordings", files={"file": ("bad.asf", b"DATA_TYPE MOVIE\nROWS 3\n")})
    assert bad.status_code == 400 and 'role="alert"' in bad.text and "ASCII_DATA" in bad.text


@pytest.mark.browser
def test_upload_in_the_browser(browser_page, shared_recordings, output_dir):
    page = browser_page
    page.goto("/recordings")
    page.set_input_files("#rec-file", str(shared_recordings / "fscan_testL.asf"))
    page.click("button[type=submit]")
    # The first analysis in a fresh process may compile the numba kernel (tens of seconds when busy).
    page.wait_for_selector(".rec-table", timeout=180_000)
    assert page.locator(".rec-side svg").count() >= 2
    page.screenshot(path=str(output_dir / "web-recordings.png"), full_page=True)
    assert page.errors == []


def test_built_in_sample_is_analysed_on_the_page() -> None:
    from fastapi.testclient import TestClient

    from solemap.web.app import create_app

    client = TestClient(create_app())
    page = client.get("/recordings")
    assert "/recordings/sample/standing" in page.text
    result = client.get("/recordings/sample/standing")
    assert result.status_code == 200
    assert "Built-in sample" in result.text and "<svg" in result.text
    assert client.get("/recordings/sample/nothing").status_code == 404
    assert client.get("/recordings/sample/standing?layer=tarot").status_code == 422
