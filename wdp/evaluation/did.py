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
  of that cell only; one missing ``Y`` in ``b`` is in no cell of its cohort and not in ``P_g``.

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
replicates' standard deviation.

Small samples: a pathfinder cohort has tens of practices, not thousands, so the standard errors
are themselves uncertain. Intervals and p-values therefore use Student's t, and the pre-trend test
an F reference, with ``nu`` degrees of freedom: the sum over the cohorts involved of (Kish's
effective number of practices, (sum w)^2 / sum w^2, minus 1). The comparison arm is far larger and
is ignored here, which errs on the wide side. Measured on simulated programmes of 60 pathfinder
practices in four cohorts (tests/test_evaluation_simulation.py and the runs behind it): the
chi-square reference flagged 16.5% of 1,000 clean panels, the F reference 5.2%; normal intervals
covered 92.7% of 300 panels where t intervals covered 93.7%, and t intervals covered 94.9% of
1,000.

- 95% intervals: estimate +/- t(0.975, nu) x SE; p-values two-sided from t(nu).
- Pre-trend: the Wald statistic W = b' V^-1 b of the ``k`` pre-period event-time effects ``b``
  (reference excluded) with their bootstrap covariance ``V``, referred to Hotelling's
  approximation W (nu - k + 1) / (k nu) ~ F(k, nu - k + 1), because ``V`` is estimated from about
  ``nu`` practices; flagged when p < 0.05. The asymptotic chi-square(k) p is reported too.
- The minimum detectable effect is (z_0.975 + z_0.80) x SE of the pooled estimate (80% power, 5%
  two-sided), as asked of the evaluation plan.

Invariants: a noiseless panel with parallel trends gives exactly the injected effect and exactly 0
before go-live; the result never depends on row order; the same seed gives the same intervals.
Cohorts that go live in or before the first year, or after the last year, of the window have no
comparison to make and are dropped with a caveat. A practice with no cohort is a comparison
practice: the caller passes only the matched comparison practices and the pathfinder practices.

References: Callaway B, Sant'Anna PHC. Difference-in-differences with multiple time periods.
J Econometrics 2021;225:200-230 (and the R package ``did``, whose ``compute.att_gt`` and
``compute.aggte`` these formulas were checked against). Holm S. A simple sequentially rejective
multiple test procedure. Scand J Stat 1979;6:65-70. Rao JNK, Wu CFJ. Resampling inference with
complex survey data. J Am Stat Assoc 1988;83:231-241. Kish L. Survey Sampling. Wiley, 1965.
Clarke GM et al. Evaluating the impact of healthcare interventions using routine data. BMJ
2019;365:l2239.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np
import pandas as pd

from wdp.evaluation.distributions import chi2_sf, f_sf, t_ppf, t_sf

REQUIRED_COLUMNS = ("practice_code", "year", "numerator", "denominator", "cohort", "group")
DEFAULT_BOOTSTRAP = 999
DEFAULT_SEED = 20_240_415
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
    df: float = float("inf")  # of the t reference


@dataclass(frozen=True)
class PreTrendTest:
    """Joint Wald test that every pre-period event-time effect is 0 (parallel trends)."""

    statistic: float  # Wald W = b' V^-1 b
    df: int  # k, the pre-period event times tested (rank of V)
    df_denominator: float  # nu - k + 1 of the F reference
    p: float  # from F(k, nu - k + 1), the small-sample reference
    p_chi2: float  # from chi-square(k), the asymptotic reference
    flag: bool  # p < 0.05: the arms were already moving apart before go-live
    event_times: tuple[int, ...]


@dataclass(frozen=True)
class DidResult:
    """Everything the evaluation reports. Tables use ``estimate_pp, se, ci_lo, ci_hi`` columns.

    - ``att_gt``: cohort, year, event_time, base_year, post, reference, estimate_pp, se, ci_lo,
      ci_hi, df, n_treated, n_comparison (practices with a figure in the cell).
    - ``event_study``: event_time, estimate_pp, se, ci_lo, ci_hi, df, n_cohorts, reference.
    - ``by_group``: group, n_practices, cohorts, estimate_pp, se, ci_lo, ci_hi, df, p, p_holm,
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


def t_p(estimate: float, se: float, df: float = float("inf")) -> float:
    """Two-sided p-value of estimate / se against Student's t with ``df`` degrees of freedom
    (the normal when df is infinite); NaN if se is not > 0."""
    if not (np.isfinite(estimate) and np.isfinite(se)) or se <= 0:
        return float("nan")
    if not np.isfinite(df):
        return 2 * NormalDist().cdf(-abs(estimate) / se)
    return 2 * t_sf(abs(estimate) / se, df)


def t_quantile(df: float, *, level: float = 0.95) -> float:
    """The two-sided critical value for ``level``: Student's t with ``df`` (normal if infinite)."""
    q = 0.5 + level / 2
    return NormalDist().inv_cdf(q) if not np.isfinite(df) else t_ppf(q, max(df, 1.0))


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
    year = pd.to_numeric(panel["year"], errors="raise").to_numpy(dtype=int)
    keep = np.ones(len(panel), dtype=bool)
    if years is not None:
        keep &= np.isin(year, [int(y) for y in years])
    excluded = sorted({int(y) for y in exclude_years})
    if excluded:
        keep &= ~np.isin(year, excluded)
        caveats.append(f"Years left out of the analysis: {', '.join(map(str, excluded))}.")
    if not keep.any():
        raise ValueError("No rows are left in the chosen years.")
    # Plain arrays from here on: pandas' per-call overhead dominated small panels.
    year = year[keep]
    code = panel["practice_code"].to_numpy(dtype=object)[keep].astype(str)
    numerator = pd.to_numeric(panel["numerator"], errors="coerce").to_numpy(float, na_value=np.nan)
    denominator = pd.to_numeric(panel["denominator"], errors="coerce").to_numpy(
        float, na_value=np.nan
    )
    numerator, denominator = numerator[keep], denominator[keep]
    cohort = pd.to_numeric(panel["cohort"], errors="coerce").to_numpy(float, na_value=np.nan)
    cohort = np.nan_to_num(cohort[keep], nan=0.0).astype(int)
    group_raw = panel["group"].to_numpy(dtype=object)[keep]
    group = np.where(pd.isna(group_raw), "", group_raw).astype(str).astype(object)

    codes, first_row, unit = np.unique(code, return_index=True, return_inverse=True)
    all_years, column = np.unique(year, return_inverse=True)
    cell = unit * len(all_years) + column
    counts = np.bincount(cell, minlength=len(codes) * len(all_years))
    if (counts > 1).any():
        dupe = int(np.flatnonzero(counts > 1)[0])
        raise ValueError(
            f"Practice {codes[dupe // len(all_years)]} has more than one row for "
            f"{all_years[dupe % len(all_years)]}: the panel needs one row per practice and year."
        )
    unit_cohort, unit_group = cohort[first_row], group[first_row]
    inconsistent = (cohort != unit_cohort[unit]) | (group != unit_group[unit])
    if inconsistent.any():
        raise ValueError(
            f"Practice {code[np.flatnonzero(inconsistent)[0]]} has more than one go-live year or "
            "pathfinder in the panel: each practice needs one cohort (or none) and one group."
        )

    first, last = all_years[0], all_years[-1]
    too_early = sorted({int(g) for g in unit_cohort if 0 < g <= first})
    too_late = sorted({int(g) for g in unit_cohort if g > last})
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
    num_a = np.full((len(codes), len(all_years)), np.nan)
    den_a = np.full((len(codes), len(all_years)), np.nan)
    num_a[unit, column] = numerator
    den_a[unit, column] = denominator
    kept = ~np.isin(unit_cohort, too_early + too_late)
    num_a, den_a = num_a[kept], den_a[kept]
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
        codes=codes[kept].astype(object),
        years=all_years.astype(int),
        value=value,
        eligible=eligible,
        cohort=unit_cohort[kept],
        group=unit_group[kept],
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
    df: float  # Kish's effective number of practices, minus 1


def kish_df(weights: np.ndarray) -> float:
    """Kish's effective sample size of ``weights``, (sum w)^2 / sum w^2, minus 1 (0 if none)."""
    w = np.asarray(weights, dtype=float)
    w = w[w > 0]
    if len(w) == 0:
        return 0.0
    return float(w.sum() ** 2 / (w * w).sum() - 1)


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


_Controls = dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]]


def _treated_effects(
    data: _Panel, resample: np.ndarray, members: np.ndarray, controls: _Controls
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
        df = kish_df(data.eligible[rows, base])
        cohorts.append(_Cohort(g, base, rows, t_w, att, t_n, c_n, df))
    return cohorts


def _comparison_sums(data: _Panel, resample: np.ndarray) -> _Controls:
    """The comparison arm's resampled sums for every cohort's base year, in one product."""
    rows = np.flatnonzero(data.cohort == 0)
    cohorts = sorted(set(data.cohort[data.cohort > 0].tolist()))
    bases = [_base_of(data.years, g) for g in cohorts]
    nums, dens, _, counts = _cell_sums(
        resample[:, rows], data.value[rows], data.eligible[rows], bases
    )
    return {g: (nums[k], dens[k], counts[k]) for k, g in enumerate(cohorts)}


@dataclass
class _Aggregate:
    replicates: np.ndarray  # (B+1,) row 0 the point estimate
    cells: int
    df: float  # summed over the cohorts with a cell
    n_cohorts: int


def _aggregate(
    cohorts: list[_Cohort], years: np.ndarray, keep: Callable[[int, int], bool]
) -> _Aggregate:
    """sum P_g ATT(g,t) / sum P_g over the non-reference cells with ``keep(g, t)``, per replicate
    (a cell missing in the point estimate is left out of every replicate; one missing in a
    replicate only is left out of that replicate)."""
    num = np.zeros(cohorts[0].att.shape[0]) if cohorts else np.zeros(1)
    den = np.zeros_like(num)
    cells, df, used = 0, 0.0, 0
    for c in cohorts:
        used_here = False
        for j, t in enumerate(years):
            if j == c.base or not keep(c.year, int(t)) or not np.isfinite(c.att[0, j]):
                continue
            att = c.att[:, j]
            ok = np.isfinite(att)
            num += np.where(ok, att * c.weight, 0.0)
            den += np.where(ok, c.weight, 0.0)
            cells += 1
            used_here = True
        if used_here:
            df += c.df
            used += 1
    with np.errstate(divide="ignore", invalid="ignore"):
        replicates = np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)
    return _Aggregate(replicates, cells, df, used)


def _summary(replicates: np.ndarray, df: float) -> tuple[float, float, float, float]:
    """(estimate, se, ci_lo, ci_hi) from the point estimate (row 0) and the bootstrap rows, the
    interval from Student's t with ``df`` degrees of freedom."""
    estimate = float(replicates[0])
    draws = replicates[1:]
    draws = draws[np.isfinite(draws)]
    if len(draws) < 2 or not np.isfinite(estimate) or df <= 0:
        return estimate, float("nan"), float("nan"), float("nan")
    se = float(np.std(draws, ddof=1))
    half = t_quantile(df) * se
    return estimate, se, estimate - half, estimate + half


def estimate_did(
    panel: pd.DataFrame,
    *,
    years: Iterable[int] | None = None,
    exclude_years: Collection[int] = (),
    bootstrap: int = DEFAULT_BOOTSTRAP,
    seed: int = DEFAULT_SEED,
) -> DidResult:
    """Callaway-Sant'Anna staggered difference-in-differences of practice figures (see the module
    docstring for the formulas and the inference).

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
    n_comparison = int((data.cohort == 0).sum())
    if len(treated_rows) == 0:
        raise ValueError("No pathfinder (treated) practices with a go-live year in the window.")
    if n_comparison == 0:
        raise ValueError("No comparison practices (rows with no cohort) in the panel.")

    strata = np.where(data.cohort > 0, data.cohort.astype(str), COMPARISON)
    resample = bootstrap_weights(strata, replicates=bootstrap, seed=seed)
    controls = _comparison_sums(data, resample)
    cohorts = _treated_effects(data, resample, treated_rows, controls)

    att_gt = _att_gt_table(cohorts, data.years, n_comparison)
    event_study, pre = _event_study(cohorts, data.years)
    pre_trend = _pre_trend_test(*pre)

    overall = _aggregate(cohorts, data.years, lambda g, t: t >= g)
    estimate, se, lo, hi = _summary(overall.replicates, overall.df)
    pooled = PooledEstimate(
        estimate_pp=estimate,
        se=se,
        ci95=(lo, hi),
        p=t_p(estimate, se, overall.df),
        n_treated=len(treated_rows),
        n_comparison=n_comparison,
        df=overall.df,
    )
    mde = minimum_detectable_effect(se) if np.isfinite(se) else float("nan")
    by_group = _by_group(data, resample, controls)

    caveats += _caveats(data, cohorts, overall, pre_trend, n_comparison, exclude_years)
    method = (
        "Callaway and Sant'Anna (2021) staggered difference-in-differences against never-treated "
        "matched comparison practices, no covariates, outcome in percentage points; each "
        "practice weighted by its eligible population in the base year; universal base period "
        "(the last year before go-live), so pre-period points are placebo checks; the overall "
        "effect averages the post-go-live ATT(g,t) weighted by each cohort's eligible "
        "population; inference by a cluster bootstrap of practices stratified by cohort and arm "
        f"(Rao-Wu rescaled), B = {bootstrap}, seed {seed}; 95% intervals are the estimate "
        "+/- t x bootstrap standard error, with degrees of freedom from the effective number of "
        "pathfinder practices; parallel trends tested jointly on the pre-period event-time "
        "effects by a Wald statistic with the bootstrap covariance, referred to an F "
        "distribution (Hotelling) for the small number of practices."
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
        n_comparison=n_comparison,
        cohorts=tuple(c.year for c in cohorts),
        years=tuple(int(y) for y in data.years),
        bootstrap=bootstrap,
        seed=seed,
    )


def _att_gt_table(cohorts: list[_Cohort], years: np.ndarray, n_comparison: int) -> pd.DataFrame:
    rows = []
    for c in cohorts:
        for j, t in enumerate(years):
            reference = j == c.base
            estimate, se, lo, hi = _summary(c.att[:, j], c.df)
            if reference:
                se, lo, hi = 0.0, 0.0, 0.0
            rows.append(
                {
                    "cohort": c.year,
                    "year": int(t),
                    "event_time": int(t) - c.year,
                    "base_year": int(years[c.base]),
                    "post": int(t) >= c.year,
                    "reference": reference,
                    "estimate_pp": estimate,
                    "se": se,
                    "ci_lo": lo,
                    "ci_hi": hi,
                    "df": c.df,
                    "n_treated": int(len(c.members) if reference else c.n_treated[j]),
                    "n_comparison": int(n_comparison if reference else c.n_comparison[j]),
                }
            )
    return pd.DataFrame(rows)


_PreDraws = tuple[list[np.ndarray], list[int], float]


def _event_study(cohorts: list[_Cohort], years: np.ndarray) -> tuple[pd.DataFrame, _PreDraws]:
    """The event-time table, and the pre-period replicates, event times and degrees of freedom
    for the pre-trend test."""
    times = sorted({int(t) - c.year for c in cohorts for t in years})
    rows, pre_draws, pre_times = [], [], []
    for e in times:
        agg = _aggregate(cohorts, years, lambda g, t, e=e: t - g == e)
        if agg.cells == 0:  # only reference cells at this event time
            rows.append((e, 0.0, 0.0, 0.0, 0.0, 0.0, 0, True))
            continue
        estimate, se, lo, hi = _summary(agg.replicates, agg.df)
        rows.append((e, estimate, se, lo, hi, agg.df, agg.n_cohorts, False))
        if e < 0 and np.isfinite(estimate):
            pre_draws.append(agg.replicates)
            pre_times.append(e)
    columns = ["event_time", "estimate_pp", "se", "ci_lo", "ci_hi", "df", "n_cohorts", "reference"]
    pre_df = _aggregate(cohorts, years, lambda g, t: t < g).df
    return pd.DataFrame(rows, columns=columns), (pre_draws, pre_times, pre_df)


def _pre_trend_test(draws: list[np.ndarray], event_times: list[int], nu: float) -> PreTrendTest:
    """Wald W = b' V^-1 b with the bootstrap covariance V, and its F (Hotelling) p-value."""
    nan = float("nan")
    untested = PreTrendTest(nan, 0, nan, nan, nan, False, tuple(event_times))
    if not draws:
        return untested
    matrix = np.column_stack(draws)  # (B+1, k)
    estimate = matrix[0]
    replicates = matrix[1:][np.isfinite(matrix[1:]).all(axis=1)]
    if len(replicates) < 2:
        return untested
    cov = np.atleast_2d(np.cov(replicates, rowvar=False))
    k = int(np.linalg.matrix_rank(cov))
    if k == 0:
        return untested
    statistic = float(estimate @ np.linalg.pinv(cov, hermitian=True) @ estimate)
    p_chi2 = chi2_sf(statistic, k)
    df2 = nu - k + 1
    if df2 < 1:  # fewer effective practices than pre-period points: no usable reference
        return PreTrendTest(statistic, k, df2, nan, p_chi2, False, tuple(event_times))
    p = f_sf(statistic * df2 / (k * nu), k, df2)
    return PreTrendTest(statistic, k, df2, p, p_chi2, bool(p < 0.05), tuple(event_times))


def _by_group(data: _Panel, resample: np.ndarray, controls: _Controls) -> pd.DataFrame:
    """The pooled effect of each pathfinder's practices against every comparison practice, on the
    same bootstrap replicates, Holm-adjusted across pathfinders."""
    rows = []
    for group in sorted({g for g in data.group[data.cohort > 0].tolist() if g}):
        members = np.flatnonzero((data.cohort > 0) & (data.group == group))
        cohorts = _treated_effects(data, resample, members, controls)
        agg = _aggregate(cohorts, data.years, lambda g, t: t >= g)
        estimate, se, lo, hi = _summary(agg.replicates, agg.df)
        rows.append(
            {
                "group": group,
                "n_practices": len(members),
                "cohorts": ", ".join(str(c.year) for c in cohorts),
                "estimate_pp": estimate,
                "se": se,
                "ci_lo": lo,
                "ci_hi": hi,
                "df": agg.df,
                "p": t_p(estimate, se, agg.df),
                "min_detectable_pp": minimum_detectable_effect(se),
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
        "df",
        "p",
        "p_holm",
        "min_detectable_pp",
    ]
    table = pd.DataFrame(rows, columns=[c for c in columns if c != "p_holm"])
    table["p_holm"] = holm(table["p"].to_numpy(dtype=float))
    return table.loc[:, columns]


def _caveats(
    data: _Panel,
    cohorts: list[_Cohort],
    overall: _Aggregate,
    pre_trend: PreTrendTest,
    n_comparison: int,
    exclude_years: Collection[int],
) -> list[str]:
    caveats = []
    if overall.cells == 0:
        caveats.append("No year after go-live is in the data: there is no effect to estimate.")
    if not pre_trend.event_times:
        caveats.append("There is no pre-period year to test parallel trends with.")
    elif np.isnan(pre_trend.p):
        caveats.append(
            f"Too few pathfinder practices to test {pre_trend.df or len(pre_trend.event_times)} "
            "pre-period points jointly: parallel trends are untested (look at the event study)."
        )
    singletons = [c.year for c in cohorts if len(c.members) < 2]
    if singletons:
        caveats.append(
            "Cohort(s) with a single practice ("
            + ", ".join(map(str, singletons))
            + ") add no sampling variation to the bootstrap: intervals are too narrow."
        )
    if n_comparison < 20:
        caveats.append(f"Only {n_comparison} comparison practices: estimates are imprecise.")
    if pre_trend.flag:
        caveats.append(
            f"The pre-period points differ from 0 (p = {pre_trend.p:.3f}): the pathfinder and "
            "comparison practices were already moving apart before go-live, so the estimates "
            "may be biased."
        )
    caveats.append(
        "Difference-in-differences assumes that without the campaigns the pathfinder practices' "
        "figures would have moved in parallel with the comparison practices'; the pre-period "
        "points test this only before go-live."
    )
    if 2020 in data.years and 2020 not in exclude_years:
        caveats.append(
            "2020/21 (the COVID-19 break) is in the data; consider exclude_years=(2020,)."
        )
    return caveats
