"""Contact mechanics: the heel-pad model's calibration, ordering of tools and loads, honest output."""

from __future__ import annotations

import math

import numpy as np
import pytest

from solemap.contact import (
    GRAVITY,
    _solve,
    compare_tools,
    contact_data,
    estimate_contact,
    load_cases,
    ppt_statement,
    round_range,
)


def test_every_number_has_a_source_and_label() -> None:
    data = contact_data()
    labels = {"guideline", "systematic-review", "trial", "anatomy", "expert-opinion", "traditional-claim"}
    for section in ("heel_pad", "loads", "references"):
        for name, item in data[section].items():
            assert item["evidence"] in labels, name
            assert item["source"] in data["sources"], name
    for name, tool in data["tools"].items():
        assert tool["evidence"] in labels, name
        assert all(s in data["sources"] for s in tool["sources"]), name
    from solemap.routines import load_catalog

    assert set(data["tools"]) == {t.id for t in load_catalog().tools}


def test_calibration_point_and_monotonic_response() -> None:
    # A is set so that the pad carries the body-weight heel stress at the measured strain.
    h, eps_bw, s_bw, b = 20.0, 0.38, 100.0, 4.0
    a = s_bw / math.expm1(b * eps_bw)
    assert a * math.expm1(b * eps_bw) == pytest.approx(s_bw)
    args = (np.array([21.3]), np.array([h]), np.array([a]), np.array([b]), "sphere", np.array([1.0]))
    d1, e1, p1 = _solve(np.array([100.0]), *args)
    d2, e2, p2 = _solve(np.array([200.0]), *args)
    # The peak is the law at the computed depth; more force sinks deeper, wider and harder.
    assert p1[0] == pytest.approx(a * math.expm1(b * d1[0] / h))
    assert 0 < d1[0] < d2[0] < h and e2[0] > e1[0] and p2[0] > p1[0]
    # Geometry: the contact edge is where the sphere leaves the pad surface.
    assert e1[0] == pytest.approx(math.sqrt(2 * 21.3 * d1[0] - d1[0] ** 2))


def test_force_balance_of_the_solution() -> None:
    F = np.array([50.0, 200.0, 600.0])
    R = np.full(3, 21.3)
    h = np.full(3, 20.0)
    b = np.full(3, 4.0)
    a = 100.0 / np.expm1(b * 0.38)
    delta, edge, _ = _solve(F, R, h, a, b, "sphere", np.ones(3))
    r = np.linspace(0, 1, 4001)[None, :] * edge[:, None]
    w = delta[:, None] - (R[:, None] - np.sqrt(R[:, None] ** 2 - r**2))
    sigma = a[:, None] * np.expm1(b[:, None] * np.clip(w, 0, None) / h[:, None])
    f = np.trapezoid(sigma * 2 * np.pi * r, r, axis=1) * 1e-3
    np.testing.assert_allclose(f, F, rtol=1e-3)


def test_ordering_of_tools_and_loads() -> None:
    rows = {(r.tool, r.load): r for r in compare_tools(70.0)}
    golf, lax, tennis = (rows[(t, "standing-50pct")] for t in ("golf-ball", "lacrosse-ball", "tennis-ball"))
    # Smaller and harder concentrates load: golf > lacrosse > tennis in mean pressure.
    assert golf.mean_kpa[0] > lax.mean_kpa[1] >= tennis.mean_kpa[0]
    assert tennis.contact_radius_mm[1] >= lax.contact_radius_mm[0]
    for tool in ("golf-ball", "lacrosse-ball", "tennis-ball", "frozen-bottle"):
        m = [rows[(tool, load)].mean_kpa[1] for load in ("standing-25pct", "standing-50pct", "one-foot")]
        assert m == sorted(m)
    # Ranges: low <= high, contact never wider than the ball.
    for r in rows.values():
        if r.modelled:
            assert r.mean_kpa[0] <= r.mean_kpa[1] and r.peak_kpa[1] >= r.mean_kpa[1]
            assert r.contact_radius_mm[1] <= max(contact_data()["tools"][r.tool]["radius_mm"]) + 1e-9


def test_within_the_working_bound_where_it_applies() -> None:
    # Between seated and half body weight the mean pressure lies within the brief's bound
    # F/(πR²)…4F/(πR²) (mechanics.md §4) for the rigid and near-rigid balls.
    for tool in ("golf-ball", "lacrosse-ball"):
        for f in (50.0, 100.0, 200.0, 300.0):
            est = estimate_contact(tool, (f, f))
            lo, hi = est.bound_kpa
            assert lo * 0.9 <= est.mean_kpa[0] and est.mean_kpa[1] <= hi * 1.1, (
                tool,
                f,
                est.mean_kpa,
                est.bound_kpa,
            )


def test_load_cases_and_sentence() -> None:
    cases = {c.name: c for c in load_cases(80.0, (0.5,))}
    assert cases["standing-50pct"].force_n[0] == pytest.approx(0.5 * 80 * GRAVITY)
    assert cases["one-foot"].force_n[0] == pytest.approx(80 * GRAVITY)
    est = estimate_contact(
        "golf-ball", cases["standing-50pct"].force_n, "standing-50pct", cases["standing-50pct"].text
    )
    text = est.sentence("golf ball")
    assert "kPa" in text and "times the mean pressure of quiet standing" in text and "367" in text
    spiky = estimate_contact("spiky-ball", (100.0, 100.0))
    assert not spiky.modelled and "no measurement" in spiky.sentence()
    with pytest.raises(ValueError):
        load_cases(5.0)
    with pytest.raises(KeyError):
        estimate_contact("brick", (10.0, 20.0))


def test_ranges_have_no_false_decimals() -> None:
    assert round_range(123.456, 987.6) == (120.0, 990.0)
    assert round_range(0.7000000001, 3.3) == (0.7, 3.3)
    data = estimate_contact("lacrosse-ball", (20.0, 150.0)).to_json()
    for key in ("mean_kpa", "peak_kpa", "contact_radius_mm"):
        for v in data[key]:
            assert len(f"{v:g}".replace(".", "").replace("-", "").strip("0")) <= 2


def test_no_invented_pain_threshold() -> None:
    assert contact_data()["pressure_pain_threshold"]["known"] is False
    assert "could be checked" in ppt_statement() or "could not" in ppt_statement()
