"""``solemap roll``, ``solemap routines ...`` and ``solemap safety``: guided rolling in the terminal."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from solemap.cli._common import fail, print_json

EXIT_BLOCKED = 3  # the safety screen said no: not a usage error, not a crash

routines_app = typer.Typer(
    help="List, show and check routines; print a routine's handout.", no_args_is_help=True
)


def _console() -> Console:
    return Console(highlight=False)


def _load(name: str):
    """A shipped routine by id or a user's file by path; one-line errors for the CLI."""
    from solemap.routines import RoutineError, get_routine

    try:
        return get_routine(name)
    except KeyError as exc:
        fail(str(exc.args[0]))
    except RoutineError as exc:
        fail(str(exc))


def _parse_ratio(text: str) -> tuple[float, float]:
    try:
        inhale, exhale = (float(x) for x in text.split(":"))
    except ValueError:
        fail(f"--ratio must look like 4:6 (inhale:exhale), got {text!r}")
    if inhale <= 0 or exhale <= 0:
        fail("--ratio parts must be positive")
    return inhale, exhale


def _list_table() -> Table:
    from solemap.routines import load_routines
    from solemap.routines.plan import duration_text

    table = Table(box=None, header_style="bold")
    table.add_column("id", no_wrap=True)
    table.add_column("title")
    table.add_column("time", no_wrap=True)
    table.add_column("steps", justify="right")
    table.add_column("evidence")
    for rid, loaded in load_routines().items():
        r = loaded.routine
        label = r.evidence + (" (traditional practice)" if r.tradition else "")
        table.add_row(rid, r.title, duration_text(r.total_s), str(len(r.steps)), label)
    return table


def _print_plan(console: Console, view) -> None:
    """The plan as a numbered list: reads well in 80 columns, unlike a wide table."""
    for sv in view.steps:
        step = sv.step
        console.print(f"[bold]{sv.number:>2}. {step.title}[/bold]  ·  {sv.time_text}  ·  {sv.side_text}")
        console.print(f"    [dim]area[/dim]  {sv.area_text}")
        console.print(
            f"    [dim]how[/dim]   {sv.tool_text}, {sv.technique.name.lower()}; {step.load.text()}; "
            f"pain up to {step.pain_ceiling}/10"
        )
    console.print(f"[dim]{len(view.steps)} steps, {view.total_text} in all.[/dim]")


def _ask_screen(console: Console, only_missing: bool) -> dict[str, bool]:
    """Ask the safety questions on the terminal and store the answers."""
    from solemap.routines import AnswerStore, load_safety

    screen = load_safety()
    store = AnswerStore()
    answers = dict(store.load().answers)
    console.print("[bold]Safety check[/bold] — answer each question with y (yes) or n (no).")
    console.print("A yes does not mean something is wrong; it means check with a clinician before rolling.\n")
    todo = [q for q in screen.questions if not (only_missing and q.id in answers)]
    for n, q in enumerate(todo, 1):
        console.print(f"\n[bold]{n}/{len(todo)}[/bold] {q.ask}")
        answers[q.id] = typer.confirm("   yes or no?", default=answers.get(q.id, False))
    store.save(answers)
    console.print(
        f"\nAnswers saved in {store.path}. Change them any time with [bold]solemap safety[/bold].\n"
    )
    return answers


def _print_verdict(console: Console, result) -> None:
    from solemap.routines.safety import URGENCY_TEXT

    if result.blocking:
        console.print("[bold red]Please do not start self-massage yet.[/bold red]")
        for q in result.blocking:
            console.print(
                f"• {q.why}\n  [bold]See:[/bold] {q.see} ([italic]{URGENCY_TEXT[q.urgency]}[/italic])"
            )
        console.print(
            "When a clinician has cleared you, change your answer with [bold]solemap safety[/bold]."
        )
    elif result.missing:
        console.print(f"{len(result.missing)} question(s) still unanswered.")
    else:
        console.print("[green]Nothing in the safety check stops you from rolling.[/green]")
    for q in result.cautions:
        console.print(f"[yellow]Take care:[/yellow] {q.why} {q.see}")


def _screen_or_exit(console: Console) -> None:
    """Make sure the safety screen is answered and clear before a session."""
    from solemap.routines import AnswerStore, SafetyError, load_safety

    store = AnswerStore()
    try:
        result = store.result()
    except SafetyError as exc:
        console.print(f"[yellow]{exc}[/yellow]")
        store.clear()
        result = store.result()
    if result.missing:
        if not sys.stdin.isatty():
            fail("answer the safety check first: run `solemap safety` in a terminal")
        _ask_screen(console, only_missing=True)
        result = load_safety().evaluate(store.load().answers)
    if result.blocking:
        _print_verdict(console, result)
        raise typer.Exit(EXIT_BLOCKED)
    for q in result.cautions:
        console.print(f"[yellow]Take care:[/yellow] {q.why} {q.see}")


def roll(
    routine: str = typer.Argument(None, help="Routine id (see --list) or path to your own routine file."),
    list_: bool = typer.Option(False, "--list", help="List the shipped routines and exit."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the plan step by step and exit."),
    pace: float = typer.Option(
        None, "--pace", help="Breaths per minute (default: the routine's, usually 6)."
    ),
    ratio: str = typer.Option(None, "--ratio", help="Inhale:exhale, e.g. 4:6 (default: the routine's)."),
    bell: bool = typer.Option(True, "--bell/--no-bell", help="Ring the terminal bell between steps."),
    json_out: bool = typer.Option(False, "--json", help="Print the session record as JSON at the end."),
    diary: bool = typer.Option(True, "--diary/--no-diary", help="Save the session in your pain diary."),
    database_url: str = typer.Option(
        None, "--database-url", envvar="SOLEMAP_DATABASE_URL", help="The diary's database (default: SQLite)."
    ),
    profile: str = typer.Option("default", "--profile", envvar="SOLEMAP_PROFILE", help="Whose diary."),
    time_scale: float = typer.Option(
        1.0, "--time-scale", hidden=True, min=0.1, max=1000.0, help="Run the clock faster (demos and tests)."
    ),
) -> None:
    """Guided rolling in the terminal: step, area, timer, breathing pacer."""
    import time

    from solemap.routines import Pacer, SessionEngine, load_safety
    from solemap.routines.plan import TRADITION_NOTE, describe
    from solemap.routines.terminal import KeyReader, play, scaled_clock, summary

    console = _console()
    if list_:
        console.print(_list_table())
        return
    if not routine:
        fail("name a routine (see `solemap roll --list`)")
    r = _load(routine)
    view = describe(r)
    if dry_run:
        console.print(f"[bold]{r.title}[/bold] — {view.total_text}. {r.summary.strip()}")
        if r.tradition:
            console.print(f"[dim]{TRADITION_NOTE}[/dim]")
        _print_plan(console, view)
        return
    _screen_or_exit(console)
    if not sys.stdin.isatty():
        fail("the player needs a terminal for its keys (try --dry-run to print the plan)")
    pacer = r.pace.pacer()
    if pace is not None or ratio is not None:
        inhale, exhale = _parse_ratio(ratio) if ratio else (pacer.inhale_share, 1 - pacer.inhale_share)
        try:
            pacer = Pacer.from_ratio(pace if pace is not None else pacer.breaths_per_min, inhale, exhale)
        except ValueError as exc:
            fail(str(exc))
    engine = SessionEngine(
        r.id,
        r.blocks(),
        scaled_clock(time_scale, time.time),
        pacer,
        stop_at=load_safety().session_rules.stop_at,
    )
    try:
        with KeyReader() as keys:
            record = play(view, engine, console, keys, rules=load_safety().session_rules, bell=bell)
    except KeyboardInterrupt:
        engine.quit()
        record = engine.record()
    if time_scale != 1.0:
        # A sped-up clock runs ahead of real time: store the demo session as if it ended just now.
        from datetime import UTC, datetime

        shift = record.ended_at - datetime.now(UTC)
        record.started_at -= shift
        record.ended_at -= shift
    if json_out:
        print_json(record.to_json())
    else:
        console.print(summary(view, record))
    if diary:
        _save_to_diary(console, record, database_url, profile, quiet=json_out)


def _save_to_diary(console: Console, record, database_url: str | None, profile: str, quiet: bool) -> None:
    """Store the session in the diary; a diary problem is reported but never loses the session output."""
    from solemap.diary import Database, Diary, DiaryError

    try:
        session_id = Diary(Database.open(database_url), profile).record_session(record)
    except (DiaryError, ValueError) as exc:
        Console(stderr=True, highlight=False).print(f"[yellow]Not saved in the diary: {exc}[/yellow]")
        return
    if not quiet:
        console.print(f"Saved in your diary (session {session_id}, profile {profile}).")


@routines_app.command("list")
def list_cmd(json_out: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List the shipped routines."""
    from solemap.routines import load_routines

    if json_out:
        print_json(
            [
                {
                    "id": rid,
                    "title": lr.routine.title,
                    "total_s": lr.routine.total_s,
                    "steps": len(lr.routine.steps),
                    "evidence": lr.routine.evidence,
                    "tradition": lr.routine.tradition,
                }
                for rid, lr in load_routines().items()
            ]
        )
        return
    _console().print(_list_table())


@routines_app.command("show")
def show_cmd(
    routine: str = typer.Argument(..., help="Routine id or file."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show a routine: purpose, sources and every step."""
    from solemap.routines.plan import TRADITION_NOTE, describe

    view = describe(_load(routine))
    if json_out:
        print_json(view.to_json())
        return
    r = view.routine
    console = _console()
    console.print(f"[bold]{r.title}[/bold] ({r.id}) — {view.total_text}, evidence: {r.evidence}")
    console.print(r.summary.strip())
    console.print(f"[dim]{r.purpose.strip()}[/dim]")
    if r.tradition:
        console.print(f"[italic]{TRADITION_NOTE}[/italic]")
    if r.note:
        console.print(f"[yellow]{r.note.strip()}[/yellow]")
    _print_plan(console, view)
    for sv in view.steps:
        console.print(f"\n[bold]{sv.number}. {sv.step.title}[/bold] — {sv.step.instruction.strip()}")
        console.print(f"   [magenta]{sv.step.breathing.strip()}[/magenta]")
    console.print("\n[bold]Sources[/bold]")
    for key, citation in r.sources.items():
        console.print(f"  [{key}] {citation}")


@routines_app.command("check")
def check_cmd(file: Path = typer.Argument(..., help="Your routine file (YAML).")) -> None:
    """Validate a routine file: shape, area ids, tool and technique ids."""
    from solemap.routines import RoutineError, load_routine_file
    from solemap.routines.plan import duration_text

    try:
        r = load_routine_file(file)
    except RoutineError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"ok: {file.name} — {r.title}, {len(r.steps)} steps, {duration_text(r.total_s)}")


@routines_app.command("handout")
def handout_cmd(
    routine: str = typer.Argument(..., help="Routine id or file."),
    output: Path = typer.Option(..., "-o", "--output", help="Where to write the PDF."),
) -> None:
    """Write a printable handout (PDF): each step's map, tool, time and cue."""
    from solemap.routines.handout import write_handout

    r = _load(routine)
    try:
        pages = write_handout(r, output)
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror or exc}")
    typer.echo(f"wrote {output} ({pages} page{'s' if pages != 1 else ''})")


@routines_app.command("tools")
def tools_cmd(json_out: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """The tools catalog: size, hardness, uses and cautions."""
    from solemap.routines import load_catalog

    catalog = load_catalog()
    if json_out:
        print_json([t.model_dump() for t in catalog.tools])
        return
    table = Table(box=None, header_style="bold", show_lines=True)
    for col in ("tool", "size", "hardness", "for", "take care"):
        table.add_column(col, overflow="fold")
    for t in catalog.tools:
        table.add_row(t.name, t.size_text() or "—", t.hardness, "\n".join(t.uses), "\n".join(t.cautions))
    _console().print(table)


def safety(
    show: bool = typer.Option(False, "--show", help="Show the stored answers and the verdict; ask nothing."),
    reset: bool = typer.Option(False, "--reset", help="Forget the stored answers."),
    json_out: bool = typer.Option(False, "--json", help="With --show: print JSON."),
) -> None:
    """The safety check before self-massage: red flags that need a clinician first."""
    from solemap.routines import AnswerStore, SafetyError, load_safety

    console = _console()
    store = AnswerStore()
    if reset:
        store.clear()
        console.print("Safety answers forgotten; you will be asked again before the next session.")
        return
    screen = load_safety()
    if show:
        try:
            stored = store.load()
        except SafetyError as exc:
            fail(str(exc))
        result = screen.evaluate(stored.answers)
        if json_out:
            print_json(
                {
                    "answered_at": stored.answered_at,
                    "answers": stored.answers,
                    "cleared": result.cleared,
                    "blocking": [q.id for q in result.blocking],
                    "cautions": [q.id for q in result.cautions],
                    "missing": [q.id for q in result.missing],
                    "explanation": result.explain(),
                }
            )
            return
        for q in screen.questions:
            answer = stored.answers.get(q.id)
            mark = {True: "[red]yes[/red]", False: "no", None: "[dim]not answered[/dim]"}[answer]
            console.print(f"{mark:>24}  {q.ask}")
        _print_verdict(console, result)
        return
    if not sys.stdin.isatty():
        fail("the safety check asks questions: run it in a terminal (or use --show)")
    answers = _ask_screen(console, only_missing=False)
    _print_verdict(console, screen.evaluate(answers))


def register(app: typer.Typer) -> None:
    """Add ``roll``, ``routines`` and ``safety`` to the root app."""
    app.command("roll")(roll)
    app.command("safety")(safety)
    app.add_typer(routines_app, name="routines")
