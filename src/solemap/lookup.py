"""Point -> areas and body part -> areas.

Two questions, both in the ``uv`` frame of :mod:`solemap.frame`:

* **What lies under this point?** :func:`where` answers for one point in every layer; a
  :class:`LabelRaster` answers for millions of points at once (a pressure grid, a ball's path, a
  picture's pixels). The raster classifies each cell of a fine uv grid once, as inside, outside
  or on the boundary of every area; points in boundary cells are settled exactly with shapely, so
  the answer equals ``shapely.contains_xy`` while most points cost one array lookup.
* **Where on the foot is this body part?** :func:`find` matches a query against area names, body
  parts, synonyms and symptoms, forgiving plurals, word order, small typos and everyday words
  ("lumbar" finds the lower back, "bowel" the intestines).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import shapely
import yaml
from numpy.typing import ArrayLike, NDArray

from solemap.atlas import Area, Atlas, load_atlas
from solemap.frame import SIDES

#: Cells of a label raster along u and v: 2048 x 512 cells are about 0.13 x 0.2 mm on an adult foot.
#: Finer cells leave fewer points on area boundaries (settled exactly by shapely), so lookups of
#: overlapping layers stay above 10 million points per second; a raster then takes about 20 MB.
DEFAULT_RESOLUTION = (2048, 512)


def _check_side(side: str) -> None:
    if side not in SIDES:
        raise ValueError(f"side must be 'left' or 'right', got {side!r}")


def _check_layer(atlas: Atlas, layer: str) -> None:
    if layer not in atlas.layers:
        raise ValueError(f"unknown layer {layer!r}; layers: {', '.join(atlas.layers)}")


def _polygonal(area: Area) -> bool:
    g = area.geometry
    return g is not None and not g.is_empty and g.geom_type in ("Polygon", "MultiPolygon")


# ----------------------------------------------------------------------------------------------
# Point -> areas
# ----------------------------------------------------------------------------------------------


class _PointIndex:
    """Every polygonal area of one foot in one prepared shapely array, ordered for :func:`where`:
    by layer (atlas order), then smallest area first, so one ``contains_xy`` call answers a point."""

    def __init__(self, atlas: Atlas, side: str) -> None:
        rank = {layer: i for i, layer in enumerate(atlas.layers)}
        areas = [a for a in atlas.areas.values() if a.applies_to(side) and _polygonal(a)]
        self.areas = sorted(areas, key=lambda a: (rank[a.layer], a.geometry.area))
        self.geometries = np.array([a.geometry for a in self.areas], dtype=object)
        shapely.prepare(self.geometries)

    def where(self, u: float, v: float) -> dict[str, list[Area]]:
        found: dict[str, list[Area]] = {}
        for i in np.flatnonzero(shapely.contains_xy(self.geometries, u, v)):
            area = self.areas[i]
            found.setdefault(area.layer, []).append(area)
        return found


@cache
def _default_point_index(side: str) -> _PointIndex:
    return _PointIndex(load_atlas(), side)


def where(u: float, v: float, side: str, atlas: Atlas | None = None) -> dict[str, list[Area]]:
    """The areas under the point ``(u, v)`` of one foot, per layer (layers with none are left out).

    Off-sole entries (leg trigger points, chain stations above the foot) and guide lines have no
    area and are never "under" a point. Layers come in atlas order; within a layer the most
    specific (smallest) area comes first. The index for the shipped atlas is built once per foot.
    """
    _check_side(side)
    for name, value in (("u", u), ("v", v)):
        if not (isinstance(value, int | float) and np.isfinite(value)):
            raise ValueError(f"{name} must be a finite number, got {value!r}")
    index = _default_point_index(side) if atlas is None else _PointIndex(atlas, side)
    return index.where(float(u), float(v))


@dataclass(frozen=True)
class LabelRaster:
    """One layer of one foot, rasterized on a uv grid for fast exact point-in-area tests.

    Attributes
    ----------
    layer, side : what was rasterized.
    area_ids : (K,) the polygonal areas of that layer on that foot, in atlas order.
    inside : (nu, nv, W) uint64 bit sets: bit k set when the whole cell lies inside area k.
    edge : (nu, nv, W) uint64 bit sets: bit k set when area k's boundary may cross the cell.
    best : (nu, nv) int32: the smallest area that contains the whole cell, -1 for none.
    """

    layer: str
    side: str
    area_ids: tuple[str, ...]
    geometries: tuple[Any, ...]
    areas_uv: NDArray[np.float64]
    inside: NDArray[np.uint64]
    edge: NDArray[np.uint64]
    best: NDArray[np.int32]

    @property
    def resolution(self) -> tuple[int, int]:
        return int(self.best.shape[0]), int(self.best.shape[1])

    @classmethod
    def for_layer(
        cls,
        layer: str,
        side: str,
        atlas: Atlas | None = None,
        resolution: tuple[int, int] = DEFAULT_RESOLUTION,
    ) -> LabelRaster:
        """The raster of ``layer`` on foot ``side`` (cached for the shipped atlas)."""
        _check_side(side)
        if atlas is None:
            return _cached_raster(layer, side, resolution)
        _check_layer(atlas, layer)
        areas = [a for a in atlas.areas_in(layer=layer, side=side) if _polygonal(a)]
        return cls.from_geometries(
            layer, side, [a.id for a in areas], [a.geometry for a in areas], resolution
        )

    @classmethod
    def from_geometries(
        cls,
        layer: str,
        side: str,
        ids: Sequence[str],
        geometries: Sequence[Any],
        resolution: tuple[int, int] = DEFAULT_RESOLUTION,
    ) -> LabelRaster:
        """Rasterize any uv polygons (e.g. a user's own mask) the same way as an atlas layer."""
        nu, nv = resolution
        k_total = len(geometries)
        words = max(1, (k_total + 63) // 64)
        inside = np.zeros((nu, nv, words), dtype=np.uint64)
        edge = np.zeros((nu, nv, words), dtype=np.uint64)
        best = np.full((nu, nv), -1, dtype=np.int32)
        best_area = np.full((nu, nv), np.inf)
        areas_uv = np.array([g.area for g in geometries], dtype=float)
        for k, geom in enumerate(geometries):
            shapely.prepare(geom)
            word, bit = divmod(k, 64)
            mask = np.uint64(1) << np.uint64(bit)
            on_edge = _boundary_cells(geom, nu, nv)
            # Cell centres inside the polygon, tested only within its bounding box.
            u0, v0, u1, v1 = geom.bounds
            i0, i1 = max(int(np.floor(u0 * nu)), 0), min(int(np.ceil(u1 * nu)), nu)
            j0, j1 = max(int(np.floor(v0 * nv)), 0), min(int(np.ceil(v1 * nv)), nv)
            if i1 <= i0 or j1 <= j0:
                continue
            cu = (np.arange(i0, i1) + 0.5) / nu
            cv = (np.arange(j0, j1) + 0.5) / nv
            uu, vv = np.meshgrid(cu, cv, indexing="ij")
            centre_in = shapely.contains_xy(geom, uu, vv)
            whole = centre_in & ~on_edge[i0:i1, j0:j1]
            inside[i0:i1, j0:j1, word] |= np.where(whole, mask, np.uint64(0))
            edge[..., word] |= np.where(on_edge, mask, np.uint64(0))
            smaller = whole & (areas_uv[k] < best_area[i0:i1, j0:j1])
            best[i0:i1, j0:j1][smaller] = k
            best_area[i0:i1, j0:j1][smaller] = areas_uv[k]
        return cls(layer, side, tuple(ids), tuple(geometries), areas_uv, inside, edge, best)

    def _cells(
        self, u: NDArray[np.float64], v: NDArray[np.float64]
    ) -> tuple[NDArray[np.intp], NDArray[np.bool_]]:
        nu, nv = self.resolution
        iu = np.floor(u * nu)
        iv = np.floor(v * nv)
        ok = (iu >= 0) & (iu < nu) & (iv >= 0) & (iv < nv)
        flat = np.where(ok, iu * nv + iv, 0).astype(np.intp)
        return flat, ok

    def _exact_edges(
        self, u: NDArray[np.float64], v: NDArray[np.float64], flat: NDArray[np.intp], ok: NDArray[np.bool_]
    ) -> tuple[NDArray[np.intp], NDArray[np.bool_]]:
        """Points in boundary cells and, for them, the exact (E, K) membership."""
        edge_any = self.edge.reshape(-1, self.edge.shape[-1])[flat].any(axis=1) & ok
        idx = np.flatnonzero(edge_any)
        member = self._bits_to_bool(self.inside.reshape(-1, self.inside.shape[-1])[flat[idx]])
        edge_bits = self._bits_to_bool(self.edge.reshape(-1, self.edge.shape[-1])[flat[idx]])
        for k in np.flatnonzero(edge_bits.any(axis=0)):
            sel = np.flatnonzero(edge_bits[:, k])
            member[sel, k] = shapely.contains_xy(self.geometries[k], u[idx[sel]], v[idx[sel]])
        return idx, member

    def _bits_to_bool(self, bits: NDArray[np.uint64]) -> NDArray[np.bool_]:
        k_total = len(self.area_ids)
        # An explicit byte count keeps the reshape valid for zero points.
        as_bytes = bits.astype("<u8").view(np.uint8).reshape(bits.shape[0], bits.shape[1] * 8)
        return np.unpackbits(as_bytes, axis=1, bitorder="little")[:, :k_total].astype(bool)

    def membership(self, u: ArrayLike, v: ArrayLike) -> NDArray[np.bool_]:
        """(N, K) bool: whether point n lies in area ``area_ids[k]`` (exact; overlapping layers too)."""
        u = np.ravel(np.asarray(u, dtype=np.float64))
        v = np.ravel(np.asarray(v, dtype=np.float64))
        flat, ok = self._cells(u, v)
        member = self._bits_to_bool(self.inside.reshape(-1, self.inside.shape[-1])[flat])
        member[~ok] = False
        idx, exact = self._exact_edges(u, v, flat, ok)
        member[idx] = exact
        return member

    def labels(self, u: ArrayLike, v: ArrayLike) -> NDArray[np.int32]:
        """Index into ``area_ids`` of the most specific area under each point, -1 for none.

        ``u``, ``v``: arrays of the same shape (any); returns int32 of that shape. Exact: equals
        the smallest area among those for which ``shapely.contains_xy`` is true.
        """
        u_arr = np.asarray(u, dtype=np.float64)
        shape = u_arr.shape
        u_flat = np.ravel(u_arr)
        v_flat = np.ravel(np.asarray(v, dtype=np.float64))
        if u_flat.shape != v_flat.shape:
            raise ValueError(f"u and v must have the same shape, got {u_arr.shape} and {np.shape(v)}")
        flat, ok = self._cells(u_flat, v_flat)
        out = np.where(ok, self.best.reshape(-1)[flat], -1).astype(np.int32)
        idx, exact = self._exact_edges(u_flat, v_flat, flat, ok)
        if idx.size:
            sizes = np.where(exact, self.areas_uv[None, :], np.inf)
            smallest = sizes.argmin(axis=1)
            out[idx] = np.where(np.isfinite(sizes.min(axis=1)), smallest, -1)
        return out.reshape(shape)

    def label_grid(self, u: ArrayLike, v: ArrayLike) -> NDArray[np.int32]:
        """Alias of :meth:`labels` for a grid's (R, C) arrays of sensel positions in uv."""
        return self.labels(u, v)


def _boundary_cells(geom: Any, nu: int, nv: int) -> NDArray[np.bool_]:
    """Cells the geometry's boundary may cross: cells holding a boundary sample, grown by one cell.

    Samples lie at most half a cell apart, so a boundary segment can only slip through the corner
    of a cell next to a marked one; growing the marked set by one cell covers that.
    """
    step = 0.5 / max(nu, nv)
    boundary = shapely.segmentize(geom.boundary, step)
    coords = shapely.get_coordinates(boundary)
    marked = np.zeros((nu, nv), dtype=bool)
    iu = np.clip(np.floor(coords[:, 0] * nu).astype(int), 0, nu - 1)
    iv = np.clip(np.floor(coords[:, 1] * nv).astype(int), 0, nv - 1)
    marked[iu, iv] = True
    grown = marked.copy()
    grown[1:, :] |= marked[:-1, :]
    grown[:-1, :] |= marked[1:, :]
    grown2 = grown.copy()
    grown2[:, 1:] |= grown[:, :-1]
    grown2[:, :-1] |= grown[:, 1:]
    return grown2


@cache
def _cached_raster(layer: str, side: str, resolution: tuple[int, int]) -> LabelRaster:
    return LabelRaster.for_layer(layer, side, atlas=load_atlas(), resolution=resolution)


def label_points(points: ArrayLike, side: str, layer: str, atlas: Atlas | None = None) -> NDArray[np.int32]:
    """Label (N, 2) uv points with the index of the most specific area of ``layer``.

    Returns (N,) int32 indices into ``LabelRaster.for_layer(layer, side).area_ids`` (-1: none).
    """
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise ValueError(f"points must be an (N, 2) array of (u, v), got shape {pts.shape}")
    return LabelRaster.for_layer(layer, side, atlas).labels(pts[:, 0], pts[:, 1])


# ----------------------------------------------------------------------------------------------
# Body part -> areas
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    """One search result: the area, a score in (0, 1] and the phrase of the area that matched."""

    area: Area
    score: float
    matched: str

    def to_json(self) -> dict[str, Any]:
        return {**self.area.to_json(), "score": round(self.score, 3), "matched": self.matched}


_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    {"the", "of", "my", "a", "an", "and", "in", "on", "at", "to", "for", "area", "areas", "reflex"}
)


def _stem(word: str) -> str:
    # Enough English stemming for anatomy words: kidneys/kidney, intestines/intestinal, toes/toe.
    for suffix, repl in (("ies", "y"), ("inal", "ine"), ("eal", "eum"), ("es", "e"), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + repl
    return word


def normalize(text: str) -> tuple[str, ...]:
    """Lower-case, accent-free, stemmed words of ``text`` without filler words."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return tuple(_stem(w) for w in _WORD.findall(plain.replace("'s", "")) if w not in _STOP)


@cache
def _thesaurus() -> dict[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """Everyday words -> the terms the atlas uses (data/search_terms.yaml)."""
    text = resources.files("solemap").joinpath("data/search_terms.yaml").read_text(encoding="utf-8")
    raw = yaml.safe_load(text)["terms"]
    table: dict[tuple[str, ...], tuple[tuple[str, ...], ...]] = {}
    for entry in raw:
        expansions = tuple(normalize(t) for t in entry["means"])
        for word in entry["words"]:
            table[normalize(word)] = expansions
    return table


def _expand(query: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The query and what the thesaurus says it means, for the whole query and each word in it."""
    forms = [query]
    table = _thesaurus()
    forms.extend(table.get(query, ()))
    n = len(query)
    for size in range(n - 1, 0, -1):
        for start in range(n - size + 1):
            part = query[start : start + size]
            for meaning in table.get(part, ()):
                forms.append(query[:start] + meaning + query[start + size :])
    seen: dict[tuple[str, ...], None] = {}
    for f in forms:
        if f:
            seen.setdefault(f, None)
    return list(seen)


def _word_match(a: str, b: str) -> float:
    if a == b:
        return 1.0
    if len(a) >= 4 and len(b) >= 4 and (a.startswith(b) or b.startswith(a)):
        return 0.9
    if len(a) >= 5 and len(b) >= 5:
        ratio = difflib.SequenceMatcher(None, a, b).ratio()
        if ratio >= 0.84:
            return ratio * 0.9
    return 0.0


def _phrase_score(query: tuple[str, ...], phrase: tuple[str, ...]) -> float:
    """How well the query words are covered by one phrase of an area (0 when a word is missing)."""
    if not query or not phrase:
        return 0.0
    if query == phrase:
        return 1.0
    scores = [max(_word_match(q, p) for p in phrase) for q in query]
    if min(scores) == 0.0:
        return 0.0
    coverage = sum(scores) / len(query)
    # A phrase with many extra words is a weaker match than one that says just the query.
    focus = len(query) / max(len(phrase), len(query))
    return 0.85 * coverage * (0.6 + 0.4 * focus)


def find(
    query: str,
    side: str | None = None,
    layers: Iterable[str] | None = None,
    atlas: Atlas | None = None,
    limit: int | None = None,
    min_score: float = 0.45,
) -> list[Match]:
    """Areas for a body part, organ, structure or symptom, best first.

    ``side`` keeps areas on that foot ("left"/"right"; None for both). ``layers`` limits the
    layers searched. Raises ValueError for an empty query, an unknown side or layer.
    """
    if side is not None:
        _check_side(side)
    atlas = atlas or load_atlas()
    layer_list = list(layers) if layers is not None else list(atlas.layers)
    for layer in layer_list:
        _check_layer(atlas, layer)
    words = normalize(query)
    if not words:
        raise ValueError("query must contain at least one word")
    forms = _expand(words)
    results: list[Match] = []
    for layer in layer_list:
        for area in atlas.areas_in(layer=layer, side=side or "both"):
            best, best_phrase = 0.0, ""
            for phrase in area.search_terms:
                norm = normalize(phrase)
                for i, form in enumerate(forms):
                    s = _phrase_score(form, norm) * (1.0 if i == 0 else 0.95)
                    if s > best:
                        best, best_phrase = s, phrase
            if best >= min_score:
                results.append(Match(area, best, best_phrase))
    results.sort(key=lambda m: (-m.score, m.area.layer, m.area.id))
    return results[:limit] if limit is not None else results
