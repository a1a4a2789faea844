"""Batch analysis of a study: every recording in a folder tree, on a Dask cluster, one tidy table.

>>> from solemap.recordings.batch import run_batch
>>> result = run_batch("study/", "metrics.parquet", n_workers=2)      # doctest: +SKIP
>>> result.failures                                                   # doctest: +SKIP
[('P07/trial3.asf', 'RecordingError: ... line 12: expected 21 values')]

Each file is one task (:func:`analyse_file`), run by ``dask.distributed`` on a local cluster by
default or on the cluster of a scheduler address (``tcp://host:8786``). A task never raises: a file
that cannot be read or analysed comes back as a failure with its message, and the batch goes on.
The table has the columns of :func:`solemap.recordings.analysis.analyze` — ``file`` (relative to
the study folder), ``side``, ``step``, ``region``, ``metric``, ``value``, ``unit`` — plus, for grid
recordings, ball-tracking summary rows (``region`` = ``ball``) and strain-peak rows (``region`` =
an anatomy area id holding a peak, ``metric`` = ``strain_peak_prominence``).

Workers need solemap installed (the same version) and read access to the files at the same path.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["COLUMNS", "BatchResult", "analyse_file", "find_recordings", "run_batch"]

COLUMNS = ["file", "side", "step", "region", "metric", "value", "unit"]

#: Tracking summary metrics written per grid side: (summary key, metric name, unit).
_BALL_METRICS = (
    ("confidence", "ball_confidence", "1"),
    ("tracked_s", "ball_tracked_time", "s"),
    ("path_length_mm", "ball_path_length", "mm"),
    ("peak_pressure_kpa", "ball_peak_pressure", "kPa"),
)


def _suffixes() -> set[str]:
    from solemap.recordings.io import FORMATS

    return {s.lower() for info in FORMATS.values() for s in info.suffixes}


def find_recordings(study_dir: str | os.PathLike[str]) -> list[Path]:
    """Files under ``study_dir`` (recursively, sorted) whose suffix is a recording format's.

    Hidden files and folders (starting with ".") are skipped.
    """
    root = Path(study_dir)
    if not root.is_dir():
        raise NotADirectoryError(f"{root}: not a folder")
    known = _suffixes()
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            p = Path(dirpath, name)
            if not name.startswith(".") and p.suffix.lower() in known:
                out.append(p)
    return sorted(out)


def analyse_file(
    path: str, root: str, layer: str = "pressure-regions", track: bool = True, peaks: bool = True
) -> dict[str, Any]:
    """Analyse one file; never raises. Returns ``{"file", "rows": [...], "error": str | None,
    "seconds"}`` with rows in :data:`COLUMNS` order."""
    import numpy as np

    from solemap.recordings import read_recording
    from solemap.recordings.analysis import run_analysis

    rel = os.path.relpath(path, root)
    t0 = time.perf_counter()
    rows: list[tuple[Any, ...]] = []
    try:
        rec = read_recording(path)
        result = run_analysis(rec, layer)
        for r in result.table.itertuples(index=False):
            step = None if r.step is pd.NA or r.step is None else int(r.step)
            rows.append((rel, r.side, step, r.region, r.metric, float(r.value), r.unit))
        if rec.kind == "grid":
            for side_result in result.sides:
                s = side_result.side
                foot = side_result.foot
                if track:
                    from solemap.recordings.tracking import track_ball

                    summary = track_ball(rec, s, registration=side_result.registration).summary()
                    for key, metric, unit in _BALL_METRICS:
                        value = summary.get(key)
                        rows.append(
                            (
                                rel,
                                foot,
                                None,
                                "ball",
                                metric,
                                float("nan") if value is None else float(value),
                                unit,
                            )
                        )
                    rows.append(
                        (
                            rel,
                            foot,
                            None,
                            "ball",
                            "ball_speed_median",
                            float(summary["speed_mm_s"]["median"] or np.nan),
                            "mm/s",
                        )
                    )
                if peaks:
                    from solemap.recordings.peaks import strain_peaks

                    pk = strain_peaks(rec, s, registration=side_result.registration, layers=["anatomy"])
                    for p in pk.peaks:
                        for area in p.areas.get("anatomy", []):
                            rows.append(
                                (rel, foot, None, area, "strain_peak_prominence", p.prominence, pk.unit)
                            )
    except Exception as exc:
        return {
            "file": rel,
            "rows": [],
            "error": f"{type(exc).__name__}: {exc}",
            "seconds": time.perf_counter() - t0,
        }
    return {"file": rel, "rows": rows, "error": None, "seconds": time.perf_counter() - t0}


@dataclass
class BatchResult:
    """What :func:`run_batch` did: the table, the files, the failures (file, message)."""

    table: pd.DataFrame
    files: list[str]
    failures: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    output: Path | None = None

    @property
    def files_per_s(self) -> float:
        return len(self.files) / self.seconds if self.seconds > 0 else float("nan")


def _table(rows: Iterable[tuple[Any, ...]]) -> pd.DataFrame:
    table = pd.DataFrame(list(rows), columns=COLUMNS)
    table["step"] = table["step"].astype("Int64")
    table["value"] = table["value"].astype("float64")
    for col in ("file", "side", "region", "metric", "unit"):
        table[col] = table[col].astype("string")
    return table


def run_batch(
    study_dir: str | os.PathLike[str],
    output: str | os.PathLike[str] | None = None,
    *,
    scheduler: str | None = None,
    n_workers: int = 2,
    threads_per_worker: int = 1,
    processes: bool = True,
    layer: str = "pressure-regions",
    track: bool = True,
    peaks: bool = True,
    progress: Callable[[int, int, str, str | None], None] | None = None,
    client: Any = None,
) -> BatchResult:
    """Analyse every recording under ``study_dir`` on Dask and write one Parquet table.

    Parameters
    ----------
    study_dir : folder tree of recordings (:func:`find_recordings`).
    output : Parquet file to write (pyarrow); None = only return the table.
    scheduler : address of a running Dask scheduler (``tcp://host:8786``); default: a
        ``LocalCluster`` of ``n_workers`` workers × ``threads_per_worker`` threads, in separate
        processes unless ``processes`` is False.
    layer : atlas layer of the regions; ``track`` / ``peaks`` add the ball and strain-peak rows.
    progress : called as ``progress(done, total, file, error)`` after each file.
    client : an existing ``distributed.Client`` to use (the caller keeps it open).
    """
    from distributed import Client, LocalCluster, as_completed

    root = Path(study_dir)
    paths = find_recordings(root)
    t0 = time.perf_counter()
    own_cluster = None
    own_client = None
    if client is None:
        if scheduler:
            own_client = Client(scheduler)
        else:
            own_cluster = LocalCluster(
                n_workers=n_workers,
                threads_per_worker=threads_per_worker,
                processes=processes,
                dashboard_address=None,
            )
            own_client = Client(own_cluster)
        client = own_client
    rows: list[tuple[Any, ...]] = []
    failures: list[tuple[str, str]] = []
    done: list[str] = []
    try:
        futures = client.map(
            analyse_file,
            [str(p) for p in paths],
            root=str(root),
            layer=layer,
            track=track,
            peaks=peaks,
            pure=False,
        )
        names = {f.key: os.path.relpath(p, root) for f, p in zip(futures, paths, strict=True)}
        for fut in as_completed(futures):
            name = names[fut.key]
            try:
                res = fut.result()
            except Exception as exc:
                res = {"file": name, "rows": [], "error": f"{type(exc).__name__}: {exc}"}
            done.append(res["file"])
            if res["error"]:
                failures.append((res["file"], res["error"]))
            rows.extend(res["rows"])
            if progress is not None:
                progress(len(done), len(paths), res["file"], res["error"])
    finally:
        if own_client is not None:
            own_client.close()
        if own_cluster is not None:
            own_cluster.close()
    table = (
        _table(rows).sort_values(["file", "side", "region", "metric"], kind="stable").reset_index(drop=True)
    )
    out_path = None
    if output is not None:
        out_path = Path(output)
        out_path.parent.mkdir(parents=True, exist_ok=True)
        table.to_parquet(out_path, engine="pyarrow", index=False)
    failures.sort()
    return BatchResult(table, sorted(done), failures, time.perf_counter() - t0, out_path)
