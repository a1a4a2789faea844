"""The diary's library API: profiles, logging, reading back.

>>> from solemap.diary import Database, Diary
>>> diary = Diary(Database.open())              # default profile, default database
>>> diary.log_pain(4, first_step=True)          # returns the new entry's id once it is on disk

Every write is one transaction: when a method returns, the entry is committed (on SQLite with
``synchronous=FULL``, so it survives a crash); when it raises, nothing was stored.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import delete, func, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, selectinload

from solemap.diary import validate
from solemap.diary.db import Database
from solemap.diary.errors import DiaryError, InvalidEntry, StorageError, UnknownProfile, storage_error
from solemap.diary.models import FunctionScore, PainEntry, PainMark, Profile, SessionLog
from solemap.diary.records import FunctionRecord, Mark, PainRecord, SessionEntry

DEFAULT_PROFILE = "default"
T = TypeVar("T")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def run_write(db: Database, what: str, work: Callable[[Session], T]) -> T:
    """Run ``work`` in one write transaction; database and disk failures become diary errors.

    ``what`` completes "could not ..." in the message (e.g. "save the pain entry").
    """
    try:
        with db.writing() as session:
            return work(session)
    except DiaryError:
        raise
    except IntegrityError as exc:
        raise StorageError(f"could not {what}: the database refused it ({exc.orig})") from exc
    except (DBAPIError, OSError) as exc:
        translated = storage_error(exc, what)
        if translated is not None:
            raise translated from exc
        raise


def run_read(db: Database, what: str, work: Callable[[Session], T]) -> T:
    """Run ``work`` in a read session, translating database failures like :func:`run_write`."""
    try:
        with db.reading() as session:
            return work(session)
    except DiaryError:
        raise
    except (DBAPIError, OSError) as exc:
        translated = storage_error(exc, what)
        if translated is not None:
            raise translated from exc
        raise


# --- profiles ------------------------------------------------------------------------------------


def _profile_name(name: Any) -> str:
    cleaned = validate.text(name, "profile", limit=80, optional=False)
    assert cleaned is not None
    return cleaned


def list_profiles(db: Database) -> list[str]:
    """Names of every profile, oldest first."""
    return run_read(db, "list profiles", lambda s: list(s.scalars(select(Profile.name).order_by(Profile.id))))


def create_profile(db: Database, name: str) -> int:
    """Create a profile; raises :class:`InvalidEntry` (field ``profile``) if the name is taken."""
    name = _profile_name(name)

    def work(s: Session) -> int:
        if s.scalar(select(Profile.id).where(Profile.name == name)) is not None:
            raise InvalidEntry("profile", f"a profile called {name!r} already exists")
        profile = Profile(name=name, created_at=_now())
        s.add(profile)
        s.flush()
        return profile.id

    return run_write(db, "create the profile", work)


def rename_profile(db: Database, old: str, new: str) -> None:
    """Rename a profile, keeping all its entries."""
    new = _profile_name(new)

    def work(s: Session) -> None:
        profile = s.scalar(select(Profile).where(Profile.name == old))
        if profile is None:
            raise UnknownProfile(f"no profile called {old!r}")
        if s.scalar(select(Profile.id).where(Profile.name == new)) is not None:
            raise InvalidEntry("profile", f"a profile called {new!r} already exists")
        profile.name = new

    run_write(db, "rename the profile", work)


def delete_profile(db: Database, name: str) -> None:
    """Delete a profile and everything recorded in it."""

    def work(s: Session) -> None:
        profile_id = s.scalar(select(Profile.id).where(Profile.name == name))
        if profile_id is None:
            raise UnknownProfile(f"no profile called {name!r}")
        # Explicit deletes rather than relying on ON DELETE CASCADE, so an SQLite file opened
        # elsewhere without foreign keys cannot be left with orphans.
        entry_ids = select(PainEntry.id).where(PainEntry.profile_id == profile_id)
        s.execute(delete(PainMark).where(PainMark.entry_id.in_(entry_ids)))
        for model in (PainEntry, SessionLog, FunctionScore):
            s.execute(delete(model).where(model.profile_id == profile_id))
        s.execute(delete(Profile).where(Profile.id == profile_id))

    run_write(db, "delete the profile", work)


# --- the diary of one profile ----------------------------------------------------------------------


def _local_day(moment: dt.datetime) -> dt.date:
    # The person's calendar day: the date on this computer's clock at that moment (a UTC date
    # would put a 00:30 entry in Berlin on the previous day).
    return moment.astimezone().date()


def _pain_record(row: PainEntry) -> PainRecord:
    return PainRecord(
        id=row.id,
        recorded_at=row.recorded_at,
        day=row.day,
        score=row.score,
        first_step=bool(row.first_step),
        side=row.side,
        quality=row.quality,
        note=row.note,
        marks=tuple(
            Mark(side=m.side, intensity=m.intensity, area_id=m.area_id, u=m.u, v=m.v) for m in row.marks
        ),
    )


def _session_entry(row: SessionLog) -> SessionEntry:
    return SessionEntry(
        id=row.id,
        routine_id=row.routine_id,
        started_at=row.started_at,
        ended_at=row.ended_at,
        day=row.day,
        duration_s=float(row.duration_s),
        steps_done=row.steps_done,
        steps_total=row.steps_total,
        outcome=row.outcome,
        source=row.source,
        pain_reports=tuple(dict(r) for r in (row.pain_reports or [])),
        note=row.note,
        feedback=copy.deepcopy(row.feedback) if row.feedback is not None else None,
    )


def _function_record(row: FunctionScore) -> FunctionRecord:
    return FunctionRecord(
        id=row.id,
        recorded_at=row.recorded_at,
        day=row.day,
        activity=row.activity,
        score=row.score,
        note=row.note,
    )


def clean_marks(
    marks: Iterable[Mark | Mapping[str, Any]], entry_side: str | None, areas: Mapping[str, str]
) -> list[Mark]:
    """Validate pain marks (``Mark`` or dicts with side, intensity, area or u/v).

    A mark without a side takes the entry's side, or the side of its area when that area
    exists on one foot only. Errors name the mark: ``marks[1].intensity``.
    """
    cleaned: list[Mark] = []
    for i, raw in enumerate(marks):
        field = f"marks[{i}]"
        if not isinstance(raw, Mark | Mapping):
            raise InvalidEntry(field, "must be an object with an area or u and v, and an intensity")
        data = raw.to_json() if isinstance(raw, Mark) else dict(raw)
        mark_side = validate.side(data.get("side"), f"{field}.side") or entry_side
        intensity = validate.score(data.get("intensity"), f"{field}.intensity")
        area_id = data.get("area", data.get("area_id"))
        u, v = data.get("u"), data.get("v")
        if area_id is not None:
            area_id, mark_side = validate.area(area_id, mark_side, areas, f"{field}.area")
        elif u is None or v is None:
            raise InvalidEntry(field, "needs an area id or both coordinates u and v")
        if u is not None or v is not None:
            u = validate.unit_interval(u, f"{field}.u")
            v = validate.unit_interval(v, f"{field}.v")
        if mark_side is None:
            raise InvalidEntry(f"{field}.side", "say which foot: left, right or both")
        cleaned.append(Mark(side=mark_side, intensity=intensity, area_id=area_id, u=u, v=v))
    return cleaned


class Diary:
    """The diary of one profile in one database.

    ``areas`` maps every valid area id to its side; by default it is read from the atlas on the
    first entry that names an area. ``clock`` returns "now" (tests pass a fixed one).
    """

    def __init__(
        self,
        db: Database,
        profile: str = DEFAULT_PROFILE,
        *,
        areas: Mapping[str, str] | None = None,
        clock: Callable[[], dt.datetime] = _now,
        create_profile: bool = True,
    ) -> None:
        self.db = db
        self.profile = _profile_name(profile)
        self._areas = areas
        self._clock = clock
        self._create = create_profile
        self._profile_id: int | None = None

    # -- helpers --

    @property
    def areas(self) -> Mapping[str, str]:
        if self._areas is None:
            self._areas = validate.atlas_area_sides()
        return self._areas

    def now(self) -> dt.datetime:
        return self._clock()

    def _ensure_profile(self, s: Session) -> int:
        if self._profile_id is not None:
            return self._profile_id
        profile_id = s.scalar(select(Profile.id).where(Profile.name == self.profile))
        if profile_id is None:
            if not self._create:
                raise UnknownProfile(f"no profile called {self.profile!r}")
            # A savepoint, so that losing a race with another process creating the same
            # profile leaves this transaction usable.
            try:
                with s.begin_nested():
                    profile = Profile(name=self.profile, created_at=_now())
                    s.add(profile)
                    s.flush()
                    profile_id = profile.id
            except IntegrityError:
                profile_id = s.scalar(select(Profile.id).where(Profile.name == self.profile))
                if profile_id is None:
                    raise
        self._profile_id = profile_id
        return profile_id

    def _profile_for_read(self, s: Session) -> int | None:
        if self._profile_id is None:
            self._profile_id = s.scalar(select(Profile.id).where(Profile.name == self.profile))
        return self._profile_id

    def _write(self, what: str, work: Callable[[Session, int], T]) -> T:
        def run(s: Session) -> T:
            return work(s, self._ensure_profile(s))

        try:
            return run_write(self.db, what, run)
        except BaseException:
            # The profile id may come from a transaction that was rolled back.
            self._profile_id = None
            raise

    def clean_marks(self, marks: Iterable[Mark | Mapping[str, Any]], entry_side: str | None) -> list[Mark]:
        """Validate pain marks against this diary's areas (see :func:`clean_marks`)."""
        return clean_marks(marks, entry_side, self.areas)

    # -- writing --

    def log_pain(
        self,
        score: Any,
        *,
        first_step: bool = False,
        at: Any = None,
        side: Any = None,
        quality: Any = None,
        note: Any = None,
        marks: Sequence[Mark | Mapping[str, Any]] = (),
        areas: Sequence[str] = (),
    ) -> int:
        """Record a pain rating (0–10) and return its id once committed.

        ``areas`` is a shortcut for marks on whole areas at the overall ``score``; ``marks``
        gives each area or point its own intensity.
        """
        now = self.now()
        score = validate.score(score)
        moment = validate.moment(at if at is not None else now, "at", now)
        side = validate.side(side)
        quality = validate.quality(quality)
        note = validate.text(note, "note")
        all_marks = list(marks) + [{"area": a, "intensity": score} for a in areas]
        cleaned = self.clean_marks(all_marks, side)
        if side is None and cleaned:
            sides = {m.side for m in cleaned}
            side = sides.pop() if len(sides) == 1 else "both"

        def work(s: Session, profile_id: int) -> int:
            entry = PainEntry(
                profile_id=profile_id,
                recorded_at=moment,
                day=_local_day(moment),
                score=score,
                first_step=bool(first_step),
                side=side,
                quality=quality,
                note=note,
                marks=[
                    PainMark(side=m.side, intensity=m.intensity, area_id=m.area_id, u=m.u, v=m.v)
                    for m in cleaned
                ],
            )
            s.add(entry)
            s.flush()
            return entry.id

        return self._write("save the pain entry", work)

    def log_session(
        self,
        routine_id: Any,
        *,
        started_at: Any = None,
        ended_at: Any = None,
        duration_s: Any = None,
        steps_done: Any = 0,
        steps_total: Any = None,
        outcome: Any = "finished",
        pain_reports: Iterable[Mapping[str, Any]] = (),
        note: Any = None,
        source: Any = "manual",
        feedback: Any = None,
    ) -> int:
        """Record a rolling session and return its id.

        Give ``started_at`` and either ``ended_at`` or ``duration_s`` (seconds); with neither
        start nor end, the session is taken to have ended now. ``feedback`` is the structured
        result of a tracked session (``SessionFeedback.to_json()``): a JSON object of at most
        :data:`~solemap.diary.validate.MAX_FEEDBACK_BYTES` bytes, checked by
        :func:`~solemap.diary.validate.feedback`.
        """
        now = self.now()
        routine = validate.text(routine_id, "routine", limit=validate.MAX_ROUTINE_ID, optional=False)
        end = validate.moment(ended_at, "ended_at", now) if ended_at is not None else None
        if duration_s is not None:
            try:
                duration = float(duration_s)
            except (TypeError, ValueError):
                raise InvalidEntry("duration", f"must be a number of seconds, got {duration_s!r}") from None
            if not 0 <= duration <= 24 * 3600:
                raise InvalidEntry("duration", f"must be between 0 seconds and 24 hours, got {duration_s!r}")
        else:
            duration = None
        if started_at is not None:
            start = validate.moment(started_at, "started_at", now)
        elif end is not None and duration is not None:
            start = end - dt.timedelta(seconds=duration)
        else:
            start = (end or now) - dt.timedelta(seconds=duration or 0)
        if end is not None and end < start:
            raise InvalidEntry("ended_at", "is before the start of the session")
        if duration is None:
            duration = (end - start).total_seconds() if end is not None else 0.0
        if end is None and ended_at is None and duration:
            end = start + dt.timedelta(seconds=duration)
        if end is not None and end > now + validate.FUTURE_TOLERANCE:
            raise InvalidEntry("duration", "the session would end in the future")
        steps = _count(steps_done, "steps_done")
        total = _count(steps_total, "steps_total") if steps_total is not None else None
        if total is not None and steps > total:
            raise InvalidEntry("steps_done", f"{steps} steps done but the routine has only {total}")
        result = validate.outcome(outcome)
        origin = validate.source(source)
        reports = [_pain_report(r, f"pain_reports[{i}]") for i, r in enumerate(pain_reports)]
        note = validate.text(note, "note")
        structured = validate.feedback(feedback)

        def work(s: Session, profile_id: int) -> int:
            row = SessionLog(
                profile_id=profile_id,
                routine_id=routine,
                started_at=start,
                ended_at=end,
                day=_local_day(start),
                duration_s=duration,
                steps_done=steps,
                steps_total=total,
                outcome=result,
                pain_reports=reports,
                note=note,
                source=origin,
                feedback=structured,
            )
            s.add(row)
            s.flush()
            return row.id

        return self._write("save the session", work)

    def record_session(self, record: Any, *, feedback: Any = None) -> int:
        """Store a ``SessionRecord`` from the session player (:mod:`solemap.routines`)."""
        data = record.to_json() if hasattr(record, "to_json") else dict(record)
        return self.log_session(**session_kwargs_from_player(data), feedback=feedback)

    def attach_feedback(self, session_id: Any, feedback: Any) -> None:
        """Store structured feedback on an existing session of this profile, replacing any before.

        ``feedback`` is checked like in :meth:`log_session` (a JSON object, bounded size); an
        unknown ``session_id`` raises :class:`InvalidEntry` (field ``id``) and nothing changes.
        """
        number = _session_id(session_id)
        structured = validate.feedback(feedback, optional=False)

        def work(s: Session, profile_id: int) -> None:
            row = s.get(SessionLog, number)
            if row is None or row.profile_id != profile_id:
                raise InvalidEntry("id", f"no session {number} in profile {self.profile!r}")
            row.feedback = structured

        self._write("save the session feedback", work)

    def log_function(self, activity: Any, score: Any, *, at: Any = None, note: Any = None) -> int:
        """Record how well a chosen activity goes (0 = cannot do it, 10 = as before the problem)."""
        now = self.now()
        name = validate.text(activity, "activity", limit=validate.MAX_ACTIVITY, optional=False)
        value = validate.score(score)
        moment = validate.moment(at if at is not None else now, "at", now)
        note = validate.text(note, "note")

        def work(s: Session, profile_id: int) -> int:
            row = FunctionScore(
                profile_id=profile_id,
                recorded_at=moment,
                day=_local_day(moment),
                activity=name,
                score=value,
                note=note,
            )
            s.add(row)
            s.flush()
            return row.id

        return self._write("save the function score", work)

    def delete_entry(self, kind: str, entry_id: int) -> None:
        """Delete one pain entry (``kind="pain"``), session or function score of this profile."""
        models: dict[str, type[PainEntry] | type[SessionLog] | type[FunctionScore]] = {
            "pain": PainEntry,
            "session": SessionLog,
            "function": FunctionScore,
        }
        if kind not in models:
            raise InvalidEntry("kind", f"must be one of {', '.join(models)}, got {kind!r}")
        model = models[kind]

        def work(s: Session, profile_id: int) -> None:
            row = s.get(model, entry_id)
            if row is None or row.profile_id != profile_id:
                raise InvalidEntry("id", f"no {kind} entry {entry_id} in profile {self.profile!r}")
            if isinstance(row, PainEntry):
                s.execute(delete(PainMark).where(PainMark.entry_id == row.id))
            s.delete(row)

        self._write(f"delete the {kind} entry", work)

    # -- reading --

    def _range(self, column: Any, since: dt.date | None, until: dt.date | None) -> list[Any]:
        conditions = []
        if since is not None:
            conditions.append(column >= since)
        if until is not None:
            conditions.append(column <= until)
        return conditions

    def pain_entries(
        self, since: dt.date | None = None, until: dt.date | None = None, *, first_step: bool | None = None
    ) -> list[PainRecord]:
        """Pain entries with ``since <= day <= until``, oldest first."""

        def work(s: Session) -> list[PainRecord]:
            profile_id = self._profile_for_read(s)
            if profile_id is None:
                return []
            query = (
                select(PainEntry)
                .where(PainEntry.profile_id == profile_id, *self._range(PainEntry.day, since, until))
                .options(selectinload(PainEntry.marks))
                .order_by(PainEntry.recorded_at, PainEntry.id)
            )
            if first_step is not None:
                query = query.where(PainEntry.first_step == first_step)
            return [_pain_record(row) for row in s.scalars(query)]

        return run_read(self.db, "read the pain entries", work)

    def sessions(self, since: dt.date | None = None, until: dt.date | None = None) -> list[SessionEntry]:
        """Sessions that started on ``since <= day <= until``, oldest first."""

        def work(s: Session) -> list[SessionEntry]:
            profile_id = self._profile_for_read(s)
            if profile_id is None:
                return []
            query = (
                select(SessionLog)
                .where(SessionLog.profile_id == profile_id, *self._range(SessionLog.day, since, until))
                .order_by(SessionLog.started_at, SessionLog.id)
            )
            return [_session_entry(row) for row in s.scalars(query)]

        return run_read(self.db, "read the sessions", work)

    def session(self, session_id: Any) -> SessionEntry:
        """One session of this profile by id; :class:`InvalidEntry` (field ``id``) if there is none."""
        number = _session_id(session_id)

        def work(s: Session) -> SessionEntry:
            profile_id = self._profile_for_read(s)
            row = s.get(SessionLog, number)
            if row is None or profile_id is None or row.profile_id != profile_id:
                raise InvalidEntry("id", f"no session {number} in profile {self.profile!r}")
            return _session_entry(row)

        return run_read(self.db, "read the session", work)

    def session_feedback(self, session_id: Any) -> dict[str, Any] | None:
        """The structured feedback stored with a session, or None when it has none."""
        return self.session(session_id).feedback

    def function_scores(
        self, since: dt.date | None = None, until: dt.date | None = None
    ) -> list[FunctionRecord]:
        """Function scores with ``since <= day <= until``, oldest first."""

        def work(s: Session) -> list[FunctionRecord]:
            profile_id = self._profile_for_read(s)
            if profile_id is None:
                return []
            query = (
                select(FunctionScore)
                .where(FunctionScore.profile_id == profile_id, *self._range(FunctionScore.day, since, until))
                .order_by(FunctionScore.recorded_at, FunctionScore.id)
            )
            return [_function_record(row) for row in s.scalars(query)]

        return run_read(self.db, "read the function scores", work)

    def counts(self) -> dict[str, int]:
        """How many pain entries, marks, sessions and function scores this profile holds."""

        def work(s: Session) -> dict[str, int]:
            profile_id = self._profile_for_read(s)
            if profile_id is None:
                return {"pain_entries": 0, "pain_marks": 0, "sessions": 0, "function_scores": 0}
            n_marks = s.scalar(
                select(func.count(PainMark.id)).join(PainEntry).where(PainEntry.profile_id == profile_id)
            )
            out = {"pain_marks": int(n_marks or 0)}
            for key, model in (
                ("pain_entries", PainEntry),
                ("sessions", SessionLog),
                ("function_scores", FunctionScore),
            ):
                out[key] = int(
                    s.scalar(select(func.count(model.id)).where(model.profile_id == profile_id)) or 0
                )
            return out

        return run_read(self.db, "count the entries", work)

    def date_range(self) -> tuple[dt.date, dt.date] | None:
        """First and last day with any entry, or None for an empty diary."""
        days = [e.day for e in self.pain_entries()] + [s.day for s in self.sessions()]
        days += [f.day for f in self.function_scores()]
        return (min(days), max(days)) if days else None


def _count(value: Any, field: str) -> int:
    if isinstance(value, bool):
        raise InvalidEntry(field, f"must be a whole number, got {value!r}")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InvalidEntry(field, f"must be a whole number, got {value!r}") from None
    if number != value and not (isinstance(value, str) and value.strip() == str(number)):
        raise InvalidEntry(field, f"must be a whole number, got {value!r}")
    if not 0 <= number <= 1000:
        raise InvalidEntry(field, f"must be between 0 and 1000, got {number}")
    return number


def _session_id(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidEntry("id", f"must be a session id (a whole number), got {value!r}")
    try:
        number = int(value)
    except ValueError:
        raise InvalidEntry("id", f"must be a session id (a whole number), got {value!r}") from None
    if not 1 <= number < 2**31:  # ids are 32-bit integers on PostgreSQL
        raise InvalidEntry("id", f"must be a session id (a whole number), got {value!r}")
    return number


def _pain_report(raw: Any, field: str) -> dict[str, Any]:
    """A pain rating given during a session: score 0–10, optional seconds in, step id, side, advice."""
    if not isinstance(raw, Mapping):
        raise InvalidEntry(field, "must be an object with a score")
    report: dict[str, Any] = {"score": validate.score(raw.get("score", raw.get("value")), f"{field}.score")}
    at_s = raw.get("at_s")
    if at_s is not None:
        try:
            report["at_s"] = round(float(at_s), 3)
        except (TypeError, ValueError):
            raise InvalidEntry(f"{field}.at_s", f"must be seconds, got {at_s!r}") from None
    step = raw.get("step", raw.get("step_id"))
    if step is not None:
        report["step"] = validate.text(str(step), f"{field}.step", limit=120)
    side = validate.side(raw.get("side"), f"{field}.side")
    if side is not None:
        report["side"] = side
    verdict = raw.get("verdict")
    if verdict is not None:
        report["verdict"] = validate.text(str(verdict), f"{field}.verdict", limit=40)
    return report


def session_kwargs_from_player(data: Mapping[str, Any]) -> dict[str, Any]:
    """Arguments of :meth:`Diary.log_session` from ``solemap.routines.SessionRecord.to_json()``.

    The player lists the ids of the steps done; the diary keeps their number. Its
    ``duration_s`` counts active time only, so it may be shorter than end minus start.
    """
    steps = data.get("steps_done", 0)
    if isinstance(steps, list | tuple):
        steps = len(steps)
    return {
        "routine_id": data.get("routine_id"),
        "started_at": data.get("started_at"),
        "ended_at": data.get("ended_at"),
        "duration_s": data.get("duration_s"),
        "steps_done": steps,
        "steps_total": data.get("steps_total"),
        "outcome": data.get("outcome"),
        "pain_reports": data.get("pain_reports") or (),
        "note": data.get("note"),
        "source": "player",
    }
