"""SQLAlchemy 2 models of the diary.

The schema itself is owned by the Alembic revisions in ``solemap/diary/migrations/versions``;
these classes describe the newest revision and a test checks that both agree.

Times are stored in UTC (``UTCDateTime``) and the person's own calendar day is stored beside
each entry (``day``), because "this morning's first steps" belongs to the day where the person
lives, not to a UTC date.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

# Named constraints so that migrations (and SQLite batch mode) can address them.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SIDES = ("left", "right", "both")
QUALITIES = ("sharp", "aching", "burning", "tingling")
OUTCOMES = ("finished", "abandoned")
# "tracked": stored by ``solemap track --routine ... --save-session`` from a pressure recording.
SESSION_SOURCES = ("player", "manual", "tracked")


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware datetime stored as UTC on every backend.

    SQLite has no time zones, so the value goes in as naive UTC and comes back with
    ``tzinfo=UTC``; PostgreSQL stores ``timestamptz`` and returns aware values already.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the diary; attach a time zone first")
        value = value.astimezone(dt.UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Profile(Base):
    """One person whose diary this is; an instructor or clinician may keep several."""

    __tablename__ = "profiles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    pain_entries: Mapped[list[PainEntry]] = relationship(
        back_populates="profile", cascade="all, delete-orphan", passive_deletes=True
    )


class PainEntry(Base):
    """One pain report: an overall 0–10 rating, optionally drawn on the foot as marks."""

    __tablename__ = "pain_entries"
    __table_args__ = (
        CheckConstraint("score >= 0 AND score <= 10", name="score_range"),
        Index("ix_pain_entries_profile_day", "profile_id", "day"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    day: Mapped[dt.date] = mapped_column(Date)
    score: Mapped[int] = mapped_column(Integer)
    first_step: Mapped[bool] = mapped_column(Boolean, default=False)
    side: Mapped[str | None] = mapped_column(String(8), nullable=True)
    quality: Mapped[str | None] = mapped_column(String(16), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)

    profile: Mapped[Profile] = relationship(back_populates="pain_entries")
    marks: Mapped[list[PainMark]] = relationship(
        back_populates="entry", cascade="all, delete-orphan", passive_deletes=True, order_by="PainMark.id"
    )


class PainMark(Base):
    """Where it hurt: an atlas area or a point (u, v) in the plantar frame, with its own intensity."""

    __tablename__ = "pain_marks"
    __table_args__ = (
        CheckConstraint("intensity >= 0 AND intensity <= 10", name="intensity_range"),
        CheckConstraint("area_id IS NOT NULL OR (u IS NOT NULL AND v IS NOT NULL)", name="area_or_point"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("pain_entries.id", ondelete="CASCADE"), index=True)
    side: Mapped[str] = mapped_column(String(8))
    intensity: Mapped[int] = mapped_column(Integer)
    area_id: Mapped[str | None] = mapped_column(String(120), nullable=True)
    u: Mapped[float | None] = mapped_column(Float, nullable=True)
    v: Mapped[float | None] = mapped_column(Float, nullable=True)

    entry: Mapped[PainEntry] = relationship(back_populates="marks")


class SessionLog(Base):
    """A rolling session, from the session player (``source="player"``) or entered by hand."""

    __tablename__ = "sessions"
    __table_args__ = (
        CheckConstraint("steps_done >= 0", name="steps_done_nonnegative"),
        CheckConstraint("duration_s >= 0", name="duration_nonnegative"),
        Index("ix_sessions_profile_day", "profile_id", "day"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    routine_id: Mapped[str] = mapped_column(String(120))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    day: Mapped[dt.date] = mapped_column(Date)
    duration_s: Mapped[float] = mapped_column(Float)
    steps_done: Mapped[int] = mapped_column(Integer)
    steps_total: Mapped[int | None] = mapped_column(Integer, nullable=True)
    outcome: Mapped[str] = mapped_column(String(16))
    # Pain reported during the session: [{"at_s": float, "step": int | None, "score": int}, ...]
    pain_reports: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    source: Mapped[str] = mapped_column(String(16), default="manual", server_default="manual")
    # Structured feedback of a tracked session (``solemap.feedback.SessionFeedback.to_json()``),
    # a JSON object; NULL when there is none. ``none_as_null`` stores None as SQL NULL, not 'null'.
    feedback: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True), nullable=True)


class FunctionScore(Base):
    """Patient-specific functional scale: how well one chosen activity goes, 0 (cannot) – 10 (as before)."""

    __tablename__ = "function_scores"
    __table_args__ = (
        CheckConstraint("score >= 0 AND score <= 10", name="score_range"),
        Index("ix_function_scores_profile_day", "profile_id", "day"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    day: Mapped[dt.date] = mapped_column(Date)
    activity: Mapped[str] = mapped_column(String(120))
    score: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
