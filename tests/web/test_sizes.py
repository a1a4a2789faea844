"""Shoe sizes ↔ foot length: the sourced formulas of foot-shape.md §3 and their worked examples."""

from __future__ import annotations

import math

import pytest

from solemap import sizes


@pytest.mark.parametrize(
    ("foot_mm", "system", "expected"),
    [
        # Worked examples of foot-shape.md §3 (ANSUR II mean feet).
        (271.2, "eu", 42.5),  # 1.5 × 27.12 + 2 = 42.68 → nearest half size
        (271.2, "uk", 9.0),
        (271.2, "us-men", 10.0),
        (246.3, "us-women", 8.5),
        (271.0, "mondopoint", 270.0),
    ],
)
def test_size_for_worked_examples(foot_mm: float, system: str, expected: float) -> None:
    assert sizes.system(system).size_for(foot_mm) == expected


def test_exact_sizes_follow_the_formulas() -> None:
    assert sizes.system("eu").exact_size(271.2) == pytest.approx(42.68)
    assert sizes.system("uk").exact_size(271.2) == pytest.approx(3 * 271.2 / 25.4 - 23)
    assert sizes.system("us-women").exact_size(246.3) == pytest.approx(3 * 246.3 / 25.4 - 20.5)


@pytest.mark.parametrize("system", list(sizes.SYSTEMS))
@pytest.mark.parametrize("foot_mm", [210.0, 246.3, 271.2, 300.0, 335.0])
def test_round_trip(system: str, foot_mm: float) -> None:
    s = sizes.system(system)
    assert s.foot_length_mm(s.exact_size(foot_mm)) == pytest.approx(foot_mm)
    # The size sold (rounded) lands within half a size step of the foot.
    mm_per_size = {"eu": 20 / 3, "mondopoint": 1.0}.get(system, 25.4 / 3)
    assert abs(s.foot_length_mm(s.size_for(foot_mm)) - foot_mm) <= s.step * mm_per_size / 2 + 1e-9


def test_uk_back_conversion_example() -> None:
    # (9 + 23) × 8.467 = 270.9 mm
    assert sizes.foot_length_from_shoe_size(9, "uk") == pytest.approx(270.93, abs=0.01)
    assert sizes.foot_length_from_shoe_size(42, "eu") == pytest.approx(266.67, abs=0.01)


def test_us_scales_are_offsets_of_uk() -> None:
    foot = 260.0
    uk = sizes.system("uk").exact_size(foot)
    assert sizes.system("us-men").exact_size(foot) == pytest.approx(uk + 1)
    assert sizes.system("us-women").exact_size(foot) == pytest.approx(uk + 2.5)


def test_size_ranges_are_adult_and_ordered() -> None:
    for s in sizes.SYSTEMS.values():
        lo, hi = s.size_range
        assert lo < hi
        assert sizes.MIN_FOOT_MM <= s.foot_length_mm(lo) <= s.foot_length_mm(hi) <= sizes.MAX_FOOT_MM
        assert lo > 0


@pytest.mark.parametrize(("size", "system"), [(20, "eu"), (60, "eu"), (-3, "uk"), (400, "mondopoint")])
def test_sizes_outside_adult_range_are_refused(size: float, system: str) -> None:
    with pytest.raises(ValueError, match="outside adult sizes"):
        sizes.foot_length_from_shoe_size(size, system)


def test_bad_inputs() -> None:
    with pytest.raises(ValueError, match="unknown shoe-size system 'jp'"):
        sizes.system("jp")
    with pytest.raises(ValueError, match="must be a number"):
        sizes.foot_length_from_shoe_size(math.nan, "eu")
    with pytest.raises(ValueError, match="between"):
        sizes.shoe_sizes_for(100.0)
    table = sizes.shoe_sizes_for(271.2)
    assert set(table) == set(sizes.SYSTEMS)


def test_sizes_module_imports_nothing_from_solemap() -> None:
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(sizes))
    imported = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)] + [
        a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
    ]
    assert not [m for m in imported if m and m.startswith("solemap")]
