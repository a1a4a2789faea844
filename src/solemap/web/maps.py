"""What the map page and the API share: parsing map parameters, foot sizes and cached renders.

Everything here is plain functions over the library (atlas, render, frame, sizes); the routes
only translate HTTP to these calls. Invalid values raise :class:`ParameterError` naming
the parameter, which the app answers with 422.
"""

from __future__ import annotations

import gzip
import hashlib
import math
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import numpy as np

from solemap import sizes
from solemap.atlas import Area, Atlas, load_atlas
from solemap.frame import FootDimensions, FootFrame
from solemap.render import LAYER_STYLES, render_svg
from solemap.web.errors import ParameterError

#: length, ball width, heel width (mm) and heel-to-ball ratio: a foot's identity in caches.
FootKey = tuple[float, float, float, float]

#: Layers shown on a first visit: the detailed chart is what most people come for.
DEFAULT_LAYERS: tuple[str, ...] = ("reflexology",)
MAP_SIDES: tuple[str, ...] = ("both", "left", "right")
FOOT_SIDES: tuple[str, ...] = ("left", "right")

#: Foot lengths (mm) the map accepts when typed in: from a child's foot to a very large adult one.
MIN_LENGTH_MM = 120.0
MAX_LENGTH_MM = 360.0

#: Plain-language names of the evidence labels, shown on badges (the atlas holds the definitions).
EVIDENCE_NAMES: dict[str, str] = {
    "guideline": "Clinical guideline",
    "systematic-review": "Systematic review",
    "trial": "Study",
    "anatomy": "Anatomy",
    "expert-opinion": "Expert opinion",
    "traditional-claim": "Traditional claim",
}

#: Longer explanations for people, in the order of strength (used by the panel and the about page).
EVIDENCE_EXPLAINED: dict[str, str] = {
    "guideline": "Recommended by a clinical practice guideline or a formal standard, after weighing "
    "the studies.",
    "systematic-review": "Supported by a systematic review or meta-analysis that pooled several studies.",
    "trial": "Measured in at least one study of people (a trial, cohort or laboratory measurement).",
    "anatomy": "A structural fact: anatomy texts, dissection or imaging show it is there.",
    "expert-opinion": "What manual-therapy textbooks or clinicians agree on, or a value worked out "
    "here from measurements; plausible, not tested directly.",
    "traditional-claim": "What a tradition such as reflexology teaches. It tells you where the tradition "
    "places something, not that pressing there affects that part of the body.",
}


@cache
def atlas() -> Atlas:
    """The packaged atlas (loaded and validated once per process).

    Kept here as well as in the loader because the loader resolves its data folder on every call,
    which costs more than a whole point lookup.
    """
    return load_atlas()


@cache
def map_layers() -> tuple[str, ...]:
    """Layer ids that can be drawn on the sole, in atlas order (off-sole graph layers excluded)."""
    at = atlas()
    layers = sorted(at.layers.values(), key=lambda layer: layer.order)
    return tuple(layer.id for layer in layers if any(not a.off_sole for a in at.areas_in(layer=layer.id)))


# ---- parameter parsing ------------------------------------------------------------------------


def split_list(values: str | Sequence[str] | None) -> list[str]:
    """``"a,b"`` or ``["a", "b,c"]`` → ``["a", "b", "c"]`` (blank items dropped, order kept)."""
    if values is None:
        return []
    items = [values] if isinstance(values, str) else list(values)
    out: list[str] = []
    for item in items:
        out.extend(p.strip() for p in item.split(",") if p.strip())
    return list(dict.fromkeys(out))


def parse_side(side: str | None, *, param: str = "side", allow_both: bool = True) -> str:
    """A validated side; ``None`` means both feet (or raises when one foot is required)."""
    allowed = MAP_SIDES if allow_both else FOOT_SIDES
    if side is None:
        if allow_both:
            return "both"
        raise ParameterError(param, "is required: use left or right")
    side = side.strip().lower()
    if side not in allowed:
        raise ParameterError(param, f"must be one of {', '.join(allowed)}, not {side!r}")
    return side


def parse_layers(values: str | Sequence[str] | None, *, param: str = "layers") -> tuple[str, ...]:
    """Layer ids in atlas order; ``None`` gives :data:`DEFAULT_LAYERS`, an empty string no layer."""
    if values is None:
        return DEFAULT_LAYERS
    wanted = split_list(values)
    known = atlas().layers
    unknown = [layer for layer in wanted if layer not in known]
    if unknown:
        raise ParameterError(
            param, f"unknown layer {unknown[0]!r}; known layers: {', '.join(known)}"
        )
    order = {lid: known[lid].order for lid in wanted}
    return tuple(sorted(wanted, key=lambda lid: order[lid]))


def parse_area_ids(values: str | Sequence[str] | None, *, param: str = "highlight") -> tuple[str, ...]:
    """Atlas area ids; a ``-left``/``-right`` suffix (as in the SVG element ids) is accepted and dropped."""
    at = atlas()
    out = []
    for area_id in split_list(values):
        try:
            out.append(at.get(area_id).id)
        except KeyError:
            raise ParameterError(param, f"unknown area id {area_id!r}") from None
    return tuple(dict.fromkeys(out))


# ---- foot size --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FootSize:
    """The foot the map is drawn for, and how the person told us about it.

    ``basis`` is ``"average"`` (nothing entered), ``"length"`` (measured length) or ``"shoe"``
    (converted from a shoe size, approximate).
    """

    dims: FootDimensions
    basis: str
    shoe_size: float | None = None
    shoe_system: str | None = None
    width_given: bool = False

    @property
    def length_mm(self) -> float:
        return self.dims.length_mm

    @property
    def width_mm(self) -> float:
        return self.dims.ball_width_mm

    def key(self) -> FootKey:
        """Hashable identity for render caches."""
        d = self.dims
        return (d.length_mm, d.ball_width_mm, d.heel_width_mm, d.ball_length_ratio)

    def describe(self) -> str:
        """One line for people, e.g. ``"Foot 265 mm long, 100 mm wide at the ball (from EU 42)"``."""
        text = f"Foot {self.length_mm:.0f} mm long, {self.width_mm:.0f} mm wide at the ball"
        if self.basis == "average":
            return text + " (an average adult foot)"
        if self.basis == "shoe" and self.shoe_system is not None and self.shoe_size is not None:
            label = sizes.system(self.shoe_system).label
            return text + f" (from {label} size {self.shoe_size:g}, approximate)"
        return text + ("" if self.width_given else " (width estimated from the length)")

    def to_json(self) -> dict[str, Any]:
        d = self.dims
        out: dict[str, Any] = {
            "basis": self.basis,
            "length_mm": round(d.length_mm, 1),
            "ball_width_mm": round(d.ball_width_mm, 1),
            "heel_width_mm": round(d.heel_width_mm, 1),
            "ball_length_ratio": d.ball_length_ratio,
            "width_estimated": not self.width_given,
            "description": self.describe(),
        }
        if self.basis == "shoe":
            out["shoe_size"] = self.shoe_size
            out["shoe_system"] = self.shoe_system
        if sizes.MIN_FOOT_MM <= d.length_mm <= sizes.MAX_FOOT_MM:
            out["shoe_sizes"] = sizes.shoe_sizes_for(d.length_mm)
        return out


def _finite(value: float | None, param: str) -> float | None:
    if value is not None and not math.isfinite(value):
        raise ParameterError(param, "must be a finite number")
    return value


def parse_foot_size(
    length_mm: float | None = None,
    width_mm: float | None = None,
    shoe_size: float | None = None,
    shoe_system: str | None = None,
) -> FootSize:
    """The foot to draw: a measured length, a shoe size, or the average adult foot.

    ``width_mm`` (ball breadth) is optional with either; without it the width follows the ANSUR II
    regression on length. Giving both a length and a shoe size is an error (which one to trust?).
    """
    length_mm = _finite(length_mm, "length_mm")
    width_mm = _finite(width_mm, "width_mm")
    shoe_size = _finite(shoe_size, "shoe_size")
    if length_mm is not None and shoe_size is not None:
        raise ParameterError("shoe_size", "give either length_mm or shoe_size, not both")
    if shoe_system is not None and shoe_size is None:
        raise ParameterError("shoe_size", "is required when shoe_system is given")
    basis = "average"
    if shoe_size is not None:
        system_id = (shoe_system or "eu").strip().lower()
        try:
            length_mm = sizes.foot_length_from_shoe_size(shoe_size, system_id)
        except ValueError as exc:
            param = "shoe_system" if system_id not in sizes.SYSTEMS else "shoe_size"
            raise ParameterError(param, str(exc)) from None
        shoe_system, basis = system_id, "shoe"
    elif length_mm is not None:
        if not MIN_LENGTH_MM <= length_mm <= MAX_LENGTH_MM:
            raise ParameterError(
                "length_mm", f"must be between {MIN_LENGTH_MM:g} and {MAX_LENGTH_MM:g} mm, not {length_mm:g}"
            )
        basis = "length"
    if width_mm is not None and width_mm <= 0:
        raise ParameterError("width_mm", f"must be a positive number of millimetres, not {width_mm:g}")
    try:
        if length_mm is None and width_mm is None:
            dims = FootDimensions()
        else:
            dims = FootDimensions.from_length(
                length_mm if length_mm is not None else FootDimensions().length_mm, ball_width_mm=width_mm
            )
    except ValueError as exc:
        raise ParameterError("width_mm" if width_mm is not None else "length_mm", str(exc)) from None
    if basis == "average" and width_mm is not None:
        basis = "length"
    return FootSize(dims, basis, shoe_size, shoe_system, width_given=width_mm is not None)


@lru_cache(maxsize=64)
def _frame(side: str, key: FootKey) -> FootFrame:
    length, ball, heel, ratio = key
    return FootFrame(side, FootDimensions(length, ball, heel, ratio))  # type: ignore[arg-type]


def frame_for(side: str, foot: FootSize) -> FootFrame:
    """A (cached) frame of one foot at this size."""
    return _frame(side, foot.key())


def outline_table(foot: FootSize, samples: int = 101) -> dict[str, Any]:
    """The outline envelope as a table (u, medial y, lateral y in mm) for the browser.

    The page turns a click into uv with it: ``u = x / length`` along the axis and
    ``v = (y - medial) / (lateral - medial)`` across, the same rule as :class:`FootFrame`.
    """
    frame = frame_for("right", foot)
    u = np.linspace(0.0, 1.0, samples)
    medial, lateral = frame.borders(u)
    return {
        "u": [round(float(x), 4) for x in u],
        "medial_mm": [round(float(y), 3) for y in medial],
        "lateral_mm": [round(float(y), 3) for y in lateral],
    }


def position_mm(u: float, v: float, side: str, foot: FootSize) -> dict[str, float]:
    """Where a uv point lies on this foot in mm: along the axis from the heel, across from the axis."""
    x, y = frame_for(side, foot).uv_to_mm(u, v)
    return {"x_mm": round(float(x), 1), "y_mm": round(float(y), 1)}


def area_extent_mm(area: Area, side: str, foot: FootSize) -> dict[str, float] | None:
    """The span of an area on this foot in mm (heel → toe along the axis), or None off the sole."""
    if area.geometry is None:
        return None
    umin, vmin, umax, vmax = area.geometry.bounds
    frame = frame_for(side, foot)
    xs, _ = frame.uv_to_mm(np.array([umin, umax]), np.array([0.5, 0.5]))
    # Widest extent across the foot, sampled along the area's u range.
    us = np.linspace(umin, umax, 9)
    _, y0 = frame.uv_to_mm(us, np.full_like(us, vmin))
    _, y1 = frame.uv_to_mm(us, np.full_like(us, vmax))
    return {
        "from_heel_mm": round(float(xs[0]), 1),
        "to_heel_mm": round(float(xs[1]), 1),
        "length_mm": round(float(xs[1] - xs[0]), 1),
        "width_mm": round(float(np.max(np.abs(y1 - y0))), 1),
    }


def view_extents(side: str, foot: FootSize) -> dict[str, list[float]]:
    """``[xmin, xmax]`` (mm) of each drawn foot's outline envelope in its own view frame.

    The browser finds where the renderer put each sole from the drawn outline (its bounding box
    starts at ``xmin + offset``), so the page does not depend on how the renderer lays out the
    picture; a test checks that the drawn sole spans exactly this envelope.
    """
    sides = FOOT_SIDES if side == "both" else (side,)
    out: dict[str, list[float]] = {}
    for s in sides:
        xmin, _, xmax, _ = frame_for(s, foot).view_extent()
        out[s] = [round(xmin, 4), round(xmax, 4)]
    return out


def map_geometry(side: str, foot: FootSize) -> dict[str, Any]:
    """What the browser needs to turn a click on the map into uv and mm (see :func:`outline_table`)."""
    return {
        "side": side,
        "length_mm": round(foot.length_mm, 3),
        "extents": view_extents(side, foot),
        "outline": outline_table(foot),
    }


def layer_swatch(layer_id: str) -> dict[str, str]:
    """Colour and pattern of a layer as drawn on the map, for the layer toggles' swatches."""
    style = LAYER_STYLES.get(layer_id)
    if style is None:
        return {"colour": "#cccccc", "pattern": ""}
    pattern = "pattern-hatch" if style.hatch else ""
    if layer_id == "reflexology-zones":
        pattern = "pattern-lines"
    elif layer_id == "anatomy":
        pattern = "pattern-dots"
    return {"colour": style.palette[0], "pattern": pattern}


# ---- rendering ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RenderedMap:
    """One rendered map: the SVG text, the same gzip-compressed, and an ETag for HTTP caching."""

    svg: str
    gzipped: bytes
    etag: str


#: side, layers, highlighted ids, foot dimensions (None = average), labels, legend, interactive.
MapKey = tuple[str, tuple[str, ...], tuple[str, ...], FootKey | None, bool, bool, bool]


class MapRenderer:
    """Renders map SVGs and keeps the last ``size`` of them (the atlas does not change at run time).

    A render takes a few hundred milliseconds and the SVG is a few hundred kB, so each entry also
    keeps its gzip form: a cached map is served without rendering or compressing again. The cache
    can be asked without rendering (:meth:`cached`), so an async route answers hits on the event
    loop and sends only misses to a worker thread.
    """

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._cache: OrderedDict[MapKey, RenderedMap] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(
        side: str,
        layers: Iterable[str],
        highlight: Iterable[str] = (),
        foot: FootSize | None = None,
        *,
        labels: bool = True,
        legend: bool = True,
        interactive: bool = False,
    ) -> MapKey:
        """The cache key of a parameter set (the average foot and no foot share one entry)."""
        foot_key = None if foot is None or foot.basis == "average" else foot.key()
        return (side, tuple(layers), tuple(sorted(highlight)), foot_key, labels, legend, interactive)

    def cached(self, key: MapKey) -> RenderedMap | None:
        """The map for ``key`` if it is in the cache (and mark it recently used), else None."""
        with self._lock:
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
                self.hits += 1
            return found

    def render_key(self, key: MapKey) -> RenderedMap:
        """The map for ``key``, from the cache or rendered now (a few hundred ms) and cached."""
        found = self.cached(key)
        if found is not None:
            return found
        side, layers, highlight, foot_key, labels, legend, interactive = key
        svg = render_svg(
            side=side,  # type: ignore[arg-type]
            layers=list(layers),
            highlight=list(highlight),
            dims=FootDimensions(*foot_key) if foot_key is not None else None,
            labels=labels,
            legend=legend,
            interactive=interactive,
            atlas=atlas(),
        )
        data = svg.encode("utf-8")
        etag = '"' + hashlib.blake2b(data, digest_size=12).hexdigest() + '"'
        rendered = RenderedMap(svg, gzip.compress(data, compresslevel=6, mtime=0), etag)
        with self._lock:
            self.misses += 1
            if self.size > 0:
                self._cache[key] = rendered
                self._cache.move_to_end(key)
                while len(self._cache) > self.size:
                    self._cache.popitem(last=False)
        return rendered

    def render(self, *args: Any, **kwargs: Any) -> RenderedMap:
        """The map for these parameters (see :meth:`key`), rendered once and then served from the cache."""
        return self.render_key(self.key(*args, **kwargs))

    def svg(self, *args: Any, **kwargs: Any) -> str:
        """Like :meth:`render`, the SVG text only."""
        return self.render(*args, **kwargs).svg

    def cache_info(self) -> dict[str, int]:
        with self._lock:
            return {"hits": self.hits, "misses": self.misses, "size": len(self._cache), "max": self.size}


# ---- JSON shapes ----------------------------------------------------------------------------------


def area_summary(area: Area) -> dict[str, Any]:
    """The short form of an area used in lists (search results, point lookups, related links)."""
    at = atlas()
    layer = at.layers.get(area.layer)
    return {
        "id": area.id,
        "name": area.name,
        "layer": area.layer,
        "layer_name": layer.name if layer else area.layer,
        "side": area.side,
        "evidence": area.evidence,
        "evidence_name": EVIDENCE_NAMES.get(area.evidence, area.evidence),
        "off_sole": area.off_sole,
        "location": area.location,
    }


def area_detail(area: Area, side: str | None = None, foot: FootSize | None = None) -> dict[str, Any]:
    """Everything the detail panel shows: the atlas entry plus resolved links and the chain."""
    at = atlas()
    out = area.to_json()
    layer = at.layers.get(area.layer)
    out["layer_name"] = layer.name if layer else area.layer
    out["evidence_name"] = EVIDENCE_NAMES.get(area.evidence, area.evidence)
    out["evidence_explained"] = EVIDENCE_EXPLAINED.get(area.evidence, "")
    related = []
    for rid in area.related:
        try:
            related.append(area_summary(at.get(rid)))
        except KeyError:  # the loader checks links; keep the panel working if a file is edited live
            continue
    # Areas that point here count as related too (a referred-pain area lists its trigger point).
    linked_here = [a for a in at.areas.values() if area.id in a.related and a.id not in area.related]
    related.extend(area_summary(a) for a in linked_here)
    out["related_areas"] = related
    if area.chain is not None:
        stations = at.chain(area.chain.line)
        out["chain_stations"] = [
            {**area_summary(a), "order": a.chain.order if a.chain else 0, "here": a.id == area.id}
            for a in stations
        ]
    if foot is not None and area.geometry is not None:
        foot_side = side if side in FOOT_SIDES else ("left" if area.side == "left" else "right")
        out["extent_mm"] = area_extent_mm(area, foot_side, foot)
    return out
