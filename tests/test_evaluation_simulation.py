"""The evaluation's operating characteristics, measured on simulated pathfinder programmes.

Each panel: 300 made-up practices in four regions; four pathfinders of 15 practices each, drawn
from the more deprived half, going live in 2017, 2018, 2019 and 2021; the other 240 practices are
the comparison; 2012/13 to 2023/24 with the COVID year (2020) excluded, counts rounded to 5 from
2021 as Fingertips does. Panels cycle through the six programme/measure profiles (breast,
cervical, bowel x coverage, uptake) of ``wdp.evaluation.simulate``; each panel has its own
practices, draws and bootstrap seed (B = 999, the default). The seeds are fixed, so the figures
are deterministic; they were not chosen to pass.

What is asserted, and why the bounds are what they are:

- 95% intervals cover the true effect (+1.5 points) in 93% to 97% of 500 panels. (A calibrated
  interval covers 95% in expectation; the binomial spread over 500 panels is +/- 1 point.)
- With no effect, the verdict is "no evidence" in at least 93% of 400 panels: a calibrated 95%
  interval excludes 0 in 5% of null panels in expectation, so "at least 95%" would fail about half
  the time for a perfect method; 93% is that expectation less two binomial standard errors.
- On those clean panels the pre-trend test flags 2% to 8% (nominal 5%), and the Holm-adjusted
  per-pathfinder tests make any false claim in at most 8% of panels (family-wise, nominal 5%).
- A differential pre-trend of 0.5 points a year (2.5 points over five pre-go-live years) is
  flagged in at least 75% of 150 panels.

Measured when written (B = 999, ~60 s on this 2-core machine): coverage 95.8% (500 panels), no
evidence 94.2% (400), clean panels flagged 4.7% (900), some pathfinder falsely claimed 4.8% (400),
pre-trend of 0.5 points a year flagged 92.0% (150). Power varies by measure: coverage profiles
flagged it nearly always, the noisier uptake profiles about half to nine times in ten.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from wdp.evaluation import (
    DidResult,
    attach_design,
    estimate_did,
    simulate_panel,
    simulate_practices,
    verdict,
)

pytestmark = pytest.mark.slow

PROFILES = list(itertools.product(("breast", "cervical", "bowel"), ("coverage", "uptake")))
GO_LIVE = (2017, 2018, 2019, 2021)
PER_PATHFINDER = 15
EFFECT = 1.5


@dataclass(frozen=True)
class Outcome:
    covered: bool  # the pooled 95% interval holds the true effect
    no_evidence: bool  # the verdict says "No evidence of a change"
    flagged: bool  # the pre-trend test flags
    any_group_claim: bool  # some pathfinder's Holm-adjusted p < 0.05


def programme(seed: int) -> tuple[pd.DataFrame, dict[str, int], dict[str, str]]:
    practices = simulate_practices(300, seed=seed)
    deprived = practices.sort_values("imd_score", ascending=False)["practice_code"].to_numpy()
    rng = np.random.default_rng(seed)
    chosen = rng.permutation(deprived[:150])[: PER_PATHFINDER * len(GO_LIVE)]
    treated = {code: GO_LIVE[i // PER_PATHFINDER] for i, code in enumerate(chosen)}
    groups = {code: f"WDP-{i // PER_PATHFINDER}" for i, code in enumerate(chosen)}
    return practices, treated, groups


def run(first_seed: int, panels: int, *, effect: float, pre_trend: float = 0.0) -> list[Outcome]:
    outcomes = []
    for seed in range(first_seed, first_seed + panels):
        practices, treated, groups = programme(seed)
        name, measure = PROFILES[seed % len(PROFILES)]
        panel = simulate_panel(
            practices,
            treated,
            programme=name,
            measure=measure,
            effect_pp=effect,
            pre_trend_pp=pre_trend,
            seed=seed + 1,
        )
        result: DidResult = estimate_did(
            attach_design(panel, treated, groups), exclude_years=(2020,), seed=seed + 2
        )
        low, high = result.pooled.ci95
        outcomes.append(
            Outcome(
                covered=bool(low <= effect <= high),
                no_evidence=verdict(result).startswith("No evidence of a change"),
                flagged=result.pre_trend.flag,
                any_group_claim=bool((result.by_group["p_holm"] < 0.05).any()),
            )
        )
    return outcomes


def rate(outcomes: list[Outcome], field: str) -> float:
    return float(np.mean([getattr(o, field) for o in outcomes]))


@pytest.fixture(scope="module")
def with_effect() -> list[Outcome]:
    return run(100_000, 500, effect=EFFECT)


@pytest.fixture(scope="module")
def without_effect() -> list[Outcome]:
    return run(200_000, 400, effect=0.0)


def test_95_percent_intervals_cover_the_true_effect_95_percent_of_the_time(
    with_effect: list[Outcome],
) -> None:
    coverage = rate(with_effect, "covered")
    print(f"coverage of +{EFFECT} points over {len(with_effect)} panels: {coverage:.1%}")
    assert 0.93 <= coverage <= 0.97


def test_with_no_effect_the_verdict_is_no_evidence(without_effect: list[Outcome]) -> None:
    no_evidence = rate(without_effect, "no_evidence")
    print(f"'no evidence' over {len(without_effect)} null panels: {no_evidence:.1%}")
    assert no_evidence >= 0.93


def test_clean_panels_are_rarely_flagged_and_pathfinders_rarely_falsely_claimed(
    with_effect: list[Outcome], without_effect: list[Outcome]
) -> None:
    clean = with_effect + without_effect  # neither has a differential pre-trend
    flagged = rate(clean, "flagged")
    family_wise = rate(without_effect, "any_group_claim")
    print(f"pre-trend flagged on {len(clean)} clean panels: {flagged:.1%}")
    print(f"some pathfinder falsely claimed (Holm) in {len(without_effect)}: {family_wise:.1%}")
    assert 0.02 <= flagged <= 0.08
    assert family_wise <= 0.08


def test_a_differential_pre_trend_is_flagged_in_most_panels() -> None:
    outcomes = run(300_000, 150, effect=0.0, pre_trend=0.5)
    flagged = rate(outcomes, "flagged")
    print(f"pre-trend of 0.5 points a year flagged in {len(outcomes)} panels: {flagged:.1%}")
    assert flagged >= 0.75
