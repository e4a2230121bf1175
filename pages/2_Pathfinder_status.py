"""Pathfinder status: where every pathfinder is (stage, RAG, milestones, commentary), which
quarterly returns came in on time, and milestones and risks. Layout only: the data comes from
the database's named reads (cached by wdp.ui.data), the tables and chart from wdp.charts.status,
the filters and cards from wdp.ui.status."""

import streamlit as st

from wdp.charts import status as build
from wdp.config import RETURN_DUE_DAYS
from wdp.ui import auth, page
from wdp.ui import reminders as reminding
from wdp.ui import status as view
from wdp.ui.data import reads
from wdp.ui.exports import download_csv

PAGE = view.PAGE
DATE = st.column_config.DatetimeColumn(format="D MMM YYYY")

page.setup(__file__)
periods = reads.reporting_periods()
if periods.empty:
    page.no_returns_yet(", so there is no status to show")
period = view.choose_period(periods)
status = reads.pathfinder_status(period=period)
pathfinder = view.choose_pathfinder(status)
tracker = reads.submission_tracker(period=period)
counts = build.tracker_counts(tracker, period=period)
as_of = page.format_timestamp(reads.latest_load_time())

st.subheader(f"Where each pathfinder is: {period}")
view.return_cards(counts, period=period, as_of=as_of)
st.caption(
    "Each pathfinder as its latest return up to this period left it. Overdue milestones: due on "
    "or before the period's last day and neither complete nor cancelled."
)
table = build.status_table(status)
st.dataframe(
    table,
    hide_index=True,
    height="content",
    column_config={
        "Latest commentary": st.column_config.TextColumn(width="large"),
        "Last return loaded": DATE,
    },
)
download_csv(table.data, filename=f"pathfinder_status_{period}.csv", key=f"{PAGE}_table_csv")

by_period = reads.rag_by_period(period=period)
page.show_chart(
    build.rag_figure(by_period),
    build.rag_frame(by_period),
    key=f"{PAGE}_rag",
    filename="rag_by_period.csv",
    note="Overall RAG in each period's current returns.",
)

st.subheader("Submission tracker")
st.caption(
    f"Returns are due {RETURN_DUE_DAYS} days after the quarter ends. Missing and not yet due are "
    f"judged as of {as_of}, the latest load in the database (not today's date). "
    + build.TRACKER_LEGEND
)
st.dataframe(build.tracker_grid(tracker), hide_index=True, height="content")
chase = build.chase_list(tracker)
if chase.empty:
    st.success(f"Nothing to chase: every return expected up to {period} has been received.")
download_csv(
    chase,
    filename=f"chase_list_{period}.csv",
    key=f"{PAGE}_chase_csv",
    label=f"Download the chase list ({len(chase) or 'no'} returns outstanding)",
)
user = auth.current_user()
if user is not None:
    reminding.send_now_form(chase, user)
reminding.status_section(user)

names = dict(zip(status["pathfinder_code"], status["pathfinder_name"], strict=True))
who = names[pathfinder] if pathfinder else "all pathfinders"
if pathfinder:
    st.subheader(f"{who}: {period}")
    view.pathfinder_summary(status, pathfinder)
for what, rows, table in (
    ("Milestones", reads.milestones(period=period, pathfinder=pathfinder), build.milestone_table),
    ("Risks", reads.risks(period=period, pathfinder=pathfinder), build.risk_table),
):
    st.subheader(f"{what}: {who}")
    if rows.empty:
        st.info(f"No {what.lower()} in the returns for {who} up to {period}.")
    else:
        st.dataframe(table(rows), hide_index=True)
        name = what.lower()
        download_csv(table(rows).data, filename=f"{name}_{period}.csv", key=f"{PAGE}_{name}_csv")

page.definitions(
    {
        "Expected": "a return is expected for every quarter from the pathfinder's first "
        "accepted return onwards (the register holds no start date).",
        "Due date": f"{RETURN_DUE_DAYS} days after the quarter ends (2017-18 Q1 ends 30 June "
        "2017, so its return is due on 30 July 2017).",
        "On time / Late": "the pathfinder's first accepted return for the quarter was loaded on "
        "or before / after the due date. A later correction does not change this.",
        "Missing": f"no accepted return and the due date has passed, as of {as_of} (the latest "
        "load in the database). Not yet due: no return yet, due date still to come.",
        "Chase list": "every missing or not-yet-due return, with the contact email and "
        "organisation from the pathfinder's latest accepted return.",
        "Stage, RAG, commentary, milestones, risks": "from each pathfinder's latest accepted "
        "return up to the chosen quarter (a corrected return replaces the earlier one).",
        "Source": "the pathfinders' quarterly returns, loaded with `python -m etl load`.",
    }
)
