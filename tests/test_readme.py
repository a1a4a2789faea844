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
# Commands that start a server, wait for key presses or need a file a reader must supply first.
NOT_RUN_HERE = ("serve", "roll ", "batch", "import")


def _bash_blocks() -> list[str]:
    return re.findall(r"```bash\n(.*?)```", README, flags=re.S)


def _console_commands() -> list[str]:
    commands = []
    for block in re.findall(r"```console\n(.*?)```", README, flags=re.S):
        for line in block.splitlines():
            if line.startswith("$ solemap "):
                commands.append(line[2:].split("  #")[0].strip())
    return commands


def test_readme_starts_with_exactly_two_setup_commands_and_ci_runs_the_second() -> None:
    blocks = _bash_blocks()
    assert len(blocks) >= 2
    first, second = blocks[0].strip(), blocks[1].strip()
    assert "\n" not in first and "\n" not in second
    assert first.startswith("pip install -e .")
    assert second in (ROOT / ".ci" / "run").read_text()


@pytest.mark.parametrize("command", [c for c in _console_commands() if not c[8:].startswith(NOT_RUN_HERE)])
def test_readme_example_runs(command: str, tmp_path, monkeypatch, shared_recordings) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOLEMAP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SOLEMAP_DATABASE_URL", f"sqlite:///{tmp_path / 'diary.sqlite'}")
    args = shlex.split(command)[1:]
    args = [a.replace("../shared/data/recordings", str(shared_recordings)) for a in args]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, f"{command}\n{result.output}"
