"""The evaluation's statistics (wdp.evaluation), unit by unit: the difference-in-differences
estimator against hand arithmetic and against a loop written from the reference's definitions,
Holm, the minimum detectable effect, the distribution functions against published tables, the
verdict's rule, matching, baseline covariates, the synthetic control, and the package's purity.

The simulation study (coverage, error rates) is tests/test_evaluation_simulation.py.
"""

from __future__ import annotations

import ast
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wdp.evaluation import (
    PooledEstimate,
    attach_design,
    baseline_covariates,
    chi2_sf,
    estimate_did,
    f_sf,
    holm,
    match_comparisons,
    minimum_detectable_effect,
    simulate_panel,
    simulate_practices,
    synthetic_control,
    t_ppf,
    t_sf,
    verdict,
    verdict_sentence,
)
from wdp.evaluation.synthetic import (
    _active_set,
    _objective,
    _projected_gradient,
    project_to_simplex,
    simplex_least_squares,
)

ROOT = Path(__file__).resolve().parent.parent

# ------------------------------------------------------------------------------------------------
# A tiny panel computed by hand
# ------------------------------------------------------------------------------------------------

YEARS = [2016, 2017, 2018, 2019, 2020]
# practice: (cohort, group, denominators, numerators); figures are numerator / denominator %.
TINY = {
    # T1 and T2 go live in 2018 (base 2017); T1's eligible population doubles in 2019, which must
    # not change its weight (the base year's, 100).
    "T1": (2018, "WDP-A", [100, 100, 100, 200, 100], [50, 52, 60, 126, 61]),  # 50 52 60 63 61
    "T2": (2018, "WDP-A", [200] * 5, [120, 124, 136, 140, 138]),  # 60 62 68 70 69
    "T3": (2019, "WDP-B", [100] * 5, [70, 71, 73, 80, 82]),  # 70 71 73 80 82
    "C1": (None, None, [100] * 5, [40, 41, 43, 44, 45]),  # 40 41 43 44 45
    "C2": (None, None, [300] * 5, [150, 156, 162, 168, 171]),  # 50 52 54 56 57
}


def tiny_panel() -> pd.DataFrame:
    rows = [
        {
            "practice_code": code,
            "year": year,
            "numerator": num,
            "denominator": den,
            "cohort": cohort,
            "group": group,
        }
        for code, (cohort, group, dens, nums) in TINY.items()
        for year, den, num in zip(YEARS, dens, nums, strict=True)
    ]
    frame = pd.DataFrame(rows)
    frame["cohort"] = pd.array(frame["cohort"], dtype="Int64")
    return frame


# Hand arithmetic. ATT(g,t) = weighted mean change of the cohort since its base year minus the
# same for the comparison practices, each practice weighted by its base-year denominator.
# Cohort 2018 (base 2017; weights T1 100, T2 200; C1 100, C2 300):
#   2018: (100*8 + 200*6)/300 - (100*2 + 300*2)/400   = 20/3 - 2     = 14/3
#   2019: (100*11 + 200*8)/300 - (100*3 + 300*4)/400  = 9 - 3.75     = 5.25
#   2020: (100*9 + 200*7)/300 - (100*4 + 300*5)/400   = 23/3 - 4.75  = 35/12
#   2016: (100*-2 + 200*-2)/300 - (100*-1 + 300*-2)/400 = -2 + 1.75  = -0.25
# Cohort 2019 (base 2018; T3 alone):
#   2019: 7 - (100*1 + 300*2)/400 = 5.25;  2020: 9 - (100*2 + 300*3)/400 = 6.25
#   2016: -3 - (100*-3 + 300*-4)/400 = 0.75;  2017: -2 - (-2) = 0
HAND_ATT = {
    (2018, 2016): -0.25,
    (2018, 2017): 0.0,
    (2018, 2018): 14 / 3,
    (2018, 2019): 5.25,
    (2018, 2020): 35 / 12,
    (2019, 2016): 0.75,
    (2019, 2017): 0.0,
    (2019, 2018): 0.0,
    (2019, 2019): 5.25,
    (2019, 2020): 6.25,
}
# Cohort weights P_2018 = 300, P_2019 = 100.
HAND_POOLED = (300 * (14 / 3 + 5.25 + 35 / 12) + 100 * (5.25 + 6.25)) / (3 * 300 + 2 * 100)
HAND_EVENT = {
    -3: 0.75,  # cohort 2019 alone
    -2: (300 * -0.25 + 100 * 0.0) / 400,
    -1: 0.0,  # the reference
    0: (300 * 14 / 3 + 100 * 5.25) / 400,
    1: (300 * 5.25 + 100 * 6.25) / 400,
    2: 35 / 12,
}


def test_att_gt_on_a_tiny_panel_equals_the_hand_computation() -> None:
    result = estimate_did(tiny_panel(), bootstrap=50, seed=1)
    found = {
        (row.cohort, row.year): row.estimate_pp for row in result.att_gt.itertuples(index=False)
    }
    assert found == pytest.approx(HAND_ATT, abs=1e-12)
    references = result.att_gt[result.att_gt["reference"]]
    assert set(zip(references["cohort"], references["year"], strict=True)) == {
        (2018, 2017),
        (2019, 2018),
    }
    assert result.pooled.estimate_pp == pytest.approx(HAND_POOLED, abs=1e-12)
    events = dict(
        zip(result.event_study["event_time"], result.event_study["estimate_pp"], strict=True)
    )
    assert events == pytest.approx(HAND_EVENT, abs=1e-12)
    assert result.n_treated == 3 and result.n_comparison == 2


def test_a_practice_missing_a_year_leaves_only_that_cell() -> None:
    panel = tiny_panel()
    panel.loc[(panel["practice_code"] == "T1") & (panel["year"] == 2020), "numerator"] = np.nan
    att = estimate_did(panel, bootstrap=20, seed=1).att_gt.set_index(["cohort", "year"])
    assert att.loc[(2018, 2020), "estimate_pp"] == pytest.approx(7 - 4.75)  # T2 alone
    assert att.loc[(2018, 2020), "n_treated"] == 1
    assert att.loc[(2018, 2019), "estimate_pp"] == pytest.approx(5.25)
    assert att.loc[(2018, 2019), "n_treated"] == 2


def test_per_pathfinder_effects_use_their_own_practices_against_all_comparisons() -> None:
    by_group = estimate_did(tiny_panel(), bootstrap=50, seed=1).by_group.set_index("group")
    assert by_group.loc["WDP-A", "estimate_pp"] == pytest.approx((14 / 3 + 5.25 + 35 / 12) / 3)
    assert by_group.loc["WDP-B", "estimate_pp"] == pytest.approx((5.25 + 6.25) / 2)
    assert by_group.loc["WDP-A", "n_practices"] == 2
    assert by_group.loc["WDP-B", "cohorts"] == "2019"


def reference_loop(panel: pd.DataFrame) -> tuple[dict[tuple[int, int], float], float]:
    """ATT(g,t) and the simple overall ATT, written cell by cell from the R package did's
    definitions (compute.att_gt with base_period = "universal", control_group = "nevertreated",
    no covariates, fix_weights = "base_period"; compute.aggte type = "simple")."""
    panel = panel.assign(value=100 * panel["numerator"] / panel["denominator"])
    years = sorted(panel["year"].unique())
    by_unit = {code: rows.set_index("year") for code, rows in panel.groupby("practice_code")}
    cohort_of = {code: rows["cohort"].iloc[0] for code, rows in by_unit.items()}
    never = [code for code, g in cohort_of.items() if pd.isna(g)]
    att, weight_of = {}, {}
    for g in sorted({int(g) for g in cohort_of.values() if not pd.isna(g)}):
        pret = [y for y in years if y < g][-1]  # tail(which(tlist < g), 1)
        members = [code for code, c in cohort_of.items() if not pd.isna(c) and int(c) == g]
        # P_g: the base-year eligible population of the cohort's practices with a base-year figure
        # (one without contributes to no cell; R's balanced panel would drop it altogether)
        weight_of[g] = sum(
            by_unit[c].loc[pret, "denominator"]
            for c in members
            if np.isfinite(by_unit[c].loc[pret, "value"])
        )
        for t in years:
            if t == pret:
                att[(g, t)] = 0.0
                continue

            def mean_change(codes: list[str], t: int = t, pret: int = pret) -> float:
                total = weights = 0.0
                for code in codes:
                    rows = by_unit[code]
                    change = rows.loc[t, "value"] - rows.loc[pret, "value"]
                    w = rows.loc[pret, "denominator"]  # fix_weights = "base_period"
                    if np.isfinite(change):
                        total += w * change
                        weights += w
                return total / weights

            # reg_did_panel with an intercept only: the treated's weighted mean change minus the
            # comparison's weighted least-squares intercept (their weighted mean change)
            att[(g, t)] = mean_change(members) - mean_change(never)
    keepers = [(g, t) for (g, t) in att if t >= g]  # group <= t
    overall = sum(att[c] * weight_of[c[0]] for c in keepers) / sum(weight_of[c[0]] for c in keepers)
    return att, overall


def test_the_vectorised_estimator_matches_a_loop_written_from_the_reference() -> None:
    """Cross-check against the reference implementation's definitions. Read in bcallaway11/did
    (R, release 2.5.1, commit 71ba8a5): R/compute.att_gt.R sets the universal base period to
    pret_g = the last period with t + anticipation < g, sets the cell t = pret_g to 0, and for
    every other cell takes Ypost = Y_t and Ypre = Y_pret_g with the never-treated units (G = 0)
    as controls and, under fix_weights = "base_period", the weights of period pret_g;
    pedrohcgs/DRDID R/reg_did_panel.R with no covariates gives mean_w(dY | treated) minus the
    weighted-OLS intercept of dY on the controls, i.e. their weighted mean. R/compute.aggte.R's
    "simple" overall ATT is sum(att[keepers] * pg[keepers]) / sum(pg[keepers]) over the cells with
    group <= t, pg being each group's (weighted) share; its "dynamic" effect at e averages the
    cells with t - g = e with weights pg / sum(pg). The Python port d2cml-ai/csdid
    (csdid/attgt_fnc/compute_att_gt_shared.py: last_pretreatment_index, plan_cell) agrees. The loop
    above restates those definitions cell by cell; the estimator's matrix form must agree on a
    simulated panel with missing figures and an excluded year."""
    practices = simulate_practices(120, seed=7)
    codes = practices["practice_code"].tolist()
    treated = {code: (2016, 2018, 2019)[i % 3] for i, code in enumerate(codes[:30])}
    panel = attach_design(simulate_panel(practices, treated, effect_pp=1.0, seed=8), treated)
    panel.loc[panel.sample(frac=0.03, random_state=1).index, "numerator"] = np.nan
    panel = panel[panel["year"] != 2020]
    expected_att, expected_overall = reference_loop(panel)

    result = estimate_did(panel, bootstrap=20, seed=1)
    found = {
        (row.cohort, row.year): row.estimate_pp for row in result.att_gt.itertuples(index=False)
    }
    assert found == pytest.approx(expected_att, abs=1e-10)
    assert result.pooled.estimate_pp == pytest.approx(expected_overall, abs=1e-10)


# ------------------------------------------------------------------------------------------------
# Known effects
# ------------------------------------------------------------------------------------------------


def noiseless_panel(effect: float = 2.0) -> pd.DataFrame:
    """Parallel trends exactly: practice level + national year effect + effect after go-live,
    in tenths of a point, on 1,000 eligible people each (so every figure is exact)."""
    rng = np.random.default_rng(3)
    years = range(2012, 2024)
    year_effect = {y: rng.integers(-30, 30) / 10 for y in years}
    rows = []
    for i in range(60):
        cohort = (2016, 2018, 2021)[i % 3] if i < 30 else None
        level = 60 + rng.integers(0, 150) / 10
        for y in years:
            value = level + year_effect[y] + (effect if cohort and y >= cohort else 0.0)
            rows.append(
                {
                    "practice_code": f"P{i:05d}",
                    "year": y,
                    "numerator": round(value * 10),
                    "denominator": 1000,
                    "cohort": cohort,
                    "group": f"WDP-{i % 3}" if cohort else None,
                }
            )
    frame = pd.DataFrame(rows)
    frame["cohort"] = pd.array(frame["cohort"], dtype="Int64")
    return frame


def test_a_noiseless_panel_gives_exactly_the_injected_effect_and_flat_pre_periods() -> None:
    result = estimate_did(noiseless_panel(2.0), exclude_years=(2020,), bootstrap=99)
    assert result.pooled.estimate_pp == pytest.approx(2.0, abs=1e-9)
    post = result.att_gt[result.att_gt["post"]]
    assert post["estimate_pp"].to_numpy() == pytest.approx(2.0, abs=1e-9)
    pre = result.event_study[result.event_study["event_time"] < 0]
    assert pre["estimate_pp"].to_numpy() == pytest.approx(0.0, abs=1e-9)
    assert result.pooled.se == pytest.approx(0.0, abs=1e-9)
    assert verdict(result).startswith("Coverage rose 2.0 points more than in 30 matched")


def test_the_effect_is_recovered_on_a_big_simulated_panel() -> None:
    practices = simulate_practices(2000, seed=11)
    rng = np.random.default_rng(12)
    chosen = rng.choice(practices["practice_code"], 300, replace=False)
    treated = {code: (2016, 2017, 2018, 2019, 2021)[i % 5] for i, code in enumerate(chosen)}
    groups = {code: f"WDP-{i % 10:02d}" for i, code in enumerate(chosen)}
    panel = attach_design(
        simulate_panel(practices, treated, effect_pp=2.0, seed=13), treated, groups
    )
    result = estimate_did(panel, exclude_years=(2020,))
    assert abs(result.pooled.estimate_pp - 2.0) < 0.3
    assert abs(result.pooled.estimate_pp - 2.0) < 3 * result.pooled.se
    low, high = result.pooled.ci95
    assert low < 2.0 < high
    assert result.min_detectable_pp == pytest.approx(2.8016 * result.pooled.se, rel=1e-4)
    assert len(result.by_group) == 10
    assert (result.by_group["p_holm"] >= result.by_group["p"]).all()


def test_the_same_seed_gives_the_same_intervals_and_row_order_does_not_matter() -> None:
    panel = tiny_panel()
    first = estimate_did(panel, bootstrap=200, seed=5)
    shuffled = estimate_did(panel.sample(frac=1, random_state=2), bootstrap=200, seed=5)
    assert first.pooled == shuffled.pooled
    pd.testing.assert_frame_equal(first.event_study, shuffled.event_study)


def test_excluding_the_covid_year_moves_a_2021_cohorts_base_to_2019() -> None:
    panel = noiseless_panel()
    result = estimate_did(panel, exclude_years=(2020,), bootstrap=20)
    cohort_2021 = result.att_gt[result.att_gt["cohort"] == 2021]
    assert set(cohort_2021["base_year"]) == {2019}
    assert 2020 not in set(result.att_gt["year"])
    assert result.years == tuple(y for y in range(2012, 2024) if y != 2020)
    assert any("2020" in caveat for caveat in result.caveats)
    windowed = estimate_did(panel, years=range(2015, 2024), exclude_years=(2020,), bootstrap=20)
    assert min(windowed.years) == 2015


def test_a_differential_pre_trend_is_flagged_and_worded() -> None:
    practices = simulate_practices(400, seed=21)
    chosen = practices["practice_code"].iloc[:80]
    treated = {code: (2017, 2018, 2019, 2021)[i % 4] for i, code in enumerate(chosen)}
    panel = attach_design(simulate_panel(practices, treated, pre_trend_pp=0.6, seed=22), treated)
    result = estimate_did(panel, exclude_years=(2020,))
    assert result.pre_trend.flag and result.pre_trend.p < 0.05
    assert "already moving apart before go-live" in verdict(result)


def test_a_panel_without_the_needed_columns_or_with_duplicate_rows_is_refused() -> None:
    with pytest.raises(ValueError, match=r"lacks the column.*cohort"):
        estimate_did(tiny_panel().drop(columns="cohort"))
    doubled = pd.concat([tiny_panel(), tiny_panel().iloc[:1]])
    with pytest.raises(ValueError, match="T1 has more than one row for 2016"):
        estimate_did(doubled)
    no_comparisons = tiny_panel()[lambda f: f["cohort"].notna()]
    with pytest.raises(ValueError, match="No comparison practices"):
        estimate_did(no_comparisons)
    two_go_lives = tiny_panel()
    two_go_lives.loc[two_go_lives.index[0], "cohort"] = 2019
    with pytest.raises(ValueError, match="T1 has more than one go-live year or pathfinder"):
        estimate_did(two_go_lives)


def test_a_cohort_before_the_window_or_after_it_is_dropped_with_a_caveat() -> None:
    panel = tiny_panel()
    panel.loc[panel["practice_code"] == "T3", "cohort"] = 2030
    result = estimate_did(panel, bootstrap=20)
    assert result.cohorts == (2018,)
    assert any("2030" in caveat for caveat in result.caveats)


# ------------------------------------------------------------------------------------------------
# Holm, the minimum detectable effect, the distributions
# ------------------------------------------------------------------------------------------------


def test_holm_matches_a_hand_example() -> None:
    # sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 = 0.02, 0.03, 0.06, 0.04 -> running max
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])
    adjusted = holm([0.01, float("nan"), 0.02])
    assert adjusted[0] == pytest.approx(0.02) and math.isnan(adjusted[1])
    assert adjusted[2] == pytest.approx(0.02)


def test_minimum_detectable_effect_is_2_8_standard_errors() -> None:
    assert minimum_detectable_effect(1.0) == pytest.approx(1.959964 + 0.841621, abs=1e-6)
    assert minimum_detectable_effect(0.5, power=0.9) == pytest.approx(
        0.5 * (1.959964 + 1.281552), abs=1e-6
    )


@pytest.mark.parametrize(
    ("x", "df", "p"),
    [
        (3.841458820694124, 1, 0.05),
        (5.991464547107979, 2, 0.05),
        (11.070497693516351, 5, 0.05),
        (18.307038053275146, 10, 0.05),
        (6.634896601021214, 1, 0.01),
        (124.34211340400407, 100, 0.05),
        (2.0, 2, math.exp(-1)),  # chi-square(2) is exponential: exp(-x/2)
    ],
)
def test_chi_square_tails_match_the_tables(x: float, df: int, p: float) -> None:
    assert chi2_sf(x, df) == pytest.approx(p, rel=1e-9)


def test_t_and_f_match_the_tables() -> None:
    assert t_ppf(0.975, 1) == pytest.approx(12.706204736, rel=1e-9)
    assert t_ppf(0.975, 10) == pytest.approx(2.228138852, rel=1e-9)
    assert t_ppf(0.995, 30) == pytest.approx(2.749995654, rel=1e-9)
    assert t_ppf(0.975, 1e6) == pytest.approx(1.959966, rel=1e-6)
    assert t_ppf(0.025, 10) == pytest.approx(-2.228138852, rel=1e-9)
    assert t_sf(2.0, 5) == pytest.approx(0.05096973941, rel=1e-8)
    assert f_sf(3.708264819, 3, 10) == pytest.approx(0.05, rel=1e-7)
    assert f_sf(4.964602743, 1, 10) == pytest.approx(0.05, rel=1e-7)  # = t(10)^2


# ------------------------------------------------------------------------------------------------
# The verdict's rule
# ------------------------------------------------------------------------------------------------


def pooled(estimate: float, low: float, high: float) -> PooledEstimate:
    return PooledEstimate(estimate, (high - low) / 3.92, (low, high), 0.01, 30, 48)


def test_the_verdict_says_rose_or_fell_when_the_interval_excludes_zero() -> None:
    rose = verdict_sentence(
        pooled(2.14, 0.84, 3.44), measure="Coverage", n_comparison=48, min_detectable_pp=1.8
    )
    assert rose == "Coverage rose 2.1 points more than in 48 matched practices (95% CI 0.8 to 3.4)."
    fell = verdict_sentence(
        pooled(-2.14, -3.44, -0.84), measure="Uptake", n_comparison=12, min_detectable_pp=1.8
    )
    assert fell == "Uptake fell 2.1 points more than in 12 matched practices (95% CI -3.4 to -0.8)."


def test_the_verdict_says_no_evidence_and_what_could_be_detected_otherwise() -> None:
    sentence = verdict_sentence(
        pooled(0.4, -1.2, 2.0), measure="Coverage", n_comparison=48, min_detectable_pp=2.46
    )
    assert sentence == (
        "No evidence of a change: +0.4 points (95% CI -1.2 to 2.0); this study could detect "
        "changes of 2.5 points or more."
    )
    negative_zero = verdict_sentence(
        pooled(-0.04, -1.0, 0.9), measure="Coverage", n_comparison=48, min_detectable_pp=1.0
    )
    assert negative_zero.startswith("No evidence of a change: +0.0 points (95% CI -1.0 to 0.9)")


def test_the_verdict_warns_when_the_pre_trend_is_flagged_and_admits_too_little_data() -> None:
    sentence = verdict_sentence(
        pooled(2.0, 1.0, 3.0),
        measure="Coverage",
        n_comparison=48,
        min_detectable_pp=1.0,
        pre_trend_flag=True,
    )
    assert sentence.endswith(
        "Caution: the pathfinder and comparison practices were already moving apart before "
        "go-live, so this estimate may be biased."
    )
    empty = PooledEstimate(float("nan"), float("nan"), (float("nan"),) * 2, float("nan"), 0, 0)
    assert verdict_sentence(
        empty, measure="Breast screening uptake", n_comparison=0, min_detectable_pp=float("nan")
    ) == ("Not enough data to judge whether breast screening uptake changed.")


# ------------------------------------------------------------------------------------------------
# Matching
# ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def matching_case() -> tuple[pd.DataFrame, pd.DataFrame]:
    """800 practices; pathfinder areas in two regions, more likely where deprivation is high;
    40 treated practices from the areas, going live in 2018; baseline 2015-2017."""
    practices = simulate_practices(800, seed=31)
    rng = np.random.default_rng(32)
    chance = 1 / (1 + np.exp(-(practices["imd_score"] - 30) / 6))
    practices["in_pathfinder_area"] = practices["region"].isin(["North West", "Midlands"]) & (
        rng.random(len(practices)) < chance
    )
    area = practices.loc[practices["in_pathfinder_area"], "practice_code"]
    treated = {code: 2018 for code in rng.choice(area, 40, replace=False)}
    practices["treated"] = practices["practice_code"].isin(treated)
    panel = simulate_panel(practices, treated, effect_pp=2.0, seed=33)
    base = baseline_covariates(panel, years=[2015, 2016, 2017])
    return practices.merge(base, on="practice_code"), panel


def test_matching_never_picks_a_pathfinder_area_another_region_or_a_practice_twice(
    matching_case: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    practices, _ = matching_case
    result = match_comparisons(practices, k=3)
    by_code = practices.set_index("practice_code")
    pairs = result.pairs
    assert len(pairs) == 3 * int(practices["treated"].sum())
    assert not pairs["comparison_code"].duplicated().any()
    chosen = by_code.loc[pairs["comparison_code"]]
    assert not chosen["in_pathfinder_area"].any()
    assert not chosen["treated"].any()
    assert (
        chosen["region"].to_numpy() == by_code.loc[pairs["treated_code"], "region"].to_numpy()
    ).all()
    assert pairs.groupby("treated_code").size().eq(3).all()
    assert pairs["same_category"].all()  # enough candidates of each rurality


def test_matching_improves_balance(matching_case: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    practices, _ = matching_case
    balance = match_comparisons(practices, k=3).balance.set_index("covariate")
    assert set(balance.index) >= {
        "baseline_level",
        "baseline_trend",
        "imd_score",
        "list_size (log)",
        "rural",
    }
    imbalanced = balance[balance["smd_before"].abs() > 0.1]
    assert len(imbalanced) >= 2  # the case is not balanced to begin with
    assert (imbalanced["smd_after"].abs() < imbalanced["smd_before"].abs()).all()
    assert balance["smd_after"].abs().max() < balance["smd_before"].abs().max()
    row = balance.loc["imd_score"]
    t, c = row["treated_mean"], row["comparison_mean_after"]
    assert row["imbalanced_after"] == (abs(row["smd_after"]) > 0.1)
    assert np.sign(row["smd_after"]) == np.sign(t - c) or t == c


def test_a_region_that_runs_out_of_candidates_is_reported() -> None:
    practices = pd.DataFrame(
        {
            "practice_code": ["T1", "T2", "C1", "C2", "C3", "X1"],
            "treated": [True, True, False, False, False, False],
            "in_pathfinder_area": [True, True, False, False, False, False],
            "region": ["R", "R", "R", "R", "R", "S"],
            "baseline_level": [70, 71, 69, 72, 75, 70],
            "baseline_trend": [0.1, 0.0, 0.2, -0.1, 0.0, 0.1],
            "imd_score": [30, 31, 29, 35, 10, 30],
            "list_size": [8000, 9000, 8500, 7000, 12000, 8000],
            "rural": [False, False, False, True, False, False],
        }
    )
    result = match_comparisons(practices, k=2)
    assert sorted(result.comparison_codes) == ["C1", "C2", "C3"]  # never X1, another region
    assert len(result.short) == 1
    assert any("fewer than 2" in caveat for caveat in result.caveats)


def test_baseline_covariates_use_only_the_baseline_years() -> None:
    panel = pd.DataFrame(
        {
            "practice_code": ["A"] * 5,
            "year": [2014, 2015, 2016, 2017, 2018],
            "numerator": [10, 60, 62, 67, 99],
            "denominator": [100] * 5,
        }
    )
    base = baseline_covariates(panel, years=[2015, 2016, 2017]).iloc[0]
    assert base["baseline_level"] == pytest.approx(63.0)
    assert base["baseline_trend"] == pytest.approx(3.5)  # (-1*-3 + 0 + 1*4) / 2
    assert base["baseline_years"] == 3
    changed = panel.assign(numerator=[0, 60, 62, 67, 0])
    again = baseline_covariates(changed, years=[2015, 2016, 2017]).iloc[0]
    assert again["baseline_level"] == base["baseline_level"]
    assert again["baseline_trend"] == base["baseline_trend"]


# ------------------------------------------------------------------------------------------------
# Synthetic control
# ------------------------------------------------------------------------------------------------


def synthetic_case(effect: float, *, donors: int = 19) -> tuple[pd.DataFrame, np.ndarray]:
    """Donor paths (random walks around 70%) over 2010-2023; the treated unit is exactly
    0.3 x donor 1 + 0.7 x donor 4 before 2018, plus ``effect`` from 2018."""
    rng = np.random.default_rng(41)
    years = np.arange(2010, 2024)
    paths = 70 + np.cumsum(rng.normal(0, 1.0, (donors, len(years))), axis=1)
    paths += rng.normal(0, 3, (donors, 1))
    weights = np.zeros(donors)
    weights[[1, 4]] = [0.3, 0.7]
    treated = weights @ paths + np.where(years >= 2018, effect, 0.0)
    rows = [
        {"practice_code": f"D{j:02d}", "year": y, "numerator": v * 1000, "denominator": 100_000}
        for j in range(donors)
        for y, v in zip(years, paths[j], strict=True)
    ]
    rows += [
        {"practice_code": "TREATED", "year": y, "numerator": v * 1000, "denominator": 100_000}
        for y, v in zip(years, treated, strict=True)
    ]
    return pd.DataFrame(rows), weights


def test_the_synthetic_control_recovers_the_weights_of_a_constructed_unit() -> None:
    panel, weights = synthetic_case(effect=0.0, donors=6)
    result = synthetic_control(panel, treated=["TREATED"], go_live=2018, placebo=False)
    assert result.weights.to_numpy() == pytest.approx(weights, abs=1e-6)
    assert result.pre_rmspe == pytest.approx(0.0, abs=1e-6)
    assert result.gap["gap"].abs().max() == pytest.approx(0.0, abs=1e-5)


def test_a_big_effect_ranks_first_among_the_placebos() -> None:
    panel, _ = synthetic_case(effect=8.0, donors=19)
    result = synthetic_control(panel, treated=["TREATED"], go_live=2018)
    post = result.gap[result.gap["post"]]
    assert post["gap"].to_numpy() == pytest.approx(8.0, abs=0.05)
    assert result.rank == 1
    assert result.p_value == pytest.approx(1 / 20)
    assert len(result.placebo) == 20


def test_the_simplex_solver_stays_on_the_simplex() -> None:
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(8, 12)), rng.normal(size=8)
    w = simplex_least_squares(x, y)
    assert (w >= 0).all() and w.sum() == pytest.approx(1.0)
    for _ in range(200):  # no feasible point does better
        other = rng.dirichlet(np.ones(12))
        assert np.sum((x @ w - y) ** 2) <= np.sum((x @ other - y) ** 2) + 1e-9
    projected = project_to_simplex(np.array([0.5, 2.0, -1.0]))
    assert projected == pytest.approx([0.0, 1.0, 0.0])


def test_the_active_set_solution_is_as_good_as_projected_gradient_on_random_problems() -> None:
    """The exact method and the fallback agree (more donors than years included)."""
    rng = np.random.default_rng(6)
    for _ in range(100):
        periods, donors = int(rng.integers(3, 15)), int(rng.integers(2, 60))
        x = 70 + rng.normal(0, 3, (periods, donors)) + rng.normal(0, 1, (periods, 1))
        y = 70 + rng.normal(0, 3, periods)
        x, y = x - x.mean(axis=1)[:, None], y - x.mean(axis=1)
        exact = _active_set(x, y, max_iter=20 * donors + 100)
        assert exact is not None
        assert (exact >= 0).all() and exact.sum() == pytest.approx(1.0)
        fallback = _projected_gradient(x, y, max_iter=50_000, tol=1e-12)
        assert _objective(x, y, exact) <= _objective(x, y, fallback) + 1e-9


# ------------------------------------------------------------------------------------------------
# Simulated panels and purity
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("programme", ["breast", "cervical", "bowel"])
@pytest.mark.parametrize("measure", ["coverage", "uptake"])
def test_simulated_panels_look_like_fingertips(programme: str, measure: str) -> None:
    practices = simulate_practices(300, seed=51)
    panel = simulate_panel(practices, {}, programme=programme, measure=measure, seed=52)
    assert list(panel.columns) == ["practice_code", "year", "numerator", "denominator"]
    assert len(panel) == 300 * 12
    assert (panel["numerator"] <= panel["denominator"]).all()
    recent = panel[panel["year"] >= 2021]
    assert (recent["numerator"] % 5 == 0).all() and (recent["denominator"] % 5 == 0).all()
    totals = panel[panel["year"] == 2018][["numerator", "denominator"]].sum()
    national = 100 * totals["numerator"] / totals["denominator"]
    assert 55 < national < 78
    again = simulate_panel(practices, {}, programme=programme, measure=measure, seed=52)
    pd.testing.assert_frame_equal(panel, again)


def test_deprived_practices_screen_less_in_the_simulation() -> None:
    practices = simulate_practices(1000, seed=61)
    panel = simulate_panel(practices, {}, seed=62).merge(practices, on="practice_code")
    value = 100 * panel["numerator"] / panel["denominator"]
    deprived = panel["imd_score"] > panel["imd_score"].quantile(0.8)
    affluent = panel["imd_score"] < panel["imd_score"].quantile(0.2)
    assert value[deprived].mean() < value[affluent].mean() - 3


ALLOWED = {"numpy", "pandas", "wdp.domain", "wdp.config", "wdp.stats", "wdp.evaluation"}


def test_the_evaluation_package_imports_only_numpy_pandas_and_the_domain() -> None:
    offenders = []
    for path in sorted((ROOT / "wdp" / "evaluation").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                allowed = top in sys.stdlib_module_names or any(
                    name == a or name.startswith(a + ".") for a in ALLOWED
                )
                if not allowed:
                    offenders.append(f"{path.name}: {name}")
    assert offenders == []
