"""The solemap web app: an interactive foot map, an about page and a JSON API.

Build the app with :func:`solemap.web.app.create_app`; serve it with ``solemap serve``.
Nothing here does work at import time: the atlas and rendered maps load on first request.
"""

from __future__ import annotations

__all__ = ["Settings", "create_app"]


def __getattr__(name: str) -> object:
    # Lazy re-exports keep ``import solemap.web`` cheap (FastAPI is only imported when used).
    if name == "create_app":
        from solemap.web.app import create_app

        return create_app
    if name == "Settings":
        from solemap.web.settings import Settings

        return Settings
    raise AttributeError(f"module 'solemap.web' has no attribute {name!r}")
