"""The map page in real Chromium (Debian's, through Playwright): what a person does with it.

Screenshots go to ``test-output/web-*.png`` for people to look at.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

# Waits use selectors and ``expect`` only: the page's CSP forbids eval, which wait_for_function needs.


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def wait_for_map(page: Any) -> None:
    """Until the map SVG is in the page, made interactive, and no map request is running."""
    page.wait_for_selector("#map svg .area[tabindex]", state="attached")
    page.wait_for_selector("#map:not([aria-busy])", state="attached")


def test_page_loads_with_title_map_and_no_errors(browser_page: Any, output_dir: Path) -> None:
    page = browser_page
    response = page.goto("/")
    assert response is not None and response.ok
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    wait_for_map(page)
    assert page.title() == "Foot map · solemap"
    # Both feet drawn, each with the default reflexology layer.
    assert page.locator("#map svg #foot-left .area.layer-reflexology").count() > 10
    assert page.locator("#map svg #foot-right .area.layer-reflexology").count() > 10
    assert page.locator("nav[aria-label=Main] a[aria-current=page]").inner_text() == "Map"
    page.screenshot(path=str(output_dir / "web-map-desktop.png"), full_page=True)
    assert page.errors == []


def test_toggling_a_layer_redraws_the_map_and_updates_the_url(browser_page: Any) -> None:
    page = browser_page
    page.goto("/")
    wait_for_map(page)
    assert page.locator("#map svg .area.layer-anatomy").count() == 0
    page.get_by_role("checkbox", name=re.compile("Plantar anatomy")).check()
    page.wait_for_selector("#map svg .area.layer-anatomy", state="attached")
    wait_for_map(page)
    assert "anatomy" in page.url
    page.get_by_role("checkbox", name=re.compile("Reflexology chart")).uncheck()
    expect(page.locator("#map svg .area.layer-reflexology")).to_have_count(0)
    expect(page.locator("#map-layers")).to_have_text("Plantar anatomy")
    # The URL restores the same view.
    page.goto(page.url)
    wait_for_map(page)
    assert page.locator("#map svg .area.layer-anatomy").count() > 0
    assert page.locator("#map svg .area.layer-reflexology").count() == 0
    assert page.errors == []


def test_clicking_an_area_opens_its_details_and_what_lies_under_the_spot(
    browser_page: Any, output_dir: Path
) -> None:
    page = browser_page
    page.goto("/")
    wait_for_map(page)
    area = page.locator("#map svg #area-refl-kidney-left")
    area.click(force=True)
    panel = page.locator("#area-detail")
    panel.wait_for()
    assert panel.locator("h2").inner_text() == "Kidney"
    assert "Traditional claim" in panel.locator(".evidence").inner_text()
    assert panel.locator(".evidence-traditional-claim").count() == 1
    assert panel.locator(".sources li").count() >= 1
    # Point lookup lists every layer under the click, anatomy included.
    point = page.locator("#point-card")
    point.wait_for()
    assert "from the back of the heel" in point.locator(".point-pos").inner_text()
    assert point.get_by_role("heading", name="Reflexology chart").count() == 1
    assert point.get_by_role("heading", name="Plantar anatomy").count() == 1
    # The click was turned into the right uv: the kidney is among the areas under it.
    assert point.get_by_role("button", name="Kidney", exact=True).count() == 1
    assert "area=refl-kidney-left" in page.url
    page.screenshot(path=str(output_dir / "web-area-panel.png"), full_page=False)
    # Opening an entry of that list shows its details and keeps the list.
    anatomy_link = point.locator("h4:has-text('Plantar anatomy') + ul button").first
    name = anatomy_link.inner_text()
    anatomy_link.click()
    expect(page.locator("#area-detail h2")).to_have_text(name)
    expect(page.locator("#area-detail .evidence")).to_contain_text("Anatomy")
    assert page.locator("#point-card").count() == 1
    assert page.errors == []


def test_point_lookup_on_a_single_foot_map(browser_page: Any) -> None:
    page = browser_page
    page.goto("/?side=right&length_mm=280")
    wait_for_map(page)
    assert page.locator("#map svg #foot-left").count() == 0
    page.locator("#map svg #area-refl-liver-right").click(force=True)
    point = page.locator("#point-card")
    point.wait_for()
    assert point.locator(".point-pos").inner_text().startswith("Right foot:")
    assert point.get_by_role("button", name="Liver", exact=True).count() == 1
    assert page.errors == []


def test_related_links_lead_from_referred_pain_to_its_trigger_point(browser_page: Any) -> None:
    page = browser_page
    page.goto("/?layers=referred-pain&area=rp-soleus")
    panel = page.locator("#area-detail")
    panel.wait_for()
    related = panel.locator(".related button[data-area]")
    assert related.count() >= 1
    target = related.first.get_attribute("data-area")
    related.first.click()
    expect(page).to_have_url(re.compile("area=" + re.escape(str(target))))
    expect(page.locator("#area-detail h2")).not_to_have_text("Pain referred from soleus")
    assert page.errors == []


def test_search_kidney_highlights_areas_on_both_feet(browser_page: Any, output_dir: Path) -> None:
    page = browser_page
    page.goto("/?layers=anatomy")
    wait_for_map(page)
    page.get_by_label("Find a body part, structure or symptom").fill("kidney")
    page.keyboard.press("Enter")
    page.wait_for_selector("#map svg .area.is-match", state="attached")
    wait_for_map(page)
    assert page.locator("#map svg #foot-left .area.is-match").count() >= 1
    assert page.locator("#map svg #foot-right .area.is-match").count() >= 1
    # The layer holding the kidney area was switched on, and the results name it.
    assert page.get_by_role("checkbox", name=re.compile("Reflexology chart")).is_checked()
    results = page.locator("#results")
    assert "highlighted on both feet" in results.locator(".results-summary").inner_text()
    assert results.get_by_role("button", name=re.compile("^Kidney")).count() == 1
    assert "q=kidney" in page.url
    page.screenshot(path=str(output_dir / "web-search-kidney.png"), full_page=False)
    # The share button copies the address of this view.
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Copy link to this view").click()
    expect(page.locator("#share-status")).to_contain_text("Link copied")
    assert page.evaluate("navigator.clipboard.readText()") == page.url
    # A shared link restores the search.
    page.goto(page.url)
    page.wait_for_selector("#map svg .area.is-match", state="attached")
    assert page.locator("#q").input_value() == "kidney"
    assert page.errors == []


def test_keyboard_alone_reaches_an_area_and_opens_it(browser_page: Any) -> None:
    page = browser_page
    page.goto("/")
    wait_for_map(page)
    # Screen readers see each area as a named button, once per foot.
    assert page.locator("#map svg").get_attribute("role") != "img"
    assert page.get_by_role("button", name=re.compile(r"^Kidney \(Reflexology chart")).count() == 2
    # Tab from the top of the page until focus lands on an area of the map.
    for _ in range(60):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.classList.contains('area')")
        if focused:
            break
    else:
        pytest.fail("Tab never reached an area of the map")
    label = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert label
    assert page.locator("#map-tooltip").is_visible()
    page.keyboard.press("Enter")
    page.locator("#area-detail").wait_for()
    name = page.locator("#area-detail h2").inner_text()
    assert label.startswith(name)
    assert "area=" in page.url
    # Escape closes the details and leaves the focus where it was.
    page.keyboard.press("Escape")
    expect(page.locator("#area-detail")).to_have_count(0)
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == label
    assert "area=" not in page.url
    assert page.errors == []


def mm_from_heel(text: str) -> float:
    return float(re.search(r"(\d+) mm from the back of the heel", text).group(1))


def test_scale_to_my_foot_with_a_shoe_size(browser_page: Any) -> None:
    page = browser_page
    page.goto("/")
    wait_for_map(page)
    page.locator("#map svg #area-refl-kidney-left").click(force=True)
    position = page.locator("#point-card .point-pos")
    position.wait_for()
    before = mm_from_heel(position.inner_text())
    page.locator("details.scale summary").click()
    page.get_by_label("System", exact=True).select_option("eu")
    page.get_by_label("Shoe size", exact=True).fill("44")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#foot-size")).to_contain_text("EU size 44")
    assert "shoe_size=44" in page.url
    text = page.locator("#foot-size").inner_text()
    length = float(re.search(r"Foot (\d+) mm long", text).group(1))
    assert 276 <= length <= 283  # (44 - 2) × 6.667 mm = 280 mm
    # The spot clicked before is now given in millimetres of the bigger foot.
    expect(position).not_to_contain_text(f"{before:.0f} mm from")
    after = mm_from_heel(position.inner_text())
    assert after / before == pytest.approx(280.0 / 258.75, abs=0.02)
    # An impossible length is refused with a message, and the map stays as it was (Enter in the
    # field applies the size, it does not search).
    page.get_by_label("Foot length (mm)", exact=True).fill("20")
    page.keyboard.press("Enter")
    expect(page.locator("#foot-error")).to_contain_text("Foot length must be between 120 and 360 mm")
    assert "EU size 44" in page.locator("#foot-size").inner_text()
    assert page.errors == [] or all("422" in e for e in page.errors)


def test_phone_viewport_stacks_the_page_without_sideways_scrolling(
    browser: Any, live_server: Any, output_dir: Path
) -> None:
    context = browser.new_context(
        viewport={"width": 360, "height": 760}, device_scale_factor=2, is_mobile=True, has_touch=True,
        base_url=live_server.url,
    )
    try:
        page = context.new_page()
        page.goto("/?q=heel%20pain&layers=anatomy")
        wait_for_map(page)
        page.wait_for_selector("#results li")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0
        box = page.locator("#map svg").bounding_box()
        assert box is not None and box["width"] <= 360
        page.screenshot(path=str(output_dir / "web-phone-360.png"), full_page=False)
        page.screenshot(path=str(output_dir / "web-phone-360-full.png"), full_page=True)
        # Tapping an area works like a click.
        page.locator("#map svg .area.is-match").first.tap(force=True)
        page.locator("#area-detail").wait_for()
        page.locator("#area-detail").scroll_into_view_if_needed()
        page.screenshot(path=str(output_dir / "web-phone-360-panel.png"), full_page=False)
    finally:
        context.close()


def test_about_and_docs_pages_render_locally(browser_page: Any, output_dir: Path) -> None:
    page = browser_page
    page.goto("/about")
    assert page.title() == "About & evidence · solemap"
    assert page.locator(".source-list li").count() >= 10
    assert page.locator("#labels .evidence-traditional-claim").count() >= 1
    page.screenshot(path=str(output_dir / "web-about.png"), full_page=False)
    page.goto("/docs")
    page.wait_for_selector(".swagger-ui .opblock", timeout=15_000)
    assert page.locator(".swagger-ui .opblock").count() >= 6
    assert page.errors == []
