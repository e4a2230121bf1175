"""Statistics the way OHID Fingertips computes them, so our figures can be checked against theirs.

- Proportions get Wilson score confidence intervals, at 95% and 99.8%, in percent.
- An area is Better / Similar / Worse than a benchmark when its 95% interval lies wholly above /
  overlaps / lies wholly below the benchmark value (for screening, high is good).

``wdp.db.public`` computes the same intervals in SQL for bulk imports; a test keeps the two equal.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import numpy.typing as npt

# Two-sided normal quantiles: 1.959963984540054 and 3.090232306167813.
Z95 = NormalDist().inv_cdf(0.975)
Z998 = NormalDist().inv_cdf(0.999)

ArrayLike = npt.ArrayLike


def z_for(level: float) -> float:
    """The two-sided normal quantile for a confidence level given in percent (95, 99.8, ...)."""
    return NormalDist().inv_cdf(0.5 + level / 200)


def wilson_interval(
    count: ArrayLike, denominator: ArrayLike, *, z: float = Z95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for count/denominator, in percent; NaN where undefined."""
    c = np.asarray(count, dtype=float)
    n = np.asarray(denominator, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        valid = (n > 0) & (c >= 0) & (c <= n)
        p = np.where(valid, c / n, np.nan)
        centre = p + z * z / (2 * n)
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
        scale = 1 + z * z / n
        lower = np.where(valid, 100 * (centre - half) / scale, np.nan)
        upper = np.where(valid, 100 * (centre + half) / scale, np.nan)
    return lower, upper


def compare_to_benchmark(
    lower: ArrayLike, upper: ArrayLike, benchmark: ArrayLike, *, high_is_good: bool = True
) -> np.ndarray:
    """'better' / 'similar' / 'worse' from an interval and a benchmark value; '' if unknown."""
    lo = np.asarray(lower, dtype=float)
    hi = np.asarray(upper, dtype=float)
    bench = np.asarray(benchmark, dtype=float)
    above, below = lo > bench, hi < bench
    good, bad = (above, below) if high_is_good else (below, above)
    known = ~(np.isnan(lo) | np.isnan(hi) | np.isnan(bench))
    return np.where(~known, "", np.where(good, "better", np.where(bad, "worse", "similar")))


def nearest_level(z: float) -> float:
    """The common confidence level (in percent) whose quantile is closest to ``z``."""
    levels = (80.0, 90.0, 95.0, 98.0, 99.0, 99.5, 99.8, 99.9)
    return min(levels, key=lambda level: abs(z_for(level) - z))


def count_ratio_interval(
    before: float, after: float, *, z: float = Z95
) -> tuple[float, float, float]:
    """Change in a count (e.g. attendances) from ``before`` to ``after`` as a percentage, with a
    confidence interval treating each count as Poisson (log rate-ratio method).

    Returns (change %, lower %, upper %); NaN when either count is zero.
    """
    if before <= 0 or after <= 0:
        return (float("nan"),) * 3
    ratio = after / before
    spread = z * np.sqrt(1 / after + 1 / before)
    return (
        100 * (ratio - 1),
        100 * (ratio * np.exp(-spread) - 1),
        100 * (ratio * np.exp(spread) - 1),
    )


def difference_interval(
    count_a: float, n_a: float, count_b: float, n_b: float, *, z: float = Z95
) -> tuple[float, float, float]:
    """Difference of two proportions (b minus a) in percentage points, with Newcombe's hybrid
    score interval (Newcombe 1998, method 10: built from each proportion's Wilson interval).

    Returns (difference, lower, upper); NaN when either denominator is empty.
    """
    if n_a <= 0 or n_b <= 0:
        return (float("nan"),) * 3
    p_a, p_b = count_a / n_a, count_b / n_b
    lo_a, hi_a = (float(v) / 100 for v in wilson_interval(count_a, n_a, z=z))
    lo_b, hi_b = (float(v) / 100 for v in wilson_interval(count_b, n_b, z=z))
    difference = p_b - p_a
    lower = difference - np.sqrt((p_b - lo_b) ** 2 + (hi_a - p_a) ** 2)
    upper = difference + np.sqrt((hi_b - p_b) ** 2 + (p_a - lo_a) ** 2)
    return 100 * difference, 100 * lower, 100 * upper
