"""The ``solemap`` command: a thin shell over the library.

Each command module defines ``register(app)``; the list below is the only place that knows them.
"""

from __future__ import annotations

import typer

from solemap.cli import (
    diary_cmds,
    map_cmds,
    pressure_cmds,
    recordings_cmds,
    routines_cmds,
    tracking_cmds,
    web_cmds,
)
from solemap.cli._common import OneLineErrors

app = typer.Typer(
    cls=OneLineErrors,
    name="solemap",
    help="A sourced map of the sole: look up areas, draw charts, roll, keep a diary, analyse pressure.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for _module in (map_cmds, web_cmds, routines_cmds, diary_cmds, recordings_cmds, pressure_cmds, tracking_cmds):
    _module.register(app)


def main() -> None:
    app()
