"""The safety screen: questions from data, remembered answers, and a "yes" that stops the session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from solemap.cli import app
from solemap.routines import AnswerStore, SafetyError, load_safety, user_data_dir


def all_no() -> dict[str, bool]:
    return {q.id: False for q in load_safety().questions}


def test_the_questions_cover_the_guideline_red_flags() -> None:
    screen = load_safety()
    ids = {q.id for q in screen.questions}
    assert {
        "diabetes-sensation",
        "wound-infection",
        "injury-fracture",
        "stress-fracture",
        "dvt",
        "acute-swelling",
        "nerve-symptoms",
        "night-systemic",
    } <= ids
    for q in screen.questions:
        assert q.sources and all(k in screen.sources for k in q.sources)
        assert q.ask.endswith("?") or "?" in q.ask
        assert q.why and q.see
    assert screen.question("dvt").urgency == "emergency"
    assert screen.session_rules.stop_at == 8


def test_unanswered_screen_is_not_cleared() -> None:
    result = load_safety().evaluate({})
    assert not result.complete and not result.cleared
    assert result.explain() == [
        f"{len(load_safety().questions)} safety question(s) not answered yet: run the safety screen first."
    ]


def test_a_yes_blocks_and_explains() -> None:
    answers = all_no() | {"dvt": True}
    result = load_safety().evaluate(answers)
    assert result.complete and not result.cleared
    assert [q.id for q in result.blocking] == ["dvt"]
    (line,) = result.explain()
    assert "blood clot" in line and "See:" in line and "now: this may be an emergency" in line


def test_a_caution_yes_does_not_block() -> None:
    result = load_safety().evaluate(all_no() | {"blood-thinners": True})
    assert result.cleared
    assert [q.id for q in result.cautions] == ["blood-thinners"]


def test_answers_are_remembered_atomically(data_dir: Path) -> None:
    store = AnswerStore()
    assert user_data_dir() == data_dir and store.path == data_dir / "safety.json"
    assert store.load().answers == {} and not store.result().complete
    store.save(all_no() | {"nerve-symptoms": True})
    assert sorted(p.name for p in data_dir.iterdir()) == ["safety.json"]  # no temporary file left behind
    again = AnswerStore()
    assert again.load().answers["nerve-symptoms"] is True
    assert again.load().answered_at is not None
    assert [q.id for q in again.result().blocking] == ["nerve-symptoms"]
    store.save(all_no())  # the user changes the answer after seeing a clinician
    assert AnswerStore().result().cleared


def test_a_new_question_is_asked_again(data_dir: Path) -> None:
    answers = all_no()
    answers.pop("child")
    AnswerStore().save(answers)
    result = AnswerStore().result()
    assert [q.id for q in result.missing] == ["child"] and not result.cleared


def test_a_corrupt_answers_file_is_reported(data_dir: Path) -> None:
    data_dir.mkdir(parents=True)
    (data_dir / "safety.json").write_text('{"answers": {"dvt": "maybe"}}')
    with pytest.raises(SafetyError, match="unreadable safety answers"):
        AnswerStore().load()


def test_roll_is_blocked_by_a_yes(data_dir: Path) -> None:
    AnswerStore().save(all_no() | {"wound-infection": True})
    result = CliRunner().invoke(app, ["roll", "plantar-heel-pain"])
    assert result.exit_code == 3
    assert "Please do not start self-massage yet." in result.stdout
    assert "spread infection" in result.stdout and "urgent care service today" in result.stdout


def test_roll_without_answers_needs_a_terminal(data_dir: Path) -> None:
    result = CliRunner().invoke(app, ["roll", "plantar-heel-pain"])
    assert result.exit_code == 2
    assert "answer the safety check first" in result.stderr


def test_safety_show_json(data_dir: Path) -> None:
    AnswerStore().save(all_no() | {"child": True})
    result = CliRunner().invoke(app, ["safety", "--show", "--json"])
    data = json.loads(result.stdout)
    assert data["cleared"] is False and data["blocking"] == ["child"]
    assert CliRunner().invoke(app, ["safety", "--reset"]).exit_code == 0
    assert not (data_dir / "safety.json").exists()
