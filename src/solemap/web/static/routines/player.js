// The browser player: draws the session engine's state every frame and turns keys, buttons and
// pain ratings into engine commands. All timing lives in engine.js; this file only displays it.
import { Pacer, SessionEngine, isoUtc, scaledClock } from "./engine.js";

const $ = (id) => document.getElementById(id);
const root = $("player");
const plan = JSON.parse($("routine-plan").textContent);
const params = new URLSearchParams(location.search);
// ?speed=N runs the clock N times faster: used by the browser tests and for quick demos.
const speed = Math.min(1000, Math.max(0.1, Number(params.get("speed")) || 1));
const clock = scaledClock(speed);
const stopAt = Number(root.dataset.stopAt) || 8;
const cleared = root.dataset.cleared === "true";

const VERDICTS = {
  ok: (r) => `Pain ${r.value}/10 — fine, carry on.`,
  "ease-off": (r) => `Pain ${r.value}/10 is above this step's limit of ${r.ceiling}: ease off — less weight, or move off the spot.`,
  stop: (r) => `Pain ${r.value}/10: stop here. Press End to finish, or Resume to carry on very gently.`,
};

function makePacer() {
  const bpm = Number($("opt-bpm").value);
  const [inhale, exhale] = $("opt-ratio").value.split(":").map(Number);
  return Pacer.fromRatio(bpm, inhale, exhale);
}

let engine = new SessionEngine(plan.id, plan.blocks, clock, makePacer(), stopAt);
let wakeLock = null;
let audio = null;
let lastBlock = -1;

function clockText(seconds) {
  const whole = Math.max(0, Math.ceil(seconds - 1e-9));
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
}

function footText(side) { return side === "left" ? "Left foot" : "Right foot"; }

function highlight(step, side) {
  for (const el of document.querySelectorAll("#stage-map .is-current")) el.classList.remove("is-current");
  let found = 0;
  for (const area of step.areas) {
    if (area.off_sole) continue;
    const selector = `#stage-map [data-area-id="${CSS.escape(area.id)}"][data-side="${side}"]`;
    for (const el of document.querySelectorAll(selector)) { el.classList.add("is-current"); found += 1; }
  }
  const off = step.areas.filter((a) => a.off_sole);
  $("map-caption").textContent = off.length
    ? `Above the foot: ${off.map((a) => a.location ? `${a.name} (${a.location})` : a.name).join("; ")}`
    : "";
  $("stage-map").dataset.highlighted = String(found);
}

function speak(text) {
  if (!$("opt-speak").checked || !("speechSynthesis" in window)) return;
  window.speechSynthesis.cancel();
  window.speechSynthesis.speak(new SpeechSynthesisUtterance(text));
}

function chime() {
  if (!$("opt-bell").checked) return;
  try {
    audio = audio || new AudioContext();
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = 660;
    gain.gain.setValueAtTime(0.0001, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.25, audio.currentTime + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + 1.2);
    osc.connect(gain).connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + 1.3);
  } catch { /* no audio device: the visual change is enough */ }
}

async function holdWakeLock() {
  try {
    if ("wakeLock" in navigator && !wakeLock && document.visibilityState === "visible") {
      wakeLock = await navigator.wakeLock.request("screen");
      wakeLock.addEventListener("release", () => { wakeLock = null; });
    }
  } catch { wakeLock = null; /* refused (battery saver, no permission): the player still works */ }
}

function releaseWakeLock() {
  if (wakeLock) { wakeLock.release(); wakeLock = null; }
}

function showStep(state) {
  const step = plan.steps[state.step_index];
  $("kicker").textContent = `Step ${step.number} of ${plan.steps.length} · ${footText(state.side)}`;
  $("step-title").textContent = step.title;
  $("step-area").textContent = step.area_text;
  $("fact-tool").textContent = `${step.tool_text} — ${step.technique.name.toLowerCase()}`;
  $("fact-load").textContent = step.load;
  $("fact-limit").textContent = `pain up to ${step.pain_ceiling}/10`;
  $("instruction").textContent = step.instruction;
  $("breathing-cue").textContent = step.breathing;
  highlight(step, state.side);
  for (const li of document.querySelectorAll("#plan-list li")) {
    li.classList.toggle("current", Number(li.dataset.step) === state.step_index);
  }
}

function handle(events) {
  for (const e of events) {
    if (e.kind === "step" || e.kind === "side") {
      const block = plan.blocks[e.block_index];
      const step = plan.steps[block.step_index];
      $("message").textContent = "";
      if (e.kind === "side") {
        speak(`Switch to the ${block.side} foot.`);
      } else {
        speak(`Step ${step.number}. ${step.title}. ${footText(block.side)}. ${step.instruction}`);
      }
      if (e.block_index !== 0 || lastBlock !== -1) chime();
    } else if (e.kind === "finished" || e.kind === "abandoned") {
      finish();
    }
  }
}

function finish() {
  releaseWakeLock();
  const record = engine.record();
  if (speed !== 1) {
    // A sped-up clock runs ahead of real time; a demo session is stored as if it ended just now.
    const shift = Date.parse(record.ended_at) - Date.now();
    for (const key of ["started_at", "ended_at"]) {
      record[key] = isoUtc((Date.parse(record[key]) - shift) / 1000);
    }
  }
  root.dataset.record = JSON.stringify(record);
  const done = record.steps_done.length;
  $("summary-title").textContent = record.outcome === "finished" ? "Session finished — well done" : "Session ended early";
  const minutes = Math.round(record.duration_s / 60);
  let text = `${done} of ${record.steps_total} steps done in ${minutes < 1 ? "under a minute" : `${minutes} min`}.`;
  if (record.pain_reports.length) {
    text += ` Highest pain you reported: ${Math.max(...record.pain_reports.map((p) => p.value))}/10.`;
  }
  $("summary-text").textContent = text;
  $("summary").hidden = false;
  $("summary").scrollIntoView({ behavior: "smooth", block: "nearest" });
  speak(record.outcome === "finished" ? "Session finished. Well done." : "Session ended.");
}

async function saveToDiary() {
  const button = $("btn-save");
  button.disabled = true;
  $("save-status").textContent = "Saving…";
  try {
    const token = (await (await fetch("/api/diary/csrf", { credentials: "same-origin" })).json()).token;
    const response = await fetch("/api/diary/sessions", {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json", "x-csrf-token": token },
      body: root.dataset.record,
    });
    const body = await response.json().catch(() => ({}));
    if (response.status !== 201) throw new Error(body.message || body.detail || `status ${response.status}`);
    $("save-status").textContent = "Saved in your diary. ";
    const link = document.createElement("a");
    link.href = "/diary";
    link.textContent = "Open the diary";
    $("save-status").append(link);
  } catch (err) {
    $("save-status").textContent = `Not saved: ${err.message}. You can try again.`;
    button.disabled = false;
  }
}

function render() {
  const state = engine.state();
  const stage = $("stage");
  stage.dataset.status = state.status;
  stage.dataset.block = String(state.block_index);
  if (state.status !== "ready" && state.block_index !== lastBlock) {
    showStep(state);
    lastBlock = state.block_index;
  }
  if (state.status !== "ready") {
    $("countdown").textContent = state.status === "finished" ? "0:00" : clockText(state.block_remaining_s);
    $("step-progress").value = state.block_duration_s ? state.block_elapsed_s / state.block_duration_s : 0;
    $("session-progress").value = state.total_s ? Math.min(1, state.elapsed_s / state.total_s) : 0;
    $("session-time").textContent = `${clockText(state.elapsed_s)} / ${clockText(state.total_s)}`;
    const b = state.breath;
    $("breath-circle").style.transform = `scale(${0.35 + 0.65 * b.level})`;
    const over = { paused: "Paused", finished: "Done", abandoned: "Ended" }[state.status];
    $("breath-word").textContent = over
      || `${b.phase === "inhale" ? "Breathe in" : "Breathe out"} ${Math.ceil(b.remaining_s)}`;
    $("breath-word").dataset.phase = b.phase;
  }
  const live = state.status === "running" || state.status === "paused";
  $("btn-toggle").textContent = { running: "Pause", paused: "Resume", finished: "Done", abandoned: "Ended" }[state.status]
    || "Start";
  $("btn-toggle").disabled = !cleared || state.status === "finished" || state.status === "abandoned";
  for (const id of ["btn-back", "btn-next", "btn-stop"]) $(id).disabled = !live;
  for (const btn of document.querySelectorAll(".pain-button")) btn.disabled = !live;
}

function frame() {
  handle(engine.update());
  render();
  if (engine.status !== "finished" && engine.status !== "abandoned") requestAnimationFrame(frame);
}

function command(name) {
  if (!cleared) return;
  const before = engine.status;
  const events = engine[name]();
  if (before === "ready" && engine.status === "running") holdWakeLock();
  if (engine.status === "paused") releaseWakeLock();
  if (before === "paused" && engine.status === "running") holdWakeLock();
  handle(events);
  render();
}

function reportPain(value) {
  if (engine.status !== "running" && engine.status !== "paused") return;
  const report = engine.reportPain(value);
  $("message").textContent = VERDICTS[report.verdict](report);
  $("message").dataset.verdict = report.verdict;
  if (report.verdict !== "ok") speak(VERDICTS[report.verdict](report));
  render();
}

function setClassMode(on, askFullscreen = true) {
  document.body.classList.toggle("class-mode", on);
  $("class-toggle").setAttribute("aria-pressed", String(on));
  $("class-toggle").textContent = on ? "Leave class mode" : "Class mode";
  // Full screen needs a click or key press: a page opened with ?class=1 only gets the large type.
  if (on && askFullscreen && document.fullscreenEnabled && !document.fullscreenElement) {
    document.documentElement.requestFullscreen().catch(() => { /* refused: large type still applies */ });
  } else if (!on && document.fullscreenElement) {
    document.exitFullscreen().catch(() => {});
  }
  updateFullscreenButton();
}

// In class mode without full screen (opened from a link, or refused), offer it with one click.
function updateFullscreenButton() {
  const on = document.body.classList.contains("class-mode");
  $("fullscreen-button").hidden = !(on && document.fullscreenEnabled && !document.fullscreenElement);
}

$("btn-toggle").addEventListener("click", () => command("toggle"));
$("btn-next").addEventListener("click", () => command("next"));
$("btn-back").addEventListener("click", () => command("back"));
$("btn-stop").addEventListener("click", () => command("quit"));
if ($("btn-save")) $("btn-save").addEventListener("click", saveToDiary);
$("class-toggle").addEventListener("click", () => setClassMode(!document.body.classList.contains("class-mode")));
$("fullscreen-button").addEventListener("click", () => {
  document.documentElement.requestFullscreen().then(updateFullscreenButton).catch(() => {});
});
for (const btn of document.querySelectorAll(".pain-button")) {
  btn.addEventListener("click", () => reportPain(Number(btn.dataset.pain)));
}
for (const id of ["opt-bpm", "opt-ratio"]) {
  $(id).addEventListener("change", () => {
    // The pace can change only before the start: mid-session the breath would jump.
    if (engine.status === "ready") engine = new SessionEngine(plan.id, plan.blocks, clock, makePacer(), stopAt);
    else $("message").textContent = "The new pace applies to the next session.";
  });
}
document.addEventListener("fullscreenchange", () => {
  if (!document.fullscreenElement && document.body.classList.contains("class-mode")) setClassMode(false);
  updateFullscreenButton();
});
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible" && engine.status === "running") holdWakeLock();
});
document.addEventListener("keydown", (e) => {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  const tag = (e.target.tagName || "").toLowerCase();
  if (tag === "select" || tag === "input" || tag === "textarea") return;
  const key = e.key;
  if (key === " " || key === "Spacebar") { e.preventDefault(); command("toggle"); }
  else if (key === "n" || key === "N" || key === "ArrowRight") command("next");
  else if (key === "p" || key === "P" || key === "ArrowLeft") command("back");
  else if (key === "q" || key === "Q") command("quit");
  else if (key === "c" || key === "C") setClassMode(!document.body.classList.contains("class-mode"));
  else if (key === "s" || key === "S") $("opt-speak").checked = !$("opt-speak").checked;
  else if (/^[0-9]$/.test(key)) reportPain(Number(key));
  else if (key === "Escape" && document.body.classList.contains("class-mode")) setClassMode(false);
});

if (params.get("class") === "1") setClassMode(true, false);
render();
requestAnimationFrame(frame);
window.solemapPlayer = { get engine() { return engine; }, plan };
