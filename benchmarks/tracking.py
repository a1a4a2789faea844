"""Ball tracking and batch throughput.

Prints
* ``realtime_factor_100hz=R``: recording duration / time of :func:`track_ball` for a 100 Hz insole
  (60 × 21 sensels, 5.08 mm) with a ball and a standing background (target ≥ 100);
* ``realtime_factor_750hz=R``: the same for a 750 Hz F-Scan-sized grid (target ≥ 10);
* ``batch_files_per_s_1_worker=X`` and ``batch_files_per_s_2_workers=Y``: files per second of
  :func:`run_batch` on a local Dask cluster of 1 and 2 worker processes, after each worker has
  analysed one file (so the one-off numba compilation per process is not counted; it is printed
  as ``worker_warmup_s``).

Tracking runs on one core (its kernel is serial; NUMBA_NUM_THREADS=1 is set for the workers).

    python benchmarks/tracking.py [--seconds 60] [--files 12]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("NUMBA_NUM_THREADS", "1")


def best_of(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def realtime_factor(rate: float, seconds: float, repeats: int) -> float:
    from solemap.recordings.simulate import simulate_rolling
    from solemap.recordings.tracking import track_ball

    path = [(0.12, 0.5), (0.45, 0.7), (0.72, 0.45), (0.72, 0.15), (0.2, 0.35)] * 3
    rec = simulate_rolling(sample_rate_hz=rate, duration_s=seconds, path=path, background_n=150.0, seed=0)
    track_ball(rec.select(frames=slice(0, 200)))  # compile / load caches
    t = best_of(lambda: track_ball(rec), repeats)
    return rec.duration_s / t


def _warm(path: str) -> float:
    from solemap.recordings.batch import analyse_file

    t0 = time.perf_counter()
    analyse_file(path, str(Path(path).parent))
    return time.perf_counter() - t0


def batch_rate(study: Path, n_workers: int) -> tuple[float, float]:
    from distributed import Client, LocalCluster

    from solemap.recordings.batch import find_recordings, run_batch

    first = str(find_recordings(study)[0])
    with (
        LocalCluster(
            n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        warm = client.run(_warm, first)
        result = run_batch(study, None, client=client)
    if result.failures:
        raise RuntimeError(f"batch failures: {result.failures}")
    return result.files_per_s, max(warm.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the simulated sessions")
    parser.add_argument("--files", type=int, default=12, help="files in the batch study")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    r100 = realtime_factor(100.0, args.seconds, args.repeats)
    print(f"realtime_factor_100hz={r100:.0f}", flush=True)
    r750 = realtime_factor(750.0, args.seconds / 3, args.repeats)
    print(f"realtime_factor_750hz={r750:.0f}", flush=True)

    from solemap.recordings.simulate import simulate_rolling, simulate_standing

    with tempfile.TemporaryDirectory() as tmp:
        study = Path(tmp)
        for i in range(args.files):
            sim = simulate_rolling if i % 2 == 0 else simulate_standing
            # A minute at 100 Hz each: per-file work, not task overhead, dominates (as in a study).
            sim(duration_s=60.0, sample_rate_hz=100.0, seed=i).save_npz(study / f"s{i:03d}.npz")
        one, warm1 = batch_rate(study, 1)
        two, warm2 = batch_rate(study, 2)
    print(f"batch_files_per_s_1_worker={one:.2f}")
    print(f"batch_files_per_s_2_workers={two:.2f}")
    print(f"worker_warmup_s={max(warm1, warm2):.1f}")


if __name__ == "__main__":
    main()
