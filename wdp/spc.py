"""Statistical process control the NHS England "Making Data Count" way: XmR charts.

Source: NHS England / NHS Improvement, *Making Data Count* (2017; "Strengthening your decisions",
2019) and its "plot the dots" SPC tool; ``NHSRplotthedots`` (NHS-R Community) is the reference
implementation of the same rules in R and agrees with this module except where noted below.

Method (an XmR, "individuals and moving range", chart):

- **Centre line**: the mean of the baseline points, the first ``baseline`` points (12 by default),
  or all points when there are fewer.
- **Moving ranges** ``|x_i - x_(i-1)|`` of the baseline points. Ranges *above* 3.267 x their mean
  (the upper range limit of the moving-range chart) are screened out once, and the mean moving
  range recomputed from those left, so that one jump does not widen the limits.
- **Process limits**: mean +/- 2.66 x mean moving range (2.66 = 3 / 1.128, i.e. three sigma).
  They are flat: the same for every point, including points after the baseline.
- **Special cause**, per point (MDC's four rules):
  1. a point beyond a process limit;
  2. a *shift*: a run of 7 or more consecutive points on one side of the mean (a point exactly on
     the mean breaks the run); every point of the run is flagged;
  3. a *trend*: 7 or more consecutive points each higher (or each lower) than the one before (an
     equal neighbour breaks the trend); every point of the trend is flagged;
  4. *two of three*: 2 of 3 consecutive points beyond two thirds of the way from the mean to a
     limit, both on the same side; the (two or three) points beyond two thirds are flagged. As in
     the Western Electric zone rule this comes from, a point beyond the limit counts as beyond two
     thirds (NHSRplotthedots counts only points between two thirds and the limit, and also wants
     the third point on the same side of the mean).
- Each flagged point is high or low, taken from the first rule it breaks in the order limit,
  trend, two of three, shift (the order NHSRplotthedots uses; it settles the rare point that is,
  say, above the mean but part of a falling trend). High is an *improvement* when
  ``improvement="up"`` (as for screening uptake and coverage) and a *concern* otherwise.
- **Variation icon**, for the latest point: ``common_cause``, ``improvement_high``,
  ``improvement_low``, ``concern_high`` or ``concern_low`` (MDC: "special cause improving /
  concerning variation", high or low).
- **Assurance icon** against a target: ``pass`` when the target lies beyond the limits on the
  failing side (the process will consistently meet it), ``fail`` when it lies beyond them on the
  passing side (consistently misses), ``inconsistent`` when it lies between the limits (on a limit
  counts as between); ``None`` without a target.
- **Too few points**: with fewer than ``MIN_POINTS_FOR_LIMITS`` (12) points MDC advises against
  limits (they need ~10-12 points at the least). No limits are drawn; ``change`` and ``summary``
  say *improved*, *sustained* or *deteriorated*, comparing the last point with the first:
  with counts and denominators, changed only when the two 95% Wilson intervals do not overlap
  (:func:`compare_two_points`); from values alone, changed only when the difference exceeds 2.66
  x the mean moving range (the last point lies outside the natural process range around the
  first).

Missing values (NaN) are kept in place in the result but left out of every calculation, as if the
series ran straight from the point before the gap to the point after it.

:func:`difference_ci` gives a before/after difference of two proportions with Newcombe's hybrid
score interval, for "before and after go-live" comparisons.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, NamedTuple

import numpy as np
import pandas as pd

from wdp.stats import Z95, difference_interval, wilson_interval

logger = logging.getLogger(__name__)

MIN_POINTS_FOR_LIMITS = 12
BASELINE_POINTS = 12
RUN_LENGTH = 7  # shift: points in a row on one side of the mean
TREND_LENGTH = 7  # trend: points in a row each rising (or falling)
LIMIT_FACTOR = 2.66
MR_SCREEN_FACTOR = 3.267
CLOSE_FRACTION = 2 / 3

Direction = Literal["up", "down"]
Side = Literal["high", "low"]
Cause = Literal["improvement", "concern", ""]
Change = Literal["improved", "sustained", "deteriorated"]
VariationIcon = Literal[
    "common_cause", "improvement_high", "improvement_low", "concern_high", "concern_low"
]
AssuranceIcon = Literal["pass", "fail", "inconsistent"]

# Rule names as they appear per point (and in chart hover text), by rule and side.
RULE_ABOVE_LIMIT = "beyond the upper limit"
RULE_BELOW_LIMIT = "beyond the lower limit"
RULE_TREND_UP = f"{TREND_LENGTH}+ points rising"
RULE_TREND_DOWN = f"{TREND_LENGTH}+ points falling"
RULE_NEAR_UPPER = "2 of 3 close to the upper limit"
RULE_NEAR_LOWER = "2 of 3 close to the lower limit"
RULE_RUN_ABOVE = f"{RUN_LENGTH}+ points above the mean"
RULE_RUN_BELOW = f"{RUN_LENGTH}+ points below the mean"

VARIATION_TEXT: dict[str, str] = {
    "common_cause": "Common cause variation: no significant change",
    "improvement_high": "Special cause variation: improvement (higher)",
    "improvement_low": "Special cause variation: improvement (lower)",
    "concern_high": "Special cause variation: concern (higher)",
    "concern_low": "Special cause variation: concern (lower)",
}
ASSURANCE_TEXT: dict[str, str] = {
    "pass": "The process will consistently meet the target",
    "fail": "The process will consistently miss the target",
    "inconsistent": "The process will hit and miss the target at random",
}


@dataclass(frozen=True)
class SpcResult:
    """An XmR chart's numbers, rules and icons for one series (see the module docstring)."""

    values: np.ndarray  # as given, in time order; NaN where missing
    mean: float  # centre line: the baseline mean (with too few points, the mean of all)
    limits: tuple[float, float] | None  # (lower, upper) process limits; None: too few points
    mean_moving_range: float | None  # after screening; None when there are no limits
    baseline_points: int  # points the mean and limits were computed from
    rules: tuple[tuple[str, ...], ...]  # per point: the rules it breaks, in priority order
    causes: tuple[Cause, ...]  # per point: "improvement", "concern" or ""
    variation: VariationIcon | None  # for the latest point; None when there are no limits
    assurance: AssuranceIcon | None  # None without a target or without limits
    change: Change | None  # last point against the first, when there are too few for limits
    summary: str  # plain English, always set
    improvement: Direction = "up"
    target: float | None = None

    @property
    def has_limits(self) -> bool:
        return self.limits is not None

    @property
    def lower(self) -> float | None:
        return None if self.limits is None else self.limits[0]

    @property
    def upper(self) -> float | None:
        return None if self.limits is None else self.limits[1]

    @property
    def special_cause(self) -> np.ndarray:
        """Per point: True when the point breaks at least one rule."""
        return np.array([bool(r) for r in self.rules], dtype=bool)

    def to_frame(self) -> pd.DataFrame:
        """One row per point: value, mean, lower, upper (flat process limits; NaN when there
        are none), special_cause, cause ("improvement" / "concern" / "") and rules (the names
        of the rules broken, comma-separated)."""
        lower, upper = self.limits if self.limits is not None else (np.nan, np.nan)
        size = self.values.size
        return pd.DataFrame(
            {
                "value": self.values,
                "mean": np.full(size, self.mean, dtype=float),
                "lower": np.full(size, lower, dtype=float),
                "upper": np.full(size, upper, dtype=float),
                "special_cause": self.special_cause,
                "cause": list(self.causes),
                "rules": [", ".join(r) for r in self.rules],
            }
        )


class Difference(NamedTuple):
    """A difference of two proportions (b minus a) and its interval, in percentage points."""

    difference: float
    lower: float
    upper: float


def mean_moving_range(values: Sequence[float] | np.ndarray) -> float:
    """Mean of the moving ranges ``|x_i - x_(i-1)|`` after one screening pass: ranges above
    3.267 x the mean of all ranges are dropped and the mean recomputed. 0.0 for < 2 values."""
    ranges = np.abs(np.diff(np.asarray(values, dtype=float)))
    if ranges.size == 0:
        return 0.0
    first = float(ranges.mean())
    kept = ranges[ranges <= MR_SCREEN_FACTOR * first]
    if kept.size < ranges.size:
        logger.debug(
            "screened out %d of %d moving ranges above %.4g",
            ranges.size - kept.size,
            ranges.size,
            MR_SCREEN_FACTOR * first,
        )
    return float(kept.mean())


def xmr(
    values: Sequence[float],
    *,
    baseline: int = BASELINE_POINTS,
    target: float | None = None,
    improvement: Direction = "up",
    counts: Sequence[float] | None = None,
    denominators: Sequence[float] | None = None,
) -> SpcResult:
    """An XmR chart of ``values`` (in time order) with Making Data Count's rules and icons.

    ``baseline``: how many points (from the start) fix the mean and limits; at least
    ``MIN_POINTS_FOR_LIMITS``. ``target``: for the assurance icon, in the units of ``values``.
    ``improvement``: "up" when higher is better. ``counts`` and ``denominators`` (optional, one
    per value) are used only when there are too few points for limits, to judge the change from
    the first point to the last with Wilson intervals.
    """
    if improvement not in ("up", "down"):
        raise ValueError(f"improvement must be 'up' or 'down', not {improvement!r}")
    if baseline < MIN_POINTS_FOR_LIMITS:
        raise ValueError(
            f"baseline must be at least {MIN_POINTS_FOR_LIMITS} points (Making Data Count), "
            f"not {baseline}"
        )
    x_all = np.asarray(values, dtype=float).ravel()
    present = ~np.isnan(x_all)
    x = x_all[present]
    size = x_all.size
    no_rules: tuple[tuple[str, ...], ...] = tuple(() for _ in range(size))
    no_causes: tuple[Cause, ...] = tuple("" for _ in range(size))

    if x.size < MIN_POINTS_FOR_LIMITS:
        change, summary = _few_points(x_all, improvement, counts, denominators)
        logger.debug("%d points: no limits, %s", x.size, change)
        return SpcResult(
            values=x_all,
            mean=float(x.mean()) if x.size else float("nan"),
            limits=None,
            mean_moving_range=None,
            baseline_points=int(x.size),
            rules=no_rules,
            causes=no_causes,
            variation=None,
            assurance=None,
            change=change,
            summary=summary,
            improvement=improvement,
            target=target,
        )

    base = x[:baseline]
    centre = float(base.mean())
    mr = mean_moving_range(base)
    spread = LIMIT_FACTOR * mr
    lower, upper = centre - spread, centre + spread

    # Each rule family gives (high, low) masks; families in priority order for the side.
    rising, falling = _trend(x, TREND_LENGTH)
    near_upper = x > centre + CLOSE_FRACTION * spread
    near_lower = x < centre - CLOSE_FRACTION * spread
    families: list[tuple[np.ndarray, np.ndarray, str, str]] = [
        (x > upper, x < lower, RULE_ABOVE_LIMIT, RULE_BELOW_LIMIT),
        (rising, falling, RULE_TREND_UP, RULE_TREND_DOWN),
        (_two_of_three(near_upper), _two_of_three(near_lower), RULE_NEAR_UPPER, RULE_NEAR_LOWER),
        (
            _runs(x > centre, RUN_LENGTH),
            _runs(x < centre, RUN_LENGTH),
            RULE_RUN_ABOVE,
            RULE_RUN_BELOW,
        ),
    ]
    steps_right = np.append(np.sign(np.diff(x)), 0.0)
    rules: list[tuple[str, ...]] = []
    sides: list[Side | None] = []
    for i in range(x.size):
        broken: list[str] = []
        side: Side | None = None
        for high, low, high_name, low_name in families:
            if high[i]:
                broken.append(high_name)
            if low[i]:
                broken.append(low_name)
            if side is None and (high[i] or low[i]):
                if high[i] and low[i]:  # the turning point between two trends: use the later
                    side = "high" if steps_right[i] > 0 else "low"
                else:
                    side = "high" if high[i] else "low"
        rules.append(tuple(broken))
        sides.append(side)

    good: Side = "high" if improvement == "up" else "low"
    causes: list[Cause] = [
        "" if side is None else "improvement" if side == good else "concern" for side in sides
    ]

    last_side, last_cause = sides[-1], causes[-1]
    variation: VariationIcon = (
        "common_cause" if last_side is None else f"{last_cause}_{last_side}"  # type: ignore[assignment]
    )
    assurance = None if target is None else _assurance(lower, upper, target, improvement)
    summary = VARIATION_TEXT[variation]
    if assurance is not None:
        summary += f"; {ASSURANCE_TEXT[assurance].lower()}"
    summary += "."
    logger.debug(
        "XmR of %d points: mean %.4g, limits %.4g to %.4g, %d special-cause points",
        x.size,
        centre,
        lower,
        upper,
        sum(bool(r) for r in rules),
    )

    all_rules = list(no_rules)
    all_causes = list(no_causes)
    for k, i in enumerate(np.flatnonzero(present)):
        all_rules[i], all_causes[i] = rules[k], causes[k]
    return SpcResult(
        values=x_all,
        mean=centre,
        limits=(lower, upper),
        mean_moving_range=mr,
        baseline_points=int(base.size),
        rules=tuple(all_rules),
        causes=tuple(all_causes),
        variation=variation,
        assurance=assurance,
        change=None,
        summary=summary,
        improvement=improvement,
        target=target,
    )


def compare_two_points(
    count_a: float,
    n_a: float,
    count_b: float,
    n_b: float,
    *,
    improvement: Direction = "up",
    z: float = Z95,
) -> Change:
    """Whether proportion b (the later) "improved", "sustained" or "deteriorated" against a.

    Changed only when the two Wilson score intervals (95% by default) do not overlap; intervals
    that touch count as overlapping. Non-overlap is a conservative test (a difference can be
    significant while the intervals still overlap); :func:`difference_ci` is the sharper one.
    """
    _check_proportion(count_a, n_a)
    _check_proportion(count_b, n_b)
    lo_a, hi_a = (float(v) for v in wilson_interval(count_a, n_a, z=z))
    lo_b, hi_b = (float(v) for v in wilson_interval(count_b, n_b, z=z))
    if lo_b > hi_a:
        return "improved" if improvement == "up" else "deteriorated"
    if hi_b < lo_a:
        return "deteriorated" if improvement == "up" else "improved"
    return "sustained"


def difference_ci(
    count_a: float, n_a: float, count_b: float, n_b: float, *, z: float = Z95
) -> Difference:
    """Difference of two proportions, b minus a (e.g. after minus before go-live), in percentage
    points, with Newcombe's hybrid score interval (Newcombe 1998, Statistics in Medicine 17:873,
    method 10, built from each proportion's Wilson interval).

    ``z`` defaults to the exact 95% quantile 1.959964 (the one Fingertips uses), not 1.96.
    Example (Newcombe's (a)): ``difference_ci(48, 80, 56, 70)`` is 20.0 points, 5.24 to 33.39.
    """
    _check_proportion(count_a, n_a)
    _check_proportion(count_b, n_b)
    difference, lower, upper = difference_interval(count_a, n_a, count_b, n_b, z=z)
    return Difference(float(difference), float(lower), float(upper))


def _check_proportion(count: float, n: float) -> None:
    if not (n > 0 and 0 <= count <= n):
        raise ValueError(f"need 0 <= count <= denominator and denominator > 0: {count}/{n}")


def _runs(flags: np.ndarray, length: int) -> np.ndarray:
    """Mark every element of each run of ``length`` or more consecutive True flags."""
    marked = np.zeros(flags.size, dtype=bool)
    start: int | None = None
    for i, flag in enumerate([*flags.tolist(), False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            if i - start >= length:
                marked[start:i] = True
            start = None
    return marked


def _trend(x: np.ndarray, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Points in runs of ``length`` or more points each above (or each below) the one before."""
    steps = np.diff(x)
    rising = np.zeros(x.size, dtype=bool)
    falling = np.zeros(x.size, dtype=bool)
    for step_flags, out in ((steps > 0, rising), (steps < 0, falling)):
        # k consecutive steps one way join k + 1 points
        for i in np.flatnonzero(_runs(step_flags, length - 1)):
            out[i] = out[i + 1] = True
    return rising, falling


def _two_of_three(near: np.ndarray) -> np.ndarray:
    """Points beyond two thirds (``near``) that share a window of 3 consecutive points with
    another such point."""
    marked = np.zeros(near.size, dtype=bool)
    for i in range(max(near.size - 2, 0)):
        window = near[i : i + 3]
        if window.sum() >= 2:
            marked[i : i + 3] |= window
    return marked


def _assurance(lower: float, upper: float, target: float, improvement: Direction) -> AssuranceIcon:
    if lower <= target <= upper:
        return "inconsistent"
    passes = target < lower if improvement == "up" else target > upper
    return "pass" if passes else "fail"


def _few_points(
    x_all: np.ndarray,
    improvement: Direction,
    counts: Sequence[float] | None,
    denominators: Sequence[float] | None,
) -> tuple[Change | None, str]:
    """Too few points for limits: the last point against the first, in plain words."""
    present = np.flatnonzero(~np.isnan(x_all))
    note = (
        f"only {present.size} point{'s' if present.size != 1 else ''}, fewer than the "
        f"{MIN_POINTS_FOR_LIMITS} needed for control limits."
    )
    if present.size == 0:
        return None, "No data."
    if present.size == 1:
        return None, f"One point ({x_all[present[0]]:.1f}): {note[0].upper()}{note[1:]}"
    first, last = int(present[0]), int(present[-1])
    if (counts is None) != (denominators is None):
        raise ValueError("give both counts and denominators, or neither")
    if counts is not None and denominators is not None:
        c = np.asarray(counts, dtype=float)
        n = np.asarray(denominators, dtype=float)
        if c.shape != x_all.shape or n.shape != x_all.shape:
            raise ValueError("counts and denominators need one entry per value")
        change = compare_two_points(c[first], n[first], c[last], n[last], improvement=improvement)
        basis = (
            "the 95% confidence intervals do not overlap"
            if change != "sustained"
            else "the 95% confidence intervals overlap"
        )
    else:
        x = x_all[present]
        typical = LIMIT_FACTOR * mean_moving_range(x)
        delta = x[-1] - x[0]
        if abs(delta) <= typical:
            change = "sustained"
            basis = "no bigger than the usual point-to-point movement allows"
        else:
            better = delta > 0 if improvement == "up" else delta < 0
            change = "improved" if better else "deteriorated"
            basis = "more than the usual point-to-point movement allows"
    summary = f"{change.capitalize()}: {x_all[first]:.1f} to {x_all[last]:.1f} ({basis}); {note}"
    return change, summary
