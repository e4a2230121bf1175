"""Seeded synthetic GP-practice screening panels, realistic enough to test the evaluation on and to
stand in for OHID Fingertips data in the sample programme.

``simulate_panel`` is a stable interface (the sample data's builder calls it to write a
Fingertips-layout CSV): its arguments and its output columns ``practice_code, year, numerator,
denominator`` (integers; one row per practice and year, sorted) do not change without a note.

The model, per practice ``i`` and year ``t`` (financial year start, 2017 = 2017/18), in
percentage points, then clipped to [1, 99]:

    p_it = level(programme, measure)                      national level in 2017/18
         + national_trend x (t - 2017) + year_shock_t       common to every practice
         + covid_dip (covid_year and the two years after)   common to every practice
         - deprivation x (IMD score - 22) + rural bonus - log list-size slope
         + a_i + b_i x (t - 2017)                           practice intercept and trend
         + u_it                                             AR(1) practice-year noise
         + effect_pp x ramp(t - g_i)                        treated, from go-live g_i
         + pre_trend_pp x (t - (g_i - 1))                   treated, a differential trend

- ``ramp(e) = min(1, (e + 1) / ramp_years)`` for e >= 0, else 0: ``ramp_years = 1`` gives the full
  effect from the go-live year, so the true ATT is exactly ``effect_pp`` (clipping aside, which
  does not bind at these levels).
- ``pre_trend_pp`` is a differential linear trend of the treated practices over the whole window,
  zero in the year before go-live: the parallel-trends violation the pre-trend test should flag
  (it biases the post-period estimate too, as a real one would).
- Denominators: the eligible population is the list size x the programme's age-sex share (with a
  practice-level spread and slow growth), Poisson-varied by year; for uptake, the people invited
  that year (breast screening invites a practice mostly in one year of its three-year round).
  Numerators are binomial draws from the denominator.
- From ``round_to_5_from`` onwards both counts are rounded to the nearest 5, as Fingertips
  publishes recent GP-practice counts.

Levels follow /work/shared/DOMAIN.md and the public national figures: breast coverage ~72%,
cervical (25-49) ~70%, bowel coverage rising from ~57% to ~68%; uptake figures of the same order;
practices in deprived areas lower (about 0.2 points per IMD point).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

PROGRAMMES = ("breast", "cervical", "bowel")
MEASURES = ("coverage", "uptake")
REFERENCE_YEAR = 2017
MEAN_IMD = 22.0
DEFAULT_REGIONS = ("North West", "Midlands", "North East and Yorkshire", "London")


@dataclass(frozen=True)
class Profile:
    """A programme and measure's national picture and practice-level spread, in points."""

    level: float  # national level in REFERENCE_YEAR
    trend: float  # national change per year
    covid: tuple[float, float, float]  # dip in the COVID year and the two years after
    eligible_share: float  # eligible people per person on the list
    invited_share: float  # people invited per eligible person per year (1 for coverage)
    deprivation: float  # points lower per IMD point above the mean
    practice_sd: float  # practice intercept
    slope_sd: float  # practice trend, points per year
    noise_sd: float  # practice-year noise (AR(1), stationary sd)
    noise_rho: float


# Spread between and within practices: coverage (a look-back measure) moves slowly and smoothly;
# uptake (one year's invitations) is noisier. (practice_sd, slope_sd, noise_sd, noise_rho)
_SPREAD = {"coverage": (3.0, 0.12, 0.75, 0.7), "uptake": (4.0, 0.2, 2.0, 0.2)}
# (level in 2017/18, trend per year, COVID dip x3, eligible share, invited share, deprivation)
_NATIONAL = {
    ("breast", "coverage"): (72.5, -0.2, (-8.0, -5.0, -3.0), 0.12, 1.0, 0.20),
    ("breast", "uptake"): (71.0, -0.4, (-15.0, -6.0, -3.0), 0.12, 1 / 3, 0.25),
    ("cervical", "coverage"): (70.0, -0.5, (-1.5, -1.0, -0.5), 0.18, 1.0, 0.22),
    ("cervical", "uptake"): (64.0, -0.5, (-10.0, -3.0, -1.0), 0.18, 1 / 3, 0.25),
    ("bowel", "coverage"): (62.0, 1.0, (-2.0, -1.0, 0.0), 0.14, 1.0, 0.25),
    ("bowel", "uptake"): (60.0, 1.0, (-5.0, -2.0, 0.0), 0.14, 0.5, 0.25),
}
PROFILES: dict[tuple[str, str], Profile] = {
    key: Profile(*national, *_SPREAD[key[1]]) for key, national in _NATIONAL.items()
}
# Breast screening invites a practice's women in a three-year round: most of them in one year.
BREAST_ROUND = np.array([1.9, 0.6, 0.5])


def simulate_practices(
    n: int, *, regions: Sequence[str] = DEFAULT_REGIONS, seed: int = 0
) -> pd.DataFrame:
    """``n`` made-up practices: practice_code (ODS-like, e.g. "B10003"), imd_score (IMD 2019-like,
    right-skewed, mean ~22), list_size (median ~8,000), rural (bool, ~18%, less deprived), region.
    """
    rng = np.random.default_rng(seed)
    region_index = rng.integers(0, len(regions), size=n)
    rural = rng.random(n) < 0.18
    imd = rng.gamma(shape=3.4, scale=6.5, size=n) * np.where(rural, 0.7, 1.05)
    list_size = np.maximum(1500, np.round(rng.lognormal(np.log(8000), 0.5, size=n))).astype(int)
    letters = "ABCDEFGHJKLMNPY"
    codes = [f"{letters[r % len(letters)]}{10000 + i:05d}" for i, r in enumerate(region_index)]
    return pd.DataFrame(
        {
            "practice_code": codes,
            "imd_score": np.round(np.clip(imd, 1.0, 80.0), 1),
            "list_size": list_size,
            "rural": rural,
            "region": [regions[r] for r in region_index],
        }
    )


def simulate_panel(
    practices: pd.DataFrame,
    treated: Mapping[str, int],
    *,
    programme: str = "cervical",
    measure: str = "coverage",
    years: Iterable[int] = range(2012, 2024),
    effect_pp: float = 0.0,
    ramp_years: int = 1,
    pre_trend_pp: float = 0.0,
    covid_year: int | None = 2020,
    round_to_5_from: int | None = 2021,
    seed: int = 0,
) -> pd.DataFrame:
    """A practice x year panel of screened (numerator) and eligible or invited (denominator)
    counts, by the model in the module docstring.

    ``practices`` has practice_code, imd_score, list_size, rural (bool) and region (see
    ``simulate_practices``); ``treated`` maps a practice code to its go-live year. ``covid_year``
    None gives no dip; ``round_to_5_from`` None never rounds. The same arguments and seed give the
    same panel. Returns practice_code, year, numerator, denominator.
    """
    if (programme, measure) not in PROFILES:
        raise ValueError(
            f"Unknown programme/measure {programme}/{measure}: programme is one of "
            f"{', '.join(PROGRAMMES)} and measure one of {', '.join(MEASURES)}."
        )
    missing = {"practice_code", "imd_score", "list_size", "rural"} - set(practices.columns)
    if missing:
        raise ValueError(f"practices lacks the column(s) {', '.join(sorted(missing))}.")
    if ramp_years < 1:
        raise ValueError("ramp_years must be 1 or more.")
    profile = PROFILES[(programme, measure)]
    rng = np.random.default_rng(seed)
    year_arr = np.array(sorted({int(y) for y in years}), dtype=int)
    n, n_years = len(practices), len(year_arr)
    since = (year_arr - REFERENCE_YEAR).astype(float)

    # National: trend, small year-to-year shocks, the COVID dip.
    national = profile.level + profile.trend * since + rng.normal(0, 0.3, n_years)
    if covid_year is not None:
        for lag, dip in enumerate(profile.covid):
            national[year_arr == covid_year + lag] += dip

    # Practice: covariates, random intercept and trend, AR(1) noise.
    imd = practices["imd_score"].to_numpy(dtype=float)
    rural = practices["rural"].to_numpy(dtype=bool)
    list_size = practices["list_size"].to_numpy(dtype=float)
    fixed = (
        -profile.deprivation * (imd - MEAN_IMD)
        + 1.5 * rural
        - 0.5 * np.log(list_size / 8000)
        + rng.normal(0, profile.practice_sd, n)
    )
    slope = rng.normal(0, profile.slope_sd, n)
    noise = np.empty((n, n_years))
    noise[:, 0] = rng.normal(0, profile.noise_sd, n)
    innovation_sd = profile.noise_sd * np.sqrt(1 - profile.noise_rho**2)
    for j in range(1, n_years):
        noise[:, j] = profile.noise_rho * noise[:, j - 1] + rng.normal(0, innovation_sd, n)
    percent = national[None, :] + fixed[:, None] + slope[:, None] * since[None, :] + noise

    # Treatment: the effect from go-live, and any differential trend.
    codes = practices["practice_code"].astype(str).to_numpy()
    go_live = np.array([treated.get(code, 0) for code in codes], dtype=float)
    is_treated = go_live > 0
    event = year_arr[None, :] - go_live[:, None]
    ramp = np.where(event >= 0, np.minimum(1.0, (event + 1) / ramp_years), 0.0)
    percent += np.where(is_treated[:, None], effect_pp * ramp + pre_trend_pp * (event + 1), 0.0)
    percent = np.clip(percent, 1.0, 99.0)

    # Counts: eligible (or invited) people, then those screened.
    share = profile.eligible_share * rng.lognormal(0, 0.15, n)
    eligible_mean = (list_size * share)[:, None] * (1 + 0.01 * since)[None, :]
    denominator = rng.poisson(eligible_mean)
    if profile.invited_share < 1:
        invited = np.full((n, n_years), profile.invited_share)
        if programme == "breast":
            phase = rng.integers(0, 3, n)
            invited = invited * BREAST_ROUND[(year_arr[None, :] + phase[:, None]) % 3]
        denominator = rng.binomial(denominator, np.clip(invited, 0, 1))
    numerator = rng.binomial(denominator, percent / 100)
    if round_to_5_from is not None:
        recent = year_arr >= round_to_5_from
        numerator[:, recent] = 5 * np.floor(numerator[:, recent] / 5 + 0.5).astype(int)
        denominator[:, recent] = 5 * np.floor(denominator[:, recent] / 5 + 0.5).astype(int)

    panel = pd.DataFrame(
        {
            "practice_code": np.repeat(codes, n_years),
            "year": np.tile(year_arr, n),
            "numerator": numerator.ravel().astype(int),
            "denominator": denominator.ravel().astype(int),
        }
    )
    return panel.sort_values(["practice_code", "year"], ignore_index=True)


def attach_design(
    panel: pd.DataFrame, treated: Mapping[str, int], groups: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """The panel with the estimator's ``cohort`` (go-live year, <NA> for comparison practices)
    and ``group`` (pathfinder code, None) columns added from ``treated`` and ``groups``."""
    groups = groups or {}
    out = panel.copy()
    out["cohort"] = pd.array(out["practice_code"].map(treated), dtype="Int64")
    out["group"] = out["practice_code"].map(groups).astype(object)
    out.loc[out["group"].isna(), "group"] = None
    return out
