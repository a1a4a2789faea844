"""The about & evidence page, generated from the atlas: layers, evidence labels, every source."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse

from solemap import sizes
from solemap.web import maps
from solemap.web.templating import render_page

router = APIRouter(include_in_schema=False)


def about_context() -> dict[str, Any]:
    """Everything the page lists, counted from the atlas so that it never drifts from the data."""
    at = maps.atlas()
    evidence_counts = Counter(a.evidence for a in at.areas.values())
    layers = []
    for layer in sorted(at.layers.values(), key=lambda la: la.order):
        areas = at.areas_in(layer=layer.id)
        layers.append(
            {
                "id": layer.id,
                "name": layer.name,
                "description": layer.description,
                "placement": layer.placement,
                "count": len(areas),
                "evidence": sorted(Counter(a.evidence for a in areas).items(), key=lambda kv: -kv[1]),
            }
        )
    # Which layers cite each source, so a reader sees what rests on it.
    cited_by: dict[str, set[str]] = defaultdict(set)
    for area in at.areas.values():
        for src in area.sources:
            cited_by[src.key].add(at.layers[area.layer].name if area.layer in at.layers else area.layer)
    sources = [
        {"source": src, "layers": sorted(cited_by.get(src.key, ()))}
        for src in sorted(at.sources.values(), key=lambda s: s.citation.lower())
    ]
    return {
        "layers": layers,
        "evidence": [
            {
                "key": key,
                "name": maps.EVIDENCE_NAMES[key],
                "explained": maps.EVIDENCE_EXPLAINED[key],
                "count": evidence_counts.get(key, 0),
            }
            for key in maps.EVIDENCE_NAMES
        ],
        "sources": sources,
        "area_count": len(at),
        "evidence_names": maps.EVIDENCE_NAMES,
        "size_systems": list(sizes.SYSTEMS.values()),
        "size_note": sizes.SOURCE_NOTE,
    }


@router.api_route("/about", methods=["GET", "HEAD"], response_class=HTMLResponse)
def about(request: Request) -> HTMLResponse:
    """What the map shows, how each thing is known, and where it comes from."""
    return render_page(request, "about.html", about_context(), active="about")
