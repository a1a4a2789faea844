"""SVG and PNG pictures of the foot map, and of values (pain, pressure, time) drawn on it.

The picture shows the soles from below (the ``view`` frame of :mod:`solemap.frame`): toes up, the
left foot on the left with its big toe towards the middle, as reflexology charts and pressure
software draw them. One SVG user unit is one millimetre of the real foot.

Every area is one ``<path>`` with ``id="area-<area id>-<side>"``, ``class="area layer-<layer>"``,
``data-area-id``, ``data-side``, ``data-layer`` and a ``<title>``, so a page can style, search and
click it and a screen reader can name it. Colours come from Paul Tol's colour-blind-safe
qualitative schemes; meaning is never carried by colour alone (labels, numbers, hatching for
referred pain, dashes for guide lines, a legend).
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import LineString, MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import polylabel

from solemap.atlas import Area, Atlas, load_atlas
from solemap.frame import SIDES, FootDimensions, FootFrame, Side
from solemap.outline import ToeShape, sole_uv, uv_geometry_to_frame

SideChoice = Literal["left", "right", "both"]

# Paul Tol's "muted" and "light" qualitative schemes (https://personal.sron.nl/~pault/), both
# designed to stay distinct for colour-blind readers.
TOL_MUTED = (
    "#CC6677",
    "#332288",
    "#DDCC77",
    "#117733",
    "#88CCEE",
    "#882255",
    "#44AA99",
    "#999933",
    "#AA4499",
)
TOL_LIGHT = (
    "#77AADD",
    "#EE8866",
    "#EEDD88",
    "#FFAABB",
    "#99DDFF",
    "#44BB99",
    "#BBCC33",
    "#AAAA00",
    "#DDDDDD",
)
AREA_PALETTE = TOL_LIGHT[:8] + TOL_MUTED

EVIDENCE_NAMES = {
    "guideline": "clinical guideline",
    "systematic-review": "systematic review",
    "trial": "study",
    "anatomy": "anatomy",
    "expert-opinion": "expert opinion",
    "traditional-claim": "traditional claim",
}


@dataclass(frozen=True)
class LayerStyle:
    """How one layer is drawn: fill opacity, stroke, and whether areas get a hatch pattern."""

    fill_opacity: float = 0.55
    stroke: str = "#ffffff"
    stroke_width: float = 0.5
    hatch: bool = False
    palette: Sequence[str] = AREA_PALETTE


LAYER_STYLES: dict[str, LayerStyle] = {
    "reflexology-coarse": LayerStyle(fill_opacity=0.6, palette=("#EE8866", "#77AADD", "#44BB99", "#EEDD88")),
    "reflexology": LayerStyle(fill_opacity=0.62),
    "reflexology-zones": LayerStyle(fill_opacity=0.35, stroke="#555555", stroke_width=0.35),
    "anatomy": LayerStyle(fill_opacity=0.4, stroke="#444444", stroke_width=0.35, palette=TOL_MUTED),
    "trigger-points": LayerStyle(fill_opacity=0.9, stroke="#222222", stroke_width=0.4, palette=TOL_MUTED),
    # Referred pain is hatched in the colour of the trigger point that sends it (matched by id).
    "referred-pain": LayerStyle(fill_opacity=0.9, stroke_width=0.45, hatch=True, palette=TOL_MUTED),
    "pressure-regions": LayerStyle(fill_opacity=0.55, palette=TOL_LIGHT),
    "chains": LayerStyle(fill_opacity=0.3, stroke="#117733", stroke_width=0.5, palette=("#117733",)),
}
DEFAULT_STYLE = LayerStyle()

TRADITIONAL_NOTE = (
    "Reflexology is a traditional practice: the chart shows where its teaching places things, "
    "not where medicine has found an effect."
)
FONT = "DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif"
GAP_MM = 36.0
MARGIN_MM = 10.0
MIN_FONT_MM = 2.6
MAX_FONT_MM = 5.0


def _fmt(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _path_d(geom: BaseGeometry, dx: float) -> str:
    """SVG path data of a polygonal or linear geometry, shifted by ``dx`` in x."""
    parts: list[str] = []
    # A twentieth of a millimetre is far below what any screen or printer shows.
    geom = geom.simplify(0.05, preserve_topology=True)

    def ring(coords: Any, closed: bool) -> None:
        pts = np.round(np.asarray(coords)[:, :2], 2)
        # Densified edges repeat points once rounded to 0.01 mm; drop the repeats.
        keep = np.ones(len(pts), dtype=bool)
        keep[1:] = np.any(pts[1:] != pts[:-1], axis=1)
        pts = pts[keep]
        if len(pts) < 2:
            return
        seq = " L".join(f"{_fmt(x + dx)} {_fmt(y)}" for x, y in pts[:, :2])
        parts.append(f"M{seq}{' Z' if closed else ''}")

    for g in getattr(geom, "geoms", [geom]):
        if isinstance(g, Polygon):
            ring(g.exterior.coords, True)
            for interior in g.interiors:
                ring(interior.coords, True)
        elif isinstance(g, LineString):
            ring(g.coords, False)
    return " ".join(parts)


def _largest(geom: BaseGeometry) -> Polygon:
    if isinstance(geom, MultiPolygon):
        return max(geom.geoms, key=lambda g: g.area)
    return geom  # type: ignore[return-value]


@dataclass
class _Label:
    text: list[str]
    x: float
    y: float
    size: float
    number: int | None = None


def _fit_label(name: str, region: BaseGeometry) -> _Label | None:
    """Place ``name`` inside ``region`` (view mm) at its pole of inaccessibility, sized to fit."""
    poly = _largest(region)
    if poly.is_empty or poly.area < 4.0:
        return None
    point = polylabel(poly, tolerance=0.3)
    depth = poly.exterior.distance(point)
    for interior in poly.interiors:
        depth = min(depth, interior.distance(point))
    # Horizontal room through the label point.
    minx, _, maxx, _ = poly.bounds
    chord = poly.intersection(LineString([(minx - 1, point.y), (maxx + 1, point.y)]))
    width = 0.0
    for seg in getattr(chord, "geoms", [chord]):
        if not seg.is_empty and seg.distance(point) < 1e-6:
            width = seg.length
    words = name.split()
    candidates = [[name]]
    if len(words) > 1:
        best_split = min(
            range(1, len(words)), key=lambda i: abs(len(" ".join(words[:i])) - len(" ".join(words[i:])))
        )
        candidates.append([" ".join(words[:best_split]), " ".join(words[best_split:])])
    best: _Label | None = None
    for lines in candidates:
        longest = max(len(s) for s in lines)
        by_width = 0.92 * width / (0.58 * longest)
        by_height = 1.7 * depth / (1.15 * len(lines))
        size = min(MAX_FONT_MM, by_width, by_height)
        if size >= MIN_FONT_MM and (best is None or size > best.size):
            best = _Label(lines, point.x, point.y, size)
    return best


def _legend_swatch_rows(
    items: list[tuple[str, str, str]], x: float, y: float, width: float
) -> tuple[str, float]:
    """Rows of (colour, pattern id or "", text) swatches; returns the SVG and the height used."""
    out: list[str] = []
    # Wide enough for the longest entry at 3.3 mm type (about 0.56 em per character).
    col_w = max(62.0, 6.0 + 0.56 * 3.3 * max((len(t) for _, _, t in items), default=0) + 4.0)
    cols = max(1, int(width // col_w))
    row_h = 6.2
    for i, (colour, pattern, text) in enumerate(items):
        cx = x + (i % cols) * col_w
        cy = y + (i // cols) * row_h
        fill = f"url(#{pattern})" if pattern else colour
        out.append(
            f'<rect x="{_fmt(cx)}" y="{_fmt(cy)}" width="4.5" height="4.5" rx="0.8" fill="{fill}" '
            f'stroke="#555" stroke-width="0.25"/>'
            f'<text x="{_fmt(cx + 6)}" y="{_fmt(cy + 3.7)}" font-size="3.3">{html.escape(text)}</text>'
        )
    rows = (len(items) + cols - 1) // cols
    return "".join(out), rows * row_h


def _colormap(name: str) -> Any:
    import matplotlib

    return matplotlib.colormaps[name]


def _hex(rgba: Sequence[float]) -> str:
    return "#" + "".join(f"{round(255 * c):02x}" for c in rgba[:3])


def _raster_image(
    raster: NDArray[np.floating[Any]],
    frame: FootFrame,
    bounds: tuple[float, float, float, float],
    norm: tuple[float, float],
    cmap: str,
    sole: BaseGeometry,
    px_per_mm: float = 2.0,
) -> str:
    """A PNG (data URI) of a uv value raster resampled into the view frame, clipped to the sole."""
    from PIL import Image

    xmin, ymin, xmax, ymax = bounds
    w = max(2, math.ceil((xmax - xmin) * px_per_mm))
    h = max(2, math.ceil((ymax - ymin) * px_per_mm))
    px = xmin + (np.arange(w) + 0.5) / px_per_mm
    py = ymin + (np.arange(h) + 0.5) / px_per_mm
    gx, gy = np.meshgrid(px, py)
    u, v = frame.view_to_uv(gx, gy)
    nu, nv = raster.shape
    iu = np.clip(np.floor(u * nu).astype(int), 0, nu - 1)
    iv = np.clip(np.floor(v * nv).astype(int), 0, nv - 1)
    vals = raster[iu, iv].astype(float)
    on_sole = shapely.contains_xy(sole, u, v) & np.isfinite(vals)
    lo, hi = norm
    scaled = np.clip((vals - lo) / (hi - lo if hi > lo else 1.0), 0.0, 1.0)
    rgba = _colormap(cmap)(np.nan_to_num(scaled))
    rgba[..., 3] = np.where(on_sole, 0.92, 0.0)
    img = Image.fromarray((rgba * 255).astype(np.uint8), "RGBA")
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _areas_for(
    atlas: Atlas, layers: Sequence[str], side: Side, groups: frozenset[str] | None = None
) -> list[Area]:
    out: list[Area] = []
    for layer in layers:
        out.extend(
            a
            for a in atlas.areas_in(layer=layer, side=side)
            if a.geometry is not None and (groups is None or a.group is None or a.group in groups)
        )
    return out


def render_svg(
    side: SideChoice = "both",
    layers: Iterable[str] = ("reflexology",),
    highlight: Iterable[str] = (),
    values: Mapping[str, float] | None = None,
    value_raster: NDArray[np.floating[Any]] | Mapping[str, NDArray[np.floating[Any]]] | None = None,
    dims: FootDimensions | None = None,
    labels: bool = True,
    legend: bool = True,
    title: str | None = None,
    value_label: str = "",
    value_range: tuple[float, float] | None = None,
    cmap: str = "viridis",
    interactive: bool = False,
    groups: Iterable[str] | None = None,
    toe_shape: ToeShape = "egyptian",
    px_per_mm: float = 2.6,
    atlas: Atlas | None = None,
) -> str:
    """Draw the soles with chosen layers as an SVG document.

    Parameters
    ----------
    side : "left", "right" or "both".
    layers : atlas layer ids, drawn bottom to top.
    highlight : area ids to emphasise (others are dimmed).
    values : {area_id: value} drawn as a colour scale on those areas (e.g. mean pain, peak kPa).
    value_raster : (nu, nv) array over uv, ``raster[i, j]`` covering u in [i/nu, (i+1)/nu) and v in
        [j/nv, (j+1)/nv); NaN is transparent. A mapping {side: raster} gives each foot its own.
    dims : real foot dimensions (mm); the mean adult foot by default.
    labels : write area names (or numbers listed in the legend when a name does not fit).
    legend : draw the legend (layers, evidence, numbered areas, colour scale).
    interactive : make areas keyboard-focusable with ``tabindex``, ``role`` and ``aria-label``.
    groups : draw only areas of these groups (e.g. ``["muscles"]`` of the anatomy layer); areas
        without a group are always drawn.
    px_per_mm : size of the SVG in CSS pixels per millimetre of foot.
    """
    atlas = atlas or load_atlas()
    layers = list(layers)
    for layer in layers:
        if layer not in atlas.layers:
            raise ValueError(f"unknown layer {layer!r}; layers: {', '.join(atlas.layers)}")
    if side not in (*SIDES, "both"):
        raise ValueError(f"side must be 'left', 'right' or 'both', got {side!r}")
    highlight = set(highlight)
    unknown = sorted(h for h in highlight if h not in atlas.areas)
    if unknown:
        raise ValueError(f"unknown area id(s) to highlight: {', '.join(unknown)}")
    if values:
        unknown = sorted(k for k in values if k not in atlas.areas)
        if unknown:
            raise ValueError(f"values given for unknown area id(s): {', '.join(unknown)}")
    group_filter = frozenset(groups) if groups is not None else None
    sides: list[Side] = ["left", "right"] if side == "both" else [side]  # type: ignore[list-item]
    dims = dims or FootDimensions()
    sole = sole_uv(toe_shape)

    # Horizontal placement: each foot's view frame is centred on its axis; put them side by side.
    frames = {s: FootFrame(s, dims) for s in sides}
    extents = {s: frames[s].view_extent() for s in sides}
    offsets: dict[str, float] = {}
    x_cursor = MARGIN_MM
    for s in sides:
        xmin, _, xmax, _ = extents[s]
        offsets[s] = x_cursor - xmin
        x_cursor += (xmax - xmin) + GAP_MM
    content_w = x_cursor - GAP_MM + MARGIN_MM
    # A one-foot picture may be narrower than its title or legend: widen it, keeping the foot centred.
    needed = max(150.0, 0.6 * 6.5 * len(title or "") + 2 * MARGIN_MM)
    if content_w < needed:
        for s_ in sides:
            offsets[s_] += (needed - content_w) / 2
        content_w = needed
    top = MARGIN_MM + (9.0 if title else 0.0) + 6.0
    foot_h = dims.length_mm

    value_norm: tuple[float, float] | None = None
    rasters: dict[str, NDArray[np.floating[Any]]] = {}
    if value_raster is not None:
        if isinstance(value_raster, Mapping):
            rasters = {s: np.asarray(value_raster[s], dtype=float) for s in sides if s in value_raster}
        else:
            rasters = {s: np.asarray(value_raster, dtype=float) for s in sides}
        for r in rasters.values():
            if r.ndim != 2:
                raise ValueError(f"value_raster must be 2-D (nu, nv), got shape {r.shape}")
    finite = [np.asarray(list(values.values()), dtype=float)] if values else []
    finite += [r[np.isfinite(r)] for r in rasters.values()]
    if finite and any(f.size for f in finite):
        allv = np.concatenate([f[np.isfinite(f)] for f in finite])
        if allv.size:
            value_norm = value_range or (float(min(0.0, allv.min())), float(allv.max()))
    cm = _colormap(cmap) if value_norm else None

    body: list[str] = []
    numbered: list[tuple[int, str, str]] = []
    label_svgs: list[str] = []
    colour_of: dict[str, str] = {}
    hatches: set[str] = set()
    placed: list[tuple[float, float, float, float]] = []  # label boxes, to avoid overlaps

    for s in sides:
        frame, dx = frames[s], offsets[s]
        sole_view = uv_geometry_to_frame(sole, frame, "view")
        foot: list[str] = [
            f'<g class="foot" id="foot-{s}" data-side="{s}" transform="translate(0 {_fmt(top)})">',
            f'<path class="sole" d="{_path_d(sole_view, dx)}" fill="#f6efe6" stroke="#6b5b4e" '
            f'stroke-width="0.8" stroke-linejoin="round"/>',
        ]
        if s in rasters and value_norm:
            xmin, ymin, xmax, ymax = extents[s]
            uri = _raster_image(rasters[s], frame, (xmin, ymin, xmax, ymax), value_norm, cmap, sole)
            foot.append(
                f'<image class="value-raster" x="{_fmt(xmin + dx)}" y="{_fmt(ymin)}" '
                f'width="{_fmt(xmax - xmin)}" height="{_fmt(ymax - ymin)}" href="{uri}" '
                f'preserveAspectRatio="none"/>'
            )
        for layer in layers:
            style = LAYER_STYLES.get(layer, DEFAULT_STYLE)
            areas = _areas_for(atlas, [layer], s, group_filter)
            polys = [a for a in areas if not (a.is_line)]
            lines = [a for a in areas if a.is_line]
            # Big areas first so that small ones stay visible on top.
            polys.sort(key=lambda a: -a.geometry.area)
            foot.append(f'<g class="layer layer-{layer}" data-layer="{layer}">')
            view_geoms: dict[str, BaseGeometry] = {}
            for area in polys:
                colour_of.setdefault(area.id, _linked_colour(atlas, area) or _own_colour(atlas, area))
            for area in polys:
                g = uv_geometry_to_frame(area.geometry, frame, "view")
                view_geoms[area.id] = g
                colour = colour_of[area.id]
                opacity = style.fill_opacity
                if values is not None and cm is not None and value_norm is not None:
                    if area.id in values and math.isfinite(values[area.id]):
                        lo, hi = value_norm
                        colour = _hex(cm((values[area.id] - lo) / (hi - lo if hi > lo else 1.0)))
                        opacity = 0.9
                    else:
                        colour, opacity = "#e8e8e8", 0.5
                if style.hatch and values is None:
                    hatches.add(colour)
                    fill = f"url(#hatch-{colour.lstrip('#')})"
                else:
                    fill = colour
                classes = f"area layer-{layer}"
                if highlight:
                    classes += " highlight" if area.id in highlight else " dimmed"
                    if area.id not in highlight:
                        opacity *= 0.35
                stroke, sw = (colour if style.hatch else style.stroke), style.stroke_width
                if area.id in highlight:
                    stroke, sw, opacity = "#000000", 1.2, max(opacity, 0.85)
                evidence = EVIDENCE_NAMES.get(area.evidence, area.evidence)
                tip = f"{area.name} ({atlas.layers[layer].name}; {evidence})"
                if values is not None and area.id in values:
                    tip += f": {values[area.id]:.3g} {value_label}".rstrip()
                attrs = (
                    f'id="area-{area.id}-{s}" class="{classes}" data-area-id="{area.id}" data-side="{s}" '
                    f'data-layer="{layer}" data-evidence="{area.evidence}"'
                )
                if interactive:
                    attrs += f' tabindex="0" role="button" aria-label="{html.escape(tip)}"'
                foot.append(
                    f'<path {attrs} d="{_path_d(g, dx)}" fill="{fill}" fill-opacity="{_fmt(opacity)}" '
                    f'stroke="{stroke}" stroke-width="{_fmt(sw)}" fill-rule="evenodd">'
                    f"<title>{html.escape(tip)}</title></path>"
                )
            for area in lines:
                g = uv_geometry_to_frame(area.geometry, frame, "view")
                cls = f"area guide-line layer-{layer}"
                if highlight:
                    cls += " highlight" if area.id in highlight else " dimmed"
                attrs = (
                    f'id="area-{area.id}-{s}" class="{cls}" data-area-id="{area.id}" data-side="{s}" '
                    f'data-layer="{layer}" data-evidence="{area.evidence}"'
                )
                if interactive:
                    attrs += f' tabindex="0" role="button" aria-label="{html.escape(area.name)}"'
                foot.append(
                    f'<path {attrs} d="{_path_d(g, dx)}" fill="none" stroke="#333333" stroke-width="0.7" '
                    f'stroke-dasharray="3 1.6"><title>{html.escape(area.name)}</title></path>'
                )
                if labels:
                    end = np.asarray(g.coords)[-1 if s == "right" else 0]
                    anchor = "start" if s == "right" else "end"
                    shift = 2.0 if s == "right" else -2.0
                    label_svgs.append(
                        f'<text x="{_fmt(end[0] + dx + shift)}" y="{_fmt(end[1] + 1.1)}" '
                        f'font-size="3.0" fill="#333" text-anchor="{anchor}">{html.escape(area.name)}</text>'
                    )
            foot.append("</g>")
            if labels and polys:
                by_size = sorted(polys, key=lambda a: a.geometry.area)
                covered: BaseGeometry | None = None  # union of the smaller areas seen so far
                for area in by_size:
                    # Label a big area where no smaller area of the same layer covers it.
                    region = view_geoms[area.id]
                    if covered is not None and region.intersects(covered):
                        cut = region.difference(covered)
                        if not cut.is_empty and cut.area > 0.25 * region.area:
                            region = cut
                    covered = view_geoms[area.id] if covered is None else covered.union(view_geoms[area.id])
                    lab = _fit_label(area.name, region)
                    if lab is not None:
                        box = _label_box(lab, dx)
                        if any(_overlaps(box, other) for other in placed):
                            lab = None
                        else:
                            placed.append(box)
                    if lab is None:
                        existing = next((n for n, aid, _ in numbered if aid == area.id), None)
                        number = existing or len(numbered) + 1
                        if existing is None:
                            numbered.append((number, area.id, area.name))
                        p = polylabel(_largest(view_geoms[area.id]), tolerance=0.3)
                        lab = _Label([str(number)], p.x, p.y, 2.6, number)
                    label_svgs.append(_label_svg(lab, dx, top, area.id, s))
        foot.append("</g>")
        body.extend(foot)
        # Foot name under each foot.
        xmin, _, xmax, _ = extents[s]
        body.append(
            f'<text x="{_fmt((xmin + xmax) / 2 + dx)}" y="{_fmt(top + foot_h + 8)}" text-anchor="middle" '
            f'font-size="5" font-weight="bold" fill="#4a3f35">{s.capitalize()} foot</text>'
        )

    # Legend.
    legend_svg: list[str] = []
    y = top + foot_h + 16
    if legend:
        items: list[tuple[str, str, str]] = []
        for layer in layers:
            lay = atlas.layers[layer]
            evid = sorted({a.evidence for a in atlas.areas_in(layer=layer)})
            ev_text = ", ".join(EVIDENCE_NAMES.get(e, e) for e in evid)
            style = LAYER_STYLES.get(layer, DEFAULT_STYLE)
            pattern = f"hatch-{style.palette[0].lstrip('#')}" if style.hatch else ""
            items.append((style.palette[0], pattern, f"{lay.name} — {ev_text}"))
        col_w = content_w - 2 * MARGIN_MM
        legend_svg.append(f'<g class="legend" transform="translate({_fmt(MARGIN_MM)} {_fmt(y)})">')
        rows_svg, used = _legend_swatch_rows(items, 0, 0, col_w)
        legend_svg.append(rows_svg)
        yy = used + 2
        if any(a.evidence == "traditional-claim" for layer in layers for a in atlas.areas_in(layer=layer)):
            legend_svg.append(
                f'<text x="0" y="{_fmt(yy + 2.5)}" font-size="3.1" font-style="italic" fill="#5a4a3c">'
                f"{html.escape(TRADITIONAL_NOTE)}</text>"
            )
            yy += 6
        if value_norm and cm is not None:
            lo, hi = value_norm
            stops = "".join(
                f'<stop offset="{k / 10:.1f}" stop-color="{_hex(cm(k / 10))}"/>' for k in range(11)
            )
            legend_svg.append(
                f'<defs><linearGradient id="value-scale">{stops}</linearGradient></defs>'
                f'<rect x="0" y="{_fmt(yy)}" width="80" height="4.5" fill="url(#value-scale)" stroke="#555" '
                f'stroke-width="0.25"/><text x="0" y="{_fmt(yy + 9)}" font-size="3.2">{lo:.3g}</text>'
                f'<text x="80" y="{_fmt(yy + 9)}" font-size="3.2" text-anchor="end">{hi:.3g}</text>'
                f'<text x="84" y="{_fmt(yy + 3.8)}" font-size="3.3">{html.escape(value_label)}</text>'
            )
            yy += 12
        if numbered:
            entry_w = max(40.0, 0.56 * 3.1 * max(len(f"{n}  {name}") for n, _, name in numbered) + 4)
            per_col = math.ceil(len(numbered) / max(1, int(col_w // entry_w)))
            for i, (n, _, name) in enumerate(numbered):
                cx = (i // per_col) * entry_w
                cy = yy + (i % per_col) * 4.6 + 3.5
                legend_svg.append(
                    f'<text x="{_fmt(cx)}" y="{_fmt(cy)}" font-size="3.1">{n}  {html.escape(name)}</text>'
                )
            yy += per_col * 4.6 + 3
        legend_svg.append("</g>")
        y += yy
    total_h = y + MARGIN_MM

    defs = ["<defs>"]
    for layer in layers:
        style = LAYER_STYLES.get(layer, DEFAULT_STYLE)
        if style.hatch:
            hatches.add(style.palette[0])
    defs.extend(_hatch_pattern(c) for c in sorted(hatches))
    defs.append("</defs>")
    heading = (
        f'<text x="{_fmt(content_w / 2)}" y="{_fmt(MARGIN_MM + 5)}" text-anchor="middle" font-size="6.5" '
        f'font-weight="bold" fill="#2b2520">{html.escape(title)}</text>'
        if title
        else ""
    )
    subtitle = (
        f'<text x="{_fmt(content_w / 2)}" y="{_fmt(top - 3)}" text-anchor="middle" font-size="3.2" '
        f'fill="#6b5b4e">Soles seen from below · toes up · '
        f"{_fmt(dims.length_mm)} mm foot</text>"
    )
    doc_title = title or "Foot map: " + ", ".join(atlas.layers[layer].name for layer in layers)
    # Focusable areas inside role="img" would be hidden from screen readers.
    role = "group" if interactive else "img"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_fmt(content_w)} {_fmt(total_h)}" '
        f'width="{_fmt(content_w * px_per_mm)}" height="{_fmt(total_h * px_per_mm)}" '
        f'font-family="{FONT}" role="{role}" aria-label="{html.escape(doc_title)}">'
        f"<title>{html.escape(doc_title)}</title>"
        + "".join(defs)
        + f'<rect width="{_fmt(content_w)}" height="{_fmt(total_h)}" fill="#ffffff"/>'
        + heading
        + subtitle
        + "".join(body)
        + f'<g class="labels" pointer-events="none" transform="translate(0 {_fmt(top)})">'
        + "".join(label_svgs)
        + "</g>"
        + "".join(legend_svg)
        + "</svg>"
    )


def _label_box(lab: _Label, dx: float) -> tuple[float, float, float, float]:
    width = 0.58 * lab.size * max(len(t) for t in lab.text)
    height = 1.1 * lab.size * len(lab.text)
    return (lab.x + dx - width / 2, lab.y - height / 2, lab.x + dx + width / 2, lab.y + height / 2)


def _overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _hatch_pattern(colour: str) -> str:
    return (
        f'<pattern id="hatch-{colour.lstrip("#")}" patternUnits="userSpaceOnUse" width="2.6" height="2.6" '
        f'patternTransform="rotate(45)"><rect width="2.6" height="2.6" fill="{colour}" fill-opacity="0.18"/>'
        f'<line x1="0" y1="0" x2="0" y2="2.6" stroke="{colour}" stroke-width="1.0"/></pattern>'
    )


def _own_colour(atlas: Atlas, area: Area) -> str:
    """A colour fixed by the area's rank (by id) in its layer, the same on every picture."""
    palette = LAYER_STYLES.get(area.layer, DEFAULT_STYLE).palette
    ids = sorted(a.id for a in atlas.areas_in(layer=area.layer))
    return palette[ids.index(area.id) % len(palette)]


def _linked_colour(atlas: Atlas, area: Area) -> str | None:
    """Referred pain takes the colour of the trigger point that sends it (the related entry)."""
    if area.layer != "referred-pain":
        return None
    for rid in area.related:
        other = atlas.areas.get(rid)
        if other is not None and other.layer == "trigger-points":
            return _own_colour(atlas, other)
    return None


def _label_svg(lab: _Label, dx: float, top: float, area_id: str, side: str) -> str:
    x = lab.x + dx
    if lab.number is not None:
        return (
            f'<g class="area-number" data-area-id="{area_id}" data-side="{side}">'
            f'<circle cx="{_fmt(x)}" cy="{_fmt(lab.y)}" r="2.1" fill="#ffffff" fill-opacity="0.9" '
            f'stroke="#333" stroke-width="0.25"/><text x="{_fmt(x)}" y="{_fmt(lab.y + 0.95)}" '
            f'font-size="{_fmt(lab.size)}" text-anchor="middle" fill="#111">{lab.number}</text></g>'
        )
    n = len(lab.text)
    line_h = lab.size * 1.1
    y0 = lab.y - (n - 1) * line_h / 2 + lab.size * 0.36
    spans = "".join(
        f'<tspan x="{_fmt(x)}" y="{_fmt(y0 + i * line_h)}">{html.escape(t)}</tspan>'
        for i, t in enumerate(lab.text)
    )
    return (
        f'<text class="area-label" data-area-id="{area_id}" data-side="{side}" font-size="{_fmt(lab.size)}" '
        f'text-anchor="middle" fill="#1d1a17">{spans}</text>'
    )


def svg_to_png(svg: str, scale: float = 1.0) -> bytes:
    """Rasterize an SVG document to PNG bytes (CairoSVG)."""
    import cairosvg

    return cairosvg.svg2png(bytestring=svg.encode("utf-8"), scale=scale)


def render_png(*args: Any, scale: float = 1.0, **kwargs: Any) -> bytes:
    """Like :func:`render_svg`, rendered to PNG bytes."""
    return svg_to_png(render_svg(*args, **kwargs), scale=scale)
