"""Guided rolling in the browser: routine list, the player (with class mode), the safety check,
the handout PDF and a small JSON API.

The player runs the session engine in the browser (``static/routines/engine.js``, a port of
:mod:`solemap.routines.engine`): a session must keep perfect time and animate smoothly even if the
server goes away, so the server only hands out the plan and the map. Safety answers are stored on
this machine (the app serves one user on loopback), in the settings' data folder.
"""

from __future__ import annotations

import functools
from datetime import date
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Match, Mount

from solemap.routines import AnswerStore, RoutineError, get_routine, load_catalog, load_routines, load_safety
from solemap.routines.plan import TRADITION_NOTE, describe
from solemap.routines.safety import URGENCY_TEXT, SafetyError, ScreenResult
from solemap.web.templating import render_page

router = APIRouter(tags=["routines"])

EVIDENCE_NAMES = {
    "guideline": "Clinical guideline",
    "systematic-review": "Systematic review",
    "trial": "Study",
    "anatomy": "Anatomy",
    "expert-opinion": "Expert opinion",
    "traditional-claim": "Traditional practice",
}


def _store(request: Request) -> AnswerStore:
    return AnswerStore(getattr(request.app.state.settings, "data_dir", None))


def _screen_result(request: Request) -> ScreenResult:
    store = _store(request)
    try:
        return store.result()
    except SafetyError:
        # A damaged answers file counts as unanswered: the user simply answers again.
        return load_safety().evaluate({})


def _same_origin(request: Request) -> None:
    """Refuse a form posted from another site (browsers send Origin with every cross-site POST)."""
    origin = request.headers.get("origin")
    if origin and origin != "null":
        expected = f"{request.url.scheme}://{request.headers.get('host', '')}"
        if origin.rstrip("/") != expected:
            raise HTTPException(403, "this form can only be sent from solemap's own pages")


def _has_diary(request: Request) -> bool:
    """Whether this app stores sessions (the diary feature answers POST /api/diary/sessions)."""
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/api/diary/sessions",
        "root_path": "",
        "query_string": b"",
        "headers": [],
    }
    for route in request.app.router.routes:
        if isinstance(route, Mount):
            continue
        match, _ = route.matches(scope)
        if match == Match.FULL:
            return True
    return False


def _routine_or_404(routine_id: str):
    if routine_id not in load_routines():
        raise HTTPException(404, f"no routine {routine_id!r}")
    return get_routine(routine_id)


@router.get("/routines", include_in_schema=False)
def routines_page(request: Request) -> Response:
    views = [describe(lr.routine) for lr in load_routines().values()]
    return render_page(
        request,
        "routines/list.html",
        {
            "views": views,
            "screen": _screen_result(request),
            "catalog": load_catalog(),
            "evidence_names": EVIDENCE_NAMES,
        },
        active="routines",
    )


@router.get("/routines/safety", include_in_schema=False)
def safety_page(request: Request, saved: int = 0) -> Response:
    store = _store(request)
    try:
        answers = store.load().answers
    except SafetyError:
        answers = {}
    screen = load_safety()
    return render_page(
        request,
        "routines/safety.html",
        {
            "screen": screen,
            "answers": answers,
            "result": screen.evaluate(answers),
            "saved": bool(saved),
            "urgency": URGENCY_TEXT,
            "evidence_names": EVIDENCE_NAMES,
            "next": request.query_params.get("next", ""),
        },
        active="routines",
    )


@router.post("/routines/safety", include_in_schema=False)
async def safety_submit(request: Request) -> Response:
    _same_origin(request)
    form = await request.form()
    screen = load_safety()
    answers: dict[str, bool] = {}
    missing = []
    for q in screen.questions:
        value = form.get(q.id)
        if value not in ("yes", "no"):
            missing.append(q.id)
            continue
        answers[q.id] = value == "yes"
    if missing:
        raise HTTPException(422, f"answer every question (missing: {', '.join(missing)})")
    _store(request).save(answers)
    target = str(form.get("next") or "")
    # Only ever redirect within the routines pages (never to an address taken from the form).
    if target not in load_routines():
        return RedirectResponse("/routines/safety?saved=1", status_code=303)
    return RedirectResponse(f"/routines/{target}", status_code=303)


@router.get("/routines/build", include_in_schema=False)
def builder_page(request: Request) -> Response:
    from solemap.atlas import load_atlas

    atlas = load_atlas()
    groups = []
    for layer in sorted(atlas.layers.values(), key=lambda layer: layer.order):
        items = []
        for area in atlas.areas.values():
            if area.layer != layer.id or area.is_line:
                continue
            where = f" ({area.location})" if area.off_sole and area.location else ""
            only = f" — {area.side} foot only" if area.side != "both" else ""
            items.append([area.id, f"{area.name}{where}{only}"])
        if items:
            groups.append({"label": layer.name, "items": items})
    catalog = load_catalog()
    data = {
        "area_groups": groups,
        "tools": [[t.id, t.name] for t in catalog.tools],
        "techniques": [[t.id, t.name] for t in catalog.techniques],
        "default_area": "anat-medial-longitudinal-arch",
    }
    return render_page(
        request, "routines/build.html", {"data": data, "evidence_names": EVIDENCE_NAMES}, active="routines"
    )


@router.get("/routines/{routine_id}", include_in_schema=False)
def player_page(request: Request, routine_id: str) -> Response:
    routine = _routine_or_404(routine_id)
    view = describe(routine)
    layers = view.layers or ["anatomy"]
    svg = request.app.state.map_renderer.svg("both", layers, (), labels=False, legend=False)
    return render_page(
        request,
        "routines/player.html",
        {
            "view": view,
            "routine": routine,
            "map_svg": svg,
            "screen": _screen_result(request),
            "tradition_note": TRADITION_NOTE,
            "rules": load_safety().session_rules,
            "evidence_names": EVIDENCE_NAMES,
            "diary": _has_diary(request),
        },
        active="routines",
    )


@functools.lru_cache(maxsize=8)
def _handout_pdf(routine_id: str, day: date) -> bytes:
    # Laying out a handout takes seconds; shipped routines do not change while the app runs, and
    # the sheet carries the date it was printed, so (routine, day) identifies it.
    from solemap.routines.handout import handout_pdf

    return handout_pdf(get_routine(routine_id))[0]


@router.get("/routines/{routine_id}/handout.pdf", include_in_schema=False)
def handout(routine_id: str) -> Response:
    _routine_or_404(routine_id)
    pdf = _handout_pdf(routine_id, date.today())
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"content-disposition": f'inline; filename="{routine_id}.pdf"'},
    )


@router.get("/api/routines")
def api_routines() -> list[dict[str, Any]]:
    """The shipped routines: id, title, total time (s), steps, evidence label."""
    return [
        {
            "id": rid,
            "title": lr.routine.title,
            "summary": lr.routine.summary,
            "total_s": lr.routine.total_s,
            "steps": len(lr.routine.steps),
            "evidence": lr.routine.evidence,
            "tradition": lr.routine.tradition,
        }
        for rid, lr in load_routines().items()
    ]


@router.get("/api/routines/{routine_id}")
def api_routine(routine_id: str) -> dict[str, Any]:
    """One routine with every step in words and the timed blocks the player walks through."""
    return describe(_routine_or_404(routine_id)).to_json()


@router.get("/api/safety")
def api_safety(request: Request) -> dict[str, Any]:
    """The safety questions, the stored answers and the verdict (``cleared`` = may roll)."""
    result = _screen_result(request)
    try:
        answers = _store(request).load().answers
    except SafetyError:
        answers = {}
    return {
        "questions": [q.model_dump() for q in load_safety().questions],
        "answers": answers,
        "cleared": result.cleared,
        "blocking": [q.id for q in result.blocking],
        "cautions": [q.id for q in result.cautions],
        "missing": [q.id for q in result.missing],
        "explanation": result.explain(),
    }


@router.post("/api/routines/check")
async def api_check(request: Request) -> dict[str, Any]:
    """Validate a routine file sent as the request body (YAML); 422 lists every problem."""
    import tempfile
    from pathlib import Path

    from solemap.routines import load_routine_file

    body = await request.body()
    if len(body) > 256_000:
        raise HTTPException(413, "routine files are limited to 256 kB")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "routine.yaml"
        path.write_bytes(body)
        try:
            routine = load_routine_file(path)
        except RoutineError as exc:
            raise HTTPException(
                422, {"message": "The routine does not validate", "problems": exc.problems}
            ) from None
    return {"ok": True, "id": routine.id, "title": routine.title, "total_s": routine.total_s}
