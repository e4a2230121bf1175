"""The Evaluation page's filters, cached study and widgets (the page lays them out).

The study is computed by ``wdp.services.evaluate`` over the database as the reader may see it (a
lead's: their own pathfinder against its own comparison practices) and cached per data version,
so the bootstrap runs once per load, not once per page view.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from wdp import services
from wdp.auth import User
from wdp.db import Database
from wdp.domain import Measure, Programme, Role
from wdp.study import Study, StudyNotReady
from wdp.ui import filters
from wdp.ui.data import computed, data_changed, database, explained, reads

PAGE = "evaluation"
MEASURES = (Measure.UPTAKE, Measure.COVERAGE)
MAY_FIX_A_PLAN = (Role.DIRECTOR, Role.ADMIN)


def choose_study() -> tuple[str, str | None]:
    """Programme (breast by default) and measure (uptake where loaded, else coverage)."""
    programme = filters.select_member("programme", Programme, Programme.BREAST, page=PAGE)
    indicators = reads.gp_indicators()
    loaded = set(indicators.loc[indicators["programme"] == programme, "measure"])
    options = [m.value for m in MEASURES if m.value in loaded]
    if not options:
        return programme, None
    measure = filters.select(
        "measure",
        options,
        labels={m.value: m.label for m in MEASURES},
        allow_all=False,
        default=options[0],
        page=PAGE,
    )
    return programme, measure or options[0]


def choose_pathfinder(codes: list[str], names: dict[str, str]) -> str | None:
    if len(codes) <= 1:
        return None  # a lead's study is their own pathfinder already
    return filters.select(
        "pathfinder", codes, labels={c: names.get(c, c) for c in codes}, page=PAGE
    )


def _study(db: Database, *, programme: str, measure: str, pathfinder: str | None) -> Study | str:
    """The study, or the sentence saying what it still needs (cached either way)."""
    try:
        return services.evaluate(db, programme=programme, measure=measure, pathfinder=pathfinder)
    except StudyNotReady as error:
        return str(error)


def study(*, programme: str, measure: str, pathfinder: str | None) -> Study | str:
    return computed(_study, programme=programme, measure=measure, pathfinder=pathfinder)


def offer_to_fix_a_plan(user: User | None, *, programme: str, measure: str) -> None:
    """A director or admin may fix the plan here; anyone else is told who can."""
    if user is None or user.role not in MAY_FIX_A_PLAN:
        st.caption("A programme director fixes the analysis plan before results are shown.")
        return
    st.markdown(
        "Fixing the plan chooses the comparison practices from the years **before** the first "
        "go-live only, and records the plan with today's date and your name. It cannot be "
        "changed afterwards, only superseded (both stay on record)."
    )
    if st.button("Fix the analysis plan now", key=f"{PAGE}_fix_plan", type="primary"):
        with explained():
            try:
                services.fix_evaluation_plan(
                    database(), fixed_by=user.email, programme=programme, measure=measure
                )
            except StudyNotReady as error:
                st.error(str(error))
                return
        data_changed()
        st.rerun()


def verdict_card(found: Study) -> None:
    """The verdict, beside the naive before/after figure it corrects."""
    result = found.result
    show = st.success if _shows_change(found) else st.info
    show(f"**{found.verdict}**")
    cards = st.columns(4)
    lo, hi = result.pooled.ci95
    cards[0].metric(
        "Effect vs matched practices",
        f"{result.pooled.estimate_pp:+.1f} points",
        help=f"95% CI {lo:+.1f} to {hi:+.1f}; p = {result.pooled.p:.3f}. Difference-in-"
        "differences: the change in pathfinder practices minus the change in their matched "
        "comparison practices over the same years.",
        border=True,
    )
    naive = found.naive.get("change_pp")
    cards[1].metric(
        "Before/after alone",
        "–" if naive is None else f"{naive:+.1f} points",
        help="What a simple before/after chart shows: it includes the national trend and "
        "regression to the mean, which the comparison practices remove.",
        border=True,
    )
    cards[2].metric(
        "Smallest detectable change",
        f"{result.min_detectable_pp:.1f} points",
        help="With 80% power at the 5% level, given these practices and their variation.",
        border=True,
    )
    trend_note = "⚠ differ" if result.pre_trend.flag else "✓ parallel"
    cards[3].metric(
        "Trends before go-live",
        trend_note,
        help=f"A test that the pathfinder and comparison practices moved together before "
        f"go-live: p = {result.pre_trend.p:.3f} (flagged below 0.05).",
        border=True,
    )


def _shows_change(found: Study) -> bool:
    lo, hi = found.result.pooled.ci95
    return bool(lo > 0 or hi < 0)


def plan_box(found: Study) -> None:
    plan = found.plan
    st.caption(
        f"Analysis plan fixed on **{plan.fixed_at:%d %B %Y at %H:%M} UTC** by {plan.fixed_by}, "
        "before these results were computed; comparison practices were chosen from years before "
        f"the first go-live only ({', '.join(_fy(y) for y in plan.baseline_years)})."
    )
    with st.expander("The analysis plan, as fixed"):
        st.markdown(plan.plan_text)


def _fy(year: int) -> str:
    return f"{year}/{(year + 1) % 100:02d}"


def as_rows(found: Study) -> list[dict[str, Any]]:
    return [s.as_dict() for s in found.sensitivity]


def synthetic_weights(found: Study) -> pd.DataFrame:
    weights = found.synthetic.weights if found.synthetic is not None else pd.Series(dtype=float)
    top = weights[weights > 0.001].sort_values(ascending=False)
    return pd.DataFrame({"Comparison practice": top.index, "Weight": top.round(3).to_numpy()})
