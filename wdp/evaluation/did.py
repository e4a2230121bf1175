"""Staggered-adoption difference-in-differences: did the campaigns raise screening coverage/uptake?

The estimator is Callaway and Sant'Anna's (2021) group-time average treatment effect, ATT(g,t),
with never-treated (matched comparison) practices as controls and no covariates (the matching in
``wdp.evaluation.matching`` has already dealt with them):

    ATT(g,t) = sum_i w_i (Y_it - Y_ib) / sum_i w_i   over practices going live in year g
             - sum_j w_j (Y_jt - Y_jb) / sum_j w_j   over comparison practices

- ``Y`` is the practice's figure in percentage points, 100 x numerator / denominator.
- ``b`` is the *universal base period* of cohort ``g``: the last year before ``g`` in the data
  (``g - 1`` unless that year is excluded). Post-go-live cells (t >= g) are the effect; pre-period
  cells (t < b) compare two years before go-live, so they are placebo checks of parallel trends.
  The cell t = b is the reference, 0 by construction.
- ``w`` is the practice's eligible population (denominator) in ``b``, the same for both terms of a
  cell and for every cell of a cohort (the R package's ``fix_weights = "base_period"``).
- A practice missing ``Y`` in ``t`` or ``b`` (or with no eligible population in ``b``) is left out
  of that cell only.

Aggregations (the R package's ``aggte``), each weighting cohort ``g`` by its eligible population in
its base year, ``P_g = sum_i w_i``:

- **event study**: ATT(e) = sum_g P_g ATT(g, g+e) / sum_g P_g over cohorts observed at event time
  ``e``; reference cells are not averaged in (an event time that only has reference cells is 0).
- **pooled**: the "simple" overall effect, sum P_g ATT(g,t) / sum P_g over every post-go-live cell,
  i.e. the average effect over pathfinder practice-years after go-live.
- **by group**: the pooled effect of one pathfinder's practices against all comparison practices,
  Holm-adjusted across pathfinders (Holm 1979).

Inference: a cluster bootstrap by practice, vectorised. Each arm (every go-live cohort, and the
comparison practices) is resampled separately, so each keeps its size. Within an arm of ``n``
practices, ``n - 1`` are drawn with replacement and their counts scaled by ``n / (n - 1)`` (Rao
and Wu 1988, J Am Stat Assoc 83:231-241). The plain ``n``-of-``n`` bootstrap understates the
variance by ``(n - 1) / n``, which matters for a pathfinder cohort of a dozen practices. Every
estimate above is a ratio of weighted sums, so one ``B x practices`` weight matrix times the
practices' cell contributions gives all ``B`` replicates at once. Standard errors are the
replicates' standard deviation; 95% intervals are estimate +/- 1.96 SE (normal); p-values are
two-sided normal. The pre-trend test is a Wald chi-square of the pre-period event-time effects
(reference excluded) with their bootstrap covariance, and is flagged when p < 0.05.

Invariants: a noiseless panel with parallel trends gives exactly the injected effect and exactly 0
before go-live; the result never depends on row order; the same seed gives the same intervals.
Cohorts that go live before the first year or after the last year of the window have no
comparison to make and are dropped with a caveat; so are treated practices whose cohort is missing.

References: Callaway B, Sant'Anna PHC. Difference-in-differences with multiple time periods.
J Econometrics 2021;225:200-230 (and the R package ``did``, whose ``compute.att_gt`` and
``compute.aggte`` these formulas were checked against). Holm S. A simple sequentially rejective
multiple test procedure. Scand J Stat 1979;6:65-70. Clarke GM et al. Evaluating the impact of
healthcare interventions using routine data. BMJ 2019;365:l2239.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np
import pandas as pd

from wdp.stats import Z95

REQUIRED_COLUMNS = ("practice_code", "year", "numerator", "denominator", "cohort", "group")
DEFAULT_BOOTSTRAP = 999
DEFAULT_SEED = 20_240_415
Z80 = NormalDist().inv_cdf(0.80)
COMPARISON = "comparison"  # the comparison arm's name in bootstrap strata


# ------------------------------------------------------------------------------------------------
# Results
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PooledEstimate:
    """One overall effect, in percentage points, with its 95% interval and two-sided p-value."""

    estimate_pp: float
    se: float
    ci95: tuple[float, float]
    p: float
    n_treated: int
    n_comparison: int


@dataclass(frozen=True)
class PreTrendTest:
    """Joint Wald test that every pre-period event-time effect is 0 (parallel trends)."""

    statistic: float
    df: int
    p: float
    flag: bool  # p < 0.05: the arms were already moving apart before go-live
    event_times: tuple[int, ...]


@dataclass(frozen=True)
class DidResult:
    """Everything the evaluation reports. Tables use ``estimate_pp, se, ci_lo, ci_hi`` columns.

    - ``att_gt``: cohort, year, event_time, base_year, post, reference, estimate_pp, se, ci_lo,
      ci_hi, n_treated, n_comparison (practices with a figure in the cell).
    - ``event_study``: event_time, estimate_pp, se, ci_lo, ci_hi, n_cohorts, reference.
    - ``by_group``: group, n_practices, cohorts, estimate_pp, se, ci_lo, ci_hi, p, p_holm,
      min_detectable_pp.
    """

    att_gt: pd.DataFrame
    event_study: pd.DataFrame
    pooled: PooledEstimate
    pre_trend: PreTrendTest
    by_group: pd.DataFrame
    min_detectable_pp: float
    method: str
    caveats: list[str] = field(default_factory=list)
    n_treated: int = 0
    n_comparison: int = 0
    cohorts: tuple[int, ...] = ()
    years: tuple[int, ...] = ()
    bootstrap: int = DEFAULT_BOOTSTRAP
    seed: int = DEFAULT_SEED


# ------------------------------------------------------------------------------------------------
# Small statistics
# ------------------------------------------------------------------------------------------------


def holm(pvalues: Sequence[float] | np.ndarray) -> np.ndarray:
    """Holm's (1979) step-down adjusted p-values, in the input order; NaN stays NaN and is not
    counted among the tests."""
    p = np.asarray(pvalues, dtype=float)
    adjusted = np.full(p.shape, np.nan)
    known = np.flatnonzero(~np.isnan(p))
    m = len(known)
    if m == 0:
        return adjusted
    order = known[np.argsort(p[known], kind="stable")]
    scaled = np.minimum(1.0, (m - np.arange(m)) * p[order])
    adjusted[order] = np.maximum.accumulate(scaled)
    return adjusted


def minimum_detectable_effect(se: float, *, alpha: float = 0.05, power: float = 0.80) -> float:
    """The smallest true effect a two-sided test at ``alpha`` detects with probability ``power``,
    given the estimate's standard error: (z_(1-alpha/2) + z_power) x se (2.80 x se by default)."""
    normal = NormalDist()
    return (normal.inv_cdf(1 - alpha / 2) + normal.inv_cdf(power)) * se


def normal_p(estimate: float, se: float) -> float:
    """Two-sided p-value of estimate / se against the standard normal; NaN if se is not > 0."""
    if not (np.isfinite(estimate) and np.isfinite(se)) or se <= 0:
        return float("nan")
    return 2 * NormalDist().cdf(-abs(estimate) / se)


def chi2_sf(x: float, df: float) -> float:
    """P(chi-square with ``df`` degrees of freedom > x): the regularized upper incomplete gamma
    Q(df/2, x/2), by its series when x/2 < df/2 + 1 and Lentz's continued fraction otherwise
    (Numerical Recipes, 3rd ed., 6.2). Accurate to ~1e-14 relative."""
    if df <= 0:
        raise ValueError("degrees of freedom must be positive")
    if math.isnan(x):
        return float("nan")
    if x <= 0:
        return 1.0
    if math.isinf(x):
        return 0.0
    a, z = df / 2, x / 2
    log_prefix = -z + a * math.log(z) - math.lgamma(a)
    eps, tiny = 1e-16, 1e-300
    if z < a + 1:  # series for the lower function P; Q = 1 - P
        term = total = 1.0 / a
        n = a
        for _ in range(10_000):
            n += 1
            term *= z / n
            total += term
            if abs(term) < abs(total) * eps:
                break
        return max(0.0, 1.0 - total * math.exp(log_prefix))
    b = z + 1 - a  # continued fraction for Q
    c = 1 / tiny
    d = 1 / b
    h = d
    for i in range(1, 10_000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < eps:
            break
    return min(1.0, math.exp(log_prefix) * h)


# ------------------------------------------------------------------------------------------------
# The panel as arrays
# ------------------------------------------------------------------------------------------------


@dataclass
class _Panel:
    codes: np.ndarray  # practice codes, in row order of the matrices
    years: np.ndarray  # the years kept, ascending
    value: np.ndarray  # practices x years, percent; NaN where missing
    eligible: np.ndarray  # practices x years, denominators; 0 where missing
    cohort: np.ndarray  # per practice, first treated year; 0 for comparison practices
    group: np.ndarray  # per practice, pathfinder code ("" for comparison or none)
    caveats: list[str]


def _prepare(
    panel: pd.DataFrame, years: Iterable[int] | None, exclude_years: Collection[int]
) -> _Panel:
    missing = [c for c in REQUIRED_COLUMNS if c not in panel.columns]
    if missing:
        raise ValueError(
            f"The panel lacks the column(s) {', '.join(missing)}: it needs one row per practice "
            f"and year with {', '.join(REQUIRED_COLUMNS)}."
        )
    caveats: list[str] = []
    frame = panel.loc[:, list(REQUIRED_COLUMNS)].copy()
    frame["year"] = pd.to_numeric(frame["year"], errors="raise").astype(int)
    if years is not None:
        window = {int(y) for y in years}
        frame = frame[frame["year"].isin(window)]
    excluded = sorted({int(y) for y in exclude_years})
    if excluded:
        frame = frame[~frame["year"].isin(excluded)]
        caveats.append(f"Years left out of the analysis: {', '.join(map(str, excluded))}.")
    if frame.empty:
        raise ValueError("No rows are left in the chosen years.")
    if frame.duplicated(["practice_code", "year"]).any():
        dupes = frame[frame.duplicated(["practice_code", "year"], keep=False)]
        first = dupes.iloc[0]
        raise ValueError(
            f"Practice {first['practice_code']} has more than one row for {first['year']}: "
            "the panel needs one row per practice and year."
        )

    cohort = pd.to_numeric(frame["cohort"], errors="coerce")
    frame["cohort"] = cohort.fillna(0).astype(int)
    frame["group"] = frame["group"].astype(object).where(frame["group"].notna(), "").astype(str)
    per_practice = frame.groupby("practice_code", sort=True)[["cohort", "group"]].nunique()
    inconsistent = per_practice.index[(per_practice > 1).any(axis=1)]
    if len(inconsistent):
        raise ValueError(
            f"Practice {inconsistent[0]} has more than one go-live year or pathfinder in the "
            "panel: each practice needs one cohort (or none) and one group."
        )

    all_years = np.array(sorted(frame["year"].unique()), dtype=int)
    first, last = all_years[0], all_years[-1]
    units = frame.groupby("practice_code", sort=True)[["cohort", "group"]].first()
    too_early = sorted({int(g) for g in units["cohort"] if 0 < g <= first})
    too_late = sorted({int(g) for g in units["cohort"] if g > last})
    if too_early:
        caveats.append(
            f"Practices going live in {', '.join(map(str, too_early))} were left out: there is "
            "no year before go-live in the data to compare with."
        )
    if too_late:
        caveats.append(
            f"Practices going live in {', '.join(map(str, too_late))} were left out: they go "
            "live after the last year in the data (they are not clean comparisons either)."
        )
    units = units[~units["cohort"].isin(too_early + too_late)]

    num = frame.pivot(index="practice_code", columns="year", values="numerator")
    den = frame.pivot(index="practice_code", columns="year", values="denominator")
    num = num.reindex(index=units.index, columns=all_years)
    den = den.reindex(index=units.index, columns=all_years)
    num_a = num.to_numpy(dtype=float, na_value=np.nan)
    den_a = den.to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        ok = (den_a > 0) & (num_a >= 0) & (num_a <= den_a)
        value = np.where(ok, 100 * num_a / den_a, np.nan)
    eligible = np.where(ok, den_a, 0.0)
    bad = int((np.isfinite(num_a) & np.isfinite(den_a) & ~ok).sum())
    if bad:
        caveats.append(
            f"{bad} practice-year figure(s) with a zero denominator or a numerator outside 0 to "
            "the denominator were treated as missing."
        )
    return _Panel(
        codes=units.index.to_numpy(dtype=object),
        years=all_years,
        value=value,
        eligible=eligible,
        cohort=units["cohort"].to_numpy(dtype=int),
        group=units["group"].to_numpy(dtype=object),
        caveats=caveats,
    )


# ------------------------------------------------------------------------------------------------
# The bootstrap's weights
# ------------------------------------------------------------------------------------------------


def bootstrap_weights(strata: np.ndarray, *, replicates: int, seed: int) -> np.ndarray:
    """A ``(replicates + 1) x units`` matrix of resampling weights: row 0 is all ones (the point
    estimate), each further row a stratified Rao-Wu replicate. Within a stratum of ``n`` units,
    ``n - 1`` draws with replacement, counts scaled by ``n / (n - 1)``, so each stratum keeps its
    total weight ``n``; a stratum of one unit keeps weight 1 (it cannot show its own variation).
    """
    rng = np.random.default_rng(seed)
    weights = np.ones((replicates + 1, len(strata)))
    for stratum in sorted(set(strata.tolist()), key=str):
        members = np.flatnonzero(strata == stratum)
        n = len(members)
        if n < 2:
            continue
        m = n - 1
        draws = rng.integers(0, n, size=(replicates, m))
        flat = draws + n * np.arange(replicates)[:, None]
        counts = np.bincount(flat.ravel(), minlength=replicates * n).reshape(replicates, n)
        weights[1:, members] = counts * (n / m)
    return weights


# ------------------------------------------------------------------------------------------------
# The estimator
# ------------------------------------------------------------------------------------------------


@dataclass
class _Cohort:
    year: int
    base: int  # column index of the base year
    members: np.ndarray  # treated practice indices
    weight: np.ndarray  # (B+1,) P_g, resampled
    att: np.ndarray  # (B+1, T) ATT(g,t) for every year; the base column is 0
    n_treated: np.ndarray  # (T,) practices in each cell
    n_comparison: np.ndarray  # (T,)


def _cell_sums(
    resample: np.ndarray, value: np.ndarray, eligible: np.ndarray, bases: list[int]
) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """For one arm's practices (``resample`` is its columns of the bootstrap weights, ``value``
    and ``eligible`` its rows) and each base column in ``bases``: the resampled sums of
    w x (Y_t - Y_b) and of w over practices with both figures, each (B+1, T); the base weights'
    resampled total (B+1,); and the practices counted in each year (T,). One matrix product for
    all bases: it is the estimator's only heavy step."""
    blocks, counts = [], []
    for base in bases:
        w = eligible[:, base]
        change = value - value[:, base][:, None]
        valid = np.isfinite(change) & (w > 0)[:, None]
        blocks += [np.where(valid, change * w[:, None], 0.0), np.where(valid, w[:, None], 0.0)]
        blocks.append(w[:, None])
        counts.append(valid.sum(axis=0))
    sums = resample @ np.hstack(blocks)
    n_years = value.shape[1]
    width = 2 * n_years + 1
    nums, dens, totals = [], [], []
    for k in range(len(bases)):
        start = k * width
        nums.append(sums[:, start : start + n_years])
        dens.append(sums[:, start + n_years : start + 2 * n_years])
        totals.append(sums[:, start + 2 * n_years])
    return nums, dens, totals, counts


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def _base_of(years: np.ndarray, cohort: int) -> int:
    """The universal base period's column: the last year before go-live in the data."""
    return int(np.flatnonzero(years < cohort)[-1])


def _treated_effects(
    data: _Panel,
    resample: np.ndarray,
    members: np.ndarray,
    controls: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]],
) -> list[_Cohort]:
    """ATT(g,t) for every cohort among the treated practices ``members`` (all replicates),
    against the comparison arm's sums ``controls`` (per cohort: num, den, counts)."""
    cohorts = []
    for g in sorted(set(data.cohort[members].tolist())):
        rows = members[data.cohort[members] == g]
        base = _base_of(data.years, g)
        (t_num,), (t_den,), (t_w,), (t_n,) = _cell_sums(
            resample[:, rows], data.value[rows], data.eligible[rows], [base]
        )
        c_num, c_den, c_n = controls[g]
        att = _ratio(t_num, t_den) - _ratio(c_num, c_den)
        att[:, base] = 0.0
        cohorts.append(_Cohort(g, base, rows, t_w, att, t_n, c_n))
    return cohorts


def _comparison_sums(
    data: _Panel, resample: np.ndarray
) -> dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The comparison arm's resampled sums for every cohort's base year, in one product."""
    rows = np.flatnonzero(data.cohort == 0)
    cohorts = sorted(set(data.cohort[data.cohort > 0].tolist()))
    bases = [_base_of(data.years, g) for g in cohorts]
    nums, dens, _, counts = _cell_sums(
        resample[:, rows], data.value[rows], data.eligible[rows], bases
    )
    return {g: (nums[k], dens[k], counts[k]) for k, g in enumerate(cohorts)}


def _aggregate(
    cohorts: list[_Cohort], years: np.ndarray, keep: Callable[[int, int], bool]
) -> tuple[np.ndarray, int]:
    """sum P_g ATT(g,t) / sum P_g over the non-reference cells with ``keep(g, t)``, per replicate
    (a cell missing in the point estimate is left out of every replicate; one missing in a
    replicate only is left out of that replicate). Returns (B+1,) and the number of cells."""
    num = np.zeros(cohorts[0].att.shape[0]) if cohorts else np.zeros(1)
    den = np.zeros_like(num)
    cells = 0
    for c in cohorts:
        for j, t in enumerate(years):
            if j == c.base or not keep(c.year, int(t)) or not np.isfinite(c.att[0, j]):
                continue
            att = c.att[:, j]
            ok = np.isfinite(att)
            num += np.where(ok, att * c.weight, 0.0)
            den += np.where(ok, c.weight, 0.0)
            cells += 1
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan), cells


def _summary(replicates: np.ndarray) -> tuple[float, float, float, float]:
    """(estimate, se, ci_lo, ci_hi) from the point estimate (row 0) and the bootstrap rows."""
    estimate = float(replicates[0])
    draws = replicates[1:]
    draws = draws[np.isfinite(draws)]
    se = float(np.std(draws, ddof=1)) if len(draws) > 1 and np.isfinite(estimate) else np.nan
    return estimate, se, estimate - Z95 * se, estimate + Z95 * se


def estimate_did(
    panel: pd.DataFrame,
    *,
    years: Iterable[int] | None = None,
    exclude_years: Collection[int] = (),
    bootstrap: int = DEFAULT_BOOTSTRAP,
    seed: int = DEFAULT_SEED,
) -> DidResult:
    """Callaway-Sant'Anna staggered difference-in-differences of practice figures (see the module
    docstring for the formulas).

    ``panel`` has one row per practice and year: ``practice_code``, ``year`` (the financial
    year's start, 2017 = 2017/18), ``numerator``, ``denominator``, ``cohort`` (first year live,
    <NA> for comparison practices) and ``group`` (the pathfinder's code, None for comparisons).
    ``years`` limits the window; ``exclude_years`` drops years (e.g. 2020, the COVID break).
    ``bootstrap`` replicates (B) resample practices with ``seed``.
    """
    if bootstrap < 2:
        raise ValueError("bootstrap needs at least 2 replicates (999 is the default).")
    data = _prepare(panel, years, exclude_years)
    caveats = list(data.caveats)
    treated_rows = np.flatnonzero(data.cohort > 0)
    comparison_rows = np.flatnonzero(data.cohort == 0)
    if len(treated_rows) == 0:
        raise ValueError("No pathfinder (treated) practices with a go-live year in the window.")
    if len(comparison_rows) == 0:
        raise ValueError("No comparison practices (rows with no cohort) in the panel.")

    strata = np.where(data.cohort > 0, data.cohort.astype(str), COMPARISON)
    resample = bootstrap_weights(strata, replicates=bootstrap, seed=seed)
    control_sums = _comparison_sums(data, resample)
    cohorts = _treated_effects(data, resample, treated_rows, control_sums)
    years_arr = data.years

    # ATT(g,t) table
    rows = []
    for c in cohorts:
        for j, t in enumerate(years_arr):
            estimate, se, lo, hi = _summary(c.att[:, j])
            reference = j == c.base
            rows.append(
                {
                    "cohort": c.year,
                    "year": int(t),
                    "event_time": int(t) - c.year,
                    "base_year": int(years_arr[c.base]),
                    "post": int(t) >= c.year,
                    "reference": reference,
                    "estimate_pp": estimate,
                    "se": 0.0 if reference else se,
                    "ci_lo": estimate if reference else lo,
                    "ci_hi": estimate if reference else hi,
                    "n_treated": int(len(c.members) if reference else c.n_treated[j]),
                    "n_comparison": int(len(comparison_rows) if reference else c.n_comparison[j]),
                }
            )
    att_gt = pd.DataFrame(rows)

    # Event study
    event_rows, pre_draws, pre_times = [], [], []
    for e in sorted(set(att_gt["event_time"])):
        replicates, cells = _aggregate(cohorts, years_arr, lambda g, t, e=e: t - g == e)
        n_cohorts = int(((att_gt["event_time"] == e) & ~att_gt["reference"]).sum())
        if cells == 0:  # only reference cells at this event time
            event_rows.append((e, 0.0, 0.0, 0.0, 0.0, 0, True))
            continue
        estimate, se, lo, hi = _summary(replicates)
        event_rows.append((e, estimate, se, lo, hi, n_cohorts, False))
        if e < 0 and np.isfinite(estimate):
            pre_draws.append(replicates)
            pre_times.append(e)
    event_study = pd.DataFrame(
        event_rows,
        columns=[
            "event_time",
            "estimate_pp",
            "se",
            "ci_lo",
            "ci_hi",
            "n_cohorts",
            "reference",
        ],
    )
    pre_trend = _wald_pre_trend(pre_draws, pre_times)
    if not pre_times:
        caveats.append("There is no pre-period year to test parallel trends with.")

    # Pooled effect
    replicates, cells = _aggregate(cohorts, years_arr, lambda g, t: t >= g)
    if cells == 0:
        caveats.append("No year after go-live is in the data: there is no effect to estimate.")
    estimate, se, lo, hi = _summary(replicates)
    pooled = PooledEstimate(
        estimate_pp=estimate,
        se=se,
        ci95=(lo, hi),
        p=normal_p(estimate, se),
        n_treated=len(treated_rows),
        n_comparison=len(comparison_rows),
    )
    mde = minimum_detectable_effect(se) if np.isfinite(se) else float("nan")

    by_group = _by_group(data, resample, control_sums)

    n_singletons = [c.year for c in cohorts if len(c.members) < 2]
    if n_singletons:
        caveats.append(
            "Cohort(s) with a single practice ("
            + ", ".join(map(str, n_singletons))
            + ") add no sampling variation to the bootstrap: intervals are too narrow."
        )
    if len(comparison_rows) < 20:
        caveats.append(
            f"Only {len(comparison_rows)} comparison practices: estimates are imprecise."
        )
    if pre_trend.flag:
        caveats.append(
            "The pre-period points differ from 0 (p = "
            f"{pre_trend.p:.3f}): the pathfinder and comparison practices were already moving "
            "apart before go-live, so the estimates may be biased."
        )
    caveats.append(
        "Difference-in-differences assumes that without the campaigns the pathfinder practices' "
        "figures would have moved in parallel with the comparison practices'; the pre-period "
        "points test this only before go-live."
    )
    if any(y in data.years for y in (2020,)) and 2020 not in exclude_years:
        caveats.append(
            "2020/21 (the COVID-19 break) is in the data; consider exclude_years=(2020,)."
        )

    method = (
        "Callaway and Sant'Anna (2021) staggered difference-in-differences against never-treated "
        "matched comparison practices, no covariates, outcome in percentage points; each "
        "practice weighted by its eligible population in the base year; universal base period "
        "(the last year before go-live), so pre-period points are placebo checks; the overall "
        "effect averages the post-go-live ATT(g,t) weighted by each cohort's eligible "
        "population; inference by a cluster bootstrap of practices stratified by cohort and arm "
        f"(Rao-Wu rescaled), B = {bootstrap}, seed {seed}; 95% intervals are the estimate "
        "+/- 1.96 bootstrap standard errors; parallel trends tested by a Wald chi-square of the "
        "pre-period event-time effects with the bootstrap covariance."
    )
    return DidResult(
        att_gt=att_gt,
        event_study=event_study,
        pooled=pooled,
        pre_trend=pre_trend,
        by_group=by_group,
        min_detectable_pp=mde,
        method=method,
        caveats=caveats,
        n_treated=len(treated_rows),
        n_comparison=len(comparison_rows),
        cohorts=tuple(c.year for c in cohorts),
        years=tuple(int(y) for y in years_arr),
        bootstrap=bootstrap,
        seed=seed,
    )


def _wald_pre_trend(draws: list[np.ndarray], event_times: list[int]) -> PreTrendTest:
    if not draws:
        return PreTrendTest(float("nan"), 0, float("nan"), False, ())
    matrix = np.column_stack(draws)  # (B+1, m)
    estimate = matrix[0]
    replicates = matrix[1:][np.isfinite(matrix[1:]).all(axis=1)]
    if len(replicates) < 2:
        return PreTrendTest(float("nan"), 0, float("nan"), False, tuple(event_times))
    cov = np.atleast_2d(np.cov(replicates, rowvar=False))
    rank = int(np.linalg.matrix_rank(cov))
    if rank == 0:
        return PreTrendTest(float("nan"), 0, float("nan"), False, tuple(event_times))
    statistic = float(estimate @ np.linalg.pinv(cov, hermitian=True) @ estimate)
    p = chi2_sf(statistic, rank)
    return PreTrendTest(statistic, rank, p, bool(p < 0.05), tuple(event_times))


def _by_group(
    data: _Panel,
    resample: np.ndarray,
    control_sums: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]],
) -> pd.DataFrame:
    """The pooled effect of each pathfinder's practices against every comparison practice, on the
    same bootstrap replicates, Holm-adjusted across pathfinders."""
    rows = []
    for group in sorted({g for g in data.group[data.cohort > 0].tolist() if g}):
        members = np.flatnonzero((data.cohort > 0) & (data.group == group))
        cohorts = _treated_effects(data, resample, members, control_sums)
        replicates, _ = _aggregate(cohorts, data.years, lambda g, t: t >= g)
        estimate, se, lo, hi = _summary(replicates)
        rows.append(
            {
                "group": group,
                "n_practices": len(members),
                "cohorts": ", ".join(str(c.year) for c in cohorts),
                "estimate_pp": estimate,
                "se": se,
                "ci_lo": lo,
                "ci_hi": hi,
                "p": normal_p(estimate, se),
                "min_detectable_pp": minimum_detectable_effect(se)
                if np.isfinite(se)
                else float("nan"),
            }
        )
    columns = [
        "group",
        "n_practices",
        "cohorts",
        "estimate_pp",
        "se",
        "ci_lo",
        "ci_hi",
        "p",
        "p_holm",
        "min_detectable_pp",
    ]
    table = pd.DataFrame(rows, columns=[c for c in columns if c != "p_holm"])
    table.insert(8, "p_holm", holm(table["p"].to_numpy(dtype=float)) if len(table) else [])
    return table.loc[:, columns]
