// Pressure tools page: frame scrubber on the foot map, step approval on the force curve,
// drawing and editing of mask regions on the footprint, GeoJSON export and analysis.
// No inline scripts (CSP); everything talks to /api/pressure-tools/*.
"use strict";

(function () {
  const SVG = "http://www.w3.org/2000/svg";
  const COLOURS = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#ff7f0e", "#000000"];
  const $ = (id) => document.getElementById(id);
  const state = { trial: null, rejected: {}, playing: null, frame: 0, sensors: null, regions: [], drawing: null, drag: null };

  function el(name, attrs, parent) {
    const node = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (parent) parent.appendChild(node);
    return node;
  }

  function status(text) { $("pt-status").textContent = text; }

  async function api(url, options) {
    const res = await fetch(url, options);
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(body.detail ? (typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail)) : res.statusText);
    return body;
  }

  // ------------------------------------------------------------------ upload
  $("pt-upload").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const file = $("pt-file").files[0];
    if (!file) return;
    const form = new FormData();
    form.append("file", file);
    status("Reading " + file.name + " …");
    try {
      state.trial = await api("/api/pressure-tools/trials", { method: "POST", body: form });
    } catch (err) {
      status("Could not open the file: " + err.message);
      return;
    }
    const t = state.trial;
    status(`${t.name}: ${t.format}, ${t.frames} frames at ${t.sample_rate_hz} Hz, sides ${t.sides.join(", ")}`);
    state.rejected = {};
    state.regions = [];
    $("pt-trial").hidden = false;
    $("pt-name").textContent = t.name;
    $("pt-slider").max = String(t.frames - 1);
    $("pt-side").replaceChildren(...t.sides.map((s) => new Option(s, s)));
    $("pt-scheme").value = t.kind === "grid" ? "automask_novel" : "pedar_mask1";
    showFrame(0);
    drawCurves();
    await loadSensors();
  });

  // ------------------------------------------------------------------ frames
  let pending = null;
  function showFrame(t) {
    const trial = state.trial;
    state.frame = t;
    $("pt-slider").value = String(t);
    $("pt-time").textContent = `frame ${t} · ${(t / trial.sample_rate_hz).toFixed(2)} s`;
    // Only one request in flight: the newest frame wins, older ones are skipped.
    if (pending) { pending.next = t; return; }
    const img = $("pt-frame");
    pending = { next: null };
    const done = () => {
      const next = pending.next;
      pending = null;
      if (next !== null && next !== t) showFrame(next);
    };
    img.onload = done;
    img.onerror = () => {
      status("This trial cannot be drawn on the foot map (the print may be too small to place).");
      done();
    };
    img.src = `/api/pressure-tools/trials/${trial.token}/frame/${t}.png`;
    document.querySelectorAll(".pt-cursor").forEach((line) => {
      const x = line.dataset.scale * t;
      line.setAttribute("x1", x); line.setAttribute("x2", x);
    });
  }
  $("pt-slider").addEventListener("input", (ev) => showFrame(Number(ev.target.value)));
  $("pt-play").addEventListener("click", () => {
    const btn = $("pt-play");
    if (state.playing) {
      clearInterval(state.playing); state.playing = null;
      btn.textContent = "Play"; btn.setAttribute("aria-pressed", "false");
      return;
    }
    const trial = state.trial;
    const stride = Math.max(1, Math.round(trial.sample_rate_hz / 20));
    btn.textContent = "Pause"; btn.setAttribute("aria-pressed", "true");
    state.playing = setInterval(() => {
      if (pending) return; // wait for the previous picture
      showFrame((state.frame + stride) % trial.frames);
    }, 50);
  });

  // ------------------------------------------------------------------ curves and steps
  function drawCurves() {
    const box = $("pt-curves");
    box.replaceChildren();
    const W = 640, H = 150, pad = 4;
    for (const c of state.trial.curves) {
      state.rejected[c.side] = new Set();
      const svg = el("svg", { viewBox: `0 0 ${W} ${H + 18}`, role: "group", "aria-label": `${c.side} force curve` }, box);
      const defs = el("defs", {}, svg);
      const pat = el("pattern", { id: "pt-hatch", width: 6, height: 6, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" }, defs);
      el("rect", { width: 6, height: 6, fill: "#eee" }, pat);
      el("line", { x1: 0, y1: 0, x2: 0, y2: 6, stroke: "#999", "stroke-width": 2 }, pat);
      const f = c.force_n.map((v) => (v === null ? 0 : v));
      const fmax = Math.max(...f, 1);
      const sx = W / Math.max(f.length - 1, 1);
      const y = (v) => pad + (H - 2 * pad) * (1 - v / fmax);
      const colour = c.side === "right" ? "#d62728" : "#1f77b4";
      for (const s of c.steps) {
        const r = el("rect", { class: "pt-step", x: s.first_frame * sx, y: 0, width: (s.last_frame - s.first_frame) * sx,
          height: H, fill: colour, tabindex: 0, role: "button", "aria-pressed": "true",
          "data-side": c.side, "data-step": s.step, "aria-label": `${c.side} step ${s.step}: kept` }, svg);
        const toggle = () => {
          const set = state.rejected[c.side];
          if (set.has(s.step)) set.delete(s.step); else set.add(s.step);
          const kept = !set.has(s.step);
          r.classList.toggle("rejected", !kept);
          r.setAttribute("aria-pressed", String(kept));
          r.setAttribute("aria-label", `${c.side} step ${s.step}: ${kept ? "kept" : "dropped"}`);
        };
        r.addEventListener("click", toggle);
        r.addEventListener("keydown", (ev) => { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); toggle(); } });
        const label = el("text", { x: (s.first_frame + s.last_frame) / 2 * sx, y: H + 14, "text-anchor": "middle", "font-size": 11, fill: colour }, svg);
        label.textContent = s.step;
      }
      el("polyline", { class: "pt-curve", stroke: colour, points: f.map((v, i) => `${(i * sx).toFixed(1)},${y(v).toFixed(1)}`).join(" ") }, svg);
      if (c.threshold_n !== null) el("line", { x1: 0, x2: W, y1: y(c.threshold_n), y2: y(c.threshold_n), stroke: colour, "stroke-dasharray": "3 3" }, svg);
      el("line", { class: "pt-cursor", x1: 0, x2: 0, y1: 0, y2: H, "data-scale": sx }, svg);
      const title = el("text", { x: 4, y: 12, "font-size": 11 }, svg);
      title.textContent = `${c.side}: force (N), ${c.steps.length} steps`;
      svg.addEventListener("dblclick", (ev) => {
        const p = svg.createSVGPoint(); p.x = ev.clientX; p.y = ev.clientY;
        const q = p.matrixTransform(svg.getScreenCTM().inverse());
        showFrame(Math.max(0, Math.min(state.trial.frames - 1, Math.round(q.x / sx))));
      });
    }
  }

  function keptSteps() {
    const out = {};
    for (const c of state.trial.curves) {
      if (!c.steps.length) continue;
      out[c.side] = c.steps.filter((s) => !state.rejected[c.side].has(s.step)).map((s) => [s.first_frame, s.last_frame]);
    }
    return out;
  }

  $("pt-save-steps").addEventListener("click", () => {
    // {"file": name, "steps": {side: [[first, last], ...]}}: read by `solemap mask apply --steps`.
    const blob = new Blob([JSON.stringify({ file: state.trial.name, steps: keptSteps() }, null, 1)], { type: "application/json" });
    const a = $("pt-download-steps");
    a.href = URL.createObjectURL(blob);
    a.click();
    status("Saved steps.json: use it with  solemap mask apply FILE --mask MASK --steps steps.json");
  });

  // ------------------------------------------------------------------ sensors and mask
  function colour(v, max) {
    if (v === null || v <= 0) return "#eeeeee";
    const h = 240 * (1 - Math.min(v / max, 1));
    return `hsl(${h.toFixed(0)}, 85%, 50%)`;
  }

  async function loadSensors() {
    const side = $("pt-side").value;
    state.sensors = await api(`/api/pressure-tools/trials/${state.trial.token}/sensors?side=${encodeURIComponent(side)}`);
    state.regions = [];
    drawMask();
  }
  $("pt-side").addEventListener("change", loadSensors);

  function toDisplay(p) { const m = state.sensors.matrix; return [m[0][0] * p[0] + m[0][1] * p[1], m[1][0] * p[0] + m[1][1] * p[1]]; }
  function fromDisplay(p) {
    const m = state.sensors.matrix;
    const det = m[0][0] * m[1][1] - m[0][1] * m[1][0];
    return [(m[1][1] * p[0] - m[0][1] * p[1]) / det, (-m[1][0] * p[0] + m[0][0] * p[1]) / det];
  }

  function drawMask() {
    const svg = $("pt-mask");
    svg.replaceChildren();
    const s = state.sensors;
    const xs = [], ys = [];
    for (const sen of s.sensors) for (const [x, y] of sen.points) { xs.push(x); ys.push(y); }
    const m = 6;
    const minx = Math.min(...xs) - m, miny = Math.min(...ys) - m;
    svg.setAttribute("viewBox", `${minx} ${miny} ${Math.max(...xs) - minx + m} ${Math.max(...ys) - miny + m}`);
    const g = el("g", {}, svg);
    for (const sen of s.sensors) {
      el("polygon", { class: "pt-sensor", points: sen.points.map((p) => p.join(",")).join(" "), fill: colour(sen.value, s.max_kpa) }, g);
    }
    state.regions.forEach((r, k) => drawRegion(svg, r, COLOURS[k % COLOURS.length]));
    if (state.drawing) drawRegion(svg, state.drawing, "#000000", true);
    listRegions();
  }

  function drawRegion(svg, region, col, open) {
    const g = el("g", { "data-region": region.id }, svg);
    for (const ring of region.rings) {
      const pts = ring.map((p) => p.join(",")).join(" ");
      el(open ? "polyline" : "polygon", { class: "pt-region", points: pts, stroke: col, fill: open ? "none" : col }, g);
      ring.forEach((p, i) => {
        const c = el("circle", { class: "pt-vertex", cx: p[0], cy: p[1], r: 1.6, fill: col }, g);
        c.addEventListener("pointerdown", (ev) => {
          ev.stopPropagation();
          state.drag = { ring, i };
          svg.setPointerCapture(ev.pointerId);
        });
      });
    }
    if (!open && region.rings.length) {
      const ring = region.rings[0];
      const cx = ring.reduce((a, p) => a + p[0], 0) / ring.length, cy = ring.reduce((a, p) => a + p[1], 0) / ring.length;
      const t = el("text", { class: "pt-label", x: cx, y: cy, "text-anchor": "middle", fill: col }, g);
      t.textContent = region.id;
    }
  }

  function svgPoint(ev) {
    const svg = $("pt-mask");
    const p = svg.createSVGPoint(); p.x = ev.clientX; p.y = ev.clientY;
    const q = p.matrixTransform(svg.getScreenCTM().inverse());
    return [Math.round(q.x * 100) / 100, Math.round(q.y * 100) / 100];
  }

  $("pt-mask").addEventListener("pointermove", (ev) => {
    if (!state.drag) return;
    state.drag.ring[state.drag.i] = svgPoint(ev);
    const region = state.regions.find((r) => r.rings.includes(state.drag.ring));
    if (region) region.sensors = null; // an edited region is a polygon, no longer a sensor list
    drawMask();
  });
  $("pt-mask").addEventListener("pointerup", () => { state.drag = null; });
  // Corners are added on pointerdown (a click may be lost when the picture is redrawn under it).
  $("pt-mask").addEventListener("pointerdown", (ev) => {
    if (!state.drawing || state.drag || ev.button !== 0) return;
    state.drawing.rings[0].push(svgPoint(ev));
    $("pt-finish").disabled = state.drawing.rings[0].length < 3;
    drawMask();
  });

  $("pt-draw").addEventListener("click", () => {
    const name = $("pt-region-name").value.trim() || `region${state.regions.length + 1}`;
    if (!/^[A-Za-z0-9_-]+$/.test(name) || state.regions.some((r) => r.id === name)) {
      status(`Choose a new region name of letters, digits, _ or - (not "${name}")`);
      return;
    }
    state.drawing = { id: name, name, rings: [[]], sensors: null };
    $("pt-draw").setAttribute("aria-pressed", "true");
    drawMask();
  });
  $("pt-finish").addEventListener("click", () => {
    if (!state.drawing || state.drawing.rings[0].length < 3) return;
    state.regions.push(state.drawing);
    state.drawing = null;
    $("pt-finish").disabled = true;
    $("pt-draw").setAttribute("aria-pressed", "false");
    $("pt-region-name").value = `region${state.regions.length + 1}`;
    drawMask();
  });

  function listRegions() {
    const ul = $("pt-regions");
    ul.replaceChildren();
    state.regions.forEach((r, k) => {
      const li = document.createElement("li");
      li.textContent = `${r.id} `;
      li.style.color = COLOURS[k % COLOURS.length];
      const del = document.createElement("button");
      del.type = "button"; del.textContent = "remove"; del.className = "small";
      del.addEventListener("click", () => { state.regions.splice(k, 1); drawMask(); });
      li.appendChild(del);
      ul.appendChild(li);
    });
  }

  $("pt-load-scheme").addEventListener("click", async () => {
    const side = $("pt-side").value, scheme = $("pt-scheme").value;
    try {
      const gj = await api(`/api/pressure-tools/trials/${state.trial.token}/mask?side=${encodeURIComponent(side)}&scheme=${encodeURIComponent(scheme)}`);
      state.regions = gj.features.filter((f) => f.geometry).map((f) => ({
        id: f.properties.id, name: f.properties.name, sensors: f.properties.sensors,
        rings: (f.geometry.type === "Polygon" ? [f.geometry.coordinates] : f.geometry.coordinates)
          .map((poly) => poly[0].slice(0, -1).map((p) => toDisplay(p).map((v) => Math.round(v * 100) / 100))),
      }));
      state.scheme = scheme;
      drawMask();
      status(`Loaded ${scheme}: ${state.regions.length} regions`);
    } catch (err) { status("Could not build the scheme: " + err.message); }
  });

  function geojson() {
    const s = state.sensors;
    return {
      type: "FeatureCollection",
      solemap_mask: { version: 1, scheme: state.regions.some((r) => !r.sensors) ? "custom" : (state.scheme || "custom"),
        frame: s.frame, side: s.frame === "grid_mm" ? s.side : null, grid: s.grid, source: "drawn in the solemap pressure tools page", notes: [] },
      features: state.regions.map((r) => {
        const polys = r.rings.map((ring) => { const pts = ring.map(fromDisplay); return [[...pts, pts[0]]]; });
        return { type: "Feature", id: r.id, properties: { id: r.id, name: r.name || r.id, sensors: r.sensors || null },
          geometry: polys.length === 1 ? { type: "Polygon", coordinates: polys[0] } : { type: "MultiPolygon", coordinates: polys } };
      }),
    };
  }

  $("pt-save").addEventListener("click", () => {
    if (!state.regions.length) { status("Draw or load at least one region first"); return; }
    const blob = new Blob([JSON.stringify(geojson(), null, 1)], { type: "application/geo+json" });
    const a = $("pt-download");
    a.href = URL.createObjectURL(blob);
    a.click();
    status("Saved mask.geojson: use it with  solemap analyze FILE --mask mask.geojson");
  });

  $("pt-analyze").addEventListener("click", async () => {
    if (!state.regions.length) { status("Draw or load at least one region first"); return; }
    status("Analysing …");
    try {
      const res = await api(`/api/pressure-tools/trials/${state.trial.token}/analyze`, {
        method: "POST", headers: { "content-type": "application/json" },
        body: JSON.stringify({ mask: geojson(), steps: keptSteps(), partial: $("pt-partial").checked }),
      });
      const table = $("pt-table");
      table.replaceChildren();
      const head = table.createTHead().insertRow();
      for (const h of ["side", "step", "region", "metric", "value", "unit"]) { const th = document.createElement("th"); th.textContent = h; head.appendChild(th); }
      const body = table.createTBody();
      for (const r of res.rows) {
        const tr = body.insertRow();
        for (const v of [r.side, r.step ?? "all", r.region, r.metric, r.value ?? "–", r.unit]) tr.insertCell().textContent = v;
      }
      $("pt-results").hidden = false;
      status(`${res.rows.length} values`);
    } catch (err) { status("Analysis failed: " + err.message); }
  });
})();
