"""The atlas's public types: sources, layers, areas and the atlas that holds them.

Every geometry here lives in the normalized plantar frame ``uv`` of :mod:`solemap.frame`: ``u`` runs
from the back of the heel (0) to the tip of the longest toe (1), ``v`` from the medial border (0) to
the lateral border (1). The same numbers serve both feet; the frame does the mirroring.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from shapely.geometry.base import BaseGeometry

Side = Literal["left", "right", "both"]
FootSide = Literal["left", "right"]

SIDES: tuple[str, ...] = ("left", "right", "both")
FOOT_SIDES: tuple[str, ...] = ("left", "right")

#: Evidence labels, strongest kind of support first. ``traditional-claim`` records what a tradition
#: asserts and is not evidence that the assertion is true.
EVIDENCE_LABELS: dict[str, str] = {
    "guideline": "a clinical practice guideline or formal published standard",
    "systematic-review": "a systematic review or meta-analysis",
    "trial": "a primary study (randomized or not, cohort, case-control, cross-sectional, laboratory)",
    "anatomy": "a structural fact from anatomy texts or imaging and dissection studies",
    "expert-opinion": "manual-therapy textbooks, clinician consensus, or values derived by proportion",
    "traditional-claim": "what a tradition such as reflexology asserts; not evidence that it is true",
}

#: How the areas of a layer relate to each other; the loader checks the promise each kind makes.
LAYER_KINDS: dict[str, str] = {
    "partition": "polygons tile the whole sole of each foot without overlapping (lines allowed too)",
    "overlapping": "areas may overlap; several can lie under one point",
    "graph": "stations of a myofascial line, ordered from the sole upward, many of them off the sole",
}


@dataclass(frozen=True, slots=True)
class Source:
    """One reference, cited by its short ``key`` from the data files."""

    key: str
    citation: str
    url: str | None = None
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key, "citation": self.citation}
        if self.url:
            out["url"] = self.url
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True, slots=True)
class Layer:
    """A named set of areas drawn and looked up together (``reflexology``, ``anatomy``, ...)."""

    id: str
    name: str
    description: str
    kind: str
    placement: str
    file: str
    order: int
    sources: tuple[Source, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "kind": self.kind,
            "placement": self.placement,
            "sources": [s.to_json() for s in self.sources],
        }


@dataclass(frozen=True, slots=True)
class ChainLink:
    """Where an area sits on a myofascial line: ``order`` 1 is the station nearest the sole."""

    line: str
    order: int
    role: Literal["station", "track"]


@dataclass(frozen=True, slots=True, eq=False)
class Area:
    """One entry of the atlas.

    ``geometry`` is a shapely Polygon, MultiPolygon or LineString in uv (unitless, both axes
    0…1), or ``None`` when the entry lies off the sole (``off_sole`` is then true and ``location``
    names where, e.g. ``"calf"``).
    """

    id: str
    name: str
    layer: str
    side: Side
    geometry: BaseGeometry | None
    off_sole: bool
    location: str
    body_parts: tuple[str, ...]
    synonyms: tuple[str, ...]
    symptoms: tuple[str, ...]
    description: str
    evidence: str
    sources: tuple[Source, ...]
    related: tuple[str, ...] = ()
    chain: ChainLink | None = None
    group: str | None = None
    file: str = ""
    _centroid: tuple[float, float] | None = field(default=None, repr=False)

    @property
    def centroid(self) -> tuple[float, float] | None:
        """A point (u, v) that lies on the area (its centroid when that falls inside), or None."""
        return self._centroid

    @property
    def is_line(self) -> bool:
        """True for guide lines (LineString geometry): they have length, not area."""
        return self.geometry is not None and self.geometry.geom_type in ("LineString", "MultiLineString")

    @property
    def search_terms(self) -> tuple[str, ...]:
        """Name, body parts, synonyms and symptoms: every phrase a search may match."""
        return (self.name, *self.body_parts, *self.synonyms, *self.symptoms)

    def applies_to(self, side: str) -> bool:
        """Whether the area is on the given foot (``"left"``/``"right"``); ``"both"`` matches any."""
        return self.side == "both" or side == "both" or self.side == side

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict: id, name, layer, side, centroid, body_parts, evidence, sources and more."""
        c = self._centroid
        out: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "layer": self.layer,
            "side": self.side,
            "centroid": None if c is None else {"u": round(c[0], 4), "v": round(c[1], 4)},
            "body_parts": list(self.body_parts),
            "evidence": self.evidence,
            "sources": [s.to_json() for s in self.sources],
            "description": self.description,
            "synonyms": list(self.synonyms),
            "symptoms": list(self.symptoms),
            "related": list(self.related),
            "off_sole": self.off_sole,
            "location": self.location,
            "geometry_type": None if self.geometry is None else self.geometry.geom_type,
        }
        if self.group is not None:
            out["group"] = self.group
        if self.chain is not None:
            out["chain"] = {"line": self.chain.line, "order": self.chain.order, "role": self.chain.role}
        return out

    def __hash__(self) -> int:
        return hash(self.id)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Area) and other.id == self.id


_SIDE_SUFFIXES = ("-left", "-right")


@dataclass(frozen=True)
class Atlas:
    """All layers, areas and sources, validated. Build it with :func:`solemap.atlas.load_atlas`."""

    layers: dict[str, Layer]
    areas: dict[str, Area]
    sources: dict[str, Source]
    directory: str

    def get(self, area_id: str) -> Area:
        """The area with this id.

        ``"<id>-left"`` / ``"<id>-right"`` also resolve to an area ``<id>`` that lies on that foot,
        matching the SVG element ids of :mod:`solemap.render`. Raises KeyError for unknown ids.
        """
        area = self.areas.get(area_id)
        if area is not None:
            return area
        for suffix in _SIDE_SUFFIXES:
            if area_id.endswith(suffix):
                base = self.areas.get(area_id[: -len(suffix)])
                if base is not None and base.applies_to(suffix[1:]):
                    return base
        raise KeyError(f"unknown atlas area {area_id!r}")

    def layer(self, layer_id: str) -> Layer:
        """The layer with this id; KeyError names the known layers."""
        try:
            return self.layers[layer_id]
        except KeyError:
            known = ", ".join(self.layers)
            raise KeyError(f"unknown layer {layer_id!r} (known: {known})") from None

    def areas_in(
        self,
        layer: str | Iterable[str] | None = None,
        side: str | None = None,
        *,
        on_sole: bool | None = None,
    ) -> list[Area]:
        """Areas in file order, filtered.

        ``layer``: one id or several (unknown ids raise KeyError). ``side``: ``"left"`` or
        ``"right"`` keeps areas of that foot plus ``"both"``; ``None``/``"both"`` keeps all.
        ``on_sole``: True keeps only areas with geometry, False only off-sole entries.
        """
        if side is not None and side not in SIDES:
            raise ValueError(f"unknown side {side!r} (use left, right or both)")
        wanted: set[str] | None = None
        if layer is not None:
            wanted = {layer} if isinstance(layer, str) else set(layer)
            for lid in wanted:
                self.layer(lid)
        out = []
        for area in self.areas.values():
            if wanted is not None and area.layer not in wanted:
                continue
            if side not in (None, "both") and not area.applies_to(side):
                continue
            if on_sole is not None and on_sole == area.off_sole:
                continue
            out.append(area)
        return out

    def chain(self, line: str) -> list[Area]:
        """Stations and tracks of one myofascial line, ordered from the sole upward."""
        members = [a for a in self.areas.values() if a.chain is not None and a.chain.line == line]
        if not members:
            raise KeyError(f"unknown chain {line!r} (known: {', '.join(self.chains)})")
        return sorted(members, key=lambda a: a.chain.order if a.chain else 0)

    @property
    def chains(self) -> dict[str, list[Area]]:
        """Every myofascial line by id, each ordered from the sole upward."""
        lines = dict.fromkeys(a.chain.line for a in self.areas.values() if a.chain is not None)
        return {line: self.chain(line) for line in lines}

    def __iter__(self) -> Iterator[Area]:
        return iter(self.areas.values())

    def __len__(self) -> int:
        return len(self.areas)
