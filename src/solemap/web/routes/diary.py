"""The diary in the browser: first-step pain in two taps, pain drawn on the map, charts, exports.

Forms are protected against cross-site request forgery with a double-submit token: the page
sets a random token in a ``SameSite=Strict`` cookie and in a hidden field (or the
``X-CSRF-Token`` header for the JSON API); a POST whose two copies are missing or differ is
refused with 403. Every write redirects afterwards (post/redirect/get), so reloading a page
never logs the same pain twice.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import secrets
import threading
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from solemap.diary import (
    Database,
    Diary,
    DiaryBusy,
    DiaryError,
    InvalidEntry,
    StorageError,
    analysis,
    charts,
    list_profiles,
)
from solemap.diary.exports import FORMATS, PDF_SECTIONS, Period, check_sections, export
from solemap.web.templating import render_page

router = APIRouter(tags=["diary"])

CSRF_COOKIE = "solemap_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
MEDIA_TYPES = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "json": ("application/json", "json"),
    "fhir": ("application/fhir+json", "fhir.json"),
    "pdf": ("application/pdf", "pdf"),
}
QUALITIES = ("sharp", "aching", "burning", "tingling")
_open_lock = threading.Lock()


# --- plumbing --------------------------------------------------------------------------------------------


def database(request: Request) -> Database:
    """The app's diary database, opened (and migrated) on the first request that needs it."""
    state = request.app.state
    db = getattr(state, "diary_db", None)
    if db is None:
        with _open_lock:
            db = getattr(state, "diary_db", None)
            if db is None:
                settings = state.settings
                url = getattr(settings, "database_url", None)
                data_dir = getattr(settings, "data_dir", None)
                if not url and data_dir is not None:
                    # The app's data folder, when one is set, holds the diary too.
                    url = f"sqlite:///{data_dir / 'diary.sqlite3'}"
                db = Database.open(url)
                state.diary_db = db
    return db


def _profile(request: Request, value: str | None = None) -> str:
    name = (value or request.query_params.get("profile") or "default").strip()
    return name or "default"


def _diary(request: Request, profile: str | None = None) -> Diary:
    return Diary(database(request), _profile(request, profile))


def csrf_token(request: Request) -> str:
    """The token of this browser (from its cookie), or a new one to be set on the response."""
    token = request.cookies.get(CSRF_COOKIE, "")
    if len(token) < 32:
        token = request.state.__dict__.setdefault("new_csrf", secrets.token_urlsafe(32))
    return token


def _with_cookie(request: Request, response: Response) -> Response:
    new = request.state.__dict__.get("new_csrf")
    if new:
        response.set_cookie(CSRF_COOKIE, new, httponly=True, samesite="strict", path="/", secure=False)
    return response


def check_csrf(request: Request, submitted: str | None) -> None:
    """Refuse (403) a state-changing request whose token does not match its cookie."""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not cookie or not submitted or not hmac.compare_digest(cookie.encode(), submitted.encode()):
        raise HTTPException(
            403, "the form's security token is missing or out of date; reload the page and try again"
        )


def _page(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    context = {
        "csrf_token": csrf_token(request),
        "profile": _profile(request, context.get("profile")),
        **context,
    }
    return _with_cookie(request, render_page(request, name, context, active="diary", status_code=status_code))


def _error_status(exc: DiaryError) -> int:
    if isinstance(exc, DiaryBusy):
        return 503
    if isinstance(exc, StorageError):
        return 507
    return 400


def _day(value: str | None, field: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidEntry(field, f"is not a date (YYYY-MM-DD), got {value!r}") from None


def _period(request: Request) -> Period:
    q = request.query_params
    since = _day(q.get("since"), "since")
    until = _day(q.get("until"), "until")
    if since is None and until is None:
        since = dt.date.today() - dt.timedelta(days=41)  # six weeks by default
    try:
        return Period(since, until)
    except ValueError as exc:
        raise InvalidEntry("until", str(exc).removeprefix("until: ")) from None


def _redirect(path: str, **params: Any) -> RedirectResponse:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return RedirectResponse(f"{path}?{query}" if query else path, status_code=303)


# --- pages -------------------------------------------------------------------------------------------------


def _overview(request: Request, error: str | None = None, status_code: int = 200) -> Response:
    diary = _diary(request)
    try:
        period = _period(request)
    except InvalidEntry as exc:
        period, error, status_code = Period(dt.date.today() - dt.timedelta(days=41)), str(exc), 400
    entries = diary.pain_entries(period.since, period.until)
    sessions = diary.sessions(period.since, period.until)
    today = dt.date.today()
    todays = [e for e in entries if e.first_step and e.day == today]
    since = period.since or (min((e.day for e in entries), default=today))
    until = period.until or today
    changes = analysis.routine_changes(sessions)
    context = {
        "period": period,
        "since": since,
        "until": until,
        "summary": analysis.summary(entries, sessions),
        "recent": _recent(entries, sessions, diary.function_scores(period.since, period.until)),
        "routines": _routine_choices(),
        "today_first_step": todays[-1] if todays else None,
        "calendar": analysis.session_calendar(sessions, since, until),
        "comparison": analysis.compare_before_after(entries, changes[-1].day) if changes else None,
        "change": changes[-1] if changes else None,
        "profiles": list_profiles(diary.db) or ["default"],
        "saved": request.query_params.get("saved"),
        "error": error,
        "chart_query": urlencode({"profile": diary.profile, "since": since, "until": until}),
    }
    return _page(request, "diary/index.html", context, status_code)


def _recent(
    entries: list[Any], sessions: list[Any], functions: list[Any], limit: int = 15
) -> list[dict[str, Any]]:
    """The latest entries of every kind, newest first, as rows for the page."""
    rows = [{"kind": "pain", "at": e.recorded_at, "item": e} for e in entries]
    rows += [{"kind": "session", "at": s.started_at, "item": s} for s in sessions]
    rows += [{"kind": "function", "at": f.recorded_at, "item": f} for f in functions]
    rows.sort(key=lambda r: r["at"], reverse=True)
    return rows[:limit]


def _routine_choices() -> list[tuple[str, str]]:
    """(id, title) of the shipped routines, for the manual session form."""
    from solemap.routines import load_routines

    return [(rid, loaded.routine.title) for rid, loaded in load_routines().items()]


@router.get("/diary", include_in_schema=False)
def diary_page(request: Request) -> Response:
    try:
        return _overview(request)
    except DiaryError as exc:
        return _page(request, "diary/problem.html", {"error": str(exc)}, _error_status(exc))


@router.post("/diary/first-step", include_in_schema=False)
async def log_first_step(request: Request) -> Response:
    """The second tap: a 0–10 button submits this form and the morning's rating is saved."""
    form = await request.form()
    check_csrf(request, form.get(CSRF_FIELD))  # type: ignore[arg-type]
    profile = _profile(request, form.get("profile"))  # type: ignore[arg-type]
    try:
        entry_id = _diary(request, profile).log_pain(form.get("score"), first_step=True)
    except DiaryError as exc:
        return _overview(request, str(exc), _error_status(exc))
    return _redirect("/diary", profile=profile, saved=f"first-step:{entry_id}")


def _draw(
    request: Request, layer: str | None, *, error: str | None = None, status_code: int = 200
) -> Response:
    from solemap.atlas import load_atlas
    from solemap.render import render_svg

    try:
        chosen = analysis.choose_layer(layer)
    except ValueError as exc:
        raise HTTPException(404, str(exc)) from None
    atlas = load_atlas()
    layers = [atlas.layers[k] for k in analysis.PAIN_MAP_LAYERS if k in atlas.layers]
    from solemap.web import maps

    svg = render_svg(side="both", layers=[chosen], labels=False, legend=False, interactive=True)
    # What draw.js needs to turn a tap on the sole into (u, v), as on the map page.
    geometry = json.dumps(maps.map_geometry("both", maps.parse_foot_size()))
    return _page(
        request,
        "diary/draw.html",
        {
            "svg": svg,
            "geometry_json": geometry,
            "layer": chosen,
            "layers": layers,
            "qualities": QUALITIES,
            "now": dt.datetime.now().strftime("%Y-%m-%dT%H:%M"),
            "error": error,
        },
        status_code,
    )


@router.post("/diary/session", include_in_schema=False)
async def log_session(request: Request) -> Response:
    """A session typed in by hand (the player stores its own through the JSON API)."""
    form = await request.form()
    check_csrf(request, form.get(CSRF_FIELD))  # type: ignore[arg-type]
    profile = _profile(request, form.get("profile"))  # type: ignore[arg-type]
    minutes = str(form.get("minutes") or "").strip()
    try:
        duration = float(minutes) * 60 if minutes else None
    except ValueError:
        return _overview(request, f"minutes: must be a number, got {minutes!r}", 400)
    try:
        session_id = _diary(request, profile).log_session(
            form.get("routine"),
            duration_s=duration,
            steps_done=form.get("steps") or 0,
            outcome="abandoned" if form.get("abandoned") == "on" else "finished",
            note=form.get("note") or None,
        )
    except DiaryError as exc:
        return _overview(request, str(exc), _error_status(exc))
    return _redirect("/diary", profile=profile, saved=f"session:{session_id}")


@router.post("/diary/function", include_in_schema=False)
async def log_function(request: Request) -> Response:
    """A patient-specific function score: one activity, 0 (cannot) to 10 (as before)."""
    form = await request.form()
    check_csrf(request, form.get(CSRF_FIELD))  # type: ignore[arg-type]
    profile = _profile(request, form.get("profile"))  # type: ignore[arg-type]
    try:
        entry_id = _diary(request, profile).log_function(form.get("activity"), form.get("score"))
    except DiaryError as exc:
        return _overview(request, str(exc), _error_status(exc))
    return _redirect("/diary", profile=profile, saved=f"function:{entry_id}")


@router.get("/diary/draw", include_in_schema=False)
def draw_page(request: Request, layer: str | None = None) -> Response:
    return _draw(request, layer)


@router.post("/diary/pain", include_in_schema=False)
async def log_pain(request: Request) -> Response:
    """A pain entry from the drawing page: overall score, marks ``area|side|intensity``, details."""
    form = await request.form()
    check_csrf(request, form.get(CSRF_FIELD))  # type: ignore[arg-type]
    profile = _profile(request, form.get("profile"))  # type: ignore[arg-type]
    marks = []
    for raw in form.getlist("mark"):
        area_id, _, rest = str(raw).partition("|")
        side, _, intensity = rest.partition("|")
        marks.append({"area": area_id, "side": side or None, "intensity": intensity or None})
    for raw in form.getlist("point"):
        parts = str(raw).split("|")
        if len(parts) != 4:
            return _draw(
                request,
                str(form.get("layer") or "") or None,
                error="point: expected u|v|side|intensity",
                status_code=400,
            )
        u, v, side, intensity = parts
        marks.append({"u": u, "v": v, "side": side or None, "intensity": intensity or None})
    at_text = str(form.get("at") or "").strip()
    try:
        at = dt.datetime.fromisoformat(at_text) if at_text else None
    except ValueError:
        at = at_text  # the diary's own check names the field
    try:
        entry_id = _diary(request, profile).log_pain(
            form.get("score"),
            first_step=form.get("first_step") == "on",
            at=at,
            side=form.get("side") or None,
            quality=form.get("quality") or None,
            note=form.get("note") or None,
            marks=marks,
        )
    except DiaryError as exc:
        layer = str(form.get("layer") or "") or None
        return _draw(request, layer, error=str(exc), status_code=_error_status(exc))
    return _redirect("/diary", profile=profile, saved=f"pain:{entry_id}")


@router.post("/diary/entries/{kind}/{entry_id}/delete", include_in_schema=False)
async def delete_entry(request: Request, kind: str, entry_id: int) -> Response:
    form = await request.form()
    check_csrf(request, form.get(CSRF_FIELD))  # type: ignore[arg-type]
    profile = _profile(request, form.get("profile"))  # type: ignore[arg-type]
    try:
        _diary(request, profile).delete_entry(kind, entry_id)
    except DiaryError as exc:
        return _overview(request, str(exc), _error_status(exc))
    return _redirect("/diary", profile=profile, saved="deleted")


@router.get("/diary/chart.svg", include_in_schema=False)
def chart_svg(request: Request) -> Response:
    try:
        period = _period(request)
        diary = _diary(request)
        entries = diary.pain_entries(period.since, period.until)
        sessions = diary.sessions(period.since, period.until)
    except DiaryError as exc:
        raise HTTPException(_error_status(exc), str(exc)) from None
    svg = charts.trend_chart(
        entries,
        sessions,
        since=period.since,
        until=period.until or dt.date.today(),
        changes=analysis.routine_changes(sessions),
        fmt="svg",
    )
    return Response(svg, media_type="image/svg+xml", headers={"cache-control": "no-store"})


@router.get("/diary/painmap.svg", include_in_schema=False)
def painmap_svg(request: Request, layer: str | None = None) -> Response:
    try:
        period = _period(request)
        entries = _diary(request).pain_entries(period.since, period.until)
        svg = charts.pain_map_svg(entries, layer=layer, title="")
    except (DiaryError, ValueError) as exc:
        raise HTTPException(400, str(exc)) from None
    return Response(svg, media_type="image/svg+xml", headers={"cache-control": "no-store"})


@router.get("/diary/export", include_in_schema=False)
def export_page(request: Request) -> Response:
    diary = _diary(request)
    span = diary.date_range()
    return _page(
        request,
        "diary/export.html",
        {
            "formats": FORMATS,
            "sections": PDF_SECTIONS,
            "since": span[0] if span else dt.date.today() - dt.timedelta(days=27),
            "until": span[1] if span else dt.date.today(),
        },
    )


@router.get("/diary/export/file", include_in_schema=False)
def export_file(request: Request, format: str = "pdf") -> Response:
    """Download an export. A GET changes nothing, so it needs no token; other sites cannot read it."""
    if format not in MEDIA_TYPES:
        raise HTTPException(400, f"format: must be one of {', '.join(FORMATS)}")
    try:
        period = Period(
            _day(request.query_params.get("since"), "since"), _day(request.query_params.get("until"), "until")
        )
        sections = request.query_params.getlist("section") or None
        chosen = check_sections(sections) if sections else None
        data = export(_diary(request), format, period, sections=chosen)
    except (DiaryError, ValueError) as exc:
        raise HTTPException(400, str(exc)) from None
    media, suffix = MEDIA_TYPES[format]
    name = f"solemap-diary-{_profile(request)}-{dt.date.today():%Y%m%d}.{suffix}"
    return Response(data, media_type=media, headers={"content-disposition": f'attachment; filename="{name}"'})


# --- JSON API for the session player -----------------------------------------------------------------------


@router.post("/api/diary/sessions", status_code=201)
async def store_session(request: Request) -> JSONResponse:
    """Store a session record posted by the browser's session player (``SessionRecord.to_json()``).

    Send the page's token in the ``X-CSRF-Token`` header. Answers ``{"id": ...}`` with 201,
    400 naming the bad field, or 503 when the database is busy (try again).
    """
    check_csrf(request, request.headers.get(CSRF_HEADER))
    try:
        record = await request.json()
    except ValueError:
        return JSONResponse({"message": "body: not valid JSON"}, status_code=400)
    if not isinstance(record, dict):
        return JSONResponse({"message": "body: expected a session record object"}, status_code=400)
    try:
        session_id = _diary(request).record_session(record)
    except InvalidEntry as exc:
        return JSONResponse({"message": str(exc), "field": exc.field}, status_code=400)
    except DiaryError as exc:
        return JSONResponse(
            {"message": str(exc), "retryable": isinstance(exc, DiaryBusy)}, status_code=_error_status(exc)
        )
    return JSONResponse({"id": session_id}, status_code=201)


@router.get("/api/diary/csrf")
def csrf(request: Request) -> JSONResponse:
    """The token for ``X-CSRF-Token`` (sets the matching cookie when the browser has none)."""
    return _with_cookie(request, JSONResponse({"token": csrf_token(request)}))  # type: ignore[return-value]
