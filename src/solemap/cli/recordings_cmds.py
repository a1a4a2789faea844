"""Pressure-recording commands: ``analyze`` and ``simulate standing|rolling``."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer

from solemap.cli._common import fail, print_json

#: Recordings with more frames than this get a progress bar (short files finish before it shows).
PROGRESS_MIN_FRAMES = 20_000


def _progress_runner(total_frames: int, quiet: bool):
    """A context manager yielding a ``progress(done, total)`` callback (Rich bar on stderr)."""
    from contextlib import contextmanager

    @contextmanager
    def runner():
        if quiet or total_frames < PROGRESS_MIN_FRAMES:
            yield None
            return
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        with Progress(
            TextColumn("analysing"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        ) as bar:
            task = bar.add_task("analyse", total=1.0)

            def update(done: int, total: int) -> None:
                bar.update(task, completed=done / max(total, 1))

            yield update

    return runner()


def analyze(
    file: Annotated[Path, typer.Argument(help="A pressure recording (any supported format).")],
    layer: Annotated[
        str, typer.Option("--layer", "-l", help="Atlas layer used as regions.")
    ] = "pressure-regions",
    side: Annotated[
        str | None,
        typer.Option("--side", "-s", help="left or right: analyse that side only, or name the foot."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the summary and metrics as one JSON object.")
    ] = False,
    report: Annotated[
        Path | None, typer.Option("--report", "-r", help="Write a report: out.html or out.pdf.")
    ] = None,
    by_step: Annotated[
        bool, typer.Option("--steps/--no-steps", help="Segment walking trials into steps.")
    ] = True,
    calibration: Annotated[
        float | None, typer.Option("--calibration", help="kPa per count, for files of raw counts.")
    ] = None,
    axis_deg: Annotated[
        float | None,
        typer.Option(
            "--axis-deg",
            help="Heel → toe direction in the sensor grid, degrees from the column axis "
            "(-90: toes toward the first row); default: found from the footprint.",
        ),
    ] = None,
    mask: Annotated[
        Path | None, typer.Option("--mask", "-m", help="GeoJSON mask file (regions instead of --layer).")
    ] = None,
    partial: Annotated[
        bool, typer.Option("--partial", help="Weight sensors by their area inside each region.")
    ] = False,
) -> None:
    """Register a recording on the foot, mask it with an atlas layer and print the metrics."""
    from solemap.recordings import RecordingError, read_recording
    from solemap.recordings.analysis import run_analysis
    from solemap.recordings.masks import LayerError, layer_ids
    from solemap.recordings.registration import RegistrationError

    if side is not None and side not in ("left", "right"):
        fail(f"--side must be left or right, got {side!r}")
    from solemap.recordings.pressure_masks import SCHEMES, MaskError, load_mask

    if layer not in layer_ids() and layer not in SCHEMES:
        fail(f"unknown layer {layer!r}; layers: {', '.join([*layer_ids(), *SCHEMES])}")
    regions: Any = layer
    if mask is not None:
        try:
            regions = load_mask(mask)
        except MaskError as exc:
            fail(str(exc))
    if report is not None and report.suffix.lower() not in (".html", ".htm", ".pdf"):
        fail(f"--report must end in .html or .pdf, got {report.name!r}")
    if not file.exists():
        fail(f"{file}: no such file")
    options: dict[str, Any] = {} if calibration is None else {"calibration": calibration}
    try:
        rec = read_recording(file, **options)
        with _progress_runner(rec.n_frames, as_json) as progress:
            result = run_analysis(
                rec, regions, side, axis_deg=axis_deg, steps=by_step, progress=progress, partial=partial
            )
    except (RecordingError, RegistrationError, LayerError, MaskError) as exc:
        fail(str(exc))
    except TypeError as exc:  # a reader that does not take the given option
        fail(f"{file}: {exc}")
    if report is not None:
        from solemap.recordings.report import write_report

        try:
            write_report(result, report, title=file.name)
        except OSError as exc:
            fail(f"cannot write {report}: {exc}")
    if as_json:
        print_json(result.to_json())
        return
    _print_table(result, file)
    if report is not None:
        typer.echo(f"report written to {report}", err=True)


def _fmt(value: float) -> str:
    if value is None or not math.isfinite(value):
        return "–"
    return f"{value:.4g}" if abs(value) < 1e5 else f"{value:.3e}"


def _print_table(result: Any, file: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    summary = result.recording
    console.print(
        f"[bold]{file.name}[/]: {summary['format']}, {summary['frames']} frames at "
        f"{summary['sample_rate_hz']:g} Hz ({summary['duration_s']:.2f} s), units {summary['source_units']}"
    )
    for s in result.sides:
        reg = s.registration
        console.print(
            f"  {s.side}: registered as the {reg.side} foot ({reg.method}, confidence {reg.confidence:.2f}, "
            f"length {reg.dims.length_mm:.0f} mm); {len(s.steps)} steps"
        )
        for note in s.notes:
            if note.startswith("warning:"):
                # Warnings go to stderr so they are seen even when the table is piped to a file.
                typer.echo(f"{file.name} ({s.side}): {note}", err=True)
            else:
                console.print(f"    note: {note}")
    table = result.table
    whole = table[table["step"].isna()]
    wide = whole.pivot_table(
        index=["side", "region"], columns="metric", values="value", sort=False, dropna=False
    )
    shown = [
        "peak_pressure",
        "mean_pressure",
        "pti_peak",
        "pti_mean",
        "fti",
        "max_force",
        "contact_area_peak",
        "contact_time",
    ]
    units = dict(zip(table["metric"], table["unit"], strict=False))
    out = Table(title=f"Whole recording, layer {result.layer}")
    out.add_column("side")
    out.add_column("region")
    for m in shown:
        out.add_column(f"{m}\n[{units.get(m, '')}]", justify="right")
    for (side, region), row in wide.iterrows():
        out.add_row(side, region, *(_fmt(row.get(m, float("nan"))) for m in shown))
    console.print(out)
    n_steps = sum(len(s.steps) for s in result.sides)
    if n_steps:
        console.print(f"{n_steps} steps: per-step rows are in --json output and the report.")


simulate_app = typer.Typer(help="Write synthetic recordings with known ground truth.", no_args_is_help=True)


def _save(rec: Any, output: Path) -> None:
    suffix = output.suffix.lower()
    try:
        if suffix == ".npz":
            rec.save_npz(output)
        elif suffix == ".csv":
            rec.to_csv(output)
        else:
            fail(f"-o must end in .npz or .csv, got {output.name!r}")
    except OSError as exc:
        fail(f"cannot write {output}: {exc}")


SideOpt = Annotated[str, typer.Option("--side", "-s", help="left or right foot.")]
SeedOpt = Annotated[int, typer.Option("--seed", help="Random seed (same seed, same file).")]
OutOpt = Annotated[Path, typer.Option("--output", "-o", help="Output file: .npz or .csv.")]
RowsOpt = Annotated[int, typer.Option("--rows", help="Grid rows.", min=4, max=1000)]
ColsOpt = Annotated[int, typer.Option("--cols", help="Grid columns.", min=4, max=1000)]
PitchOpt = Annotated[float, typer.Option("--pitch", help="Sensel pitch in mm.", min=0.5, max=50)]
RateOpt = Annotated[float, typer.Option("--rate", help="Frames per second.", min=0.1, max=10000)]
DurOpt = Annotated[float, typer.Option("--duration", help="Length in seconds.", min=0.001, max=3600)]
NoiseOpt = Annotated[float, typer.Option("--noise", help="Relative noise SD (0 = exact).", min=0, max=1)]


def _check(side: str) -> None:
    if side not in ("left", "right"):
        fail(f"--side must be left or right, got {side!r}")


@simulate_app.command("standing")
def simulate_standing_cmd(
    output: OutOpt,
    side: SideOpt = "left",
    seed: SeedOpt = 0,
    rows: RowsOpt = 60,
    cols: ColsOpt = 21,
    pitch: PitchOpt = 5.08,
    rate: RateOpt = 50.0,
    duration: DurOpt = 2.0,
    noise: NoiseOpt = 0.03,
    mass: Annotated[float, typer.Option("--mass", help="Body mass in kg.", min=1, max=400)] = 70.0,
    axis_deg: Annotated[
        float, typer.Option("--axis-deg", help="Heel → toe direction in the grid (deg).")
    ] = -90.0,
) -> None:
    """Quiet standing on one foot's sensor grid (half the body weight)."""
    from solemap.recordings.simulate import simulate_standing

    _check(side)
    rec = simulate_standing(
        rows,
        cols,
        (pitch, pitch),
        side=side,
        axis_deg=axis_deg,
        body_mass_kg=mass,  # type: ignore[arg-type]
        duration_s=duration,
        sample_rate_hz=rate,
        noise=noise,
        seed=seed,
    )
    _save(rec, output)
    typer.echo(f"wrote {output}: standing, {rec.n_frames} frames, {side} foot, {rows}x{cols} sensels")


@simulate_app.command("rolling")
def simulate_rolling_cmd(
    output: OutOpt,
    side: SideOpt = "left",
    seed: SeedOpt = 0,
    rows: RowsOpt = 60,
    cols: ColsOpt = 21,
    pitch: PitchOpt = 5.08,
    rate: RateOpt = 100.0,
    duration: DurOpt = 10.0,
    noise: NoiseOpt = 0.03,
    diameter: Annotated[
        float, typer.Option("--diameter", help="Ball diameter in mm.", min=5, max=300)
    ] = 63.7,
    firmness: Annotated[float, typer.Option("--firmness", help="0 soft … 1 hard.", min=0, max=1)] = 0.8,
    load: Annotated[float, typer.Option("--load", help="Ball load in N.", min=0, max=2000)] = 100.0,
    path: Annotated[
        str | None, typer.Option("--path", help="uv waypoints 'u,v;u,v;...' (default: heel → arch → ball).")
    ] = None,
) -> None:
    """A ball rolled under one foot along a known path."""
    from solemap.recordings.simulate import DEFAULT_PATH_UV, simulate_rolling

    _check(side)
    waypoints: Any = DEFAULT_PATH_UV
    if path is not None:
        try:
            waypoints = [tuple(float(x) for x in p.split(",")) for p in path.split(";") if p.strip()]
        except ValueError:
            fail(f"--path must look like 'u,v;u,v', got {path!r}")
        if not waypoints or any(len(p) != 2 or not all(0 <= x <= 1 for x in p) for p in waypoints):
            fail(f"--path must be u,v pairs between 0 and 1, got {path!r}")
    rec = simulate_rolling(
        rows,
        cols,
        (pitch, pitch),
        diameter,
        firmness,
        load,
        waypoints,
        rate,
        noise,
        seed,
        duration_s=duration,
        side=side,  # type: ignore[arg-type]
    )
    _save(rec, output)
    typer.echo(
        f"wrote {output}: rolling, {rec.n_frames} frames, {side} foot, ball {diameter:g} mm at {load:g} N"
    )


def register(app: typer.Typer) -> None:
    app.command("analyze")(analyze)
    app.add_typer(simulate_app, name="simulate")
