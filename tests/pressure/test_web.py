"""Pressure tools page: API with the test client, and the page in Chromium (marked browser)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient


@pytest.fixture(scope="module")
def client():
    from solemap.web.app import create_app

    return TestClient(create_app())


def _upload(client, sample, name: str) -> dict:
    path = sample(name)
    with path.open("rb") as fh:
        res = client.post(
            "/api/pressure-tools/trials", files={"file": (name, fh, "application/octet-stream")}
        )
    assert res.status_code == 200, res.text
    return res.json()


def test_upload_frames_sensors_and_analysis(client, sample_file):
    t = _upload(client, sample_file, "pedar_example.asc")
    assert t["sides"] == ["left", "right"] and t["frames"] == 1505
    left = t["curves"][0]
    assert [s["first_frame"] for s in left["steps"]][:2] == [343, 477]
    png = client.get(f"/api/pressure-tools/trials/{t['token']}/frame/400.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    assert client.get(f"/api/pressure-tools/trials/{t['token']}/frame/5000.png").status_code == 404
    sens = client.get(f"/api/pressure-tools/trials/{t['token']}/sensors", params={"side": "left"}).json()
    assert sens["frame"] == "insole_mm" and len(sens["sensors"]) == 99
    gj = client.get(
        f"/api/pressure-tools/trials/{t['token']}/mask", params={"side": "left", "scheme": "pedar_mask1"}
    ).json()
    assert [f["id"] for f in gj["features"]] == ["hindfoot", "midfoot", "forefoot", "toes"]
    # Analyse only steps 1 and 3 of the left insole with that mask.
    steps = {"left": [[s["first_frame"], s["last_frame"]] for s in left["steps"][0:3:2]], "right": []}
    res = client.post(f"/api/pressure-tools/trials/{t['token']}/analyze", json={"mask": gj, "steps": steps})
    assert res.status_code == 200, res.text
    rows = res.json()["rows"]
    left_steps = {r["step"] for r in rows if r["side"] == "left"}
    assert left_steps == {1, 2}
    peak = [
        r["value"]
        for r in rows
        if r["side"] == "left"
        and r["step"] == 1
        and r["region"] == "hindfoot"
        and r["metric"] == "peak_pressure"
    ]
    assert peak == [137.5]


def test_errors(client, sample_file):
    assert client.get("/api/pressure-tools/trials/nope/sensors", params={"side": "left"}).status_code == 404
    res = client.post("/api/pressure-tools/trials", files={"file": ("x.asc", b"hello\n", "text/plain")})
    assert res.status_code == 400 and "x.asc" in res.json()["detail"]
    t = _upload(client, sample_file, "emed_test.lst")
    bad = client.post(f"/api/pressure-tools/trials/{t['token']}/analyze", json={"mask": {"type": "Feature"}})
    assert bad.status_code == 422 and "FeatureCollection" in bad.json()["detail"]
    wrong = client.get(
        f"/api/pressure-tools/trials/{t['token']}/mask", params={"side": "unknown", "scheme": "pedar_mask1"}
    )
    assert wrong.status_code == 422


def test_drawn_grid_mask_round_trip(client, tmp_path, sample_file):
    # A rectangle drawn on the emed footprint, saved as the page saves it, analysed by the API and
    # read back by the library: the same sensels in both.
    from solemap.recordings import read_recording
    from solemap.recordings.pressure_masks import load_mask

    t = _upload(client, sample_file, "emed_test.lst")
    sens = client.get(f"/api/pressure-tools/trials/{t['token']}/sensors", params={"side": "unknown"}).json()
    assert sens["frame"] == "grid_mm"
    gj = {
        "type": "FeatureCollection",
        "solemap_mask": {"frame": "grid_mm", "scheme": "custom", "grid": sens["grid"]},
        "features": [
            {
                "type": "Feature",
                "properties": {"id": "box"},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[0, 0], [40, 0], [40, 60], [0, 60], [0, 0]]],
                },
            }
        ],
    }
    res = client.post(f"/api/pressure-tools/trials/{t['token']}/analyze", json={"mask": gj, "partial": True})
    assert res.status_code == 200
    path = tmp_path / "box.geojson"
    path.write_text(json.dumps(gj))
    rec = read_recording(sample_file("emed_test.lst"))
    w = load_mask(path).weights(rec, partial=True).weights[:, 0]
    # sensels are 5 mm squares centred at multiples of 5 mm: the box [0, 40] × [0, 60] holds the
    # columns 1–7 and rows 1–11 wholly; column 0 spans [-2.5, 2.5] and column 8 [37.5, 42.5], each
    # half inside, likewise rows 0 and 12: (7 + 2·½) · (11 + 2·½) = 8 · 12 = 96 sensel areas, minus
    # the cells outside the emed sensor (none here: the plate window is full).
    assert w.max() == 1.0
    assert w.sum() == pytest.approx(96.0, abs=1e-9)


@pytest.mark.browser
def test_page_scrub_steps_and_draw(browser_page, out_dir, sample_file):
    from playwright.sync_api import expect

    page = browser_page
    page.goto("/pressure-tools")
    page.set_input_files("#pt-file", str(sample_file("pedar_example.asc")))
    page.click("#pt-upload button[type=submit]")
    page.wait_for_selector("#pt-trial:not([hidden])")
    expect(page.locator("#pt-frame")).to_have_attribute("src", re.compile(r"/frame/0\.png$"))
    page.fill("#pt-slider", "400")
    expect(page.locator("#pt-frame")).to_have_attribute("src", re.compile(r"/frame/400\.png$"))
    for _ in range(100):  # the picture of frame 400 arrives and is painted
        if page.locator("#pt-frame").evaluate("img => img.complete && img.naturalWidth") > 0:
            break
        page.wait_for_timeout(100)
    assert page.locator("#pt-frame").evaluate("img => img.naturalWidth") >= 300
    assert "frame 400" in page.text_content("#pt-time")
    page.click("#pt-play")  # plays on the map: the frame moves on
    expect(page.locator("#pt-time")).not_to_have_text(re.compile(r"frame 400 "), timeout=10_000)
    page.click("#pt-play")
    assert page.get_attribute("#pt-play", "aria-pressed") == "false"
    # drop step 2 of the left insole
    step = page.locator(".pt-step[data-side=left][data-step='2']")
    step.click()
    assert step.get_attribute("aria-pressed") == "false"
    with page.expect_download() as dl_steps:
        page.click("#pt-save-steps")
    kept = json.loads(Path(dl_steps.value.path()).read_text())["steps"]
    assert [343, 426] in kept["left"] and len(kept["left"]) == 8 and len(kept["right"]) == 8
    # load pedar_mask1 and draw one more region with three clicks
    page.click("#pt-load-scheme")
    page.wait_for_selector("g[data-region=toes]")
    page.fill("#pt-region-name", "heel_box")
    page.click("#pt-draw")
    page.locator("#pt-mask").scroll_into_view_if_needed()
    box = page.locator("#pt-mask").bounding_box()
    for fx, fy in ((0.3, 0.85), (0.7, 0.85), (0.5, 0.95)):
        page.mouse.click(box["x"] + fx * box["width"], box["y"] + fy * box["height"])
    page.click("#pt-finish")
    page.wait_for_selector("g[data-region=heel_box]")
    with page.expect_download() as dl:
        page.click("#pt-save")
    saved = json.loads(Path(dl.value.path()).read_text())
    assert [f["id"] for f in saved["features"]] == ["hindfoot", "midfoot", "forefoot", "toes", "heel_box"]
    assert saved["solemap_mask"]["frame"] == "insole_mm"
    page.click("#pt-analyze")
    page.wait_for_selector("#pt-results:not([hidden])")
    text = page.text_content("#pt-table")
    assert "heel_box" in text and "peak_pressure" in text
    assert "\n2\n" not in text  # only kept steps: left 1, 3, 4 … appear renumbered 1…n
    page.screenshot(path=str(out_dir / "pressure_tools_page.png"), full_page=True)
    assert page.errors == []


def test_unplaceable_trial_gives_a_reason(client, tmp_path):
    # Three loaded sensels cannot be registered on the foot: the frame request says why (422).
    import numpy as np

    from solemap.recordings import Recording

    p = np.zeros((5, 10, 6), np.float32)
    p[:, 4, 2:5] = 50.0
    path = tmp_path / "tiny.npz"
    Recording.from_array(p, sample_rate_hz=10, pitch_mm=(5.0, 5.0)).save_npz(path)
    with path.open("rb") as fh:
        t = client.post(
            "/api/pressure-tools/trials", files={"file": ("tiny.npz", fh, "application/octet-stream")}
        )
    assert t.status_code == 200, t.text
    res = client.get(f"/api/pressure-tools/trials/{t.json()['token']}/frame/0.png")
    assert res.status_code == 422 and "foot map" in res.json()["detail"]
