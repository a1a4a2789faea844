"""Load routine files and check every id they use.

Shape errors come from pydantic; this module adds the cross-checks a schema cannot make: each area
id must exist in the atlas and lie on the foot the step works on, and each tool and technique id
must be in the catalog. Every problem is reported as ``file, step N ('id'): reason``.
"""

from __future__ import annotations

import difflib
import functools
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from solemap.atlas import Atlas, load_atlas
from solemap.routines.model import Routine, Step
from solemap.routines.tools import Catalog, CatalogError, data_path, load_catalog, read_yaml


class RoutineError(ValueError):
    """A routine file failed to load; ``problems`` holds one line per reason."""

    def __init__(self, file: str, problems: list[str]) -> None:
        self.file = file
        self.problems = problems
        super().__init__(
            f"{file}: " + "; ".join(problems)
            if len(problems) == 1
            else f"{file}: {len(problems)} problems:\n" + "\n".join(f"  - {p}" for p in problems)
        )


@dataclass(frozen=True, slots=True)
class LoadedRoutine:
    """A validated routine with the file it came from."""

    routine: Routine
    path: Path


def _suggest(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=3, cutoff=0.7)
    return f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""


def _step_label(n: int, raw_steps: object) -> str:
    step_id = None
    if isinstance(raw_steps, list) and n - 1 < len(raw_steps) and isinstance(raw_steps[n - 1], dict):
        step_id = raw_steps[n - 1].get("id")
    return f"step {n} ({step_id!r})" if step_id else f"step {n}"


def _shape_problems(exc: ValidationError, raw: dict) -> list[str]:
    """Rewrite pydantic locations like ``steps.2.duration_s`` as ``step 3 ('id'): duration_s``."""
    out = []
    for err in exc.errors():
        loc = list(err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        if len(loc) >= 2 and loc[0] == "steps" and isinstance(loc[1], int):
            field = ".".join(str(p) for p in loc[2:])
            label = _step_label(loc[1] + 1, raw.get("steps"))
            out.append(f"{label}: {field + ': ' if field else ''}{msg}")
        else:
            field = ".".join(str(p) for p in loc)
            out.append(f"{field}: {msg}" if field else msg)
    return out


def step_problems(step: Step, n: int, atlas: Atlas, catalog: Catalog) -> list[str]:
    """Cross-reference problems of one step (``n`` counts from 1)."""
    label = f"step {n} ({step.id!r})"
    out = []
    for area_id in step.areas:
        area = atlas.areas.get(area_id)
        if area is None:
            out.append(f"{label}: unknown area id {area_id!r}{_suggest(area_id, list(atlas.areas))}")
            continue
        feet = {"left", "right"} if step.side in ("both", "alternate") else {step.side}
        missing = sorted(f for f in feet if not area.applies_to(f))
        if missing:
            out.append(
                f"{label}: area {area_id!r} is on the {area.side} foot only, "
                f"but the step works on side {step.side!r}"
            )
    if step.tool is not None and step.tool not in catalog.tool_by_id:
        out.append(f"{label}: unknown tool id {step.tool!r}{_suggest(step.tool, list(catalog.tool_by_id))}")
    if step.technique not in catalog.technique_by_id:
        out.append(
            f"{label}: unknown technique {step.technique!r}"
            f"{_suggest(step.technique, list(catalog.technique_by_id))}"
        )
    return out


def load_routine_file(
    path: str | Path, atlas: Atlas | None = None, catalog: Catalog | None = None
) -> Routine:
    """Read and fully validate one routine file; raises :class:`RoutineError` listing every problem."""
    file = Path(path)
    name = file.name
    if not file.is_file():
        raise RoutineError(name, [f"no such file: {file}"])
    try:
        raw = read_yaml(file)
    except CatalogError as exc:
        raise RoutineError(name, [str(exc).removeprefix(f"{name}").lstrip(": ")]) from exc
    if not isinstance(raw, dict):
        raise RoutineError(name, ["the file must hold a mapping with id, title, steps, ..."])
    try:
        routine = Routine.model_validate(raw)
    except ValidationError as exc:
        raise RoutineError(name, _shape_problems(exc, raw)) from exc
    atlas = atlas if atlas is not None else load_atlas()
    catalog = catalog if catalog is not None else load_catalog()
    problems = [p for n, step in enumerate(routine.steps, 1) for p in step_problems(step, n, atlas, catalog)]
    if problems:
        raise RoutineError(name, problems)
    return routine


def routines_directory() -> Path:
    return data_path("routines")


@functools.cache
def load_routines() -> dict[str, LoadedRoutine]:
    """Every shipped routine by id (cached), in their ``order`` (the heel-pain routine first)."""
    out: dict[str, LoadedRoutine] = {}
    for file in sorted(routines_directory().glob("*.yaml")):
        routine = load_routine_file(file)
        if routine.id in out:
            raise RoutineError(
                file.name, [f"routine id {routine.id!r} is also used by {out[routine.id].path.name}"]
            )
        if routine.id != file.stem:
            raise RoutineError(
                file.name, [f"routine id {routine.id!r} must match the file name {file.stem!r}"]
            )
        out[routine.id] = LoadedRoutine(routine, file)
    return dict(sorted(out.items(), key=lambda item: (item[1].routine.order, item[0])))


def get_routine(name: str) -> Routine:
    """A shipped routine by id, or a user's routine file by path (``.yaml``/``.yml``).

    Raises ``KeyError`` for an unknown id (the message lists the shipped ids) and
    :class:`RoutineError` for a file that does not validate.
    """
    if name.endswith((".yaml", ".yml")) or "/" in name:
        return load_routine_file(name)
    shipped = load_routines()
    if name not in shipped:
        raise KeyError(f"no routine {name!r}{_suggest(name, list(shipped))}; shipped: {', '.join(shipped)}")
    return shipped[name].routine
