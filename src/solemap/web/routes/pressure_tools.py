"""Pressure tools in the browser: play a trial frame by frame on the foot map, approve or reject
the detected steps on the force curve, draw or adjust region polygons on the footprint, save them
as a GeoJSON mask file and analyse the trial with it.

The uploaded trial is kept in memory under a random token (a small LRU store, see
:class:`TrialStore`) so that the page can ask for frames, sensors and metrics without sending the
file again. API (JSON unless said otherwise):

* ``POST /api/pressure-tools/trials`` (multipart ``file``) → token, sides, frames, rate, curves
  and steps per side.
* ``GET /api/pressure-tools/trials/{token}/frame/{t}.png`` → the frame painted on the foot map.
* ``GET /api/pressure-tools/trials/{token}/sensors?side=`` → sensor polygons in display
  coordinates, peak values, the display transform of the mask frame.
* ``GET /api/pressure-tools/trials/{token}/mask?side=&scheme=`` → a scheme's GeoJSON mask.
* ``POST /api/pressure-tools/trials/{token}/analyze`` (JSON: ``mask`` GeoJSON or scheme name,
  ``steps`` {side: [[first, last], …]}, ``partial``) → the metrics table rows.
"""

from __future__ import annotations

import secrets
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from fastapi import APIRouter, File, HTTPException, Request, UploadFile
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from solemap.web.templating import render_page

router = APIRouter(tags=["pressure tools"])

MAX_UPLOAD_BYTES = 64 * 1024 * 1024
#: Trials kept in memory at once (each holds its arrays and a frame painter, a few MB).
MAX_TRIALS = 8


@dataclass
class Trial:
    """One uploaded trial and what the page asked of it (built lazily)."""

    name: str
    recording: Any
    animator: Any = None
    lock: threading.Lock = field(default_factory=threading.Lock)


class TrialStore:
    """Least-recently-used store of uploaded trials, keyed by an unguessable token."""

    def __init__(self, size: int = MAX_TRIALS) -> None:
        self.size = size
        self._items: OrderedDict[str, Trial] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, trial: Trial) -> str:
        token = secrets.token_urlsafe(16)
        with self._lock:
            self._items[token] = trial
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return token

    def get(self, token: str) -> Trial:
        with self._lock:
            trial = self._items.get(token)
            if trial is None:
                raise HTTPException(404, "unknown or expired trial; upload the file again")
            self._items.move_to_end(token)
            return trial


def _store(request: Request) -> TrialStore:
    store = getattr(request.app.state, "pressure_trials", None)
    if store is None:
        store = request.app.state.pressure_trials = TrialStore()
    return store


@router.get("/pressure-tools", include_in_schema=False)
def pressure_tools_page(request: Request) -> Response:
    from solemap.recordings.pressure_masks import SCHEMES

    return render_page(
        request,
        "pressure/tools.html",
        {"schemes": list(SCHEMES), "limit_mb": MAX_UPLOAD_BYTES // (1024 * 1024)},
    )


def _read_upload(data: bytes, filename: str) -> Any:
    from solemap.recordings import RecordingError, read_recording

    # Keep the suffix (readers use it as a hint) only when it is plain letters and digits.
    suffix = Path(filename).suffix
    suffix = suffix if suffix[1:].isalnum() and len(suffix) <= 9 else ""
    with tempfile.TemporaryDirectory(prefix="solemap-pressure-") as tmp:
        path = Path(tmp) / ("trial" + suffix)
        path.write_bytes(data)
        try:
            rec = read_recording(path)
        except RecordingError as exc:
            raise HTTPException(400, str(exc).replace(str(path), filename)) from None
    if not rec.calibrated:
        raise HTTPException(400, "the values are raw sensor counts without a calibration to kPa")
    # Detach from the temporary file (memory-mapped arrays would point at a deleted file).
    return rec.select(frames=np.arange(rec.n_frames)) if rec.n_frames else rec


def _summary(token: str, trial: Trial) -> dict[str, Any]:
    from solemap.recordings.signals import whole_foot_curves

    rec = trial.recording
    return {
        "token": token,
        "name": trial.name,
        "format": rec.format,
        "kind": rec.kind,
        "sides": list(rec.sides),
        "frames": rec.n_frames,
        "sample_rate_hz": rec.sample_rate_hz,
        "curves": [whole_foot_curves(rec, s).to_json() for s in rec.sides],
    }


@router.post("/api/pressure-tools/trials")
async def upload_trial(
    request: Request, file: UploadFile = File(..., description="A pressure recording.")
) -> JSONResponse:
    data = bytearray()
    while chunk := await file.read(1 << 20):
        data += chunk
        if len(data) > MAX_UPLOAD_BYTES:
            raise HTTPException(413, f"the file is larger than {MAX_UPLOAD_BYTES // (1 << 20)} MB")
    if not data:
        raise HTTPException(400, "the uploaded file is empty")
    name = Path(file.filename or "upload").name
    rec = await run_in_threadpool(_read_upload, bytes(data), name)
    trial = Trial(name, rec)
    token = _store(request).add(trial)
    return JSONResponse(await run_in_threadpool(_summary, token, trial))


def _frame_png(trial: Trial, t: int) -> bytes:
    import io

    from PIL import Image

    from solemap.recordings.pictures import MapAnimator
    from solemap.recordings.registration import RegistrationError

    with trial.lock:
        if trial.animator is None:
            try:
                trial.animator = MapAnimator(trial.recording)
            except (RegistrationError, ValueError) as exc:
                # e.g. a print too small to find the foot: the page shows the reason, not a 500
                raise HTTPException(422, f"cannot place this trial on the foot map: {exc}") from None
        img = trial.animator.frame(t)
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


@router.get("/api/pressure-tools/trials/{token}/frame/{t}.png", response_class=Response)
async def frame_png(request: Request, token: str, t: int) -> Response:
    trial = _store(request).get(token)
    if not 0 <= t < trial.recording.n_frames:
        raise HTTPException(404, f"frame must lie in 0…{trial.recording.n_frames - 1}")
    png = await run_in_threadpool(_frame_png, trial, t)
    return Response(png, media_type="image/png", headers={"cache-control": "private, max-age=600"})


def _display_matrix(rec: Any, side: str) -> list[list[float]]:
    """2×2 matrix from the mask frame to display coordinates (SVG, y down; toes up)."""
    if rec.kind == "grid":
        return [[1.0, 0.0], [0.0, 1.0]]  # grid plane as exported: row 0 at the top
    sgn = -1.0 if side == "left" else 1.0  # insole mm: x heel → toe, y medial → lateral
    return [[0.0, sgn], [-1.0, 0.0]]


def _sensors(trial: Trial, side: str) -> dict[str, Any]:
    from solemap.recordings.signals import footprint
    from solemap.recordings.weights import grid_sensel_polygons

    rec = trial.recording
    if side not in rec.sides:
        raise HTTPException(422, f"side must be one of {', '.join(rec.sides)}")
    if rec.kind == "grid":
        polys = grid_sensel_polygons(rec.shape(side), rec.pitch_mm)
        frame = "grid_mm"
    else:
        lay = rec.layout(side)
        if lay.polygons is None:
            raise HTTPException(422, "this insole layout has no sensor polygons to draw")
        polys = lay.polygons
        frame = "insole_mm"
    m = np.asarray(_display_matrix(rec, side))
    peak = footprint(rec, side).reshape(-1)
    valid = np.asarray(rec.valid_mask(side)).reshape(-1)
    top = float(np.nanmax(peak)) if np.isfinite(peak).any() else 1.0
    sensors = []
    for i, (poly, ok) in enumerate(zip(polys, valid, strict=True)):
        if not ok:
            continue
        pts = np.asarray(poly, float) @ m.T
        val = peak[i]
        sensors.append(
            {
                "i": i,
                "points": np.round(pts, 2).tolist(),
                "value": None if not np.isfinite(val) else round(float(val), 2),
            }
        )
    return {
        "side": side,
        "frame": frame,
        "matrix": m.tolist(),
        "max_kpa": top,
        "sensors": sensors,
        "grid": {"shape": list(rec.shape(side)), "pitch_mm": list(rec.pitch_mm)}
        if rec.kind == "grid"
        else None,
    }


@router.get("/api/pressure-tools/trials/{token}/sensors")
async def sensors(request: Request, token: str, side: str) -> JSONResponse:
    trial = _store(request).get(token)
    return JSONResponse(await run_in_threadpool(_sensors, trial, side))


def _scheme_mask(trial: Trial, side: str, scheme: str) -> dict[str, Any]:
    from solemap.recordings.pressure_masks import MaskError, make_mask
    from solemap.recordings.registration import RegistrationError

    try:
        return make_mask(scheme, trial.recording, side).to_geojson()
    except (MaskError, RegistrationError, ValueError) as exc:
        raise HTTPException(422, str(exc)) from None


@router.get("/api/pressure-tools/trials/{token}/mask")
async def scheme_mask(request: Request, token: str, side: str, scheme: str) -> JSONResponse:
    trial = _store(request).get(token)
    if side not in trial.recording.sides:
        raise HTTPException(422, f"side must be one of {', '.join(trial.recording.sides)}")
    return JSONResponse(await run_in_threadpool(_scheme_mask, trial, side, scheme))


class AnalyzeRequest(BaseModel):
    """What to analyse: a mask (GeoJSON object or scheme name), approved steps, weighting."""

    mask: dict[str, Any] | str = Field(
        ..., description="GeoJSON mask (as saved by the page) or a scheme name."
    )
    steps: dict[str, list[tuple[int, int]]] | None = Field(
        None, description="side -> [[first_frame, last_frame], ...] (0-based, inclusive); default: detected."
    )
    partial: bool = Field(False, description="Fractional sensor weights instead of whole sensors only.")


def _analyze(trial: Trial, req: AnalyzeRequest) -> dict[str, Any]:
    import math

    import pandas as pd

    from solemap.recordings.pressure_masks import MaskError, PressureMask, analyze_with_mask
    from solemap.recordings.registration import RegistrationError

    try:
        mask = req.mask if isinstance(req.mask, str) else PressureMask.from_geojson(req.mask, where="mask")
        # numpy kernel: an interactive request should not wait for a JIT compilation
        table = analyze_with_mask(
            trial.recording, mask, steps=req.steps, partial=req.partial, backend="numpy"
        )
    except (MaskError, RegistrationError, ValueError) as exc:
        raise HTTPException(422, str(exc)) from None
    rows = []
    for rec in table.to_dict(orient="records"):
        step = rec["step"]
        value = rec["value"]
        rows.append(
            {
                "side": rec["side"],
                "step": None if pd.isna(step) else int(step),
                "region": rec["region"],
                "metric": rec["metric"],
                "value": None if not math.isfinite(value) else round(float(value), 4),
                "unit": rec["unit"],
            }
        )
    return {"rows": rows}


@router.post("/api/pressure-tools/trials/{token}/analyze")
async def analyze(request: Request, token: str, body: AnalyzeRequest) -> JSONResponse:
    trial = _store(request).get(token)
    return JSONResponse(await run_in_threadpool(_analyze, trial, body))
