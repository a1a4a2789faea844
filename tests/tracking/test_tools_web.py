"""The tools-comparison page and its JSON API."""

from __future__ import annotations

from fastapi.testclient import TestClient

from solemap.web.app import create_app


def _client() -> TestClient:
    return TestClient(create_app())


def test_api_rows_and_validation() -> None:
    c = _client()
    res = c.get("/api/tools/compare", params={"body_mass": 80, "fraction": [0.5]})
    assert res.status_code == 200
    data = res.json()
    loads = {r["load"] for r in data["rows"]}
    assert loads == {"seated", "standing-50pct", "one-foot"}
    golf = next(r for r in data["rows"] if r["tool"] == "golf-ball" and r["load"] == "standing-50pct")
    assert golf["force_n"] == [390.0, 390.0] and golf["mean_kpa"][0] < golf["mean_kpa"][1]
    assert golf["sentence"].startswith("Golf ball")
    assert c.get("/api/tools/compare", params={"body_mass": 5}).status_code == 422
    assert c.get("/api/tools/compare", params={"fraction": [1.5]}).status_code == 422


def test_page_lists_tools_and_says_what_is_unknown() -> None:
    res = _client().get("/tools/compare")
    assert res.status_code == 200
    html = res.text
    assert "Lacrosse ball" in html and "Golf ball" in html and "Not modelled" in html
    assert "Spiky massage ball" in html
    assert "could be checked" in html or "could not" in html
