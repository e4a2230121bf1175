"""Making Data Count XmR charts: limits, the four special-cause rules, icons, few points."""

from __future__ import annotations

import numpy as np
import pytest

from wdp.spc import MIN_POINTS_FOR_LIMITS, mean_moving_range, xmr

STEADY = [50, 52, 49, 51, 50, 52, 48, 51, 50, 49, 51, 50]  # mean 50.25


def test_limits_are_mean_plus_minus_2_66_mean_moving_ranges() -> None:
    result = xmr(STEADY)
    ranges = np.abs(np.diff(STEADY))
    assert result.mean == pytest.approx(np.mean(STEADY))
    assert result.upper == pytest.approx(np.mean(STEADY) + 2.66 * ranges.mean())
    assert result.lower == pytest.approx(np.mean(STEADY) - 2.66 * ranges.mean())
    assert result.variation == "common_cause"
    assert not any(result.to_frame()["special_cause"])


def test_large_moving_ranges_are_screened_out_before_the_limits() -> None:
    values = [10, 11, 10, 11, 10, 40, 10, 11, 10, 11, 10, 11]
    ranges = np.abs(np.diff(values))
    kept = ranges[ranges <= 3.267 * ranges.mean()]
    assert len(kept) < len(ranges)
    assert mean_moving_range(np.array(values)) == pytest.approx(kept.mean())


def test_a_point_beyond_a_limit_is_special_cause() -> None:
    result = xmr([*STEADY, 60])
    assert "beyond the upper limit" in result.rules[-1]
    assert result.variation == "improvement_high"
    concern = xmr([*STEADY, 40])
    assert concern.variation == "concern_low" and concern.causes[-1] == "concern"


def test_seven_points_on_one_side_of_the_mean_is_a_shift_six_is_not() -> None:
    shifted = xmr([*STEADY, 51, 51, 51, 51, 51, 51, 51], baseline=12)
    assert all("7 points above the mean" in r for r in shifted.rules[-7:])
    near_miss = xmr([*STEADY, 51, 51, 51, 51, 51, 51, 49], baseline=12)
    assert not any("7 points above the mean" in r for r in near_miss.rules)


def test_seven_points_rising_is_a_trend_six_is_not() -> None:
    rising = xmr([*STEADY[:-7], 49.0, 49.2, 49.4, 49.6, 49.8, 50.0, 50.2])
    assert all("7 points rising" in r for r in rising.rules[-7:])
    short = xmr([*STEADY[:-6], 49.0, 49.2, 49.4, 49.6, 49.8, 50.0])
    assert not any("7 points rising" in r for r in short.rules)


def test_two_of_three_points_near_a_limit_is_special_cause() -> None:
    result = xmr(STEADY)
    near = result.mean + 0.8 * (result.upper - result.mean)  # beyond 2/3, inside the limit
    flagged = xmr([*STEADY, near, 50, near])
    assert "2 of 3 near the upper limit" in flagged.rules[-1]
    single = xmr([*STEADY, near, 50, 50])
    assert not any("2 of 3" in " ".join(r) for r in single.rules)


def test_lower_is_better_flips_improvement_and_concern() -> None:
    result = xmr([*STEADY, 40], improvement="down")
    assert result.variation == "improvement_low"


def test_assurance_against_a_target() -> None:
    assert xmr(STEADY, target=40).assurance == "pass"
    assert xmr(STEADY, target=60).assurance == "fail"
    assert xmr(STEADY, target=50).assurance == "inconsistent"
    assert xmr(STEADY).assurance is None


def test_too_few_points_get_words_not_limits() -> None:
    few = xmr([60, 62, 65, 70])
    assert len([60, 62, 65, 70]) < MIN_POINTS_FOR_LIMITS
    assert not few.has_limits and few.summary.startswith("Improved")
    assert xmr([70, 65, 62, 60]).summary.startswith("Deteriorated")
    assert xmr([60, 61, 60, 60.5]).summary.startswith("Sustained")
