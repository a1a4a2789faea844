"""Step (contact) segmentation of walking trials from a force curve.

The rule is pressuRe's ``threshold_event`` (``../shared/domain/pressure-metrics.md``, "Step
(contact) segmentation"), with its two documented choices kept and one addition:

1. threshold: ``"auto"`` → min F + 0.1 (max F − min F); a number n → n + 0.01 N (pressuRe adds
   0.01 so that a curve resting exactly at n does not count as loaded);
2. foot strike (FS) = first frame above the threshold after a frame below it; foot off (FO) = first
   frame below it after a frame above it; a step is frames FS … FO inclusive;
3. an FO before the first FS and an FS without a later FO are dropped (partial steps at the ends);
4. steps shorter than ``min_frames`` frames are dropped (pressuRe default 10);
5. (addition) a swing shorter than ``min_gap_frames`` between two contacts is treated as noise on
   the force curve and the two contacts are merged (default 0 = pressuRe's behaviour);
6. (addition) a curve whose range is less than ``min_range_fraction`` of its maximum never
   unloads (quiet standing, a ball pressed in place): it has no steps. pressuRe's automatic
   threshold would otherwise cut its noise into "steps".

Missing frames (NaN force) are neither above nor below the threshold, so a gap never starts or
ends a step by itself. Insoles may never unload completely (a few newtons of offset), which is why
a threshold is always used instead of F > 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Step", "StepError", "detect_steps", "step_threshold"]


class StepError(ValueError):
    """The force curve cannot be segmented (e.g. it never drops below the threshold)."""


@dataclass(frozen=True)
class Step:
    """One contact: frames ``start`` … ``stop`` inclusive (0-based), numbered from 1."""

    number: int
    start: int
    stop: int

    @property
    def n_frames(self) -> int:
        return self.stop - self.start + 1

    def frames(self) -> slice:
        """The frames of the step as a slice."""
        return slice(self.start, self.stop + 1)


def step_threshold(force_n: np.ndarray, threshold: float | str = "auto") -> float:
    """The contact threshold in N for a (T,) force curve (see the module docstring)."""
    f = np.asarray(force_n, dtype=np.float64)
    finite = f[np.isfinite(f)]
    if finite.size == 0:
        raise StepError("the force curve has no finite values")
    if isinstance(threshold, str):
        if threshold != "auto":
            raise ValueError(f"threshold must be 'auto' or a number of newtons, got {threshold!r}")
        lo, hi = float(finite.min()), float(finite.max())
        return lo + 0.1 * (hi - lo)
    return float(threshold) + 0.01


def detect_steps(
    force_n: np.ndarray,
    threshold: float | str = "auto",
    *,
    min_frames: int = 10,
    min_gap_frames: int = 0,
    min_range_fraction: float = 0.5,
) -> list[Step]:
    """Contacts (steps) in a whole-foot force curve.

    Parameters
    ----------
    force_n : (T,) float, force in N per frame (NaN = missing frame).
    threshold : ``"auto"`` or a force in N (see the module docstring).
    min_frames : shortest step kept, in frames (pressuRe default 10).
    min_gap_frames : swings shorter than this merge the neighbouring contacts (0 = never).
    min_range_fraction : no steps when (max − min) < this × max of the curve (0 = pressuRe).

    Returns the steps in time order, numbered 1 … n. An empty list when the foot never both
    strikes and leaves (e.g. quiet standing). Raises :class:`StepError` when the whole curve lies
    above the threshold (pressuRe: "min force above threshold").
    """
    f = np.asarray(force_n, dtype=np.float64).reshape(-1)
    thr = step_threshold(f, threshold)
    finite = f[np.isfinite(f)]
    if finite.min() > thr:
        raise StepError(f"the force never drops below the threshold {thr:.2f} N")
    if finite.max() - finite.min() < min_range_fraction * finite.max():
        return []
    above = f > thr
    below = f < thr
    # Comparisons with NaN are False on both sides, so a missing frame is neither.
    strikes = np.flatnonzero(below[:-1] & above[1:]) + 1
    offs = np.flatnonzero(above[:-1] & below[1:]) + 1
    if offs.size and strikes.size and offs[0] < strikes[0]:
        offs = offs[1:]
    elif offs.size and not strikes.size:
        offs = offs[:0]
    pairs: list[tuple[int, int]] = []
    j = 0
    for s in strikes:
        while j < offs.size and offs[j] <= s:
            j += 1
        if j == offs.size:
            break  # a strike without a later foot-off: the trial ends in contact
        if pairs and pairs[-1][1] >= s:
            continue
        pairs.append((int(s), int(offs[j])))
    if min_gap_frames > 0 and pairs:
        merged = [pairs[0]]
        for s, e in pairs[1:]:
            if s - merged[-1][1] < min_gap_frames:
                merged[-1] = (merged[-1][0], e)
            else:
                merged.append((s, e))
        pairs = merged
    kept = [(s, e) for s, e in pairs if e - s + 1 >= min_frames]
    return [Step(i + 1, s, e) for i, (s, e) in enumerate(kept)]
