"""Making Data Count XmR charts: limits by hand, MR screening, one test per special-cause rule
(each with a near miss), icons, assurance, too few points, and Newcombe's difference interval."""

from __future__ import annotations

import math

import numpy as np
import pytest

from wdp.spc import (
    MIN_POINTS_FOR_LIMITS,
    RULE_ABOVE_LIMIT,
    RULE_BELOW_LIMIT,
    RULE_NEAR_LOWER,
    RULE_NEAR_UPPER,
    RULE_RUN_ABOVE,
    RULE_RUN_BELOW,
    RULE_TREND_DOWN,
    RULE_TREND_UP,
    SpcResult,
    compare_two_points,
    difference_ci,
    mean_moving_range,
    xmr,
)

# Twelve baseline points, worked by hand:
#   sum 603, mean 50.25
#   moving ranges 2 3 2 1 2 4 3 1 1 2 1: sum 22, mean 2 (none above 3.267 x 2 = 6.534)
#   limits 50.25 -/+ 2.66 x 2 = 44.93 and 55.57
#   two thirds of the way to a limit: 50.25 -/+ 3.5467 = 46.7033 and 53.7967
STEADY = [50, 52, 49, 51, 50, 52, 48, 51, 50, 49, 51, 50]
MEAN, LOWER, UPPER = 50.25, 44.93, 55.57
NEAR_LOWER, NEAR_UPPER = 50.25 - 2 / 3 * 5.32, 50.25 + 2 / 3 * 5.32


def flagged(result: SpcResult) -> list[int]:
    """Indices of the special-cause points."""
    return [i for i, rules in enumerate(result.rules) if rules]


def only_rule(result: SpcResult, indices: list[int], rule: str) -> bool:
    """True when exactly ``indices`` are flagged, each by ``rule`` alone."""
    return flagged(result) == indices and all(result.rules[i] == (rule,) for i in indices)


# Mean, moving range and limits ------------------------------------------------------------------


def test_mean_and_limits_match_the_hand_calculation() -> None:
    result = xmr(STEADY)
    assert result.mean == pytest.approx(MEAN)
    assert result.mean_moving_range == pytest.approx(2.0)
    assert result.limits == pytest.approx((LOWER, UPPER))
    assert (result.lower, result.upper) == pytest.approx((LOWER, UPPER))
    assert result.baseline_points == 12
    assert result.variation == "common_cause"
    assert flagged(result) == []


def test_large_moving_ranges_are_screened_out_before_the_limits() -> None:
    # Moving ranges 1 1 1 1 30 30 1 1 1 1 1: mean 69/11 = 6.27; 3.267 x 6.27 = 20.5 screens out
    # both 30s, leaving nine 1s: mean moving range 1. Mean 155/12.
    values = [10, 11, 10, 11, 10, 40, 10, 11, 10, 11, 10, 11]
    assert mean_moving_range(values) == pytest.approx(1.0)
    result = xmr(values)
    assert result.mean == pytest.approx(155 / 12)
    assert result.limits == pytest.approx((155 / 12 - 2.66, 155 / 12 + 2.66))
    assert RULE_ABOVE_LIMIT in result.rules[5]
    # Unscreened, the limits would have been 2.66 x 69/11 = 16.7 either side.
    assert np.abs(np.diff(values)).mean() == pytest.approx(69 / 11)


def test_screening_is_a_single_pass_on_the_first_mean() -> None:
    # Ranges 1 x 9, 5 and 30: first mean 44/11 = 4; 3.267 x 4 = 13.07 drops only the 30
    # (the 5 stays even though it is above 3.267 x the recomputed mean of 14/10 = 1.4).
    values = [0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 6, 36]
    assert mean_moving_range(values) == pytest.approx(14 / 10)


def test_moving_ranges_of_fewer_than_two_points() -> None:
    assert mean_moving_range([]) == 0.0
    assert mean_moving_range([5]) == 0.0


def test_the_baseline_fixes_the_limits_for_later_points() -> None:
    result = xmr([*STEADY, 80, 20, 80], baseline=12)
    assert result.mean == pytest.approx(MEAN)
    assert result.limits == pytest.approx((LOWER, UPPER))
    assert result.baseline_points == 12
    frame = result.to_frame()
    assert frame["lower"].tolist() == pytest.approx([LOWER] * 15)  # flat limits
    assert frame["upper"].tolist() == pytest.approx([UPPER] * 15)


def test_a_longer_baseline_uses_more_points() -> None:
    values = [*STEADY, 52, 48]
    result = xmr(values, baseline=14)
    assert result.mean == pytest.approx(np.mean(values))
    assert result.mean_moving_range == pytest.approx((22 + 2 + 4) / 13)
    assert xmr(values, baseline=100).baseline_points == 14  # all, when fewer


def test_a_baseline_shorter_than_the_minimum_is_refused() -> None:
    with pytest.raises(ValueError, match="baseline"):
        xmr(STEADY, baseline=6)


# The four special-cause rules, each with a near miss --------------------------------------------


def test_rule_1_a_point_beyond_a_limit() -> None:
    above = xmr([*STEADY, 56])
    assert only_rule(above, [12], RULE_ABOVE_LIMIT)
    below = xmr([*STEADY, 44])
    assert only_rule(below, [12], RULE_BELOW_LIMIT)
    # Near misses: just inside each limit (and one point beyond 2/3 is not 2 of 3).
    assert flagged(xmr([*STEADY, 55.5])) == []
    assert flagged(xmr([*STEADY, 45.0])) == []


def test_rule_2_seven_points_on_one_side_of_the_mean() -> None:
    above = xmr([*STEADY, *[51] * 7])
    assert only_rule(above, list(range(12, 19)), RULE_RUN_ABOVE)
    below = xmr([*STEADY, 51, *[49.5] * 7])
    assert only_rule(below, list(range(13, 20)), RULE_RUN_BELOW)
    longer = xmr([*STEADY, *[51] * 9])
    assert only_rule(longer, list(range(12, 21)), RULE_RUN_ABOVE)  # the whole run
    # Near misses: six in a row; seven broken by a point exactly on the mean.
    assert flagged(xmr([*STEADY, *[51] * 6])) == []
    assert flagged(xmr([*STEADY, 51, 51, 51, MEAN, 51, 51, 51])) == []


def test_rule_3_seven_points_rising_or_falling() -> None:
    rising = xmr([*STEADY, 47, 48, 49, 50, 51, 52, 53])  # inside 2/3 and crossing the mean
    assert only_rule(rising, list(range(12, 19)), RULE_TREND_UP)
    falling = xmr([*STEADY, 53, 52, 51, 50, 49, 48, 47])
    assert only_rule(falling, list(range(12, 19)), RULE_TREND_DOWN)
    # Near misses: six rising; seven with two equal neighbours (an equal step breaks a trend).
    assert flagged(xmr([*STEADY, 48, 49, 50, 51, 52, 53])) == []
    assert flagged(xmr([*STEADY, 47, 48, 49, 49, 51, 52, 53])) == []


def test_rule_4_two_of_three_close_to_a_limit_on_one_side() -> None:
    near_high = (NEAR_UPPER + UPPER) / 2  # 54.68: beyond 2/3, inside the limit
    near_low = (NEAR_LOWER + LOWER) / 2
    upper = xmr([*STEADY, near_high, 50, near_high])
    assert only_rule(upper, [12, 14], RULE_NEAR_UPPER)
    adjacent = xmr([*STEADY, near_high, near_high])
    assert only_rule(adjacent, [12, 13], RULE_NEAR_UPPER)
    lower = xmr([*STEADY, near_low, 50, near_low])
    assert only_rule(lower, [12, 14], RULE_NEAR_LOWER)
    # Near misses: two such points three apart; two in three but on opposite sides.
    assert flagged(xmr([*STEADY, near_high, 50, 50, near_high])) == []
    assert flagged(xmr([*STEADY, near_high, 50, near_low])) == []


def test_a_point_beyond_the_limit_counts_towards_two_of_three() -> None:
    near_high = (NEAR_UPPER + UPPER) / 2
    result = xmr([*STEADY, near_high, 56])
    assert result.rules[12] == (RULE_NEAR_UPPER,)
    assert result.rules[13] == (RULE_ABOVE_LIMIT, RULE_NEAR_UPPER)


def test_a_point_breaking_several_rules_takes_its_side_from_the_first() -> None:
    # Seven falling points, all above the mean: a falling trend and a run above the mean. The
    # trend comes first (limit, trend, two of three, shift), so the points count as low.
    result = xmr([*STEADY, 53.5, 53.2, 52.9, 52.6, 52.3, 52.0, 51.7])
    assert result.rules[-1] == (RULE_TREND_DOWN, RULE_RUN_ABOVE)
    assert result.causes[-1] == "concern"
    assert result.variation == "concern_low"


def test_the_turning_point_between_two_trends_takes_the_later_trend() -> None:
    values = [*STEADY, 47, 48, 49, 50, 51, 52, 53, 52, 51, 50, 49, 48, 47]
    result = xmr(values)
    peak = 18
    assert RULE_TREND_UP in result.rules[peak] and RULE_TREND_DOWN in result.rules[peak]
    assert result.causes[peak] == "concern"  # counted with the falling trend that follows
    assert result.causes[peak - 1] == "improvement"


# Icons ------------------------------------------------------------------------------------------


def test_variation_icon_for_a_rising_series() -> None:
    assert xmr([*STEADY, 56]).variation == "improvement_high"
    assert xmr([*STEADY, 47, 48, 49, 50, 51, 52, 53]).variation == "improvement_high"
    assert xmr([*STEADY, 56], improvement="down").variation == "concern_high"
    assert xmr([*STEADY, 56]).causes[-1] == "improvement"


def test_variation_icon_for_a_falling_series() -> None:
    assert xmr([*STEADY, 44]).variation == "concern_low"
    assert xmr([*STEADY, 53, 52, 51, 50, 49, 48, 47]).variation == "concern_low"
    assert xmr([*STEADY, 44], improvement="down").variation == "improvement_low"
    assert xmr([*STEADY, 44], improvement="down").causes[-1] == "improvement"


def test_variation_icon_for_common_cause() -> None:
    assert xmr(STEADY).variation == "common_cause"
    # An earlier special cause does not set the icon: it is about the latest point.
    earlier = xmr([*STEADY[:6], 60, *STEADY[6:]])
    assert flagged(earlier) != [] and earlier.variation == "common_cause"


def test_assurance_against_a_target() -> None:
    assert xmr(STEADY, target=40).assurance == "pass"  # always above the target
    assert xmr(STEADY, target=60).assurance == "fail"  # always below it
    assert xmr(STEADY, target=50).assurance == "inconsistent"
    assert xmr(STEADY, target=LOWER).assurance == "inconsistent"  # on a limit
    assert xmr(STEADY).assurance is None
    # Lower is better: the sides swap.
    assert xmr(STEADY, target=60, improvement="down").assurance == "pass"
    assert xmr(STEADY, target=40, improvement="down").assurance == "fail"
    assert xmr(STEADY, target=50, improvement="down").assurance == "inconsistent"


def test_the_summary_names_both_icons() -> None:
    summary = xmr([*STEADY, 56], target=40).summary
    assert summary.startswith("Special cause variation: improvement (higher)")
    assert "consistently meet the target" in summary


def test_improvement_must_be_up_or_down() -> None:
    with pytest.raises(ValueError, match="improvement"):
        xmr(STEADY, improvement="sideways")  # type: ignore[arg-type]


# The frame --------------------------------------------------------------------------------------


def test_to_frame_gives_one_row_per_point() -> None:
    frame = xmr([*STEADY, 56]).to_frame()
    assert list(frame.columns) == [
        "value",
        "mean",
        "lower",
        "upper",
        "special_cause",
        "cause",
        "rules",
    ]
    assert len(frame) == 13 and frame.index.tolist() == list(range(13))
    last = frame.iloc[-1]
    assert last["value"] == 56 and bool(last["special_cause"]) and last["cause"] == "improvement"
    assert last["rules"] == RULE_ABOVE_LIMIT
    assert frame["mean"].tolist() == pytest.approx([MEAN] * 13)
    assert frame["special_cause"].sum() == 1 and set(frame["cause"][:12]) == {""}


def test_missing_values_stay_in_place_and_are_skipped() -> None:
    values = [*STEADY[:5], math.nan, *STEADY[5:], 56]
    result = xmr(values)
    assert result.mean == pytest.approx(MEAN)
    assert result.limits == pytest.approx((LOWER, UPPER))  # as if the gap were not there
    frame = result.to_frame()
    assert len(frame) == 14 and math.isnan(frame["value"][5])
    assert not frame["special_cause"][5] and frame["cause"][5] == ""
    assert result.rules[-1] == (RULE_ABOVE_LIMIT,)


# Too few points ---------------------------------------------------------------------------------


def test_twelve_points_are_the_minimum_for_limits() -> None:
    assert MIN_POINTS_FOR_LIMITS == 12
    assert xmr(STEADY).has_limits
    eleven = xmr(STEADY[:11])
    assert not eleven.has_limits and eleven.limits is None
    assert eleven.lower is None and eleven.upper is None and eleven.variation is None
    assert xmr([*STEADY[:11], math.nan]).limits is None  # missing points do not count


def test_too_few_points_get_words_not_limits() -> None:
    improved = xmr([60, 62, 65, 70])  # change 10 > 2.66 x mean moving range 3.33 = 8.87
    assert improved.change == "improved" and improved.summary.startswith("Improved")
    assert "fewer than the 12" in improved.summary
    deteriorated = xmr([70, 65, 62, 60])
    assert deteriorated.change == "deteriorated"
    assert deteriorated.summary.startswith("Deteriorated")
    sustained = xmr([60, 61, 60, 60.5])
    assert sustained.change == "sustained" and sustained.summary.startswith("Sustained")
    assert xmr([60, 62, 65, 70], improvement="down").change == "deteriorated"
    frame = improved.to_frame()
    assert frame["lower"].isna().all() and frame["upper"].isna().all()
    assert not frame["special_cause"].any()
    assert improved.assurance is None and xmr([60, 70], target=65).assurance is None


def test_too_few_points_with_counts_use_wilson_intervals() -> None:
    # 60.0% (56.9 to 63.0) then 70.0% (67.1 to 72.8): the intervals do not overlap.
    values = [60.0, 64.0, 70.0]
    counts, denominators = [600, 640, 700], [1000, 1000, 1000]
    result = xmr(values, counts=counts, denominators=denominators)
    assert result.change == "improved" and "do not overlap" in result.summary
    # 60/100 then 70/100: the same percentages, but the intervals overlap.
    small = xmr(values, counts=[60, 64, 70], denominators=[100, 100, 100])
    assert small.change == "sustained" and not small.has_limits
    with pytest.raises(ValueError, match="both"):
        xmr(values, counts=counts)
    with pytest.raises(ValueError, match="one entry per value"):
        xmr(values, counts=counts[:2], denominators=denominators[:2])


def test_one_point_or_none() -> None:
    one = xmr([55.0])
    assert one.change is None and one.summary.startswith("One point")
    empty = xmr([])
    assert empty.change is None and empty.summary == "No data." and empty.to_frame().empty


# Comparing two proportions ----------------------------------------------------------------------


def test_compare_two_points_needs_the_intervals_apart() -> None:
    assert compare_two_points(600, 1000, 700, 1000) == "improved"
    assert compare_two_points(700, 1000, 600, 1000) == "deteriorated"
    assert compare_two_points(60, 100, 70, 100) == "sustained"  # 50.2-69.1 and 60.4-77.8
    assert compare_two_points(600, 1000, 700, 1000, improvement="down") == "deteriorated"
    assert compare_two_points(700, 1000, 600, 1000, improvement="down") == "improved"
    with pytest.raises(ValueError):
        compare_two_points(5, 0, 1, 2)
    with pytest.raises(ValueError):
        compare_two_points(11, 10, 1, 2)


@pytest.mark.parametrize(
    ("a", "b", "published"),
    [
        # Newcombe (1998), Statistics in Medicine 17:873, Table II, method 10 (as proportions).
        ((48, 80), (56, 70), (0.2, 0.0524, 0.3339)),  # example (a)
        ((3, 10), (9, 10), (0.6, 0.1705, 0.8090)),  # example (b)
        ((0, 29), (5, 56), (5 / 56, -0.0381, 0.1926)),  # example (d)
        ((0, 20), (0, 10), (0.0, -0.1611, 0.2775)),  # example (e)
    ],
)
def test_difference_ci_matches_newcombes_published_examples(
    a: tuple[int, int], b: tuple[int, int], published: tuple[float, float, float]
) -> None:
    result = difference_ci(*a, *b, z=1.96)
    assert result == pytest.approx([100 * v for v in published], abs=0.005 + 1e-9)
    default = difference_ci(*a, *b)  # z = 1.959964: the same to 4 decimal places of a proportion
    assert default == pytest.approx([100 * v for v in published], abs=0.006)


def test_difference_ci_is_b_minus_a_in_percentage_points() -> None:
    forward = difference_ci(48, 80, 56, 70)
    backward = difference_ci(56, 70, 48, 80)
    assert forward.difference == pytest.approx(20.0)
    assert (backward.difference, backward.lower, backward.upper) == pytest.approx(
        (-forward.difference, -forward.upper, -forward.lower)
    )
    assert forward.lower < forward.difference < forward.upper
    with pytest.raises(ValueError):
        difference_ci(1, 0, 1, 2)
    with pytest.raises(ValueError):
        difference_ci(-1, 10, 1, 2)
