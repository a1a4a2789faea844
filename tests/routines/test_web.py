"""Guided rolling in the web app: pages and API over HTTP, and the player in real Chromium."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from solemap.routines import AnswerStore, SessionEngine, get_routine, load_safety
from solemap.routines.engine import Block
from solemap.routines.pacer import Pacer


def answer_all(data_dir: Path, **yes: bool) -> None:
    answers = {q.id: False for q in load_safety().questions}
    answers.update({k.replace("_", "-"): v for k, v in yes.items()})
    AnswerStore(data_dir).save(answers)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from solemap.web.app import create_app
    from solemap.web.settings import Settings

    with TestClient(create_app(Settings(data_dir=tmp_path / "data"))) as c:
        c.data_dir = tmp_path / "data"
        yield c


def test_list_page_and_api(client: Any) -> None:
    page = client.get("/routines")
    assert page.status_code == 200
    for rid in ("plantar-heel-pain", "reflexology-toe-to-heel", "runners-recovery"):
        assert f'href="/routines/{rid}"' in page.text
    assert "Answer the safety check" in page.text
    data = client.get("/api/routines/plantar-heel-pain").json()
    assert data["pace"] == {"breaths_per_min": 6.0, "inhale_share": 0.4}
    assert sum(b["duration_s"] for b in data["blocks"]) == data["total_s"] == 870
    assert data["steps"][1]["title"] == "Plantar fascia stretch"
    assert client.get("/api/routines/nope").status_code == 404


def test_safety_form_remembers_and_gates_the_player(client: Any) -> None:
    gated = client.get("/routines/plantar-heel-pain")
    assert 'id="safety-gate"' in gated.text and 'data-cleared="false"' in gated.text
    form = {q.id: "no" for q in load_safety().questions} | {
        "nerve-symptoms": "yes",
        "next": "plantar-heel-pain",
    }
    saved = client.post("/routines/safety", data=form, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == "/routines/plantar-heel-pain"
    assert AnswerStore(client.data_dir).load().answers["nerve-symptoms"] is True
    blocked = client.get("/routines/plantar-heel-pain")
    assert "see a clinician before rolling" in blocked.text and "trapped nerve" in blocked.text
    assert client.get("/api/safety").json()["blocking"] == ["nerve-symptoms"]
    form["nerve-symptoms"] = "no"
    form["next"] = "https://example.org/"  # never redirected off the routines pages
    assert client.post("/routines/safety", data=form, follow_redirects=False).headers["location"] == (
        "/routines/safety?saved=1"
    )
    ok = client.get("/routines/plantar-heel-pain")
    assert 'data-cleared="true"' in ok.text and 'id="safety-gate"' not in ok.text
    forged = client.post("/routines/safety", data=form, headers={"origin": "https://evil.example"})
    assert forged.status_code == 403
    incomplete = client.post("/routines/safety", data={"dvt": "no"}, headers={"accept": "application/json"})
    assert incomplete.status_code == 422


def test_check_api(client: Any) -> None:
    good = Path(__file__).with_name("data").joinpath("short-routine.yaml").read_bytes()
    assert client.post("/api/routines/check", content=good).json()["total_s"] == 40
    bad = client.post("/api/routines/check", content=good.replace(b"tennis-ball", b"squash-ball"))
    assert bad.status_code == 422
    assert "step 1 ('roll'): unknown tool id 'squash-ball'" in json.dumps(bad.json())


def test_handout_over_http(client: Any) -> None:
    pdf = client.get("/routines/runners-recovery/handout.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


# ---- the browser player -------------------------------------------------------------------------

SCENARIO: list[tuple[float, str]] = [
    (0, "start"),
    (3.5, "update"),
    (2, "pain:2"),
    (5, "pause"),
    (40, "update"),
    (0, "resume"),
    (1.25, "next"),
    (7, "pain:5"),
    (3, "back"),
    (0.5, "toggle"),
    (9, "next"),
    (2, "toggle"),
    (12.75, "update"),
    (30, "update"),
    (0.3, "pain:9"),
    (4, "resume"),
    (100, "update"),
]
BLOCKS = [
    Block(0, "a", "left", 10.0, 3),
    Block(1, "b", "left", 20.0, 4),
    Block(1, "b", "right", 20.0, 4),
    Block(2, "c", "right", 15.0, 6),
]


def python_trace() -> list[dict[str, Any]]:
    now = [1_800_000_000.0]
    engine = SessionEngine("demo", BLOCKS, lambda: now[0], Pacer.from_ratio(5.5, 2, 3), stop_at=8)
    trace = []
    for advance, command in SCENARIO:
        now[0] += advance
        if command.startswith("pain:"):
            events: Any = engine.report_pain(int(command[5:])).verdict
        else:
            events = [[e.kind, e.block_index] for e in getattr(engine, command)()]
        s = engine.state()
        trace.append(
            {
                "events": events,
                "status": s.status,
                "block": s.block_index,
                "side": s.side,
                "remaining": round(s.block_remaining_s, 6),
                "elapsed": round(s.elapsed_s, 6),
                "phase": s.breath.phase,
                "level": round(s.breath.level, 6),
            }
        )
    engine.quit()
    trace.append(engine.record().to_json())
    return trace


JS_TRACE = """
async ([scenario, blocks]) => {
  const { SessionEngine, Pacer } = await import('/static/routines/engine.js');
  let now = 1800000000.0;
  const r6 = (x) => Math.round(x * 1e6) / 1e6;
  const engine = new SessionEngine('demo', blocks, () => now, Pacer.fromRatio(5.5, 2, 3), 8);
  const trace = [];
  const names = { start: 'start', update: 'update', pause: 'pause', resume: 'resume', next: 'next',
                  back: 'back', toggle: 'toggle', quit: 'quit' };
  for (const [advance, command] of scenario) {
    now += advance;
    let events;
    if (command.startsWith('pain:')) events = engine.reportPain(Number(command.slice(5))).verdict;
    else events = engine[names[command]]().map((e) => [e.kind, e.block_index]);
    const s = engine.state();
    trace.push({ events, status: s.status, block: s.block_index, side: s.side,
                 remaining: r6(s.block_remaining_s), elapsed: r6(s.elapsed_s),
                 phase: s.breath.phase, level: r6(s.breath.level) });
  }
  engine.quit();
  trace.push(engine.record());
  return trace;
}
"""


@pytest.fixture(scope="module")
def live_server_settings(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from solemap.web.settings import Settings

    data_dir = tmp_path_factory.mktemp("routines-web-data")
    answer_all(data_dir)
    return Settings(data_dir=data_dir)


@pytest.mark.browser
def test_js_engine_is_a_faithful_port(browser_page: Any) -> None:
    browser_page.goto("/routines")
    blocks = [b.to_json() for b in BLOCKS]
    js = browser_page.evaluate(JS_TRACE, [SCENARIO, blocks])
    py = python_trace()
    assert len(js) == len(py)
    for i, (a, b) in enumerate(zip(js, py, strict=True)):
        assert a == b, f"step {i} of the scenario: {SCENARIO[i] if i < len(SCENARIO) else 'record'}"
    assert not browser_page.errors


def _state(page: Any) -> dict[str, Any]:
    return page.evaluate("() => window.solemapPlayer.engine.state()")


@pytest.mark.browser
def test_player_start_pause_skip_finish(browser_page: Any, output_dir: Path) -> None:
    page = browser_page
    routine = get_routine("plantar-heel-pain")
    page.goto("/routines/plantar-heel-pain?speed=150")  # 870 s of routine in under 6 s
    page.wait_for_function("() => window.solemapPlayer !== undefined")
    assert page.locator("#btn-toggle").text_content() == "Start"
    page.keyboard.press("Space")
    page.wait_for_function("() => window.solemapPlayer.engine.status === 'running'")
    page.keyboard.press("Space")  # pause at once: the rest of the checks run on a still clock
    page.wait_for_function("() => window.solemapPlayer.engine.status === 'paused'")
    first = _state(page)
    assert first["block_index"] == 0
    assert page.locator("#kicker").text_content() == f"Step 1 of {len(routine.steps)} · Left foot"
    assert page.locator("#step-title").text_content() == routine.steps[0].title
    assert int(page.locator("#stage-map").get_attribute("data-highlighted")) >= 1
    highlighted = page.locator("#stage-map .is-current").first
    assert highlighted.get_attribute("data-area-id") in routine.steps[0].areas
    assert highlighted.get_attribute("data-side") == "left"
    countdown = page.locator("#countdown").text_content()
    page.wait_for_timeout(800)  # 120 simulated seconds: nothing may move while paused
    assert page.locator("#countdown").text_content() == countdown
    assert _state(page)["block_elapsed_s"] == pytest.approx(first["block_elapsed_s"])
    assert page.locator("#breath-word").text_content() == "Paused"

    page.keyboard.press("n")
    page.wait_for_function("() => window.solemapPlayer.engine.state().block_index === 1")
    assert page.locator("#kicker").text_content().endswith("Right foot")
    page.keyboard.press("n")
    page.wait_for_function("() => window.solemapPlayer.engine.state().step_index === 1")
    assert page.locator("#step-title").text_content() == "Plantar fascia stretch"
    page.keyboard.press("p")
    page.wait_for_function("() => window.solemapPlayer.engine.state().block_index === 1")
    page.locator(".pain-button[data-pain='6']").click()
    assert "above this step's limit of 4" in page.locator("#message").text_content()
    page.keyboard.press("9")
    assert "stop here" in page.locator("#message").text_content()
    page.screenshot(path=str(output_dir / "routines-player-paused.png"))

    # Skip to the calf stretch: its areas are off the sole, so the caption names them.
    for _ in range(7):
        page.keyboard.press("n")
    page.wait_for_function("() => window.solemapPlayer.engine.state().step_index === 4")
    assert "Above the foot" in page.locator("#map-caption").text_content()

    page.keyboard.press("Space")  # resume and let the rest run out at speed
    page.wait_for_function("() => window.solemapPlayer.engine.status === 'finished'", timeout=15_000)
    assert page.locator("#summary").is_visible()
    record = json.loads(page.locator("#player").get_attribute("data-record"))
    assert record["outcome"] == "finished" and record["routine_id"] == "plantar-heel-pain"
    assert record["steps_done"] == ["calf-stretch-straight", "calf-stretch-bent", "cool-the-arch"]
    assert [p["verdict"] for p in record["pain_reports"]] == ["ease-off", "stop"]
    assert "3 of 7 steps done" in page.locator("#summary-text").text_content()
    page.locator("#btn-save").click()
    page.wait_for_function("() => document.getElementById('save-status').textContent.startsWith('Saved')")
    page.screenshot(path=str(output_dir / "routines-player-finished.png"), full_page=True)
    assert not page.errors


@pytest.mark.browser
def test_breathing_circle_follows_the_pacer(browser_page: Any) -> None:
    page = browser_page
    page.goto("/routines/runners-recovery?speed=1")
    page.wait_for_function("() => window.solemapPlayer !== undefined")
    page.locator("#btn-toggle").click()
    started = time.monotonic()
    scales = []
    for _ in range(4):
        page.wait_for_timeout(600)
        transform = page.locator("#breath-circle").evaluate("el => el.style.transform")
        scales.append(float(re.search(r"scale\(([\d.]+)\)", transform).group(1)))
        assert page.locator("#breath-word").text_content().startswith("Breathe in")
    assert scales == sorted(scales) and scales[-1] > scales[0] + 0.3  # a steady in-breath
    # The routine's pace is 4 s in, 6 s out: the out-breath starts about 4 s after Start.
    page.wait_for_function(
        "() => document.getElementById('breath-word').textContent.startsWith('Breathe out')"
    )
    assert 3.5 < time.monotonic() - started < 6.0  # generous: CI machines are busy
    page.locator("#btn-stop").click()
    page.wait_for_function("() => window.solemapPlayer.engine.status === 'abandoned'")
    assert page.locator("#summary-title").text_content() == "Session ended early"
    assert not page.errors


@pytest.mark.browser
def test_class_mode(browser_page: Any, output_dir: Path) -> None:
    page = browser_page
    page.set_viewport_size({"width": 1600, "height": 900})
    page.goto("/routines/full-sole-smr?class=1&speed=1")
    page.wait_for_function("() => document.body.classList.contains('class-mode')")
    page.keyboard.press("Space")  # the instructor drives class mode from the keyboard
    page.wait_for_function("() => window.solemapPlayer.engine.status === 'running'")
    page.wait_for_timeout(1500)
    assert not page.locator(".site-header").is_visible()
    assert not page.locator(".plan").is_visible()
    size = lambda sel: page.locator(sel).evaluate("el => parseFloat(getComputedStyle(el).fontSize)")  # noqa: E731
    assert size("#countdown") >= 160  # 11vw on a 1600 px screen: readable across a room
    assert size("#step-title") >= 60
    # Everything a class needs is on one screen, without scrolling.
    for sel in ("#countdown", "#step-title", "#step-area", "#breath-circle", "#instruction"):
        box = page.locator(sel).bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= 900, sel
    page.screenshot(path=str(output_dir / "routines-class-mode.png"))
    page.keyboard.press("c")
    page.wait_for_function("() => !document.body.classList.contains('class-mode')")
    assert page.locator(".site-header").is_visible()
    assert not page.errors


@pytest.mark.browser
def test_pages_render_cleanly(browser_page: Any, output_dir: Path) -> None:
    page = browser_page
    page.goto("/routines")
    assert page.locator(".routine-card").count() == 6
    page.screenshot(path=str(output_dir / "routines-list.png"), full_page=True)
    page.goto("/routines/safety")
    assert page.locator("fieldset.question").count() == len(load_safety().questions)
    page.screenshot(path=str(output_dir / "routines-safety.png"), full_page=True)
    page.goto("/routines/reflexology-toe-to-heel")
    assert "traditional practice" in page.locator(".tradition-note").text_content()
    assert not page.errors


@pytest.mark.browser
def test_routine_builder_checks_on_the_server(browser_page: Any, output_dir: Path) -> None:
    page = browser_page
    page.goto("/routines/build")
    page.locator("#b-title").fill("Evening feet")
    assert page.locator("#b-id").input_value() == "evening-feet"
    page.locator("#b-add").click()
    second = page.locator(".builder-step").nth(1)
    second.locator("[data-f=title]").fill("Liver area, thumbs")
    second.locator("[data-f=area]").select_option("refl-liver")
    second.locator("[data-f=tool]").select_option("thumbs")
    second.locator("[data-f=technique]").select_option("thumb-walk")
    page.locator("#b-check").click()
    problems = page.locator("#b-result li")
    problems.first.wait_for()
    assert problems.all_text_contents() == [
        "step 2 ('liver-area-thumbs'): area 'refl-liver' is on the right foot only, "
        "but the step works on side 'both'"
    ]
    second.locator("[data-f=side]").select_option("right")
    page.locator("#b-check").click()
    page.wait_for_function("() => document.getElementById('b-result').classList.contains('ok')")
    assert "The routine is valid: Evening feet, 3 min in all." in page.locator("#b-result").text_content()
    yaml_text = page.locator("#b-yaml").text_content()
    assert "id: evening-feet" in yaml_text and "areas: [refl-liver]" in yaml_text
    page.screenshot(path=str(output_dir / "routines-builder.png"), full_page=True)
    # The only console error is the browser logging the deliberate 422 of the first check.
    assert all("422" in e for e in page.errors)


SPY = """
window.__spoken = [];
window.__wakeLocks = 0;
const fakeSynth = { speak: (u) => window.__spoken.push(u.text), cancel: () => {} };
Object.defineProperty(window, "speechSynthesis", { get: () => fakeSynth });
Object.defineProperty(navigator, "wakeLock", { get: () => ({
  request: async () => {
    window.__wakeLocks += 1;
    return { release: async () => {}, addEventListener() {} };
  },
}) });
"""


@pytest.mark.browser
def test_spoken_cues_and_wake_lock(browser_page: Any) -> None:
    page = browser_page
    page.add_init_script(SPY)
    page.goto("/routines/above-the-foot?speed=40")
    page.wait_for_function("() => window.solemapPlayer !== undefined")
    page.locator("#settings summary").click()
    page.locator("#opt-speak").check()
    page.locator("#btn-toggle").click()
    page.wait_for_function("() => window.__spoken.length >= 1")
    assert page.evaluate("window.__spoken[0]").startswith(
        "Step 1. Roll the calf. Left foot. Sit on the floor"
    )
    assert page.evaluate("window.__wakeLocks") == 1
    # 60 s per foot at 40× speed: the switch to the right foot is announced after ~1.5 s.
    page.wait_for_function("() => window.__spoken.some((t) => t === 'Switch to the right foot.')")
    page.keyboard.press("s")  # S turns speech off again: the end of the session is not announced
    assert not page.locator("#opt-speak").is_checked()
    spoken = page.evaluate("window.__spoken.length")
    page.keyboard.press("q")
    page.wait_for_function("() => window.solemapPlayer.engine.status === 'abandoned'")
    assert page.evaluate("window.__spoken.length") == spoken
    assert not page.errors


@pytest.mark.browser
def test_space_on_a_focused_button_toggles_once(browser_page: Any) -> None:
    page = browser_page
    page.goto("/routines/runners-recovery")
    page.wait_for_function("() => window.solemapPlayer !== undefined")
    page.locator("#btn-toggle").click()  # the Start button keeps the focus
    page.wait_for_function("() => window.solemapPlayer.engine.status === 'running'")
    page.keyboard.press("Space")
    page.wait_for_timeout(300)
    assert page.evaluate("window.solemapPlayer.engine.status") == "paused"
    assert page.locator("#btn-toggle").text_content() == "Resume"
    assert not page.errors
