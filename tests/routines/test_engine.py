"""The session engine and the pacer, driven by a fake clock."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solemap.routines.engine import Block, SessionEngine, SessionRecord
from solemap.routines.pacer import Pacer


class FakeClock:
    """A clock that only moves when the test says so (epoch seconds)."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def blocks() -> list[Block]:
    # step a: one block of 10 s; step b: left then right, 20 s each; step c: 5 s.
    return [
        Block(0, "a", "left", 10.0, 3),
        Block(1, "b", "left", 20.0, 4),
        Block(1, "b", "right", 20.0, 4),
        Block(2, "c", "right", 5.0, 5),
    ]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def engine(clock: FakeClock) -> SessionEngine:
    return SessionEngine("demo", blocks(), clock)


def kinds(events) -> list[tuple[str, int]]:
    return [(e.kind, e.block_index) for e in events]


def test_ready_until_started(engine: SessionEngine, clock: FakeClock) -> None:
    clock.advance(100)
    assert engine.status == "ready"
    assert engine.update() == []
    assert engine.pause() == [] and engine.next() == [] and engine.back() == []
    assert engine.state().elapsed_s == 0.0
    assert engine.total_s == 55.0


def test_runs_through_every_block_and_finishes(engine: SessionEngine, clock: FakeClock) -> None:
    assert kinds(engine.start()) == [("step", 0)]
    clock.advance(9.99)
    assert engine.update() == []
    assert engine.state().block_remaining_s == pytest.approx(0.01)
    clock.advance(0.01)
    assert kinds(engine.update()) == [("step", 1)]
    clock.advance(20)
    assert kinds(engine.update()) == [("side", 2)]
    assert engine.state().side == "right"
    clock.advance(25)
    assert kinds(engine.update()) == [("step", 3), ("finished", 3)]
    assert engine.status == "finished"
    record = engine.record()
    assert record.outcome == "finished"
    assert record.steps_done == ["a", "b", "c"]
    assert record.steps_skipped == []
    assert record.duration_s == pytest.approx(55.0)
    # Ended exactly when the last block ran out, not when update() happened to be called.
    assert (record.ended_at - record.started_at).total_seconds() == pytest.approx(55.0)


def test_late_update_catches_up_over_several_blocks(engine: SessionEngine, clock: FakeClock) -> None:
    engine.start()
    clock.advance(35)
    assert kinds(engine.update()) == [("step", 1), ("side", 2)]
    state = engine.state()
    assert state.block_index == 2 and state.block_elapsed_s == pytest.approx(5.0)


def test_pause_does_not_drift(engine: SessionEngine, clock: FakeClock) -> None:
    engine.start()
    clock.advance(4)
    assert kinds(engine.pause()) == [("paused", 0)]
    for _ in range(1000):  # a long pause, polled often: nothing moves
        clock.advance(0.37)
        assert engine.update() == []
    state = engine.state()
    assert state.status == "paused"
    assert state.block_elapsed_s == pytest.approx(4.0)
    assert state.breath == engine.pacer.at(4.0)
    assert kinds(engine.resume()) == [("resumed", 0)]
    clock.advance(6)
    assert kinds(engine.update()) == [("step", 1)]
    # Many short pause/resume cycles add up to exactly the running time.
    for _ in range(200):
        clock.advance(0.05)
        engine.pause()
        clock.advance(3.0)
        engine.resume()
    assert engine.state().block_elapsed_s == pytest.approx(10.0)
    assert engine.active_s() == pytest.approx(20.0)


def test_toggle_starts_pauses_resumes(engine: SessionEngine, clock: FakeClock) -> None:
    assert kinds(engine.toggle()) == [("step", 0)]
    assert kinds(engine.toggle()) == [("paused", 0)]
    assert kinds(engine.toggle()) == [("resumed", 0)]
    assert engine.status == "running"


def test_next_and_back(engine: SessionEngine, clock: FakeClock) -> None:
    engine.start()
    clock.advance(3)
    assert kinds(engine.next()) == [("step", 1)]
    assert engine.state().block_elapsed_s == 0.0
    clock.advance(2)
    assert kinds(engine.next()) == [("side", 2)]
    clock.advance(1)
    assert kinds(engine.back()) == [("side", 1)]  # back to the left foot of the same step
    assert engine.state().block_elapsed_s == 0.0
    assert kinds(engine.back()) == [("step", 0)]
    assert kinds(engine.back()) == [("step", 0)]  # at the first block: restart it
    # Skipping while paused stays paused.
    engine.pause()
    assert kinds(engine.next()) == [("step", 1)]
    assert engine.status == "paused"
    clock.advance(50)
    assert engine.state().block_elapsed_s == 0.0


def test_skipping_the_last_block_finishes(engine: SessionEngine, clock: FakeClock) -> None:
    engine.start()
    for _ in range(3):
        engine.next()
    assert kinds(engine.next()) == [("finished", 3)]
    record = engine.record()
    assert record.outcome == "finished"
    assert record.steps_done == []
    assert record.steps_skipped == ["a", "b", "c"]


def test_quit_abandons_with_a_record(engine: SessionEngine, clock: FakeClock) -> None:
    engine.start()
    clock.advance(12)
    engine.pause()
    clock.advance(100)
    assert kinds(engine.quit()) == [("abandoned", 1)]
    assert engine.quit() == []
    assert engine.toggle() == []
    assert engine.status == "abandoned"
    record = engine.record()
    assert record.outcome == "abandoned"
    assert record.steps_done == ["a"]
    assert record.duration_s == pytest.approx(12.0)
    assert (record.ended_at - record.started_at).total_seconds() == pytest.approx(112.0)


def test_no_record_while_running(engine: SessionEngine) -> None:
    engine.start()
    with pytest.raises(RuntimeError, match="running"):
        engine.record()


def test_pain_reports_and_verdicts(engine: SessionEngine, clock: FakeClock) -> None:
    engine.start()
    clock.advance(2)
    assert engine.report_pain(3).verdict == "ok"  # at the ceiling of 3
    assert engine.report_pain(4).verdict == "ease-off"
    assert engine.status == "running"
    stop = engine.report_pain(8)
    assert stop.verdict == "stop" and engine.status == "paused"
    with pytest.raises(ValueError):
        engine.report_pain(11)
    engine.quit()
    data = engine.record().to_json()
    assert [p["verdict"] for p in data["pain_reports"]] == ["ok", "ease-off", "stop"]
    assert data["pain_reports"][1] == {
        "step_id": "a",
        "side": "left",
        "value": 4,
        "ceiling": 3,
        "verdict": "ease-off",
        "at_s": 2.0,
    }


def test_record_json_round_trip(engine: SessionEngine, clock: FakeClock) -> None:
    engine.start()
    clock.advance(7)
    engine.report_pain(5)
    clock.advance(100)
    engine.update()
    record = engine.record()
    text = record.dumps()
    again = SessionRecord.from_json(json.loads(text))
    assert again.to_json() == record.to_json()
    assert again.started_at.tzinfo is not None


def test_pacer_defaults_and_phases() -> None:
    pacer = Pacer()
    assert pacer.period_s == 10.0 and pacer.inhale_s == pytest.approx(4.0)
    assert pacer.at(0).phase == "inhale" and pacer.at(0).level == pytest.approx(0.0)
    assert pacer.at(2).level == pytest.approx(0.5)
    assert pacer.at(3.999).phase == "inhale"
    assert pacer.at(4.0).phase == "exhale" and pacer.at(4.0).level == pytest.approx(1.0)
    assert pacer.at(7.0).level == pytest.approx(0.5)
    assert pacer.at(9.0).remaining_s == pytest.approx(1.0)
    ratio = Pacer.from_ratio(5, 1, 2)
    assert ratio.inhale_s == pytest.approx(4.0) and ratio.exhale_s == pytest.approx(8.0)
    with pytest.raises(ValueError):
        Pacer(breaths_per_min=60)
    with pytest.raises(ValueError):
        Pacer(inhale_share=0.95)


@pytest.mark.parametrize("bpm,share", [(6.0, 0.4), (5.5, 0.5), (7.0, 1 / 3)])
def test_pacer_stays_in_phase_over_ten_minutes(bpm: float, share: float) -> None:
    """Sampled every 10 ms through a 10-minute session the pacer completes exactly
    ``bpm × 10`` breaths, every phase change lands on its scheduled instant within a sample, and
    in- and out-breaths keep their share of the time."""
    pacer = Pacer(bpm, share)
    dt = 0.01
    n = round(600 / dt)
    inhale_ticks = 0
    changes = []
    previous = pacer.at(0).phase
    for i in range(n):
        t = i * dt
        breath = pacer.at(t)
        inhale_ticks += breath.phase == "inhale"
        if breath.phase != previous:
            changes.append((t, breath.phase))
            previous = breath.phase
    assert pacer.at(600 - 1e-6).breath_index == round(bpm * 10) - 1
    period = 60 / bpm
    for k, (t, phase) in enumerate(changes):
        breath_no, second_half = divmod(k, 2)
        expected = breath_no * period + (pacer.inhale_s if second_half == 0 else period)
        assert phase == ("exhale" if second_half == 0 else "inhale")
        assert abs(t - expected) <= dt + 1e-9, (k, t, expected)
    assert inhale_ticks * dt / 600 == pytest.approx(share, abs=0.002)


def test_engine_breath_follows_active_time(engine: SessionEngine, clock: FakeClock) -> None:
    engine.start()
    clock.advance(3)
    engine.pause()
    clock.advance(7)  # a pause of 7 s must not move the breath on
    assert engine.state().breath == engine.pacer.at(3.0)
    engine.resume()
    clock.advance(1)
    assert engine.state().breath.phase == "exhale"


@pytest.mark.parametrize(
    "seconds,duration,clock",
    [
        (0, "0 s", "0:00"),
        (45, "45 s", "0:45"),
        (60, "1 min", "1:00"),
        (90, "1 min 30 s", "1:30"),
        (59.2, "59 s", "1:00"),
        (870, "14 min 30 s", "14:30"),
    ],
)
def test_time_texts(seconds: float, duration: str, clock: str) -> None:
    from solemap.routines.plan import clock_text, duration_text

    assert duration_text(seconds) == duration
    assert clock_text(seconds) == clock  # a countdown rounds up: 0:00 only when time is up


COMMANDS = ("update", "pause", "resume", "toggle", "next", "back", "pain")


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(COMMANDS), st.floats(0, 30, allow_nan=False), st.integers(0, 10)),
        max_size=40,
    )
)
def test_engine_invariants_under_random_use(script: list[tuple[str, float, int]]) -> None:
    """Whatever the user presses and however irregularly the front end polls, time only moves
    forward while running, never while paused, and the record adds up."""
    clock = FakeClock()
    engine = SessionEngine("demo", blocks(), clock)
    engine.start()
    before = engine.active_s()
    for command, advance, pain in script:
        status = engine.status
        clock.advance(advance)
        if status == "paused":
            assert engine.active_s() == before  # a paused clock does not move
        if command == "pain":
            if engine.status in ("running", "paused"):
                engine.report_pain(pain)
        else:
            getattr(engine, command)()
        now = engine.active_s()
        assert now >= before - 1e-9
        state = engine.state()
        assert 0 <= state.block_elapsed_s <= state.block_duration_s + 1e-9
        before = now
    engine.quit()
    record = engine.record()
    assert not set(record.steps_done) & set(record.steps_skipped)
    assert set(record.steps_done) | set(record.steps_skipped) <= {"a", "b", "c"}
    assert 0 <= record.duration_s <= (record.ended_at - record.started_at).total_seconds() + 1e-6
    if not any(command == "back" for command, _, _ in script):
        assert record.duration_s <= engine.total_s + 1e-9  # only going back repeats time
