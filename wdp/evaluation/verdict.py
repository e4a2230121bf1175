"""The evaluation's verdict in one plain-English sentence, by a rule fixed before the results are
seen (so nobody chooses the words to suit the numbers).

The rule, applied to the pooled post-go-live effect and its 95% confidence interval:

1. No estimate or no interval (too little data): "Not enough data to judge whether <measure>
   changed."
2. The interval lies wholly above 0: "<Measure> rose <|estimate|> points more than in <n> matched
   practices (95% CI <lo> to <hi>)." Wholly below 0: "... fell <|estimate|> points more than in
   ...". (A difference-in-differences effect is relative to the comparison practices.)
3. The interval includes 0: "No evidence of a change: <+estimate> points (95% CI <lo> to <hi>);
   this study could detect changes of <minimum detectable effect> points or more." An interval
   that includes 0 is never described as "no change": it only fails to show one, and the minimum
   detectable effect says how big a change could have been missed.
4. Whatever the above, when the pre-trend test is flagged (p < 0.05), add: "Caution: the
   pathfinder and comparison practices were already moving apart before go-live, so this
   estimate may be biased."

Numbers are rounded to 1 decimal place (minus written "-"; "-0.0" written "0.0"). The measure's
label and the number of comparison practices are parameters, so the sentence names what was
measured ("Cervical screening coverage") and against whom.
"""

from __future__ import annotations

import math

from wdp.evaluation.did import DidResult, PooledEstimate

PRE_TREND_WARNING = (
    "Caution: the pathfinder and comparison practices were already moving apart before go-live, "
    "so this estimate may be biased."
)


def _number(value: float, *, signed: bool = False) -> str:
    rounded = round(value, 1) + 0.0  # + 0.0 turns -0.0 into 0.0
    return f"{rounded:+.1f}" if signed else f"{rounded:.1f}"


def shows_a_change(pooled: PooledEstimate) -> bool:
    """True when the pooled 95% interval excludes 0 (rule 2 of the module docstring)."""
    lo, hi = pooled.ci95
    return bool(math.isfinite(lo) and math.isfinite(hi) and (lo > 0 or hi < 0))


def verdict_sentence(
    pooled: PooledEstimate,
    *,
    measure: str,
    n_comparison: int,
    min_detectable_pp: float,
    pre_trend_flag: bool = False,
    comparison: str = "matched practices",
) -> str:
    """The verdict by the rule in the module docstring. ``measure`` starts the sentence (e.g.
    "Coverage", "Breast screening uptake"); ``comparison`` names the comparison practices."""
    lo, hi = pooled.ci95
    label = measure[:1].upper() + measure[1:]
    if not all(math.isfinite(v) for v in (pooled.estimate_pp, lo, hi)):
        sentence = f"Not enough data to judge whether {measure[:1].lower() + measure[1:]} changed."
    elif shows_a_change(pooled):
        direction = "rose" if pooled.estimate_pp > 0 else "fell"
        sentence = (
            f"{label} {direction} {_number(abs(pooled.estimate_pp))} points more than in "
            f"{n_comparison} {comparison} (95% CI {_number(lo)} to {_number(hi)})."
        )
    else:
        detectable = (
            f"; this study could detect changes of {_number(min_detectable_pp)} points or more"
            if math.isfinite(min_detectable_pp)
            else ""
        )
        sentence = (
            f"No evidence of a change: {_number(pooled.estimate_pp, signed=True)} points "
            f"(95% CI {_number(lo)} to {_number(hi)}){detectable}."
        )
    return f"{sentence} {PRE_TREND_WARNING}" if pre_trend_flag else sentence


def verdict(
    result: DidResult,
    *,
    measure: str = "Coverage",
    n_comparison: int | None = None,
    comparison: str = "matched practices",
) -> str:
    """The verdict for an estimate from ``estimate_did``; ``n_comparison`` defaults to the
    comparison practices in the analysis."""
    return verdict_sentence(
        result.pooled,
        measure=measure,
        n_comparison=result.n_comparison if n_comparison is None else n_comparison,
        min_detectable_pp=result.min_detectable_pp,
        pre_trend_flag=result.pre_trend.flag,
        comparison=comparison,
    )
