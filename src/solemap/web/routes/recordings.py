"""Pressure recordings in the browser: upload a file, see the peak-pressure map on the foot, the
centre-of-pressure path and the metrics table; plus the JSON API ``POST /api/recordings/analyze``.

Uploads are streamed to a temporary file (readers sniff the content and need a path) with a size
limit, analysed with :func:`solemap.recordings.analysis.run_analysis` and deleted. Errors in the
file (unknown format, malformed content, raw counts) come back as one plain sentence: 400 on the
page and in the API, 413 when the file is too large.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from starlette.responses import JSONResponse, Response

from solemap.web.templating import render_page

router = APIRouter(tags=["recordings"])

#: Largest upload accepted (bytes). Exports of a few minutes are a few MB; 64 MB leaves room for
#: long Tekscan movies while keeping one request from filling the disk.
MAX_UPLOAD_BYTES = 64 * 1024 * 1024
_CHUNK = 1024 * 1024
_SAFE_SUFFIX = re.compile(r"^\.[A-Za-z0-9]{1,8}$")


class UploadError(Exception):
    """A problem with the uploaded file, reported to the user as one sentence."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def _layers() -> list[dict[str, str]]:
    from solemap.atlas import load_atlas

    return [{"id": lid, "name": layer.name} for lid, layer in load_atlas().layers.items()]


async def _save_upload(upload: UploadFile, folder: Path) -> Path:
    name = Path(upload.filename or "upload").name
    suffix = Path(name).suffix
    target = folder / ("recording" + (suffix if _SAFE_SUFFIX.match(suffix) else ""))
    size = 0
    with target.open("wb") as out:
        while chunk := await upload.read(_CHUNK):
            size += len(chunk)
            if size > MAX_UPLOAD_BYTES:
                raise UploadError(
                    f"the file is larger than the limit of {MAX_UPLOAD_BYTES // (1024 * 1024)} MB", 413
                )
            out.write(chunk)
    if size == 0:
        raise UploadError("the uploaded file is empty")
    return target


def _analyse(path: Path, display_name: str, layer: str, side: str | None):
    from solemap.recordings import RecordingError, read_recording
    from solemap.recordings.analysis import run_analysis
    from solemap.recordings.masks import LayerError, layer_ids
    from solemap.recordings.registration import RegistrationError

    if layer not in layer_ids():
        raise UploadError(f"unknown layer {layer!r}; layers: {', '.join(layer_ids())}", 422)
    if side is not None and side not in ("left", "right"):
        raise UploadError(f"side must be left or right, got {side!r}", 422)
    try:
        rec = read_recording(path)
        return run_analysis(rec, layer, side)
    except (RecordingError, RegistrationError, LayerError) as exc:
        # The messages name the temporary path; show the user's file name instead.
        raise UploadError(str(exc).replace(str(path), display_name)) from None


async def _run(file: UploadFile, layer: str, side: str | None):
    name = Path(file.filename or "upload").name
    with tempfile.TemporaryDirectory(prefix="solemap-upload-") as tmp:
        path = await _save_upload(file, Path(tmp))
        from starlette.concurrency import run_in_threadpool

        return name, await run_in_threadpool(_analyse, path, name, layer, side)


def _side(value: str | None) -> str | None:
    return value or None


@router.get("/recordings", include_in_schema=False)
def recordings_page(request: Request) -> Response:
    return render_page(
        request,
        "recordings/page.html",
        {
            "layers": _layers(),
            "layer": "pressure-regions",
            "side": "",
            "limit_mb": MAX_UPLOAD_BYTES // (1024 * 1024),
        },
        active="recordings",
    )


@router.post("/recordings", include_in_schema=False)
async def recordings_upload(
    request: Request,
    file: UploadFile = File(...),
    layer: str = Form("pressure-regions"),
    side: str = Form(""),
) -> Response:
    from solemap.recordings.report import report_context

    ctx: dict[str, Any] = {
        "layers": _layers(),
        "layer": layer,
        "side": side,
        "limit_mb": MAX_UPLOAD_BYTES // (1024 * 1024),
    }
    try:
        name, analysis = await _run(file, layer, _side(side))
    except UploadError as exc:
        ctx["error"] = exc.message
        return render_page(request, "recordings/page.html", ctx, active="recordings", status_code=exc.status)
    ctx["result"] = report_context(analysis, title=name)
    ctx["filename"] = name
    return render_page(request, "recordings/page.html", ctx, active="recordings")


SAMPLES = {
    "standing": "a simulated quiet-standing recording of a left foot (F-Scan-sized insole, 60 × 21 sensels)",
}


def _analyse_sample(kind: str, layer: str):
    from solemap.recordings.analysis import run_analysis
    from solemap.recordings.masks import layer_ids
    from solemap.recordings.simulate import simulate_standing

    if layer not in layer_ids():
        raise UploadError(f"unknown layer {layer!r}; layers: {', '.join(layer_ids())}", 422)
    # Seeded, so every visitor sees the same built-in sample; nothing is read from disk.
    return run_analysis(simulate_standing(side="left", seed=1), layer, None)


@router.get("/recordings/sample/{kind}", include_in_schema=False)
async def recordings_sample(request: Request, kind: str, layer: str = "pressure-regions") -> Response:
    """Analyse a built-in sample so that a first-time visitor sees what the page does."""
    from starlette.concurrency import run_in_threadpool

    from solemap.recordings.report import report_context

    ctx: dict[str, Any] = {
        "layers": _layers(),
        "layer": layer,
        "side": "",
        "limit_mb": MAX_UPLOAD_BYTES // (1024 * 1024),
    }
    if kind not in SAMPLES:
        ctx["error"] = f"there is no built-in sample called {kind!r}; try: {', '.join(SAMPLES)}"
        return render_page(request, "recordings/page.html", ctx, active="recordings", status_code=404)
    try:
        analysis = await run_in_threadpool(_analyse_sample, kind, layer)
    except UploadError as exc:
        ctx["error"] = exc.message
        return render_page(request, "recordings/page.html", ctx, active="recordings", status_code=exc.status)
    name = f"Built-in sample: {SAMPLES[kind]}"
    ctx["result"] = report_context(analysis, title=name)
    ctx["filename"] = name
    return render_page(request, "recordings/page.html", ctx, active="recordings")


@router.post("/api/recordings/analyze")
async def analyze_api(
    file: UploadFile = File(..., description="A pressure recording in any supported format."),
    layer: str = Form("pressure-regions", description="Atlas layer used as regions."),
    side: str = Form("", description="left or right (optional)."),
) -> JSONResponse:
    """Analyse an uploaded recording: the same object as ``solemap analyze --json``."""
    try:
        name, analysis = await _run(file, layer, _side(side))
    except UploadError as exc:
        raise HTTPException(exc.status, exc.message) from None
    body = analysis.to_json()
    body["recording"] = {"file": name, **body["recording"]}
    return JSONResponse(body)
