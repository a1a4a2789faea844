"""The README never lies: its two set-up commands match CI, and its examples run."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from solemap.cli import app

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
# Commands that start a server, wait for key presses, or need a cluster are not run here; examples
# on a reader's own files say so with a "your own" comment in the README.
def _runnable(command: str) -> bool:
    words = command.split()
    if words[1] in ("serve", "batch"):
        return False
    return not (words[1] == "roll" and "--dry-run" not in words)


def _bash_blocks() -> list[str]:
    return re.findall(r"```bash\n(.*?)```", README, flags=re.S)


def _console_commands() -> list[str]:
    commands = []
    for block in re.findall(r"```console\n(.*?)```", README, flags=re.S):
        for line in block.splitlines():
            if line.startswith("$ solemap ") and "your own" not in line:
                commands.append(line[2:].split("  #")[0].strip())
    return commands


def test_readme_starts_with_exactly_two_setup_commands_and_ci_runs_the_second() -> None:
    blocks = _bash_blocks()
    assert len(blocks) >= 2
    first, second = blocks[0].strip(), blocks[1].strip()
    assert "\n" not in first and "\n" not in second
    assert first.startswith("pip install -e .")
    assert second in (ROOT / ".ci" / "run").read_text()


@pytest.fixture(scope="module")
def readme_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for all examples, run in README order (later ones read what earlier ones wrote)."""
    return tmp_path_factory.mktemp("readme")


@pytest.mark.parametrize("command", [c for c in _console_commands() if _runnable(c)])
def test_readme_example_runs(command: str, readme_dir: Path, monkeypatch, shared_recordings) -> None:
    monkeypatch.chdir(readme_dir)
    monkeypatch.setenv("SOLEMAP_DATA_DIR", str(readme_dir / "data"))
    monkeypatch.setenv("SOLEMAP_DATABASE_URL", f"sqlite:///{readme_dir / 'diary.sqlite3'}")
    for part in command.split("&&"):
        redirect = None
        if ">" in part:
            part, redirect = (x.strip() for x in part.split(">", 1))
        args = shlex.split(part)[1:]
        args = [a.replace("../shared/data/recordings", str(shared_recordings)) for a in args]
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, f"{part}\n{result.output}"
        if redirect:
            (readme_dir / redirect).write_text(result.stdout)
