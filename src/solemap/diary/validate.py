"""Checks applied to every value before it reaches the database.

Each checker returns the cleaned value or raises :class:`InvalidEntry` naming the field, so the
CLI, the web pages and the importer all give the same message for the same mistake.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import json
import math
import numbers
from collections.abc import Mapping
from typing import Any

from solemap.diary.errors import InvalidEntry
from solemap.diary.models import OUTCOMES, QUALITIES, SESSION_SOURCES, SIDES

#: Clocks of phones and laptops drift; an entry this far ahead of "now" still counts as now.
FUTURE_TOLERANCE = dt.timedelta(minutes=5)
MAX_NOTE = 2000
MAX_ACTIVITY = 120
MAX_ROUTINE_ID = 120
#: Session feedback (``solemap.feedback``) of a routine with a dozen steps is about 5–15 kB as
#: compact JSON; the bound keeps a stray upload from filling the database.
MAX_FEEDBACK_BYTES = 64 * 1024
MAX_FEEDBACK_DEPTH = 16


@functools.cache
def atlas_area_sides() -> Mapping[str, str]:
    """Every area id of the atlas with its side (``left``, ``right`` or ``both``); loaded on first use."""
    from solemap.atlas import load_atlas

    return {area.id: area.side for area in load_atlas().areas.values()}


def score(value: Any, field: str = "score") -> int:
    """A 0–10 numeric rating given as a whole number."""
    if isinstance(value, bool) or value is None:
        raise InvalidEntry(field, f"must be a whole number from 0 to 10, got {value!r}")
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise InvalidEntry(field, f"must be a whole number from 0 to 10, got {value!r}") from None
    if isinstance(value, float):
        if not math.isfinite(value) or value != int(value):
            raise InvalidEntry(field, f"must be a whole number from 0 to 10, got {value!r}")
        value = int(value)
    if not isinstance(value, int):
        raise InvalidEntry(field, f"must be a whole number from 0 to 10, got {value!r}")
    if not 0 <= value <= 10:
        raise InvalidEntry(field, f"must be from 0 (no pain) to 10 (worst imaginable), got {value}")
    return value


def choice(value: Any, allowed: tuple[str, ...], field: str, *, optional: bool = True) -> str | None:
    """One of ``allowed`` (case-insensitive), or None when ``optional`` and empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if optional:
            return None
        raise InvalidEntry(field, f"is required; choose one of {', '.join(allowed)}")
    if not isinstance(value, str) or value.strip().lower() not in allowed:
        raise InvalidEntry(field, f"must be one of {', '.join(allowed)}, got {value!r}")
    return value.strip().lower()


def side(value: Any, field: str = "side", *, optional: bool = True) -> str | None:
    return choice(value, SIDES, field, optional=optional)


def quality(value: Any, field: str = "quality") -> str | None:
    return choice(value, QUALITIES, field)


def outcome(value: Any, field: str = "outcome") -> str:
    result = choice(value, OUTCOMES, field, optional=False)
    assert result is not None
    return result


def source(value: Any, field: str = "source") -> str:
    result = choice(value, SESSION_SOURCES, field, optional=False)
    assert result is not None
    return result


def text(value: Any, field: str, *, limit: int = MAX_NOTE, optional: bool = True) -> str | None:
    """Free text, stripped; empty means None when ``optional``."""
    if value is None:
        if optional:
            return None
        raise InvalidEntry(field, "is required")
    if not isinstance(value, str):
        raise InvalidEntry(field, f"must be text, got {type(value).__name__}")
    value = value.strip()
    if not value:
        if optional:
            return None
        raise InvalidEntry(field, "must not be empty")
    if len(value) > limit:
        raise InvalidEntry(field, f"is {len(value)} characters long; at most {limit} fit")
    if "\x00" in value:
        raise InvalidEntry(field, "contains a NUL character")
    return value


def moment(value: Any, field: str, now: dt.datetime) -> dt.datetime:
    """A timezone-aware datetime not in the future; naive values are read as local time."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise InvalidEntry(field, f"is not a date and time (YYYY-MM-DDTHH:MM), got {value!r}") from None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        raise InvalidEntry(field, "needs a time of day as well as a date")
    if not isinstance(value, dt.datetime):
        raise InvalidEntry(field, f"must be a date and time, got {value!r}")
    if value.tzinfo is None:
        value = value.astimezone()  # the computer's own time zone
    if value > now + FUTURE_TOLERANCE:
        raise InvalidEntry(
            field, f"{value.isoformat(timespec='minutes')} is in the future; the diary records what happened"
        )
    if value.year < 1900:
        raise InvalidEntry(field, f"{value.isoformat()} is too far in the past")
    return value


def unit_interval(value: Any, field: str) -> float:
    """A coordinate of the plantar frame, 0–1."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidEntry(field, f"must be a number from 0 to 1, got {value!r}") from None
    if not math.isfinite(number) or not 0.0 <= number <= 1.0:
        raise InvalidEntry(field, f"must be from 0 to 1 (a position on the sole), got {value!r}")
    return number


def area(area_id: Any, mark_side: str | None, areas: Mapping[str, str], field: str) -> tuple[str, str]:
    """An atlas area id and the foot it is on; ``mark_side`` may be None when the area has one side."""
    if not isinstance(area_id, str) or not area_id.strip():
        raise InvalidEntry(field, f"must be an area id of the foot map, got {area_id!r}")
    area_id = area_id.strip()
    area_side = areas.get(area_id)
    if area_side is None:
        close = difflib.get_close_matches(area_id, list(areas), n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else " (`solemap map find WORD` lists areas)"
        raise InvalidEntry(field, f"unknown area {area_id!r}{hint}")
    if area_side in ("left", "right"):
        if mark_side not in (None, area_side):
            raise InvalidEntry(field, f"area {area_id!r} is on the {area_side} foot, not the {mark_side}")
        return area_id, area_side
    if mark_side is None:
        side_field = field.rsplit(".", 1)[0] + ".side" if "." in field else "side"
        raise InvalidEntry(side_field, f"area {area_id!r} exists on both feet; say left, right or both")
    return area_id, mark_side


def feedback(value: Any, field: str = "feedback", *, optional: bool = True) -> dict[str, Any] | None:
    """Structured session feedback: a JSON object of at most :data:`MAX_FEEDBACK_BYTES` bytes.

    Returns a plain copy (tuples become lists, numpy numbers plain ``int``/``float``). Errors
    name the place inside the object, e.g. ``feedback.steps[2].spent_s``; numbers must be finite
    (JSON has no NaN).
    """
    if value is None:
        if optional:
            return None
        raise InvalidEntry(field, "is required")
    if not isinstance(value, Mapping):
        raise InvalidEntry(
            field,
            f"must be a JSON object (like the 'feedback' of `solemap track --json`), got {_json_kind(value)}",
        )
    cleaned = _json_value(value, field, 0)
    size = len(json.dumps(cleaned, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    if size > MAX_FEEDBACK_BYTES:
        raise InvalidEntry(field, f"is {size:,} bytes as JSON; at most {MAX_FEEDBACK_BYTES:,} fit")
    return cleaned


def _json_kind(value: Any) -> str:
    if isinstance(value, str):
        return "text"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, bool | numbers.Number):
        return f"the number {value!r}" if not isinstance(value, bool) else repr(value)
    return type(value).__name__


def _json_value(value: Any, where: str, depth: int) -> Any:
    if depth > MAX_FEEDBACK_DEPTH:
        raise InvalidEntry(where, f"is nested more than {MAX_FEEDBACK_DEPTH} levels deep")
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        if "\x00" in value:
            raise InvalidEntry(where, "contains a NUL character")
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        if not math.isfinite(number):
            raise InvalidEntry(where, f"must be a finite number (JSON has no {number}), got {value!r}")
        return number
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidEntry(where, f"has a key {key!r} that is not text")
            out[key] = _json_value(item, f"{where}.{key}", depth + 1)
        return out
    if isinstance(value, list | tuple):
        return [_json_value(item, f"{where}[{i}]", depth + 1) for i, item in enumerate(value)]
    raise InvalidEntry(
        where,
        f"must be a JSON value (object, list, text, number, true/false, null), got {type(value).__name__}",
    )
