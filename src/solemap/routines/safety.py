"""The safety screen: red-flag questions asked before the first session, and the remembered answers.

Questions live in ``data/safety.yaml`` with their sources. A "yes" to a ``stop`` question blocks
every routine and says why and whom to see; a ``caution`` question only adds advice. Answers are
kept in ``safety.json`` in the user data folder (``platformdirs``; ``SOLEMAP_DATA_DIR`` overrides it)
until the user changes them. The screen counts as done only when every current question has an
answer, so a question added in a later version is asked again.
"""

from __future__ import annotations

import functools
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from solemap.atlas import EVIDENCE_LABELS
from solemap.routines.tools import data_path, pydantic_reasons, read_yaml

Action = Literal["stop", "caution"]
Urgency = Literal["emergency", "same-day", "soon", "routine"]

URGENCY_TEXT: dict[str, str] = {
    "emergency": "now: this may be an emergency",
    "same-day": "today",
    "soon": "within a few days",
    "routine": "before you start rolling",
}

ANSWERS_FILE = "safety.json"
DATA_DIR_ENV = "SOLEMAP_DATA_DIR"


class SafetyError(ValueError):
    """The safety file or the stored answers are malformed."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Question(_Strict):
    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    ask: str
    action: Action
    urgency: Urgency
    why: str
    see: str
    evidence: str
    sources: tuple[str, ...] = Field(min_length=1)

    @field_validator("evidence")
    @classmethod
    def _label(cls, value: str) -> str:
        if value not in EVIDENCE_LABELS:
            raise ValueError(f"unknown evidence label {value!r}")
        return value


class SessionRules(_Strict):
    """Rules the players apply during a session (pain at or above ``stop_at`` pauses it)."""

    stop_at: int = Field(ge=1, le=10)
    evidence: str
    sources: tuple[str, ...]
    stop_signs: tuple[str, ...]


class SafetyScreen(_Strict):
    sources: dict[str, str]
    questions: tuple[Question, ...] = Field(min_length=1)
    session_rules: SessionRules

    @model_validator(mode="after")
    def _check(self) -> SafetyScreen:
        seen: set[str] = set()
        for q in self.questions:
            if q.id in seen:
                raise ValueError(f"question {q.id!r} is listed twice")
            seen.add(q.id)
            for key in q.sources:
                if key not in self.sources:
                    raise ValueError(f"question {q.id!r} cites unknown source {key!r}")
        for key in self.session_rules.sources:
            if key not in self.sources:
                raise ValueError(f"session_rules cite unknown source {key!r}")
        return self

    def question(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)

    def evaluate(self, answers: dict[str, bool]) -> ScreenResult:
        """Judge a set of answers (question id → yes?). Unknown ids are ignored."""
        missing = tuple(q for q in self.questions if q.id not in answers)
        yes = [q for q in self.questions if answers.get(q.id) is True]
        return ScreenResult(
            blocking=tuple(q for q in yes if q.action == "stop"),
            cautions=tuple(q for q in yes if q.action == "caution"),
            missing=missing,
        )


@dataclass(frozen=True, slots=True)
class ScreenResult:
    """The verdict: rolling is allowed when nothing blocks and nothing is unanswered."""

    blocking: tuple[Question, ...]
    cautions: tuple[Question, ...]
    missing: tuple[Question, ...]

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def cleared(self) -> bool:
        return self.complete and not self.blocking

    def explain(self) -> list[str]:
        """Plain lines saying why rolling is stopped and whom to see (empty when cleared)."""
        lines = []
        for q in self.blocking:
            lines.append(f"{q.why} See: {q.see} (when: {URGENCY_TEXT[q.urgency]}).")
        if self.missing:
            lines.append(
                f"{len(self.missing)} safety question(s) not answered yet: run the safety screen first."
            )
        return lines


@functools.cache
def load_safety(path: str | None = None) -> SafetyScreen:
    """Load and validate the safety questions (cached). ``path`` overrides the shipped file."""
    file = Path(path) if path else data_path("safety.yaml")
    try:
        return SafetyScreen.model_validate(read_yaml(file))
    except ValidationError as exc:
        raise SafetyError(f"{file.name}: " + "; ".join(pydantic_reasons(exc))) from exc


def user_data_dir() -> Path:
    """Where solemap keeps per-user files (see :mod:`solemap.paths`)."""
    from solemap.paths import user_data_dir as shared_user_data_dir

    return shared_user_data_dir()


@dataclass(frozen=True, slots=True)
class StoredAnswers:
    answers: dict[str, bool]
    answered_at: datetime | None


class AnswerStore:
    """The remembered answers in ``<data dir>/safety.json`` (written atomically)."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory if directory is not None else user_data_dir()

    @property
    def path(self) -> Path:
        return self.directory / ANSWERS_FILE

    def load(self) -> StoredAnswers:
        """The stored answers, or none if nothing was saved yet. A corrupt file raises SafetyError."""
        if not self.path.exists():
            return StoredAnswers({}, None)
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            answers = data["answers"]
            if not isinstance(answers, dict) or not all(isinstance(v, bool) for v in answers.values()):
                raise ValueError("answers must map question ids to true/false")
            stamp = data.get("answered_at")
            return StoredAnswers(dict(answers), datetime.fromisoformat(stamp) if stamp else None)
        except (ValueError, KeyError, TypeError) as exc:
            raise SafetyError(
                f"{self.path}: unreadable safety answers ({exc}); answer the screen again"
            ) from exc

    def save(self, answers: dict[str, bool], now: datetime | None = None) -> None:
        """Replace the stored answers (write to a temporary file, then rename over the old one)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        payload = {
            "version": 1,
            "answered_at": (now or datetime.now(UTC)).isoformat(),
            "answers": {k: bool(v) for k, v in sorted(answers.items())},
        }
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".safety-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(payload, fh, indent=2)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)

    def result(self, screen: SafetyScreen | None = None) -> ScreenResult:
        """The verdict for the stored answers."""
        return (screen or load_safety()).evaluate(self.load().answers)
