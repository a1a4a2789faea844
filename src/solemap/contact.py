"""Contact mechanics of the rolling tools on the heel pad: contact size and pressure, as ranges.

>>> from solemap.contact import compare_tools
>>> rows = compare_tools(body_mass_kg=70)            # doctest: +SKIP
>>> rows[0].sentence()                                # doctest: +SKIP
'A golf ball under half your body weight (~340 N) presses roughly 200–400 kPa ...'

Model and why
-------------
A linear Hertz sphere on an elastic half-space does not fit the sole: the heel pad is 14–26 mm of
nearly incompressible, strongly stiffening tissue over bone, compressed ~38 % by body weight
(``data/contact_mechanics.yaml``, Uzel 2006). Hertz would put the contact radius beyond its own
validity (a ≈ 0.8 R at 100 N). This module uses instead a **non-linear thin-layer (Winkler)
model calibrated on the heel pad's own loaded thickness**:

* the pad is a layer of thickness ``h`` on rigid bone; each point compresses independently by the
  ball's local indentation ``w(r) = δ − (R − √(R² − r²))`` (a sphere; a cylinder for the bottle);
* local stress follows the exponential stiffening law ``σ(ε) = A (exp(B ε) − 1)``, ε = w / h, with
  A fixed so that the pad compresses by the measured strain at body-weight heel pressure;
* the load ``F = ∫ σ dA`` is solved for the depth δ; contact radius, mean and peak pressure follow;
* a deformable ball (lacrosse, tennis) also flattens, by ``δ_ball`` from the rulebook's
  force–deflection point scaled as F ∝ δ^1.5 (half of it on the foot's side). The two bodies'
  approaches add, and since a² ≈ 2R·approach, so do the squared radii: a² = a_tissue² + R δ_ball.
  The peak is the tissue model's, scaled by the area ratio (a_tissue / a)² — a crude spread;
* the uncertainty is the spread over every combination of the low / middle / high values of pad
  thickness, strain and stress at body weight, stiffening exponent, ball radius and stiffness:
  ranges are the 10th–90th percentiles, rounded to two significant figures.

Assumptions: no shear coupling between neighbouring tissue (a thin, laterally free fat pad is the
case the calibration measures), quasi-static loading (rolling slowly; faster loading is stiffer),
no bony prominence (the calcaneal tuberosity focuses load: real peaks are higher), and a heel site
only: the arch and forefoot have thinner, different tissue and no calibration data here. Where
the pad would compress beyond 80 %, the ball is pressing through to bone and the result is flagged
as outside the model. Use the numbers to compare tools and loads, not as tissue stress.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "ContactEstimate",
    "LoadCase",
    "compare_tools",
    "contact_data",
    "estimate_contact",
    "expected_pressure_kpa",
    "load_cases",
    "round_range",
]

GRAVITY = 9.80665  # m/s², standard gravity (BIPM SI brochure)
_R_POINTS = 100  # radial integration points


@cache
def contact_data(path: str | None = None) -> dict[str, Any]:
    """The numbers of ``data/contact_mechanics.yaml`` (cached)."""
    import yaml

    file = Path(path) if path else Path(__file__).with_name("data") / "contact_mechanics.yaml"
    with file.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    for key in ("sources", "heel_pad", "loads", "references", "tools", "pressure_pain_threshold"):
        if key not in data:
            raise ValueError(f"{file.name}: missing section {key!r}")
    return data


def round_range(lo: float, hi: float, sig: int = 2) -> tuple[float, float]:
    """Round a range to ``sig`` significant figures of its upper end (no false decimals)."""
    top = max(abs(lo), abs(hi), 1e-12)
    digits = sig - 1 - math.floor(math.log10(top))
    return float(round(lo, digits)), float(round(hi, digits))


def _fmt(lo: float, hi: float, unit: str = "") -> str:
    a, b = round_range(lo, hi)
    text = f"{a:g}" if a == b else f"{a:g}–{b:g}"
    return f"{text} {unit}".strip()


# ------------------------------------------------------------------------------------ model
def _three(rng: list[float]) -> list[float]:
    lo, hi = float(rng[0]), float(rng[1])
    return [lo, 0.5 * (lo + hi), hi] if hi > lo else [lo]


def _two(rng: list[float]) -> list[float]:
    lo, hi = float(rng[0]), float(rng[1])
    return [lo, hi] if hi > lo else [lo]


def _solve(
    force_n: np.ndarray,
    radius_mm: np.ndarray,
    h_mm: np.ndarray,
    a_kpa: np.ndarray,
    b: np.ndarray,
    shape: str,
    length_mm: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Depth δ (mm), contact half-width/radius (mm) and peak stress (kPa) for each parameter set.

    Vectorized bisection on δ ∈ (0, h) of F(δ) = ∫ σ(w/h) dA (kPa·mm² · 1e-3 = N).
    """
    n = force_n.shape[0]
    lo = np.zeros(n)
    hi = h_mm * 0.999

    def load(delta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # Contact edge where w = 0: R − √(R² − r²) = δ.
        edge = np.sqrt(np.clip(2 * radius_mm * delta - delta**2, 0.0, None))
        s = np.linspace(0.0, 1.0, _R_POINTS)[None, :]
        r = edge[:, None] * s
        w = delta[:, None] - (
            radius_mm[:, None] - np.sqrt(np.clip(radius_mm[:, None] ** 2 - r**2, 0.0, None))
        )
        eps = np.clip(w / h_mm[:, None], 0.0, None)
        sigma = a_kpa[:, None] * np.expm1(b[:, None] * eps)
        if shape == "cylinder":
            f = 2.0 * np.trapezoid(sigma, r, axis=1) * length_mm * 1e-3
        else:
            f = np.trapezoid(sigma * 2.0 * math.pi * r, r, axis=1) * 1e-3
        return f, edge

    for _ in range(42):  # (0, h) halved 42 times: far below a micrometre
        mid = 0.5 * (lo + hi)
        f, _ = load(mid)
        below = f < force_n
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
    delta = 0.5 * (lo + hi)
    f, edge = load(delta)
    peak = a_kpa * np.expm1(b * delta / h_mm)
    # Loads the pad cannot carry before the bone (F above F at δ → h) leave δ at the top.
    return delta, edge, peak


@dataclass(frozen=True)
class LoadCase:
    """A way of loading the tool: ``name``, a force range in N and the words for it."""

    name: str
    force_n: tuple[float, float]
    text: str


def load_cases(
    body_mass_kg: float | None = None, fractions: tuple[float, ...] = (0.25, 0.5)
) -> list[LoadCase]:
    """Seated (mechanics brief estimate), standing with ``fractions`` of body weight through the
    ball, and standing on one foot (the whole body weight)."""
    data = contact_data()
    mass = float(body_mass_kg or data["loads"]["default_body_mass_kg"]["value"])
    if not 20.0 <= mass <= 250.0:
        raise ValueError(f"body mass must be 20–250 kg, got {mass!r}")
    weight = mass * GRAVITY
    seated = tuple(float(x) for x in data["loads"]["seated_n"]["range"])
    cases = [LoadCase("seated", (seated[0], seated[1]), "seated, pressing down with the leg")]
    for f in fractions:
        if not 0.0 < f <= 1.0:
            raise ValueError(f"a body-weight fraction must lie in (0, 1], got {f!r}")
        w = f * weight
        cases.append(
            LoadCase(
                f"standing-{round(f * 100)}pct",
                (w, w),
                f"standing, {round(f * 100)}% of your weight on the tool",
            )
        )
    cases.append(LoadCase("one-foot", (weight, weight), "standing on one foot on the tool"))
    return cases


@dataclass(frozen=True)
class ContactEstimate:
    """Contact of one tool under one load, on the heel pad (ranges are 10th–90th percentiles)."""

    tool: str
    load: str
    load_text: str
    force_n: tuple[float, float]
    modelled: bool
    contact_radius_mm: tuple[float, float] | None = None
    contact_area_cm2: tuple[float, float] | None = None
    mean_kpa: tuple[float, float] | None = None
    peak_kpa: tuple[float, float] | None = None
    times_standing: tuple[float, float] | None = None
    bound_kpa: tuple[float, float] | None = None
    beyond_pad: float = 0.0
    evidence: str = "expert-opinion"
    notes: tuple[str, ...] = field(default=())

    def sentence(self, tool_name: str | None = None) -> str:
        """One plain sentence with rounded ranges."""
        name = tool_name or self.tool.replace("-", " ")
        f = _fmt(*self.force_n, "N")
        if not self.modelled:
            return f"{name.capitalize()}: not modelled. " + " ".join(self.notes)
        assert self.mean_kpa and self.peak_kpa and self.times_standing
        refs = contact_data()["references"]
        walk = refs["walking_heel_peak_kpa"]
        text = (
            f"{name.capitalize()}, {self.load_text} (~{f}): roughly {_fmt(*self.mean_kpa, 'kPa')} on average "
            f"under it at the heel (peaks {_fmt(*self.peak_kpa, 'kPa')}), about "
            f"{_fmt(*self.times_standing)} times the mean pressure of quiet standing; the heel's peak in "
            f"walking is {walk['value']:.0f} ± {walk['sd']:.0f} kPa."
        )
        if self.beyond_pad > 0.1:
            text += (
                f" In {self.beyond_pad:.0%} of the model's parameter sets the pad is squeezed by more "
                "than 80 %: the ball then presses towards the bone, where the model no longer holds "
                "and real peaks are higher."
            )
        return text

    def to_json(self) -> dict[str, Any]:
        def rr(x: tuple[float, float] | None) -> list[float] | None:
            return None if x is None else list(round_range(*x))

        return {
            "tool": self.tool,
            "load": self.load,
            "load_text": self.load_text,
            "force_n": rr(self.force_n),
            "modelled": self.modelled,
            "contact_radius_mm": rr(self.contact_radius_mm),
            "contact_area_cm2": rr(self.contact_area_cm2),
            "mean_kpa": rr(self.mean_kpa),
            "peak_kpa": rr(self.peak_kpa),
            "times_standing_mean": rr(self.times_standing),
            "working_bound_kpa": rr(self.bound_kpa),
            "share_beyond_pad": round(self.beyond_pad, 2),
            "evidence": self.evidence,
            "sentence": self.sentence(),
            "notes": list(self.notes),
        }


def estimate_contact(
    tool_id: str, force_n: tuple[float, float], load: str = "custom", load_text: str = ""
) -> ContactEstimate:
    """Contact radius and pressures of ``tool_id`` (an id of ``contact_mechanics.yaml``) pressed
    into the heel pad with a force in ``force_n`` (N, a range; both ends and the middle are used)."""
    data = contact_data()
    tools = data["tools"]
    if tool_id not in tools:
        raise KeyError(f"unknown tool {tool_id!r}; tools: {', '.join(tools)}")
    spec = tools[tool_id]
    f_lo, f_hi = float(force_n[0]), float(force_n[1])
    if f_lo <= 0 or f_hi < f_lo:
        raise ValueError(f"force range must be 0 < low <= high, got {force_n!r}")
    text = load_text or load
    if spec["shape"] == "none":
        return ContactEstimate(
            tool_id,
            load,
            text,
            (f_lo, f_hi),
            False,
            evidence=spec["evidence"],
            notes=(" ".join(str(spec.get("note", "")).split()),),
        )
    pad = data["heel_pad"]
    forces = sorted({f_lo, 0.5 * (f_lo + f_hi), f_hi})
    combos = list(
        itertools.product(
            forces,
            _two(spec["radius_mm"]),
            _three(pad["thickness_mm"]["range"]),
            _three(pad["strain_at_body_weight"]["range"]),
            _three(pad["stress_at_body_weight_kpa"]["range"]),
            _three(pad["stiffening_exponent"]["range"]),
            _two(spec.get("reference_force_n", [0.0, 0.0])),
            _two(spec.get("reference_deflection_mm", [0.0, 0.0])),
            _two(spec.get("contact_length_mm", [1.0, 1.0])),
        )
    )
    arr = np.asarray(combos, dtype=np.float64)
    F, R, H, E_bw, S_bw, B, F_ref, D_ref, L = arr.T
    A = S_bw / np.expm1(B * E_bw)  # σ(ε_bw) = σ_bw
    delta, edge, peak = _solve(F, R, H, A, B, spec["shape"], L)
    # A deformable ball flattens too: between two plates each side flattens by half its
    # deflection, δ_ball = δ_ref (F / F_ref)^(2/3); flat radius √(2 R δ_ball / 2).
    with np.errstate(invalid="ignore", divide="ignore"):
        d_ball = np.where(F_ref > 0, D_ref * (F / np.where(F_ref > 0, F_ref, 1.0)) ** (2.0 / 3.0), 0.0)
    flat = np.sqrt(np.clip(R * d_ball, 0.0, None))
    # Approaches add (a² ≈ 2R·approach for both bodies), so the squared radii add.
    radius = np.minimum(np.sqrt(edge**2 + flat**2), R)
    if spec["shape"] == "cylinder":
        area_mm2 = 2.0 * radius * L
    else:
        area_mm2 = math.pi * radius**2
    mean = F / area_mm2 * 1e3  # N/mm² → kPa
    # A flattening ball spreads the same load over the larger contact: scale the tissue model's
    # peak by the area ratio (crude, and said so in the module docstring).
    with np.errstate(invalid="ignore", divide="ignore"):
        spread = np.where(radius > 0, np.clip(edge / radius, 0.0, 1.0) ** 2, 1.0)
    peak = np.maximum(peak * spread, mean)
    beyond = float(np.mean(delta / H > pad["bottom_out_strain"]["value"]))
    refs = data["references"]
    stand_lo, stand_hi = (float(x) for x in refs["standing_mean_kpa"]["range"])

    def pr(x: np.ndarray) -> tuple[float, float]:
        return float(np.percentile(x, 10)), float(np.percentile(x, 90))

    # The mechanics brief's working bound (contact radius 0.5 R to R), for comparison.
    r_mid = float(np.mean(spec["radius_mm"]))
    if spec["shape"] == "cylinder":
        lm = float(np.mean(spec["contact_length_mm"]))
        bound = (f_lo / (2 * r_mid * lm) * 1e3, f_hi / (r_mid * lm) * 1e3)
    else:
        bound = (f_lo / (math.pi * r_mid**2) * 1e3, 4 * f_hi / (math.pi * r_mid**2) * 1e3)
    notes = []
    if spec["shape"] == "cylinder":
        notes.append(
            "a line contact across the heel; the contact length is the heel's loaded width (estimate)"
        )
    if "reference_force_n" not in spec and spec["shape"] == "sphere":
        notes.append("treated as rigid (no stiffness standard)")
    return ContactEstimate(
        tool=tool_id,
        load=load,
        load_text=text,
        force_n=(f_lo, f_hi),
        modelled=True,
        contact_radius_mm=pr(radius),
        contact_area_cm2=pr(area_mm2 / 100.0),
        mean_kpa=pr(mean),
        peak_kpa=pr(peak),
        times_standing=(pr(mean)[0] / stand_hi, pr(mean)[1] / stand_lo),
        bound_kpa=bound,
        beyond_pad=beyond,
        evidence="expert-opinion",
        notes=tuple(notes),
    )


def compare_tools(
    body_mass_kg: float | None = None,
    tools: list[str] | None = None,
    fractions: tuple[float, ...] = (0.25, 0.5),
) -> list[ContactEstimate]:
    """Every tool (or ``tools``) under every load case of :func:`load_cases`."""
    data = contact_data()
    ids = tools or list(data["tools"])
    out = []
    for tool_id in ids:
        for case in load_cases(body_mass_kg, fractions):
            out.append(estimate_contact(tool_id, case.force_n, case.name, case.text))
    return out


def expected_pressure_kpa(tool_id: str | None, force_n: tuple[float, float]) -> tuple[float, float] | None:
    """The 10th–90th percentile mean pressure under ``tool_id`` at ``force_n``, or None when the
    tool is not modelled (for session feedback: the range a step's planned load should give)."""
    if tool_id is None or tool_id not in contact_data()["tools"]:
        return None
    est = estimate_contact(tool_id, force_n)
    return est.mean_kpa if est.modelled else None


def ppt_statement() -> str:
    """What is known about plantar pressure–pain thresholds (no number, on purpose)."""
    return " ".join(str(contact_data()["pressure_pain_threshold"]["note"]).split())
