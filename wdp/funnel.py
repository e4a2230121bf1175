"""Funnel-plot control limits for proportions against a benchmark (England), in percent.

A funnel plot puts each area's value against its denominator, inside limits around the benchmark
proportion p that narrow as the denominator grows: 95% ("2 sigma", z = 1.959964) and 99.8%
("3 sigma", z = 3.090232) limits. A point outside them differs from the benchmark by more than
chance would explain at that level.

Two methods:

``method="score"`` (default): the method of OHID (PHE) Fingertips, as coded in the
    ``PHEindicatormethods`` R package (``phe_funnels`` / ``phe_funnel_significance``, "as per the
    PHE Fingertips Technical Guidance"). The limits are the Wilson score limits inverted: the
    value y at which y's Wilson interval just reaches p. That inversion reduces exactly to the
    normal approximation to the binomial centred on the benchmark,
    ``p +/- z * sqrt(p (1 - p) / n)``, clipped to 0-100 for drawing. Because of the inversion, a
    point lies outside the 95% funnel exactly when its 95% Wilson interval excludes p, so the
    funnel agrees with Fingertips' Better / Similar / Worse judgement (``wdp.stats``).
    Equivalent to ``wdp.stats.funnel_limits`` / ``funnel_position``.

``method="exact"``: Spiegelhalter's exact binomial limits with interpolation (Spiegelhalter
    2005, "Funnel plots for comparing institutional performance", Statistics in Medicine
    24:1185, appendix A.1.1): r_q, the q-quantile of Binomial(n, p), is the smallest r with
    P(R <= r) >= q; with alpha = (P(R <= r_q) - q) / P(R = r_q), the limit is (r_q - alpha) / n.
    q is 0.025 / 0.975 for 95% and 0.001 / 0.999 for 99.8%. Better for small denominators
    (tens to hundreds, e.g. GP practices) and proportions near 0 or 100%, where the normal
    approximation is symmetric and the binomial is not; for large n the two agree closely.
    Denominators are rounded to whole numbers.

Classification is strict, as in ``phe_funnel_significance``: a point exactly on a limit is on the
inner side of it.
"""

from __future__ import annotations

import logging
import math
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from wdp.stats import z_for

logger = logging.getLogger(__name__)

FunnelMethod = Literal["score", "exact"]
FunnelPosition = Literal["above_99.8", "above_95", "within", "below_95", "below_99.8"]
Spacing = Literal["log", "linear"]

INNER_LEVEL = 95.0
OUTER_LEVEL = 99.8
POSITIONS: tuple[FunnelPosition, ...] = (
    "above_99.8",
    "above_95",
    "within",
    "below_95",
    "below_99.8",
)
# How far either side of the binomial mean the exact method sums the distribution: the mass
# beyond 12 standard deviations (plus a margin for small n) is far below any quantile we need.
_EXACT_WINDOW_SD = 12.0
_EXACT_WINDOW_MARGIN = 50


def control_limits(
    p_percent: float,
    denominators: npt.ArrayLike,
    *,
    level: float = INNER_LEVEL,
    method: FunnelMethod = "score",
    clip: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper funnel limits (percent) around ``p_percent`` for each denominator, at a
    two-sided ``level`` in percent (95, 99.8, ...). ``clip`` keeps them within 0-100."""
    p = _benchmark(p_percent)
    n = np.atleast_1d(np.asarray(denominators, dtype=float))
    if np.any(~(n > 0)):
        raise ValueError("denominators must be positive")
    if not 0 < level < 100:
        raise ValueError(f"level must be between 0 and 100 percent, not {level}")
    tail = (1 - level / 100) / 2
    if method == "score":
        half = z_for(level) * np.sqrt(p * (1 - p) / n)
        lower, upper = p - half, p + half
    elif method == "exact":
        lower = np.empty(n.size)
        upper = np.empty(n.size)
        for i, size in enumerate(n):
            lower[i], upper[i] = _exact_limits(round(float(size)), p, (tail, 1 - tail))
    else:
        raise ValueError(f"method must be 'score' or 'exact', not {method!r}")
    lower, upper = 100 * lower, 100 * upper
    if clip:
        lower, upper = np.clip(lower, 0, 100), np.clip(upper, 0, 100)
    return lower, upper


def funnel_limits(
    p_percent: float,
    n_min: float,
    n_max: float,
    points: int = 200,
    *,
    method: FunnelMethod = "score",
    spacing: Spacing = "log",
) -> pd.DataFrame:
    """The funnel to draw: one row per denominator from ``n_min`` to ``n_max`` (``points`` of
    them, evenly spaced on a log scale by default), with columns ``denominator``, ``benchmark``,
    ``lower_95``, ``upper_95``, ``lower_998``, ``upper_998`` (percent, clipped to 0-100).

    With ``method="exact"`` denominators are whole numbers, so repeats at the small end are
    dropped and there may be fewer rows than ``points``. ``frame.attrs["method"]`` records the
    method.
    """
    if not 0 < n_min <= n_max:
        raise ValueError(f"need 0 < n_min <= n_max, got {n_min} and {n_max}")
    if points < 2:
        raise ValueError("points must be at least 2")
    if spacing == "log":
        n = np.geomspace(n_min, n_max, points)
    elif spacing == "linear":
        n = np.linspace(n_min, n_max, points)
    else:
        raise ValueError(f"spacing must be 'log' or 'linear', not {spacing!r}")
    if method == "exact":
        n = np.unique(np.maximum(np.round(n), 1))
    lo95, hi95 = control_limits(p_percent, n, level=INNER_LEVEL, method=method)
    lo998, hi998 = control_limits(p_percent, n, level=OUTER_LEVEL, method=method)
    frame = pd.DataFrame(
        {
            "denominator": n,
            "benchmark": np.full(n.size, float(p_percent)),
            "lower_95": lo95,
            "upper_95": hi95,
            "lower_998": lo998,
            "upper_998": hi998,
        }
    )
    frame.attrs["method"] = method
    logger.debug("funnel around %.4g%%: %d rows, %s method", p_percent, len(frame), method)
    return frame


def funnel_positions(
    values_percent: npt.ArrayLike,
    denominators: npt.ArrayLike,
    p_percent: float,
    *,
    method: FunnelMethod = "score",
) -> np.ndarray:
    """Vectorised :func:`classify_against_funnel`: one position string per point; "" where the
    value or the denominator is missing (or the denominator is not positive)."""
    value = np.atleast_1d(np.asarray(values_percent, dtype=float))
    n = np.atleast_1d(np.asarray(denominators, dtype=float))
    value, n = np.broadcast_arrays(value, n)
    known = ~np.isnan(value) & (n > 0)
    out = np.full(value.shape, "", dtype=object)
    if known.any():
        lo95, hi95 = control_limits(p_percent, n[known], level=INNER_LEVEL, method=method)
        lo998, hi998 = control_limits(p_percent, n[known], level=OUTER_LEVEL, method=method)
        v = value[known]
        out[known] = np.select(
            [v > hi998, v > hi95, v < lo998, v < lo95],
            ["above_99.8", "above_95", "below_99.8", "below_95"],
            default="within",
        )
    return out.astype(str)


def classify_against_funnel(
    value_percent: float, n: float, p_percent: float, *, method: FunnelMethod = "score"
) -> FunnelPosition:
    """Where one point (value in percent, denominator ``n``) falls against the funnel around
    ``p_percent``: "above_99.8", "above_95", "within", "below_95" or "below_99.8"."""
    if math.isnan(value_percent) or not n > 0:
        raise ValueError(f"need a value and a positive denominator, got {value_percent} of {n}")
    position = str(funnel_positions([value_percent], [n], p_percent, method=method)[0])
    return position  # type: ignore[return-value]


def _benchmark(p_percent: float) -> float:
    if not 0 <= p_percent <= 100:
        raise ValueError(f"benchmark must be a percentage between 0 and 100, not {p_percent}")
    return p_percent / 100


def _exact_limits(n: int, p: float, tails: tuple[float, float]) -> tuple[float, float]:
    """Spiegelhalter's interpolated binomial quantiles (as proportions) at each tail
    probability, for Binomial(n, p)."""
    if p <= 0 or p >= 1:
        return (p, p)
    mean = n * p
    half = int(_EXACT_WINDOW_SD * math.sqrt(mean * (1 - p))) + _EXACT_WINDOW_MARGIN
    lo = max(0, math.floor(mean) - half)
    hi = min(n, math.ceil(mean) + half)
    r = np.arange(lo, hi + 1, dtype=float)
    # log P(R = r) up to a constant, by the ratio P(r) / P(r - 1) = (n - r + 1) p / (r (1 - p)):
    # no factorials, and the constant cancels when the window is normalised.
    log_ratio = np.log((n - r[1:] + 1) / r[1:]) + math.log(p / (1 - p))
    log_pmf = np.concatenate(([0.0], np.cumsum(log_ratio)))
    pmf = np.exp(log_pmf - log_pmf.max())
    pmf /= pmf.sum()
    cdf = np.cumsum(pmf)
    out = []
    for q in tails:
        k = min(int(np.searchsorted(cdf, q, side="left")), r.size - 1)
        alpha = (cdf[k] - q) / pmf[k]
        out.append((r[k] - alpha) / n)
    return out[0], out[1]
