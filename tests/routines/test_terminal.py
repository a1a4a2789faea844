"""The terminal player in a real terminal: tmux runs ``solemap roll`` and the test presses keys."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from solemap.routines import AnswerStore, load_safety

SHORT = Path(__file__).with_name("data") / "short-routine.yaml"


class Tmux:
    """One detached tmux session running a command, with helpers to type and read the screen."""

    def __init__(self, command: str, env: dict[str, str], width: int = 100, height: int = 40) -> None:
        self.name = f"solemap-test-{uuid.uuid4().hex[:8]}"
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        # After the player exits, print its status and whether the terminal is back in canonical
        # mode with echo on (both off while the player reads single keys).
        modes = "stty -a | tr ' ' '\\n' | grep -E '^-?(icanon|echo)$' | tr '\\n' ' '"
        shell = f"env {exports} {command}; echo EXIT=$?; {modes}; echo; sleep 60"
        subprocess.run(
            ["tmux", "new-session", "-d", "-s", self.name, "-x", str(width), "-y", str(height), shell],
            check=True,
        )

    def screen(self) -> str:
        out = subprocess.run(["tmux", "capture-pane", "-p", "-t", self.name], capture_output=True, text=True)
        return out.stdout

    def keys(self, *keys: str) -> None:
        for key in keys:
            subprocess.run(["tmux", "send-keys", "-t", self.name, "-l", key], check=True)
            time.sleep(0.15)

    def wait_for(self, predicate: Callable[[str], bool], timeout: float = 45.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if predicate(screen):
                return screen
            time.sleep(0.1)
        raise AssertionError(f"timed out; the screen shows:\n{screen}")

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)


@pytest.fixture
def tmux_env(tmp_path: Path) -> dict[str, str]:
    if shutil.which("tmux") is None:
        _missing_tool("tmux is not installed")
    data = tmp_path / "data"
    AnswerStore(data).save({q.id: False for q in load_safety().questions})
    return {
        "SOLEMAP_DATA_DIR": str(data),
        # The diary keeps its own database setting: point it at the test folder too.
        "SOLEMAP_DATABASE_URL": f"sqlite:///{data / 'diary.sqlite3'}",
        "TERM": "xterm-256color",
        "PATH": os.environ.get("PATH", ""),
    }


@pytest.fixture
def run(tmux_env: dict[str, str]) -> Iterator[Callable[[str], Tmux]]:
    started: list[Tmux] = []

    def start(args: str) -> Tmux:
        entry = "from solemap.cli import main; main()"
        t = Tmux(f"{shlex.quote(sys.executable)} -c {shlex.quote(entry)} {args}", tmux_env)
        started.append(t)
        return t

    yield start
    for t in started:
        t.close()


def remaining(screen: str) -> str:
    line = next(ln for ln in screen.splitlines() if ln.strip().startswith("step "))
    return line.split()[-1]


def test_a_whole_short_routine_in_tmux(run: Callable[[str], Tmux]) -> None:
    # 4 blocks of 10 s at 3× speed: about 13 s of real time when nothing is skipped.
    t = run(f"roll {SHORT} --time-scale 3")
    screen = t.wait_for(lambda s: "step 1 of 3" in s and "Left foot" in s)
    assert "Medial longitudinal arch" in screen and "Tennis ball" in screen and "Breathe" in screen

    t.keys(" ")
    paused = t.wait_for(lambda s: "PAUSED" in s)
    time.sleep(1.0)  # 3 simulated seconds: a paused clock must not move
    assert remaining(t.screen()) == remaining(paused)
    t.keys(" ")
    t.wait_for(lambda s: "PAUSED" not in s)

    t.keys("9")  # at or above the stop threshold: the player pauses and advises stopping
    screen = t.wait_for(lambda s: "stop here" in s)
    assert "PAUSED" in screen
    t.keys(" ", "n")
    t.wait_for(lambda s: "step 1 of 3" in s and "Right foot" in s)
    t.keys("n")
    screen = t.wait_for(lambda s: "step 2 of 3" in s)
    assert "Quadratus plantae" in screen and "30% of your body weight" in screen
    subprocess.run(["tmux", "send-keys", "-t", t.name, "Left"], check=True)  # ← is "back", not Esc
    t.wait_for(lambda s: "step 1 of 3" in s and "Right foot" in s)
    t.keys("n")
    subprocess.run(["tmux", "send-keys", "-t", t.name, "Right"], check=True)
    t.wait_for(lambda s: "step 3 of 3" in s and "lower calf" in s)
    screen = t.wait_for(lambda s: "EXIT=" in s and "icanon" in s)
    assert "Short test routine: finished" in screen
    assert "steps  1 of 3 done, 2 skipped" in screen
    assert "pain  1 rating(s), highest 9/10" in screen
    assert "Saved in your diary (session 1, profile default)." in screen
    assert "EXIT=0" in screen
    assert "icanon echo" in screen  # the terminal was restored


def test_quit_abandons_and_prints_the_record(run: Callable[[str], Tmux]) -> None:
    t = run(f"roll {SHORT} --time-scale 5 --json")
    t.wait_for(lambda s: "step 1 of 3" in s)
    t.keys("3", "q")
    screen = t.wait_for(lambda s: "EXIT=" in s and "icanon" in s)
    assert '"outcome": "abandoned"' in screen
    assert '"routine_id": "short-test"' in screen
    assert '"verdict": "ok"' in screen
    assert "EXIT=0" in screen and "icanon echo" in screen


def test_first_roll_asks_the_safety_questions_and_a_yes_stops_it(tmp_path: Path) -> None:
    if shutil.which("tmux") is None:
        _missing_tool("tmux is not installed")
    env = {
        "SOLEMAP_DATA_DIR": str(tmp_path / "fresh"),
        "SOLEMAP_DATABASE_URL": f"sqlite:///{tmp_path / 'fresh' / 'diary.sqlite3'}",
        "TERM": "xterm-256color",
        "PATH": os.environ["PATH"],
    }
    entry = "from solemap.cli import main; main()"
    command = f"{shlex.quote(sys.executable)} -c {shlex.quote(entry)} roll {SHORT}"
    questions = load_safety().questions
    dvt = next(i for i, q in enumerate(questions) if q.id == "dvt")
    t = Tmux(command, env, height=60)
    try:
        for i in range(len(questions)):
            t.wait_for(lambda s, i=i: f"{i + 1}/{len(questions)}" in s)
            t.keys("y" if i == dvt else "n")
            subprocess.run(["tmux", "send-keys", "-t", t.name, "Enter"], check=True)
        screen = t.wait_for(lambda s: "EXIT=" in s and "icanon" in s)
        assert "Please do not start self-massage yet." in screen
        assert "blood clot" in screen and "EXIT=3" in screen
    finally:
        t.close()
    # The answers are remembered: a second run does not ask again and is still stopped.
    again = Tmux(command, env)
    try:
        screen = again.wait_for(lambda s: "EXIT=" in s)
        assert "1/" not in screen and "EXIT=3" in screen
    finally:
        again.close()


def _missing_tool(reason: str) -> None:
    """Skip when a Debian tool is absent, but fail under scripts/test.sh (CI), which installs it."""
    if os.environ.get("SOLEMAP_REQUIRE_ALL_TESTS") == "1":
        pytest.fail(reason)
    pytest.skip(reason)
