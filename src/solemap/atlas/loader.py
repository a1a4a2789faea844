"""Read, validate and build the atlas from its YAML data files.

Validation happens in two passes. Each entry is checked alone against the schema (types, labels,
geometry shape and that it lies on the sole); then the whole atlas is checked across files (unique
ids, known sources and related ids, partition layers that tile the sole, ordered chains). Every
problem found is collected, so one run names all the bad entries, each as
``<file>: entry '<id>': <reason>``.
"""

from __future__ import annotations

import functools
import itertools
from collections import defaultdict
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import shapely
import yaml
from pydantic import ValidationError
from shapely import affinity
from shapely.geometry import LineString, Point, Polygon, box
from shapely.geometry.base import BaseGeometry

from solemap.atlas.model import FOOT_SIDES, Area, Atlas, ChainLink, Layer, Source
from solemap.atlas.schema import AreaSpec, GeometrySpec, LayerFileSpec, SourcesFileSpec
from solemap.outline import sole_uv

SOURCES_FILE = "sources.yaml"

#: Slack for "on the sole" and for partition checks, in uv units (and uv² for areas). Far below
#: anything visible (1e-6 of a 260 mm foot is 0.26 µm) but above float noise of clipping.
_EPS = 1e-9
_AREA_EPS = 1e-6
#: Longest straight segment kept in a geometry. Straight in uv is curved in millimetres (v follows
#: the outline's local width), so renderers need vertices this close to map shapes faithfully.
SEGMENT_UV = 0.01
_UNIT_SQUARE = box(0.0, 0.0, 1.0, 1.0)
#: Least share of an area (or of a line's length) that must lie on the plantar outline. The unit
#: square also holds the toe gaps and the corners beyond the toe tips; partition layers cover
#: those on purpose, but an area mostly off the outline is a misplaced entry.
MIN_ON_OUTLINE = 0.4


@dataclass(frozen=True)
class Problem:
    """One reason a data file was refused."""

    file: str
    entry: str | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}: entry '{self.entry}'" if self.entry else self.file
        return f"{where}: {self.reason}"


class AtlasError(ValueError):
    """The atlas data are invalid. ``problems`` lists each one; the message shows them all."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        lines = [str(p) for p in self.problems]
        head = f"{len(lines)} problem(s) in the atlas data" if len(lines) > 1 else lines[0]
        super().__init__(head if len(lines) == 1 else head + ":\n" + "\n".join(lines))


def default_directory() -> Path:
    """The data folder shipped inside the package."""
    return Path(str(resources.files("solemap.atlas").joinpath("data")))


def load_atlas(directory: str | Path | None = None) -> Atlas:
    """Load and validate the atlas (cached per directory).

    ``directory`` holds ``sources.yaml`` and one YAML file per layer; default: the packaged data.
    Raises :class:`AtlasError` naming file, entry id and reason for every problem found.
    """
    path = Path(directory) if directory is not None else default_directory()
    return _load_cached(str(path.resolve()))


@functools.cache
def _load_cached(directory: str) -> Atlas:
    return build_atlas(Path(directory))


# --- YAML ---------------------------------------------------------------------------------------


# libyaml's parser is about ten times faster than the pure-Python one; both are safe loaders.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _UniqueKeyLoader(_SafeLoader):  # type: ignore[misc, valid-type]
    """Safe loader that refuses repeated keys (PyYAML silently keeps the last one)."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"repeated key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise AtlasError([Problem(str(path), None, f"cannot read: {exc.strerror or exc}")]) from None
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise AtlasError([Problem(str(path), None, f"invalid YAML: {at}{problem}")]) from None


def _reason(loc: tuple[Any, ...], err: Any) -> str:
    where = ".".join(str(p) for p in loc)
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        msg = "unknown field (typo?)"
    return f"{where}: {msg}" if where else msg


def _pydantic_reasons(exc: ValidationError) -> list[str]:
    return [_reason(err["loc"], err) for err in exc.errors()]


# --- geometry -----------------------------------------------------------------------------------


def build_geometry(spec: GeometrySpec) -> BaseGeometry:
    """Turn a geometry shorthand into a shapely geometry in uv (see :mod:`solemap.atlas.schema`)."""
    if spec.box is not None:
        (u0, u1), (v0, v1) = spec.box.u, spec.box.v
        geom = box(u0, v0, u1, v1)
        r = min(spec.box.round, (u1 - u0) / 2.01, (v1 - v0) / 2.01)
        if r > 0:
            # Shrink then grow: rounds the corners and keeps the box's extent.
            geom = geom.buffer(-r, quad_segs=8).buffer(r, quad_segs=8)
        return geom
    if spec.ellipse is not None:
        e = spec.ellipse
        circle = Point(e.u, e.v).buffer(1.0, quad_segs=24)
        return affinity.scale(circle, e.du, e.dv).intersection(_UNIT_SQUARE)
    if spec.polygon is not None:
        return Polygon([tuple(c) for c in spec.polygon])
    if spec.line is not None:
        return LineString([tuple(c) for c in spec.line])
    if spec.band is not None:
        path = LineString([tuple(c) for c in spec.band.path])
        return path.buffer(spec.band.width / 2.0, quad_segs=8).intersection(_UNIT_SQUARE)
    assert spec.union is not None  # guaranteed by GeometrySpec's validator
    return shapely.unary_union([build_geometry(part) for part in spec.union])


def _geometry_problems(geom: BaseGeometry) -> list[str]:
    if geom.is_empty:
        return ["geometry is empty (entirely off the sole?)"]
    if not geom.is_valid:
        return [f"geometry is invalid: {shapely.is_valid_reason(geom)}"]
    kind = geom.geom_type
    if kind in ("Polygon", "MultiPolygon"):
        if geom.area < _AREA_EPS:
            return [f"polygon area {geom.area:.2e} uv² is too small to draw or find"]
    elif kind in ("LineString", "MultiLineString"):
        if geom.length < 1e-3:
            return ["line is shorter than 0.001 uv"]
    else:
        return [f"geometry type {kind} is not allowed (need a polygon or a line)"]
    u0, v0, u1, v1 = geom.bounds
    if u0 < -_EPS or v0 < -_EPS or u1 > 1 + _EPS or v1 > 1 + _EPS:
        return [
            f"geometry leaves the sole: spans u {u0:.3f}..{u1:.3f}, v {v0:.3f}..{v1:.3f} "
            "(both must stay within 0..1; mark entries beside the sole 'off_sole: true')"
        ]
    sole = sole_uv()
    if kind in ("Polygon", "MultiPolygon"):
        share = geom.intersection(sole).area / geom.area
    else:
        share = geom.intersection(sole).length / geom.length
    if share < MIN_ON_OUTLINE:
        return [
            f"only {share:.0%} of the geometry lies on the plantar outline (toe gaps or beyond the "
            f"toe tips?); at least {MIN_ON_OUTLINE:.0%} must"
        ]
    return []


def _fit_to_sole(geom: BaseGeometry) -> BaseGeometry:
    """Clip an area to the plantar outline, so nothing lies in a toe gap or beyond a toe tip.

    Guide lines are only snapped into the unit square: they run along the toe creases, and cutting
    them at every sulcus would break them into pieces.
    """
    u0, v0, u1, v1 = geom.bounds
    if min(u0, v0) < 0.0 or max(u1, v1) > 1.0:
        # Within _EPS of the border (rounding noise of buffers): snap onto the square exactly.
        geom = geom.intersection(_UNIT_SQUARE)
    if geom.geom_type in ("LineString", "MultiLineString"):
        return geom
    clipped = geom.intersection(sole_uv())
    if clipped.geom_type == "GeometryCollection":
        # Touching the outline at a point or along an edge leaves slivers of lower dimension.
        clipped = shapely.union_all([g for g in clipped.geoms if g.geom_type in ("Polygon", "MultiPolygon")])
    return clipped


def _anchor(geom: BaseGeometry) -> tuple[float, float]:
    if geom.geom_type in ("LineString", "MultiLineString"):
        p = geom.interpolate(0.5, normalized=True)
    else:
        p = geom.centroid
        if not geom.contains(p):
            # Crescents and multi-part areas: pick a point that is surely inside.
            p = geom.point_on_surface()
    return (float(p.x), float(p.y))


# --- building -----------------------------------------------------------------------------------


def _load_sources(directory: Path) -> dict[str, Source]:
    path = directory / SOURCES_FILE
    if not path.is_file():
        raise AtlasError([Problem(str(path), None, "missing: every atlas folder needs a sources file")])
    raw = _read_yaml(path)
    try:
        spec = SourcesFileSpec.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = err["loc"]
            entry = None
            if len(loc) >= 2 and loc[0] == "sources" and isinstance(loc[1], int):
                item = raw["sources"][loc[1]]
                entry = item.get("key", f"#{loc[1] + 1}") if isinstance(item, dict) else f"#{loc[1] + 1}"
                loc = loc[2:]
            problems.append(Problem(str(path), entry, _reason(loc, err)))
        raise AtlasError(problems) from None
    sources: dict[str, Source] = {}
    problems = []
    for s in spec.sources:
        if s.key in sources:
            problems.append(Problem(str(path), s.key, "duplicate source key"))
        sources[s.key] = Source(key=s.key, citation=" ".join(s.citation.split()), url=s.url, note=s.note)
    if problems:
        raise AtlasError(problems)
    return sources


def _entry_label(raw: Any, index: int) -> str:
    if isinstance(raw, dict) and isinstance(raw.get("id"), str):
        return raw["id"]
    return f"#{index + 1}"


def build_atlas(directory: Path) -> Atlas:
    """Read every layer file in ``directory`` and validate the whole atlas (uncached)."""
    if not directory.is_dir():
        raise AtlasError([Problem(str(directory), None, "atlas data folder not found")])
    sources = _load_sources(directory)
    problems: list[Problem] = []
    layers: dict[str, Layer] = {}
    areas: dict[str, Area] = {}

    files = sorted(p for p in directory.glob("*.yaml") if p.name != SOURCES_FILE)
    if not files:
        raise AtlasError([Problem(str(directory), None, "no layer files (*.yaml) found")])
    for path in files:
        fname = str(path)
        raw = _read_yaml(path)
        try:
            spec = LayerFileSpec.model_validate(raw)
        except ValidationError as exc:
            problems.extend(Problem(fname, None, r) for r in _pydantic_reasons(exc))
            continue
        lspec = spec.layer
        if lspec.id in layers:
            other = layers[lspec.id].file
            problems.append(Problem(fname, None, f"layer id {lspec.id!r} is already used by {other}"))
            continue
        missing = [k for k in lspec.sources if k not in sources]
        if missing:
            problems.append(Problem(fname, None, f"layer cites unknown source key(s): {', '.join(missing)}"))
        layer = Layer(lspec.id, lspec.name, " ".join(lspec.description.split()), lspec.kind,
                      " ".join(lspec.placement.split()), fname, lspec.order,
                      tuple(sources[k] for k in lspec.sources if k in sources))
        layers[layer.id] = layer
        defaults = spec.defaults.model_dump(exclude_none=True)
        for index, raw_area in enumerate(spec.areas):
            label = _entry_label(raw_area, index)
            merged = {**defaults, **raw_area}
            try:
                aspec = AreaSpec.model_validate(merged)
            except ValidationError as exc:
                problems.extend(Problem(fname, label, r) for r in _pydantic_reasons(exc))
                continue
            area, entry_problems = _build_area(aspec, layer, sources, fname)
            problems.extend(entry_problems)
            if area is None:
                continue
            if area.id in areas:
                problems.append(Problem(fname, area.id, f"duplicate id (also in {areas[area.id].file})"))
                continue
            areas[area.id] = area

    problems.extend(_cross_checks(layers, areas))
    if problems:
        raise AtlasError(problems)
    ordered_layers = dict(sorted(layers.items(), key=lambda kv: (kv[1].order, kv[0])))
    return Atlas(layers=ordered_layers, areas=areas, sources=sources, directory=str(directory))


def _build_area(
    spec: AreaSpec, layer: Layer, sources: dict[str, Source], fname: str
) -> tuple[Area | None, list[Problem]]:
    problems = []
    missing = [k for k in spec.sources if k not in sources]
    if missing:
        problems.append(Problem(fname, spec.id, f"unknown source key(s): {', '.join(missing)} "
                                                f"(add them to {SOURCES_FILE})"))
    if len(set(spec.sources)) != len(spec.sources):
        problems.append(Problem(fname, spec.id, "a source is listed twice"))
    geom = None
    if spec.geometry is not None:
        geom = build_geometry(spec.geometry)
        reasons = _geometry_problems(geom)
        problems.extend(Problem(fname, spec.id, r) for r in reasons)
        if not reasons:
            geom = shapely.segmentize(_fit_to_sole(geom), SEGMENT_UV)
    if layer.kind == "graph" and spec.chain is None:
        problems.append(Problem(fname, spec.id, "graph-layer entries need a 'chain' (line, order, role)"))
    if layer.kind != "graph" and spec.chain is not None:
        problems.append(Problem(fname, spec.id, f"'chain' is only allowed in graph layers, not {layer.kind}"))
    if problems:
        return None, problems
    location = spec.location or "sole"
    area = Area(
        id=spec.id,
        name=spec.name,
        layer=layer.id,
        side=spec.side,
        geometry=geom,
        off_sole=spec.off_sole,
        location=location,
        body_parts=tuple(spec.body_parts),
        synonyms=tuple(spec.synonyms),
        symptoms=tuple(spec.symptoms),
        description=" ".join(spec.description.split()),
        evidence=spec.evidence,
        sources=tuple(sources[k] for k in spec.sources),
        related=tuple(spec.related),
        chain=None if spec.chain is None else ChainLink(spec.chain.line, spec.chain.order, spec.chain.role),
        group=spec.group,
        file=fname,
        _centroid=None if geom is None else _anchor(geom),
    )
    return area, []


def _cross_checks(layers: dict[str, Layer], areas: dict[str, Area]) -> list[Problem]:
    problems: list[Problem] = []
    for area in areas.values():
        for rid in area.related:
            if rid == area.id:
                problems.append(Problem(area.file, area.id, "lists itself in 'related'"))
            elif rid not in areas:
                problems.append(Problem(area.file, area.id, f"related id {rid!r} does not exist"))

    chains: dict[str, list[Area]] = defaultdict(list)
    for area in areas.values():
        if area.chain is not None:
            chains[area.chain.line].append(area)
    for line, members in chains.items():
        orders = sorted(a.chain.order for a in members if a.chain)
        if orders != list(range(1, len(members) + 1)):
            reason = f"chain {line!r}: orders {orders} must run 1..{len(members)} without gaps"
            problems.append(Problem(members[0].file, None, reason))

    for layer in layers.values():
        if layer.kind == "partition":
            problems.extend(_partition_problems(layer, [a for a in areas.values() if a.layer == layer.id]))
    return problems


def _partition_problems(layer: Layer, members: list[Area]) -> list[Problem]:
    problems = []
    for side in FOOT_SIDES:
        polys = [a for a in members if a.applies_to(side) and a.geometry is not None and not a.is_line]
        for a, b in itertools.combinations(polys, 2):
            overlap = a.geometry.intersection(b.geometry).area  # type: ignore[union-attr]
            if overlap > _AREA_EPS:
                reason = (f"overlaps {b.id!r} by {overlap:.4f} uv² on the {side} foot, "
                          f"but layer {layer.id!r} is a partition")
                problems.append(Problem(layer.file, a.id, reason))
        covered = shapely.unary_union([a.geometry for a in polys]).area if polys else 0.0
        gap = sole_uv().area - covered
        if gap > _AREA_EPS:
            reason = (f"layer {layer.id!r} is a partition but leaves {gap:.4f} uv² "
                      f"of the {side} sole uncovered")
            problems.append(Problem(layer.file, None, reason))
    return problems


def atlas_report(atlas: Atlas) -> dict[str, Any]:
    """Counts per layer and foot, plus sources that no entry cites (worth pruning or using)."""
    per_layer: dict[str, dict[str, int]] = {}
    for lid in atlas.layers:
        members = atlas.areas_in(layer=lid)
        per_layer[lid] = {
            "areas": len(members),
            "left": sum(a.applies_to("left") for a in members),
            "right": sum(a.applies_to("right") for a in members),
            "off_sole": sum(a.off_sole for a in members),
        }
    cited = {s.key for a in atlas.areas.values() for s in a.sources}
    cited |= {s.key for layer in atlas.layers.values() for s in layer.sources}
    return {
        "directory": atlas.directory,
        "layers": per_layer,
        "areas": len(atlas.areas),
        "sources": len(atlas.sources),
        "unused_sources": sorted(set(atlas.sources) - cited),
    }


def sources_markdown(atlas: Atlas) -> str:
    """The README's source table: every source with its citation, URL, note and the layers citing it."""
    users: dict[str, set[str]] = defaultdict(set)
    for area in atlas.areas.values():
        for s in area.sources:
            users[s.key].add(area.layer)
    for layer in atlas.layers.values():
        for s in layer.sources:
            users[s.key].add(layer.id)
    lines = ["| key | reference | cited by layers |", "|---|---|---|"]
    for s in atlas.sources.values():
        ref = s.citation.replace("|", "/")
        if s.url:
            ref += f" <{s.url}>"
        if s.note:
            ref += f" — {s.note.replace('|', '/')}"
        lines.append(f"| `{s.key}` | {ref} | {', '.join(sorted(users[s.key])) or '(none)'} |")
    return "\n".join(lines) + "\n"
