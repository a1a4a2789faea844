"""The plantar outline: shape validity and widths at landmarks against published ranges."""

from __future__ import annotations

import pytest
from shapely.geometry import MultiPolygon

from solemap.frame import FootDimensions
from solemap.outline import TOE_SHAPES, landmark_widths, plantar_outline, sole_uv, toe_pads_uv, toes


@pytest.mark.parametrize("toe_shape", TOE_SHAPES)
def test_sole_is_a_valid_body_with_five_separate_toe_pads(toe_shape) -> None:
    sole = sole_uv(toe_shape)
    assert isinstance(sole, MultiPolygon) and sole.is_valid
    assert len(sole.geoms) == 6
    pads = toe_pads_uv(toe_shape)
    assert list(pads) == ["hallux", "toe-2", "toe-3", "toe-4", "toe-5"]
    for a in pads.values():
        for b in pads.values():
            if a is not b:
                assert not a.intersects(b)
    assert max(p.bounds[2] for p in pads.values()) == pytest.approx(1.0, abs=1e-9)


def test_longest_toe_follows_the_toe_shape() -> None:
    assert max(toes("egyptian"), key=lambda t: t.u_tip).name == "hallux"
    assert max(toes("greek"), key=lambda t: t.u_tip).name == "toe-2"
    with pytest.raises(ValueError, match="toe_shape"):
        toes("roman")  # type: ignore[arg-type]


# ANSUR II P5-P95 of the per-person ratios (Gordon 2014 via shared/domain/foot-shape.md):
# ball breadth / FL 0.349-0.404 (men) and 0.348-0.406 (women); heel breadth / FL 0.239-0.304.
@pytest.mark.parametrize(
    ("length", "sex"),
    [(250, "male"), (271.2, "male"), (293, "male"), (226, "female"), (246.3, "female"), (268, "female")],
)
def test_widths_at_landmarks_fall_in_published_ranges(length, sex) -> None:
    dims = FootDimensions.from_length(length, sex)
    w = landmark_widths(dims)
    assert 0.348 <= w["ball"] / length <= 0.406
    assert 0.239 <= w["heel"] / length <= 0.304
    # The silhouette's waist is narrower than the ball but wider than the heel is narrow.
    assert 0.6 * w["ball"] < w["midfoot"] < w["ball"]


def test_outline_in_mm_has_the_foot_length_and_the_toes_up_in_view() -> None:
    dims = FootDimensions.from_length(260)
    mm = plantar_outline("left", dims, frame="mm")
    minx, _, maxx, _ = mm.bounds
    assert minx == pytest.approx(0.0, abs=0.5) and maxx == pytest.approx(260.0, abs=0.5)
    view = plantar_outline("left", dims, frame="view")
    assert view.is_valid and view.bounds[1] == pytest.approx(0.0, abs=0.5)


def test_footprint_cuts_the_medial_arch_to_the_requested_band() -> None:
    dims = FootDimensions()
    full = plantar_outline("right", dims)
    normal = plantar_outline("right", dims, footprint=True, csi=0.38)
    flat = plantar_outline("right", dims, footprint=True, csi=0.6)
    assert normal.area < flat.area < full.area
    # Width of the contact band at u = 0.45 is csi x ball breadth.
    from shapely.geometry import LineString

    x = 0.45 * dims.length_mm
    chord = normal.intersection(LineString([(x, -100), (x, 100)]))
    assert chord.length == pytest.approx(0.38 * dims.ball_width_mm, rel=0.03)
    with pytest.raises(ValueError, match="csi"):
        sole_uv(footprint=True, csi=1.5)
