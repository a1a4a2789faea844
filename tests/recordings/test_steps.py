"""Step segmentation: pressuRe's threshold rule on hand-made force curves and on the real files."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solemap.recordings import read_recording
from solemap.recordings.steps import StepError, detect_steps, step_threshold


def _curve(contacts, n=120, high=800.0, low=0.0):
    f = np.full(n, low)
    for a, b in contacts:
        f[a : b + 1] = high
    return f


def test_threshold_rules():
    f = np.array([10.0, 110.0, 60.0])
    assert step_threshold(f) == pytest.approx(10 + 0.1 * 100)
    assert step_threshold(f, 50) == pytest.approx(50.01)  # pressuRe adds 0.01 N
    with pytest.raises(ValueError):
        step_threshold(f, "median")


def test_steps_from_a_hand_made_curve():
    # Contacts: frames 10..30 and 50..75 complete; 0..5 starts in contact; 100.. never ends.
    f = _curve([(0, 5), (10, 30), (50, 75), (100, 119)])
    steps = detect_steps(f)
    # The step is FS (first frame above) ... FO (first frame below), inclusive.
    assert [(s.start, s.stop) for s in steps] == [(10, 31), (50, 76)]
    assert [s.number for s in steps] == [1, 2]
    assert steps[0].n_frames == 22


def test_short_contacts_are_dropped_and_gaps_can_merge():
    f = _curve([(10, 14), (30, 60), (63, 80)])
    assert [(s.start, s.stop) for s in detect_steps(f, min_frames=10)] == [(30, 61), (63, 81)]
    merged = detect_steps(f, min_frames=10, min_gap_frames=5)
    assert [(s.start, s.stop) for s in merged] == [(30, 81)]


def test_missing_frames_neither_start_nor_end_a_step():
    f = _curve([(10, 40)])
    f[20:23] = np.nan
    assert [(s.start, s.stop) for s in detect_steps(f)] == [(10, 41)]


def test_standing_curve_has_no_steps_or_raises():
    with pytest.raises(StepError):
        detect_steps(np.full(50, 700.0) + np.linspace(0, 1, 50), threshold=10)
    assert detect_steps(np.full(50, 700.0)) == []  # flat: nothing crosses the threshold
    with pytest.raises(StepError):
        detect_steps(np.full(5, np.nan))


def test_fscan_steps_match_the_worked_example(shared_recordings):
    rec = read_recording(shared_recordings / "fscan_testL.asf")
    p = rec.pressure().reshape(rec.n_frames, -1)
    force = np.nansum(p, axis=1) * 1000 * 0.00508**2
    assert step_threshold(force) == pytest.approx(92.44, abs=0.01)
    steps = detect_steps(force)
    # pressure-metrics.md (pressuRe threshold_event, 1-based): (30,52) (66,87) (101,122) (137,158) (172,195)
    assert [(s.start + 1, s.stop + 1) for s in steps] == [
        (30, 52),
        (66, 87),
        (101, 122),
        (137, 158),
        (172, 195),
    ]


def test_pedar_insoles_never_fully_unload_but_steps_are_found(shared_recordings):
    rec = read_recording(shared_recordings / "pedar_example.asc")
    for side in rec.sides:
        p = rec.pressure(side)
        force = (p * rec.layout(side).areas_mm2 * 1e-6 * 1000).sum(axis=1)
        steps = detect_steps(force)
        assert len(steps) >= 5
        durations = np.array([s.n_frames for s in steps]) / rec.sample_rate_hz
        assert np.all((durations > 0.4) & (durations < 1.2))  # walking stance phases, s


def test_quiet_standing_noise_is_not_cut_into_steps():
    rng = np.random.default_rng(0)
    force = 343.0 + rng.normal(0, 3, 2000)  # half of 70 kg with sensor noise
    assert detect_steps(force) == []
    # pressuRe's rule alone (no range check) would find "steps" in the noise.
    assert len(detect_steps(force, min_frames=1, min_range_fraction=0.0)) >= 1


@given(
    st.lists(st.floats(min_value=0, max_value=1000, allow_nan=False), min_size=3, max_size=300),
    st.integers(min_value=1, max_value=20),
)
@settings(max_examples=200, deadline=None)
def test_step_invariants(values, min_frames):
    f = np.asarray(values)
    try:
        steps = detect_steps(f, min_frames=min_frames, min_range_fraction=0.0)
    except StepError:
        return
    thr = step_threshold(f)
    for a, b in itertools.pairwise(steps):
        assert a.stop <= b.start  # in time order, not overlapping (FO may be the next FS's frame)
    for s in steps:
        assert s.n_frames >= min_frames
        assert f[s.start] > thr and f[s.start - 1] < thr  # foot strike: first frame above
        assert f[s.stop] < thr and f[s.stop - 1] > thr  # foot off: first frame below
        assert np.all(f[s.start : s.stop] >= thr)  # loaded in between (never below)
