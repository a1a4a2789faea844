"""Pictures of the diary: the first-step trend, the session calendar and the pain map.

Charts are drawn with matplotlib's object API (no pyplot state, safe in the web server's
threads) and returned as SVG text or PNG bytes; :func:`save` picks the format by file suffix.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import Any

from solemap.diary.analysis import Calendar, RoutineChange, first_step_daily, pain_map
from solemap.diary.records import PainRecord, SessionEntry

FORMATS = ("svg", "png")
_INK = "#1f2933"
_MUTED = "#7b8794"
_SCORE = "#c2410c"
_MEAN = "#1d4ed8"
_SESSION = "#0f766e"
PAIN_CMAP = "YlOrRd"


def _figure(width_in: float, height_in: float) -> Any:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_in, height_in), dpi=100, layout="constrained")
    fig.patch.set_facecolor("white")
    return fig


def _encode(fig: Any, fmt: str) -> str | bytes:
    if fmt not in FORMATS:
        raise ValueError(f"format: must be svg or png, got {fmt!r}")
    buf = io.BytesIO()
    fig.savefig(
        buf, format=fmt, dpi=150 if fmt == "png" else 100, metadata={"Date": None} if fmt == "svg" else {}
    )
    data = buf.getvalue()
    return data.decode("utf-8") if fmt == "svg" else data


def trend_chart(
    entries: Sequence[PainRecord],
    sessions: Sequence[SessionEntry],
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
    changes: Sequence[RoutineChange] = (),
    fmt: str = "svg",
    width_in: float = 9.0,
    height_in: float = 3.6,
) -> str | bytes:
    """First-step pain per morning with its 7-day mean; sessions as marks along the bottom.

    Returns SVG text (``fmt="svg"``) or PNG bytes.
    """
    import matplotlib.dates as mdates

    daily = first_step_daily(entries, since, until)
    fig = _figure(width_in, height_in)
    ax = fig.add_subplot()
    ax.set_ylim(-0.9, 10.4)
    ax.set_yticks(range(0, 11, 2))
    ax.set_ylabel("first-step pain (0–10)", color=_INK)
    for spine in ("top", "right"):
        ax.spines[spine].set_visible(False)
    ax.grid(axis="y", color="#e4e7eb", linewidth=0.8)
    ax.set_axisbelow(True)
    if daily.empty and not sessions:
        ax.text(
            0.5,
            0.5,
            "No first-step ratings in this period yet",
            ha="center",
            va="center",
            transform=ax.transAxes,
            color=_MUTED,
        )
        ax.set_xticks([])
        return _encode(fig, fmt)
    if not daily.empty:
        x = daily.index.to_pydatetime()
        ax.plot(
            x,
            daily["score"],
            linestyle="none",
            marker="o",
            markersize=4.5,
            color=_SCORE,
            label="first steps (each morning)",
        )
        ax.plot(x, daily["rolling"], color=_MEAN, linewidth=2.2, label="7-day mean")
    finished = [dt.datetime.combine(s.day, dt.time(12)) for s in sessions if s.outcome == "finished"]
    abandoned = [dt.datetime.combine(s.day, dt.time(12)) for s in sessions if s.outcome != "finished"]
    if finished:
        ax.plot(
            finished,
            [-0.45] * len(finished),
            linestyle="none",
            marker="|",
            markersize=11,
            markeredgewidth=2,
            color=_SESSION,
            label="session",
        )
    if abandoned:
        ax.plot(
            abandoned,
            [-0.45] * len(abandoned),
            linestyle="none",
            marker="x",
            markersize=6,
            color=_SESSION,
            label="session stopped early",
        )
    for change in changes:
        when = dt.datetime.combine(change.day, dt.time(0))
        ax.axvline(when, color=_MUTED, linestyle="--", linewidth=1)
        ax.annotate(
            f"routine: {change.after}",
            (when, 10.2),
            xytext=(3, 0),
            textcoords="offset points",
            fontsize=7,
            color=_MUTED,
            va="top",
        )
    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    if since and until:
        ax.set_xlim(
            dt.datetime.combine(since, dt.time(0)) - dt.timedelta(hours=12),
            dt.datetime.combine(until, dt.time(0)) + dt.timedelta(hours=12),
        )
    fig.legend(loc="outside lower center", fontsize=8, frameon=False, ncols=4)
    return _encode(fig, fmt)


def calendar_chart(calendar: Calendar, *, fmt: str = "svg") -> str | bytes:
    """Weeks as rows, weekdays as columns; a filled square per day with a session."""
    from matplotlib.patches import Rectangle

    n = len(calendar.weeks)
    fig = _figure(4.6, 0.6 + 0.34 * n)
    ax = fig.add_subplot()
    ax.set_xlim(0, 7)
    ax.set_ylim(n, 0)
    ax.set_aspect("equal")
    ax.axis("off")
    for col, name in enumerate("MTWTFSS"):
        ax.text(col + 0.5, -0.15, name, ha="center", va="bottom", fontsize=8, color=_MUTED)
    for row, week in enumerate(calendar.weeks):
        ax.text(-0.15, row + 0.5, f"{week[0].day:%d %b}", ha="right", va="center", fontsize=7, color=_MUTED)
        for col, day in enumerate(week):
            if not day.in_period:
                face, edge = "white", "#f0f2f4"
            elif day.finished:
                face, edge = _SESSION, _SESSION
            elif day.abandoned:
                face, edge = "#99d5cf", _SESSION
            else:
                face, edge = "#f5f7fa", "#cbd2d9"
            ax.add_patch(Rectangle((col + 0.08, row + 0.08), 0.84, 0.84, facecolor=face, edgecolor=edge))
            if day.sessions > 1 and day.in_period:
                ax.text(
                    col + 0.5,
                    row + 0.5,
                    str(day.sessions),
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white",
                )
    return _encode(fig, fmt)


def _svg_size(svg: str) -> tuple[float, float]:
    head = svg[: svg.index(">")]
    width = re.search(r'\swidth="([\d.]+)"', head)
    height = re.search(r'\sheight="([\d.]+)"', head)
    if not (width and height):
        raise ValueError("the foot map SVG has no width and height")
    return float(width.group(1)), float(height.group(1))


def pain_map_svg(
    entries: Sequence[PainRecord], *, layer: str | None = None, title: str | None = None, scale: float = 0.7
) -> str:
    """Both soles with each area of ``layer`` coloured by the mean pain reported there (0–10).

    Each foot is drawn on its own (left, then right, as seen from below) because the same area id
    can hurt on one foot and not the other; areas without any report stay grey. ``title=""``
    leaves the title out (for pages that have their own heading).
    """
    from matplotlib import colormaps

    from solemap.render import render_svg

    gathered = pain_map(entries, layer)
    feet = []
    for side in ("left", "right"):
        values = {a.area_id: a.mean_intensity for a in gathered.areas if a.side == side}
        # A foot with nothing reported is drawn as a bare sole: the renderer colours areas by
        # value only when some value exists, and grey areas would suggest a scale that is not there.
        svg = render_svg(
            side=side,
            layers=[gathered.layer] if values else [],
            values=values or None,
            value_label="/10",
            value_range=(0.0, 10.0),
            cmap=PAIN_CMAP,
            labels=False,
            legend=False,
        )
        feet.append((svg, *_svg_size(svg)))
    header, footer = (34.0 if title != "" else 8.0), 64.0
    width = sum(w for _, w, _ in feet) * scale
    height = max(h for _, _, h in feet) * scale + header + footer
    cmap = colormaps[PAIN_CMAP]
    stops = "".join(f'<stop offset="{k / 10:.1f}" stop-color="{_rgb_hex(cmap(k / 10))}"/>' for k in range(11))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.1f}" height="{height:.1f}" '
        f'viewBox="0 0 {width:.1f} {height:.1f}" font-family="DejaVu Sans, Arial, sans-serif" role="img" '
        f'aria-label="{escape(title or "Pain map")}">',
        '<rect width="100%" height="100%" fill="#ffffff"/>',
        f'<defs><linearGradient id="pain-scale">{stops}</linearGradient></defs>',
    ]
    if title != "":
        parts.append(
            f'<text x="{width / 2:.1f}" y="22" text-anchor="middle" font-size="15" fill="{_INK}">'
            f"{escape(title or 'Where it hurt')}</text>"
        )
    x = 0.0
    for svg, w, h in feet:
        inner = svg.replace("<svg ", f'<svg x="{x:.1f}" y="{header:.1f}" ', 1)
        inner = re.sub(r'(<svg [^>]*?)\swidth="[\d.]+"', rf'\1 width="{w * scale:.1f}"', inner, count=1)
        inner = re.sub(r'(<svg [^>]*?)\sheight="[\d.]+"', rf'\1 height="{h * scale:.1f}"', inner, count=1)
        parts.append(inner)
        x += w * scale
    y = height - footer + 14
    bar_x, bar_w = width / 2 - 110, 220.0
    parts += [
        f'<rect x="{bar_x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="11" fill="url(#pain-scale)" '
        f'stroke="#9aa5b1" stroke-width="0.5"/>',
        f'<text x="{bar_x - 6:.1f}" y="{y + 9:.1f}" text-anchor="end" font-size="10" fill="{_INK}">0</text>',
        f'<text x="{bar_x + bar_w + 6:.1f}" y="{y + 9:.1f}" font-size="10" fill="{_INK}">10</text>',
        f'<text x="{width / 2:.1f}" y="{y + 27:.1f}" text-anchor="middle" font-size="10" fill="{_MUTED}">'
        "mean pain reported in each area (0–10)</text>",
        f'<text x="{width / 2:.1f}" y="{y + 41:.1f}" text-anchor="middle" font-size="10" fill="{_MUTED}">'
        f"grey: nothing reported · areas: {escape(gathered.layer)}</text>",
        "</svg>",
    ]
    return "".join(parts)


def _rgb_hex(rgba: Sequence[float]) -> str:
    return "#" + "".join(f"{round(c * 255):02x}" for c in rgba[:3])


def pain_map_image(
    entries: Sequence[PainRecord], *, layer: str | None = None, fmt: str = "svg", title: str | None = None
) -> str | bytes:
    """:func:`pain_map_svg` as SVG text or PNG bytes."""
    svg = pain_map_svg(entries, layer=layer, title=title)
    if fmt == "svg":
        return svg
    if fmt == "png":
        from solemap.render import svg_to_png

        return svg_to_png(svg)
    raise ValueError(f"format: must be svg or png, got {fmt!r}")


def format_for(path: str | Path) -> str:
    """``svg`` or ``png`` from a file name, or a ValueError naming the output."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise ValueError(f"output: {Path(path).name!r} must end in .svg or .png")
    return suffix


def save(data: str | bytes, path: str | Path) -> Path:
    """Write chart ``data`` to ``path``."""
    path = Path(path)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path
