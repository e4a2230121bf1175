"""WDP programme dashboard: the entry point (the app and its routes) and the Overview page.

Run with `make run` (or `streamlit run dashboard.py` with WDP_DB set): Streamlit finds ``app``
below and serves it, its pages with the sign-in routes beside them (``wdp.ui.web``). The Overview
itself is the block under ``__main__``, run each time a browser opens the page. Layout only: the
data comes from the database's named reads, cached by wdp.ui.data; there is no SQL here.
"""

import streamlit as st

from wdp.ui.web import routes

# What `streamlit run dashboard.py` serves: this script and pages/, and the sign-in routes.
app = st.App(__file__, routes=routes())

if __name__ == "__main__":  # the Overview, each time a browser opens it
    # (Imported here, not above: the server imports this file once to find `app`, before
    # Streamlit's runtime exists for the page's caches.)
    from wdp.charts.overview import pathfinder_table, submission_table
    from wdp.charts.training import champions_by_period_figure
    from wdp.config import REPORTED_CHAMPIONS
    from wdp.domain import SubmissionStatus
    from wdp.ui import page, screening
    from wdp.ui.data import reads

    # The outcomes the history can be narrowed to ("All" shows every attempt, unfinished too).
    SHOWN = (SubmissionStatus.ACCEPTED, SubmissionStatus.SUPERSEDED, SubmissionStatus.REJECTED)

    summary = page.setup(__file__)
    st.caption(
        "Widening Digital Participation: pathfinders training general-practice staff as Digital "
        "Health Champions to raise cancer screening uptake. Figures come from the returns that "
        "currently count (the last accepted return per pathfinder and quarter)."
    )

    periods = summary["reporting_periods"]
    row1 = st.columns(3)
    row1[0].metric(
        "Pathfinders",
        summary["pathfinders"],
        help=f"{summary['pathfinders_reporting']} of them have at least one accepted return.",
        border=True,
        height="stretch",
    )
    row1[1].metric(
        "Champions trained",
        summary["staff_trained"],
        delta=f"of ~{REPORTED_CHAMPIONS} reported",
        delta_color="off",
        delta_arrow="off",
        help="Digital Health Champions trained, summed over the returns that currently count.",
        border=True,
        height="stretch",
    )
    row1[2].metric(
        "Latest reporting period",
        periods[-1] if periods else "None yet",
        help="NHS financial-year quarters: 2017-18 Q1 is April to June 2017.",
        border=True,
        height="stretch",
    )
    row2 = st.columns(3)
    received = reads.returns_received()
    row2[0].metric(
        f"Returns for {received['period']}" if received["period"] else "Returns this period",
        f"{received['received']} of {received['expected']}",
        help="Returns received for the latest reporting period, against the pathfinders expected "
        f"to send one. {summary['returns_accepted']} returns accepted in all (including returns "
        "later superseded by a corrected one).",
        border=True,
        height="stretch",
    )
    row2[1].metric(
        "Returns rejected",
        summary["returns_rejected"],
        help="Load attempts refused by validation; the lead is told every problem to fix.",
        border=True,
        height="stretch",
    )
    row2[2].metric(
        "Data as of",
        page.format_timestamp(summary["latest_load"]),
        help="When the most recent return was loaded.",
        border=True,
        height="stretch",
    )

    if not periods:
        page.no_returns_yet()

    screening.headline_cards()
    page.page_link("pages/3_Screening_uptake.py", "How these are computed: Screening uptake")

    st.subheader("Champions trained to date")
    by_period = reads.champions_by_period()
    figure = champions_by_period_figure(by_period, reported=REPORTED_CHAMPIONS)
    figure.update_layout(title_text="")  # (the heading above names it, and so its data)
    page.show_chart(
        figure,
        by_period[["reporting_period", "champions_trained", "cumulative"]].rename(
            columns={
                "reporting_period": "Reporting period",
                "champions_trained": "Trained in the period",
                "cumulative": "Trained to date",
            }
        ),
        key="overview_champions",
        filename="champions_trained_to_date.csv",
        data_label="Data behind this chart: Champions trained to date",
    )

    page.page_link("pages/1_Trained_staff.py", "Trained staff in detail")

    st.subheader("Pathfinders")
    overview = reads.pathfinder_overview()
    st.dataframe(
        pathfinder_table(overview),
        hide_index=True,
        height="content",
        column_config={"Last loaded": st.column_config.DatetimeColumn(format="D MMM YYYY HH:mm")},
    )

    page.page_link("pages/2_Pathfinder_status.py", "Pathfinder status and tracker")

    st.subheader("Recent submissions")
    status = st.segmented_control(
        "Show",
        ["All", *(s.label for s in SHOWN)],
        default="All",
        required=True,
        key="overview_status",
    )
    history = reads.submission_history()
    if status != "All":
        history = history[history["status"] == SubmissionStatus.lookup(status)]
    st.caption(
        f"{len(history)} load attempts, newest first. Superseded: accepted, then replaced by a "
        "corrected return for the same quarter. Rejected: refused, nothing stored but this record."
    )
    st.dataframe(
        submission_table(history, overview),
        hide_index=True,
        height=420,
        column_config={"Loaded": st.column_config.DatetimeColumn(format="D MMM YYYY HH:mm:ss")},
    )
