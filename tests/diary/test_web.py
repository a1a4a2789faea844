"""The diary pages and their CSRF protection, on SQLite and PostgreSQL (no browser needed)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from solemap.diary import Database, Diary


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    from solemap.web.app import create_app
    from solemap.web.settings import Settings

    app = create_app(Settings(database_url=db_url))
    with TestClient(app, base_url="http://127.0.0.1") as c:
        yield c
    if getattr(app.state, "diary_db", None) is not None:
        app.state.diary_db.dispose()


def token_of(client: TestClient, path: str = "/diary") -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, "the page has no CSRF token"
    assert client.cookies.get("solemap_csrf") == match.group(1)
    return match.group(1)


def stored(db_url: str) -> list:
    db = Database.open(db_url)
    try:
        return Diary(db).pain_entries()
    finally:
        db.dispose()


def test_first_step_in_two_taps(client: TestClient, db_url: str) -> None:
    token = token_of(client)  # tap 1: open the diary
    response = client.post(  # tap 2: the number
        "/diary/first-step",
        data={"csrf_token": token, "score": "6", "profile": "default"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    [entry] = stored(db_url)
    assert (entry.score, entry.first_step) == (6, True)
    page = client.get(response.headers["location"])
    assert "Saved." in page.text and "6/10" in page.text


@pytest.mark.parametrize("token", [None, "", "forged-token-forged-token-forged-token"])
def test_post_without_the_right_token_is_refused(client: TestClient, db_url: str, token: str | None) -> None:
    token_of(client)
    data = {"score": "6"} | ({"csrf_token": token} if token is not None else {})
    response = client.post("/diary/first-step", data=data, follow_redirects=False)
    assert response.status_code == 403
    assert stored(db_url) == []


def test_cross_site_post_without_cookie_is_refused(client: TestClient, db_url: str) -> None:
    token = token_of(client)
    client.cookies.clear()  # another site's form carries the field but not our SameSite cookie
    response = client.post(
        "/diary/first-step", data={"csrf_token": token, "score": "2"}, follow_redirects=False
    )
    assert response.status_code == 403
    assert stored(db_url) == []


def test_draw_pain_with_marks(client: TestClient, db_url: str, heel_area: str) -> None:
    token = token_of(client, "/diary/draw")
    page = client.get("/diary/draw")
    assert f'data-area-id="{heel_area}"' in page.text
    response = client.post(
        "/diary/pain",
        data={
            "csrf_token": token,
            "score": "5",
            "quality": "sharp",
            "note": "after standing",
            "mark": [f"{heel_area}|left|7", f"{heel_area}|right|3"],
            "point": "0.12|0.4|left|9",
            "at": (dt.datetime.now() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    [entry] = stored(db_url)
    assert entry.quality == "sharp" and entry.side == "both"
    assert sorted((m.side, m.intensity) for m in entry.marks) == [("left", 7), ("left", 9), ("right", 3)]
    assert [(m.u, m.v) for m in entry.marks if m.area_id is None] == [(0.12, 0.4)]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"score": "11"}, "score"),
        ({"score": "4", "mark": "no-such-area|left|4"}, "marks[0].area"),
        ({"score": "4", "at": "2999-01-01T08:00"}, "at"),
        ({"score": "4", "quality": "stabbing"}, "quality"),
        ({"score": "4", "point": "1.5|0.2|left|3"}, "marks[0].u"),
        ({"score": "4", "point": "0.5"}, "point"),
    ],
)
def test_bad_pain_form_names_the_field(client: TestClient, db_url: str, data: dict, field: str) -> None:
    token = token_of(client)
    response = client.post("/diary/pain", data={"csrf_token": token, **data}, follow_redirects=False)
    assert response.status_code == 400
    assert f"{field}: " in response.text
    assert stored(db_url) == []


def test_charts_exports_and_session_api(client: TestClient, db_url: str) -> None:
    token = token_of(client)
    for score in (7, 6):
        client.post("/diary/first-step", data={"csrf_token": token, "score": str(score)})
    assert client.get("/api/diary/csrf").json()["token"] == token
    record = {
        "routine_id": "heel-basics",
        "started_at": (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=20)).isoformat(),
        "ended_at": (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)).isoformat(),
        "duration_s": 560,
        "steps_total": 5,
        "steps_done": ["a", "b", "c", "d", "e"],
        "pain_reports": [],
        "outcome": "finished",
    }
    assert client.post("/api/diary/sessions", json=record).status_code == 403
    created = client.post("/api/diary/sessions", json=record, headers={"X-CSRF-Token": token})
    assert created.status_code == 201, created.text
    bad = client.post("/api/diary/sessions", json={**record, "outcome": "?"}, headers={"X-CSRF-Token": token})
    assert bad.status_code == 400 and bad.json()["field"] == "outcome"

    chart = client.get("/diary/chart.svg")
    assert chart.status_code == 200 and chart.headers["content-type"].startswith("image/svg+xml")
    assert client.get("/diary/painmap.svg").status_code == 200
    page = client.get("/diary")
    assert "heel-basics" in page.text
    for fmt, start in (("pdf", b"%PDF"), ("csv", b"\xef\xbb\xbfkind"), ("json", b"{"), ("fhir", b"{")):
        response = client.get("/diary/export/file", params={"format": fmt, "section": ["summary", "trend"]})
        assert response.status_code == 200, response.text
        assert response.content.startswith(start)
        assert "attachment" in response.headers["content-disposition"]
    assert client.get("/diary/export/file", params={"format": "pdf", "section": "graphs"}).status_code == 400
    assert client.get("/diary/export").status_code == 200


def test_manual_session_and_function_forms(client: TestClient, db_url: str) -> None:
    token = token_of(client)
    page = client.get("/diary")
    routine = re.search(r'<select name="routine" required>\s*<option value="([^"]+)"', page.text)
    assert routine, "the session form lists no routines"
    assert client.post("/diary/session", data={"routine": routine.group(1)}).status_code == 403
    response = client.post(
        "/diary/session",
        data={
            "csrf_token": token,
            "routine": routine.group(1),
            "minutes": "12",
            "steps": "3",
            "abandoned": "on",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    bad = client.post("/diary/function", data={"csrf_token": token, "activity": "stairs", "score": "12"})
    assert bad.status_code == 400 and "score: must be from 0" in bad.text
    ok = client.post(
        "/diary/function",
        data={"csrf_token": token, "activity": "stairs", "score": "7"},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    db = Database.open(db_url)
    try:
        diary = Diary(db)
        [session] = diary.sessions()
        assert (session.routine_id, session.duration_s, session.steps_done, session.outcome) == (
            routine.group(1),
            720.0,
            3,
            "abandoned",
        )
        assert [(f.activity, f.score) for f in diary.function_scores()] == [("stairs", 7)]
    finally:
        db.dispose()
    listing = client.get("/diary").text
    assert "function · stairs" in listing and "stopped early" in listing
