"""Helpers shared by every CLI command: one-line errors and JSON output."""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import typer
import typer.core
from typer.core import TyperGroup

EXIT_USAGE = 2


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    """Print ``error: message`` on one line to stderr and exit with ``code`` (2 by default)."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _default(obj: Any) -> Any:
    # numpy scalars and arrays, dates and paths appear in library results.
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    return str(obj)


def print_json(obj: Any) -> None:
    """Write ``obj`` as indented JSON to stdout."""
    sys.stdout.write(json.dumps(obj, indent=2, ensure_ascii=False, default=_default) + "\n")


# Typer 0.29 ships its own copy of Click; older releases use the click package.
_click: Any = getattr(typer.core, "_click", None)
if _click is None:  # pragma: no cover - depends on the installed Typer
    import click as _click
_ABORT: tuple[type[BaseException], ...] = tuple(
    {typer.Abort, getattr(_click.exceptions, "Abort", typer.Abort)}
)


class OneLineErrors(TyperGroup):
    """Report usage errors (bad option, missing argument, wrong type) in one line, exit status 2.

    Click's own report is a usage block and a boxed message; scripts and people reading a log want
    ``error: <what>`` on one line, like the errors the commands raise themselves.
    """

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            rv = super().main(*args, standalone_mode=False, **kwargs)
        except _ABORT:
            typer.echo("error: aborted", err=True)
            sys.exit(1)
        except _click.exceptions.ClickException as exc:
            hint = ""
            if isinstance(exc, _click.exceptions.UsageError) and exc.ctx is not None:
                hint = f" (see '{exc.ctx.command_path} --help')"
            message = " ".join(exc.format_message().split())
            typer.echo(f"error: {message}{hint}", err=True)
            sys.exit(exc.exit_code)
        sys.exit(rv if isinstance(rv, int) else 0)
