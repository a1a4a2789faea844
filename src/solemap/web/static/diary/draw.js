// Drawing pain on the soles. In "area" mode a tap marks the whole area under it; in "spot" mode it
// marks the exact point (u, v) of the plantar frame. Each mark becomes a row with its own 0-10
// slider and a hidden field the form posts: mark = "area|side|intensity", point = "u|v|side|intensity".
// Loaded as a file (the CSP forbids inline scripts); without it the rest of the form still works.
(function () {
  "use strict";
  const map = document.getElementById("draw-map");
  const list = document.getElementById("marks");
  const empty = document.getElementById("marks-empty");
  const template = document.getElementById("mark-row");
  const geometryNode = document.getElementById("draw-geometry");
  if (!map || !list || !template || !geometryNode) return;
  const geometry = JSON.parse(geometryNode.textContent);
  const rows = new Map(); // key -> {li, marker?, area?}
  const NS = "http://www.w3.org/2000/svg";

  function mode() {
    const checked = document.querySelector('input[name="mode"]:checked');
    return checked ? checked.value : "area";
  }

  function areaName(el) {
    const title = el.querySelector("title");
    return title ? title.textContent.split(":")[0].split(" (")[0].trim() : el.dataset.areaId;
  }

  // The same conversion as the map page: SVG user units are mm of each foot's view frame.
  function interpolate(table, key, u) {
    const n = table.u.length - 1;
    const t = Math.max(0, Math.min(1, u)) * n;
    const i = Math.min(n - 1, Math.floor(t));
    const f = t - i;
    return table[key][i] * (1 - f) + table[key][i + 1] * f;
  }

  function pointOnSole(clientX, clientY) {
    const svg = map.querySelector("svg");
    for (const side of Object.keys(geometry.extents)) {
      const group = svg && svg.querySelector("#foot-" + side);
      const sole = group && group.querySelector("path.sole");
      if (!sole) continue;
      const offset = sole.getBBox().x - geometry.extents[side][0];
      const pt = svg.createSVGPoint();
      pt.x = clientX;
      pt.y = clientY;
      const local = pt.matrixTransform(group.getScreenCTM().inverse());
      const viewX = local.x - offset;
      const u = (geometry.length_mm - local.y) / geometry.length_mm;
      if (u < 0 || u > 1) continue;
      const yMm = side === "right" ? viewX : -viewX;
      const medial = interpolate(geometry.outline, "medial_mm", u);
      const lateral = interpolate(geometry.outline, "lateral_mm", u);
      if (lateral - medial <= 0) continue;
      const v = (yMm - medial) / (lateral - medial);
      if (v < 0 || v > 1) continue;
      return { side, u, v, local, group };
    }
    return null;
  }

  function refresh() {
    empty.hidden = rows.size > 0;
  }

  function remove(key) {
    const row = rows.get(key);
    if (!row) return;
    row.li.remove();
    if (row.marker) row.marker.remove();
    if (row.area) {
      row.area.classList.remove("marked");
      row.area.setAttribute("aria-pressed", "false");
    }
    rows.delete(key);
    refresh();
  }

  function addRow(key, label, fieldName, prefix, extra) {
    const li = template.content.firstElementChild.cloneNode(true);
    const range = li.querySelector("input[type=range]");
    const output = li.querySelector("output");
    const hidden = li.querySelector("input[type=hidden]");
    hidden.name = fieldName;
    li.querySelector(".mark-name").textContent = label;
    const sync = () => {
      output.textContent = range.value;
      hidden.value = `${prefix}|${range.value}`;
      if (extra.area) extra.area.style.setProperty("--pain", range.value);
    };
    range.addEventListener("input", sync);
    li.querySelector(".mark-remove").addEventListener("click", () => remove(key));
    sync();
    list.appendChild(li);
    rows.set(key, Object.assign({ li }, extra));
    refresh();
    range.focus({ preventScroll: true });
  }

  function toggleArea(el) {
    const key = `area:${el.dataset.areaId}|${el.dataset.side}`;
    if (rows.has(key)) return remove(key);
    el.classList.add("marked");
    el.setAttribute("aria-pressed", "true");
    addRow(key, `${areaName(el)} (${el.dataset.side} foot)`, "mark", `${el.dataset.areaId}|${el.dataset.side}`,
      { area: el });
  }

  function addPoint(p) {
    const u = p.u.toFixed(3);
    const v = p.v.toFixed(3);
    const key = `point:${p.side}|${u}|${v}`;
    if (rows.has(key)) return remove(key);
    const marker = document.createElementNS(NS, "circle");
    marker.setAttribute("cx", p.local.x);
    marker.setAttribute("cy", p.local.y);
    marker.setAttribute("r", "3");
    marker.setAttribute("class", "pain-spot");
    p.group.appendChild(marker);
    const where = `${Math.round(p.u * 100)}% from heel to toes, ${Math.round(p.v * 100)}% from the big-toe side`;
    addRow(key, `Spot on the ${p.side} foot: ${where}`, "point", `${u}|${v}|${p.side}`, { marker });
  }

  map.addEventListener("click", (event) => {
    if (mode() === "point") {
      const p = pointOnSole(event.clientX, event.clientY);
      if (p) addPoint(p);
      return;
    }
    const el = event.target.closest("[data-area-id]");
    if (el && map.contains(el)) toggleArea(el);
  });
  map.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" && event.key !== " ") return;
    const el = event.target.closest("[data-area-id]");
    if (el && map.contains(el)) {
      event.preventDefault();
      toggleArea(el);
    }
  });
  refresh();
})();
