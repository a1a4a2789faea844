"""The API documentation page: Swagger UI served from this server, not from a CDN.

FastAPI's built-in page loads Swagger UI from a CDN and starts it with an inline script; both are
blocked by our Content-Security-Policy. The ``fastapi-offline`` package ships the Swagger UI 5 files
(version 5 reads the OpenAPI 3.1 schema FastAPI writes); we serve only those files, and a small
script file of ours starts the UI.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from starlette.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

from solemap.web.templating import render_page

router = APIRouter(include_in_schema=False)

ASSET_PATH = "/docs/assets"


def _swagger_dir() -> Path:
    import fastapi_offline

    return Path(fastapi_offline.__file__).resolve().parent / "static"


def mount_assets(app: FastAPI) -> None:
    """Serve the Swagger UI files under :data:`ASSET_PATH`."""
    app.mount(ASSET_PATH, StaticFiles(directory=_swagger_dir()), name="docs-assets")


@router.get("/docs", response_class=HTMLResponse)
def api_docs(request: Request) -> HTMLResponse:
    """The interactive API reference, generated from ``/openapi.json``."""
    return render_page(request, "docs.html", {"asset_path": ASSET_PATH}, active=None)
