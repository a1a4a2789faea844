"""The tools catalog (balls, bottle, roller, thumbs) and the techniques, read from ``data/tools.yaml``."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from solemap.atlas import EVIDENCE_LABELS

Hardness = Literal["firm", "medium", "soft", "cold"]

#: Hardness classes in the order a beginner should meet them (softest first).
HARDNESS_ORDER: tuple[str, ...] = ("soft", "cold", "medium", "firm")


class CatalogError(ValueError):
    """The tools file is malformed; the message names the file, the entry and the reason."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Tool(_Strict):
    """A massage tool. ``diameter_mm``/``mass_g`` are (min, max) ranges; ``estimate`` marks
    sizes taken from product pages rather than a rulebook."""

    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    name: str
    diameter_mm: tuple[float, float] | None = None
    mass_g: tuple[float, float] | None = None
    hardness: Hardness
    material: str
    estimate: bool = False
    uses: tuple[str, ...] = Field(min_length=1)
    cautions: tuple[str, ...] = ()
    evidence: str
    sources: tuple[str, ...] = Field(min_length=1)

    @field_validator("evidence")
    @classmethod
    def _label(cls, value: str) -> str:
        if value not in EVIDENCE_LABELS:
            raise ValueError(f"unknown evidence label {value!r} (use one of {', '.join(EVIDENCE_LABELS)})")
        return value

    @field_validator("diameter_mm", "mass_g")
    @classmethod
    def _range(cls, value: tuple[float, float] | None) -> tuple[float, float] | None:
        if value is not None and not 0 < value[0] <= value[1]:
            raise ValueError(f"range must be 0 < min <= max, got {list(value)}")
        return value

    def size_text(self) -> str:
        """``"Ø 63–65 mm"`` or ``""`` for tools without a size."""
        if self.diameter_mm is None:
            return ""
        lo, hi = self.diameter_mm
        text = f"Ø {lo:.0f} mm" if round(lo) == round(hi) else f"Ø {lo:.0f}–{hi:.0f} mm"
        return text + (" (estimate)" if self.estimate else "")


class Technique(_Strict):
    """How a step is done (slow rolls, cross-fibre strokes, holding a point, ...)."""

    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    name: str
    how: str
    sources: tuple[str, ...] = ()


class Catalog(_Strict):
    """Everything in ``tools.yaml``: cited sources by key, tools and techniques by id."""

    sources: dict[str, str]
    tools: tuple[Tool, ...]
    techniques: tuple[Technique, ...]

    @model_validator(mode="after")
    def _check(self) -> Catalog:
        for kind, items in (("tool", self.tools), ("technique", self.techniques)):
            seen: set[str] = set()
            for item in items:
                if item.id in seen:
                    raise ValueError(f"{kind} {item.id!r} is listed twice")
                seen.add(item.id)
                for key in item.sources:
                    if key not in self.sources:
                        raise ValueError(f"{kind} {item.id!r} cites unknown source {key!r}")
        return self

    @functools.cached_property
    def tool_by_id(self) -> dict[str, Tool]:
        return {t.id: t for t in self.tools}

    @functools.cached_property
    def technique_by_id(self) -> dict[str, Technique]:
        return {t.id: t for t in self.techniques}

    def tool(self, tool_id: str) -> Tool:
        """The tool with this id (``KeyError`` if unknown)."""
        return self.tool_by_id[tool_id]

    def technique(self, technique_id: str) -> Technique:
        return self.technique_by_id[technique_id]


def data_path(*parts: str) -> Path:
    """A path inside the package's ``routines/data`` folder."""
    return Path(__file__).with_name("data").joinpath(*parts)


def read_yaml(path: Path) -> Any:
    """Parse a YAML file; errors name the file and the line."""
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise CatalogError(f"{path.name}{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from exc


def pydantic_reasons(exc: ValidationError) -> list[str]:
    """One readable line per pydantic error: ``field.path: message``."""
    out = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        out.append(f"{loc}: {msg}" if loc else msg)
    return out


@functools.cache
def load_catalog(path: str | None = None) -> Catalog:
    """Load and validate the tools catalog (cached). ``path`` overrides the shipped file."""
    file = Path(path) if path else data_path("tools.yaml")
    raw = read_yaml(file)
    try:
        return Catalog.model_validate(raw)
    except ValidationError as exc:
        raise CatalogError(f"{file.name}: " + "; ".join(pydantic_reasons(exc))) from exc
