"""Pictures and the HTML/PDF report of an analysis: peak-pressure map on the foot, CoP path, table.

The same context (:func:`report_context`) feeds the standalone report
(``web/templates/recordings/report.html``, written by ``solemap analyze --report``) and the web
page (``web/templates/recordings/page.html``); both include ``recordings/_results.html``. The
templates are data files of the package, read with Jinja's package loader (no web code imported).
PDF is WeasyPrint's rendering of the same HTML.
"""

from __future__ import annotations

import html
import math
import re
from functools import cache
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np

from solemap.recordings.analysis import Analysis, SideAnalysis, footprint_raster

__all__ = ["cop_svg", "peak_map_svg", "render_report_html", "report_context", "write_report"]

# Metrics shown as columns of the report table, in this order.
REPORT_METRICS = (
    "peak_pressure",
    "mean_pressure",
    "pti_peak",
    "pti_mean",
    "fti",
    "max_force",
    "contact_area_peak",
    "contact_time",
)
_AREA_FILL = re.compile(r'(<path id="area-[^>]*?) fill-opacity="[^"]*"')
STEP_COLOURS = ("#d1495b", "#00798c", "#edae49", "#66a182", "#2e4057", "#8d96a3")


def peak_map_svg(result: SideAnalysis, layer: str) -> str:
    """The side's peak-pressure footprint drawn on its foot with the layer's outlines (SVG)."""
    from solemap.atlas import load_atlas
    from solemap.render import render_svg

    raster = footprint_raster(result)
    raster[~(raster > 0)] = np.nan  # never-loaded sensels show the sole, not the colour of 0 kPa
    finite = raster[np.isfinite(raster)]
    hi = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
    svg = render_svg(
        side=result.foot,
        layers=[layer] if layer in load_atlas().layers else [],  # a pressure mask is not an atlas layer
        value_raster=raster,
        dims=result.registration.dims,
        labels=False,
        legend=True,
        value_label="peak kPa",
        value_range=(0.0, hi),
        cmap="magma",
        title=f"Peak pressure, {result.foot} foot",
        px_per_mm=1.6,
    )
    # The layer's areas are drawn filled; over a value raster only their outlines should show.
    return _AREA_FILL.sub(r'\1 fill-opacity="0"', svg)


def cop_svg(result: SideAnalysis, px_per_mm: float = 1.6) -> str:
    """The whole-foot centre-of-pressure path on the outline of the foot (view frame, SVG).

    Each step is drawn in its own colour, frames outside steps in grey; unloaded frames break
    the line.
    """
    from solemap.outline import plantar_outline

    frame = result.registration.frame
    outline = plantar_outline(result.foot, result.registration.dims, frame="view")  # type: ignore[arg-type]
    xmin, ymin, xmax, ymax = outline.bounds
    pad = 8.0
    w, h = xmax - xmin + 2 * pad, ymax - ymin + 2 * pad

    def tx(x: float) -> float:
        return x - xmin + pad

    def ty(y: float) -> float:
        return y - ymin + pad

    parts = []
    for poly in getattr(outline, "geoms", [outline]):
        pts = " ".join(f"{tx(x):.1f},{ty(y):.1f}" for x, y in poly.exterior.coords)
        parts.append(f'<polygon points="{pts}" fill="#f6efe6" stroke="#6b5b4e" stroke-width="0.8"/>')
    vx, vy = frame.mm_to_view(result.cop_foot_mm[:, 0], result.cop_foot_mm[:, 1])
    labels = np.full(vx.shape[0], -1)
    for i, st in enumerate(result.steps):
        labels[st.frames()] = i
    ok = np.isfinite(vx) & np.isfinite(vy)
    # Split the path into runs of loaded frames with the same step label.
    start = 0
    n = vx.shape[0]
    for i in range(1, n + 1):
        if i == n or not ok[i] or labels[i] != labels[start] or not ok[start]:
            run = [j for j in range(start, i) if ok[j]]
            if len(run) >= 2:
                colour = "#7a7a7a" if labels[start] < 0 else STEP_COLOURS[labels[start] % len(STEP_COLOURS)]
                pts = " ".join(f"{tx(vx[j]):.1f},{ty(vy[j]):.1f}" for j in run)
                parts.append(
                    f'<polyline class="cop" points="{pts}" fill="none" stroke="{colour}" '
                    f'stroke-width="1.4" stroke-linejoin="round"/>'
                )
            start = i
    title = f"Centre of pressure, {result.foot} foot"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="cop-path" role="img" '
        f'viewBox="0 0 {w:.1f} {h:.1f}" width="{w * px_per_mm:.0f}" height="{h * px_per_mm:.0f}">'
        f"<title>{html.escape(title)}</title>{''.join(parts)}</svg>"
    )


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return f"{value:.4g}"


def report_context(analysis: Analysis, title: str = "") -> dict[str, Any]:
    """Everything the templates need: summary, pictures (SVG strings) and table rows."""
    table = analysis.table
    units = dict(zip(table["metric"], table["unit"], strict=False))
    columns = [(m, units.get(m, "")) for m in REPORT_METRICS]
    rows = []
    for (side, step, region), group in table.groupby(["side", "step", "region"], sort=False, dropna=False):
        vals = dict(zip(group["metric"], group["value"], strict=False))
        rows.append(
            {
                "side": side,
                "step": "all" if step is None or step is np.nan or str(step) == "<NA>" else int(step),
                "region": region,
                "values": [_fmt(vals.get(m)) for m in REPORT_METRICS],
            }
        )
    sides = [
        {
            "name": s.side,
            "foot": s.foot,
            "registration": s.registration.to_json(),
            "n_steps": len(s.steps),
            "notes": s.notes,
            "peak_svg": peak_map_svg(s, analysis.layer),
            "cop_svg": cop_svg(s),
        }
        for s in analysis.sides
    ]
    return {
        "title": title or "Pressure recording",
        "summary": analysis.recording,
        "layer": analysis.layer,
        "sides": sides,
        "columns": columns,
        "rows": rows,
    }


@cache
def _environment():
    from jinja2 import Environment, PackageLoader, select_autoescape

    return Environment(
        loader=PackageLoader("solemap", "web/templates"), autoescape=select_autoescape(["html"])
    )


def render_report_html(analysis: Analysis, title: str = "") -> str:
    """The standalone HTML report (inline SVG and CSS, no external files)."""
    return _environment().get_template("recordings/report.html").render(**report_context(analysis, title))


def write_report(analysis: Analysis, path: str | PathLike[str], title: str = "") -> Path:
    """Write the report as HTML (``.html``) or PDF (``.pdf``, via WeasyPrint)."""
    out = Path(path)
    text = render_report_html(analysis, title)
    if out.suffix.lower() == ".pdf":
        from weasyprint import HTML

        HTML(string=text).write_pdf(out)
    else:
        out.write_text(text, encoding="utf-8")
    return out
