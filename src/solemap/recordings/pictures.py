"""Pictures of a recording: footprints on the foot map, the sensor plane with mask outlines,
whole-foot curves, and animations (GIF, MP4).

* :func:`footprint_svg` — a footprint (peak, mean or one frame) drawn on the foot map
  (:func:`solemap.render.render_svg`) under any atlas layer, through each side's registration.
* :func:`sensor_figure` — the sensors as they lie on the insole or plate (matplotlib), coloured
  by a footprint, with the outlines of a :class:`~solemap.recordings.pressure_masks.PressureMask`.
* :func:`curves_figure` — force, peak pressure and contact area over time with the steps shaded.
* :class:`MapAnimator` / :func:`animate` — every frame painted on the foot map (the sole outline
  and a layer's outlines), written as GIF (Pillow) or MP4 (imageio-ffmpeg, H.264).

Colour scale: one fixed range for a whole animation (0 … the trial's peak by default), so the
frames can be compared.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from solemap.frame import FootFrame
from solemap.recordings.core import Recording
from solemap.recordings.registration import Registration
from solemap.recordings.signals import WholeFootCurves, footprint

__all__ = [
    "MapAnimator",
    "animate",
    "curves_figure",
    "footprint_svg",
    "save_figure",
    "sensor_figure",
    "side_registration",
    "uv_index",
]


def side_registration(recording: Recording, side: str) -> Registration:
    """Registration of one side (layout for insoles, peak footprint for grids)."""
    from solemap.recordings.pressure_masks import register_side

    return register_side(recording, side)


def uv_index(recording: Recording, side: str, reg: Registration, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Flat sensel/sensor index under each (u, v) point of one side, -1 where there is none.

    Grids: the sensel whose square contains the point (through the registration into the grid
    plane). Insoles: the sensor polygon containing it, each polygon placed on its sensor's
    registered foot position (:func:`~solemap.recordings.pressure_masks.sensor_polygons_foot`).
    """
    x, y = reg.frame.uv_to_mm(np.asarray(u, float), np.asarray(v, float))
    plane = reg.foot_to_plane(np.stack([x, y], axis=-1))
    out = np.full(np.shape(u), -1, dtype=np.int64)
    if recording.kind == "grid":
        rows, cols = recording.shape(side)
        rp, cp = recording.pitch_mm  # type: ignore[misc]
        c = np.rint(plane[..., 0] / cp).astype(np.int64)
        r = np.rint(plane[..., 1] / rp).astype(np.int64)
        ok = (r >= 0) & (r < rows) & (c >= 0) & (c < cols)
        out[ok] = r[ok] * cols + c[ok]
        valid = np.asarray(recording.valid_mask(side)).reshape(-1)
        out[(out >= 0) & ~valid[np.maximum(out, 0)]] = -1
        return out
    from solemap.recordings.pressure_masks import sensor_polygons_foot

    for i, poly in enumerate(sensor_polygons_foot(recording, side, reg)):
        inside = shapely.contains_xy(shapely.Polygon(poly), x, y)
        out[inside] = i
    return out


def _uv_raster(
    recording: Recording, side: str, reg: Registration, values: np.ndarray, nu: int = 240, nv: int = 90
) -> np.ndarray:
    uu, vv = np.meshgrid((np.arange(nu) + 0.5) / nu, (np.arange(nv) + 0.5) / nv, indexing="ij")
    idx = uv_index(recording, side, reg, uu, vv)
    vals = np.asarray(values, float).reshape(-1)
    return np.where(idx >= 0, vals[np.maximum(idx, 0)], np.nan)


def footprint_svg(
    recording: Recording,
    *,
    kind: str = "peak",
    frame: int | None = None,
    layers: Sequence[str] = ("pressure-regions",),
    side: str | None = None,
    value_range: tuple[float, float] | None = None,
    title: str | None = None,
    labels: bool = False,
    frames: slice | None = None,
) -> str:
    """A footprint drawn on the foot map (SVG), for every side of the recording (or one).

    ``kind`` ``peak`` | ``mean`` | ``frame`` (with ``frame`` index); ``frames`` restricts peak and
    mean to some frames (e.g. one step); ``layers`` are the atlas layers drawn over it (their
    outlines and names). Unloaded sensels (0 kPa) are left clear.
    """
    from solemap.render import render_svg

    sides = recording.sides if side is None else (side,)
    rasters: dict[str, np.ndarray] = {}
    feet: list[str] = []
    for s in sides:
        reg = side_registration(recording, s)
        vals = footprint(recording, s, kind=kind, frame=frame, frames=frames)  # type: ignore[arg-type]
        vals = np.where(vals > 0, vals, np.nan)
        rasters[reg.side] = _uv_raster(recording, s, reg, vals)
        feet.append(reg.side)
    which = feet[0] if len(set(feet)) == 1 else "both"
    if value_range is None:
        finite = [r[np.isfinite(r)] for r in rasters.values()]
        top = max((float(f.max()) for f in finite if f.size), default=1.0)
        value_range = (0.0, top)
    what = {"peak": "peak pressure", "mean": "mean pressure", "frame": f"frame {frame}"}.get(kind, kind)
    svg = render_svg(
        side=which, layers=list(layers), value_raster=rasters, labels=labels, legend=True,
        title=title or f"{what} (kPa)", value_label="kPa", value_range=value_range, cmap="turbo",
    )  # fmt: skip
    # Over a footprint the layer is wanted as outlines only: a style rule (which overrides the
    # areas' presentation attributes) clears their fill and keeps their strokes.
    head_end = svg.index(">", svg.index("<svg")) + 1
    return svg[:head_end] + "<style>.area{fill-opacity:0 !important}</style>" + svg[head_end:]


# ---------------------------------------------------------------------------------- matplotlib
def _figure(width_in: float, height_in: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_in, height_in), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def save_figure(fig: Any, path: str | PathLike[str] | None = None, fmt: str | None = None) -> bytes:
    """Render a matplotlib figure to PNG or SVG bytes (format from ``fmt`` or the suffix) and
    write them to ``path`` if given."""
    fmt = (fmt or (Path(path).suffix.lstrip(".") if path else "png")).lower()
    if fmt not in ("png", "svg", "pdf"):
        raise ValueError(f"picture format must be png, svg or pdf, got {fmt!r}")
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, bbox_inches="tight")
    data = buf.getvalue()
    if path is not None:
        Path(path).write_bytes(data)
    return data


def _sensor_polygons_view(recording: Recording, side: str, foot: str) -> np.ndarray:
    """(N, k, 2) sensor polygons in picture coordinates: toes up, medial toward the middle
    for the right foot (the view convention of :mod:`solemap.frame`)."""
    from solemap.recordings.weights import grid_sensel_polygons

    if recording.kind == "grid":
        poly = grid_sensel_polygons(recording.shape(side), recording.pitch_mm)  # type: ignore[arg-type]
        return poly  # grid plane as exported: row 0 at the top (toe end for Tekscan)
    lay = recording.layout(side)
    polys = lay.polygons
    if polys is None:
        half = np.sqrt(lay.areas_mm2)[:, None, None] / 2 * np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]])
        polys = list(lay.positions_mm[:, None, :] + half)
    sgn = 1.0 if foot == "right" else -1.0
    return np.array([np.column_stack([sgn * p[:, 1], p[:, 0]]) for p in polys], dtype=object)


def sensor_figure(
    recording: Recording,
    side: str | None = None,
    values: np.ndarray | None = None,
    mask: Any = None,
    *,
    title: str | None = None,
    value_range: tuple[float, float] | None = None,
):
    """The sensors of one side coloured by ``values`` (default: peak footprint, kPa) with the
    outlines and names of a mask's regions. Returns a matplotlib Figure.

    Grids are drawn as exported (row 0 at the top); insoles toes up, medial toward the middle.
    """
    from matplotlib import colormaps
    from matplotlib.collections import PolyCollection
    from matplotlib.colors import Normalize

    side = recording._side(side)
    vals = footprint(recording, side) if values is None else np.asarray(values, float)
    vals = vals.reshape(-1)
    foot = side if side in ("left", "right") else (getattr(mask, "side", None) or "right")
    polys = _sensor_polygons_view(recording, side, foot)
    fig = _figure(4.2, 6.4)
    ax = fig.add_subplot(1, 1, 1)
    lo, hi = value_range or (0.0, float(np.nanmax(vals)) if np.isfinite(vals).any() else 1.0)
    norm = Normalize(lo, hi if hi > lo else lo + 1)
    cmap = colormaps["turbo"]
    colours = cmap(norm(np.nan_to_num(vals, nan=0.0)))
    colours[~(vals > 0)] = (0.93, 0.93, 0.93, 1.0)
    valid = np.asarray(recording.valid_mask(side)).reshape(-1)
    coll = PolyCollection(
        [np.asarray(p, float) for p, ok in zip(polys, valid, strict=True) if ok],
        facecolors=colours[valid],
        edgecolors=(0.7, 0.7, 0.7, 0.6),
        linewidths=0.3,
    )
    ax.add_collection(coll)
    if mask is not None:
        _draw_mask(ax, recording, side, foot, mask)
    ax.autoscale_view()
    ax.set_aspect("equal")
    if recording.kind == "grid":
        ax.invert_yaxis()
    ax.set_axis_off()
    from matplotlib.cm import ScalarMappable

    fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=ax, shrink=0.6, label="kPa")
    ax.set_title(title or f"{recording.format}, {side}: peak pressure", fontsize=9)
    return fig


def _draw_mask(ax: Any, recording: Recording, side: str, foot: str, mask: Any) -> None:
    """Outlines and labels of the mask regions in the picture frame of :func:`sensor_figure`."""
    if mask.frame == "uv":
        reg = side_registration(recording, side)

        def to_pic(xy: np.ndarray) -> np.ndarray:
            x, y = reg.frame.uv_to_mm(xy[:, 0], xy[:, 1])
            plane = reg.foot_to_plane(np.column_stack([x, y]))
            return (
                plane
                if recording.kind == "grid"
                else np.column_stack([(1 if foot == "right" else -1) * plane[:, 1], plane[:, 0]])
            )
    elif mask.frame == "insole_mm":
        sgn = 1.0 if foot == "right" else -1.0

        def to_pic(xy: np.ndarray) -> np.ndarray:
            return np.column_stack([sgn * xy[:, 1], xy[:, 0]])
    else:

        def to_pic(xy: np.ndarray) -> np.ndarray:
            return xy

    palette = [
        "#000000",
        "#d62728",
        "#1f77b4",
        "#2ca02c",
        "#9467bd",
        "#8c564b",
        "#e377c2",
        "#17becf",
        "#bcbd22",
        "#ff7f0e",
    ]
    for k, region in enumerate(mask.regions):
        geom = region.geometry
        if geom is None or geom.is_empty:
            continue
        parts = getattr(geom, "geoms", [geom])
        colour = palette[k % len(palette)]
        for part in parts:
            if part.geom_type != "Polygon":
                continue
            ring = to_pic(np.asarray(part.exterior.coords))
            ax.plot(ring[:, 0], ring[:, 1], color=colour, linewidth=1.3)
        c = to_pic(np.asarray(geom.representative_point().coords))
        ax.text(
            c[0, 0],
            c[0, 1],
            region.id,
            fontsize=6,
            ha="center",
            va="center",
            color=colour,
            bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.7},
        )


def curves_figure(
    curves: WholeFootCurves | Sequence[WholeFootCurves],
    *,
    title: str | None = None,
    rejected: Sequence[int] = (),
):
    """Force, peak pressure and contact area over time for one or more sides, each detected
    step shaded (rejected step numbers hatched grey). Returns a matplotlib Figure."""
    items = [curves] if isinstance(curves, WholeFootCurves) else list(curves)
    fig = _figure(8.0, 6.0)
    axes = fig.subplots(3, 1, sharex=True)
    colours = {"left": "#1f77b4", "right": "#d62728"}
    for c in items:
        col = colours.get(c.side, "#333333")
        for ax, y, lab in zip(
            axes,
            (c.force_n, c.peak_kpa, c.area_cm2),
            ("force (N)", "peak pressure (kPa)", "contact area (cm²)"),
            strict=True,
        ):
            ax.plot(c.times_s, y, color=col, linewidth=1.0, label=c.side)
            ax.set_ylabel(lab, fontsize=8)
        if np.isfinite(c.threshold_n):
            axes[0].axhline(c.threshold_n, color=col, linestyle=":", linewidth=0.8)
        for st in c.steps:
            t0, t1 = c.times_s[st.start], c.times_s[st.stop]
            bad = st.number in rejected
            for ax in axes:
                ax.axvspan(t0, t1, color="#999999" if bad else col, alpha=0.12, hatch="//" if bad else None)
            axes[0].text(
                0.5 * (t0 + t1),
                np.nanmax(c.force_n) * 1.02,
                str(st.number),
                ha="center",
                fontsize=7,
                color=col,
            )
    axes[-1].set_xlabel("time (s)")
    if len(items) > 1:
        axes[0].legend(fontsize=7, loc="upper right")
    for ax in axes:
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    fig.suptitle(title or "whole-foot curves (steps shaded)", fontsize=10)
    return fig


# ---------------------------------------------------------------------------------- animation
@dataclass(eq=False)
class _FootCanvas:
    side: str  # recording side
    x0: int  # left pixel of this foot in the picture
    idx: np.ndarray  # (H, W) sensel index under each pixel, -1 none
    sole: np.ndarray  # (H, W) bool


class MapAnimator:
    """Paints frames of a recording on the foot map as RGB images (fast: the pixel → sensel map
    is computed once; each frame is one table look-up).

    Parameters
    ----------
    recording : the trial; all its sides are drawn side by side (left foot on the left).
    layer : atlas layer whose area outlines are drawn (None: the sole outline only).
    px_per_mm : picture scale.
    value_range : (lo, hi) kPa of the colour scale; default 0 … the trial's peak.
    """

    def __init__(
        self,
        recording: Recording,
        *,
        layer: str | None = "pressure-regions",
        px_per_mm: float = 1.6,
        value_range: tuple[float, float] | None = None,
    ) -> None:
        from matplotlib import colormaps
        from PIL import Image, ImageDraw

        from solemap.atlas import load_atlas
        from solemap.outline import sole_uv

        self.recording = recording
        regs = {s: side_registration(recording, s) for s in recording.sides}
        order = sorted(recording.sides, key=lambda s: 0 if regs[s].side == "left" else 1)
        sole = sole_uv()
        margin = 6.0
        extents = {s: FootFrame(regs[s].side, regs[s].dims).view_extent() for s in order}
        height_mm = max(e[3] - e[1] for e in extents.values()) + 2 * margin
        h = int(np.ceil(height_mm * px_per_mm / 2) * 2) + 24  # room for the time bar
        canvases: list[_FootCanvas] = []
        x_px = 0
        widths = []
        for s in order:
            xmin, _, xmax, _ = extents[s]
            widths.append(int(np.ceil((xmax - xmin + 2 * margin) * px_per_mm)))
        w = int(np.ceil(sum(widths) / 16) * 16)
        h = int(np.ceil(h / 16) * 16)  # H.264 encoders want multiples of 16
        outline_img = Image.new("RGBA", (w, h), (0, 0, 0, 0))
        draw = ImageDraw.Draw(outline_img)
        atlas = load_atlas() if layer else None
        for s, wpx in zip(order, widths, strict=True):
            reg = regs[s]
            fr = reg.frame
            xmin, ymin, _, _ = extents[s]
            px = (np.arange(wpx) + 0.5) / px_per_mm + xmin - margin
            py = (np.arange(h - 24) + 0.5) / px_per_mm + ymin - margin
            gx, gy = np.meshgrid(px, py)
            u, v = fr.view_to_uv(gx, gy)
            on = shapely.contains_xy(sole, u, v)
            idx = np.where(on, uv_index(recording, s, reg, u, v), -1)
            canvases.append(_FootCanvas(s, x_px, idx, on))

            def to_px(
                coords: np.ndarray,
                fr: FootFrame = fr,
                xmin: float = xmin,
                ymin: float = ymin,
                x_px: int = x_px,
            ) -> list[tuple[float, float]]:
                vx, vy = fr.uv_to_view(coords[:, 0], coords[:, 1])
                return list(
                    zip(
                        (vx - xmin + margin) * px_per_mm + x_px, (vy - ymin + margin) * px_per_mm, strict=True
                    )
                )

            geoms = [sole]
            if atlas is not None and layer is not None:
                geoms += [
                    a.geometry for a in atlas.areas_in(layer=layer, side=reg.side) if a.geometry is not None
                ]
            for g in geoms:
                for part in getattr(g, "geoms", [g]):
                    if part.geom_type == "Polygon":
                        draw.line(to_px(np.asarray(part.exterior.coords)), fill=(60, 50, 40, 255), width=1)
                    elif part.geom_type == "LineString":
                        draw.line(to_px(np.asarray(part.coords)), fill=(60, 50, 40, 160), width=1)
            x_px += wpx
        self.size = (w, h)
        self._canvases = canvases
        self._lut = (colormaps["turbo"](np.linspace(0, 1, 256))[:, :3] * 255).astype(np.uint8)
        if value_range is None:
            top = max(float(np.nanmax(footprint(recording, s))) for s in recording.sides)
            value_range = (0.0, top if np.isfinite(top) and top > 0 else 1.0)
        self.value_range = value_range
        # Colour scale (fixed for the whole animation) above the time bar, right-aligned.
        bar_w, y0 = min(100, w // 3), h - 23
        hi_text = f"{value_range[1]:.0f} kPa"
        x_hi = w - 6 - int(draw.textlength(hi_text))
        x0 = x_hi - 4 - bar_w
        ramp = self._lut[np.linspace(0, 255, bar_w).astype(int)]
        for i, (r, g, b) in enumerate(ramp):
            draw.line([(x0 + i, y0), (x0 + i, y0 + 7)], fill=(int(r), int(g), int(b), 255))
        draw.text((x_hi, y0 - 2), hi_text, fill=(60, 50, 40, 255))
        lo_text = f"{value_range[0]:.0f}"
        draw.text((x0 - 4 - int(draw.textlength(lo_text)), y0 - 2), lo_text, fill=(60, 50, 40, 255))
        self._outline = np.asarray(outline_img)

    def frame(self, t: int) -> np.ndarray:
        """(H, W, 3) uint8 RGB picture of frame ``t``."""
        w, h = self.size
        img = np.full((h, w, 3), 255, np.uint8)
        lo, hi = self.value_range
        for c in self._canvases:
            vals = np.asarray(self.recording.pressure(c.side)[t], dtype=np.float32).reshape(-1)
            hh, ww = c.idx.shape
            sub = img[:hh, c.x0 : c.x0 + ww]
            sub[c.sole] = (246, 239, 230)
            pix = c.idx >= 0
            v = vals[c.idx[pix]]
            loaded = v > 0
            level = np.clip((v - lo) / (hi - lo if hi > lo else 1.0) * 255, 0, 255).astype(np.uint8)
            rgb = self._lut[level]
            target = sub[pix]
            target[loaded] = rgb[loaded]
            sub[pix] = target
        alpha = self._outline[..., 3:4].astype(np.float32) / 255.0
        img = (img * (1 - alpha) + self._outline[..., :3] * alpha).astype(np.uint8)
        # Time bar along the bottom: progress through the trial.
        n = self.recording.n_frames
        done = round((t + 1) / max(n, 1) * w)
        img[h - 10 : h - 4, :done] = (107, 91, 78)
        img[h - 10 : h - 4, done:] = (225, 220, 212)
        return img


def animate(
    recording: Recording,
    path: str | PathLike[str],
    *,
    fps: float | None = None,
    every: int | None = None,
    layer: str | None = "pressure-regions",
    px_per_mm: float = 1.6,
    frames: slice | None = None,
    value_range: tuple[float, float] | None = None,
) -> int:
    """Write an animation of the trial on the foot map; GIF or MP4 by the suffix of ``path``.

    ``every``: use every n-th frame (default: so that playback runs near real time at ≤ 25 fps);
    ``fps``: playback rate (default: real time for the chosen frames). Returns the number of
    frames written.
    """
    path = Path(path)
    fmt = path.suffix.lower()
    if fmt not in (".gif", ".mp4"):
        raise ValueError(f"animation format must be .gif or .mp4, got {path.suffix!r}")
    anim = MapAnimator(recording, layer=layer, px_per_mm=px_per_mm, value_range=value_range)
    rate = recording.sample_rate_hz
    every = every or max(1, round(rate / 25.0))
    fps = fps or rate / every
    sel = np.arange(recording.n_frames)[frames if frames is not None else slice(None)][::every]
    if sel.size == 0:
        raise ValueError("no frames to animate")
    if fmt == ".gif":
        from PIL import Image

        images = [Image.fromarray(anim.frame(int(t))) for t in sel]
        # GIF frame times are whole centiseconds; Pillow rounds the duration (ms).
        images[0].save(
            path,
            save_all=True,
            append_images=images[1:],
            duration=round(1000 / fps),
            loop=0,
            optimize=False,
        )
    else:
        import imageio.v2 as imageio

        with imageio.get_writer(
            path, fps=fps, codec="libx264", quality=7, macro_block_size=16, pixelformat="yuv420p"
        ) as writer:
            for t in sel:
                writer.append_data(anim.frame(int(t)))
    return int(sel.size)
