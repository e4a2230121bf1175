"""Campaign activity: the champions' social-media outputs (posts, reach, engagements, Messenger
enquiries, appointments booked) by pathfinder and month, and the top posts. Outputs, not health
outcomes. Render only: see wdp.ui.activity."""

import streamlit as st

from wdp.charts import activity as charts
from wdp.charts.training import format_count
from wdp.ui import activity as view
from wdp.ui import page
from wdp.ui.data import reads
from wdp.ui.exports import download_csv
from wdp.ui.training import read_scope

summary = page.setup(__file__)
st.info(view.OUTPUTS_NOTE, icon=":material/campaign:")
scope = read_scope(summary["reporting_periods"], page=view.PAGE)

by_pathfinder = charts.pathfinder_activity_table(reads.activity_by_pathfinder(**scope.kwargs))
if by_pathfinder.empty:
    st.info(scope.nothing("campaign activity"))
    page.definitions(view.DEFINITIONS)
    st.stop()
by_month = charts.month_activity_table(reads.activity_by_month(**scope.kwargs))

st.caption(f"Totals to date: {scope.who}, {scope.periods}.")
for card, (label, total) in zip(
    st.columns(len(charts.MEASURES)), charts.totals(by_pathfinder).items(), strict=True
):
    card.metric(label, format_count(total), border=True)

measure = st.segmented_control(
    "Measure shown in the charts",
    list(charts.MEASURES),
    format_func=charts.MEASURES.get,
    default="reach",
    required=True,
    key="activity_measure",
)
label = charts.MEASURES[measure]

page.show_chart(
    charts.activity_by_month_figure(
        by_month, measure=measure, title=scope.title(f"{label} by month")
    ),
    by_month,
    key="activity_month",
    filename="activity_by_month.csv",
)
page.show_chart(
    charts.activity_by_pathfinder_figure(
        by_pathfinder, measure=measure, title=scope.title(f"{label} by pathfinder")
    ),
    by_pathfinder,
    key="activity_pathfinder",
    filename="activity_by_pathfinder.csv",
)

st.subheader("Top posts by reach")
posts = charts.top_posts_table(reads.top_posts(**scope.kwargs, limit=view.TOP_POSTS))
if posts.empty:
    st.info(f"No single notable posts were returned for {scope.who}, {scope.periods}.")
else:
    st.caption(
        f"The {len(posts)} single notable posts with the highest reach: {scope.who}, "
        f"{scope.periods}. Reach counts people who saw the post, not people screened."
    )
    counts = [c for c in posts.columns if c in charts.MEASURES.values()]
    st.dataframe(
        posts,
        hide_index=True,
        column_config={c: st.column_config.NumberColumn(format="localized") for c in counts},
    )
    download_csv(posts, filename="top_posts.csv", key="activity_top_posts_csv")

page.definitions(view.DEFINITIONS)
