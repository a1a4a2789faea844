"""The app factory: ``create_app(settings)`` builds a new FastAPI app (tests build their own)."""

from __future__ import annotations

from functools import cache

from fastapi import FastAPI
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import Response
from starlette.staticfiles import StaticFiles

import solemap
from solemap.web.errors import install_error_handlers
from solemap.web.maps import MapRenderer
from solemap.web.routes import about, api, diary, docs, pressure_tools, recordings, routines, tools
from solemap.web.routes import map as map_page
from solemap.web.security import SecurityHeadersMiddleware
from solemap.web.settings import Settings
from solemap.web.templating import STATIC_DIR

DESCRIPTION = """\
A sourced map of the sole of the foot. Coordinates are in the normalized plantar frame:
`u` runs from the back of the heel (0) to the tip of the longest toe (1), `v` from the medial,
big-toe border (0) to the lateral border (1); the same numbers serve both feet. Lengths are in mm.

Every area carries an evidence label: reflexology areas are *traditional claims* (what the
tradition teaches, not evidence that it works); anatomy is *anatomy*; trigger points and their
referred pain come from manual-therapy textbooks (*expert opinion*).
"""


@cache
def _favicon_bytes() -> bytes:
    return (STATIC_DIR / "favicon.ico").read_bytes()


def create_app(settings: Settings | None = None) -> FastAPI:
    """A new web app; ``settings`` default to the ``SOLEMAP_*`` environment variables."""
    settings = settings if settings is not None else Settings.from_env()
    app = FastAPI(
        title="solemap",
        version=solemap.__version__,
        description=DESCRIPTION,
        docs_url=None,  # Swagger UI from a CDN would break the CSP: routes/docs.py serves it locally
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    app.state.map_renderer = MapRenderer(settings.svg_cache_size)

    # Compress bigger text answers (pages, area lists); small JSON is cheaper to send as it is.
    # The map SVGs arrive compressed already (maps.MapRenderer) and are left alone.
    app.add_middleware(GZipMiddleware, minimum_size=4096, compresslevel=5)
    app.add_middleware(SecurityHeadersMiddleware)
    install_error_handlers(app)

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    docs.mount_assets(app)

    # Features: one router each.
    app.include_router(map_page.router)
    app.include_router(api.router)
    app.include_router(about.router)
    app.include_router(docs.router)
    app.include_router(routines.router)
    app.include_router(recordings.router)
    app.include_router(diary.router)
    app.include_router(pressure_tools.router)
    app.include_router(tools.router)

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> Response:
        # Browsers ask for it on every first visit; 2 kB kept in memory, cached by the browser.
        return Response(
            _favicon_bytes(), media_type="image/x-icon", headers={"Cache-Control": "public, max-age=86400"}
        )

    return app
