"""Lookup speed: the label raster against shapely's ``contains_xy`` on the same random points.

Prints ``points_per_second=N`` (LabelRaster.labels on one core) and ``speedup_vs_shapely=R`` (the
time shapely needs to test every area of the layer on the same points, over the raster's time),
plus the same figures for an overlapping layer. Targets (issue 4): N >= 10 000 000, R >= 5.

    python benchmarks/lookup.py [--points 2000000] [--layer pressure-regions]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import shapely

from solemap.atlas import load_atlas
from solemap.lookup import LabelRaster


def best_of(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def measure(layer: str, n: int, repeats: int, seed: int = 0) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    u, v = rng.random(n), rng.random(n)
    atlas = load_atlas()
    raster = LabelRaster.for_layer(layer, "left")
    geoms = [atlas.get(a).geometry for a in raster.area_ids]
    for g in geoms:
        shapely.prepare(g)
    raster.labels(u[:1000], v[:1000])  # warm caches
    t_raster = best_of(lambda: raster.labels(u, v), repeats)
    t_shapely = best_of(lambda: [shapely.contains_xy(g, u, v) for g in geoms], repeats)
    # Same answer as shapely, point for point (the smallest containing area).
    member = np.column_stack([shapely.contains_xy(g, u, v) for g in geoms])
    sizes = np.where(member, raster.areas_uv[None, :], np.inf)
    expected = np.where(np.isfinite(sizes.min(axis=1)), sizes.argmin(axis=1), -1)
    mismatches = int((raster.labels(u, v) != expected).sum())
    return {
        "points_per_second": n / t_raster,
        "speedup_vs_shapely": t_shapely / t_raster,
        "mismatches": mismatches,
        "areas": len(geoms),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=2_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--layer", default="pressure-regions")
    parser.add_argument("--overlapping-layer", default="reflexology")
    args = parser.parse_args()
    main_fig = measure(args.layer, args.points, args.repeats)
    print(f"layer={args.layer} areas={main_fig['areas']} points={args.points}")
    print(f"points_per_second={main_fig['points_per_second']:.0f}")
    print(f"speedup_vs_shapely={main_fig['speedup_vs_shapely']:.1f}")
    print(f"mismatches_vs_shapely={main_fig['mismatches']}")
    other = measure(args.overlapping_layer, args.points, args.repeats)
    print(f"{args.overlapping_layer}_areas={other['areas']}")
    print(f"{args.overlapping_layer}_points_per_second={other['points_per_second']:.0f}")
    print(f"{args.overlapping_layer}_speedup_vs_shapely={other['speedup_vs_shapely']:.1f}")
    print(f"{args.overlapping_layer}_mismatches_vs_shapely={other['mismatches']}")


if __name__ == "__main__":
    main()
