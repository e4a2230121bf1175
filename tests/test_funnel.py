"""Funnel-plot limits for proportions: the Fingertips (score) method by hand, Spiegelhalter's
exact binomial method against a brute-force binomial, narrowing with n, and classification."""

from __future__ import annotations

import math

import numpy as np
import pytest

from wdp.funnel import (
    POSITIONS,
    classify_against_funnel,
    control_limits,
    funnel_limits,
    funnel_positions,
)
from wdp.stats import compare_to_benchmark, wilson_interval

Z95, Z998 = 1.959963984540054, 3.090232306167813


def brute_force_limit(n: int, p: float, q: float) -> float:
    """Spiegelhalter's interpolated binomial quantile from the binomial pmf summed term by term."""
    cdf = 0.0
    for r in range(n + 1):
        pmf = math.comb(n, r) * p**r * (1 - p) ** (n - r)
        cdf += pmf
        if cdf >= q:
            return (r - (cdf - q) / pmf) / n
    return 1.0


# The Fingertips (score) method ------------------------------------------------------------------


def test_score_limits_match_the_formula_by_hand() -> None:
    # p = 70%, n = 100: half-width z * sqrt(0.7 * 0.3 / 100) = z * 0.0458258
    lower, upper = control_limits(70, [100])
    assert lower[0] == pytest.approx(70 - 100 * Z95 * 0.0458257569, abs=1e-6)  # 61.0183
    assert upper[0] == pytest.approx(78.9817, abs=1e-4)
    lower, upper = control_limits(70, [100], level=99.8)
    assert (lower[0], upper[0]) == pytest.approx((70 - 14.1612, 70 + 14.1612), abs=1e-4)


def test_score_limits_are_the_inverted_wilson_interval() -> None:
    # PHEindicatormethods' quadratic (sigma_adjustment) for the same point.
    p, n, z = 0.7, 100, Z95
    first = p * (n / z**2 + 1)
    adj = math.sqrt(
        (-8 * p * (n / z**2 + 1)) ** 2
        - 64 * (1 / z**2 + 1 / n) * p * (n * (p * (n / z**2 + 2) - 1) + z**2 * (p - 1))
    )
    last = 1 / z**2 + 1 / n
    lower, upper = control_limits(70, [n])
    assert lower[0] == pytest.approx(100 * (first - adj / 8) / last / n, abs=1e-9)
    assert upper[0] == pytest.approx(100 * (first + adj / 8) / last / n, abs=1e-9)


def test_outside_the_funnel_exactly_when_the_wilson_interval_excludes_england() -> None:
    rng = np.random.default_rng(7)
    n = rng.integers(20, 5000, 400)
    counts = rng.binomial(n, rng.uniform(0.55, 0.85, 400))
    positions = funnel_positions(100 * counts / n, n, 70.0)
    lower, upper = wilson_interval(counts, n)
    judged = compare_to_benchmark(lower, upper, np.full(400, 70.0))
    outside = np.isin(positions, ["above_95", "above_99.8", "below_95", "below_99.8"])
    assert np.array_equal(outside, judged != "similar")
    assert np.array_equal(np.char.startswith(positions, "above"), judged == "better")


def test_limits_are_symmetric_and_narrow_as_n_grows() -> None:
    frame = funnel_limits(70, 100, 1_000_000, points=50)
    assert len(frame) == 50
    assert frame["denominator"].iloc[0] == pytest.approx(100)
    assert frame["denominator"].iloc[-1] == pytest.approx(1_000_000)
    assert (frame["benchmark"] == 70).all()
    for level in ("95", "998"):
        width = frame[f"upper_{level}"] - frame[f"lower_{level}"]
        assert (np.diff(width) < 0).all()
        assert np.allclose(frame[f"upper_{level}"] - 70, 70 - frame[f"lower_{level}"])
    assert (frame["upper_998"] > frame["upper_95"]).all()
    assert (frame["lower_998"] < frame["lower_95"]).all()
    assert (frame["upper_95"] > 70).all() and (frame["lower_95"] < 70).all()
    assert frame.attrs["method"] == "score"


def test_limits_are_clipped_to_0_and_100() -> None:
    frame = funnel_limits(98, 5, 50, points=10)
    assert (frame["upper_998"] <= 100).all() and frame["upper_998"].iloc[0] == 100
    lower, _ = control_limits(2, [5], level=99.8)
    assert lower[0] == 0
    raw_lower, _ = control_limits(2, [5], level=99.8, clip=False)
    assert raw_lower[0] < 0


def test_linear_spacing() -> None:
    frame = funnel_limits(70, 100, 1000, points=10, spacing="linear")
    assert np.allclose(np.diff(frame["denominator"]), 100)


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError):
        funnel_limits(70, 0, 100)
    with pytest.raises(ValueError):
        funnel_limits(70, 1000, 100)
    with pytest.raises(ValueError):
        funnel_limits(70, 10, 100, points=1)
    with pytest.raises(ValueError):
        funnel_limits(170, 10, 100)
    with pytest.raises(ValueError):
        control_limits(70, [100], method="normal")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        classify_against_funnel(70, 0, 70)


# Spiegelhalter's exact binomial method ----------------------------------------------------------


@pytest.mark.parametrize(("n", "p"), [(20, 0.3), (50, 0.7), (200, 0.05), (1000, 0.7)])
def test_exact_limits_match_a_brute_force_binomial(n: int, p: float) -> None:
    for level, (q_low, q_high) in ((95.0, (0.025, 0.975)), (99.8, (0.001, 0.999))):
        lower, upper = control_limits(100 * p, [n], level=level, method="exact", clip=False)
        assert lower[0] == pytest.approx(100 * brute_force_limit(n, p, q_low), abs=1e-9)
        assert upper[0] == pytest.approx(100 * brute_force_limit(n, p, q_high), abs=1e-9)


def test_exact_limits_differ_for_small_n_and_meet_the_score_limits_for_large_n() -> None:
    # 5% of 200: exact 1.958 to 7.971 (not symmetric about 5), score 1.979 to 8.021.
    lower, upper = control_limits(5, [200], method="exact")
    assert (lower[0], upper[0]) == pytest.approx((1.9584, 7.9708), abs=1e-4)
    assert abs((upper[0] - 5) - (5 - lower[0])) > 0.05
    exact = funnel_limits(70, 10_000, 5_000_000, points=20, method="exact")
    score = funnel_limits(70, 10_000, 5_000_000, points=20)
    for column in ("lower_95", "upper_95", "lower_998", "upper_998"):
        assert np.allclose(exact[column], score[column], atol=0.05)
    assert exact.attrs["method"] == "exact"


def test_exact_funnel_uses_whole_denominators() -> None:
    frame = funnel_limits(70, 1, 50, points=200, method="exact")
    assert frame["denominator"].tolist() == list(range(1, 51))  # repeats dropped
    width = frame["upper_95"] - frame["lower_95"]
    assert width.iloc[-1] < width.iloc[5]


# Classification ---------------------------------------------------------------------------------


def test_classification_of_points_around_england() -> None:
    # n = 10,000 around 70%: 95% limits 69.10 to 70.90, 99.8% limits 68.58 to 71.42.
    cases = {75: "above_99.8", 71: "above_95", 70: "within", 69.5: "within", 69: "below_95"}
    for value, expected in {**cases, 67: "below_99.8"}.items():
        assert classify_against_funnel(value, 10_000, 70) == expected
    # The same value moves inside the funnel as the denominator falls.
    assert classify_against_funnel(71, 100, 70) == "within"
    assert set(cases.values()) | {"below_99.8"} == set(POSITIONS)


def test_a_point_on_a_limit_is_inside_it() -> None:
    lower, upper = control_limits(70, [10_000])
    assert classify_against_funnel(float(upper[0]), 10_000, 70) == "within"
    assert classify_against_funnel(float(lower[0]), 10_000, 70) == "within"
    lower, upper = control_limits(70, [10_000], level=99.8)
    assert classify_against_funnel(float(upper[0]), 10_000, 70) == "above_95"


def test_vectorised_positions_skip_missing_points() -> None:
    positions = funnel_positions([75, 71, np.nan, 67, 60], [10_000, 10_000, 10_000, 10_000, 0], 70)
    assert positions.tolist() == ["above_99.8", "above_95", "", "below_99.8", ""]


def test_exact_classification_can_differ_for_small_denominators() -> None:
    # Against 30% with n = 20 the 95% lower limit is 9.92% by the score method but 8.12% exact
    # (the binomial is skewed there), so 9% is below the one funnel and inside the other.
    assert classify_against_funnel(9, 20, 30) == "below_95"
    assert classify_against_funnel(9, 20, 30, method="exact") == "within"
    assert classify_against_funnel(5, 20, 30, method="exact") == "below_95"
