"""Evaluation: did the campaigns work? The pathfinders' practices against matched comparison
practices, by a plan fixed before the results. Layout only: the study is wdp.study (through
wdp.services), the charts and tables wdp.charts.evaluation, the widgets wdp.ui.evaluation."""

import streamlit as st

from wdp.charts import evaluation as build
from wdp.config import OGL_ATTRIBUTION, SYNTHETIC_LABEL
from wdp.ui import auth, page
from wdp.ui import evaluation as view
from wdp.ui.data import reads
from wdp.ui.exports import download_csv

PAGE = view.PAGE

page.setup(__file__)
user = auth.current_user()
programme, measure = view.choose_study()
if measure is None:
    st.info(
        f"No GP-practice {programme} screening figures are loaded. Import them with `python -m "
        "etl fetch-fingertips --indicator N --area-type gp` (the README lists the indicators)."
    )
    st.stop()
names = reads.pathfinder_register()
first = view.study(programme=programme, measure=measure, pathfinder=None)
if isinstance(first, str):
    st.info(first)
    view.offer_to_fix_a_plan(user, programme=programme, measure=measure)
    st.stop()
pathfinder = view.choose_pathfinder(first.plan.pathfinder_codes(), names)
found = (
    first
    if pathfinder is None
    else view.study(programme=programme, measure=measure, pathfinder=pathfinder)
)
if isinstance(found, str):
    st.info(found)
    st.stop()
plan, result = found.plan, found.result
if plan.is_synthetic:
    st.caption(
        f"**{SYNTHETIC_LABEL}**: the GP-practice figures are synthetic too, made with a known "
        "effect (data/sample/README.md), so the method can be seen to find it."
    )
codes = plan.pathfinder_codes()
only = pathfinder or (codes[0] if len(codes) == 1 else None)  # a lead's is their own
who = names.get(only, only) if only else "All pathfinders"
st.subheader(f"{who}: {plan.measure_label}")
view.verdict_card(found)
view.plan_box(found)

years = sorted(found.trend["year"].unique())
go_live = sorted(plan.practices["go_live_year"].dropna().astype(int).unique())
page.show_chart(
    build.trend_figure(
        found.trend,
        title=f"{plan.measure_label.capitalize()}: pathfinder and matched comparison practices",
        go_live_years=go_live,
        excluded_years=list(plan.exclude_years),
    ),
    build.trend_frame(found.trend),
    key=f"{PAGE}_trend",
    filename=f"evaluation_trend_{plan.indicator_id}.csv",
    note="Each arm's figure is its practices' screened over eligible, pooled (so larger "
    "practices count for more). Dotted lines: go-live years.",
)
page.show_chart(
    build.event_study_figure(result.event_study, title="Effect by years from go-live"),
    build.event_study_frame(result.event_study),
    key=f"{PAGE}_event",
    filename=f"evaluation_event_study_{plan.indicator_id}.csv",
    note="Before go-live (left of the dotted line) the points check the method: they should sit "
    "on 0. After it they are the effect, year by year. Bars: 95% confidence intervals.",
)
if pathfinder is None and len(result.by_group) > 1:
    page.show_chart(
        build.forest_figure(
            result.by_group,
            found.as_dict()["pooled"],
            title="Each pathfinder against its matched practices",
            names=names,
        ),
        build.estimates_frame(result.by_group, names),
        key=f"{PAGE}_forest",
        filename=f"evaluation_pathfinders_{plan.indicator_id}.csv",
        note="p-values are Holm-adjusted for testing every pathfinder at once; a single "
        "pathfinder has few practices, so its interval is wide: the pooled estimate is the answer.",
    )
if found.synthetic is not None:
    synthetic = found.synthetic
    page.show_chart(
        build.synthetic_figure(
            synthetic.gap, title=f"{who} against its synthetic control", go_live=go_live[0]
        ),
        view.synthetic_weights(found),
        key=f"{PAGE}_synthetic",
        filename=f"evaluation_synthetic_{pathfinder}.csv",
        note=f"A blend of comparison practices weighted to track {who} before go-live. Placebo "
        f"test: refitted as if each comparison practice had gone live, {who}'s gap ranks "
        f"{synthetic.rank} of {len(synthetic.placebo)} (p = {synthetic.p_value:.2f}).",
    )

st.subheader("Were the comparison practices comparable?")
balance = build.balance_frame(plan.balance)
st.dataframe(balance, hide_index=True)
st.caption(
    "Standardised differences (the gap in means over the pooled standard deviation) before and "
    "after matching; below 0.1 in absolute value is the usual bar for balance."
)
download_csv(balance, filename="evaluation_balance.csv", key=f"{PAGE}_balance_csv")

st.subheader("Does the answer hold under other choices?")
sensitivity = build.sensitivity_frame(view.as_rows(found))
st.dataframe(
    sensitivity,
    hide_index=True,
    column_config={"What changed": st.column_config.TextColumn(width="large")},
)
download_csv(sensitivity, filename="evaluation_sensitivity.csv", key=f"{PAGE}_sensitivity_csv")

with st.expander("Method, caveats and sources", expanded=False):
    st.markdown(f"**Method.** {result.method}")
    for caveat in found.caveats:
        st.markdown(f"- {caveat}")
    st.markdown(
        "**References.** Callaway B, Sant'Anna PHC. Difference-in-differences with multiple time "
        "periods. J Econometrics 2021;225:200-30. Abadie A, Diamond A, Hainmueller J. Synthetic "
        "control methods for comparative case studies. JASA 2010;105:493-505. Holm S. A simple "
        "sequentially rejective multiple test procedure. Scand J Stat 1979;6:65-70. Austin PC. "
        "Balance diagnostics for comparing the distribution of baseline covariates between "
        "treatment groups in propensity-score matched samples. Stat Med 2009;28:3083-107."
    )
    st.markdown(
        f"**Sources.** Outcome: {plan.indicator_name} (OHID Fingertips indicator "
        f"{plan.indicator_id}, GP practices). Practice profiles: OHID Fingertips deprivation "
        "scores and NHS Digital's NHS Payments to General Practice. Pathfinder practices and "
        f"go-live dates: the pathfinders' returns. {OGL_ATTRIBUTION}"
    )
