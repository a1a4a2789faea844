"""The breathing pacer: where in a breath a person should be, ``t`` seconds into a session.

The default follows the slow-breathing evidence summarised in ``README.md``: about six breaths a
minute with the out-breath longer than the in-breath (4 s in, 6 s out is our choice, labelled
``expert-opinion``). The pacer is a pure function of time, so it cannot drift: front ends feed it the
engine's *active* seconds and pausing simply stops that number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

BreathPhase = Literal["inhale", "exhale"]

DEFAULT_BREATHS_PER_MIN = 6.0
DEFAULT_INHALE_SHARE = 0.4  # 4 s in, 6 s out at 6 breaths/min


@dataclass(frozen=True, slots=True)
class Breath:
    """The pacer's answer for one moment.

    ``progress`` runs 0→1 through the current phase; ``level`` is how full the lungs should feel
    (0 empty … 1 full), eased with a half cosine so a bar or circle moves like a breath, not a saw.
    ``remaining_s`` is the time left in the phase, for "in … 3, 2, 1" cues.
    """

    phase: BreathPhase
    progress: float
    level: float
    remaining_s: float
    breath_index: int


@dataclass(frozen=True, slots=True)
class Pacer:
    """A breathing rhythm: ``breaths_per_min`` breaths, the in-breath taking ``inhale_share`` of each."""

    breaths_per_min: float = DEFAULT_BREATHS_PER_MIN
    inhale_share: float = DEFAULT_INHALE_SHARE

    def __post_init__(self) -> None:
        if not 2.0 <= self.breaths_per_min <= 30.0:
            raise ValueError(f"breaths_per_min must be between 2 and 30, got {self.breaths_per_min}")
        if not 0.2 <= self.inhale_share <= 0.8:
            raise ValueError(f"inhale_share must be between 0.2 and 0.8, got {self.inhale_share}")

    @classmethod
    def from_ratio(cls, breaths_per_min: float, inhale: float, exhale: float) -> Pacer:
        """Build from an inhale:exhale ratio such as ``4:6`` (any positive units)."""
        if inhale <= 0 or exhale <= 0:
            raise ValueError("inhale and exhale must both be positive")
        return cls(breaths_per_min, inhale / (inhale + exhale))

    @property
    def period_s(self) -> float:
        """Seconds per breath."""
        return 60.0 / self.breaths_per_min

    @property
    def inhale_s(self) -> float:
        return self.period_s * self.inhale_share

    @property
    def exhale_s(self) -> float:
        return self.period_s - self.inhale_s

    def at(self, t: float) -> Breath:
        """The breath at ``t`` seconds of active session time (t ≥ 0; negative t counts as 0)."""
        t = max(0.0, t)
        period = self.period_s
        index = int(t // period)
        within = t - index * period
        inhale = self.inhale_s
        if within < inhale:
            progress = within / inhale
            level = (1.0 - math.cos(math.pi * progress)) / 2.0
            return Breath("inhale", progress, level, inhale - within, index)
        progress = (within - inhale) / self.exhale_s
        level = (1.0 + math.cos(math.pi * progress)) / 2.0
        return Breath("exhale", progress, level, period - within, index)

    def to_json(self) -> dict[str, float]:
        return {"breaths_per_min": self.breaths_per_min, "inhale_share": self.inhale_share}
