"""Pydantic schema of the atlas data files and the geometry shorthands they use.

A layer file (``data/<layer>.yaml``) holds ``layer`` (id, name, kind, description, placement),
optional ``defaults`` (evidence, sources, location) merged into each entry, and ``areas``. The
sources file (``data/sources.yaml``) holds every reference once, cited by key. See
``atlas/README.md`` for the format with examples.

Geometry shorthands (all coordinates ``[u, v]`` in the plantar frame, unitless 0…1):

* ``box: {u: [u0, u1], v: [v0, v1]}`` with optional ``round: r`` (corner radius, uv units)
* ``ellipse: {u: uc, v: vc, du: ru, dv: rv}`` (semi-axes along u and v)
* ``polygon: [[u, v], ...]`` (closed automatically)
* ``line: [[u, v], ...]`` a guide line (LineString)
* ``band: {path: [[u, v], ...], width: w}`` a strip of full width ``w`` around a path
* ``union: [<shorthand>, ...]`` several parts of one structure

Ellipses and bands are clipped to the sole (the unit square) because anatomy that hugs the border
is naturally drawn that way; boxes, polygons and lines must lie inside it as written.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

Coord = Annotated[list[float], Field(min_length=2, max_length=2)]
Range = Annotated[list[float], Field(min_length=2, max_length=2)]
EvidenceLabel = Literal[
    "guideline", "systematic-review", "trial", "anatomy", "expert-opinion", "traditional-claim"
]


class _Strict(BaseModel):
    # Unknown keys are almost always typos ("synonym:", "evidense:"): refuse them.
    model_config = ConfigDict(extra="forbid", frozen=True)


class BoxSpec(_Strict):
    u: Range
    v: Range
    round: float = Field(0.0, ge=0.0, le=0.2)

    @model_validator(mode="after")
    def _ordered(self) -> BoxSpec:
        for axis in ("u", "v"):
            lo, hi = getattr(self, axis)
            if not lo < hi:
                raise ValueError(f"box {axis} range [{lo}, {hi}] is empty (need low < high)")
        return self


class EllipseSpec(_Strict):
    u: float
    v: float
    du: float = Field(gt=0.0, le=1.0)
    dv: float = Field(gt=0.0, le=1.0)


class BandSpec(_Strict):
    path: Annotated[list[Coord], Field(min_length=2)]
    width: float = Field(gt=0.0, le=0.5)


class GeometrySpec(_Strict):
    box: BoxSpec | None = None
    ellipse: EllipseSpec | None = None
    polygon: Annotated[list[Coord], Field(min_length=3)] | None = None
    line: Annotated[list[Coord], Field(min_length=2)] | None = None
    band: BandSpec | None = None
    union: Annotated[list[GeometrySpec], Field(min_length=2)] | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> GeometrySpec:
        given = [name for name in type(self).model_fields if getattr(self, name) is not None]
        if len(given) != 1:
            shapes = ", ".join(type(self).model_fields)
            found = ", ".join(given) or "none"
            raise ValueError(f"give exactly one shape of: {shapes} (found: {found})")
        return self


class ChainSpec(_Strict):
    line: str
    order: int = Field(ge=1)
    role: Literal["station", "track"]


def _check_id(value: str) -> str:
    if not ID_PATTERN.match(value):
        raise ValueError(f"{value!r} is not a valid id (lower-case words joined by '-')")
    return value


def _clean_phrases(values: list[str]) -> list[str]:
    out = []
    for value in values:
        text = " ".join(value.split())
        if not text:
            raise ValueError("empty phrase")
        out.append(text)
    return out


class AreaSpec(_Strict):
    """One entry as written in a layer file (after merging the file's ``defaults``)."""

    id: str
    name: str = Field(min_length=2)
    side: Literal["left", "right", "both"]
    geometry: GeometrySpec | None = None
    off_sole: bool = False
    location: str | None = None
    body_parts: Annotated[list[str], Field(min_length=1)]
    synonyms: list[str] = Field(default_factory=list)
    symptoms: list[str] = Field(default_factory=list)
    description: str = Field(min_length=20)
    evidence: EvidenceLabel
    sources: Annotated[list[str], Field(min_length=1)]
    related: list[str] = Field(default_factory=list)
    chain: ChainSpec | None = None
    #: Optional sub-group inside a layer (e.g. "muscles", "nerves"), for filtering and legends.
    group: str | None = Field(None, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

    @field_validator("id")
    @classmethod
    def _valid_id(cls, value: str) -> str:
        return _check_id(value)

    @field_validator("body_parts", "synonyms", "symptoms")
    @classmethod
    def _valid_phrases(cls, values: list[str]) -> list[str]:
        return _clean_phrases(values)

    @model_validator(mode="after")
    def _placement(self) -> AreaSpec:
        if self.off_sole:
            if self.geometry is not None:
                raise ValueError("an off-sole entry (off_sole: true) must not have a geometry")
            if not self.location:
                raise ValueError("an off-sole entry needs a 'location' (e.g. 'calf')")
        elif self.geometry is None:
            raise ValueError("missing geometry (or mark the entry 'off_sole: true' with a location)")
        return self


class LayerSpec(_Strict):
    id: str
    name: str = Field(min_length=2)
    kind: Literal["partition", "overlapping", "graph"]
    order: int = Field(ge=0)
    description: str = Field(min_length=20)
    placement: str = Field(min_length=10)
    #: References about the layer as a whole (e.g. reviews of the practice it charts).
    sources: list[str] = Field(default_factory=list)

    @field_validator("id")
    @classmethod
    def _valid_id(cls, value: str) -> str:
        return _check_id(value)


class DefaultsSpec(_Strict):
    evidence: EvidenceLabel | None = None
    sources: list[str] | None = None
    location: str | None = None
    side: Literal["left", "right", "both"] | None = None


class LayerFileSpec(_Strict):
    layer: LayerSpec
    defaults: DefaultsSpec = Field(default_factory=DefaultsSpec)
    areas: Annotated[list[dict[str, Any]], Field(min_length=1)]


class SourceSpec(_Strict):
    key: str
    citation: str = Field(min_length=10)
    url: str | None = None
    note: str | None = None

    @field_validator("key")
    @classmethod
    def _valid_key(cls, value: str) -> str:
        return _check_id(value)


class SourcesFileSpec(_Strict):
    sources: Annotated[list[SourceSpec], Field(min_length=1)]
