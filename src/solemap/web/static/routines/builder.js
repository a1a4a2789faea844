// The routine builder: edit steps in a form, see the YAML file, check it on the server (the same
// validation as `solemap routines check`) and download it.
const $ = (id) => document.getElementById(id);
const data = JSON.parse($("builder-data").textContent);

const steps = [];

function newStep() {
  return {
    title: "Roll the arch", area: data.default_area, side: "both", tool: "tennis-ball",
    technique: "slow-rolls", duration_s: 60, load: "seated", pain_ceiling: 4,
    instruction: "Roll slowly from the front of the heel to the ball of the foot and back.",
    breathing: "Breathe in for four, out for six.",
  };
}

// JSON strings are valid YAML double-quoted scalars, so quoting through JSON is always safe.
const q = (text) => JSON.stringify(String(text));

function slug(text) {
  return String(text).toLowerCase().normalize("NFKD").replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "") || "step";
}

function toYaml() {
  const lines = [
    `id: ${$("b-id").value || slug($("b-title").value)}`,
    `title: ${q($("b-title").value)}`,
    `summary: ${q($("b-summary").value)}`,
    `purpose: ${q($("b-purpose").value)}`,
    `evidence: ${$("b-evidence").value}`,
    "sources:",
    `  own: ${q($("b-source").value)}`,
    "steps:",
  ];
  const used = new Set();
  steps.forEach((s, i) => {
    let id = slug(s.title);
    while (used.has(id)) id = `${id}-${i + 1}`;
    used.add(id);
    lines.push(
      `  - id: ${id}`,
      `    title: ${q(s.title)}`,
      `    areas: [${s.area}]`,
      `    side: ${s.side}`,
      `    tool: ${s.tool || "null"}`,
      `    technique: ${s.technique}`,
      `    duration_s: ${Number(s.duration_s) || 0}`,
      `    load: ${s.load}`,
      `    breathing: ${q(s.breathing)}`,
      `    pain_ceiling: ${Number(s.pain_ceiling)}`,
      `    instruction: ${q(s.instruction)}`,
      `    evidence: ${$("b-evidence").value}`,
      "    sources: [own]",
    );
  });
  return lines.join("\n") + "\n";
}

function fillSelect(select, options, value) {
  select.replaceChildren();
  for (const group of options) {
    const parent = group.label ? document.createElement("optgroup") : select;
    if (group.label) { parent.label = group.label; select.append(parent); }
    for (const [val, label] of group.items) {
      const opt = document.createElement("option");
      opt.value = val;
      opt.textContent = label;
      parent.append(opt);
    }
  }
  select.value = value;
}

function render() {
  const list = $("builder-steps");
  list.replaceChildren();
  steps.forEach((s, i) => {
    const li = $("step-template").content.firstElementChild.cloneNode(true);
    li.dataset.index = String(i);
    li.querySelector(".step-no").textContent = `Step ${i + 1}`;
    for (const el of li.querySelectorAll("[data-f]")) {
      const f = el.dataset.f;
      if (f === "area") fillSelect(el, data.area_groups, s.area);
      else if (f === "tool") fillSelect(el, [{ items: [["", "no tool"], ...data.tools] }], s.tool || "");
      else if (f === "technique") fillSelect(el, [{ items: data.techniques }], s.technique);
      else el.value = s[f];
      el.addEventListener("input", () => { s[f] = el.value; update(); });
      el.addEventListener("change", () => { s[f] = el.value; update(); });
    }
    li.querySelector("[data-act=remove]").addEventListener("click", () => { steps.splice(i, 1); render(); });
    li.querySelector("[data-act=up]").addEventListener("click", () => {
      if (i > 0) { [steps[i - 1], steps[i]] = [steps[i], steps[i - 1]]; render(); }
    });
    li.querySelector("[data-act=down]").addEventListener("click", () => {
      if (i < steps.length - 1) { [steps[i + 1], steps[i]] = [steps[i], steps[i + 1]]; render(); }
    });
    list.append(li);
  });
  update();
}

function update() {
  $("b-yaml").textContent = toYaml();
  $("b-result").hidden = true;
}

async function check() {
  const result = $("b-result");
  result.hidden = false;
  result.className = "card builder-result";
  result.textContent = "Checking…";
  const response = await fetch("/api/routines/check", { method: "POST", body: toYaml(),
                                                         headers: { "content-type": "application/yaml" } });
  const body = await response.json();
  result.replaceChildren();
  if (response.ok) {
    result.classList.add("ok");
    result.textContent = `The routine is valid: ${body.title}, ${Math.round(body.total_s / 6) / 10} min in all.`;
    return;
  }
  result.classList.add("problems");
  const detail = body.detail || {};
  const title = document.createElement("strong");
  title.textContent = detail.message || "The routine does not validate";
  const ul = document.createElement("ul");
  for (const p of detail.problems || [JSON.stringify(body)]) {
    const li = document.createElement("li");
    li.textContent = p;
    ul.append(li);
  }
  result.append(title, ul);
}

function download() {
  const blob = new Blob([toYaml()], { type: "application/yaml" });
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = `${$("b-id").value || "my-routine"}.yaml`;
  document.body.append(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
}

$("b-add").addEventListener("click", () => { steps.push(newStep()); render(); });
$("b-check").addEventListener("click", check);
$("b-download").addEventListener("click", download);
for (const el of document.querySelectorAll("#builder-meta input, #builder-meta select")) {
  el.addEventListener("input", update);
}
$("b-title").addEventListener("input", () => { $("b-id").value = slug($("b-title").value); update(); });
steps.push(newStep());
render();
