"""Trained staff: Digital Health Champions trained to date, by month, pathfinder, staff role and
GP practice, against the ~350 the programme reports. Render only: see wdp.ui.training."""

import streamlit as st

from wdp.charts import training as charts
from wdp.config import REPORTED_CHAMPIONS
from wdp.ui import page
from wdp.ui import training as view
from wdp.ui.data import reads
from wdp.ui.exports import download_csv

summary = page.setup(__file__)
st.caption(
    "General-practice staff trained as Digital Health Champions, from the pathfinders' returns "
    "that currently count. Choose a reporting period (figures are to date at its end) and a "
    "pathfinder in the sidebar."
)
scope = view.read_scope(summary["reporting_periods"], page=view.PAGE)

months = charts.month_table(reads.champions_by_month(**scope.kwargs))
if months.empty or months["Trained in the month"].sum() == 0:
    st.info(scope.nothing("champions trained"))
    page.definitions(view.DEFINITIONS)
    st.stop()

by_pathfinder = charts.pathfinder_table(reads.champions_by_pathfinder(**scope.kwargs))
by_role = charts.role_table(reads.champions_by_role(**scope.kwargs))
by_practice = charts.practice_table(reads.champions_by_practice(**scope.kwargs))
reported = None if scope.pathfinder else REPORTED_CHAMPIONS

cards = st.columns(3)
cards[0].metric(
    "Champions trained",
    int(months["Trained in the month"].sum()),
    delta=f"of ~{reported} reported" if reported else None,
    delta_color="off",
    delta_arrow="off",
    help=f"Trained to date: {scope.who}, {scope.periods}.",
    border=True,
)
cards[1].metric(
    "GP practices with champions",
    len(by_practice),
    help="Distinct GP practices with at least one champion trained.",
    border=True,
)
cards[2].metric(
    "Pathfinders with champions",
    int((by_pathfinder["Champions trained"] > 0).sum()),
    help="Pathfinders whose returns record at least one champion trained.",
    border=True,
)

page.show_chart(
    charts.cumulative_champions_figure(
        months, title=scope.title("Champions trained to date, by month"), reported=reported
    ),
    months,
    key="training_cumulative",
    filename="champions_to_date.csv",
    note="Dashed line: the ~350 the programme reports; no target has been set in the data."
    if reported
    else None,
)

left, right = st.columns(2)
with left:
    page.show_chart(
        charts.champions_by_month_figure(months, title=scope.title("Champions trained each month")),
        months,
        key="training_month",
        filename="champions_each_month.csv",
    )
with right:
    page.show_chart(
        charts.champions_by_role_figure(by_role, title=scope.title("Champions by staff role")),
        by_role,
        key="training_role",
        filename="champions_by_role.csv",
    )

left, right = st.columns(2)
with left:
    page.show_chart(
        charts.champions_by_pathfinder_figure(
            by_pathfinder, title=scope.title("Champions by pathfinder")
        ),
        by_pathfinder,
        key="training_pathfinder",
        filename="champions_by_pathfinder.csv",
    )
with right:
    page.show_chart(
        charts.champions_by_practice_figure(
            by_practice, title=scope.title("Champions by GP practice")
        ),
        by_practice,
        key="training_practice",
        filename="champions_by_practice.csv",
        note=f"The {charts.TOP_PRACTICES} practices with most champions, of {len(by_practice)}; "
        "every practice is in the data below the chart."
        if len(by_practice) > charts.TOP_PRACTICES
        else None,
    )

st.subheader("Training returned")
records = charts.records_table(reads.training_records(**scope.kwargs))
st.caption(f"{len(records)} rows: {scope.who}, {scope.periods}. Newest first.")
st.dataframe(records, hide_index=True, height=400)
download_csv(records, filename="champions_trained.csv", key="training_records_csv")

page.definitions(view.DEFINITIONS)
