"""Synthetic control for a single treated unit (one practice, or one pathfinder's practices pooled)
from donor practices, with the placebo test that goes with it (Abadie, Diamond and Hainmueller,
J Am Stat Assoc 2010;105:493-505; for public health, Bouttell et al., J Epidemiol Community
Health 2018;72:673-678).

- **Weights**: non-negative donor weights summing to 1 that minimise the squared distance between
  the treated unit's pre-go-live figures and the weighted donors' (so the pre-period RMSE), found
  exactly by an active-set method (Lawson and Hanson 1974, with the sum-to-1 constraint), with
  accelerated projected gradient (FISTA, exact Euclidean projection onto the simplex: Duchi et
  al., ICML 2008) as the fallback. No predictor-weighting matrix V: the pre-period outcomes
  themselves are the predictors.
- **Gap** per year: treated minus synthetic; RMSPE before and after go-live and their ratio.
- **Placebo test**: each donor in turn is treated as if it had gone live, with the other donors
  (never the treated unit) as its donors; the treated unit's post/pre RMSPE ratio is ranked among
  all of them (1 = largest), and the permutation p-value is rank / (donors + 1).

Figures are percentages, 100 x numerator / denominator; a pooled unit's figure is its summed
numerator over its summed denominator. Donors missing a figure in any year used are left out.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class SyntheticControlResult:
    """``gap``: year, treated, synthetic, gap, post. ``placebo``: unit, pre_rmspe, post_rmspe,
    ratio, treated (one row per donor refitted as if treated, plus the treated unit)."""

    weights: pd.Series  # donor practice code -> weight, summing to 1
    gap: pd.DataFrame
    pre_rmspe: float
    post_rmspe: float
    rmspe_ratio: float
    placebo: pd.DataFrame
    rank: int
    p_value: float
    method: str
    caveats: list[str] = field(default_factory=list)


def project_to_simplex(v: np.ndarray) -> np.ndarray:
    """The Euclidean projection of ``v`` onto {w >= 0, sum w = 1} (Duchi et al. 2008)."""
    u = np.sort(v)[::-1]
    cumulative = np.cumsum(u) - 1
    index = np.arange(1, len(v) + 1)
    rho = np.flatnonzero(u - cumulative / index > 0)[-1]
    theta = cumulative[rho] / (rho + 1)
    return np.maximum(v - theta, 0.0)


def simplex_least_squares(
    x: np.ndarray, y: np.ndarray, *, max_iter: int = 50_000, tol: float = 1e-12
) -> np.ndarray:
    """Weights ``w`` >= 0 with sum 1 minimising ||x w - y||^2 (``x`` is periods x donors).

    Because the weights sum to 1, subtracting the same number from ``y`` and from every donor in
    a period changes nothing; taking off each period's donor mean makes the problem far better
    conditioned. An exact active-set method (Lawson and Hanson's NNLS, with the sum-to-1
    constraint in its equality-constrained steps) solves it; accelerated projected gradient
    (FISTA), stopped by the Frank-Wolfe duality gap and then polished, is the fallback if the
    active set cycles. The better of the two answers is returned.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n = x.shape[1]
    if n == 0:
        raise ValueError("No donors to build a synthetic control from.")
    if n == 1:
        return np.ones(1)
    centre = x.mean(axis=1)
    xc, yc = x - centre[:, None], y - centre
    exact = _active_set(xc, yc, max_iter=20 * n + 100)
    if exact is not None:
        return exact
    return _polish(xc, yc, _projected_gradient(xc, yc, max_iter=max_iter, tol=tol))


def _solve_on(gram: np.ndarray, xty: np.ndarray, support: np.ndarray) -> np.ndarray:
    """The minimiser of 0.5 w'Gw - xty'w with sum w = 1 and w = 0 off ``support`` (its KKT
    system; least squares, so a singular Gram matrix gives the minimum-norm answer)."""
    index = np.flatnonzero(support)
    m = len(index)
    kkt = np.zeros((m + 1, m + 1))
    kkt[:m, :m] = gram[np.ix_(index, index)]
    kkt[:m, m] = 1
    kkt[m, :m] = 1
    rhs = np.concatenate([xty[index], [1.0]])
    z = np.zeros(len(support))
    z[index] = np.linalg.lstsq(kkt, rhs, rcond=None)[0][:m]
    return z


def _active_set(x: np.ndarray, y: np.ndarray, *, max_iter: int) -> np.ndarray | None:
    """Lawson-Hanson active set on the simplex; None if it fails to settle."""
    gram, xty = x.T @ x, x.T @ y
    tol = 1e-10 * max(1.0, float(np.abs(gram).max()), float(np.abs(xty).max()))
    start = int(np.argmin(((x - y[:, None]) ** 2).sum(axis=0)))  # the best single donor
    w = np.zeros(x.shape[1])
    w[start] = 1.0
    support = w > 0
    for _ in range(max_iter):
        gradient = gram @ w - xty
        level = gradient[support].mean()  # -multiplier of sum w = 1 (equal on the support)
        outside = np.where(support, np.inf, gradient)
        j = int(np.argmin(outside))
        if not np.isfinite(outside[j]) or outside[j] >= level - tol:
            return w  # KKT: no donor outside the support would lower the objective
        support[j] = True
        for _inner in range(x.shape[1] + 1):
            z = _solve_on(gram, xty, support)
            if (z[support] > 0).all():
                w = z
                break
            falling = support & (z <= 0)
            step = float(np.min(w[falling] / (w[falling] - z[falling])))
            w = w + step * (z - w)
            leaving = support & (w <= 1e-14)
            if leaving[j] and step == 0:
                return None  # degenerate: the donor just added leaves at once
            support &= ~leaving
            w[~support] = 0.0
            if not support.any():
                return None
        else:
            return None
    return None


def _projected_gradient(x: np.ndarray, y: np.ndarray, *, max_iter: int, tol: float) -> np.ndarray:
    """FISTA on the simplex, stopped when the Frank-Wolfe gap (an upper bound on the distance
    to the optimum's objective) falls below ``tol`` x (1 + y'y)."""
    n = x.shape[1]
    gram, xty = x.T @ x, x.T @ y
    lipschitz = float(np.linalg.eigvalsh(gram)[-1]) or 1.0
    threshold = tol * (1 + float(y @ y))
    w = np.full(n, 1.0 / n)
    momentum, t = w.copy(), 1.0
    for i in range(max_iter):
        w_next = project_to_simplex(momentum - (gram @ momentum - xty) / lipschitz)
        t_next = (1 + np.sqrt(1 + 4 * t * t)) / 2
        momentum = w_next + ((t - 1) / t_next) * (w_next - w)
        w, t = w_next, t_next
        if i % 20 == 0:
            gradient = gram @ w - xty
            if float(gradient @ w - gradient.min()) < threshold:
                break
    return w


def _objective(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    residual = x @ w - y
    return float(residual @ residual)


def _polish(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Solve the equality-constrained least squares on the support of ``w``; keep the answer if
    it is non-negative and no worse."""
    support = w > 1e-9
    if not support.any():
        return w
    solution = _solve_on(x.T @ x, x.T @ y, support)
    if (solution[support] < -1e-12).any():
        return w
    polished = np.maximum(solution, 0.0)
    polished /= polished.sum()
    return polished if _objective(x, y, polished) <= _objective(x, y, w) + 1e-12 else w


def _rmspe(gap: np.ndarray) -> float:
    return float(np.sqrt(np.mean(gap * gap))) if len(gap) else float("nan")


def _fit(treated: np.ndarray, donors: np.ndarray, pre: np.ndarray) -> tuple[np.ndarray, ...]:
    """Weights, synthetic path, pre and post RMSPE for one treated path against donor paths
    (years x donors)."""
    weights = simplex_least_squares(donors[pre], treated[pre])
    synthetic = donors @ weights
    gap = treated - synthetic
    return weights, synthetic, np.array([_rmspe(gap[pre]), _rmspe(gap[~pre])])


def _ratio(pre_rmspe: float, post_rmspe: float) -> float:
    if pre_rmspe > 0:
        return post_rmspe / pre_rmspe
    return float("inf") if post_rmspe > 0 else float("nan")


def synthetic_control(
    panel: pd.DataFrame,
    *,
    treated: Collection[str],
    go_live: int,
    donors: Collection[str] | None = None,
    years: Iterable[int] | None = None,
    exclude_years: Collection[int] = (),
    placebo: bool = True,
) -> SyntheticControlResult:
    """Fit a synthetic control for the practices ``treated`` (pooled into one unit) from
    ``donors`` (default: every other practice in the panel), before ``go_live``; the gap after it;
    and, with ``placebo``, the in-space placebo test. ``panel`` has practice_code, year,
    numerator, denominator.
    """
    treated_set = {str(c) for c in treated}
    if not treated_set:
        raise ValueError("Name at least one treated practice.")
    frame = panel.loc[:, ["practice_code", "year", "numerator", "denominator"]].copy()
    frame["practice_code"] = frame["practice_code"].astype(str)
    frame["year"] = frame["year"].astype(int)
    if years is not None:
        frame = frame[frame["year"].isin({int(y) for y in years})]
    if exclude_years:
        frame = frame[~frame["year"].isin({int(y) for y in exclude_years})]
    year_list = sorted(frame["year"].unique())
    pre = np.array([y < go_live for y in year_list])
    if pre.sum() < 2 or (~pre).sum() < 1:
        raise ValueError(
            f"A synthetic control needs at least two years before {go_live} and one from it on."
        )
    missing_treated = treated_set - set(frame["practice_code"])
    if missing_treated:
        raise ValueError(
            f"Treated practice(s) not in the panel: {', '.join(sorted(missing_treated))}."
        )

    pooled = (
        frame[frame["practice_code"].isin(treated_set)]
        .groupby("year")[["numerator", "denominator"]]
        .sum()
        .reindex(year_list)
    )
    treated_path = (100 * pooled["numerator"] / pooled["denominator"]).to_numpy(dtype=float)
    if not np.isfinite(treated_path).all():
        raise ValueError("The treated unit has a year with no eligible population.")

    caveats: list[str] = []
    donor_frame = frame[~frame["practice_code"].isin(treated_set)]
    if donors is not None:
        donor_frame = donor_frame[donor_frame["practice_code"].isin({str(d) for d in donors})]
    den = donor_frame["denominator"].astype(float)
    donor_frame = donor_frame.assign(
        value=np.where(
            den > 0, 100 * donor_frame["numerator"].astype(float) / den.where(den > 0), np.nan
        )
    )
    wide = donor_frame.pivot(index="year", columns="practice_code", values="value").reindex(
        year_list
    )
    incomplete = wide.columns[~np.isfinite(wide.to_numpy(dtype=float)).all(axis=0)]
    if len(incomplete):
        caveats.append(f"{len(incomplete)} donor(s) missing a year were left out.")
        wide = wide.drop(columns=incomplete)
    if wide.shape[1] < 2:
        raise ValueError("A synthetic control needs at least two donors with every year's figure.")
    donor_matrix = wide.to_numpy(dtype=float)
    donor_codes = wide.columns.astype(str).tolist()
    if len(donor_codes) >= int(pre.sum()):
        caveats.append(
            f"{len(donor_codes)} donors for {int(pre.sum())} pre-go-live years: the weights can "
            "follow noise rather than the practice's path (a few matched donors fit more "
            "honestly), and the placebo ranks are then coarse."
        )

    weights, synthetic, (pre_rmspe, post_rmspe) = _fit(treated_path, donor_matrix, pre)
    ratio = _ratio(pre_rmspe, post_rmspe)
    rows = [
        {
            "unit": "treated",
            "pre_rmspe": pre_rmspe,
            "post_rmspe": post_rmspe,
            "ratio": ratio,
            "treated": True,
        }
    ]
    if placebo:
        for j, code in enumerate(donor_codes):
            others = np.delete(donor_matrix, j, axis=1)
            _, _, (p_pre, p_post) = _fit(donor_matrix[:, j], others, pre)
            rows.append(
                {
                    "unit": code,
                    "pre_rmspe": p_pre,
                    "post_rmspe": p_post,
                    "ratio": _ratio(p_pre, p_post),
                    "treated": False,
                }
            )
    placebo_table = pd.DataFrame(rows)
    if placebo:
        ratios = placebo_table["ratio"].to_numpy(dtype=float)
        ratios = np.where(np.isnan(ratios), -np.inf, ratios)
        # Ties count against the treated unit (a conservative rank); no ratio at all ranks last.
        rank = len(ratios) if np.isnan(ratio) else int((ratios >= ratio).sum())
        p_value = rank / len(ratios)
    else:
        rank, p_value = 0, float("nan")
    spread = float(np.std(treated_path[pre], ddof=1))
    if spread > 0 and pre_rmspe > 0.5 * spread:
        caveats.append(
            "The synthetic control fits the pre-period poorly (RMSPE above half the treated "
            "unit's own year-to-year spread): its gap is not a reliable effect."
        )
    gap = pd.DataFrame(
        {
            "year": year_list,
            "treated": treated_path,
            "synthetic": synthetic,
            "gap": treated_path - synthetic,
            "post": ~pre,
        }
    )
    method = (
        "Synthetic control (Abadie, Diamond and Hainmueller 2010): non-negative donor weights "
        f"summing to 1 fitted to the {int(pre.sum())} pre-go-live years' figures; in-space "
        f"placebo test over {len(donor_codes)} donors, p = rank of the post/pre RMSPE ratio / "
        "(donors + 1)."
    )
    return SyntheticControlResult(
        weights=pd.Series(weights, index=donor_codes, name="weight"),
        gap=gap,
        pre_rmspe=pre_rmspe,
        post_rmspe=post_rmspe,
        rmspe_ratio=ratio,
        placebo=placebo_table,
        rank=rank,
        p_value=p_value,
        method=method,
        caveats=caveats,
    )
