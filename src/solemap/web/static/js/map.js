// solemap map page: layer toggles, search, detail panel, point lookup and scale-to-my-foot.
// Plain JavaScript, no build step. The server renders the first view from the URL; this file keeps
// the URL in step with what is shown so that any view can be shared as a link.
"use strict";

(function () {
  const boot = JSON.parse(document.getElementById("map-boot").textContent);
  const form = document.getElementById("map-form");
  const figure = document.getElementById("map");
  const tooltip = document.getElementById("map-tooltip");
  const resultsBox = document.getElementById("results");
  const panelBody = document.getElementById("panel-body");
  const panelIntro = document.getElementById("panel-intro");
  const footSizeText = document.getElementById("foot-size");
  const footError = document.getElementById("foot-error");
  const layerCaption = document.getElementById("map-layers");
  const mapCaption = document.getElementById("map-caption");
  const searchInput = document.getElementById("q");

  const FOOT_KEYS = ["length_mm", "width_mm", "shoe_size", "shoe_system"];
  const FIELD_NAMES = {
    length_mm: "Foot length",
    width_mm: "Width at the ball",
    shoe_size: "Shoe size",
    shoe_system: "Shoe-size system",
  };
  const SIDE_TEXT = { both: "on both feet", left: "left foot only", right: "right foot only" };
  const state = Object.assign({}, boot.state);
  let geometry = boot.geometry;
  let matches = [];
  let mapRequest = 0;
  let panelRequest = 0;
  let pointRequest = 0;
  let lastPoint = null;

  // A polite live region for short announcements (search counts, opened areas).
  const announcer = document.createElement("p");
  announcer.className = "visually-hidden";
  announcer.setAttribute("aria-live", "polite");
  document.body.appendChild(announcer);
  function announce(text) {
    announcer.textContent = "";
    window.setTimeout(() => { announcer.textContent = text; }, 30);
  }

  // ---- small DOM helpers ----------------------------------------------------------------------

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.startsWith("data-") || key.startsWith("aria-") || key === "role" || key === "href" ||
               key === "type" || key === "id" || key === "tabindex" || key === "rel" || key === "title") {
        node.setAttribute(key, value === true ? "" : String(value));
      } else node[key] = value;
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  function evidenceBadge(key, name) {
    return el("span", { class: "evidence evidence-" + key, text: name });
  }

  function fmtMm(value) {
    return Math.round(value) + " mm";
  }

  // ---- URL state -------------------------------------------------------------------------------

  function footParams(params) {
    for (const key of FOOT_KEYS) {
      if (state[key] !== "" && state[key] !== null && state[key] !== undefined) params.set(key, state[key]);
    }
    return params;
  }

  function sameList(a, b) {
    return a.length === b.length && a.every((x, i) => x === b[i]);
  }

  function pageParams() {
    const params = new URLSearchParams();
    if (state.side !== "both") params.set("side", state.side);
    if (!sameList(state.layers, boot.defaultLayers)) params.set("layers", state.layers.join(","));
    if (state.q) params.set("q", state.q);
    if (state.area) params.set("area", state.area);
    return footParams(params);
  }

  function syncUrl() {
    const query = pageParams().toString();
    const url = window.location.pathname + (query ? "?" + query : "");
    window.history.replaceState(null, "", url);
    document.title = (state.q ? state.q + " · " : "") + "Foot map · solemap";
  }

  async function getJson(url) {
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      const error = new Error(body.message || body.detail || "request failed (" + response.status + ")");
      error.status = response.status;
      error.details = Array.isArray(body.detail) ? body.detail : [];
      throw error;
    }
    return body;
  }

  // ---- the map picture -------------------------------------------------------------------------

  function svgRoot() {
    return figure.querySelector("svg");
  }

  function layerName(id) {
    return boot.layerNames[id] || id;
  }

  function updateCaption() {
    mapCaption.firstChild.textContent =
      (state.side === "both" ? "Both soles" : (state.side === "left" ? "Left sole" : "Right sole")) +
      ", seen from below · ";
    layerCaption.textContent = state.layers.length ? state.layers.map(layerName).join(", ") : "outline only";
  }

  function mapUrl() {
    const params = new URLSearchParams({ side: state.side, layers: state.layers.join(",") });
    footParams(params);
    params.set("interactive", "true");
    return "/api/map.svg?" + params.toString();
  }

  // Fetch the map picture (and, unless it is the first load, the foot's geometry) and inline it.
  async function reloadMap(options) {
    const initial = options && options.initial;
    const request = ++mapRequest;
    figure.setAttribute("aria-busy", "true");
    try {
      const [response, foot] = await Promise.all([
        // The first load uses the URL the page preloads, so the request is already under way.
        fetch(initial ? figure.dataset.src : mapUrl()),
        initial ? null : getJson("/api/foot?" + footParams(new URLSearchParams({ side: state.side })).toString()),
      ]);
      if (!response.ok) throw new Error("map request failed (" + response.status + ")");
      const text = await response.text();
      if (request !== mapRequest) return; // a newer request superseded this one
      const doc = new DOMParser().parseFromString(text, "image/svg+xml");
      const fresh = document.importNode(doc.documentElement, true);
      const old = svgRoot();
      if (old) old.replaceWith(fresh); else figure.prepend(fresh);
      if (foot) {
        geometry = foot.geometry;
        footSizeText.textContent = foot.description;
      }
      decorateSvg();
      applyHighlights();
      if (lastPoint && lastPoint.side in geometry.extents) drawPointMarker(lastPoint);
      updateCaption();
    } catch (error) {
      footError.textContent = "The map could not be updated: " + error.message;
    } finally {
      if (request === mapRequest) figure.removeAttribute("aria-busy");
    }
  }

  function decorateSvg() {
    const svg = svgRoot();
    if (!svg) return;
    svg.setAttribute("focusable", "false");
    // role="img" would hide the focusable areas from screen readers (an image has no parts).
    svg.setAttribute("role", "group");
    svg.querySelectorAll(".area").forEach((node) => {
      // The renderer marks areas focusable; keep this as a fallback for older SVGs.
      if (!node.hasAttribute("tabindex")) node.setAttribute("tabindex", "0");
      if (!node.hasAttribute("role")) node.setAttribute("role", "button");
      if (!node.hasAttribute("aria-label")) {
        const title = node.querySelector("title");
        node.setAttribute("aria-label", title ? title.textContent : node.dataset.areaId);
      }
      if (node.classList.contains("guide-line")) node.classList.add("is-line");
    });
  }

  function areaNodes(id) {
    const svg = svgRoot();
    if (!svg || !id) return [];
    // An id with a foot suffix (refl-kidney-left) names one element; a plain id every foot's copy.
    const one = svg.querySelector("#" + CSS.escape("area-" + id));
    if (one) return [one];
    return Array.from(svg.querySelectorAll('.area[data-area-id="' + CSS.escape(id) + '"]'));
  }

  function baseId(id) {
    return id.replace(/-(left|right)$/, "");
  }

  function applyHighlights() {
    const svg = svgRoot();
    if (!svg) return;
    const matched = new Set(matches.filter((m) => !m.off_sole).map((m) => m.id));
    const selected = state.area ? new Set(areaNodes(state.area)) : new Set();
    const anyMatch = Array.from(matched).some((id) => areaNodes(id).length > 0);
    svg.querySelectorAll(".area").forEach((node) => {
      const isMatch = matched.has(node.dataset.areaId);
      node.classList.toggle("is-match", isMatch);
      node.classList.toggle("is-selected", selected.has(node));
      node.classList.toggle("is-dimmed", anyMatch && !isMatch && !selected.has(node));
      // The renderer's own emphasis (server-side highlight) is replaced by these classes.
      node.classList.remove("highlight", "dimmed");
    });
  }

  // ---- tooltip --------------------------------------------------------------------------------

  function areaLabel(node) {
    const title = node.querySelector("title");
    return title ? title.textContent : node.getAttribute("aria-label") || "";
  }

  function showTooltip(node, clientX, clientY) {
    const box = figure.getBoundingClientRect();
    let x = clientX;
    let y = clientY;
    if (x === undefined) {
      const r = node.getBoundingClientRect();
      x = r.left + r.width / 2;
      y = r.top;
    }
    tooltip.textContent = areaLabel(node);
    tooltip.hidden = false;
    const half = Math.min(tooltip.offsetWidth / 2, box.width / 2);
    tooltip.style.left = Math.max(half, Math.min(box.width - half, x - box.left)) + "px";
    tooltip.style.top = Math.max(tooltip.offsetHeight + 10, y - box.top) + "px";
  }

  function hideTooltip() {
    tooltip.hidden = true;
  }

  figure.addEventListener("pointermove", (event) => {
    const node = event.target.closest(".area");
    figure.querySelectorAll(".area.is-hover").forEach((n) => { if (n !== node) n.classList.remove("is-hover"); });
    if (node) {
      node.classList.add("is-hover");
      showTooltip(node, event.clientX, event.clientY);
    } else hideTooltip();
  });
  figure.addEventListener("pointerleave", () => {
    hideTooltip();
    figure.querySelectorAll(".area.is-hover").forEach((n) => n.classList.remove("is-hover"));
  });
  figure.addEventListener("focusin", (event) => {
    const node = event.target.closest(".area");
    if (node) showTooltip(node);
  });
  figure.addEventListener("focusout", hideTooltip);

  // ---- point lookup -------------------------------------------------------------------------------

  function interpolate(table, key, u) {
    const n = table.u.length - 1;
    const t = Math.max(0, Math.min(1, u)) * n;
    const i = Math.min(n - 1, Math.floor(t));
    const f = t - i;
    return table[key][i] * (1 - f) + table[key][i + 1] * f;
  }

  // Where the renderer put each foot: the drawn sole spans the outline envelope, so its bounding
  // box gives the horizontal offset of that foot's view frame inside its group.
  function footOffset(group, side) {
    const sole = group.querySelector("path.sole");
    if (!sole || !geometry.extents[side]) return null;
    return sole.getBBox().x - geometry.extents[side][0];
  }

  // Client pixel -> (side, u, v): SVG user units are mm of the view frame, shifted per foot.
  function pointOnSole(clientX, clientY) {
    const svg = svgRoot();
    if (!svg) return null;
    for (const side of Object.keys(geometry.extents)) {
      const group = svg.querySelector("#foot-" + side);
      if (!group) continue;
      const offset = footOffset(group, side);
      if (offset === null) continue;
      const pt = svg.createSVGPoint();
      pt.x = clientX;
      pt.y = clientY;
      const local = pt.matrixTransform(group.getScreenCTM().inverse());
      const viewX = local.x - offset;
      const xMm = geometry.length_mm - local.y;
      const yMm = side === "right" ? viewX : -viewX;
      const u = xMm / geometry.length_mm;
      if (u < 0 || u > 1) continue;
      const medial = interpolate(geometry.outline, "medial_mm", u);
      const lateral = interpolate(geometry.outline, "lateral_mm", u);
      if (lateral - medial <= 0) continue;
      const v = (yMm - medial) / (lateral - medial);
      if (v < 0 || v > 1) continue;
      return { side, u, v };
    }
    return null;
  }

  // (side, u, v) -> coordinates inside the foot's group of the current picture (inverse of above),
  // so the marker stays on the same spot of the foot when the map is redrawn at another size.
  function localFromUv(group, point) {
    const offset = footOffset(group, point.side);
    if (offset === null) return null;
    const xMm = point.u * geometry.length_mm;
    const medial = interpolate(geometry.outline, "medial_mm", point.u);
    const lateral = interpolate(geometry.outline, "lateral_mm", point.u);
    const yMm = medial + point.v * (lateral - medial);
    const viewX = point.side === "right" ? yMm : -yMm;
    return { x: viewX + offset, y: geometry.length_mm - xMm };
  }

  function drawPointMarker(point) {
    const svg = svgRoot();
    svg.querySelectorAll(".point-marker").forEach((n) => n.remove());
    const group = svg.querySelector("#foot-" + point.side);
    if (!group) return;
    const local = localFromUv(group, point);
    if (!local) return;
    const ns = "http://www.w3.org/2000/svg";
    const marker = document.createElementNS(ns, "g");
    marker.setAttribute("class", "point-marker");
    marker.setAttribute("aria-hidden", "true");
    const outer = document.createElementNS(ns, "circle");
    outer.setAttribute("cx", local.x);
    outer.setAttribute("cy", local.y);
    outer.setAttribute("r", "3.2");
    outer.setAttribute("fill", "none");
    outer.setAttribute("stroke", "#ffffff");
    outer.setAttribute("stroke-width", "1.6");
    const inner = outer.cloneNode();
    inner.setAttribute("stroke", "#111111");
    inner.setAttribute("stroke-width", "0.8");
    const dot = document.createElementNS(ns, "circle");
    dot.setAttribute("cx", local.x);
    dot.setAttribute("cy", local.y);
    dot.setAttribute("r", "0.9");
    dot.setAttribute("fill", "#111111");
    marker.append(outer, inner, dot);
    group.appendChild(marker);
  }

  function describePosition(side, pos) {
    const across = Math.abs(pos.y_mm) < 1
      ? "on the foot's axis"
      : fmtMm(Math.abs(pos.y_mm)) + (pos.y_mm > 0 ? " towards the little-toe side" : " towards the big-toe side") +
        " of the axis";
    return (side === "left" ? "Left" : "Right") + " foot: " + fmtMm(pos.x_mm) +
      " from the back of the heel, " + across + ".";
  }

  async function lookupPoint(point) {
    const request = ++pointRequest;
    lastPoint = point;
    drawPointMarker(point);
    const params = footParams(new URLSearchParams({
      u: point.u.toFixed(4), v: point.v.toFixed(4), side: point.side,
    }));
    try {
      const result = await getJson("/api/where?" + params.toString());
      if (request !== pointRequest) return;
      renderPointCard(result);
    } catch (error) {
      renderPointCard(null, error.message);
    }
  }

  function areaLink(area) {
    const button = el("button", { type: "button", class: "link", "data-area": area.id, text: area.name });
    return el("li", {}, button, " ", el("span", { class: "muted small", text: "(" + area.evidence_name.toLowerCase() + ")" }));
  }

  function renderPointCard(result, errorText) {
    const old = document.getElementById("point-card");
    if (old) old.remove();
    const card = el("div", { class: "card point-card", id: "point-card" });
    card.appendChild(el("h2", { text: "Under this spot" }));
    if (!result) {
      card.appendChild(el("p", { class: "form-error", text: errorText }));
    } else {
      card.appendChild(el("p", { class: "point-pos", text: describePosition(result.side, result.position_mm) }));
      if (result.layers.length) card.appendChild(el("p", { class: "muted small point-help", text: "Choose a name for its details." }));
      if (!result.layers.length) {
        card.appendChild(el("p", { class: "muted", text: "No mapped area lies here (between the toes, or at the very edge)." }));
      }
      const list = el("div", { class: "point-layers" });
      for (const hit of result.layers) {
        list.appendChild(el("h4", { text: hit.layer_name }));
        list.appendChild(el("ul", { class: "related" }, hit.areas.map(areaLink)));
      }
      card.appendChild(list);
    }
    panelIntro.hidden = true;
    // What lies under the spot comes first: it answers "what is where it hurts" in every layer.
    panelBody.prepend(card);
  }

  // ---- detail panel ---------------------------------------------------------------------------

  function sideText(area) {
    if (area.off_sole) return "off the sole";
    return SIDE_TEXT[area.side] || area.side;
  }

  function renderDetail(detail) {
    const old = document.getElementById("area-detail");
    if (old) old.remove();
    const heading = el("h2", { id: "area-title", tabindex: "-1", text: detail.name });
    const card = el("div", { class: "card area-detail", id: "area-detail", "aria-labelledby": "area-title" },
      el("div", { class: "close-row" },
        el("button", { type: "button", class: "secondary", id: "panel-close", "aria-label": "Close details", text: "Close" })),
      el("p", { class: "panel-kicker", text: detail.layer_name + " · " + sideText(detail) }),
      heading,
      el("div", { class: "panel-meta" }, evidenceBadge(detail.evidence, detail.evidence_name)),
      el("p", {
        class: "evidence-note" + (detail.evidence === "traditional-claim" ? " traditional" : ""),
        text: detail.evidence_explained,
      }),
      el("p", { class: "area-description", text: detail.description }));

    if (detail.body_parts && detail.body_parts.length) {
      card.appendChild(el("section", {}, el("h3", { text: "Body parts" }),
        el("ul", { class: "chips" }, detail.body_parts.map((p) => el("li", { text: p })))));
    }
    if (detail.symptoms && detail.symptoms.length) {
      card.appendChild(el("section", {}, el("h3", { text: "Symptoms linked here" }),
        el("ul", { class: "chips" }, detail.symptoms.map((p) => el("li", { text: p })))));
    }
    if (detail.extent_mm) {
      const e = detail.extent_mm;
      card.appendChild(el("section", {}, el("h3", { text: "On your foot" }),
        el("p", { class: "point-pos", text: "From " + fmtMm(e.from_heel_mm) + " to " + fmtMm(e.to_heel_mm) +
          " from the back of the heel (" + fmtMm(e.length_mm) + " long), up to " + fmtMm(e.width_mm) + " across." })));
    }
    if (detail.off_sole) {
      card.appendChild(el("section", {}, el("h3", { text: "Where" }),
        el("p", { text: "Not on the sole: " + (detail.location || "elsewhere on the leg") + "." })));
    }
    if (detail.related_areas && detail.related_areas.length) {
      card.appendChild(el("section", { class: "related" }, el("h3", { text: "Related areas" }),
        el("ul", {}, detail.related_areas.map((a) => {
          const item = areaLink(a);
          item.appendChild(el("span", { class: "muted small", text: " · " + a.layer_name }));
          return item;
        }))));
    }
    if (detail.chain_stations && detail.chain_stations.length) {
      card.appendChild(el("section", { class: "related" }, el("h3", { text: "Myofascial line, from the sole up" }),
        el("ol", {}, detail.chain_stations.map((a) => a.here
          ? el("li", {}, el("strong", { text: a.name + " (this one)" }))
          : el("li", {}, el("button", { type: "button", class: "link", "data-area": a.id, text: a.name }))))));
    }
    if (detail.sources && detail.sources.length) {
      card.appendChild(el("section", { class: "sources" }, el("h3", { text: "Sources" }),
        el("ul", {}, detail.sources.map((s) => el("li", {},
          /^https?:\/\//.test(s.url || "") ? el("a", { href: s.url, rel: "noopener noreferrer", text: s.citation }) : s.citation,
          s.note ? el("span", { class: "muted", text: " — " + s.note }) : null)))));
    }
    panelIntro.hidden = true;
    const point = document.getElementById("point-card");
    if (point) point.after(card);
    else panelBody.prepend(card);
    return heading;
  }

  async function selectArea(id, options) {
    const opts = options || {};
    const request = ++panelRequest;
    let detail;
    try {
      detail = await getJson("/api/areas/" + encodeURIComponent(id) + "?" + footParams(new URLSearchParams()).toString());
    } catch (error) {
      if (error.status === 404) {
        state.area = "";
        syncUrl();
      }
      return;
    }
    if (request !== panelRequest) return;
    state.area = id;
    if (!opts.keepPoint) {
      const oldPoint = document.getElementById("point-card");
      if (oldPoint) oldPoint.remove();
      lastPoint = null;
      const svg = svgRoot();
      if (svg) svg.querySelectorAll(".point-marker").forEach((n) => n.remove());
    }
    // Show the area's layer if it is hidden, so the selection is visible on the map.
    if (!detail.off_sole && !state.layers.includes(detail.layer) && opts.showLayer !== false) {
      setLayerChecked(detail.layer, true);
      state.layers = checkedLayers();
      await reloadMap();
    }
    const heading = renderDetail(detail);
    applyHighlights();
    syncUrl();
    announce(detail.name + ", " + detail.layer_name + ", " + detail.evidence_name + ". Details shown.");
    if (opts.focusPanel) heading.focus();
  }

  function closeDetail() {
    const old = document.getElementById("area-detail");
    if (old) old.remove();
    state.area = "";
    if (!panelBody.children.length) panelIntro.hidden = false;
    applyHighlights();
    syncUrl();
  }

  const phone = window.matchMedia("(max-width: 760px)");

  figure.addEventListener("click", async (event) => {
    const node = event.target.closest(".area");
    const point = pointOnSole(event.clientX, event.clientY);
    const pending = [];
    if (node) pending.push(selectArea(node.id.replace(/^area-/, ""), { keepPoint: true, showLayer: false }));
    // A spot outside every shown area: the old details no longer belong to where the user looks.
    if (!node && point && document.getElementById("area-detail")) closeDetail();
    if (point) pending.push(lookupPoint(point));
    else if (!node) {
      const old = document.getElementById("point-card");
      if (old) old.remove();
    }
    // On a phone the details sit under the map: bring them into view after a tap.
    if (pending.length && phone.matches) {
      await Promise.all(pending);
      document.getElementById("panel").scrollIntoView({ behavior: "smooth", block: "start" });
    }
  });

  let openedFrom = null; // the map area whose details were opened from the keyboard

  figure.addEventListener("keydown", (event) => {
    const node = event.target.closest(".area");
    if (!node || (event.key !== "Enter" && event.key !== " ")) return;
    event.preventDefault();
    openedFrom = node;
    selectArea(node.id.replace(/^area-/, ""), { showLayer: false });
  });

  // Escape closes the details and puts the focus back on the area they were opened from.
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || !document.getElementById("area-detail")) return;
    const inMapOrPanel = event.target.closest && (event.target.closest("#panel") || event.target.closest("#map"));
    if (!inMapOrPanel) return;
    closeDetail();
    if (openedFrom && openedFrom.isConnected) openedFrom.focus();
  });

  document.getElementById("panel").addEventListener("click", (event) => {
    const link = event.target.closest("[data-area]");
    if (link) {
      // From the list of what lies under a spot, keep that list (and the marker) in view.
      selectArea(link.dataset.area, { focusPanel: true, keepPoint: Boolean(link.closest("#point-card")) });
      return;
    }
    if (event.target.closest("#panel-close")) closeDetail();
  });

  // ---- layers and side -----------------------------------------------------------------------------

  function layerInputs() {
    return Array.from(form.querySelectorAll('input[name="layers"]'));
  }

  function checkedLayers() {
    return layerInputs().filter((i) => i.checked).map((i) => i.value);
  }

  function setLayerChecked(id, checked) {
    const input = layerInputs().find((i) => i.value === id);
    if (input) input.checked = checked;
  }

  form.addEventListener("change", (event) => {
    const target = event.target;
    if (target.name === "layers") {
      state.layers = checkedLayers();
      syncUrl();
      reloadMap();
      if (state.q) renderResults(state.q, matches);
    } else if (target.name === "side") {
      state.side = target.value;
      lastPoint = null;
      const old = document.getElementById("point-card");
      if (old) old.remove();
      syncUrl();
      reloadMap();
    }
  });

  // ---- search --------------------------------------------------------------------------------------

  function renderResults(query, list) {
    resultsBox.replaceChildren();
    if (!query) return;
    const onSole = list.filter((m) => !m.off_sole);
    const sides = state.side === "both" ? "both feet" : "the " + state.side + " foot";
    resultsBox.appendChild(el("p", {
      class: "results-summary",
      text: list.length
        ? list.length + (list.length === 1 ? " area" : " areas") + " for “" + query + "”" +
          (onSole.length ? ", highlighted on " + sides : "")
        : "Nothing found for “" + query + "”. Try another word: an organ, a bone, or where it hurts.",
    }));
    if (!list.length) return;
    resultsBox.appendChild(el("ol", {}, list.map((m) => el("li", {},
      el("button", {
        type: "button", "data-area": m.id, "aria-pressed": String(m.id === baseId(state.area || "")),
      }, el("span", { text: m.name + (m.off_sole ? " (" + (m.location || "off the sole") + ")" : "") }),
      el("span", {
        class: "result-layer",
        text: m.layer_name + (!m.off_sole && !state.layers.includes(m.layer) ? " · layer hidden, click to show" : ""),
      }))))));
  }

  async function runSearch(query, options) {
    const opts = options || {};
    state.q = query.trim();
    if (!state.q) {
      matches = [];
      renderResults("", []);
      applyHighlights();
      syncUrl();
      return;
    }
    try {
      const result = await getJson("/api/find?" + new URLSearchParams({ q: state.q, limit: "30" }).toString());
      matches = result.matches;
    } catch (error) {
      matches = [];
      resultsBox.replaceChildren(el("p", { class: "form-error", text: error.message }));
      return;
    }
    // If none of the hits is on a visible layer, show the layer of the best one on the sole.
    const onSole = matches.filter((m) => !m.off_sole);
    if (!opts.fromUrl && onSole.length && !onSole.some((m) => state.layers.includes(m.layer))) {
      setLayerChecked(onSole[0].layer, true);
      state.layers = checkedLayers();
      await reloadMap();
    }
    renderResults(state.q, matches);
    applyHighlights();
    syncUrl();
    announce(resultsBox.querySelector(".results-summary").textContent);
  }

  resultsBox.addEventListener("click", (event) => {
    const button = event.target.closest("[data-area]");
    if (!button) return;
    resultsBox.querySelectorAll("[aria-pressed]").forEach((b) => b.setAttribute("aria-pressed", String(b === button)));
    selectArea(button.dataset.area, { focusPanel: true });
  });

  form.querySelectorAll("button.example").forEach((button) => {
    button.addEventListener("click", () => {
      searchInput.value = button.dataset.query;
      runSearch(button.dataset.query);
    });
  });

  searchInput.addEventListener("search", () => {
    if (!searchInput.value) runSearch("");
  });

  // ---- scale to my foot --------------------------------------------------------------------------------

  function readFootInputs() {
    const value = (id) => document.getElementById(id).value.trim();
    const length = value("length_mm");
    const size = value("shoe_size");
    return {
      length_mm: length,
      width_mm: value("width_mm"),
      // A typed length wins over a shoe size: it is the better measure.
      shoe_size: length ? "" : size,
      shoe_system: length || !size ? "" : (value("shoe_system") || "eu"),
    };
  }

  async function applyFoot(values) {
    const params = new URLSearchParams({ side: state.side });
    for (const key of FOOT_KEYS) if (values[key]) params.set(key, values[key]);
    try {
      await getJson("/api/foot?" + params.toString());
    } catch (error) {
      // Name the field as the form does, not as the API does.
      const first = error.details[0];
      footError.textContent = first && FIELD_NAMES[first.loc[1]]
        ? FIELD_NAMES[first.loc[1]] + " " + first.msg.replace(/^Input should be/, "should be") + "."
        : error.message;
      return;
    }
    footError.textContent = "";
    Object.assign(state, values);
    syncUrl();
    await reloadMap();
    if (state.area) selectArea(state.area, { keepPoint: true, showLayer: false });
    if (lastPoint) lookupPoint(lastPoint); // the same spot, in millimetres of the new size
    announce(footSizeText.textContent);
  }

  document.getElementById("scale-reset").addEventListener("click", () => {
    for (const id of FOOT_KEYS) document.getElementById(id).value = "";
    applyFoot({ length_mm: "", width_mm: "", shoe_size: "", shoe_system: "" });
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    // Enter in a field submits with the form's first button (Search) as submitter, so the field
    // that has the focus decides too.
    const submitter = event.submitter;
    const active = document.activeElement;
    const inScale = (submitter && submitter.id === "scale-apply") ||
      Boolean(active && active.closest && active.closest("details.scale"));
    if (inScale) applyFoot(readFootInputs());
    else runSearch(searchInput.value);
  });

  // ---- share -----------------------------------------------------------------------------------------

  const shareButton = document.getElementById("share-link");
  const shareStatus = document.getElementById("share-status");
  shareButton.hidden = false; // only useful with JavaScript, so shown by it
  shareButton.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(window.location.href);
      shareStatus.textContent = "Link copied: it opens this same view.";
    } catch (error) {
      // No clipboard (e.g. an insecure origin): show the address so it can be copied by hand.
      shareStatus.textContent = window.location.href;
    }
  });

  // ---- start ---------------------------------------------------------------------------------------

  (async function start() {
    await reloadMap({ initial: true });
    if (state.q) await runSearch(state.q, { fromUrl: true });
    if (state.area) selectArea(state.area, { showLayer: false });
  })();
})();
