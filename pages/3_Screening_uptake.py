"""Screening uptake by area: the public benchmark for every English area, and the pathfinders'
own figures, for one programme and one measure at a time. Widgets in wdp.ui.screening."""

import streamlit as st

from wdp.charts import screening as charts
from wdp.config import SYNTHETIC_LABEL
from wdp.domain import Measure, Programme
from wdp.ui import page
from wdp.ui import screening as view
from wdp.ui.data import reads
from wdp.ui.exports import download_csv

PAGE = view.PAGE

page.setup(__file__)
view.headline_cards()
programme, measure = view.programme_and_measure()
highlight = set(reads.pathfinder_areas()["lad_code"].dropna())
what = f"{Programme(programme).label} screening {Measure(measure).label.lower()}"

public, pathfinders = st.tabs(["England: every area (public data)", "Pathfinders (returns)"])
with public:
    chosen = view.public_indicator(programme, measure)
    if chosen is not None:
        indicator, year, level = chosen
        picked, name = int(indicator["indicator_id"]), indicator["indicator_name"]
        league = reads.league_table(indicator_id=picked, time_period=year, level=level)
        shown = f"{name}, {year}"
        if league.empty:
            st.info(f"No figures for {shown} at this level.")
        else:
            view.league_summary(league, shown)
            view.map_section(league, level, shown, programme, measure, highlight)
            previous = league["previous_period"].dropna()
            since = (
                f"change since {previous.iloc[0]}" if not previous.empty else "no earlier period"
            )
            st.markdown(f"**League table: {shown}** (rank 1 = highest; {since})")
            table = charts.league_table_frame(league)
            st.dataframe(table, hide_index=True, height=420)
            download_csv(table, filename=f"league_{picked}_{year}.csv", key=f"{PAGE}_league_csv")
            page.show_chart(
                charts.compare_areas_figure(
                    league, title=f"{shown}: value and 95% CI", highlight=highlight
                ),
                league,
                key=f"{PAGE}_compare",
                filename=f"compare_{picked}_{year}.csv",
            )
            page.show_chart(
                charts.funnel_figure(league, title=f"{shown}: funnel plot against England"),
                league,
                key=f"{PAGE}_funnel",
                filename=f"funnel_{picked}_{year}.csv",
                note="Limits: England's value plus or minus 1.96 and 3.09 standard errors for "
                "each denominator (normal approximation to the binomial).",
            )
            view.area_trend_section(
                picked, name, level, highlight, programme=programme, measure=measure
            )
            page.public_data_note()

with pathfinders:
    st.caption(SYNTHETIC_LABEL)
    total = reads.pathfinder_figure_count(programme=programme, measure=measure)
    figures = reads.pathfinder_figures(
        programme=programme, measure=measure, latest_only=total > view.MAX_TABLE_ROWS
    )
    if figures.empty:
        st.info(f"No pathfinder has returned {what.lower()} figures yet.")
    else:
        view.pathfinder_figures_table(figures, what=what, total=total)
        download_csv(
            figures, filename=f"pathfinder_{programme}_{measure}.csv", key=f"{PAGE}_pf_csv"
        )
    changes = charts.before_after_frame(
        reads.before_after_go_live(programme=programme, measure=measure)
    )
    if not changes.empty:
        page.show_chart(
            charts.before_after_figure(
                changes,
                title=f"{what}: change after go-live (GP practices' quarterly figures, before "
                "and after each pathfinder went live)",
            ),
            changes.drop(columns=["_lower", "_upper"]),
            key=f"{PAGE}_before_after",
            filename=f"before_after_{programme}.csv",
            note="Improved / deteriorated only when the 95% interval for the change "
            "(Newcombe's method) excludes zero. A before-and-after comparison "
            "cannot rule out other causes of change.",
        )
    if programme == "breast" and measure == "uptake":
        ranks = reads.national_rank(
            area_type="screening_service", programme="breast", measure="uptake"
        )
        if not ranks.empty:
            st.markdown(
                "**National table of breast screening services: uptake rank** "
                f"({SYNTHETIC_LABEL.lower()})"
            )
            st.dataframe(ranks, hide_index=True, height=260)
            download_csv(ranks, filename="service_uptake_ranks.csv", key=f"{PAGE}_ranks")

page.definitions(view.DEFINITIONS)
