"""The JSON API under ``/api/``: layers, areas, point lookup, search, map SVG and foot sizes.

All coordinates are in the normalized plantar frame ``uv`` (see ``docs/architecture.md``):
``u`` 0 at the back of the heel → 1 at the tip of the longest toe, ``v`` 0 at the medial
(big-toe) border → 1 at the lateral border. Lengths are millimetres. Invalid parameters answer
422 with a ``message`` naming the parameter; unknown ids answer 404.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from solemap import sizes
from solemap.lookup import find, where
from solemap.web import maps
from solemap.web.errors import ParameterError

router = APIRouter(prefix="/api", tags=["foot map"])

FootSideParam = Annotated[
    Literal["left", "right"], Query(description="Which foot: left or right.")
]
MapSideParam = Annotated[
    Literal["left", "right", "both"], Query(description="Draw the left foot, the right foot or both.")
]
LengthParam = Annotated[
    float | None, Query(description="Your foot length in mm (heel to the tip of the longest toe).")
]
WidthParam = Annotated[
    float | None, Query(description="Your foot width at the ball in mm (optional; estimated from length).")
]
ShoeSizeParam = Annotated[
    float | None, Query(description="A shoe size, instead of length_mm (approximate conversion).")
]
ShoeSystemParam = Annotated[
    str | None,
    Query(description="Shoe-size system: " + ", ".join(sizes.SYSTEMS) + " (default eu)."),
]


class AreaSummary(BaseModel):
    """An area in a list."""

    id: str
    name: str
    layer: str
    layer_name: str
    side: str = Field(description="left, right or both")
    evidence: str = Field(description="evidence label, e.g. anatomy or traditional-claim")
    evidence_name: str
    off_sole: bool
    location: str


class LayerInfo(BaseModel):
    id: str
    name: str
    description: str
    kind: str
    placement: str
    area_count: int
    on_map: bool = Field(description="whether the layer has areas drawn on the sole")


class LayerHits(BaseModel):
    layer: str
    layer_name: str
    areas: list[AreaSummary]


class WhereResult(BaseModel):
    u: float
    v: float
    side: str
    position_mm: dict[str, float] = Field(
        description="x_mm along the foot axis from the back of the heel; y_mm across, lateral positive"
    )
    layers: list[LayerHits]


class FindMatch(AreaSummary):
    score: float = Field(description="how well the query matched, 0 to 1")
    matched: str = Field(description="the name, body part, synonym or symptom that matched")


class FindResult(BaseModel):
    query: str
    count: int
    matches: list[FindMatch]


def _summary(area: Any) -> dict[str, Any]:
    return maps.area_summary(area)


@router.get("/layers", response_model=list[LayerInfo], summary="The atlas layers")
def list_layers() -> list[dict[str, Any]]:
    """Every layer of the atlas with its description, kind and number of areas."""
    at = maps.atlas()
    drawable = set(maps.map_layers())
    out = []
    for layer in sorted(at.layers.values(), key=lambda la: la.order):
        out.append(
            {
                **layer.to_json(),
                "area_count": len(at.areas_in(layer=layer.id)),
                "on_map": layer.id in drawable,
            }
        )
    return out


@router.get("/areas", summary="Areas, filtered by layer and side")
def list_areas(
    layer: Annotated[str | None, Query(description="Only this layer (an id from /api/layers).")] = None,
    side: Annotated[
        Literal["left", "right", "both"] | None,
        Query(description="left or right keeps that foot's areas plus those on both feet."),
    ] = None,
) -> list[dict[str, Any]]:
    """Full atlas entries (name, body parts, description, evidence, sources, centroid in uv)."""
    layers = maps.parse_layers(layer, param="layer") if layer is not None else None
    return [a.to_json() for a in maps.atlas().areas_in(layer=layers, side=side)]


@router.get("/areas/{area_id}", summary="One area with its links")
def get_area(
    area_id: str,
    side: Annotated[
        Literal["left", "right"] | None, Query(description="The foot, for the extent in mm.")
    ] = None,
    length_mm: LengthParam = None,
    width_mm: WidthParam = None,
    shoe_size: ShoeSizeParam = None,
    shoe_system: ShoeSystemParam = None,
) -> dict[str, Any]:
    """An atlas entry plus its related areas, its myofascial line and its size in mm on your foot.

    ``area_id`` may carry the foot as a suffix (``refl-kidney-left``), as the map's SVG ids do.
    """
    try:
        area = maps.atlas().get(area_id)
    except KeyError:
        raise HTTPException(404, f"unknown area {area_id!r}") from None
    if side is None and area_id != area.id:
        side = "left" if area_id.endswith("-left") else "right"
    foot = maps.parse_foot_size(length_mm, width_mm, shoe_size, shoe_system)
    return maps.area_detail(area, side, foot)


@router.get("/where", response_model=WhereResult, summary="Everything under a point")
async def where_point(
    u: Annotated[
        float, Query(ge=0.0, le=1.0, description="0 = back of the heel, 1 = tip of the longest toe")
    ],
    v: Annotated[
        float, Query(ge=0.0, le=1.0, description="0 = medial (big-toe) border, 1 = lateral border")
    ],
    side: FootSideParam,
    length_mm: LengthParam = None,
    width_mm: WidthParam = None,
    shoe_size: ShoeSizeParam = None,
    shoe_system: ShoeSystemParam = None,
) -> dict[str, Any]:
    """The areas of every layer that contain the point, most specific first within a layer."""
    foot = maps.parse_foot_size(length_mm, width_mm, shoe_size, shoe_system)
    hits = where(u, v, side)
    layers = maps.atlas().layers
    return {
        "u": u,
        "v": v,
        "side": side,
        "position_mm": maps.position_mm(u, v, side, foot),
        "layers": [
            {
                "layer": lid,
                "layer_name": layers[lid].name,
                "areas": [_summary(a) for a in areas],
            }
            for lid, areas in hits.items()
        ],
    }


@router.get("/find", response_model=FindResult, summary="Search by body part, structure or symptom")
def find_areas(
    q: Annotated[
        str,
        Query(min_length=1, max_length=100, description='e.g. "kidney", "lower back", "heel pain"'),
    ],
    side: Annotated[Literal["left", "right"] | None, Query(description="Only this foot.")] = None,
    layers: Annotated[
        str | None, Query(description="Comma-separated layer ids to search (default: all).")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200, description="At most this many matches.")] = 50,
) -> dict[str, Any]:
    """Areas whose name, body parts, synonyms or symptoms match the query, best first."""
    layer_ids = maps.parse_layers(layers) if layers is not None else None
    try:
        matches = find(q, side=side, layers=layer_ids, atlas=maps.atlas(), limit=limit)
    except ValueError as exc:
        raise ParameterError("q", str(exc)) from None
    return {
        "query": q,
        "count": len(matches),
        "matches": [{**_summary(m.area), "score": round(m.score, 3), "matched": m.matched} for m in matches],
    }


@router.get(
    "/map.svg",
    summary="The map as an SVG picture",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}, "description": "An SVG document."}},
)
async def map_svg(
    request: Request,
    side: MapSideParam = "both",
    layers: Annotated[
        str | None,
        Query(description="Comma-separated layer ids (default: reflexology; empty for the outline only)."),
    ] = None,
    highlight: Annotated[
        str | None, Query(description="Comma-separated area ids to highlight.")
    ] = None,
    length_mm: LengthParam = None,
    width_mm: WidthParam = None,
    shoe_size: ShoeSizeParam = None,
    shoe_system: ShoeSystemParam = None,
    labels: Annotated[bool, Query(description="Write area names on the map.")] = True,
    legend: Annotated[bool, Query(description="Draw a legend of the layers.")] = True,
    interactive: Annotated[
        bool, Query(description="Make areas keyboard-focusable (tabindex, role, aria-label) for a page.")
    ] = False,
) -> Response:
    """Each area is an element with ``id="area-<id>-<side>"``, ``data-area-id``, ``data-side`` and a title."""
    layer_ids = maps.parse_layers(layers)
    ids = maps.parse_area_ids(highlight)
    foot = maps.parse_foot_size(length_mm, width_mm, shoe_size, shoe_system)
    renderer = request.app.state.map_renderer
    key = renderer.key(side, layer_ids, ids, foot, labels=labels, legend=legend, interactive=interactive)
    # Cache hits are answered on the event loop; a render (a few hundred ms) goes to a worker thread.
    rendered = renderer.cached(key) or await run_in_threadpool(renderer.render_key, key)
    headers = {"Cache-Control": "public, max-age=300", "ETag": rendered.etag, "Vary": "Accept-Encoding"}
    if request.headers.get("if-none-match") == rendered.etag:
        return Response(status_code=304, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", ""):
        # Pre-compressed once per cached map; the gzip middleware leaves encoded responses alone.
        return Response(
            rendered.gzipped, media_type="image/svg+xml", headers={**headers, "Content-Encoding": "gzip"}
        )
    return Response(rendered.svg, media_type="image/svg+xml", headers=headers)


@router.get("/foot", summary="Your foot's dimensions and outline")
def foot_dimensions(
    length_mm: LengthParam = None,
    width_mm: WidthParam = None,
    shoe_size: ShoeSizeParam = None,
    shoe_system: ShoeSystemParam = None,
    side: MapSideParam = "both",
) -> dict[str, Any]:
    """Dimensions used for the map (from a length, a shoe size or the adult average), the nearest
    shoe sizes, and what a page needs to turn a click on ``/api/map.svg`` into uv: the outline
    envelope (medial and lateral border in mm at 101 steps of ``u``) and each foot's horizontal
    offset in the picture."""
    foot = maps.parse_foot_size(length_mm, width_mm, shoe_size, shoe_system)
    return {**foot.to_json(), "geometry": maps.map_geometry(side, foot)}


@router.get("/shoe-sizes", summary="Shoe-size systems and their conversion")
def shoe_sizes() -> dict[str, Any]:
    """The sizing systems the map understands, their formulas and sources. Every conversion is
    approximate: brands differ by a size or more, so a measured foot length is better."""
    return {
        "systems": [s.to_json() for s in sizes.SYSTEMS.values()],
        "note": "Approximate: shoe sizes name the last, not the foot, and brands differ by a size or more.",
        "sources": sizes.SOURCE_NOTE,
    }
