"""The formal evaluation (issue 15): did the pathfinders' campaigns raise screening coverage or
uptake? Pure statistics over DataFrames (numpy and pandas only; no database, no UI; the domain
layer of tests/test_architecture.py).

- ``matching``: comparison practices chosen on baseline level, trend, deprivation, list size and
  rurality, before any post-go-live outcome is used; the balance table.
- ``did``: Callaway-Sant'Anna staggered difference-in-differences against those practices, with a
  stratified practice bootstrap: ATT(g,t), the event study, the pooled effect, the pre-trend test,
  per-pathfinder effects (Holm-adjusted) and the minimum detectable effect.
- ``verdict``: the result in one sentence, by a rule fixed in advance.
- ``synthetic``: synthetic control with a placebo test, for a single site.
- ``simulate``: seeded synthetic practice panels (the tests and the sample programme).
- ``distributions``: chi-square, t and F tails without scipy.
"""

from wdp.evaluation.did import (
    DidResult,
    PooledEstimate,
    PreTrendTest,
    estimate_did,
    holm,
    minimum_detectable_effect,
)
from wdp.evaluation.distributions import chi2_sf, f_sf, t_ppf, t_sf
from wdp.evaluation.matching import MatchResult, baseline_covariates, match_comparisons
from wdp.evaluation.simulate import attach_design, simulate_panel, simulate_practices
from wdp.evaluation.synthetic import SyntheticControlResult, synthetic_control
from wdp.evaluation.verdict import shows_a_change, verdict, verdict_sentence

__all__ = [
    "DidResult",
    "MatchResult",
    "PooledEstimate",
    "PreTrendTest",
    "SyntheticControlResult",
    "attach_design",
    "baseline_covariates",
    "chi2_sf",
    "estimate_did",
    "f_sf",
    "holm",
    "match_comparisons",
    "minimum_detectable_effect",
    "shows_a_change",
    "simulate_panel",
    "simulate_practices",
    "synthetic_control",
    "t_ppf",
    "t_sf",
    "verdict",
    "verdict_sentence",
]
