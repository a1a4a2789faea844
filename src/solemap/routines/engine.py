"""The session engine: one pure, clock-injected state machine behind every player.

A routine is first flattened into *blocks* (one step on one side for a stretch of time, see
:meth:`solemap.routines.model.Routine.blocks`). The engine walks those blocks: start, pause,
resume, skip forward or back, finish or abandon. It never sleeps and never reads the system time
itself; it asks the injected ``clock`` (seconds, epoch-based: ``time.time`` in real use, a fake in
tests) and derives everything from *active* seconds, so pausing cannot make the schedule drift.

The web player runs a line-for-line port of this class (``web/static/routines/engine.js``); the
browser tests replay the same scripted session through both and compare the states.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from solemap.routines.pacer import Breath, Pacer

Status = Literal["ready", "running", "paused", "finished", "abandoned"]
Outcome = Literal["finished", "abandoned"]
Verdict = Literal["ok", "ease-off", "stop"]

#: Pain (0–10) at or above which the player pauses and suggests stopping, whatever the step's
#: ceiling. Overridden from ``data/safety.yaml`` (``session_rules``) by the front ends.
DEFAULT_STOP_AT = 8


@dataclass(frozen=True, slots=True)
class Block:
    """One timed piece of a session: step ``step_index`` on one ``side`` for ``duration_s`` seconds."""

    step_index: int
    step_id: str
    side: str
    duration_s: float
    pain_ceiling: int

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Event:
    """Something a front end should react to: ring a bell, speak a cue, redraw.

    ``kind`` is ``step`` (a new step begins), ``side`` (same step, other foot), ``paused``,
    ``resumed``, ``finished`` or ``abandoned``. ``block_index`` is the block now current.
    """

    kind: str
    block_index: int


@dataclass(frozen=True, slots=True)
class PainReport:
    """A pain rating the user gave during a step, with what the player advised."""

    step_id: str
    side: str
    value: int
    ceiling: int
    verdict: Verdict
    at_s: float

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class SessionRecord:
    """What a finished or abandoned session leaves behind (stored by the diary).

    ``started_at``/``ended_at`` are timezone-aware UTC datetimes; ``duration_s`` counts active
    seconds only (pauses excluded). ``steps_done`` lists the ids of steps whose every block ran to
    its end; ``steps_skipped`` those the user skipped past.
    """

    routine_id: str
    started_at: datetime
    ended_at: datetime
    duration_s: float
    steps_total: int
    steps_done: list[str]
    steps_skipped: list[str]
    pain_reports: list[PainReport]
    outcome: Outcome
    pace: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (datetimes as ISO 8601 strings)."""
        return {
            "routine_id": self.routine_id,
            "started_at": self.started_at.isoformat(),
            "ended_at": self.ended_at.isoformat(),
            "duration_s": round(self.duration_s, 3),
            "steps_total": self.steps_total,
            "steps_done": list(self.steps_done),
            "steps_skipped": list(self.steps_skipped),
            "pain_reports": [p.to_json() for p in self.pain_reports],
            "outcome": self.outcome,
            "pace": dict(self.pace),
        }

    def dumps(self) -> str:
        return json.dumps(self.to_json(), ensure_ascii=False)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SessionRecord:
        """Inverse of :meth:`to_json` (the web player posts this shape)."""
        outcome = data["outcome"]
        if outcome not in ("finished", "abandoned"):
            raise ValueError(f"outcome must be 'finished' or 'abandoned', got {outcome!r}")
        return cls(
            routine_id=str(data["routine_id"]),
            started_at=datetime.fromisoformat(data["started_at"]),
            ended_at=datetime.fromisoformat(data["ended_at"]),
            duration_s=float(data["duration_s"]),
            steps_total=int(data["steps_total"]),
            steps_done=[str(s) for s in data.get("steps_done", [])],
            steps_skipped=[str(s) for s in data.get("steps_skipped", [])],
            pain_reports=[PainReport(**p) for p in data.get("pain_reports", [])],
            outcome=outcome,
            pace={k: float(v) for k, v in data.get("pace", {}).items()},
        )


@dataclass(frozen=True, slots=True)
class SessionState:
    """A snapshot for drawing. Times are seconds; fractions run 0→1."""

    status: Status
    block_index: int
    step_index: int
    step_id: str
    side: str
    block_elapsed_s: float
    block_remaining_s: float
    block_duration_s: float
    elapsed_s: float
    total_s: float
    breath: Breath

    @property
    def block_fraction(self) -> float:
        return 0.0 if self.block_duration_s <= 0 else min(1.0, self.block_elapsed_s / self.block_duration_s)

    @property
    def fraction(self) -> float:
        return 0.0 if self.total_s <= 0 else min(1.0, self.elapsed_s / self.total_s)


def _utc(epoch_s: float) -> datetime:
    return datetime.fromtimestamp(epoch_s, tz=UTC)


class SessionEngine:
    """Walks ``blocks`` in order against ``clock``.

    Every command (``start``, ``pause``, ``resume``, ``toggle``, ``next``, ``back``, ``quit``,
    ``update``) returns the events it caused. Call :meth:`update` often (each frame); a late call
    catches up over as many blocks as have run out, so a slow front end never loses time.
    """

    def __init__(
        self,
        routine_id: str,
        blocks: Sequence[Block],
        clock: Callable[[], float],
        pacer: Pacer | None = None,
        stop_at: int = DEFAULT_STOP_AT,
    ) -> None:
        if not blocks:
            raise ValueError("a session needs at least one block")
        self.routine_id = routine_id
        self.blocks: tuple[Block, ...] = tuple(blocks)
        self.pacer = pacer or Pacer()
        self.stop_at = stop_at
        self._clock = clock
        self.status: Status = "ready"
        self.index = 0
        self._active_before = 0.0  # active seconds banked before the current run
        self._run_since: float | None = None  # clock reading when the current run began
        self._block_start = 0.0  # active seconds at which the current block began
        self._started_at: float | None = None
        self._ended_at: float | None = None
        self._completed: set[int] = set()  # block indices that ran to their end
        self._skipped: set[int] = set()
        self.pain_reports: list[PainReport] = []
        self.total_s = sum(b.duration_s for b in self.blocks)
        # _remaining[i]: seconds from the start of block i to the end of the session.
        self._remaining = [sum(b.duration_s for b in self.blocks[i:]) for i in range(len(self.blocks))]

    # -- time ---------------------------------------------------------------------------------
    def active_s(self) -> float:
        """Seconds of running time so far (pauses excluded)."""
        if self._run_since is None:
            return self._active_before
        raw = self._active_before + max(0.0, self._clock() - self._run_since)
        # Between the end of the last block and the next update() the session is over: time stops
        # there, so a late poll can never see more time than the session holds.
        return min(raw, self._block_start + self._remaining[self.index])

    @property
    def block(self) -> Block:
        return self.blocks[self.index]

    # -- commands -----------------------------------------------------------------------------
    def start(self) -> list[Event]:
        """Begin the first block (only from ``ready``)."""
        if self.status != "ready":
            return []
        now = self._clock()
        self._started_at = now
        self._run_since = now
        self.status = "running"
        return [Event("step", 0)]

    def pause(self) -> list[Event]:
        if self.status != "running":
            return []
        events = self.update()
        if self.status != "running":  # the last block ran out before the pause arrived
            return events
        self._active_before = self.active_s()
        self._run_since = None
        self.status = "paused"
        return [*events, Event("paused", self.index)]

    def resume(self) -> list[Event]:
        if self.status != "paused":
            return []
        self._run_since = self._clock()
        self.status = "running"
        return [Event("resumed", self.index)]

    def toggle(self) -> list[Event]:
        """Space bar: start, pause or resume, whichever applies."""
        if self.status == "ready":
            return self.start()
        if self.status == "running":
            return self.pause()
        return self.resume()

    def next(self) -> list[Event]:
        """Skip the rest of the current block; skipping the last block finishes the session."""
        if self.status not in ("running", "paused"):
            return []
        events = self.update()
        if self.status not in ("running", "paused"):
            return events
        self._skipped.add(self.index)
        return [*events, *self._enter(self.index + 1, self.active_s())]

    def back(self) -> list[Event]:
        """Go to the start of the previous block (or restart the first)."""
        if self.status not in ("running", "paused"):
            return []
        events = self.update()
        if self.status not in ("running", "paused"):
            return events
        target = max(0, self.index - 1)
        self._completed.discard(target)
        self._skipped.discard(target)
        return [*events, *self._enter(target, self.active_s())]

    def quit(self) -> list[Event]:
        """Abandon the session now (a finished session stays finished)."""
        if self.status in ("finished", "abandoned"):
            return []
        if self.status == "ready":
            self._started_at = self._clock()
        else:
            events = self.update()
            if self.status == "finished":
                return events
        self._active_before = self.active_s()
        self._run_since = None
        self._ended_at = self._clock()
        self.status = "abandoned"
        return [Event("abandoned", self.index)]

    def update(self) -> list[Event]:
        """Advance past every block whose time has run out; returns the transitions."""
        events: list[Event] = []
        if self.status != "running":
            return events
        active = self.active_s()
        while self.status == "running" and active - self._block_start >= self.block.duration_s:
            end = self._block_start + self.block.duration_s
            self._completed.add(self.index)
            events.extend(self._enter(self.index + 1, end))
        return events

    def report_pain(self, value: int) -> PainReport:
        """Record a 0–10 rating for the current block and say what to do.

        Above the step's ceiling: ``ease-off`` (lighter load, move off the spot). At or above
        ``stop_at``: ``stop`` and the session pauses so the user can decide to quit.
        """
        if not 0 <= value <= 10:
            raise ValueError(f"pain must be 0–10, got {value}")
        self.update()
        block = self.block
        verdict: Verdict = "ok"
        if value >= self.stop_at:
            verdict = "stop"
        elif value > block.pain_ceiling:
            verdict = "ease-off"
        report = PainReport(block.step_id, block.side, value, block.pain_ceiling, verdict, self.active_s())
        self.pain_reports.append(report)
        if verdict == "stop":
            self.pause()
        return report

    # -- reading ------------------------------------------------------------------------------
    def state(self) -> SessionState:
        """A snapshot at the clock's current reading (call :meth:`update` first to advance)."""
        active = self.active_s()
        block = self.block
        if self.status == "finished":
            elapsed = block.duration_s
        else:
            elapsed = min(block.duration_s, max(0.0, active - self._block_start))
        return SessionState(
            status=self.status,
            block_index=self.index,
            step_index=block.step_index,
            step_id=block.step_id,
            side=block.side,
            block_elapsed_s=elapsed,
            block_remaining_s=block.duration_s - elapsed,
            block_duration_s=block.duration_s,
            elapsed_s=min(active, self.total_s) if self.status == "finished" else active,
            total_s=self.total_s,
            breath=self.pacer.at(active),
        )

    def record(self) -> SessionRecord:
        """The session record; only once the session has finished or been abandoned."""
        if self.status not in ("finished", "abandoned") or self._started_at is None:
            raise RuntimeError(f"no record yet: the session is {self.status}")
        assert self._ended_at is not None
        done_steps, skipped_steps = [], []
        for step_index in sorted({b.step_index for b in self.blocks}):
            indices = [i for i, b in enumerate(self.blocks) if b.step_index == step_index]
            step_id = self.blocks[indices[0]].step_id
            if all(i in self._completed for i in indices):
                done_steps.append(step_id)
            elif any(i in self._skipped for i in indices):
                skipped_steps.append(step_id)
        return SessionRecord(
            routine_id=self.routine_id,
            started_at=_utc(self._started_at),
            ended_at=_utc(self._ended_at),
            duration_s=self.active_s(),
            steps_total=len({b.step_index for b in self.blocks}),
            steps_done=done_steps,
            steps_skipped=skipped_steps,
            pain_reports=list(self.pain_reports),
            outcome="finished" if self.status == "finished" else "abandoned",
            pace=self.pacer.to_json(),
        )

    # -- internals ----------------------------------------------------------------------------
    def _enter(self, index: int, at_active: float) -> list[Event]:
        """Make block ``index`` current from active second ``at_active`` (or finish past the end)."""
        if index >= len(self.blocks):
            # Freeze time exactly at the end of the last block, however late update() ran: the
            # clock reading at that instant is the run's start plus the active time it took.
            if self._run_since is not None:
                self._ended_at = self._run_since + (at_active - self._active_before)
            else:
                self._ended_at = self._clock()
            self._active_before = at_active
            self._run_since = None
            self.status = "finished"
            return [Event("finished", self.index)]
        previous = self.blocks[self.index]
        self.index = index
        self._block_start = at_active
        same_step = self.blocks[index].step_index == previous.step_index and index != 0
        return [Event("side" if same_step else "step", index)]
