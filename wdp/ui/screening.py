"""The Screening uptake page's widgets: its filters, the headline cards, the map, an area's
trend, the Making Data Count badges (the page lays them out).

Two kinds of data, always labelled: **public** screening figures for every English area (OHID
Fingertips, real, OGL) as the national benchmark, and **pathfinder** figures from returns
(synthetic in the sample programme). One measure per chart, always named with its period.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from wdp import geo
from wdp.charts import screening as charts
from wdp.config import GEOGRAPHY_ATTRIBUTION, SYNTHETIC_LABEL, Colour
from wdp.domain import Measure, Programme
from wdp.headlines import headline_figures
from wdp.spc import xmr
from wdp.ui import filters
from wdp.ui.data import cached_figure, computed, reads
from wdp.ui.page import show_chart

PAGE = "screening"
LEVELS = {
    "district_ua": "Local authorities (districts and unitaries)",
    "county_ua": "Upper tier (counties and unitaries)",
    "region": "Regions",
}


@st.cache_resource(show_spinner=False)
def _hexes() -> pd.DataFrame:
    return geo.read_hexmap()


def programme_and_measure() -> tuple[str, str]:
    """The programme and measure every chart on the page shows (never two measures at once)."""
    programme = filters.select_member("programme", Programme, Programme.CERVICAL, page=PAGE)
    measure = filters.select_member("measure", Measure, Measure.COVERAGE, page=PAGE)
    return programme, measure


def headline_cards() -> None:
    """The programme's reported results, computed, each with its measure named."""
    found = computed(headline_figures)
    if not found:
        return
    st.subheader("Headline results")
    columns = st.columns(len(found))
    for column, headline in zip(columns, found, strict=True):
        with column.container(border=True, height="stretch"):
            st.markdown(f"**{headline.title}**")
            st.metric(headline.measure.capitalize(), headline.value)
            st.caption(headline.detail)
    st.caption(
        f"Computed from the pathfinder returns and the national service table. {SYNTHETIC_LABEL}."
    )


def _indicator_label(row: pd.Series) -> str:
    return f"{row['indicator_name']} ({row['indicator_id']})"


def public_indicator(programme: str, measure: str) -> tuple[pd.Series, str, str] | None:
    """The public indicator, year and level of areas to show (sidebar and radio), the most
    recent data first; None, with a sentence saying how to import some, when none is loaded."""
    indicators = reads.public_indicators()
    chosen = indicators[(indicators["programme"] == programme) & (indicators["measure"] == measure)]
    if chosen.empty:
        st.info(
            f"No public {Programme(programme).label.lower()} screening "
            f"{Measure(measure).label.lower()} data is loaded. Import an OHID Fingertips "
            "export with `python -m etl import-fingertips FILE.csv`."
        )
        return None
    chosen = chosen.sort_values("last_period", ascending=False)
    ids = [str(i) for i in chosen["indicator_id"]]
    picked = filters.select(
        "indicator",
        ids,
        allow_all=False,
        page=PAGE,
        labels={str(r["indicator_id"]): _indicator_label(r) for _, r in chosen.iterrows()},
    )
    indicator = chosen[chosen["indicator_id"] == int(picked)].iloc[0]
    years = [str(y) for y in indicator["periods"]]
    year = filters.select("year", years, allow_all=False, default=years[-1], page=PAGE)
    level = st.radio(
        "Areas", list(LEVELS), format_func=LEVELS.get, horizontal=True, key=f"{PAGE}_level"
    )
    return indicator, year, level


def league_summary(league: pd.DataFrame, what: str) -> None:
    """How many areas, England's value, and how many are better, similar and worse."""
    judged = league["compared_to_england"].value_counts()
    st.markdown(
        f"**{what}**: {len(league)} areas; England {league['england_value'].iloc[0]:.1f}%. "
        f"{judged.get('better', 0)} better, {judged.get('similar', 0)} similar and "
        f"{judged.get('worse', 0)} worse than England (95% confidence intervals)."
    )


def pathfinder_figures_table(figures: pd.DataFrame, *, what: str, total: int) -> None:
    """The pathfinders' own figures with a 95% CI column (at national scale: each pathfinder's
    latest period only, and said so)."""
    shown = figures.assign(
        **{
            "95% CI": [
                f"{lo:.1f} – {hi:.1f}"
                for lo, hi in zip(figures["lower_95"], figures["upper_95"], strict=True)
            ]
        }
    )
    st.markdown(f"**{what}: figures in the current returns** ({len(figures):,} rows)")
    if total > len(figures):
        st.caption(
            f"The current returns hold {total:,} figures; shown (and downloaded) here is "
            "each pathfinder's latest period. An area's trend over time is on the public tab."
        )
    columns = ["pathfinder_name", "area_name", "period_start", "period_end", "numerator"]
    columns += ["denominator", "value", "95% CI"]
    st.dataframe(shown[columns], hide_index=True, height=320)


MAP_KINDS = {"boundaries": "Boundaries (ONS)", "hex": "Hex map (equal areas)"}


def map_section(
    league: pd.DataFrame, level: str, what: str, programme: str, measure: str, highlight: set[str]
) -> None:
    """The map: ONS boundaries, or a hex map for local authorities; by England or standard."""
    kinds = list(MAP_KINDS) if level == "district_ua" else ["boundaries"]
    kind = st.radio(
        "Map", kinds, format_func=MAP_KINDS.get, horizontal=True, key=f"{PAGE}_map_kind"
    )
    acceptable, achievable = standard_levels(programme, measure)
    by_standard = acceptable is not None and st.toggle(
        f"Colour by the national standard ({acceptable:g}% acceptable) instead of by "
        "comparison with England",
        key=f"{PAGE}_by_standard",
    )
    standard = (acceptable, achievable) if by_standard else None
    title = f"{what}: " + (
        "against the national standard" if by_standard else "compared with England"
    )
    codes = reads.current_codes()
    # The key names everything the map shows: its kind, areas, title, colouring, highlighted
    # areas and the values themselves.
    key = (
        "map",
        kind,
        level,
        title,
        standard,
        tuple(sorted(highlight)),
        tuple(league["area_code"]),
        tuple(league["value"].round(6).fillna(-1)),
    )
    if kind == "hex":
        figure = cached_figure(
            key,
            lambda: charts.hex_map_figure(
                _hexes(),
                league,
                highlight=highlight,
                title=title,
                standard=standard,
                code_map=codes,
            ),
        )
        note = "Hex map: every local authority is one equal hexagon (layout © Open "
        note += "Innovations, MIT licence). Heavy outline: a pathfinder's area."
    else:
        figure = cached_figure(
            key,
            lambda: charts.choropleth_figure(
                geo.read_boundaries(level),
                league,
                title=title,
                standard=standard,
                highlight=highlight,
                code_map=codes,
            ),
        )
        drawn = {codes.get(c, c) for c in geo.boundary_codes(level)}
        missing = set(league["current_area_code"]) - drawn
        note = f"{GEOGRAPHY_ATTRIBUTION} Heavy outline: a pathfinder's area." + (
            f" {len(missing)} areas with codes no longer in use are not drawn." if missing else ""
        )
    show_chart(
        figure, charts.league_table_frame(league), key=f"{PAGE}_map", filename="map.csv", note=note
    )


def area_trend_section(
    indicator_id: int,
    name: str,
    level: str,
    highlight: set[str],
    *,
    programme: str,
    measure: str,
) -> None:
    """One area's trend (a pathfinder's area first by default)."""
    choices = reads.area_choices(indicator_id=indicator_id, level=level)
    if choices.empty:
        return
    names = dict(zip(choices["area_code"], choices["area_name"], strict=True))
    default = next((c for c in choices["area_code"] if c in highlight), None)
    area = filters.select(
        "area", list(names), labels=names, allow_all=False, default=default, page=PAGE
    )
    trend = reads.area_trend(indicator_id=indicator_id, area_code=area)
    if trend.empty:
        st.info(f"No figures over time for {names[area]}.")
        return
    span = f"{trend['time_period'].iloc[0]} to {trend['time_period'].iloc[-1]}"
    st.markdown(f"**{names[area]}: {name}, {span}**")
    target = acceptable_standard(programme, measure)
    result = xmr(trend["value"].tolist(), target=target)
    badges(result)
    spc_tab, england_tab = st.tabs(["Process control (Making Data Count)", "Against England"])
    with spc_tab:
        show_chart(
            charts.spc_figure(
                trend["time_period"],
                result,
                title=f"{names[area]}: {name}, {span} (XmR chart)",
                target=target,
                target_label="Acceptable standard",
            ),
            result.to_frame().assign(time_period=trend["time_period"].values),
            key=f"{PAGE}_spc",
            filename=f"spc_{indicator_id}_{area}.csv",
        )
    with england_tab:
        show_chart(
            charts.trend_figure(
                trend, title=f"{names[area]} and England: {name}, {span}", area_name=names[area]
            ),
            trend,
            key=f"{PAGE}_trend",
            filename=f"trend_{indicator_id}_{area}.csv",
        )


def standard_levels(programme: str, measure: str) -> tuple[float | None, float | None]:
    """The latest acceptable and achievable standards for a programme and measure (percent)."""
    rows = reads.standards(programme=programme, measure=measure)
    found = []
    for level in ("acceptable", "achievable"):
        matching = rows[rows["level"] == level]
        found.append(float(matching["threshold"].iloc[-1]) if not matching.empty else None)
    return found[0], found[1]


def acceptable_standard(programme: str, measure: str) -> float | None:
    return standard_levels(programme, measure)[0]


BADGE_COLOURS = {Colour.BLUE: "blue", Colour.ORANGE: "orange", Colour.MID_GREY: "gray"}


def badges(result) -> None:
    """The Making Data Count icons as words, symbols and colour (never colour alone)."""
    parts = []
    for key, table, kind in (
        (result.variation, charts.VARIATION_BADGES, "Variation"),
        (result.assurance, charts.ASSURANCE_BADGES, "Assurance"),
    ):
        if key:
            symbol, text, colour = table[key]
            parts.append(f":{BADGE_COLOURS[colour]}-background[{symbol} {kind}: {text}]")
    if parts:
        st.markdown(" ".join(parts))
    st.caption(result.summary)


# Past a few thousand figures (a national roll-out: ~280,000) the table, the download and the
# browser would crawl: the page shows each pathfinder's latest period instead, and says so.
MAX_TABLE_ROWS = 5_000

DEFINITIONS = {
    "Coverage": "people screened within the look-back period / all eligible people (breast: "
    "women 53-70, last 36 months; cervical: 25-49 within 3.5 years, 50-64 within 5.5 years; "
    "bowel: 60-74 within 30 months).",
    "Uptake": "people invited in a period who were screened within 6 months of invitation / "
    "people invited.",
    "First-time attendance": "first-invitation attendances, compared between screening cycles.",
    "Rank": "position among all areas or services for one measure and period (1 = highest).",
    "95% confidence interval": "Wilson score interval computed from the count and denominator, "
    "as OHID Fingertips does; checked against the published limits on every import.",
    "Better / Similar / Worse than England": "the area's 95% interval lies wholly above / "
    "overlaps / lies wholly below England's value (for screening, higher is better).",
    "Sources": "public figures: OHID Fingertips and PHE (Open Government Licence v3.0); "
    "pathfinder figures: the pathfinders' quarterly returns (the current return counts).",
}
