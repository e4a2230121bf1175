"""The formal evaluation study (issue 15), from a ``Database``: did the campaigns raise screening?

Two steps, in this order, and the order is the point:

1. **The plan is fixed** (``fix_plan``) before any outcome after go-live is looked at: which public
   GP-practice indicator is the outcome, which practices are the pathfinders' (named in their
   returns, with their go-live year from the Status sheet), which comparison practices stand
   beside them (matched in ``wdp.evaluation.matching`` on the baseline years only, read with
   ``before_year`` so later figures are never even fetched), the study years, the years left out
   (the COVID break) and the verdict rule. It is stored with the time and who fixed it, and never
   changed: a new plan supersedes it, and both stay on record.
2. **The study is run** (``run_study``) on the plan: Callaway-Sant'Anna difference-in-differences
   (``wdp.evaluation.did``), the verdict by the rule fixed in advance, the naive before/after
   figure beside it, the trend of both arms, the sensitivity analyses, and, for one pathfinder, a
   synthetic control with its placebo ranking.

Both the app (Evaluation page, board pack) and the CLI (``python -m etl evaluate``) use this
module; a lead's database is scoped, so a lead's study is their own pathfinder against its own
comparison practices. Pure of streamlit; SQL stays in ``wdp.db``.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from wdp.db import Database
from wdp.domain import Measure, Programme
from wdp.evaluation import estimate_did
from wdp.evaluation.did import DidResult
from wdp.evaluation.matching import baseline_covariates, match_comparisons
from wdp.evaluation.synthetic import SyntheticControlResult, synthetic_control
from wdp.evaluation.verdict import verdict_sentence

COVID_YEARS = (2020,)  # 2020/21: screening paused in the first pandemic wave (DOMAIN.md)
ROUNDED_FROM = 2021  # Fingertips rounds GP-practice counts to the nearest 5 from about 2021/22
BASELINE_YEARS = 3
COMPARISONS_PER_PRACTICE = 3
BOOTSTRAP = 999
SENSITIVITY_BOOTSTRAP = 299
PLACEBO_SHIFT = 2  # years earlier than the real go-live
SLOW_MEASURES = {Measure.COVERAGE.value}

VERDICT_RULE = (
    "The pooled effect's 95% interval decides: wholly above 0, the measure rose more than in the "
    "matched comparison practices; wholly below 0, it fell more; including 0, there is no "
    "evidence of a change, and the smallest change this study could detect (80% power, 5% "
    "two-sided) is given. A pre-go-live difference in trends (p < 0.05) adds a caution."
)


class StudyNotReady(Exception):
    """The study cannot be run yet; the message says what is missing and how to supply it."""


@dataclass(frozen=True)
class Plan:
    """A fixed analysis plan. ``practices``: practice_code, arm ("pathfinder"/"comparison"),
    pathfinder_code (a comparison practice's is that of the practice it was matched to),
    go_live_year, matched_to, distance."""

    plan_id: int
    indicator_id: int
    indicator_name: str
    programme: str | None
    measure: str | None
    is_synthetic: bool
    first_go_live: int
    baseline_years: tuple[int, ...]
    exclude_years: tuple[int, ...]
    comparisons_per_practice: int
    plan_text: str
    balance: pd.DataFrame
    practices: pd.DataFrame
    fixed_at: dt.datetime
    fixed_by: str
    caveats: list[str] = field(default_factory=list)

    @property
    def measure_label(self) -> str:
        programme = Programme.label_for(self.programme, "") if self.programme else ""
        measure = Measure.label_for(self.measure, "") if self.measure else "the indicator"
        return f"{programme} screening {measure.lower()}".strip() if programme else measure

    def pathfinder_codes(self) -> list[str]:
        arm = self.practices[self.practices["arm"] == "pathfinder"]
        return sorted(arm["pathfinder_code"].dropna().unique())


@dataclass
class Sensitivity:
    label: str
    estimate_pp: float
    ci95: tuple[float, float]
    n_treated: int
    n_comparison: int
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "analysis": self.label,
            "estimate_pp": _round(self.estimate_pp),
            "ci95": [_round(self.ci95[0]), _round(self.ci95[1])],
            "n_treated": self.n_treated,
            "n_comparison": self.n_comparison,
            "note": self.note,
        }


@dataclass
class Study:
    """What the Evaluation page, the board-pack slide and ``etl evaluate --json`` report."""

    plan: Plan
    result: DidResult
    verdict: str
    naive: dict[str, Any]  # the pathfinder practices' own before/after change
    trend: pd.DataFrame  # year, arm, value, practices
    sensitivity: list[Sensitivity]
    pathfinder: str | None = None
    synthetic: SyntheticControlResult | None = None
    caveats: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The CLI's JSON contract (README, "Command line")."""
        r = self.result
        return {
            "indicator": self.plan.indicator_id,
            "indicator_name": self.plan.indicator_name,
            "synthetic": self.plan.is_synthetic,
            "plan_fixed_at": self.plan.fixed_at.isoformat(timespec="seconds"),
            "plan_fixed_by": self.plan.fixed_by,
            "pathfinder": self.pathfinder,
            "treated_practices": r.n_treated,
            "comparison_practices": r.n_comparison,
            "pooled": {
                "estimate_pp": _round(r.pooled.estimate_pp),
                "ci95": [_round(r.pooled.ci95[0]), _round(r.pooled.ci95[1])],
                "p": _round(r.pooled.p, 4),
            },
            "pathfinders": [
                {
                    "code": row.group,
                    "estimate_pp": _round(row.estimate_pp),
                    "ci95": [_round(row.ci_lo), _round(row.ci_hi)],
                    "p_holm": _round(row.p_holm, 4),
                    "n_practices": int(row.n_practices),
                }
                for row in r.by_group.itertuples()
            ],
            "pre_trend": {"p": _round(r.pre_trend.p, 4), "flag": bool(r.pre_trend.flag)},
            "min_detectable_pp": _round(r.min_detectable_pp),
            "verdict": self.verdict,
            "naive_before_after_pp": _round(self.naive.get("change_pp")),
            "event_study": [
                {
                    "event_time": int(row.event_time),
                    "estimate_pp": _round(row.estimate_pp),
                    "ci95": [_round(row.ci_lo), _round(row.ci_hi)],
                }
                for row in r.event_study.itertuples()
            ],
            "sensitivity": [s.as_dict() for s in self.sensitivity],
            "method": r.method,
            "caveats": self.caveats,
        }


def _round(value: Any, places: int = 3) -> float | None:
    if value is None:
        return None
    value = float(value)
    return round(value, places) if math.isfinite(value) else None


# ------------------------------------------------------------------------------------------------
# Which indicator
# ------------------------------------------------------------------------------------------------


def choose_indicator(
    db: Database,
    *,
    indicator_id: int | None = None,
    programme: str | None = None,
    measure: str | None = None,
) -> pd.Series:
    """The GP-practice indicator to evaluate: the one asked for, else the programme's (breast by
    default), preferring uptake (it moves within a year; coverage is a 3.5-5.5 year window)."""
    indicators = db.gp_indicators()
    if indicators.empty:
        raise StudyNotReady(
            "No GP-practice screening figures are loaded. Import them with `python -m etl "
            "fetch-fingertips --indicator 91340 --area-type gp` (breast uptake; ids in the "
            "README) or `python -m etl import-fingertips FILE`."
        )
    if indicator_id is not None:
        found = indicators[indicators["indicator_id"] == int(indicator_id)]
        if found.empty:
            raise StudyNotReady(
                f"Indicator {indicator_id} has no GP-practice figures in this database. Import "
                f"them with `python -m etl fetch-fingertips --indicator {indicator_id} "
                "--area-type gp`."
            )
        return found.iloc[0]
    wanted = indicators[indicators["programme"] == (programme or "breast")]
    if measure:
        wanted = wanted[wanted["measure"] == measure]
    if wanted.empty:
        what = " ".join(x for x in (programme or "breast", measure or "") if x)
        raise StudyNotReady(
            f"No GP-practice {what} figures are loaded; loaded: "
            + ", ".join(f"{r.indicator_id} {r.indicator_name}" for r in indicators.itertuples())
            + "."
        )
    order = wanted["measure"].map({Measure.UPTAKE.value: 0, Measure.COVERAGE.value: 1}).fillna(2)
    return wanted.assign(_order=order).sort_values(["_order", "indicator_id"]).iloc[0]


# ------------------------------------------------------------------------------------------------
# Step 1: the plan
# ------------------------------------------------------------------------------------------------


def _treated_practices(db: Database) -> pd.DataFrame:
    named = db.pathfinder_practices()
    live = named.dropna(subset=["go_live_year"]).copy()
    if live.empty:
        raise StudyNotReady(
            "No pathfinder has a go-live date yet: the Status sheet of a return gives it. The "
            "study compares practices before and after their pathfinder went live."
        )
    live["go_live_year"] = live["go_live_year"].astype(int)
    # A practice named by two pathfinders counts for the first to go live.
    return live.sort_values(["go_live_year", "pathfinder_code"]).drop_duplicates("practice_code")


def fix_plan(
    db: Database,
    *,
    indicator_id: int,
    fixed_by: str,
    now: dt.datetime | None = None,
    k: int = COMPARISONS_PER_PRACTICE,
) -> Plan:
    """Choose the comparison practices from baseline data only, and store the plan."""
    indicator = choose_indicator(db, indicator_id=indicator_id)
    treated = _treated_practices(db)
    first = int(treated["go_live_year"].min())
    baseline = tuple(range(first - BASELINE_YEARS, first))
    # Only years before the first go-live are read: the outcome after it cannot steer the choice.
    before = db.gp_indicator_panel(indicator_id=int(indicator_id), before_year=first)
    have = sorted(set(before["year"].astype(int)) & set(baseline))
    if len(have) < 2:
        raise StudyNotReady(
            f"Indicator {indicator_id} has {len(have)} of the baseline years "
            f"{', '.join(_fy(y) for y in baseline)} before the first go-live ({_fy(first)}); "
            "matching on baseline level and trend needs at least two."
        )
    covariates = baseline_covariates(before, years=have)
    profiles = db.practice_profiles()
    area = db.pathfinder_area_practices()
    practices = profiles.merge(covariates, on="practice_code", how="inner")
    practices["treated"] = practices["practice_code"].isin(treated["practice_code"])
    practices["in_pathfinder_area"] = practices["practice_code"].isin(area["practice_code"])
    practices["region"] = practices["region_code"].fillna(practices["payments_region_code"])
    practices["rural"] = practices["rurality"].eq("rural")
    caveats = []
    missing = sorted(set(treated["practice_code"]) - set(practices["practice_code"]))
    if missing:
        caveats.append(
            f"{len(missing)} pathfinder practice(s) have no baseline figures or no profile and "
            f"are not in the study: {', '.join(missing[:10])}."
        )
    if not practices["treated"].any():
        raise StudyNotReady(
            f"None of the pathfinders' practices has baseline figures for indicator "
            f"{indicator_id} or a practice profile."
        )
    match = match_comparisons(practices, k=k)
    caveats += match.caveats
    if not match.comparison_codes:
        raise StudyNotReady(
            "No comparison practice could be found: every candidate in the pathfinders' regions "
            "is in a pathfinder's area or lacks baseline figures."
        )
    by_practice = treated.set_index("practice_code")
    matched = match.pairs.assign(
        pathfinder_code=match.pairs["treated_code"].map(by_practice["pathfinder_code"]),
        go_live_year=match.pairs["treated_code"].map(by_practice["go_live_year"]),
    )
    in_study = practices.loc[practices["treated"], "practice_code"]
    rows = pd.concat(
        [
            pd.DataFrame(
                {
                    "practice_code": in_study.to_numpy(),
                    "arm": "pathfinder",
                    "pathfinder_code": in_study.map(by_practice["pathfinder_code"]).to_numpy(),
                    "go_live_year": in_study.map(by_practice["go_live_year"]).to_numpy(),
                    "matched_to": None,
                    "distance": np.nan,
                }
            ),
            pd.DataFrame(
                {
                    "practice_code": matched["comparison_code"],
                    "arm": "comparison",
                    "pathfinder_code": matched["pathfinder_code"],
                    "go_live_year": matched["go_live_year"],
                    "matched_to": matched["treated_code"],
                    "distance": matched["distance"],
                }
            ),
        ],
        ignore_index=True,
    )
    rows["go_live_year"] = rows["go_live_year"].astype("Int64")
    exclude = tuple(y for y in COVID_YEARS if y >= first)
    text = _plan_text(indicator, first=first, baseline=tuple(have), exclude=exclude, k=k)
    when = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with db.write() as tx:
        plan_id = tx.save_evaluation_plan(
            plan={
                "indicator_id": int(indicator_id),
                "fixed_at": when,
                "fixed_by": fixed_by,
                "first_go_live": first,
                "baseline_first": min(have),
                "baseline_last": max(have),
                "exclude_years": ",".join(map(str, exclude)),
                "comparisons_per_practice": k,
                "plan_text": text,
                "balance_json": match.balance.to_json(orient="records"),
                "caveats_json": json.dumps(caveats),
            },
            practices=rows,
        )
    plan = load_plan(db, indicator_id=int(indicator_id))
    assert plan is not None and plan.plan_id == plan_id
    return plan


def _plan_text(indicator: pd.Series, *, first: int, baseline, exclude, k: int) -> str:
    excluded = (
        f" {', '.join(_fy(y) for y in exclude)} (the COVID break, when screening paused) is left "
        "out of the primary analysis and kept in a sensitivity analysis."
        if exclude
        else ""
    )
    return (
        f"Outcome: {indicator['indicator_name']} (Fingertips indicator "
        f"{int(indicator['indicator_id'])}), GP-practice level, yearly. "
        "Treated: the practices the pathfinders name in their returns, from the financial year "
        "their pathfinder went live (Status sheet). "
        f"Comparison: {k} practices per pathfinder practice, in the same NHS region, outside every "
        "pathfinder's area (its CCGs), never treated, matched on baseline level and trend "
        f"({', '.join(_fy(y) for y in baseline)}), deprivation (IMD), list size and rurality, "
        f"using only years before the first go-live ({_fy(first)}). "
        "Estimator: Callaway-Sant'Anna difference-in-differences for staggered go-live, "
        "weighted by eligible population, practice bootstrap intervals; primary measure the "
        f"pooled effect after go-live in percentage points.{excluded} Verdict rule: " + VERDICT_RULE
    )


def _fy(year: int) -> str:
    return f"{year}/{(year + 1) % 100:02d}"


def load_plan(db: Database, *, indicator_id: int) -> Plan | None:
    """The plan in force for the indicator (None: none fixed yet)."""
    stored = db.evaluation_plan(indicator_id=int(indicator_id))
    if stored is None:
        return None
    indicators = db.gp_indicators()
    meta = indicators[indicators["indicator_id"] == int(indicator_id)]
    info = meta.iloc[0] if not meta.empty else None
    practices = db.evaluation_practices(plan_id=stored["plan_id"])
    return Plan(
        plan_id=int(stored["plan_id"]),
        indicator_id=int(indicator_id),
        indicator_name=str(info["indicator_name"]) if info is not None else str(indicator_id),
        programme=info["programme"] if info is not None else None,
        measure=info["measure"] if info is not None else None,
        is_synthetic=bool(info["is_synthetic"]) if info is not None else False,
        first_go_live=int(stored["first_go_live"]),
        baseline_years=tuple(range(stored["baseline_first"], stored["baseline_last"] + 1)),
        exclude_years=tuple(int(y) for y in stored["exclude_years"].split(",") if y),
        comparisons_per_practice=int(stored["comparisons_per_practice"]),
        plan_text=stored["plan_text"],
        balance=pd.read_json(io.StringIO(stored["balance_json"]), orient="records"),
        practices=practices,
        fixed_at=stored["fixed_at"],
        fixed_by=stored["fixed_by"],
        caveats=json.loads(stored["caveats_json"] or "[]"),
    )


# ------------------------------------------------------------------------------------------------
# Step 2: the study
# ------------------------------------------------------------------------------------------------


def study_panel(db: Database, plan: Plan, *, pathfinder: str | None = None) -> pd.DataFrame:
    """The plan's practices' yearly figures with their cohort (go-live year) and group."""
    practices = plan.practices
    if pathfinder is not None:
        practices = practices[practices["pathfinder_code"] == pathfinder]
    figures = db.gp_indicator_panel(indicator_id=plan.indicator_id)
    panel = figures.merge(practices, on="practice_code", how="inner")
    treated = panel["arm"] == "pathfinder"
    panel["cohort"] = panel["go_live_year"].where(treated).astype("Int64")
    panel["group"] = panel["pathfinder_code"].where(treated, None)
    return panel


def run_study(
    db: Database,
    plan: Plan,
    *,
    pathfinder: str | None = None,
    bootstrap: int = BOOTSTRAP,
    sensitivity: bool = True,
) -> Study:
    """The evaluation on the fixed plan (all the reader may see, or one pathfinder)."""
    panel = study_panel(db, plan, pathfinder=pathfinder)
    if panel.empty or not (panel["arm"] == "pathfinder").any():
        who = f"pathfinder {pathfinder}" if pathfinder else "the pathfinders"
        raise StudyNotReady(
            f"There are no figures for {who}' practices in indicator {plan.indicator_id}."
        )
    last = int(panel["year"].max())
    if last < plan.first_go_live:
        raise StudyNotReady(
            f"Indicator {plan.indicator_id} has no figures after the first go-live "
            f"({_fy(plan.first_go_live)}) yet: the latest is {_fy(last)}."
        )
    try:
        result = estimate_did(panel, exclude_years=plan.exclude_years, bootstrap=bootstrap)
    except ValueError as error:
        raise StudyNotReady(f"The study could not be estimated: {error}") from error
    label = plan.measure_label
    sentence = verdict_sentence(
        result.pooled,
        measure=label,
        n_comparison=result.n_comparison,
        min_detectable_pp=result.min_detectable_pp,
        pre_trend_flag=result.pre_trend.flag,
    )
    caveats = [*plan.caveats, *result.caveats, *_standing_caveats(plan, panel)]
    study = Study(
        plan=plan,
        result=result,
        verdict=sentence,
        naive=naive_change(panel, exclude_years=plan.exclude_years),
        trend=arm_trend(panel),
        sensitivity=[],
        pathfinder=pathfinder,
        caveats=caveats,
    )
    if sensitivity:
        study.sensitivity = sensitivity_analyses(db, plan, panel, result, pathfinder=pathfinder)
    if pathfinder is not None:
        study.synthetic = _synthetic(panel, plan)
    return study


def _standing_caveats(plan: Plan, panel: pd.DataFrame) -> list[str]:
    notes = []
    if plan.exclude_years:
        notes.append(
            f"{', '.join(_fy(y) for y in plan.exclude_years)} is left out of the primary estimate: "
            "screening paused in the first COVID wave and recovered unevenly (the sensitivity "
            "table keeps it in)."
        )
    if int(panel["year"].max()) >= ROUNDED_FROM:
        notes.append(
            f"From {_fy(ROUNDED_FROM)} Fingertips rounds GP-practice counts to the nearest 5, so "
            "small practices' yearly figures are approximate."
        )
    if plan.measure in SLOW_MEASURES:
        notes.append(
            "Coverage counts anyone screened in the last 3.5 to 5.5 years, so it moves slowly: a "
            "campaign's effect shows in it late and diluted. Uptake (screened within 6 months of "
            "an invitation) is the better measure where it exists."
        )
    if plan.is_synthetic:
        notes.append(
            "The GP-practice figures are synthetic (generated for the sample programme with a "
            "known effect), not real practices' results."
        )
    return notes


def naive_change(panel: pd.DataFrame, *, exclude_years=()) -> dict[str, Any]:
    """The pathfinder practices' own change, after go-live against before (population-weighted):
    what a before/after chart shows, with no comparison group."""
    rows = panel[(panel["arm"] == "pathfinder") & ~panel["year"].isin(exclude_years)]
    after = rows["year"] >= rows["cohort"].astype(float)
    before_num, before_den = rows.loc[~after, ["numerator", "denominator"]].sum()
    after_num, after_den = rows.loc[after, ["numerator", "denominator"]].sum()
    if not (before_den and after_den):
        return {"change_pp": None}
    before, later = 100 * before_num / before_den, 100 * after_num / after_den
    return {"before_pct": before, "after_pct": later, "change_pp": later - before}


def arm_trend(panel: pd.DataFrame) -> pd.DataFrame:
    """Population-weighted figure by year for each arm."""
    from wdp.charts.evaluation import COMPARISON, PATHFINDER

    grouped = (
        panel.groupby(["year", "arm"], as_index=False)
        .agg(
            numerator=("numerator", "sum"),
            denominator=("denominator", "sum"),
            practices=("practice_code", "nunique"),
        )
        .query("denominator > 0")
    )
    grouped["value"] = 100 * grouped["numerator"] / grouped["denominator"]
    grouped["arm"] = grouped["arm"].map({"pathfinder": PATHFINDER, "comparison": COMPARISON})
    return grouped[["year", "arm", "value", "practices"]]


def sensitivity_analyses(
    db: Database,
    plan: Plan,
    panel: pd.DataFrame,
    primary: DidResult,
    *,
    pathfinder: str | None = None,
) -> list[Sensitivity]:
    """The primary estimate again under other reasonable choices (README: Evaluation)."""
    rows = [_row("Primary analysis", primary, "as planned")]

    def attempt(label: str, note: str, work: Callable[[], DidResult | None]) -> None:
        try:
            result = work()
        except (ValueError, StudyNotReady) as error:
            rows.append(Sensitivity(label, math.nan, (math.nan, math.nan), 0, 0, str(error)))
            return
        if result is not None:
            rows.append(_row(label, result, note))

    def did(frame: pd.DataFrame, **kwargs: Any) -> DidResult:
        kwargs.setdefault("exclude_years", plan.exclude_years)
        return estimate_did(frame, bootstrap=SENSITIVITY_BOOTSTRAP, **kwargs)

    if plan.exclude_years:
        attempt(
            "COVID year kept in",
            f"{', '.join(_fy(y) for y in plan.exclude_years)} included",
            lambda: did(panel, exclude_years=()),
        )
    attempt(
        "Nearest match only",
        "the nearest comparison practice per pathfinder practice only (1:1), not 3",
        lambda: did(_nearest_only(panel)),
    )
    attempt(
        "Another comparison group",
        "every eligible practice in the pathfinders' regions (outside their areas, never "
        "treated), unmatched",
        lambda: did(_unmatched(db, plan, panel)),
    )
    attempt(
        "Placebo go-live",
        f"go-live moved {PLACEBO_SHIFT} years earlier, years before the real go-live only: "
        "should be about 0",
        lambda: _placebo(panel, did),
    )
    other = _other_measure(db, plan)
    if other is not None:
        attempt(
            f"{Measure.label_for(other['measure'], other['measure'])} instead",
            f"indicator {int(other['indicator_id'])}, same practices",
            lambda: did(_swap_outcome(db, panel, int(other["indicator_id"]))),
        )
    groups = sorted(panel.loc[panel["arm"] == "pathfinder", "group"].dropna().unique())
    if pathfinder is None and len(groups) > 1:
        estimates = []
        for code in groups:
            kept = panel[panel["pathfinder_code"] != code]
            try:
                estimates.append((code, did(kept)))
            except ValueError:
                continue
        if estimates:
            low = min(estimates, key=lambda e: e[1].pooled.estimate_pp)
            high = max(estimates, key=lambda e: e[1].pooled.estimate_pp)
            rows.append(
                Sensitivity(
                    "Leave one pathfinder out",
                    float(np.mean([e[1].pooled.estimate_pp for e in estimates])),
                    (low[1].pooled.ci95[0], high[1].pooled.ci95[1]),
                    primary.n_treated,
                    primary.n_comparison,
                    f"{len(estimates)} runs: lowest {low[1].pooled.estimate_pp:+.2f} without "
                    f"{low[0]}, highest {high[1].pooled.estimate_pp:+.2f} without {high[0]}; the "
                    "interval spans the lowest run's lower and highest run's upper limit",
                )
            )
    return rows


def _row(label: str, result: DidResult, note: str) -> Sensitivity:
    return Sensitivity(
        label,
        result.pooled.estimate_pp,
        result.pooled.ci95,
        result.n_treated,
        result.n_comparison,
        note,
    )


def _nearest_only(panel: pd.DataFrame) -> pd.DataFrame:
    comparison = panel[panel["arm"] == "comparison"]
    nearest = (
        comparison.drop_duplicates("practice_code")
        .sort_values("distance")
        .drop_duplicates("matched_to")["practice_code"]
    )
    return panel[(panel["arm"] == "pathfinder") | panel["practice_code"].isin(nearest)]


def _unmatched(db: Database, plan: Plan, panel: pd.DataFrame) -> pd.DataFrame:
    """The pathfinder practices against every eligible practice in their regions: the
    comparison before matching (what matching is meant to improve on)."""
    profiles = db.practice_profiles()
    region = profiles.set_index("practice_code")["region_code"]
    treated = panel[panel["arm"] == "pathfinder"]
    regions = set(treated["practice_code"].map(region).dropna())
    excluded = set(db.pathfinder_area_practices()["practice_code"]) | set(treated["practice_code"])
    eligible = profiles.loc[
        profiles["region_code"].isin(regions) & ~profiles["practice_code"].isin(excluded),
        "practice_code",
    ]
    figures = db.gp_indicator_panel(indicator_id=plan.indicator_id)
    others = figures[figures["practice_code"].isin(eligible)].assign(
        arm="comparison", cohort=pd.NA, group=None
    )
    others["cohort"] = others["cohort"].astype("Int64")
    return pd.concat([treated, others], ignore_index=True)


def _placebo(panel: pd.DataFrame, did: Callable[..., DidResult]) -> DidResult:
    real = panel["cohort"].astype(float)
    first_real = panel.loc[panel["arm"] == "pathfinder", "cohort"].min()
    shifted = panel[panel["year"] < first_real].copy()
    shifted["cohort"] = (real[shifted.index] - PLACEBO_SHIFT).astype("Int64")
    return did(shifted, exclude_years=())


def _other_measure(db: Database, plan: Plan) -> pd.Series | None:
    indicators = db.gp_indicators()
    other = indicators[
        (indicators["programme"] == plan.programme)
        & (indicators["measure"] != plan.measure)
        & indicators["measure"].isin([Measure.UPTAKE.value, Measure.COVERAGE.value])
    ]
    return None if other.empty else other.iloc[0]


def _swap_outcome(db: Database, panel: pd.DataFrame, indicator_id: int) -> pd.DataFrame:
    columns = ["practice_code", "arm", "pathfinder_code", "go_live_year", "matched_to"]
    design = panel.drop_duplicates("practice_code")[[*columns, "distance", "cohort", "group"]]
    figures = db.gp_indicator_panel(indicator_id=indicator_id)
    return figures.merge(design, on="practice_code", how="inner")


def _synthetic(panel: pd.DataFrame, plan: Plan) -> SyntheticControlResult | None:
    treated = panel.loc[panel["arm"] == "pathfinder", "practice_code"].unique()
    cohorts = panel.loc[panel["arm"] == "pathfinder", "cohort"].dropna().unique()
    if len(cohorts) != 1:
        return None
    try:
        return synthetic_control(
            panel,
            treated=list(treated),
            go_live=int(cohorts[0]),
            donors=list(panel.loc[panel["arm"] == "comparison", "practice_code"].unique()),
            exclude_years=plan.exclude_years,
        )
    except ValueError:
        return None
