"""Error responses: JSON for the API (422 names the parameter, 404 the unknown id), a page for people.

FastAPI's own 422 body (``detail``: a list of ``{loc, msg, type}``) is kept so clients that know it
keep working; a ``message`` line is added that names the parameter in plain words.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

from solemap.web.templating import render_page


class ParameterError(Exception):
    """A request parameter that passed type checks but makes no sense (unknown layer, bad size).

    Answered with 422 and the same body shape as FastAPI's validation errors.
    """

    def __init__(self, param: str, message: str, location: str = "query") -> None:
        super().__init__(message)
        self.param = param
        self.message = message
        self.location = location


def _describe(loc: tuple[Any, ...] | list[Any]) -> str:
    # ("query", "u") -> "query parameter 'u'"; ("path", "area_id") -> "path parameter 'area_id'".
    if not loc:
        return "request"
    where, *rest = loc
    name = ".".join(str(p) for p in rest) or str(where)
    kinds = {"query": "query parameter", "path": "path parameter", "body": "field", "header": "header"}
    return f"{kinds.get(str(where), str(where))} {name!r}"


def validation_body(errors: list[dict[str, Any]]) -> dict[str, Any]:
    """The 422 body for a list of FastAPI-style errors: ``detail`` plus a readable ``message``."""
    parts = [f"{_describe(e.get('loc', ()))}: {e.get('msg', 'invalid value')}" for e in errors]
    return {"detail": jsonable_encoder(errors), "message": "; ".join(parts)}


def wants_html(request: Request) -> bool:
    """Whether to answer with a page rather than JSON (browsers asking for a non-API path)."""
    if request.url.path.startswith("/api/") or request.url.path == "/openapi.json":
        return False
    return "text/html" in request.headers.get("accept", "")


async def _on_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {k: v for k, v in e.items() if k in ("loc", "msg", "type", "input")} for e in exc.errors()
    ]
    return JSONResponse(validation_body(errors), status_code=422)


async def _on_parameter_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ParameterError)
    body = validation_body(
        [{"loc": [exc.location, exc.param], "msg": exc.message, "type": "value_error"}]
    )
    return JSONResponse(body, status_code=422)


async def _on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    headers = getattr(exc, "headers", None)
    if wants_html(request):
        titles = {404: "Page not found", 405: "Not allowed", 422: "Invalid request"}
        return render_page(
            request,
            "error.html",
            {
                "status": exc.status_code,
                "heading": titles.get(exc.status_code, "Something went wrong"),
                "detail": exc.detail if exc.status_code != 404 else None,
            },
            status_code=exc.status_code,
        )
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers above on ``app``."""
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(ParameterError, _on_parameter_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
