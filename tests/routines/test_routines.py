"""Shipped routines, the tools catalog, and the checks on users' routine files."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from solemap.atlas import load_atlas
from solemap.cli import app
from solemap.routines import (
    RoutineError,
    get_routine,
    load_catalog,
    load_routine_file,
    load_routines,
    step_problems,
)
from solemap.routines.plan import describe

SHIPPED = {
    "plantar-heel-pain",
    "full-sole-smr",
    "intrinsic-trigger-points",
    "above-the-foot",
    "reflexology-toe-to-heel",
    "runners-recovery",
}


def test_every_shipped_routine_validates_and_resolves() -> None:
    routines = load_routines()
    assert set(routines) == SHIPPED
    atlas, catalog = load_atlas(), load_catalog()
    for rid, loaded in routines.items():
        r = loaded.routine
        assert loaded.path.stem == rid
        for n, step in enumerate(r.steps, 1):
            assert step_problems(step, n, atlas, catalog) == []
            for area_id in step.areas:
                assert atlas.get(area_id).id == area_id
        view = describe(r)
        assert len(view.steps) == len(r.steps)
        assert sum(b.duration_s for b in r.blocks()) == r.total_s > 0


def test_reflexology_stays_in_its_own_routine() -> None:
    """Reflexology areas appear only in the routine labelled as a traditional practice, and that
    routine uses nothing else; the other routines never lean on reflexology claims."""
    atlas = load_atlas()
    for rid, loaded in load_routines().items():
        r = loaded.routine
        layers = {atlas.get(a).layer for s in r.steps for a in s.areas}
        uses_reflexology = any(layer.startswith("reflexology") for layer in layers)
        assert uses_reflexology == r.tradition, rid
        if r.tradition:
            assert r.evidence == "traditional-claim"
            assert all(s.evidence == "traditional-claim" for s in r.steps)
            assert "traditional practice" in r.note and "trials" in r.note.lower()


def test_heel_pain_routine_follows_the_guideline() -> None:
    r = get_routine("plantar-heel-pain")
    assert r.evidence == "guideline"
    assert any("Koc" in c and "2023" in c for c in r.sources.values())
    techniques = [s.technique for s in r.steps]
    assert techniques.count("stretch") >= 3  # fascia stretch and two calf stretches
    atlas = load_atlas()
    stretched = {atlas.get(a).layer for s in r.steps if s.technique == "stretch" for a in s.areas}
    assert {"anatomy", "trigger-points"} <= stretched
    guideline_steps = [s for s in r.steps if s.evidence == "guideline"]
    assert all("koc-2023" in s.sources or "nhs-pf" in s.sources for s in guideline_steps)


def test_work_above_the_foot_uses_off_sole_ids() -> None:
    atlas = load_atlas()
    r = get_routine("above-the-foot")
    off = [a for s in r.steps for a in s.areas if atlas.get(a).off_sole]
    assert {"tp-gastrocnemius", "tp-soleus"} <= set(off)
    assert any(atlas.get(a).layer == "chains" for s in r.steps for a in s.areas)


def test_tools_catalog() -> None:
    catalog = load_catalog()
    ids = set(catalog.tool_by_id)
    assert {
        "lacrosse-ball",
        "spiky-ball",
        "golf-ball",
        "tennis-ball",
        "frozen-bottle",
        "foam-roller",
        "thumbs",
    } <= ids
    lacrosse, golf, tennis = (
        catalog.tool("lacrosse-ball"),
        catalog.tool("golf-ball"),
        catalog.tool("tennis-ball"),
    )
    assert golf.diameter_mm[0] == pytest.approx(42.67)  # Rules of Golf minimum
    assert lacrosse.diameter_mm == pytest.approx((62.7, 64.7))  # 7¾–8 in circumference
    assert golf.diameter_mm[1] < lacrosse.diameter_mm[0] < tennis.diameter_mm[1]
    assert all(t.sources and t.uses for t in catalog.tools)
    assert all(t.estimate for t in catalog.tools if "product-pages" in t.sources and t.diameter_mm)
    assert lacrosse.size_text() == "Ø 63–65 mm"


def test_alternate_and_both_sides_expand_into_blocks() -> None:
    r = get_routine("plantar-heel-pain")
    calf = next(s for s in r.steps if s.id == "calf-stretch-straight")
    assert [(b.side, b.duration_s) for b in calf.blocks(4)] == [
        ("left", 30),
        ("right", 30),
        ("left", 30),
        ("right", 30),
    ]
    uneven = calf.model_copy(update={"duration_s": 45})
    assert [(b.side, b.duration_s) for b in uneven.blocks(0)] == [
        ("left", 30),
        ("right", 30),
        ("left", 15),
        ("right", 15),
    ]
    first = r.steps[0]
    assert [b.side for b in first.blocks(0)] == ["left", "right"]


GOOD = """
id: my-routine
title: My two-minute routine
summary: A short routine of my own for testing.
purpose: To check that user files validate.
evidence: expert-opinion
sources:
  me: "Myself, 2026 — expert-opinion"
steps:
  - id: roll
    title: Roll the arch
    areas: [anat-medial-longitudinal-arch]
    side: both
    tool: tennis-ball
    technique: slow-rolls
    duration_s: 30
    load: seated
    breathing: Slow breaths.
    pain_ceiling: 4
    instruction: Roll slowly from heel to ball.
    evidence: expert-opinion
    sources: [me]
  - id: liver
    title: Right-foot only area
    areas: [refl-liver]
    side: right
    tool: thumbs
    technique: thumb-walk
    duration_s: 20
    load: {position: seated, body_weight: 0.1}
    breathing: Slow breaths.
    pain_ceiling: 3
    instruction: Walk the thumb across the area.
    evidence: traditional-claim
"""


def write(tmp_path: Path, text: str, name: str = "mine.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_a_good_user_file_validates(tmp_path: Path) -> None:
    r = load_routine_file(write(tmp_path, GOOD))
    assert r.total_s == 80
    assert r.steps[1].load.text() == "sitting, pressing down with about 10% of your body weight on this foot"


@pytest.mark.parametrize(
    "old,new,expected",
    [
        (
            "areas: [anat-medial-longitudinal-arch]",
            "areas: [anat-medial-longitudnal-arch]",
            "step 1 ('roll'): unknown area id 'anat-medial-longitudnal-arch' "
            "(did you mean 'anat-medial-longitudinal-arch'",
        ),
        ("tool: tennis-ball", "tool: squash-ball", "step 1 ('roll'): unknown tool id 'squash-ball'"),
        ("technique: thumb-walk", "technique: kneading", "step 2 ('liver'): unknown technique 'kneading'"),
        (
            "side: right\n",
            "side: both\n",
            "step 2 ('liver'): area 'refl-liver' is on the right foot only, "
            "but the step works on side 'both'",
        ),
        (
            "pain_ceiling: 4",
            "pain_ceiling: 12",
            "step 1 ('roll'): pain_ceiling: Input should be less than or equal to 10",
        ),
        (
            "evidence: traditional-claim",
            "evidence: folklore",
            "step 2 ('liver'): evidence: unknown evidence label 'folklore'",
        ),
        ("    sources: [me]", "    sources: [you]", "step 1 ('roll'): cites source 'you'"),
        ("  - id: liver", "  - id: roll", "step 2 ('roll'): the id is used by an earlier step"),
        ("    duration_s: 20\n", "", "step 2 ('liver'): duration_s: Field required"),
    ],
)
def test_bad_user_files_name_file_step_and_reason(tmp_path: Path, old: str, new: str, expected: str) -> None:
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(RoutineError) as err:
        load_routine_file(path)
    assert str(err.value).startswith("mine.yaml: ")
    assert any(expected in p for p in err.value.problems), err.value.problems


def test_yaml_syntax_errors_name_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("breathing: Slow breaths.", "breathing: in: out", 1))
    with pytest.raises(RoutineError, match=r"mine\.yaml: line \d+: not valid YAML"):
        load_routine_file(path)


def test_cli_check(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(app, ["routines", "check", str(write(tmp_path, GOOD))])
    assert ok.exit_code == 0, ok.output
    assert "ok: mine.yaml — My two-minute routine, 2 steps, 1 min 20 s" in ok.output
    bad = runner.invoke(
        app, ["routines", "check", str(write(tmp_path, GOOD.replace("tennis-ball", "tenis-ball")))]
    )
    assert bad.exit_code == 1
    assert (
        "mine.yaml: step 1 ('roll'): unknown tool id 'tenis-ball' (did you mean 'tennis-ball'?)" in bad.stderr
    )


def test_cli_list_show_dry_run_and_unknown() -> None:
    runner = CliRunner()
    listed = runner.invoke(app, ["routines", "list", "--json"])
    assert listed.exit_code == 0
    assert {r["id"] for r in __import__("json").loads(listed.stdout)} == SHIPPED
    dry = runner.invoke(app, ["roll", "plantar-heel-pain", "--dry-run"])
    assert dry.exit_code == 0
    assert "Plantar fascia stretch" in dry.stdout and "7 steps, 14 min 30 s in all." in dry.stdout
    show = runner.invoke(app, ["routines", "show", "reflexology-toe-to-heel"])
    assert "traditional practice" in show.stdout and "Ernst E 2009" in show.stdout
    unknown = runner.invoke(app, ["roll", "plantar-heel", "--dry-run"])
    assert unknown.exit_code == 2
    assert "no routine 'plantar-heel' (did you mean 'plantar-heel-pain'?)" in unknown.stderr
