"""Trend, calendar, before/after and pain map numbers on small inputs with known answers."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from solemap.diary import analysis
from solemap.diary.records import Mark, PainRecord, SessionEntry

DAY0 = dt.date(2026, 3, 2)  # a Monday


def morning(day: int, score: int, marks: tuple[Mark, ...] = ()) -> PainRecord:
    d = DAY0 + dt.timedelta(days=day)
    at = dt.datetime.combine(d, dt.time(7), tzinfo=dt.UTC)
    return PainRecord(id=day + 1, recorded_at=at, day=d, score=score, first_step=True, marks=marks)


def session(day: int, routine: str = "r", outcome: str = "finished", minutes: float = 10) -> SessionEntry:
    d = DAY0 + dt.timedelta(days=day)
    at = dt.datetime.combine(d, dt.time(18), tzinfo=dt.UTC)
    return SessionEntry(
        id=day + 1,
        routine_id=routine,
        started_at=at,
        ended_at=None,
        day=d,
        duration_s=minutes * 60,
        steps_done=3,
        steps_total=3,
        outcome=outcome,
        source="manual",
    )


def test_rolling_mean_needs_four_of_seven_days() -> None:
    entries = [morning(d, s) for d, s in [(0, 8), (1, 6), (2, 7), (3, 5), (9, 2)]]
    daily = analysis.first_step_daily(entries)
    assert len(daily) == 10  # every calendar day, gaps included
    assert math.isnan(daily["rolling"].iloc[2])  # only 3 ratings so far
    assert daily["rolling"].iloc[3] == pytest.approx(6.5)
    assert daily["rolling"].iloc[6] == pytest.approx(6.5)  # days 0..6
    assert math.isnan(daily["rolling"].iloc[9])  # days 3..9 hold only two ratings
    # Two ratings on one morning count as their mean.
    twice = analysis.first_step_daily([morning(0, 4), morning(0, 6)])
    assert twice["score"].iloc[0] == 5


def test_non_first_step_entries_are_not_in_the_trend() -> None:
    other = PainRecord(
        id=9, recorded_at=dt.datetime(2026, 3, 2, 15, tzinfo=dt.UTC), day=DAY0, score=9, first_step=False
    )
    assert analysis.first_step_daily([other]).empty


def test_calendar_weeks_and_adherence() -> None:
    cal = analysis.session_calendar(
        [session(0), session(0, outcome="abandoned"), session(3)], DAY0, DAY0 + dt.timedelta(days=9)
    )
    assert len(cal.weeks) == 2 and all(len(w) == 7 for w in cal.weeks)
    first = cal.weeks[0][0]
    assert (first.finished, first.abandoned, first.minutes) == (1, 1, 20)
    assert cal.days_in_period == 10 and cal.days_with_session == 2
    assert cal.adherence == pytest.approx(0.2)
    assert not cal.weeks[1][6].in_period
    with pytest.raises(ValueError):
        analysis.session_calendar([], DAY0, DAY0 - dt.timedelta(days=1))


def test_routine_changes_and_before_after() -> None:
    sessions = [session(d, "a") for d in range(0, 14, 2)] + [session(d, "b") for d in range(14, 28, 2)]
    [change] = analysis.routine_changes(sessions)
    assert (change.day, change.before, change.after) == (DAY0 + dt.timedelta(days=14), "a", "b")
    entries = [morning(d, 6) for d in range(14)] + [morning(d, 3) for d in range(14, 28)]
    result = analysis.compare_before_after(entries, change.day, days=14)
    assert (result.before_n, result.after_n) == (14, 14)
    assert result.difference == pytest.approx(-3.0)
    text = result.describe()
    assert "3.0 points lower" in text and "at least as large as" in text
    assert "does not show what caused" in text
    small = analysis.compare_before_after(
        [morning(d, 5) for d in range(14)] + [morning(d, 4) for d in range(14, 28)], change.day
    )
    assert "smaller than" in small.describe()
    thin = analysis.compare_before_after([morning(13, 5), morning(14, 4)], change.day)
    assert thin.difference is None and "Not enough" in thin.describe()


def test_mcid_comes_from_the_sourced_reference() -> None:
    ref = analysis.reference()["first_step_pain_mcid"]
    assert analysis.mcid() == 2.0
    assert "Landorf" in ref["source"] and "19 mm" in ref["original"]


def test_pain_map_gathers_points_and_areas_per_foot() -> None:
    from solemap.atlas import load_atlas

    layer = analysis.choose_layer()
    atlas = load_atlas()
    heel = min(
        (a for a in atlas.areas_in(layer=layer, side="left") if a.centroid), key=lambda a: a.centroid[0]
    )
    u, v = heel.centroid
    entries = [
        morning(0, 5, (Mark(side="left", intensity=6, u=u, v=v),)),
        morning(1, 5, (Mark(side="left", intensity=8, area_id=heel.id),)),
        morning(2, 5, (Mark(side="right", intensity=2, u=u, v=v),)),
    ]
    gathered = analysis.pain_map(entries, layer)
    by_key = {(a.area_id, a.side): a for a in gathered.areas}
    left = by_key[(heel.id, "left")]
    assert (left.reports, left.mean_intensity, left.max_intensity) == (2, 7.0, 8)
    assert by_key[(heel.id, "right")].mean_intensity == 2.0
    assert gathered.unplaced == 0
    rasters = gathered.rasters(resolution=(40, 16))
    i, j = int(u * 40), int(v * 16)
    assert rasters["left"][i, j] == 7.0 and rasters["right"][i, j] == 2.0
    assert math.isnan(rasters["left"][39, 8])  # the toes: nothing reported
    with pytest.raises(ValueError, match="layer: unknown layer"):
        analysis.pain_map(entries, "no-such-layer")
