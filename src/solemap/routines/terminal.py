"""The terminal player: a Rich live display over :class:`~solemap.routines.engine.SessionEngine`.

Keys: space pause/resume, ``n`` next, ``p`` previous, ``q`` quit, ``0``–``9`` report pain.
The terminal is put in cbreak mode (keys arrive without Enter, no echo) for the session and is
always restored on exit, also after an exception or Ctrl-C.
"""

from __future__ import annotations

import contextlib
import math
import os
import select
import sys
import termios
import time
import tty
from collections.abc import Callable, Iterator
from typing import TextIO

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from solemap.routines.engine import SessionEngine, SessionRecord, SessionState
from solemap.routines.plan import TRADITION_NOTE, RoutineView, clock_text, duration_text
from solemap.routines.safety import SessionRules

KEY_HELP = "space pause · n/→ next · p/← back · q quit · 0–9 rate your pain"

#: Arrow-key escape sequences (after ESC) and the key they stand for; other sequences are ignored.
ARROW_KEYS = {"[C": "n", "OC": "n", "[D": "p", "OD": "p"}

VERDICT_TEXT = {
    "ok": "Pain {value}/10 — fine, carry on.",
    "ease-off": (
        "Pain {value}/10 is above this step's limit of {ceiling}: "
        "ease off — less weight, or move off the spot."
    ),
    "stop": "Pain {value}/10: stop here. Press q to end the session, or space to carry on very gently.",
}


class KeyReader:
    """Single key presses from a terminal without waiting for Enter.

    Use as a context manager; on a terminal it switches to cbreak mode and restores the saved
    settings on exit. On a non-terminal stream it still works, reading whatever arrives.
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdin
        self.fd = self.stream.fileno()
        self._saved: list | None = None

    def __enter__(self) -> KeyReader:
        if os.isatty(self.fd):
            self._saved = termios.tcgetattr(self.fd)
            tty.setcbreak(self.fd)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._saved is not None:
            termios.tcsetattr(self.fd, termios.TCSADRAIN, self._saved)
            self._saved = None

    def read(self, timeout: float) -> str | None:
        """One key, or None if nothing was pressed within ``timeout`` seconds."""
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return None
        data = os.read(self.fd, 1)
        if not data:
            return "q"  # end of input quits
        if data == b"\x1b":
            # Esc alone, or the start of an arrow key's sequence (ESC [ C): tell them apart by
            # whether more bytes follow at once.
            more, _, _ = select.select([self.fd], [], [], 0.03)
            if not more:
                return "\x1b"
            sequence = os.read(self.fd, 8)
            return ARROW_KEYS.get(sequence.decode("ascii", errors="replace"))
        return data.decode("utf-8", errors="replace")


def scaled_clock(scale: float, base: Callable[[], float] = time.time) -> Callable[[], float]:
    """A clock running ``scale`` times faster than ``base`` (for demos and tests)."""
    if scale == 1.0:
        return base
    origin = base()
    return lambda: origin + (base() - origin) * scale


def _bar(fraction: float, width: int, fill: str = "█", empty: str = "░") -> str:
    n = round(max(0.0, min(1.0, fraction)) * width)
    return fill * n + empty * (width - n)


def render(view: RoutineView, state: SessionState, message: str = "") -> Group:
    """The whole screen for one moment of the session."""
    routine = view.routine
    sv = view.steps[state.step_index]
    step = sv.step
    foot = "Left foot" if state.side == "left" else "Right foot"
    header = Text.assemble(
        (routine.title, "bold"),
        f"  ·  step {sv.number} of {len(view.steps)}  ·  ",
        (foot, "bold cyan"),
    )
    status = {
        "paused": ("PAUSED", "bold yellow"),
        "finished": ("DONE", "bold green"),
        "abandoned": ("ENDED", "bold red"),
        "ready": ("READY", "bold"),
    }.get(state.status)
    if status:
        header.append("  ·  ")
        header.append(*status)

    body = Table.grid(padding=(0, 2))
    body.add_column(style="dim", justify="right")
    body.add_column()
    body.add_row("area", Text(sv.area_text, style="bold"))
    body.add_row("tool", f"{sv.tool_text} — {sv.technique.name.lower()}")
    body.add_row("load", step.load.text())
    body.add_row("limit", f"pain up to {step.pain_ceiling}/10")
    body.add_row("how", step.instruction.strip())

    breath = state.breath
    word = "Breathe in " if breath.phase == "inhale" else "Breathe out"
    bars = Table.grid(padding=(0, 1))
    bars.add_column(justify="right", style="dim")
    bars.add_column()
    bars.add_column(justify="right")
    bars.add_row(
        "step",
        Text(_bar(state.block_fraction, 40), style="green"),
        Text(clock_text(state.block_remaining_s), style="bold"),
    )
    bars.add_row(
        "session",
        Text(_bar(state.fraction, 40), style="blue"),
        f"{clock_text(state.elapsed_s)} / {clock_text(state.total_s)}",
    )
    bars.add_row(
        "breath",
        Text(_bar(breath.level, 40, "▓", "·"), style="magenta"),
        f"{word} {math.ceil(breath.remaining_s - 1e-9)}s",
    )
    parts: list = [
        header,
        Panel(body, title=step.title, title_align="left"),
        bars,
        Text(step.breathing.strip(), style="italic magenta"),
    ]
    if routine.tradition:
        parts.append(Text(TRADITION_NOTE, style="dim"))
    if message:
        parts.append(Text(message, style="bold yellow"))
    parts.append(Text(KEY_HELP, style="dim"))
    return Group(*parts)


@contextlib.contextmanager
def _live(console: Console) -> Iterator:
    from rich.live import Live

    with Live(console=console, auto_refresh=False, transient=False, redirect_stdout=False) as live:
        yield live


def play(
    view: RoutineView,
    engine: SessionEngine,
    console: Console,
    keys: KeyReader,
    rules: SessionRules | None = None,
    frame_s: float = 0.1,
    bell: bool = True,
) -> SessionRecord:
    """Run a session to its end in the terminal and return its record.

    ``keys`` must already be entered (cbreak on). The loop waits at most ``frame_s`` for a key,
    then updates the engine and redraws; the engine's clock alone decides the timing.
    """
    message = ""
    engine.start()
    with _live(console) as live:
        while engine.status not in ("finished", "abandoned"):
            live.update(render(view, engine.state(), message), refresh=True)
            key = keys.read(frame_s)
            events = []
            if key == " ":
                events = engine.toggle()
            elif key in ("n", "N"):
                events = engine.next()
            elif key in ("p", "P"):
                events = engine.back()
            elif key in ("q", "Q", "\x1b"):
                events = engine.quit()
            elif key is not None and key.isdigit():
                report = engine.report_pain(int(key))
                message = VERDICT_TEXT[report.verdict].format(value=report.value, ceiling=report.ceiling)
                if report.verdict == "stop" and rules is not None:
                    message += " Stop also for: " + "; ".join(s.lower() for s in rules.stop_signs) + "."
            events += engine.update()
            if any(e.kind in ("step", "side") for e in events):
                message = ""
                if bell:
                    console.bell()
        live.update(render(view, engine.state(), message), refresh=True)
    return engine.record()


def summary(view: RoutineView, record: SessionRecord) -> Table:
    """A short table after the session: outcome, time, steps, pain reports."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="dim", justify="right")
    table.add_column()
    outcome = "finished" if record.outcome == "finished" else "stopped early"
    table.add_row("session", f"{view.routine.title}: {outcome}")
    table.add_row("time", duration_text(record.duration_s))
    table.add_row(
        "steps",
        f"{len(record.steps_done)} of {record.steps_total} done"
        + (f", {len(record.steps_skipped)} skipped" if record.steps_skipped else ""),
    )
    if record.pain_reports:
        worst = max(p.value for p in record.pain_reports)
        table.add_row("pain", f"{len(record.pain_reports)} rating(s), highest {worst}/10")
    return table
