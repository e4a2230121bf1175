"""Trained staff: tables as people read them and the charts drawn from those tables.

Pure functions (no streamlit, no SQL). Each ``*_table`` turns a query result into the columns a
person reads (names and labels, never codes alone); each ``*_figure`` draws one of those tables,
so the chart and its downloadable data are the same figures. One measure per chart; every bar and
point carries its value as text, so colour is never the only cue.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from wdp.config import Colour
from wdp.domain import Course, StaffRole

CHAMPIONS = "Champions trained"
NOT_GIVEN = "Not given"  # a blank code in a return
BAR_ROW_PX = 26  # height per bar in a horizontal bar chart
FONT = {"family": "Arial, Helvetica, sans-serif", "color": Colour.TEXT}


def month_label(months: pd.Series) -> pd.Series:
    return pd.to_datetime(months).dt.strftime("%b %Y")


def _share(counts: pd.Series) -> pd.Series:
    total = counts.sum()
    return (100 * counts / total).round(1) if total else counts * 0.0


# --------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------


def month_table(by_month: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Month": month_label(by_month["month"]),
            "Trained in the month": by_month["champions_trained"].astype("int64"),
            "Trained to date": by_month["cumulative"].astype("int64"),
        }
    )


def pathfinder_table(by_pathfinder: pd.DataFrame) -> pd.DataFrame:
    counts = by_pathfinder["champions_trained"].astype("int64")
    return pd.DataFrame(
        {
            "Pathfinder": by_pathfinder["pathfinder_name"],
            CHAMPIONS: counts,
            "GP practices with champions": by_pathfinder["practices"].astype("int64"),
            "Share of champions (%)": _share(counts),
        }
    )


def role_table(by_role: pd.DataFrame) -> pd.DataFrame:
    counts = by_role["champions_trained"].astype("int64")
    return pd.DataFrame(
        {
            "Staff role": by_role["staff_role"].map(lambda c: StaffRole.label_for(c, NOT_GIVEN)),
            CHAMPIONS: counts,
            "Share of champions (%)": _share(counts),
        }
    )


def practice_table(by_practice: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "GP practice": by_practice["practice_name"],
            "ODS code": by_practice["practice_code"],
            "Pathfinder": by_practice["pathfinder_name"],
            CHAMPIONS: by_practice["champions_trained"].astype("int64"),
        }
    )


def records_table(records: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Month": month_label(records["month"]),
            "Pathfinder": records["pathfinder_name"],
            "GP practice": records["practice_name"],
            "Staff role": records["staff_role"].map(lambda c: StaffRole.label_for(c, NOT_GIVEN)),
            "Course": records["course"].map(lambda c: Course.label_for(c, NOT_GIVEN)),
            CHAMPIONS: records["champions_trained"].astype("int64"),
            "ODS code": records["practice_code"],
            "Reporting period": records["reporting_period"],
        }
    )


# --------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------


def _layout(figure: go.Figure, *, title: str, height: int) -> go.Figure:
    figure.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 16}},
        font=FONT,
        height=height,
        showlegend=False,
        plot_bgcolor=Colour.WHITE,
        margin={"t": 80, "b": 10, "l": 10, "r": 30},
    )
    return figure


def format_count(value: float | None) -> str:
    return "not returned" if value is None or pd.isna(value) else f"{value:,.0f}"


def compact_count(value: float | None) -> str:
    """A short label for a narrow bar (1.5m, 217k); the exact figure is in the hover and table."""
    if value is None or pd.isna(value):
        return "not returned"
    if value >= 1_000_000:
        return f"{value / 1_000_000:.1f}m"
    if value >= 10_000:
        return f"{value / 1_000:.0f}k"
    return f"{value:,.0f}"


def horizontal_bar_figure(
    table: pd.DataFrame,
    *,
    category: str,
    value: str,
    title: str,
    axis_title: str,
    colour: str = Colour.BLUE,
    hover: str | None = None,
) -> go.Figure:
    """One bar per row, the table's first row on top, each bar labelled with its value."""
    values = table[value]
    figure = go.Figure(
        go.Bar(
            x=values.fillna(0),
            y=table[category],
            orientation="h",
            marker={"color": colour},
            text=[format_count(v) for v in values],
            textposition="outside",
            cliponaxis=False,
            textfont={"color": Colour.TEXT, "size": 12},
            customdata=table[hover] if hover else None,
            hovertemplate="%{y}"
            + (f"<br>{hover}: %{{customdata}}" if hover else "")
            + f"<br>{axis_title}: %{{x:,}}<extra></extra>",
        )
    )
    top = float(values.max()) if values.notna().any() else 0.0
    figure.update_xaxes(
        title=axis_title, range=[0, max(top, 1) * 1.18], gridcolor=Colour.LIGHT_GREY, tickformat=","
    )
    figure.update_yaxes(autorange="reversed", automargin=True, title=None)
    return _layout(figure, title=title, height=max(170, BAR_ROW_PX * len(table) + 130))


def month_bar_figure(
    table: pd.DataFrame, *, value: str, title: str, axis_title: str, colour: str = Colour.BLUE
) -> go.Figure:
    """One bar per month (the table's ``Month`` column, oldest first), labelled with its value."""
    values = table[value]
    figure = go.Figure(
        go.Bar(
            x=table["Month"],
            y=values.fillna(0),
            marker={"color": colour},
            text=[compact_count(v) for v in values],
            textposition="outside",
            cliponaxis=False,
            textfont={"color": Colour.TEXT, "size": 12},
            hovertemplate=f"%{{x}}<br>{axis_title}: %{{y:,}}<extra></extra>",
        )
    )
    top = float(values.max()) if values.notna().any() else 0.0
    figure.update_yaxes(
        title=axis_title, range=[0, max(top, 1) * 1.18], gridcolor=Colour.LIGHT_GREY, tickformat=","
    )
    figure.update_xaxes(title=None, type="category", tickangle=-45 if len(table) > 6 else 0)
    return _layout(figure, title=title, height=400)


def _to_date_figure(
    x: pd.Series, to_date: pd.Series, each: pd.Series, *, each_words: str, reported: int | None
) -> tuple[go.Figure, float]:
    """Champions trained to date, labelled at every point, with those trained in each step on
    hover, and the number the programme reports dashed (a reference, not a target); and the
    top of the y axis that shows them all."""
    figure = go.Figure(
        go.Scatter(
            x=x,
            y=to_date,
            mode="lines+markers+text",
            text=to_date.astype("int64"),
            textposition="top center",
            textfont={"color": Colour.TEXT, "size": 12},
            line={"color": Colour.BLUE, "width": 3},
            marker={"color": Colour.BLUE, "size": 8},
            customdata=each,
            hovertemplate="%{x}<br>%{y} trained to date<br>%{customdata} "
            + each_words
            + "<extra></extra>",
            name="Trained to date",
        )
    )
    if reported:
        figure.add_hline(
            y=reported,
            line={"color": Colour.DARK_GREY, "dash": "dash", "width": 1.5},
            layer="below",  # the points' value labels stay readable where they meet the line
            annotation_text=f"~{reported} reported by the programme (no target set)",
            annotation_position="top left",
            annotation_font={"color": Colour.DARK_GREY},
        )
    return figure, max([reported or 0, *to_date.tolist(), 1]) * 1.15


def champions_by_period_figure(
    by_period: pd.DataFrame, *, reported: int | None = None
) -> go.Figure:
    """Champions trained to date at the end of each reporting period (the Overview's chart)."""
    figure, top = _to_date_figure(
        by_period["reporting_period"],
        by_period["cumulative"],
        by_period["champions_trained"],
        each_words="this period",
        reported=reported,
    )
    figure.update_layout(
        xaxis_title="Reporting period",
        yaxis_title="Champions trained to date",
        yaxis_range=[0, top],
        showlegend=False,
        margin={"t": 30, "b": 10, "l": 10, "r": 10},
        height=360,
    )
    return figure


def cumulative_champions_figure(
    months: pd.DataFrame, *, title: str, reported: int | None = None
) -> go.Figure:
    """Champions trained to date at the end of each month, for the Trained staff page."""
    figure, top = _to_date_figure(
        months["Month"],
        months["Trained to date"],
        months["Trained in the month"],
        each_words="in the month",
        reported=reported,
    )
    figure.update_xaxes(title=None, type="category")
    figure.update_yaxes(
        title="Champions trained to date", range=[0, top], gridcolor=Colour.LIGHT_GREY
    )
    return _layout(figure, title=title, height=400)


TOP_PRACTICES = 20


def champions_by_month_figure(months: pd.DataFrame, *, title: str) -> go.Figure:
    """Champions trained in each month (``months`` from ``month_table``)."""
    return month_bar_figure(
        months, value="Trained in the month", title=title, axis_title="Champions trained"
    )


def champions_by_role_figure(by_role: pd.DataFrame, *, title: str) -> go.Figure:
    """Champions per staff role, most first (``by_role`` from ``role_table``)."""
    return horizontal_bar_figure(
        by_role, category="Staff role", value=CHAMPIONS, title=title, axis_title=CHAMPIONS
    )


def champions_by_pathfinder_figure(by_pathfinder: pd.DataFrame, *, title: str) -> go.Figure:
    """Champions per pathfinder, most first (``by_pathfinder`` from ``pathfinder_table``)."""
    return horizontal_bar_figure(
        by_pathfinder,
        category="Pathfinder",
        value=CHAMPIONS,
        title=title,
        axis_title=CHAMPIONS,
        hover="GP practices with champions",
    )


def champions_by_practice_figure(
    by_practice: pd.DataFrame, *, title: str, top: int = TOP_PRACTICES
) -> go.Figure:
    """The ``top`` practices with most champions, each named with its pathfinder
    (``by_practice`` from ``practice_table``, most first)."""
    shown = by_practice.head(top)
    names = shown["GP practice"] + " (" + shown["Pathfinder"].fillna("no pathfinder") + ")"
    # Two practices of the same name in one pathfinder would share a bar: tell them apart.
    names = names.where(~names.duplicated(keep=False), names + " " + shown["ODS code"].fillna(""))
    return horizontal_bar_figure(
        shown.assign(Practice=names),
        category="Practice",
        value=CHAMPIONS,
        title=title,
        axis_title=CHAMPIONS,
        hover="ODS code",
    )
