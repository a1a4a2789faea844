"""``solemap log ...``, ``solemap diary ...``, ``solemap db ...`` and ``solemap profile ...``.

A thin shell over :mod:`solemap.diary`: parse, call, print. Every command takes
``--database-url`` (or ``$SOLEMAP_DATABASE_URL``) and ``--profile`` (or ``$SOLEMAP_PROFILE``).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from solemap.cli._common import fail, print_json

T = TypeVar("T")

log_app = typer.Typer(help="Write to the diary: pain, sessions, function scores.", no_args_is_help=True)
diary_app = typer.Typer(
    help="Read the diary: list, chart, pain map, compare, export, import.", no_args_is_help=True
)
db_app = typer.Typer(
    help="The diary database: schema upgrades, downgrades and backups.", no_args_is_help=True
)
profile_app = typer.Typer(help="Profiles: one per person whose diary is kept here.", no_args_is_help=True)

DB_URL = typer.Option(
    None,
    "--database-url",
    envvar="SOLEMAP_DATABASE_URL",
    help="SQLAlchemy URL of the diary (default: an SQLite file in your user data folder).",
    show_envvar=True,
)
PROFILE = typer.Option(
    "default", "--profile", envvar="SOLEMAP_PROFILE", help="Whose diary.", show_envvar=True
)
SINCE = typer.Option(None, "--since", help="First day: YYYY-MM-DD, or 7d / 4w for that long ago.")
UNTIL = typer.Option(None, "--until", help="Last day (YYYY-MM-DD), included.")


def _console() -> Console:
    return Console(highlight=False)


@contextmanager
def _errors() -> Iterator[None]:
    """Diary errors become one line on stderr and exit status 2 (1 for storage trouble)."""
    from solemap.diary import DiaryBusy, DiaryError, InvalidEntry, StorageError, UnknownProfile

    try:
        yield
    except InvalidEntry as exc:
        fail(str(exc))
    except UnknownProfile as exc:
        fail(f"profile: {exc}")
    except DiaryBusy as exc:
        fail(str(exc), code=75)  # EX_TEMPFAIL: worth trying again
    except StorageError as exc:
        fail(str(exc), code=1)
    except DiaryError as exc:
        fail(str(exc))
    except ValueError as exc:
        fail(str(exc))


def _open_db(database_url: str | None, *, upgrade: bool = True) -> Any:
    from solemap.diary import Database

    with _errors():
        return Database.open(database_url, upgrade=upgrade)
    raise AssertionError("unreachable")  # pragma: no cover


def _diary(database_url: str | None, profile: str, *, create: bool = True) -> Any:
    from solemap.diary import Diary

    db = _open_db(database_url)
    with _errors():
        return Diary(db, profile, create_profile=create)
    raise AssertionError("unreachable")  # pragma: no cover


def _run(work: Callable[[], T]) -> T:
    with _errors():
        return work()
    raise AssertionError("unreachable")  # pragma: no cover


def parse_day(text: str | None, option: str) -> dt.date | None:
    """``YYYY-MM-DD``, ``today``, or ``N d`` / ``N w`` ago (e.g. ``14d``)."""
    if text is None:
        return None
    value = text.strip().lower()
    today = dt.date.today()
    if value == "today":
        return today
    if value[:-1].isdigit() and value[-1:] in ("d", "w"):
        n = int(value[:-1]) * (7 if value.endswith("w") else 1)
        return today - dt.timedelta(days=n)
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"{option}: expected YYYY-MM-DD, today, or a span like 14d or 4w; got {text!r}")


def parse_moment(text: str | None, option: str = "--at", *, default_time: dt.time = dt.time(8, 0)) -> Any:
    """``YYYY-MM-DDTHH:MM`` (local time unless an offset is given) or a day (then ``default_time``)."""
    if text is None:
        return None
    value = text.strip()
    try:
        if len(value) == 10:
            day = dt.date.fromisoformat(value)
            moment = dt.datetime.combine(day, default_time).astimezone()
            # Today's date alone means "today, earlier": never a time still to come.
            return min(moment, dt.datetime.now().astimezone()) if day == dt.date.today() else moment
        return dt.datetime.fromisoformat(value.replace(" ", "T", 1))
    except ValueError:
        fail(f"{option}: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM, got {text!r}")


def _period(since: str | None, until: str | None) -> Any:
    from solemap.diary.exports import Period

    return _run(lambda: Period(parse_day(since, "--since"), parse_day(until, "--until")))


def _area_marks(areas: list[str], points: list[str], side: str | None) -> list[dict[str, Any]]:
    """``--area ID[:N]`` and ``--point U,V[:N]`` as marks (N: that place's own intensity)."""
    marks: list[dict[str, Any]] = []
    for spec in areas:
        area_id, _, level = spec.partition(":")
        mark: dict[str, Any] = {"area": area_id, "side": side}
        mark["intensity"] = level or None
        marks.append(mark)
    for spec in points:
        coords, _, level = spec.partition(":")
        try:
            u, v = (float(x) for x in coords.split(","))
        except ValueError:
            fail(f"--point: expected U,V or U,V:INTENSITY (e.g. 0.1,0.4:6), got {spec!r}")
        marks.append({"u": u, "v": v, "side": side, "intensity": level or None})
    return marks


# --- log ---------------------------------------------------------------------------------------------------


@log_app.command("pain")
def log_pain(
    score: int = typer.Argument(..., help="Pain from 0 (none) to 10 (worst imaginable)."),
    first_step: bool = typer.Option(
        False, "--first-step", "-f", help="The first steps of the day, after rest."
    ),
    area: list[str] = typer.Option(
        [], "--area", "-a", help="Atlas area id, optionally ID:N for its own 0-10."
    ),
    point: list[str] = typer.Option([], "--point", help="A point U,V on the sole (0-1), optionally U,V:N."),
    side: str | None = typer.Option(None, "--side", "-s", help="left, right or both."),
    quality: str | None = typer.Option(None, "--quality", "-q", help="sharp, aching, burning or tingling."),
    note: str | None = typer.Option(None, "--note", "-n", help="Anything worth remembering."),
    at: str | None = typer.Option(
        None,
        "--at",
        help="When (default now): YYYY-MM-DDTHH:MM, local time; a day alone means 07:00 with "
        "--first-step, else 12:00.",
    ),
    database_url: str | None = DB_URL,
    profile: str = PROFILE,
) -> None:
    """Record pain now (or --at a time). Several entries a day are fine."""
    marks = _area_marks(area, point, side)
    for m in marks:
        if m["intensity"] is None:
            m["intensity"] = score
    diary = _diary(database_url, profile)
    moment = parse_moment(at, default_time=dt.time(7, 0) if first_step else dt.time(12, 0))
    entry_id = _run(
        lambda: diary.log_pain(
            score, first_step=first_step, at=moment, side=side, quality=quality, note=note, marks=marks
        )
    )
    kind = "first-step pain" if first_step else "pain"
    typer.echo(f"saved {kind} {score}/10 (entry {entry_id}, profile {diary.profile})")


@log_app.command("session")
def log_session(
    routine: str | None = typer.Argument(None, help="Routine id (see `solemap routines list`)."),
    minutes: float | None = typer.Option(None, "--minutes", "-m", help="How long it took."),
    steps: int = typer.Option(0, "--steps", help="Steps done."),
    of: int | None = typer.Option(None, "--of", help="Steps in the routine."),
    abandoned: bool = typer.Option(False, "--abandoned", help="Stopped before the end."),
    pain: list[int] = typer.Option([], "--pain", help="A pain rating given during the session (repeatable)."),
    at: str | None = typer.Option(None, "--at", help="When it started (default: it just ended)."),
    note: str | None = typer.Option(None, "--note", "-n"),
    from_json: Path | None = typer.Option(
        None, "--from-json", help="A session record from `solemap roll --json` (- for stdin)."
    ),
    database_url: str | None = DB_URL,
    profile: str = PROFILE,
) -> None:
    """Record a rolling session by hand, or store one the session player printed as JSON."""
    diary = _diary(database_url, profile)
    if from_json is not None:
        try:
            text = sys.stdin.read() if str(from_json) == "-" else from_json.read_text(encoding="utf-8")
            record = json.loads(text)
        except (OSError, json.JSONDecodeError) as exc:
            fail(f"--from-json: cannot read a session record: {exc}")
        if not isinstance(record, dict):
            fail("--from-json: expected a JSON object (the session record)")
        session_id = _run(lambda: diary.record_session(record))
        typer.echo(
            f"saved session of {record.get('routine_id')} (session {session_id}, profile {diary.profile})"
        )
        return
    if routine is None:
        fail("name the routine, or give --from-json FILE")
    started = parse_moment(at, default_time=dt.time(18, 0))
    session_id = _run(
        lambda: diary.log_session(
            routine,
            started_at=started,
            duration_s=minutes * 60 if minutes is not None else None,
            steps_done=steps,
            steps_total=of,
            outcome="abandoned" if abandoned else "finished",
            pain_reports=[{"score": p} for p in pain],
            note=note,
        )
    )
    typer.echo(f"saved session of {routine} (session {session_id}, profile {diary.profile})")


@log_app.command("function")
def log_function(
    activity: str = typer.Argument(..., help="The activity, in your words (e.g. 'walk to the shop')."),
    score: int = typer.Argument(..., help="0 = cannot do it, 10 = as well as before the problem."),
    at: str | None = typer.Option(None, "--at"),
    note: str | None = typer.Option(None, "--note", "-n"),
    database_url: str | None = DB_URL,
    profile: str = PROFILE,
) -> None:
    """Record a patient-specific function score for one activity."""
    diary = _diary(database_url, profile)
    entry_id = _run(lambda: diary.log_function(activity, score, at=parse_moment(at), note=note))
    typer.echo(f"saved {activity!r} {score}/10 (entry {entry_id}, profile {diary.profile})")


# --- diary -------------------------------------------------------------------------------------------------


@diary_app.command("show")
def show(
    since: str | None = SINCE,
    until: str | None = UNTIL,
    json_out: bool = typer.Option(False, "--json", help="Print everything as JSON."),
    database_url: str | None = DB_URL,
    profile: str = PROFILE,
) -> None:
    """List entries, newest last, with the latest 7-day mean of first-step pain."""
    from solemap.diary import analysis
    from solemap.diary.exports import export_json

    period = _period(since, until)
    diary = _diary(database_url, profile, create=False)
    if json_out:
        print_json(_run(lambda: export_json(diary, period)))
        return
    entries = _run(lambda: diary.pain_entries(period.since, period.until))
    sessions = _run(lambda: diary.sessions(period.since, period.until))
    functions = _run(lambda: diary.function_scores(period.since, period.until))
    rows: list[tuple[dt.datetime, list[str]]] = []
    for e in entries:
        where = "; ".join(f"{m.side} {m.label} {m.intensity}" for m in e.marks) or (e.side or "")
        kind = "first steps" if e.first_step else "pain"
        rows.append((e.recorded_at, [kind, f"{e.score}/10", where, e.quality or "", e.note or ""]))
    for s in sessions:
        steps = f"{s.steps_done}/{s.steps_total}" if s.steps_total else str(s.steps_done)
        what = f"{s.routine_id}, {s.duration_s / 60:.0f} min, {steps} steps"
        rows.append((s.started_at, ["session", s.outcome, what, "", s.note or ""]))
    for f in functions:
        rows.append((f.recorded_at, ["function", f"{f.score}/10", f.activity, "", f.note or ""]))
    console = _console()
    if not rows:
        console.print(f"Nothing recorded for profile {profile!r} in {period.describe()}.")
        return
    rows.sort(key=lambda r: r[0])
    table = Table(box=None, header_style="bold")
    for col in ("when", "kind", "value", "where / what", "quality", "note"):
        table.add_column(col, overflow="fold")
    for when, cells in rows:
        table.add_row(f"{when.astimezone():%Y-%m-%d %H:%M}", *cells)
    console.print(table)
    daily = analysis.first_step_daily(entries)
    rolling = daily["rolling"].dropna() if not daily.empty else daily
    if len(rolling):
        console.print(
            f"7-day mean of first-step pain on {rolling.index[-1]:%Y-%m-%d}: {rolling.iloc[-1]:.1f}/10 "
            f"({int(daily['score'].notna().sum())} mornings rated)"
        )


def _output_format(output: Path) -> str:
    from solemap.diary.charts import format_for

    return _run(lambda: format_for(output))


@diary_app.command("chart")
def chart(
    output: Path = typer.Option(..., "--output", "-o", help="trend.png or trend.svg"),
    since: str | None = SINCE,
    until: str | None = UNTIL,
    database_url: str | None = DB_URL,
    profile: str = PROFILE,
) -> None:
    """Draw first-step pain with its 7-day mean, sessions marked along the bottom."""
    from solemap.diary import analysis, charts

    fmt = _output_format(output)
    period = _period(since, until)
    diary = _diary(database_url, profile, create=False)
    entries = _run(lambda: diary.pain_entries(period.since, period.until))
    sessions = _run(lambda: diary.sessions(period.since, period.until))
    data = charts.trend_chart(
        entries,
        sessions,
        since=period.since,
        until=period.until,
        changes=analysis.routine_changes(sessions),
        fmt=fmt,
    )
    charts.save(data, output)
    typer.echo(f"wrote {output}")


@diary_app.command("painmap")
def painmap(
    output: Path = typer.Option(..., "--output", "-o", help="map.svg or map.png"),
    since: str | None = SINCE,
    until: str | None = UNTIL,
    layer: str | None = typer.Option(None, "--layer", help="Group pain by this atlas layer's areas."),
    database_url: str | None = DB_URL,
    profile: str = PROFILE,
) -> None:
    """Colour each area of the sole by the mean pain marked there over the period."""
    from solemap.diary import charts

    fmt = _output_format(output)
    period = _period(since, until)
    diary = _diary(database_url, profile, create=False)
    entries = _run(lambda: diary.pain_entries(period.since, period.until))
    data = _run(
        lambda: charts.pain_map_image(
            entries, layer=layer, fmt=fmt, title=f"Where it hurt: {period.describe()}"
        )
    )
    charts.save(data, output)
    typer.echo(f"wrote {output}")


@diary_app.command("compare")
def compare(
    at: str | None = typer.Option(
        None, "--at", help="Day of the change (default: the last change of routine)."
    ),
    days: int = typer.Option(14, "--days", min=1, max=90, help="Days on each side."),
    database_url: str | None = DB_URL,
    profile: str = PROFILE,
) -> None:
    """Describe first-step pain before and after a change of routine (a description, not a cause)."""
    from solemap.diary import analysis

    diary = _diary(database_url, profile, create=False)
    day = parse_day(at, "--at")
    if day is None:
        changes = analysis.routine_changes(_run(diary.sessions))
        if not changes:
            fail("--at: no change of routine found in the sessions; give the day of the change")
        day = changes[-1].day
        typer.echo(f"routine changed on {day}: {changes[-1].before} → {changes[-1].after}")
    typer.echo(analysis.compare_before_after(_run(diary.pain_entries), day, days).describe())


@diary_app.command("export")
def export(
    fmt: str = typer.Option(..., "--format", "-f", help="csv, json, fhir or pdf."),
    output: Path = typer.Option(..., "--output", "-o", help="File to write."),
    since: str | None = SINCE,
    until: str | None = UNTIL,
    sections: str | None = typer.Option(
        None,
        "--sections",
        help="PDF only: comma-separated, from summary,trend,painmap,comparison,calendar,"
        "sessions,pain,function (default all).",
    ),
    all_profiles: bool = typer.Option(
        False, "--all-profiles", help="JSON only: every profile (to move devices)."
    ),
    database_url: str | None = DB_URL,
    profile: str = PROFILE,
) -> None:
    """Export to CSV (spreadsheets), JSON (complete, re-importable), FHIR R4 or a PDF report."""
    from solemap.diary.exports import FORMATS, check_sections
    from solemap.diary.exports import export as do_export

    fmt = fmt.lower()
    if fmt not in FORMATS:
        fail(f"--format: must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if sections is not None and fmt != "pdf":
        fail("--sections: only the PDF report has sections")
    chosen = _run(lambda: check_sections(sections.split(","))) if sections is not None else None
    period = _period(since, until)
    diary = _diary(database_url, profile, create=False)
    if not all_profiles:
        from solemap.diary import list_profiles

        if profile not in _run(lambda: list_profiles(diary.db)):
            fail(f"--profile: no profile called {profile!r} (see `solemap profile list`)")
    data = _run(lambda: do_export(diary, fmt, period, sections=chosen, all_profiles=all_profiles))
    try:
        output.write_bytes(data)
    except OSError as exc:
        fail(f"--output: cannot write {output}: {exc.strerror or exc}", code=1)
    typer.echo(f"wrote {output} ({fmt}, {len(data):,} bytes)")


@diary_app.command("import")
def import_(
    file: Path = typer.Argument(..., help="A JSON export (solemap diary export --format json)."),
    into_profile: str | None = typer.Option(None, "--into-profile", help="Put everything into this profile."),
    database_url: str | None = DB_URL,
) -> None:
    """Import a JSON export; a bad file changes nothing, entries already present are skipped."""
    from solemap.diary.importer import import_file

    db = _open_db(database_url)
    result = _run(lambda: import_file(db, file, profile=into_profile))
    typer.echo(result.describe())


# --- db ---------------------------------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade(
    revision: str = typer.Option("head", "--revision", help="Target revision (default: the newest)."),
    database_url: str | None = DB_URL,
) -> None:
    """Bring the database schema up to date (solemap also does this whenever it opens the diary)."""
    from solemap.diary.db import current_revision, migrate

    db = _open_db(database_url, upgrade=False)
    _run(lambda: migrate(db.engine, revision))
    typer.echo(f"{db.display_url} is at revision {current_revision(db.engine)}")


@db_app.command("downgrade")
def db_downgrade(
    revision: str = typer.Argument(..., help="Revision to go back to (see `solemap db status`), or base."),
    yes: bool = typer.Option(False, "--yes", help="Confirm: tables added after that revision are dropped."),
    database_url: str | None = DB_URL,
) -> None:
    """Take the schema back to an earlier revision (to run an older solemap); newer data is lost."""
    from solemap.diary.db import current_revision, migrate, revisions

    if revision != "base" and revision not in revisions():
        fail(f"revision: unknown {revision!r}; revisions: {', '.join(revisions())}, base")
    if not yes:
        fail(
            "downgrading drops what newer revisions added; "
            "make a backup (solemap db backup FILE), then add --yes"
        )
    db = _open_db(database_url, upgrade=False)
    _run(lambda: migrate(db.engine, revision, down=True))
    typer.echo(f"{db.display_url} is at revision {current_revision(db.engine) or 'base'}")


@db_app.command("status")
def db_status(database_url: str | None = DB_URL) -> None:
    """Where the diary is and which schema revision it has."""
    from solemap.diary.db import current_revision, head_revision

    db = _open_db(database_url, upgrade=False)
    current = _run(lambda: current_revision(db.engine))
    typer.echo(f"database: {db.display_url}\nrevision: {current or 'empty'} (newest: {head_revision()})")


@db_app.command("backup")
def db_backup(
    file: Path = typer.Argument(..., help="SQLite file to write."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace FILE if it exists."),
    database_url: str | None = DB_URL,
) -> None:
    """Copy the whole diary (every profile) into one SQLite file, safely while others write."""
    from solemap.diary.backup import backup

    db = _open_db(database_url)
    path = _run(lambda: backup(db, file, overwrite=overwrite))
    typer.echo(f"wrote backup {path} (open it with --database-url sqlite:///{path.resolve()})")


# --- profiles ---------------------------------------------------------------------------------------


@profile_app.command("list")
def profile_list(database_url: str | None = DB_URL) -> None:
    """Every profile in the database."""
    from solemap.diary import list_profiles

    db = _open_db(database_url)
    names = _run(lambda: list_profiles(db))
    typer.echo("\n".join(names) if names else "no profiles yet (the first entry creates 'default')")


@profile_app.command("add")
def profile_add(name: str = typer.Argument(...), database_url: str | None = DB_URL) -> None:
    """Create a profile (for a second person)."""
    from solemap.diary import create_profile

    db = _open_db(database_url)
    _run(lambda: create_profile(db, name))
    typer.echo(f"created profile {name!r}; use --profile {name!r} (or SOLEMAP_PROFILE) to write to it")


@profile_app.command("rename")
def profile_rename(
    old: str = typer.Argument(...), new: str = typer.Argument(...), database_url: str | None = DB_URL
) -> None:
    """Rename a profile, keeping its entries."""
    from solemap.diary import rename_profile

    db = _open_db(database_url)
    _run(lambda: rename_profile(db, old, new))
    typer.echo(f"renamed {old!r} to {new!r}")


@profile_app.command("remove")
def profile_remove(
    name: str = typer.Argument(...),
    yes: bool = typer.Option(False, "--yes", help="Confirm: every entry of the profile is deleted."),
    database_url: str | None = DB_URL,
) -> None:
    """Delete a profile and everything recorded in it."""
    from solemap.diary import delete_profile

    if not yes:
        fail(f"this deletes every entry of {name!r}; export it first if in doubt, then add --yes")
    db = _open_db(database_url)
    _run(lambda: delete_profile(db, name))
    typer.echo(f"removed profile {name!r}")


def register(app: typer.Typer) -> None:
    """Add ``log``, ``diary``, ``db`` and ``profile`` to the root app."""
    app.add_typer(log_app, name="log")
    app.add_typer(diary_app, name="diary")
    app.add_typer(db_app, name="db")
    app.add_typer(profile_app, name="profile")
