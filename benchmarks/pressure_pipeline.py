"""Timings of the pressuRe-style pipeline on the shared sample files.

Prints, each the best of several runs (seconds):

* ``seconds_load_pedar``    — read ``pedar_example.asc`` (1505 frames × 2 × 99 sensors);
* ``seconds_masks_pedar``   — build ``pedar_mask1`` for both insoles and their sensor weights;
* ``seconds_metrics_pedar`` — peak pressure, both PTIs, FTI and peak force for every step of
  both insoles and every mask region (steps detected as pressuRe's ``threshold_event``);
* ``seconds_load_fscan``    — read ``fscan_testL.asf`` (562 KB, 205 frames of 60 × 21);

and the ratios against pressuRe's published timings for the same steps (about 0.27 s, 6.6 s,
1.5 s per metric × 5 metrics, and 3.3 s), which were measured by pressuRe's authors on a
comparable machine, **not here**. Run from the repository root: ``python benchmarks/pressure_pipeline.py``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT.parent / "shared" / "data" / "recordings"

#: pressuRe's published timings (s) for the same operations; not measured by this script.
PRESSURE_REFERENCE_S = {
    "seconds_load_pedar": 0.27,
    "seconds_masks_pedar": 6.6,
    "seconds_metrics_pedar": 1.5 * 5,
    "seconds_load_fscan": 3.3,
}
FIVE = ("peak_pressure", "pti_peak", "pti_mean", "fti", "max_force")


def best(fn, repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> int:
    from solemap.recordings import read_recording
    from solemap.recordings.metrics import iter_chunks, region_curves, summarize
    from solemap.recordings.pressure_masks import make_mask
    from solemap.recordings.steps import detect_steps

    pedar_path, fscan_path = SAMPLES / "pedar_example.asc", SAMPLES / "fscan_testL.asf"
    for p in (pedar_path, fscan_path):
        if not p.exists():
            print(f"error: {p} is missing (../shared/data/recordings)", file=sys.stderr)
            return 2
    rec = read_recording(pedar_path)  # warm-up: imports and caches of the readers

    def masks():
        for side in rec.sides:
            make_mask("pedar_mask1", rec, side).weights(rec, side)

    weights = {s: make_mask("pedar_mask1", rec, s).weights(rec, s) for s in rec.sides}
    dt = 1.0 / rec.sample_rate_hz

    def metrics() -> int:
        n = 0
        for side in rec.sides:
            p = rec.pressure(side)
            area = rec.sensor_areas_mm2(side) * 1e-6
            w = weights[side]
            curves = region_curves(iter_chunks(p, 4096), p.shape[0], w, area, rec.layout(side).positions_mm)
            for st in detect_steps(curves.total_force_n):
                win = st.frames()
                smax = np.nanmax(p[win], axis=0)
                vals = summarize(
                    curves.force_n[win],
                    curves.contact_area_m2[win],
                    curves.peak_kpa[win],
                    smax,
                    w.weights,
                    area,
                    dt,
                )
                n += sum(vals[name].size for name in FIVE)
        return n

    n_values = metrics()  # warm-up: compiles the numba kernel once
    figures = {
        "seconds_load_pedar": best(lambda: read_recording(pedar_path)),
        "seconds_masks_pedar": best(masks),
        "seconds_metrics_pedar": best(metrics),
        "seconds_load_fscan": best(lambda: read_recording(fscan_path)),
    }
    for key, value in figures.items():
        print(f"{key}={value:.5f}")
    print(f"# metrics: {n_values} values (5 metrics x all steps of both insoles x 4 regions)")
    print("# ratios against pressuRe's published timings on a comparable machine (not measured here):")
    for key, value in figures.items():
        ratio = PRESSURE_REFERENCE_S[key] / value
        print(
            f"speedup_{key.removeprefix('seconds_')}_vs_pressure={ratio:.1f}  "
            f"(pressuRe {PRESSURE_REFERENCE_S[key]:g} s){'' if ratio >= 50 else '  [below the 50x goal]'}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
