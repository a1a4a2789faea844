"""Foot-map commands: ``where``, ``find``, ``map`` and ``atlas list|check``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from solemap.cli._common import fail, print_json

SIDE_HELP = "left or right"
LayerOpt = Annotated[list[str] | None, typer.Option("--layer", "-l", help="Atlas layer id (repeatable).")]


def _atlas(directory: Path | None = None) -> Any:
    from solemap.atlas import AtlasError, load_atlas

    try:
        return load_atlas(directory)
    except AtlasError as exc:
        fail(f"the atlas data is invalid: {exc}")
    except OSError as exc:
        fail(f"cannot read the atlas data: {exc}")


def _check_side(side: str, allow_both: bool = False) -> None:
    allowed = ("left", "right", "both") if allow_both else ("left", "right")
    if side not in allowed:
        fail(f"--side must be one of {', '.join(allowed)}, got {side!r}")


def _check_layers(atlas: Any, layers: list[str] | None) -> list[str]:
    for layer in layers or []:
        if layer not in atlas.layers:
            fail(f"unknown layer {layer!r}; layers: {', '.join(atlas.layers)}")
    return list(layers or [])


def where(
    u: Annotated[float, typer.Argument(help="Heel (0) to longest toe tip (1).")],
    v: Annotated[float, typer.Argument(help="Medial border (0) to lateral border (1).")],
    side: Annotated[str, typer.Option("--side", "-s", help=SIDE_HELP)] = "left",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List what lies under the point (U, V) of the sole, in every layer."""
    from solemap.lookup import where as where_

    _check_side(side)
    for name, value in (("U", u), ("V", v)):
        if not 0.0 <= value <= 1.0:
            fail(f"{name} must lie between 0 and 1 (the foot frame), got {value}")
    atlas = _atlas()
    found = where_(u, v, side, atlas=atlas)
    if as_json:
        print_json(
            {
                "point": {"u": u, "v": v, "side": side},
                "layers": {layer: [a.to_json() for a in areas] for layer, areas in found.items()},
            }
        )
        return
    console = Console()
    if not found:
        console.print(f"Nothing of the atlas lies at u={u}, v={v} on the {side} foot (between the toes?).")
        return
    table = Table(title=f"Under u={u}, v={v}, {side} foot")
    table.add_column("Layer")
    table.add_column("Area")
    table.add_column("Body parts")
    table.add_column("Evidence")
    for layer, areas in found.items():
        for a in areas:
            table.add_row(atlas.layers[layer].name, a.name, ", ".join(a.body_parts), a.evidence)
    console.print(table)


def find(
    query: Annotated[str, typer.Argument(help="Body part, organ, structure or symptom, e.g. 'lower back'.")],
    side: Annotated[str | None, typer.Option("--side", "-s", help=SIDE_HELP)] = None,
    layer: LayerOpt = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many results.")] = 30,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Find where on the foot a body part, organ, structure or symptom is."""
    from solemap.lookup import find as find_

    if side is not None:
        _check_side(side)
    atlas = _atlas()
    layers = _check_layers(atlas, layer) or None
    if not query.strip():
        fail("QUERY is empty: give a body part, organ, structure or symptom")
    try:
        matches = find_(query, side=side, layers=layers, atlas=atlas, limit=limit)
    except ValueError as exc:
        fail(str(exc))
    if as_json:
        print_json({"query": query, "results": [m.to_json() for m in matches]})
        return
    console = Console()
    if not matches:
        console.print(f"No area matches {query!r}. Try another word (e.g. 'kidney', 'heel pain', 'big toe').")
        raise typer.Exit(1)
    table = Table(title=f"Areas for {query!r}")
    for col in ("Area", "Layer", "Side", "Where (u, v)", "Evidence", "Matched"):
        table.add_column(col)
    for m in matches:
        c = m.area.centroid
        table.add_row(
            m.area.name,
            atlas.layers[m.area.layer].name,
            m.area.side,
            "off the sole: " + m.area.location if c is None else f"{c[0]:.2f}, {c[1]:.2f}",
            m.area.evidence,
            m.matched,
        )
    console.print(table)


def map_(
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write: .svg or .png.")],
    side: Annotated[str, typer.Option("--side", "-s", help="left, right or both")] = "both",
    layer: LayerOpt = None,
    highlight: Annotated[list[str] | None, typer.Option("--highlight", help="Area id to emphasise.")] = None,
    title: Annotated[str | None, typer.Option(help="Title drawn above the feet.")] = None,
    labels: Annotated[bool, typer.Option("--labels/--no-labels", help="Write area names.")] = True,
    length_mm: Annotated[
        float | None, typer.Option("--length-mm", help="Draw a foot of this length (mm).")
    ] = None,
    scale: Annotated[float, typer.Option(help="PNG scale factor.", min=0.1, max=10)] = 1.5,
) -> None:
    """Draw the sole(s) with chosen layers to an SVG or PNG file."""
    from solemap.frame import FootDimensions
    from solemap.render import render_svg, svg_to_png

    _check_side(side, allow_both=True)
    atlas = _atlas()
    layers = _check_layers(atlas, layer) or ["reflexology"]
    unknown = [h for h in highlight or [] if h not in atlas.areas]
    if unknown:
        fail(f"unknown area id for --highlight: {', '.join(unknown)} (see 'solemap atlas list')")
    suffix = output.suffix.lower()
    if suffix not in (".svg", ".png"):
        fail(f"--output must end in .svg or .png, got {output.name!r}")
    dims = None
    if length_mm is not None:
        try:
            dims = FootDimensions.from_length(length_mm)
        except ValueError as exc:
            fail(str(exc))
    svg = render_svg(
        side=side,
        layers=layers,
        highlight=highlight or [],
        title=title,
        labels=labels,
        dims=dims,
        atlas=atlas,
    )
    data = svg.encode("utf-8") if suffix == ".svg" else svg_to_png(svg, scale=scale)
    try:
        output.write_bytes(data)
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror or exc}")
    typer.echo(f"wrote {output} ({len(data) // 1024} KiB)", err=True)


atlas_app = typer.Typer(
    help="The atlas: its layers and areas, and a check of its data.", no_args_is_help=True
)


@atlas_app.command("list")
def atlas_list(
    layer: LayerOpt = None,
    side: Annotated[str | None, typer.Option("--side", "-s", help=SIDE_HELP)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the atlas's areas (optionally of some layers and one foot)."""
    if side is not None:
        _check_side(side)
    atlas = _atlas()
    layers = _check_layers(atlas, layer) or list(atlas.layers)
    areas = [a for lid in layers for a in atlas.areas_in(layer=lid, side=side)]
    if as_json:
        print_json(
            {"layers": [atlas.layers[lid].to_json() for lid in layers], "areas": [a.to_json() for a in areas]}
        )
        return
    table = Table(title=f"{len(areas)} areas")
    for col in ("id", "name", "layer", "side", "evidence"):
        table.add_column(col)
    for a in areas:
        table.add_row(a.id, a.name, a.layer, a.side, a.evidence)
    Console().print(table)


@atlas_app.command("check")
def atlas_check(
    directory: Annotated[
        Path | None, typer.Option("--directory", help="Check another atlas data folder.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Validate the atlas data files and report counts per layer (exit 2 on any problem)."""
    from solemap.atlas import atlas_report

    if directory is not None and not directory.is_dir():
        fail(f"--directory {directory} is not a folder")
    atlas = _atlas(directory)
    report = atlas_report(atlas)
    if as_json:
        print_json({"ok": True, **report})
        return
    table = Table(title="Atlas check: all files valid")
    for col in ("layer", "areas", "left", "right", "off the sole"):
        table.add_column(col)
    for lid, counts in report["layers"].items():
        table.add_row(lid, *(str(counts[k]) for k in ("areas", "left", "right", "off_sole")))
    console = Console()
    console.print(table)
    console.print(f"{report['areas']} areas, {report['sources']} sources.")


def register(app: typer.Typer) -> None:
    app.command("where")(where)
    app.command("find")(find)
    app.command("map")(map_)
    app.add_typer(atlas_app, name="atlas")
