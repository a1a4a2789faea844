"""Pictures: footprints on the foot map, sensor figures with masks, curves, GIF and MP4."""

from __future__ import annotations

import numpy as np
import pytest

from solemap.recordings import Recording
from solemap.recordings.pictures import (
    MapAnimator,
    animate,
    curves_figure,
    footprint_svg,
    save_figure,
    sensor_figure,
)
from solemap.recordings.pressure_masks import make_mask
from solemap.recordings.signals import whole_foot_curves

PNG = b"\x89PNG\r\n\x1a\n"


def test_footprint_on_the_map(pedar, out_dir):
    from solemap.render import svg_to_png

    svg = footprint_svg(pedar, kind="peak", layers=["pressure-regions"])
    assert svg.count('class="value-raster"') == 2  # both feet carry a footprint image
    assert 'id="foot-left"' in svg and 'id="foot-right"' in svg
    assert "kPa" in svg
    png = svg_to_png(svg)
    assert png.startswith(PNG)
    (out_dir / "footprint_map_pedar.png").write_bytes(png)
    frame_svg = footprint_svg(pedar, kind="frame", frame=400, side="left")
    assert frame_svg.count('class="value-raster"') == 1


def test_sensor_figures_with_masks(pedar, emed, out_dir):
    for rec, scheme, name in ((pedar, "pedar_mask3", "pedar"), (emed, "automask_novel", "emed")):
        side = rec.sides[0]
        fig = sensor_figure(rec, side, mask=make_mask(scheme, rec, side))
        data = save_figure(fig, out_dir / f"mask_{name}.png")
        assert data.startswith(PNG)
        texts = {t.get_text() for t in fig.axes[0].texts}
        assert {"hallux", "lesser_toes"} <= texts
        svg = save_figure(fig, fmt="svg")
        assert svg.lstrip().startswith(b"<?xml")


def test_curves_figure(pedar, out_dir):
    curves = [whole_foot_curves(pedar, s) for s in pedar.sides]
    fig = curves_figure(curves, rejected=[2])
    assert save_figure(fig, out_dir / "curves_pedar.png").startswith(PNG)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.texts]
    assert labels.count("1") == 2  # step 1 of each side is numbered on the force curve
    with pytest.raises(ValueError, match="png, svg or pdf"):
        save_figure(fig, fmt="jpg")


def test_animator_paints_the_loaded_sensels():
    # One loaded sensel in the middle of a 30 × 12 grid of 8 mm: a pixel over it is coloured, the
    # sole elsewhere keeps the background colour.
    p = np.zeros((3, 30, 12), np.float32)
    p[:, 2:28, 2:10] = 20.0  # a foot-shaped block so that registration has a print
    p[1, 15, 6] = 400.0
    rec = Recording.from_array(p, sample_rate_hz=10, pitch_mm=(8.0, 8.0), side="right")
    anim = MapAnimator(rec, layer=None, value_range=(0.0, 400.0))
    img0, img1 = anim.frame(0), anim.frame(1)
    assert img0.shape[2] == 3 and img0.shape[0] % 16 == 0 and img0.shape[1] % 16 == 0
    diff = np.any(img0 != img1, axis=-1)
    # only the pixels under the changed sensel (and the time bar) differ between the two frames
    rows = np.flatnonzero(diff[:-12].any(axis=1))
    assert rows.size > 0
    sensel_px = 8.0 * 1.6  # one sensel spans ≈ 13 px at 1.6 px/mm
    assert np.ptp(rows) <= 1.5 * sensel_px
    top = anim._lut[255]
    assert np.any(np.all(img1[:-12][diff[:-12]] == top, axis=-1)), "the 400 kPa sensel has the top colour"


def test_gif_and_mp4(pedar, out_dir):
    import imageio.v3 as iio
    from PIL import Image

    gif = out_dir / "pedar_steps.gif"
    n = animate(pedar, gif, frames=slice(340, 440), every=4)
    assert n == 25
    with Image.open(gif) as im:
        assert im.n_frames == 25
        im.seek(10)
        im.convert("RGB").save(out_dir / "pedar_gif_frame10.png")
    mp4 = out_dir / "pedar_steps.mp4"
    assert animate(pedar, mp4, frames=slice(340, 440), every=4, fps=10) == 25
    frames = iio.imread(mp4, plugin="pyav") if _has_pyav() else np.stack(list(_ffmpeg_frames(mp4)))
    assert frames.shape[0] == 25
    with pytest.raises(ValueError, match=r"\.gif or \.mp4"):
        animate(pedar, out_dir / "x.avi")


def _has_pyav() -> bool:
    try:
        import av  # noqa: F401
    except ImportError:
        return False
    return True


def _ffmpeg_frames(path):
    import imageio.v2 as imageio

    with imageio.get_reader(path) as reader:
        yield from reader
