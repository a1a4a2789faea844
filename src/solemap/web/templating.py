"""Jinja2 templates shared by every page of the web app.

Feature pages render with :func:`render_page`, which adds what ``base.html`` needs (navigation,
active page, app version). Templates live in ``solemap/web/templates`` and extend ``base.html``;
its blocks are ``title``, ``head``, ``content`` and ``scripts`` (script *files* only: the
Content-Security-Policy forbids inline scripts).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse
from starlette.routing import Match, Mount

import solemap

WEB_DIR = Path(__file__).resolve().parent
TEMPLATE_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"


@dataclass(frozen=True, slots=True)
class NavItem:
    """One entry of the site navigation; shown only once a page is served at ``path``."""

    key: str
    label: str
    path: str


NAVIGATION: tuple[NavItem, ...] = (
    NavItem("map", "Map", "/"),
    NavItem("routines", "Routines", "/routines"),
    NavItem("diary", "Diary", "/diary"),
    NavItem("recordings", "Recordings", "/recordings"),
    NavItem("about", "About", "/about"),
)


@cache
def templates() -> Jinja2Templates:
    """The shared template environment (built on first use, not at import)."""
    env = Jinja2Templates(directory=str(TEMPLATE_DIR))
    env.env.trim_blocks = True
    env.env.lstrip_blocks = True
    return env


def _serves_page(app: Any, path: str) -> bool:
    """Whether a GET of ``path`` reaches an endpoint (not a mount such as /static)."""
    scope = {
        "type": "http", "method": "GET", "path": path, "root_path": "", "query_string": b"", "headers": [],
    }
    for route in app.router.routes:
        if isinstance(route, Mount):
            continue
        match, _ = route.matches(scope)
        if match == Match.FULL:
            return True
    return False


def navigation(request: Request) -> list[NavItem]:
    """Navigation entries whose pages this app serves (features register their own routes)."""
    served = getattr(request.app.state, "nav_items", None)
    if served is None:
        served = [item for item in NAVIGATION if _serves_page(request.app, item.path)]
        request.app.state.nav_items = served
    return served


def render_page(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    active: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """Render template ``name`` with the base-layout context; ``active`` is a :data:`NAVIGATION` key."""
    ctx: dict[str, Any] = {
        "nav": navigation(request),
        "active": active,
        "version": solemap.__version__,
    }
    if context:
        ctx.update(context)
    return templates().TemplateResponse(request, name, ctx, status_code=status_code)
