"""Pressure units and their conversion to kPa.

Every reader hands its numbers to :func:`to_kpa` with the unit word the file states, so the
conversion factors live in one table (:data:`UNIT_FACTORS_KPA`) with their sources.

Sources of the factors:

* N/cm² = 10 kPa, MPa = 1000 kPa, bar = 100 kPa, Pa = 0.001 kPa: SI definitions
  (BIPM, *The International System of Units*, 9th ed. 2019, tables 4 and 8).
* psi = 6.894757 kPa and mmHg = 0.1333224 kPa: NIST Special Publication 811 (2008), appendix B.8
  (pound-force per square inch = 6.894 757 E+03 Pa; millimetre of mercury, conventional =
  1.333 224 E+02 Pa). ``../shared/domain/pressure-formats.md`` quotes the same factors rounded.
* kgf/cm² = 98.0665 kPa: standard gravity 9.80665 m/s² (BIPM SI brochure, 9th ed., table 8 note).
* Force per sensor (N) → kPa: p = F / A, with A the sensor area; 1 N / 1 mm² = 1000 kPa
  (pressure-formats.md: "N per sensor ÷ (area m² × 1000)").
* ``raw``: uncalibrated counts (Tekscan ``UNITS raw``, stappone); multiplied by a user-supplied
  calibration factor in kPa per count.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import numpy as np

#: Canonical unit name -> kPa per unit. ``raw`` is 1 count, scaled by the calibration factor.
UNIT_FACTORS_KPA: Mapping[str, float] = MappingProxyType(
    {
        "kPa": 1.0,
        "Pa": 1.0e-3,
        "MPa": 1.0e3,
        "N/cm2": 10.0,
        "N/mm2": 1.0e3,
        "bar": 100.0,
        "mbar": 0.1,
        "psi": 6.894757,
        "mmHg": 0.1333224,
        "kgf/cm2": 98.0665,
        "raw": 1.0,
    }
)

#: Units that are a force per sensor rather than a pressure (need the sensor area).
FORCE_UNITS: Mapping[str, float] = MappingProxyType({"N": 1.0})

# Spellings seen in exports (Tekscan "KPa", Moticon "N/cm²", XSENSOR "mmHg", novel "kPa", ...).
_ALIASES: dict[str, str] = {
    "kpa": "kPa",
    "kilopascal": "kPa",
    "kilopascals": "kPa",
    "pa": "Pa",
    "pascal": "Pa",
    "mpa": "MPa",
    "n/cm2": "N/cm2",
    "n/cm²": "N/cm2",
    "ncm2": "N/cm2",
    "n/cm^2": "N/cm2",
    "n/mm2": "N/mm2",
    "n/mm²": "N/mm2",
    "bar": "bar",
    "mbar": "mbar",
    "psi": "psi",
    "lb/in2": "psi",
    "mmhg": "mmHg",
    "kgf/cm2": "kgf/cm2",
    "kg/cm2": "kgf/cm2",
    "raw": "raw",
    "counts": "raw",
    "n": "N",
    "newton": "N",
    "newtons": "N",
}


class UnknownUnitError(ValueError):
    """A unit word that is not in the table; the message names it and the known units."""


def normalize_unit(unit: str) -> str:
    """Return the canonical spelling of ``unit`` (e.g. ``"KPa"`` -> ``"kPa"``).

    Raises :class:`UnknownUnitError` naming the unit and listing the supported ones.
    """
    key = str(unit).strip().lower().replace(" ", "").replace("[", "").replace("]", "")
    if key in _ALIASES:
        return _ALIASES[key]
    known = ", ".join([*UNIT_FACTORS_KPA, *FORCE_UNITS])
    raise UnknownUnitError(f"unknown pressure unit {unit!r}; supported: {known}")


def kpa_factor(unit: str, calibration: float = 1.0, area_mm2: np.ndarray | float | None = None):
    """kPa per source unit, as a scalar or as an array broadcastable over sensors.

    Parameters
    ----------
    unit : unit word as written in the file (any known spelling).
    calibration : kPa per raw count; used only when ``unit`` is ``raw``.
    area_mm2 : sensor area in mm², scalar or (S,)/(R, C); required for force units (N).
    """
    canon = normalize_unit(unit)
    if canon == "raw":
        return float(calibration)
    if canon in FORCE_UNITS:
        if area_mm2 is None:
            raise UnknownUnitError(f"unit {unit!r} is a force per sensor; a sensor area is needed")
        # 1 N over 1 mm² is 1 MPa = 1000 kPa.
        return FORCE_UNITS[canon] * 1000.0 / np.asarray(area_mm2, dtype=np.float64)
    return UNIT_FACTORS_KPA[canon]


def to_kpa(
    values: np.ndarray,
    unit: str,
    *,
    calibration: float = 1.0,
    area_mm2: np.ndarray | float | None = None,
) -> np.ndarray:
    """Convert ``values`` (any shape) in ``unit`` to a float32 array in kPa; NaN stays NaN."""
    factor = kpa_factor(unit, calibration, area_mm2)
    src = values
    out = np.asarray(values, dtype=np.float32)
    if np.isscalar(factor) and factor == 1.0:
        return out
    if out is src:  # no conversion copy was made: do not scale the caller's array in place
        return (out * np.asarray(factor, dtype=np.float32)).astype(np.float32, copy=False)
    # A fresh float32 array: scale in place so a large recording is not held twice.
    out *= np.asarray(factor, dtype=np.float32)
    return out
