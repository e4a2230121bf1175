"""Data quality: how complete, timely and clean each pathfinder's returns are.
Render only: queries in wdp.db.quality and wdp.db.status."""

import streamlit as st

from wdp.charts import quality as charts
from wdp.ui import page
from wdp.ui.data import reads
from wdp.ui.exports import download_csv

page.setup(__file__)

periods = reads.reporting_periods()
if periods.empty:
    st.info("No returns have been loaded yet, so there is nothing to judge.")
    st.stop()
latest = str(periods["reporting_period"].iloc[-1])
table = charts.quality_table(
    reads.submission_tracker(period=latest),
    reads.attempts_by_pathfinder(),
)
st.subheader(f"Each pathfinder, all quarters to {latest}")
st.dataframe(table, hide_index=True)
download_csv(table, filename="data_quality.csv", key="quality_csv")

st.subheader("The most common problems in rejected returns")
errors = reads.common_errors(limit=10)
if errors.empty:
    st.info("No return has been rejected.")
else:
    st.dataframe(errors, hide_index=True)
    download_csv(errors, filename="common_errors.csv", key="quality_errors_csv")

over_time = reads.quality_over_time()
page.show_chart(
    charts.quality_over_time_figure(over_time),
    over_time,
    key="quality_trend",
    filename="quality_over_time.csv",
)
page.definitions(
    {
        "Completeness": "returns received / returns expected (every quarter from a pathfinder's "
        "first return to the latest, once its due date has passed).",
        "On time": "received within 30 days of the quarter's end (the first accepted version).",
        "Rejected share": "rejected load attempts / all attempts (an identical file sent again is "
        "not counted).",
        "Problems": "each cell the validation refused; one return can have several.",
    }
)
