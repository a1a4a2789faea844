"""Shoe sizes ↔ foot length (mm), approximate.

A shoe size names the *last* (the form a shoe is built on), which is about two size steps longer
than the foot; only Mondopoint names the foot itself. The formulas below are the foot-based forms
(last formula plus two steps). Brands and models differ by a size or more, so every conversion is
an estimate and a measured foot length is always better.

Units: barleycorn = 1/3 inch = 8.467 mm (UK and US steps), Paris point = 2/3 cm = 6.667 mm (EU step),
Mondopoint step 5 mm.

Sources (see ``../shared/domain/foot-shape.md`` §3):

* ISO 9407:2019, *Shoe sizes — Mondopoint system of sizing and marking* (guideline).
* "Shoe size", Wikipedia, and isegoria, "Shoe sizes" (2012): last length L in inches gives
  UK 3L − 25, US men 3L − 24, US women 3L − 22½; EU 1.5 × L in cm (secondary summaries, not
  checked against ISO/TS 19407:2015).
* Jurca A, Žabkar J, Džeroski S 2019, Sci Rep 9:19155, doi 10.1038/s41598-019-55432-z (size steps).

This module sits beside :mod:`solemap.frame` at the bottom of the layer stack and imports nothing
from solemap.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

INCH_MM = 25.4
BARLEYCORN_MM = INCH_MM / 3.0
PARIS_POINT_MM = 20.0 / 3.0

#: Foot lengths (mm) accepted as an adult foot: below and above this the formulas (adult lasts)
#: do not apply. ANSUR II P5 of women is 226 mm and P95 of men 293 mm; the range leaves room on
#: both sides and starts near UK 1, where children's scales take over.
MIN_FOOT_MM = 205.0
MAX_FOOT_MM = 340.0

SOURCE_NOTE = (
    "ISO 9407:2019 (Mondopoint); 'Shoe size' (Wikipedia) and isegoria 'Shoe sizes' 2012 for the "
    "EU, UK and US formulas; foot-based forms = last length minus two size steps (estimate)."
)


@dataclass(frozen=True, slots=True)
class ShoeSizeSystem:
    """One sizing system: how a size maps to a foot length and back.

    ``step`` is the size increment sold in shops (half sizes for EU, UK and US, 5 mm for
    Mondopoint); ``size_for`` rounds to it.
    """

    id: str
    label: str
    step: float
    _to_mm: Callable[[float], float]
    _from_mm: Callable[[float], float]
    formula: str
    source: str

    def foot_length_mm(self, size: float) -> float:
        """Approximate foot length (mm) of someone who wears ``size`` in this system.

        Raises ValueError when the size is not a finite number or lies outside adult sizes.
        """
        if not math.isfinite(size):
            raise ValueError(f"shoe size must be a number, not {size!r}")
        length = self._to_mm(size)
        if not MIN_FOOT_MM <= length <= MAX_FOOT_MM:
            lo, hi = self.size_range
            raise ValueError(
                f"{self.label} size {size:g} is outside adult sizes ({lo:g} to {hi:g} in this system)"
            )
        return length

    def exact_size(self, foot_length_mm: float) -> float:
        """The unrounded size for a foot length (mm), e.g. 42.68 for EU."""
        return self._from_mm(foot_length_mm)

    def size_for(self, foot_length_mm: float) -> float:
        """The nearest size sold (rounded to ``step``) for a foot length in mm."""
        return round(self._from_mm(foot_length_mm) / self.step) * self.step

    @property
    def size_range(self) -> tuple[float, float]:
        """Smallest and largest sizes (rounded to ``step``) inside the adult foot range."""
        lo = math.ceil(self._from_mm(MIN_FOOT_MM) / self.step) * self.step
        hi = math.floor(self._from_mm(MAX_FOOT_MM) / self.step) * self.step
        return lo, hi

    def to_json(self) -> dict[str, object]:
        lo, hi = self.size_range
        return {
            "id": self.id,
            "label": self.label,
            "step": self.step,
            "min": lo,
            "max": hi,
            "formula": self.formula,
            "source": self.source,
        }


def _uk_like(offset: float) -> tuple[Callable[[float], float], Callable[[float], float]]:
    """UK and US sizes count barleycorns from a zero point: size = 3 × FL(in) − offset."""
    return (
        lambda size: (size + offset) * BARLEYCORN_MM,
        lambda mm: 3.0 * mm / INCH_MM - offset,
    )


_UK = _uk_like(23.0)
_US_MEN = _uk_like(22.0)
_US_WOMEN = _uk_like(20.5)

SYSTEMS: dict[str, ShoeSizeSystem] = {
    s.id: s
    for s in (
        ShoeSizeSystem(
            "eu",
            "EU",
            0.5,
            lambda size: (size - 2.0) * PARIS_POINT_MM,
            lambda mm: 1.5 * (mm / 10.0) + 2.0,
            "EU = 1.5 × foot length in cm + 2",
            "Paris point (2/3 cm) from a last two points longer than the foot; 'Shoe size', Wikipedia",
        ),
        ShoeSizeSystem(
            "uk",
            "UK",
            0.5,
            *_UK,
            "UK = 3 × foot length in inches − 23",
            "barleycorn (1/3 in) from a zero last of 25 barleycorns; 'Shoe size', Wikipedia",
        ),
        ShoeSizeSystem(
            "us-men",
            "US men",
            0.5,
            *_US_MEN,
            "US men = 3 × foot length in inches − 22 (UK + 1)",
            "US men's sizes are UK sizes + 1; 'Shoe size', Wikipedia; isegoria 2012",
        ),
        ShoeSizeSystem(
            "us-women",
            "US women",
            0.5,
            *_US_WOMEN,
            "US women = 3 × foot length in inches − 20.5 (US men + 1.5)",
            "the common US women's scale, men's + 1.5 (the FIA scale uses + 1); 'Shoe size', Wikipedia",
        ),
        ShoeSizeSystem(
            "mondopoint",
            "Mondopoint",
            5.0,
            lambda size: float(size),
            lambda mm: float(mm),
            "Mondopoint = foot length in mm",
            "ISO 9407:2019 names the foot length itself, in 5 mm steps",
        ),
    )
}


def system(system_id: str) -> ShoeSizeSystem:
    """The sizing system with this id; ValueError lists the known ids."""
    try:
        return SYSTEMS[system_id]
    except KeyError:
        known = ", ".join(SYSTEMS)
        raise ValueError(f"unknown shoe-size system {system_id!r} (use one of: {known})") from None


def foot_length_from_shoe_size(size: float, system_id: str) -> float:
    """Approximate foot length in mm for a shoe size, e.g. ``(42.5, "eu")`` → 270.0."""
    return system(system_id).foot_length_mm(size)


def shoe_sizes_for(foot_length_mm: float) -> dict[str, float]:
    """The nearest size in every system for a foot length (mm), e.g. 271 → EU 42.5, UK 9, …"""
    if not math.isfinite(foot_length_mm) or not MIN_FOOT_MM <= foot_length_mm <= MAX_FOOT_MM:
        raise ValueError(
            f"foot length must be between {MIN_FOOT_MM:g} and {MAX_FOOT_MM:g} mm, not {foot_length_mm!r}"
        )
    return {sid: s.size_for(foot_length_mm) for sid, s in SYSTEMS.items()}
