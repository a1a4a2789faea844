"""Pressure-recording pictures, indices and masks: ``footprint``, ``animate``, ``curves``,
``indices`` and ``mask make|show``. Each is a few lines over :mod:`solemap.recordings`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from solemap.cli._common import fail, print_json

FileArg = Annotated[Path, typer.Argument(help="A pressure recording (any supported format).", exists=False)]
SideOpt = Annotated[str | None, typer.Option("--side", "-s", help="left or right (default: every side).")]

CleanOpt = Annotated[bool, typer.Option("--clean", help="Remove isolated-sensel noise first.")]
UpsampleOpt = Annotated[
    int,
    typer.Option("--upsample", help="Interpolate a grid to N× finer sensels first (1 = off).", min=1, max=8),
]

mask_app = typer.Typer(help="Region masks (pressuRe's schemes) as GeoJSON files.", no_args_is_help=True)


def _read(path: Path) -> Any:
    from solemap.recordings import RecordingError, read_recording

    if not path.exists():
        fail(f"{path}: no such file")
    try:
        return read_recording(path)
    except RecordingError as exc:
        fail(str(exc))


def _prepare(rec: Any, clean: bool, upsample: int) -> Any:
    from solemap.recordings.signals import clean_isolated, interpolate_grid

    if clean:
        rec = clean_isolated(rec)
    if upsample > 1:
        if rec.kind != "grid":
            fail("--upsample needs a grid recording (plate or Tekscan), not discrete sensors")
        rec = interpolate_grid(rec, upsample)
    return rec


def _side(rec: Any, side: str | None) -> str | None:
    if side is not None and side not in rec.sides:
        fail(f"side {side!r} is not in this recording (sides: {', '.join(rec.sides)})")
    return side


def _out(path: Path, allowed: tuple[str, ...]) -> str:
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in allowed:
        fail(f"{path}: the output must end in {', '.join('.' + a for a in allowed)}")
    return fmt


def footprint(
    file: FileArg,
    output: Annotated[Path, typer.Option("--output", "-o", help="Picture file: .png or .svg.")],
    kind: Annotated[str, typer.Option("--kind", help="peak, mean or frame.")] = "peak",
    frame: Annotated[
        int | None, typer.Option("--frame", help="Frame index (0-based) for --kind frame.")
    ] = None,
    layer: Annotated[
        list[str] | None, typer.Option("--layer", "-l", help="Atlas layer outlines (repeatable).")
    ] = None,
    side: SideOpt = None,
    mask: Annotated[
        Path | None, typer.Option("--mask", help="Draw a GeoJSON mask on the sensors instead of the map.")
    ] = None,
    clean: CleanOpt = False,
    upsample: UpsampleOpt = 1,
    step: Annotated[
        int | None,
        typer.Option("--step", help="Peak or mean of this detected step only (1 …; needs --side)."),
    ] = None,
) -> None:
    """Draw a footprint (peak, mean or one frame) on the foot map, or on the sensors with a mask."""
    from solemap.recordings.pictures import footprint_svg, save_figure, sensor_figure
    from solemap.recordings.pressure_masks import MaskError, load_mask
    from solemap.recordings.signals import footprint as footprint_values

    fmt = _out(output, ("png", "svg"))
    if kind not in ("peak", "mean", "frame"):
        fail(f"--kind must be peak, mean or frame, got {kind!r}")
    if kind == "frame" and frame is None:
        fail("--kind frame needs --frame N")
    rec = _prepare(_read(file), clean, upsample)
    side = _side(rec, side)
    if frame is not None and not 0 <= frame < rec.n_frames:
        fail(f"--frame must lie in 0…{rec.n_frames - 1}, got {frame}")
    frames = None
    if step is not None:
        from solemap.recordings.signals import whole_foot_curves

        if side is None and len(rec.sides) > 1:
            fail("--step needs --side for a recording of two sides")
        steps = whole_foot_curves(rec, side).steps
        if not 1 <= step <= len(steps):
            fail(f"--step must lie in 1…{len(steps)} (steps found), got {step}")
        frames = steps[step - 1].frames()
    try:
        if mask is not None:
            m = load_mask(mask)
            s = side or rec.sides[0]
            values = footprint_values(rec, s, kind=kind, frame=frame, frames=frames)  # type: ignore[arg-type]
            save_figure(sensor_figure(rec, s, values, m), output)
        else:
            from solemap.render import svg_to_png

            svg = footprint_svg(
                rec, kind=kind, frame=frame, layers=layer or ["pressure-regions"], side=side, frames=frames
            )
            if fmt == "svg":
                output.write_text(svg, encoding="utf-8")
            else:
                output.write_bytes(svg_to_png(svg))
    except (MaskError, ValueError) as exc:
        fail(str(exc))
    typer.echo(f"wrote {output}")


def animate(
    file: FileArg,
    output: Annotated[Path, typer.Option("--output", "-o", help="Animation file: .gif or .mp4.")],
    every: Annotated[
        int | None, typer.Option("--every", help="Use every n-th frame (default: ≤ 25 fps).")
    ] = None,
    fps: Annotated[float | None, typer.Option("--fps", help="Playback rate (default: real time).")] = None,
    start: Annotated[int, typer.Option("--start", help="First frame (0-based).")] = 0,
    stop: Annotated[int | None, typer.Option("--stop", help="Frame after the last one.")] = None,
    layer: Annotated[
        str, typer.Option("--layer", "-l", help="Atlas layer outlines ('none' for the sole only).")
    ] = "pressure-regions",
    clean: CleanOpt = False,
) -> None:
    """Animate a trial on the foot map (GIF or MP4)."""
    from solemap.recordings.pictures import animate as animate_

    _out(output, ("gif", "mp4"))
    rec = _prepare(_read(file), clean, 1)
    try:
        n = animate_(
            rec,
            output,
            every=every,
            fps=fps,
            frames=slice(start, stop),
            layer=None if layer == "none" else layer,
        )
    except ValueError as exc:
        fail(str(exc))
    typer.echo(f"wrote {output} ({n} frames)")


def curves(
    file: FileArg,
    output: Annotated[Path, typer.Option("--output", "-o", help="Picture file: .png or .svg.")],
    contact_kpa: Annotated[float, typer.Option("--contact-kpa", help="Contact above this pressure.")] = 0.0,
    as_json: Annotated[bool, typer.Option("--json", help="Also print the curves and steps as JSON.")] = False,
) -> None:
    """Plot whole-foot force, peak pressure and contact area with the detected steps."""
    from solemap.recordings.pictures import curves_figure, save_figure
    from solemap.recordings.signals import whole_foot_curves

    _out(output, ("png", "svg"))
    rec = _read(file)
    items = [whole_foot_curves(rec, s, contact_kpa=contact_kpa) for s in rec.sides]
    save_figure(curves_figure(items), output)
    if as_json:
        print_json({"curves": [c.to_json() for c in items]})
    else:
        for c in items:
            typer.echo(
                f"{c.side}: {len(c.steps)} steps; " + ", ".join(f"{s.start}-{s.stop}" for s in c.steps)
            )
        typer.echo(f"wrote {output}")


def indices(
    file: FileArg,
    side: SideOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Arch index, CPEI and peak pressure gradient of a plate footprint (emed, footscan, pliance);
    per step for walking trials on a grid insole."""
    from solemap.recordings.indices import trial_indices

    rec = _read(file)
    if rec.kind != "grid":
        fail("the footprint indices need a plate or grid recording (emed, footscan, pliance, Tekscan)")
    side = _side(rec, side)
    results = []
    for s in [side] if side else list(rec.sides):
        try:
            results.extend(trial_indices(rec, s))
        except ValueError as exc:
            fail(f"side {s}: {exc}")
    if as_json:
        print_json({"file": str(file), "indices": results})
        return
    for e in results:
        ai, ce, pg = e["arch_index"], e["cpei"], e["pppg"]
        step = "" if e["step"] is None else f", step {e['step']}"
        typer.echo(f"{e['side']} ({e['foot']} foot{step})")
        typer.echo(f"  arch index (Cavanagh & Rodgers 1987): {ai.get('value', ai.get('error'))}")
        typer.echo(f"  CPEI (Song et al. 1996), %:          {ce.get('value', ce.get('error'))}")
        typer.echo(f"  peak pressure gradient, kPa/mm:      {pg.get('value', pg.get('error'))}")


@mask_app.command("make")
def mask_make(
    file: FileArg,
    scheme: Annotated[
        str,
        typer.Option(
            "--scheme",
            help="pedar_mask1|2|3, automask_simple, automask_novel "
            "(auto-simple and auto-novel also accepted).",
        ),
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="GeoJSON mask file to write.")],
    side: SideOpt = None,
    picture: Annotated[
        Path | None, typer.Option("--picture", help="Also draw the mask on the sensors (.png/.svg).")
    ] = None,
) -> None:
    """Build one of pressuRe's masks from a recording and save it as GeoJSON."""
    from solemap.recordings.pictures import save_figure, sensor_figure
    from solemap.recordings.pressure_masks import MaskError, make_mask

    scheme = {"auto-simple": "automask_simple", "auto-novel": "automask_novel"}.get(scheme, scheme)
    rec = _read(file)
    side = _side(rec, side)
    try:
        m = make_mask(scheme, rec, side or rec.sides[0])
    except MaskError as exc:
        fail(str(exc))
    except ValueError as exc:  # registration of an unusable footprint
        fail(f"cannot build {scheme}: {exc}")
    m.save(output)
    if picture is not None:
        save_figure(sensor_figure(rec, side or rec.sides[0], mask=m), picture)
    typer.echo(f"wrote {output} ({len(m.regions)} regions: {', '.join(m.region_ids)})")


@mask_app.command("show")
def mask_show(
    mask: Annotated[Path, typer.Argument(help="GeoJSON mask file.")],
    file: Annotated[
        Path | None, typer.Option("--recording", "-r", help="Count the sensors of this recording.")
    ] = None,
    partial: Annotated[
        bool, typer.Option("--partial", help="Fractional weights (default: whole sensors).")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List a mask's regions (and, with a recording, the sensor weight each region holds)."""
    from solemap.recordings.pressure_masks import MaskError, load_mask

    try:
        m = load_mask(mask)
    except MaskError as exc:
        fail(str(exc))
    rows: list[dict[str, Any]] = [{"id": r.id, "name": r.name} for r in m.regions]
    if file is not None:
        rec = _read(file)
        try:
            w = m.weights(rec, rec.sides[0], partial=partial).weights.sum(axis=0)
        except MaskError as exc:
            fail(str(exc))
        for row, total in zip(rows, w, strict=True):
            row["sensors"] = round(float(total), 3)
    if as_json:
        print_json({"scheme": m.scheme, "frame": m.frame, "side": m.side, "regions": rows})
        return
    typer.echo(f"{m.scheme} ({m.frame}{', ' + m.side if m.side else ''})")
    for row in rows:
        typer.echo(
            f"  {row['id']:<18} {row['name']}" + (f"  {row['sensors']} sensors" if "sensors" in row else "")
        )


def _read_steps(path: Path, rec: Any) -> dict[str, list[tuple[int, int]]]:
    """``{"steps": {side: [[first, last], ...]}}`` → side -> frame pairs, checked against ``rec``."""
    import json

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        fail(f"{path}: cannot read the steps: {exc}")
    steps = data.get("steps") if isinstance(data, dict) else None
    if not isinstance(steps, dict):
        fail(f'{path}: expected {{"steps": {{side: [[first, last], ...]}}}}')
    out: dict[str, list[tuple[int, int]]] = {}
    for side, pairs in steps.items():
        if side not in rec.sides:
            fail(f"{path}: side {side!r} is not in the recording (sides: {', '.join(rec.sides)})")
        try:
            out[side] = [(int(a), int(b)) for a, b in pairs]
        except (TypeError, ValueError):
            fail(f"{path}: steps of {side} must be [first, last] frame pairs")
        for a, b in out[side]:
            if not 0 <= a <= b < rec.n_frames:
                fail(f"{path}: step {a}-{b} of {side} lies outside frames 0…{rec.n_frames - 1}")
    return out


@mask_app.command("apply")
def mask_apply(
    file: FileArg,
    mask: Annotated[
        str, typer.Option("--mask", "-m", help="GeoJSON mask file or a scheme name (pedar_mask1 …).")
    ],
    partial: Annotated[
        bool, typer.Option("--partial", help="Fractional weights (default: whole sensors).")
    ] = False,
    metrics: Annotated[
        str, typer.Option("--metrics", help="Comma-separated metric names (default: pressuRe's five).")
    ] = "peak_pressure,pti_peak,pti_mean,fti,max_force",
    steps_file: Annotated[
        Path | None,
        typer.Option(
            "--steps", help="JSON of kept steps (saved by the /pressure-tools page); default: detected."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON rows.")] = False,
) -> None:
    """Measure every step and region of a recording under a mask (pressuRe's mask_analysis)."""
    import math

    from solemap.recordings.metrics import METRICS
    from solemap.recordings.pressure_masks import SCHEMES, MaskError, analyze_with_mask, load_mask

    wanted = [m.strip() for m in metrics.split(",") if m.strip()]
    unknown = [m for m in wanted if m not in METRICS]
    if unknown:
        fail(f"unknown metric(s) {', '.join(unknown)}; metrics: {', '.join(METRICS)}")
    rec = _read(file)
    steps = None if steps_file is None else _read_steps(steps_file, rec)
    try:
        m: Any = mask if mask in SCHEMES else load_mask(mask)
        table = analyze_with_mask(rec, m, partial=partial, steps=steps)
    except MaskError as exc:
        fail(str(exc))
    except ValueError as exc:
        fail(f"cannot apply the mask: {exc}")
    table = table[table.metric.isin(wanted)]
    rows = [
        {
            "side": r.side,
            "step": None if r.step is None or str(r.step) == "<NA>" else int(r.step),
            "region": r.region,
            "metric": r.metric,
            "value": None if not math.isfinite(r.value) else round(float(r.value), 6),
            "unit": r.unit,
        }
        for r in table.itertuples(index=False)
    ]
    if as_json:
        print_json({"file": str(file), "mask": mask, "partial": partial, "metrics": rows})
        return
    wide = table.pivot_table(index=["side", "step", "region"], columns="metric", values="value", sort=False)
    typer.echo(wide[wanted].round(3).to_string())


def register(app: typer.Typer) -> None:
    app.command("footprint")(footprint)
    app.command("animate")(animate)
    app.command("curves")(curves)
    app.command("indices")(indices)
    app.add_typer(mask_app, name="mask")
