"""The map page (``/``): both soles, layer toggles, search, scale to your foot, a detail panel.

The page is server-rendered from its URL (``side``, ``layers``, ``q``, ``area``, foot size), so a
shared link opens the same view and the page works without JavaScript; ``static/js/map.js``
then makes it interactive and keeps the URL in step. A link with a stale or mistyped parameter
still opens (the parameter is dropped and a note says so) rather than failing with an error.
"""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from starlette.responses import HTMLResponse

from solemap import sizes
from solemap.lookup import find
from solemap.web import maps
from solemap.web.errors import ParameterError
from solemap.web.templating import render_page

router = APIRouter(include_in_schema=False)

#: Searches offered as examples under the search box (each one finds areas in the atlas).
SEARCH_EXAMPLES: tuple[str, ...] = ("kidney", "lower back", "heel pain", "big toe")

#: How the scale form names the foot-size parameters in messages.
FIELD_NAMES: dict[str, str] = {
    "length_mm": "Foot length",
    "width_mm": "Width at the ball",
    "shoe_size": "Shoe size",
    "shoe_system": "Shoe-size system",
}


def _number(raw: str | None) -> float | None:
    if raw is None or raw.strip() == "":
        return None
    return float(raw)  # ValueError is handled by the caller


def _lenient_layers(raw: list[str] | None, notes: list[str]) -> tuple[str, ...]:
    if raw is None:
        return maps.DEFAULT_LAYERS
    known = maps.atlas().layers
    wanted = maps.split_list(raw)
    unknown = [w for w in wanted if w not in known]
    if unknown:
        notes.append(f"Unknown layer {unknown[0]!r} was left out.")
    return maps.parse_layers([w for w in wanted if w in known])


@router.api_route("/", methods=["GET", "HEAD"], response_class=HTMLResponse)
def map_page(
    request: Request,
    side: str | None = None,
    layers: Annotated[list[str] | None, Query()] = None,
    q: str | None = None,
    area: str | None = None,
    length_mm: str | None = None,
    width_mm: str | None = None,
    shoe_size: str | None = None,
    shoe_system: str | None = None,
) -> HTMLResponse:
    """The interactive foot map."""
    notes: list[str] = []
    state_foot = {"length_mm": "", "width_mm": "", "shoe_size": "", "shoe_system": ""}
    try:
        side_value = maps.parse_side(side)
    except ParameterError:
        side_value = "both"
        notes.append(f"Unknown side {side!r}: showing both feet.")
    layer_ids = _lenient_layers(layers, notes)

    foot_error = ""
    try:
        foot = maps.parse_foot_size(
            _number(length_mm), _number(width_mm), _number(shoe_size), shoe_system or None
        )
        state_foot = {
            "length_mm": length_mm or "",
            "width_mm": width_mm or "",
            "shoe_size": shoe_size or "",
            "shoe_system": shoe_system or "",
        }
    except (ValueError, ParameterError) as exc:
        if isinstance(exc, ParameterError):
            foot_error = f"{FIELD_NAMES.get(exc.param, exc.param)} {exc.message}."
        else:
            foot_error = "Foot length, width and shoe size must be numbers."
        foot = maps.parse_foot_size()

    selected = None
    if area:
        try:
            selected = maps.atlas().get(area)
        except KeyError:
            notes.append(f"There is no area {area!r} in the atlas.")

    query = (q or "").strip()[:100]
    results: list[dict[str, Any]] = []
    if query:
        try:
            results = [
                {**maps.area_summary(m.area), "score": round(m.score, 3)}
                for m in find(query, atlas=maps.atlas(), limit=30)
            ]
        except ValueError:
            results = []

    # The map itself comes from /api/map.svg, rendered once per parameter set and kept compressed:
    # map.js inlines it (interactive, restyled for search hits); without JavaScript an <img> shows
    # the same picture with the hits highlighted by the renderer. Inlining it here instead would
    # mean compressing a few hundred kB of SVG again for every page view.
    map_params: dict[str, str] = {"side": side_value, "layers": ",".join(layer_ids)}
    map_params.update({k: v for k, v in state_foot.items() if v})
    map_url = "/api/map.svg?" + urlencode({**map_params, "interactive": "true"})
    highlight = list(dict.fromkeys(r["id"] for r in results if not r["off_sole"]))
    if selected is not None:
        highlight.append(selected.id)
    static_params = {**map_params, "highlight": ",".join(highlight)} if highlight else map_params
    static_url = "/api/map.svg?" + urlencode(static_params)

    at = maps.atlas()
    layer_rows = []
    for lid in maps.map_layers():
        layer = at.layers[lid]
        layer_rows.append(
            {
                "id": lid,
                "name": layer.name,
                "description": layer.description,
                "checked": lid in layer_ids,
                "swatch": maps.layer_swatch(lid),
                "evidence": sorted({a.evidence for a in at.areas_in(layer=lid)}),
            }
        )
    state = {
        "side": side_value,
        "layers": list(layer_ids),
        "q": query,
        "area": area if selected is not None else "",
        **state_foot,
    }
    boot = {
        "state": state,
        "geometry": maps.map_geometry(side_value, foot),
        "foot": foot.to_json(),
        "layerNames": {lid: layer.name for lid, layer in at.layers.items()},
        "defaultLayers": list(maps.DEFAULT_LAYERS),
    }
    layer_names = [at.layers[lid].name for lid in layer_ids]
    return render_page(
        request,
        "map.html",
        {
            "state": state,
            "map_url": map_url,
            "static_map_url": static_url,
            "layers": layer_rows,
            "layer_names": layer_names,
            "results": results,
            "query": query,
            "selected": maps.area_summary(selected) if selected is not None else None,
            "foot": foot,
            "foot_error": foot_error,
            "notes": notes,
            "systems": list(sizes.SYSTEMS.values()),
            "size_note": sizes.SOURCE_NOTE,
            "examples": SEARCH_EXAMPLES,
            "evidence_names": maps.EVIDENCE_NAMES,
            "evidence_explained": maps.EVIDENCE_EXPLAINED,
            # "<" is escaped so no value can close the <script type="application/json"> block.
            "boot_json": json.dumps(boot, separators=(",", ":")).replace("<", "\\u003c"),
        },
        active="map",
    )
