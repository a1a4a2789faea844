"""The diary pages in Chromium: two taps for the morning, drawing pain, the charts (screenshots)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from solemap.diary import Database, Diary

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live_server_settings(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A fresh SQLite diary with three weeks of history, served by the module's live server."""
    from solemap.web.settings import Settings

    folder = tmp_path_factory.mktemp("diary-browser")
    url = f"sqlite:///{folder / 'diary.sqlite3'}"
    db = Database.open(url)
    diary = Diary(db)
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=21)
    for d in range(20):
        morning = start + dt.timedelta(days=d)
        diary.log_pain(
            max(1, 7 - d // 4),
            first_step=True,
            at=morning,
            side="left",
            marks=[{"u": 0.08, "v": 0.3, "side": "left", "intensity": max(1, 7 - d // 4)}],
        )
        if d % 2:
            diary.log_session(
                "heel-basics" if d < 10 else "heel-and-calf",
                started_at=morning + dt.timedelta(hours=9),
                duration_s=600,
                steps_done=5,
                steps_total=5,
            )
    db.dispose()
    return Settings(data_dir=folder, database_url=url)


def test_log_and_draw_in_the_browser(
    live_server: Any, browser: Any, output_dir: Path, heel_area: str
) -> None:
    page = browser.new_page(viewport={"width": 1200, "height": 1500})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server.url}/diary")
    page.get_by_role("button", name="4 out of 10").click()  # the second tap
    page.wait_for_url("**saved=first-step*")
    assert page.get_by_role("status").inner_text() == "Saved."
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(output_dir / "diary-web-overview.png"), full_page=True)

    page.goto(f"{live_server.url}/diary/draw")
    area = page.locator(f'#draw-map [data-area-id="{heel_area}"][data-side="right"]').first
    area.click()
    slider = page.locator("#marks input[type=range]")
    slider.fill("8")
    assert page.locator("#marks output").inner_text() == "8"
    # An exact spot: the middle of the same area on the left foot.
    page.locator('input[name="mode"][value="point"]').check()
    page.locator(f'#draw-map [data-area-id="{heel_area}"][data-side="left"]').first.click()
    assert page.locator("#marks li").count() == 2
    page.locator('input[name="score"][value="6"]').check()
    page.locator('input[name="quality"][value="aching"]').check()
    page.screenshot(path=str(output_dir / "diary-web-draw.png"), full_page=True)
    page.get_by_role("button", name="Save pain entry").click()
    page.wait_for_url("**saved=pain*")
    assert errors == []

    db = Database.open(live_server.settings.database_url)
    latest = max(Diary(db).pain_entries(), key=lambda e: e.id)
    db.dispose()
    assert latest.score == 6 and latest.quality == "aching"
    area_mark, spot = latest.marks
    assert (area_mark.area_id, area_mark.side, area_mark.intensity) == (heel_area, "right", 8)
    assert spot.area_id is None and spot.side == "left"
    from shapely.geometry import Point

    from solemap.atlas import load_atlas

    # The tap landed inside the area it was aimed at: the click -> (u, v) conversion is right.
    assert load_atlas().get(heel_area).geometry.buffer(0.02).contains(Point(spot.u, spot.v))
    page.close()
