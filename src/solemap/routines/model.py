"""Routines as data: the pydantic shape of a routine file and its steps.

A routine file is YAML (see ``data/routines/`` and ``README.md``). The models here check the
*shape* of one file; :mod:`solemap.routines.loader` then checks every area id against the atlas and
every tool and technique id against the catalog, naming the file, the step and the reason.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from solemap.atlas import EVIDENCE_LABELS
from solemap.routines.engine import Block
from solemap.routines.pacer import Pacer

StepSide = Literal["left", "right", "both", "alternate"]
Position = Literal["seated", "standing"]

_SLUG = r"^[a-z0-9]+(-[a-z0-9]+)*$"


def _check_label(value: str) -> str:
    if value not in EVIDENCE_LABELS:
        raise ValueError(f"unknown evidence label {value!r} (use one of {', '.join(EVIDENCE_LABELS)})")
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Load(_Strict):
    """How much weight goes through the tool: sitting, standing, or a share of body weight."""

    position: Position
    body_weight: float | None = Field(default=None, ge=0.0, le=1.0)

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: object) -> object:
        # ``load: seated`` is the common case; the mapping form adds a body-weight share.
        return {"position": value} if isinstance(value, str) else value

    def text(self) -> str:
        """Plain words for the player: ``"standing, about 30% of your weight on this foot"``."""
        if self.body_weight is None:
            return "sitting down" if self.position == "seated" else "standing"
        share = round(self.body_weight * 100)
        where = "sitting, pressing down with about" if self.position == "seated" else "standing, about"
        return f"{where} {share}% of your body weight on this foot"


class Pace(_Strict):
    """A routine's breathing pace, e.g. 6 breaths a minute, 4 parts in to 6 parts out."""

    breaths_per_min: float = Field(default=6.0, ge=2.0, le=30.0)
    inhale: float = Field(default=4.0, gt=0)
    exhale: float = Field(default=6.0, gt=0)

    def pacer(self) -> Pacer:
        return Pacer.from_ratio(self.breaths_per_min, self.inhale, self.exhale)


class Step(_Strict):
    """One step. ``duration_s`` is per foot: a ``both`` step runs left then right, each that long;
    an ``alternate`` step swaps feet every ``switch_every_s`` until each foot has had its time."""

    id: str = Field(pattern=_SLUG)
    title: str = Field(min_length=3, max_length=80)
    areas: tuple[str, ...] = Field(min_length=1)
    side: StepSide
    tool: str | None = None
    technique: str
    duration_s: int = Field(ge=5, le=1800)
    switch_every_s: int | None = Field(default=None, ge=5)
    load: Load
    breathing: str = Field(min_length=3)
    pain_ceiling: int = Field(ge=0, le=10)
    instruction: str = Field(min_length=10)
    evidence: str
    sources: tuple[str, ...] = ()

    @field_validator("evidence")
    @classmethod
    def _label(cls, value: str) -> str:
        return _check_label(value)

    @model_validator(mode="after")
    def _switch(self) -> Step:
        if self.switch_every_s is not None and self.side != "alternate":
            raise ValueError("switch_every_s only applies to side: alternate")
        return self

    @property
    def total_s(self) -> int:
        """Seconds the step takes in all (both feet)."""
        return self.duration_s if self.side in ("left", "right") else 2 * self.duration_s

    def blocks(self, index: int) -> list[Block]:
        """The timed blocks of this step (its position in the routine is ``index``)."""
        if self.side in ("left", "right"):
            return [Block(index, self.id, self.side, float(self.duration_s), self.pain_ceiling)]
        if self.side == "both":
            return [
                Block(index, self.id, s, float(self.duration_s), self.pain_ceiling) for s in ("left", "right")
            ]
        chunk = float(self.switch_every_s or min(30, self.duration_s))
        out: list[Block] = []
        left_for = {"left": float(self.duration_s), "right": float(self.duration_s)}
        side = "left"
        while left_for["left"] > 1e-9 or left_for["right"] > 1e-9:
            if left_for[side] > 1e-9:
                d = min(chunk, left_for[side])
                out.append(Block(index, self.id, side, d, self.pain_ceiling))
                left_for[side] -= d
            side = "right" if side == "left" else "left"
        return out


class Routine(_Strict):
    """A whole routine. ``tradition`` marks routines built on a traditional practice
    (reflexology): players show that label with every step."""

    id: str = Field(pattern=_SLUG)
    title: str = Field(min_length=3, max_length=80)
    summary: str = Field(min_length=10)
    purpose: str = Field(min_length=10)
    tradition: bool = False
    order: int = Field(default=100, ge=0, description="Position in lists (lower first); user files keep 100")
    evidence: str
    note: str = ""
    pace: Pace = Pace()
    sources: dict[str, str] = Field(min_length=1)
    steps: tuple[Step, ...] = Field(min_length=1)

    @field_validator("evidence")
    @classmethod
    def _label(cls, value: str) -> str:
        return _check_label(value)

    @model_validator(mode="after")
    def _check(self) -> Routine:
        seen: set[str] = set()
        for n, step in enumerate(self.steps, 1):
            if step.id in seen:
                raise ValueError(f"step {n} ({step.id!r}): the id is used by an earlier step")
            seen.add(step.id)
            for key in step.sources:
                if key not in self.sources:
                    raise ValueError(
                        f"step {n} ({step.id!r}): cites source {key!r}, "
                        "which the routine's sources do not list"
                    )
        return self

    @property
    def total_s(self) -> int:
        return sum(s.total_s for s in self.steps)

    def blocks(self) -> list[Block]:
        """The routine flattened into timed blocks for :class:`~solemap.routines.engine.SessionEngine`."""
        return [b for i, s in enumerate(self.steps) for b in s.blocks(i)]
