"""Choosing comparison practices before any post-go-live outcome is looked at.

The design (Clarke et al., BMJ 2019;365:l2239; the Health Foundation's Improvement Analytics Unit):

- **Candidates** for a pathfinder (treated) practice are practices in the same region, not in any
  pathfinder area (the caller's boolean column: spill-over from a campaign reaches neighbours),
  and not treated themselves.
- **Covariates**, standardised by their mean and standard deviation over the treated practices and
  all candidates together: the baseline LEVEL and TREND of the outcome (mean and least-squares
  slope over the 2-3 years before the earliest go-live, from ``baseline_covariates``: only
  pre-go-live years, so the outcome being evaluated cannot steer the choice), the IMD deprivation
  score and the list size (logged). Distance is Euclidean on the standardised covariates.
- **Rurality** (an urban/rural category) is matched exactly when possible: a candidate of another
  category carries a penalty (100 standard deviations by default, more than any realistic
  distance), so it is chosen only when no candidate of the same category is left in the region.
- **k nearest without replacement** (k = 3 by default), greedy, hardest first: treated practices
  are ordered by the distance to their k-th nearest candidate (the hardest to match first, so the
  easy ones do not take their few good matches), then matched in k rounds, each treated practice
  taking its nearest remaining candidate in every round (so no practice gets all the best
  comparisons while a later one gets none). A comparison practice is used at most once. A
  treated practice whose region runs out of candidates gets fewer than k, and is reported.

**Balance**: for each covariate, the treated mean, the comparison mean before matching (every
candidate in the treated practices' regions) and after (the matched set), and the standardised
mean difference SMD = (mean_t - mean_c) / sqrt((var_t + var_c) / 2) before and after; |SMD| > 0.1
is flagged (Austin 2009, Stat Med 28:3083-3107). For a category the "mean" is its share.

Invariant: the matched set never contains a treated practice, a practice in a pathfinder area or
a practice from another region than the practice it is matched to.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

COVARIATES = ("baseline_level", "baseline_trend", "imd_score", "list_size")
LOGGED = frozenset({"list_size"})
SMD_THRESHOLD = 0.1
RURAL_PENALTY = 100.0


@dataclass(frozen=True)
class MatchResult:
    """``pairs``: treated_code, comparison_code, region, round (1..k), distance.
    ``balance``: covariate, treated_mean, comparison_mean_before, comparison_mean_after,
    smd_before, smd_after, imbalanced_before, imbalanced_after."""

    pairs: pd.DataFrame
    comparison_codes: list[str]
    balance: pd.DataFrame
    short: list[str] = field(default_factory=list)  # treated practices with fewer than k matches
    caveats: list[str] = field(default_factory=list)


def baseline_covariates(panel: pd.DataFrame, *, years: Iterable[int]) -> pd.DataFrame:
    """Per practice, from ``years`` only (practice_code, year, numerator, denominator): the
    baseline level (mean of the yearly figures, percent) and trend (least-squares slope, points
    per year; NaN with fewer than two years), and how many of the years had a figure.

    Returns practice_code, baseline_level, baseline_trend, baseline_years.
    """
    chosen = sorted({int(y) for y in years})
    if not chosen:
        raise ValueError("baseline_covariates needs at least one baseline year.")
    rows = panel[panel["year"].astype(int).isin(chosen)]
    num = pd.to_numeric(rows["numerator"], errors="coerce").to_numpy(dtype=float)
    den = pd.to_numeric(rows["denominator"], errors="coerce").to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(den > 0, 100 * num / den, np.nan)
    wide = (
        pd.DataFrame(
            {"practice_code": rows["practice_code"].to_numpy(), "year": rows["year"], "v": value}
        )
        .pivot_table(index="practice_code", columns="year", values="v", aggfunc="mean")
        .reindex(columns=chosen)
    )
    y = wide.to_numpy(dtype=float)
    x = np.array(chosen, dtype=float)
    known = np.isfinite(y)
    count = known.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        level = np.where(count > 0, np.nansum(y, axis=1) / count, np.nan)
        x_mean = np.where(count > 0, (known * x).sum(axis=1) / count, np.nan)
        dx = np.where(known, x[None, :] - x_mean[:, None], 0.0)
        dy = np.where(known, y - level[:, None], 0.0)
        sxx = (dx * dx).sum(axis=1)
        trend = np.where((count >= 2) & (sxx > 0), (dx * dy).sum(axis=1) / sxx, np.nan)
    return pd.DataFrame(
        {
            "practice_code": wide.index.to_numpy(),
            "baseline_level": level,
            "baseline_trend": trend,
            "baseline_years": count.astype(int),
        }
    )


def _smd(treated: np.ndarray, comparison: np.ndarray) -> float:
    t, c = treated[np.isfinite(treated)], comparison[np.isfinite(comparison)]
    if len(t) < 1 or len(c) < 1:
        return float("nan")
    vt = float(np.var(t, ddof=1)) if len(t) > 1 else 0.0
    vc = float(np.var(c, ddof=1)) if len(c) > 1 else 0.0
    spread = np.sqrt((vt + vc) / 2)
    difference = float(t.mean() - c.mean())
    if spread == 0:
        return 0.0 if difference == 0 else float("inf") * np.sign(difference)
    return difference / spread


def balance_table(
    treated: pd.DataFrame,
    before: pd.DataFrame,
    after: pd.DataFrame,
    *,
    covariates: Sequence[str] = COVARIATES,
    category: str | None = "rural",
) -> pd.DataFrame:
    """Means and standardised differences of each covariate (logged where ``LOGGED``) and of each
    value of ``category`` (as shares), for the treated practices against the comparison practices
    ``before`` and ``after`` matching."""
    columns: list[tuple[str, pd.Series, pd.Series, pd.Series]] = []
    for name in covariates:

        def get(frame: pd.DataFrame, name: str = name) -> pd.Series:
            values = pd.to_numeric(frame[name], errors="coerce").astype(float)
            return np.log(values.where(values > 0)) if name in LOGGED else values

        label = f"{name} (log)" if name in LOGGED else name
        columns.append((label, get(treated), get(before), get(after)))
    if category is not None and category in treated.columns:
        values = sorted(set(treated[category].dropna()) | set(before[category].dropna()), key=str)
        if set(values) <= {False, True}:
            values = [True]  # one row, the share that is True, for a yes/no category
        for value in values:
            label = category if values == [True] else f"{category} = {value}"
            columns.append(
                (
                    label,
                    (treated[category] == value).astype(float),
                    (before[category] == value).astype(float),
                    (after[category] == value).astype(float),
                )
            )
    rows = []
    for label, t, b, a in columns:
        t_a, b_a, a_a = (s.to_numpy(dtype=float) for s in (t, b, a))
        smd_before, smd_after = _smd(t_a, b_a), _smd(t_a, a_a)
        rows.append(
            {
                "covariate": label,
                "treated_mean": float(np.nanmean(t_a)) if len(t_a) else np.nan,
                "comparison_mean_before": float(np.nanmean(b_a)) if len(b_a) else np.nan,
                "comparison_mean_after": float(np.nanmean(a_a)) if len(a_a) else np.nan,
                "smd_before": smd_before,
                "smd_after": smd_after,
                "imbalanced_before": bool(abs(smd_before) > SMD_THRESHOLD),
                "imbalanced_after": bool(abs(smd_after) > SMD_THRESHOLD),
            }
        )
    return pd.DataFrame(rows)


def match_comparisons(
    practices: pd.DataFrame,
    *,
    k: int = 3,
    treated: str = "treated",
    in_pathfinder_area: str = "in_pathfinder_area",
    region: str = "region",
    covariates: Sequence[str] = COVARIATES,
    category: str = "rural",
    category_penalty: float = RURAL_PENALTY,
) -> MatchResult:
    """Match each treated practice to ``k`` comparison practices, as the module docstring says.

    ``practices`` has one row per practice: practice_code, the boolean columns ``treated`` and
    ``in_pathfinder_area``, ``region``, the ``covariates`` (by default baseline_level and
    baseline_trend from ``baseline_covariates``, imd_score and list_size) and ``category``
    (rural: a bool or an urban/rural class).
    """
    needed = ["practice_code", treated, in_pathfinder_area, region, *covariates, category]
    missing = [c for c in needed if c not in practices.columns]
    if missing:
        raise ValueError(
            f"The practices table lacks the column(s) {', '.join(missing)}: it needs one row per "
            f"practice with {', '.join(needed)}."
        )
    if k < 1:
        raise ValueError("k, the comparison practices per treated practice, must be 1 or more.")
    if practices["practice_code"].duplicated().any():
        raise ValueError("The practices table has a practice more than once.")
    caveats: list[str] = []
    frame = practices.reset_index(drop=True)
    is_treated = frame[treated].fillna(False).astype(bool).to_numpy()
    in_area = frame[in_pathfinder_area].fillna(False).astype(bool).to_numpy()

    matrix = np.column_stack(
        [
            np.log(pd.to_numeric(frame[c], errors="coerce").where(lambda s: s > 0))
            if c in LOGGED
            else pd.to_numeric(frame[c], errors="coerce")
            for c in covariates
        ]
    ).astype(float)
    complete = np.isfinite(matrix).all(axis=1)
    regions_of_treated = set(frame.loc[is_treated, region])
    candidate = ~is_treated & ~in_area & frame[region].isin(regions_of_treated).to_numpy()
    dropped = int((candidate & ~complete).sum())
    if dropped:
        caveats.append(f"{dropped} candidate practice(s) with a missing covariate were not used.")
    unmatchable = frame.loc[is_treated & ~complete, "practice_code"].tolist()
    if unmatchable:
        caveats.append(
            f"{len(unmatchable)} pathfinder practice(s) have a missing covariate and were not "
            f"matched: {', '.join(map(str, unmatchable[:10]))}."
        )
    usable_candidates = candidate & complete
    pool = (is_treated | usable_candidates) & complete
    centre = matrix[pool].mean(axis=0) if pool.any() else np.zeros(len(covariates))
    spread = matrix[pool].std(axis=0, ddof=1) if pool.sum() > 1 else np.ones(len(covariates))
    spread = np.where((spread > 0) & np.isfinite(spread), spread, 1.0)
    z = (matrix - centre) / spread
    cat = frame[category].to_numpy(dtype=object)

    pairs: list[dict[str, object]] = []
    short: list[str] = []
    codes = frame["practice_code"].to_numpy(dtype=object)
    regions = frame[region].to_numpy(dtype=object)
    for where in sorted(regions_of_treated, key=str):
        t_rows = np.flatnonzero(is_treated & complete & (regions == where))
        c_rows = np.flatnonzero(usable_candidates & (regions == where))
        if len(t_rows) == 0:
            continue
        distance = np.sqrt(((z[t_rows][:, None, :] - z[c_rows][None, :, :]) ** 2).sum(axis=2))
        distance += category_penalty * (cat[t_rows][:, None] != cat[c_rows][None, :])
        kth = min(k, len(c_rows))
        difficulty = (
            np.sort(distance, axis=1)[:, kth - 1] if kth else np.zeros(len(t_rows))
        )  # distance to the k-th nearest candidate
        order = np.argsort(-difficulty, kind="stable")
        taken = np.zeros(len(c_rows), dtype=bool)
        got = np.zeros(len(t_rows), dtype=int)
        for round_ in range(1, k + 1):
            for i in order:
                available = np.flatnonzero(~taken)
                if len(available) == 0:
                    break
                j = available[np.argmin(distance[i, available])]
                taken[j] = True
                got[i] += 1
                pairs.append(
                    {
                        "treated_code": codes[t_rows[i]],
                        "comparison_code": codes[c_rows[j]],
                        "region": where,
                        "round": round_,
                        "distance": float(distance[i, j]),
                        "same_category": bool(cat[t_rows[i]] == cat[c_rows[j]]),
                    }
                )
        short += [str(codes[t_rows[i]]) for i in np.flatnonzero(got < k)]
    if short:
        caveats.append(
            f"{len(short)} pathfinder practice(s) got fewer than {k} comparison practices "
            "(their region ran out of candidates)."
        )
    table = pd.DataFrame(
        pairs,
        columns=["treated_code", "comparison_code", "region", "round", "distance", "same_category"],
    )
    mismatched = int((~table["same_category"]).sum()) if len(table) else 0
    if mismatched:
        caveats.append(
            f"{mismatched} match(es) cross the {category} category (no same-category candidate "
            "was left)."
        )
    chosen = table["comparison_code"].tolist()
    chosen_rows = frame["practice_code"].isin(chosen).to_numpy()
    balance = balance_table(
        frame[is_treated],
        frame[candidate],
        frame[chosen_rows],
        covariates=covariates,
        category=category,
    )
    if balance["imbalanced_after"].any():
        names = ", ".join(balance.loc[balance["imbalanced_after"], "covariate"])
        caveats.append(f"Still imbalanced after matching (|SMD| > {SMD_THRESHOLD}): {names}.")
    return MatchResult(
        pairs=table,
        comparison_codes=chosen,
        balance=balance,
        short=short,
        caveats=caveats,
    )
