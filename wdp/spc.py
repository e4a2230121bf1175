"""Statistical process control the NHS England "Making Data Count" way: XmR charts.

Method (NHS England, Making Data Count; the NHSE/I "SPC" toolkit):
- centre line: the mean of the baseline points (the first 12, or all when fewer);
- moving ranges |x_i - x_(i-1)| of the baseline; those above 3.267 x their mean are screened out
  and the mean moving range recomputed;
- process limits: mean +/- 2.66 x mean moving range;
- special cause, per point: (1) a point beyond a limit; (2) a run of 7 or more consecutive points
  on one side of the mean; (3) 7 or more consecutive points all rising or all falling; (4) two of
  three consecutive points beyond two thirds of the way to a limit, on the same side;
- variation icon for the latest point: common cause, or improvement / concern, high or low;
- assurance icon against a target: pass (the target lies beyond the limits on the failing side),
  fail (beyond them on the passing side) or inconsistent (between the limits).
With fewer than ``MIN_POINTS_FOR_LIMITS`` points no limits are drawn: the summary says improved,
sustained or deteriorated instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

MIN_POINTS_FOR_LIMITS = 12
BASELINE_POINTS = 12
RUN_LENGTH = 7
LIMIT_FACTOR = 2.66
MR_SCREEN_FACTOR = 3.267

Direction = Literal["up", "down"]
VariationIcon = Literal[
    "common_cause", "improvement_high", "improvement_low", "concern_high", "concern_low"
]
AssuranceIcon = Literal["pass", "fail", "inconsistent"]

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


@dataclass
class SpcResult:
    values: np.ndarray
    mean: float
    lower: float | None  # process limits; None when there are too few points
    upper: float | None
    rules: list[list[str]] = field(default_factory=list)  # per point: the rules it breaks
    causes: list[str] = field(default_factory=list)  # per point: improvement / concern / ""
    variation: VariationIcon | None = None
    assurance: AssuranceIcon | None = None
    summary: str = ""  # plain English, always set

    @property
    def has_limits(self) -> bool:
        return self.lower is not None

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "value": self.values,
                "mean": self.mean,
                "lower": self.lower,
                "upper": self.upper,
                "special_cause": [bool(r) for r in self.rules],
                "cause": self.causes,
                "rules": [", ".join(r) for r in self.rules],
            }
        )


def mean_moving_range(values: np.ndarray) -> float:
    """The mean moving range after screening out ranges above 3.267 x the first mean."""
    ranges = np.abs(np.diff(values))
    if ranges.size == 0:
        return 0.0
    first = ranges.mean()
    kept = ranges[ranges <= MR_SCREEN_FACTOR * first]
    return float(kept.mean()) if kept.size else float(first)


def _runs(flags: np.ndarray, length: int) -> np.ndarray:
    """Mark every point in a run of ``length`` or more consecutive True flags."""
    marked = np.zeros(flags.size, dtype=bool)
    start = None
    for i, flag in enumerate([*flags, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            if i - start >= length:
                marked[start:i] = True
            start = None
    return marked


def _trend(values: np.ndarray, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Points in runs of ``length`` or more consecutively rising (or falling) values."""
    steps = np.diff(values)
    rising = np.zeros(values.size, dtype=bool)
    falling = np.zeros(values.size, dtype=bool)
    for flags, out in ((steps > 0, rising), (steps < 0, falling)):
        # k consecutive steps in one direction make k + 1 points
        run = _runs(flags, length - 1)
        for i in np.flatnonzero(run):
            out[i] = out[i + 1] = True
    return rising, falling


def xmr(
    values: Sequence[float],
    *,
    baseline: int = BASELINE_POINTS,
    target: float | None = None,
    improvement: Direction = "up",
) -> SpcResult:
    """An XmR chart of ``values`` (in time order) with Making Data Count's rules and icons."""
    x = np.asarray(values, dtype=float)
    if x.size == 0:
        return SpcResult(x, float("nan"), None, None, summary="No data.")
    if x.size < MIN_POINTS_FOR_LIMITS:
        result = SpcResult(x, float(x.mean()), None, None, [[] for _ in x], ["" for _ in x])
        result.summary = _few_points_summary(x, improvement)
        return result
    base = x[: min(baseline, x.size)]
    centre = float(base.mean())
    spread = LIMIT_FACTOR * mean_moving_range(base)
    lower, upper = centre - spread, centre + spread
    rules: list[list[str]] = [[] for _ in x]
    high = np.zeros(x.size, dtype=bool)
    low = np.zeros(x.size, dtype=bool)

    def flag(mask: np.ndarray, name: str, side: np.ndarray) -> None:
        for i in np.flatnonzero(mask):
            rules[i].append(name)
            side[i] = True

    flag(x > upper, "beyond the upper limit", high)
    flag(x < lower, "beyond the lower limit", low)
    flag(_runs(x > centre, RUN_LENGTH), f"{RUN_LENGTH} points above the mean", high)
    flag(_runs(x < centre, RUN_LENGTH), f"{RUN_LENGTH} points below the mean", low)
    rising, falling = _trend(x, RUN_LENGTH)
    flag(rising, f"{RUN_LENGTH} points rising", high)
    flag(falling, f"{RUN_LENGTH} points falling", low)
    near_high = x > centre + 2 / 3 * spread
    near_low = x < centre - 2 / 3 * spread
    for near, side, name in (
        (near_high, high, "2 of 3 near the upper limit"),
        (near_low, low, "2 of 3 near the lower limit"),
    ):
        for i in range(x.size - 2):
            window = near[i : i + 3]
            if window.sum() >= 2:
                for j in np.flatnonzero(window) + i:
                    if name not in rules[j]:
                        rules[j].append(name)
                        side[j] = True
    good = high if improvement == "up" else low
    bad = low if improvement == "up" else high
    causes = ["improvement" if good[i] else "concern" if bad[i] else "" for i in range(x.size)]
    result = SpcResult(x, centre, lower, upper, rules, causes)
    last = x.size - 1
    if not rules[last]:
        result.variation = "common_cause"
    else:
        direction = "high" if high[last] else "low"
        kind = "improvement" if good[last] else "concern"
        result.variation = f"{kind}_{direction}"  # type: ignore[assignment]
    if target is not None:
        result.assurance = _assurance(lower, upper, target, improvement)
    result.summary = (
        VARIATION_TEXT[result.variation]
        + (f"; {ASSURANCE_TEXT[result.assurance].lower()}" if result.assurance else "")
        + "."
    )
    return result


def _assurance(lower: float, upper: float, target: float, improvement: Direction) -> AssuranceIcon:
    if lower <= target <= upper:
        return "inconsistent"
    passes = target < lower if improvement == "up" else target > upper
    return "pass" if passes else "fail"


def _few_points_summary(x: np.ndarray, improvement: Direction) -> str:
    """Too few points for limits: compare the last with the first in plain words."""
    if x.size < 2:
        return "One point only: too few to judge a change."
    change = x[-1] - x[0]
    typical = float(np.mean(np.abs(np.diff(x)))) if x.size > 2 else 0.0
    if abs(change) <= typical or change == 0:
        word = "sustained"
    else:
        better = change > 0 if improvement == "up" else change < 0
        word = "improved" if better else "deteriorated"
    return (
        f"{word.capitalize()} ({x[0]:.1f} to {x[-1]:.1f}); only {x.size} points, fewer "
        f"than the {MIN_POINTS_FOR_LIMITS} needed for control limits."
    )
