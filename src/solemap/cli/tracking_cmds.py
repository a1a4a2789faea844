"""What the ball does: ``track``, ``peaks``, ``tools compare`` and ``batch``."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer

from solemap.cli._common import fail, print_json
from solemap.cli.diary_cmds import DB_URL, PROFILE

tools_app = typer.Typer(
    help="Contact mechanics of the tools: pressure under each ball, as ranges.", no_args_is_help=True
)


def _read(file: Path, calibration: float | None = None):
    from solemap.recordings import RecordingError, read_recording

    if not file.exists():
        fail(f"{file}: no such file")
    try:
        options = {"calibration": calibration} if calibration is not None else {}
        return read_recording(file, **options)
    except RecordingError as exc:
        fail(str(exc))


def _write_svg(svg: str, out: Path) -> None:
    try:
        if out.suffix.lower() == ".png":
            from solemap.render import svg_to_png

            out.write_bytes(svg_to_png(svg, scale=2))
        else:
            out.write_text(svg, encoding="utf-8")
    except OSError as exc:
        fail(f"{out}: cannot write ({exc.strerror})")


def _num(x: Any, fmt: str = ".0f") -> str:
    return "–" if x is None or (isinstance(x, float) and not math.isfinite(x)) else format(x, fmt)


def track(
    file: Annotated[Path, typer.Argument(help="A grid recording of a ball rolled under the foot.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as one JSON object.")] = False,
    routine: Annotated[
        str | None, typer.Option("--routine", help="Compare with this routine (id or file).")
    ] = None,
    layer: Annotated[
        str, typer.Option("--layer", "-l", help="Atlas layer for the per-area table.")
    ] = "pressure-regions",
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Picture of the path: .svg or .png.")
    ] = None,
    side: Annotated[
        str | None, typer.Option("--side", "-s", help="left or right: the side to track, or the foot.")
    ] = None,
    reference: Annotated[
        Path | None,
        typer.Option("--reference", help="A standing recording on the same grid, to place the foot."),
    ] = None,
    ball_mm: Annotated[
        float | None, typer.Option("--ball-mm", help="Ball diameter in mm (sets the search window).")
    ] = None,
    hold: Annotated[
        bool, typer.Option("--hold", help="No background subtraction (seated, ball held in place).")
    ] = False,
    body_mass: Annotated[
        float | None, typer.Option("--body-mass", help="kg, for the planned loads of --routine.")
    ] = None,
    save_session: Annotated[
        bool,
        typer.Option(
            "--save-session",
            help="Store the session (routine, duration of the recording, finished) with its feedback "
            "in the diary; needs --routine.",
        ),
    ] = False,
    database_url: str | None = DB_URL,
    profile: str = PROFILE,
) -> None:
    """Track a ball rolled under the sole: path, speed, time and pressure per area, never-reached areas."""
    from solemap.recordings import RecordingError
    from solemap.recordings.masks import layer_ids
    from solemap.recordings.registration import RegistrationError
    from solemap.recordings.tracking import track_ball, track_svg

    if layer not in layer_ids():
        fail(f"unknown layer {layer!r}; layers: {', '.join(layer_ids())}")
    diary = None
    if save_session:
        if routine is None:
            fail("--save-session needs --routine ID: the diary keeps a tracked session with its routine")
        from solemap.cli.diary_cmds import _diary

        diary = _diary(database_url, profile)  # a wrong URL or profile fails before the tracking work
    rec = _read(file)
    ref = _read(reference) if reference is not None else None
    try:
        result = track_ball(
            rec, side, reference=ref, ball_diameter_mm=ball_mm, baseline="none" if hold else "quantile"
        )
    except (RecordingError, RegistrationError, ValueError) as exc:
        fail(str(exc))
    fb = None
    if routine is not None:
        from solemap.feedback import session_feedback
        from solemap.routines import RoutineError

        try:
            fb = session_feedback(result, routine, body_mass_kg=body_mass)
        except (KeyError, RoutineError, ValueError) as exc:
            fail(str(exc).strip("'\""))
    if output is not None:
        if fb is not None:
            from solemap.feedback import feedback_svg

            svg = feedback_svg(result, fb)
        else:
            svg = track_svg(result, layer, title=f"Ball path: {file.name}")
        _write_svg(svg, output)
    saved = None
    if diary is not None and fb is not None:
        saved = _save_session(diary, fb, rec.duration_s)
    if as_json:
        data = result.to_json(layer)
        if fb is not None:
            data["feedback"] = fb.to_json()
        if saved is not None:
            data["diary_session"] = {"id": saved[0], "profile": saved[1]}
        print_json(data)
        return
    _print_track(result, layer, file)
    if fb is not None:
        typer.echo("")
        for line in fb.sentences:
            typer.echo(line)
    if saved is not None:
        typer.echo(
            f"saved tracked session of {fb.routine_id} with its feedback "
            f"(session {saved[0]}, profile {saved[1]})"
        )


def _save_session(diary, fb, duration_s: float) -> tuple[int, str]:
    """Store a tracked session with its feedback in ``diary``: (session id, profile).

    The recording carries no wall-clock time, so the session is taken to have ended now and to
    have lasted as long as the recording. Steps are not counted: the recording does not say which
    step was running.
    """
    from solemap.cli.diary_cmds import _run

    session_id = _run(
        lambda: diary.log_session(
            fb.routine_id,
            duration_s=duration_s,
            outcome="finished",
            source="tracked",
            feedback=fb.to_json(),
        )
    )
    return session_id, diary.profile


def _print_track(result, layer: str, file: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    s = result.summary()
    console = Console()
    console.print(f"[bold]{file.name}[/bold] — {s['foot']} foot (placement from {s['registration_source']})")
    console.print(
        f"tracked {s['tracked_s']:.1f} of {s['duration_s']:.1f} s · path {s['path_length_mm']:.0f} mm · "
        f"median speed {_num(s['speed_mm_s']['median'])} mm/s · "
        f"contact radius {_num(s['contact_radius_mm'])} mm · "
        f"peak {_num(s['peak_pressure_kpa'])} kPa · confidence {s['confidence']:.2f}"
    )
    for note in s["notes"]:
        console.print(f"[yellow]note:[/yellow] {note}")
    table = Table(title=f"Time under the ball per area ({layer})")
    for col in ("area", "time s", "share", "mean kPa", "peak kPa"):
        table.add_column(col, justify="left" if col == "area" else "right")
    t = result.area_table(layer)
    for r in t[t["measured"]].itertuples():
        table.add_row(r.name, f"{r.dwell_s:.1f}", f"{r.share:.0%}", _num(r.mean_kpa), _num(r.peak_kpa))
    console.print(table)
    never = t.loc[t["measured"] & ~t["reached"], "name"].tolist()
    console.print("never reached: " + (", ".join(never) if never else "none"))


def peaks(
    file: Annotated[Path, typer.Argument(help="A quiet-standing grid recording.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as one JSON object.")] = False,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Picture: .svg or .png.")] = None,
    layer: Annotated[str, typer.Option("--layer", "-l", help="Layer of the picture.")] = "reflexology",
    side: Annotated[str | None, typer.Option("--side", "-s", help="left or right.")] = None,
    metric: Annotated[str, typer.Option("--metric", help="pti (kPa·s) or mean (kPa).")] = "pti",
    population: Annotated[
        Path | None,
        typer.Option(
            "--population", help="A folder of standing recordings: how often each area holds a peak."
        ),
    ] = None,
) -> None:
    """Pressure peaks of a standing foot and the areas under them — an exploratory look at a hypothesis."""
    from solemap.feedback import suggest_steps
    from solemap.recordings import RecordingError
    from solemap.recordings.masks import layer_ids
    from solemap.recordings.peaks import EVIDENCE, HYPOTHESIS, peak_population, peaks_svg, strain_peaks
    from solemap.recordings.registration import RegistrationError

    if layer not in layer_ids():
        fail(f"unknown layer {layer!r}; layers: {', '.join(layer_ids())}")
    rec = _read(file)
    try:
        result = strain_peaks(rec, side, metric=metric)
    except (RecordingError, RegistrationError, ValueError) as exc:
        fail(str(exc))
    steps = suggest_steps(result.area_ids())
    pop = None
    if population is not None:
        if not population.is_dir():
            fail(f"{population}: not a folder")
        from solemap.recordings import read_recording
        from solemap.recordings.batch import find_recordings

        results, skipped = [], []
        for path in find_recordings(population):
            try:
                results.append(strain_peaks(read_recording(path), metric=metric))
            except (RecordingError, RegistrationError, ValueError) as exc:
                skipped.append({"file": str(path), "error": str(exc)})
        pop = {
            "recordings": len(results),
            "skipped": skipped,
            "areas": peak_population(results, layer).to_dict(orient="records"),
        }
    if output is not None:
        _write_svg(peaks_svg(result, layer, title=f"Pressure peaks (exploratory): {file.name}"), output)
    if as_json:
        data = result.to_json()
        data["suggested_steps"] = steps
        if pop is not None:
            data["population"] = pop
        print_json(data)
        return
    from rich.console import Console

    console = Console()
    console.print(
        f"[bold]{file.name}[/bold] — {result.foot} foot, "
        f"{len(result.peaks)} peak(s) of {result.metric} ({result.unit})"
    )
    console.print(f"[italic]{HYPOTHESIS}[/italic] (evidence: {EVIDENCE})")
    for p in result.peaks:
        console.print(
            f"{p.rank}. u={p.u:.2f} v={p.v:.2f}  {p.value:.0f} {result.unit} (prominence {p.prominence:.0f})"
        )
        for lay, ids in p.areas.items():
            console.print(f"     {lay}: {', '.join(ids)}")
    if steps:
        console.print("Routine steps that work on these areas:")
        for s in steps:
            console.print(
                f"  {s['routine']} / {s['step']}: {s['title']} ({', '.join(s['areas'])}; {s['evidence']})"
            )
    for note in result.notes:
        console.print(f"[yellow]note:[/yellow] {note}")
    if pop is not None:
        console.print(f"Population ({pop['recordings']} recordings), share holding a peak, {layer}:")
        for row in pop["areas"][:15]:
            console.print(f"  {row['share']:.0%}  {row['name']}")


@tools_app.command("compare")
def tools_compare(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    body_mass: Annotated[
        float | None, typer.Option("--body-mass", help="Body mass in kg (default 70).")
    ] = None,
    fraction: Annotated[
        list[float] | None,
        typer.Option("--fraction", help="Body-weight share through the ball (repeatable)."),
    ] = None,
    tool: Annotated[list[str] | None, typer.Option("--tool", help="Only this tool (repeatable).")] = None,
) -> None:
    """Contact area and pressure under each tool at the heel, seated and standing, as ranges."""
    from solemap.contact import compare_tools, contact_data, ppt_statement

    known = list(contact_data()["tools"])
    for t in tool or []:
        if t not in known:
            fail(f"unknown tool {t!r}; tools: {', '.join(known)}")
    try:
        rows = compare_tools(body_mass, tool or None, tuple(fraction) if fraction else (0.25, 0.5))
    except ValueError as exc:
        fail(str(exc))
    if as_json:
        print_json(
            {
                "model": "non-linear thin heel pad (exponential stiffening), calibrated on the loaded "
                "heel-pad thickness",
                "evidence": "expert-opinion",
                "pressure_pain_threshold": ppt_statement(),
                "rows": [r.to_json() for r in rows],
            }
        )
        return
    from rich.console import Console
    from rich.table import Table

    from solemap.contact import round_range

    def rng(x) -> str:
        if x is None:
            return "–"
        a, b = round_range(*x)
        return f"{a:g}–{b:g}" if a != b else f"{a:g}"

    table = Table(
        title="Under the ball at the heel (10th–90th percentile of the model's range; expert-opinion)"
    )
    for col in ("tool", "load", "force N", "radius mm", "mean kPa", "peak kPa", "× standing"):
        table.add_column(col, justify="left" if col in ("tool", "load") else "right")
    for r in rows:
        table.add_row(
            r.tool,
            r.load,
            rng(r.force_n),
            rng(r.contact_radius_mm),
            rng(r.mean_kpa),
            rng(r.peak_kpa),
            rng(r.times_standing),
        )
    console = Console()
    console.print(table)
    for r in rows:
        if r.modelled and r.load == "standing-50pct":
            console.print("• " + r.sentence())
    console.print(
        "Not modelled: " + "; ".join(sorted({f"{r.tool} ({r.notes[0]})" for r in rows if not r.modelled}))
    )
    console.print(ppt_statement())


def batch(
    study_dir: Annotated[Path, typer.Argument(help="A folder tree of recordings.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The Parquet table to write.")],
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="Address of a Dask scheduler, e.g. tcp://host:8786.")
    ] = None,
    workers: Annotated[
        int, typer.Option("--workers", "-w", help="Local cluster: number of worker processes.")
    ] = 2,
    layer: Annotated[
        str, typer.Option("--layer", "-l", help="Atlas layer of the regions.")
    ] = "pressure-regions",
    no_track: Annotated[bool, typer.Option("--no-track", help="Leave out the ball-tracking rows.")] = False,
    no_peaks: Annotated[bool, typer.Option("--no-peaks", help="Leave out the strain-peak rows.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Analyse every recording under STUDY_DIR on Dask and write one tidy Parquet table."""
    from solemap.recordings.batch import find_recordings, run_batch
    from solemap.recordings.masks import layer_ids

    if not study_dir.is_dir():
        fail(f"{study_dir}: not a folder")
    if layer not in layer_ids():
        fail(f"unknown layer {layer!r}; layers: {', '.join(layer_ids())}")
    if workers < 1:
        fail("--workers must be at least 1")
    total = len(find_recordings(study_dir))
    if total == 0:
        fail(f"{study_dir}: no recordings found")
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    err = Console(stderr=True)
    with Progress(
        TextColumn("batch"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        disable=quiet,
        transient=True,
    ) as bar:
        task = bar.add_task("files", total=total)

        def progress(done: int, n: int, name: str, error: str | None) -> None:
            bar.update(task, completed=done)
            if error:
                bar.console.print(f"[red]failed[/red] {name}: {error}")

        try:
            result = run_batch(
                study_dir,
                output,
                scheduler=scheduler,
                n_workers=workers,
                layer=layer,
                track=not no_track,
                peaks=not no_peaks,
                progress=progress,
            )
        except OSError as exc:
            fail(f"cannot reach the scheduler or write {output}: {exc}")
    ok = len(result.files) - len(result.failures)
    typer.echo(
        f"{ok} of {len(result.files)} file(s) analysed in {result.seconds:.1f} s; "
        f"{len(result.table)} rows written to {output}"
    )
    for name, message in result.failures:
        typer.echo(f"failed: {name}: {message}", err=True)
    if result.failures and ok == 0:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``track``, ``peaks``, ``tools`` and ``batch`` to the root app."""
    app.command("track")(track)
    app.command("peaks")(peaks)
    app.add_typer(tools_app, name="tools")
    app.command("batch")(batch)
