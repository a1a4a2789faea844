"""Pressure-recording pictures, indices and masks: ``footprint``, ``animate``, ``curves``,
``indices`` and ``mask make|show``. Each is a few lines over :mod:`solemap.recordings`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from solemap.cli._common import fail, print_json

FileArg = Annotated[Path, typer.Argument(help="A pressure recording (any supported format).", exists=False)]
SideOpt = Annotated[str | None, typer.Option("--side", "-s", help="left or right (default: every side).")]

mask_app = typer.Typer(help="Region masks (pressuRe's schemes) as GeoJSON files.", no_args_is_help=True)


def _read(path: Path) -> Any:
    from solemap.recordings import RecordingError, read_recording

    if not path.exists():
        fail(f"{path}: no such file")
    try:
        return read_recording(path)
    except RecordingError as exc:
        fail(str(exc))


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
    rec = _read(file)
    side = _side(rec, side)
    if frame is not None and not 0 <= frame < rec.n_frames:
        fail(f"--frame must lie in 0…{rec.n_frames - 1}, got {frame}")
    try:
        if mask is not None:
            m = load_mask(mask)
            s = side or rec.sides[0]
            values = footprint_values(rec, s, kind=kind, frame=frame)  # type: ignore[arg-type]
            save_figure(sensor_figure(rec, s, values, m), output)
        else:
            from solemap.render import svg_to_png

            svg = footprint_svg(rec, kind=kind, frame=frame, layers=layer or ["pressure-regions"], side=side)
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
) -> None:
    """Animate a trial on the foot map (GIF or MP4)."""
    from solemap.recordings.pictures import animate as animate_

    _out(output, ("gif", "mp4"))
    rec = _read(file)
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
    """Arch index, CPEI and peak pressure gradient of a plate footprint (emed, footscan, pliance)."""
    import numpy as np

    from solemap.recordings.indices import arch_index, cpei, peak_pressure_gradient
    from solemap.recordings.pictures import side_registration
    from solemap.recordings.signals import footprint as footprint_values

    rec = _read(file)
    if rec.kind != "grid":
        fail("the footprint indices need a plate or grid recording (emed, footscan, pliance, Tekscan)")
    side = _side(rec, side)
    results = []
    for s in [side] if side else list(rec.sides):
        fp = footprint_values(rec, s)
        reg = side_registration(rec, s)
        entry: dict[str, Any] = {"side": s, "foot": reg.side}
        try:
            entry["arch_index"] = arch_index(fp, rec.pitch_mm, registration=reg).to_json()
        except ValueError as exc:
            entry["arch_index"] = {"error": str(exc)}
        p = np.nan_to_num(np.asarray(rec.pressure(s), dtype=np.float64)).reshape(rec.n_frames, -1)
        rows, cols = fp.shape
        x = np.tile(np.arange(cols) * rec.pitch_mm[1], rows)
        y = np.repeat(np.arange(rows) * rec.pitch_mm[0], cols)
        tot = p.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            cop = np.column_stack([p @ x / tot, p @ y / tot])
        try:
            entry["cpei"] = cpei(fp, rec.pitch_mm, cop, registration=reg).to_json()
        except ValueError as exc:
            entry["cpei"] = {"error": str(exc)}
        entry["pppg"] = peak_pressure_gradient(fp, rec.pitch_mm).to_json()
        results.append(entry)
    if as_json:
        print_json({"file": str(file), "indices": results})
        return
    for e in results:
        ai, ce, pg = e["arch_index"], e["cpei"], e["pppg"]
        typer.echo(f"{e['side']} ({e['foot']} foot)")
        typer.echo(f"  arch index (Cavanagh & Rodgers 1987): {ai.get('value', ai.get('error'))}")
        typer.echo(f"  CPEI (Song et al. 1996), %:          {ce.get('value', ce.get('error'))}")
        typer.echo(f"  peak pressure gradient, kPa/mm:      {pg['value']}")


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


def register(app: typer.Typer) -> None:
    app.command("footprint")(footprint)
    app.command("animate")(animate)
    app.command("curves")(curves)
    app.command("indices")(indices)
    app.add_typer(mask_app, name="mask")
