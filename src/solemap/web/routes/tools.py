"""The tools comparison: estimated contact and pressure under each tool at the heel, as ranges.

* ``GET /tools/compare?body_mass=70&fraction=0.25&fraction=0.5`` → the page;
* ``GET /api/tools/compare`` (same query) → the rows as JSON (:mod:`solemap.contact`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from starlette.responses import HTMLResponse

from solemap.web.templating import render_page

router = APIRouter(tags=["tools"])

BodyMass = Annotated[float, Query(ge=20, le=250, description="Body mass in kg.")]
Fractions = Annotated[
    list[float] | None, Query(description="Shares of body weight through the tool (0–1], repeatable.")
]


def _compare(body_mass: float, fraction: list[float] | None) -> dict[str, Any]:
    from solemap.contact import compare_tools, contact_data, ppt_statement

    shares = tuple(fraction) if fraction else (0.25, 0.5)
    for f in shares:
        if not 0 < f <= 1:
            raise HTTPException(status_code=422, detail=f"fraction must lie in (0, 1], got {f}")
    rows = compare_tools(body_mass, None, shares)
    names = {t: t.replace("-", " ") for t in contact_data()["tools"]}
    from solemap.routines import load_catalog

    names.update({t.id: t.name for t in load_catalog().tools})
    return {
        "body_mass_kg": body_mass,
        "fractions": list(shares),
        "model": "non-linear thin heel pad (exponential stiffening), calibrated on the loaded "
        "heel-pad thickness",
        "evidence": "expert-opinion",
        "pressure_pain_threshold": ppt_statement(),
        "rows": [{**r.to_json(), "sentence": r.sentence(names[r.tool]), "name": names[r.tool]} for r in rows],
    }


@router.get("/api/tools/compare")
def tools_compare_api(body_mass: BodyMass = 70.0, fraction: Fractions = None) -> dict[str, Any]:
    """Contact radius, mean and peak pressure under each tool at the heel, per load (ranges)."""
    return _compare(body_mass, fraction)


@router.api_route(
    "/tools/compare", methods=["GET", "HEAD"], response_class=HTMLResponse, include_in_schema=False
)
def tools_compare_page(
    request: Request, body_mass: BodyMass = 70.0, fraction: Fractions = None
) -> HTMLResponse:
    """The comparison as a table with one plain sentence per tool."""
    return render_page(request, "tools/compare.html", _compare(body_mass, fraction), active="routines")
