"""The printable handout: one PDF per routine with each step's map, tool, time and cue.

HTML from a Jinja template (``templates/handout.html``) is laid out by WeasyPrint. Each step's map
is the sole drawn by :func:`solemap.render.render_svg` with the step's areas highlighted, embedded as
an SVG image; steps off the sole (calf, shin) get a caption instead of a map.
"""

from __future__ import annotations

import base64
from datetime import date
from pathlib import Path
from typing import Any

from solemap.routines.model import Routine
from solemap.routines.plan import TRADITION_NOTE, StepView, describe
from solemap.routines.safety import URGENCY_TEXT, load_safety
from solemap.routines.tools import load_catalog

TEMPLATE_DIR = Path(__file__).with_name("templates")

PRINT_HIGHLIGHT_CSS = (
    ".area.dimmed{fill-opacity:.12;stroke-opacity:.35}"
    ".area.highlight{fill:#e69f00;fill-opacity:.85;stroke:#7a3e00;stroke-width:1.6}"
)


def step_map_svg(sv: StepView) -> str | None:
    """The sole with this step's on-sole areas highlighted, or None if every area is off the sole."""
    from solemap.render import render_svg

    ids = sv.on_sole_ids
    if not ids:
        return None
    layers: list[str] = []
    for a in sv.areas:
        if not a.off_sole and a.layer not in layers:
            layers.append(a.layer)
    side = sv.step.side if sv.step.side in ("left", "right") else "both"
    svg = render_svg(side=side, layers=layers, highlight=ids, labels=False, legend=False)
    # On paper, in grey or colour, the step's own areas must stand out at a glance: fade the rest
    # further than the screen map does and fill the highlighted areas in one strong colour.
    end = svg.index(">", svg.index("<svg")) + 1
    return svg[:end] + f"<style>{PRINT_HIGHLIGHT_CSS}</style>" + svg[end:]


def _data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def handout_html(routine: Routine, today: date | None = None) -> str:
    """The handout as an HTML string (what WeasyPrint lays out)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    view = describe(routine)
    screen = load_safety()
    catalog = load_catalog()
    tools = []
    for sv in view.steps:
        if sv.tool is not None and sv.tool not in tools:
            tools.append(sv.tool)
    steps: list[dict[str, Any]] = []
    for sv in view.steps:
        svg = step_map_svg(sv)
        steps.append(
            {
                "view": sv,
                "map": _data_uri(svg) if svg else None,
                "off_sole": [a for a in sv.areas if a.off_sole],
            }
        )
    env = Environment(loader=FileSystemLoader(str(TEMPLATE_DIR)), autoescape=select_autoescape(["html"]))
    return env.get_template("handout.html").render(
        routine=routine,
        view=view,
        steps=steps,
        tools=tools,
        catalog=catalog,
        stop_questions=[q for q in screen.questions if q.action == "stop"],
        urgency=URGENCY_TEXT,
        rules=screen.session_rules,
        tradition_note=TRADITION_NOTE,
        pace=routine.pace,
        today=(today or date.today()).isoformat(),
        css=(TEMPLATE_DIR / "handout.css").read_text(encoding="utf-8"),
    )


def handout_pdf(routine: Routine) -> tuple[bytes, int]:
    """The handout as PDF bytes and its page count."""
    from weasyprint import HTML

    document = HTML(string=handout_html(routine), base_url=str(TEMPLATE_DIR)).render()
    return document.write_pdf(), len(document.pages)


def write_handout(routine: Routine, output: str | Path) -> int:
    """Write the handout PDF to ``output``; returns the number of pages."""
    pdf, pages = handout_pdf(routine)
    Path(output).write_bytes(pdf)
    return pages
