"""Chart builders: pure functions from a DataFrame to a plotly Figure (no streamlit, no SQL).

NHS identity colours; a chart never relies on colour alone (values are labelled on the chart).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from wdp.config import Colour


def champions_figure(by_period: pd.DataFrame, *, reported: int | None = None) -> go.Figure:
    """Champions trained to date at the end of each reporting period (NHS blue)."""
    figure = go.Figure(
        go.Scatter(
            x=by_period["reporting_period"],
            y=by_period["cumulative"],
            mode="lines+markers+text",
            text=by_period["cumulative"].astype("int64"),
            textposition="top center",
            textfont={"color": Colour.TEXT, "size": 13},
            line={"color": Colour.BLUE, "width": 3},
            marker={"color": Colour.BLUE, "size": 9},
            customdata=by_period["champions_trained"],
            hovertemplate="%{x}<br>%{y} trained to date<br>%{customdata} this period"
            "<extra></extra>",
            name="Trained to date",
        )
    )
    if reported:
        figure.add_hline(
            y=reported,
            line={"color": Colour.DARK_GREY, "dash": "dash", "width": 1},
            annotation_text=f"~{reported} reported by the programme",
            annotation_position="top left",
        )
    top = max([reported or 0, *by_period["cumulative"].tolist(), 1])
    figure.update_layout(
        xaxis_title="Reporting period",
        yaxis_title="Champions trained to date",
        yaxis_range=[0, top * 1.15],
        showlegend=False,
        margin={"t": 30, "b": 10, "l": 10, "r": 10},
        height=360,
    )
    return figure


def quality_table(tracker: pd.DataFrame, attempts: pd.DataFrame) -> pd.DataFrame:
    """Per pathfinder: completeness, timeliness and the share of attempts rejected."""
    counted = tracker[~tracker["status"].isin(["not_expected", "not_yet_due"])]
    grouped = counted.groupby("pathfinder_code")["status"]
    expected = grouped.size()
    received = grouped.apply(lambda s: s.isin(["on_time", "late"]).sum())
    on_time = grouped.apply(lambda s: (s == "on_time").sum())
    frame = attempts.set_index("pathfinder_code")
    return pd.DataFrame(
        {
            "Pathfinder": frame["pathfinder_name"],
            "Returns expected": expected.reindex(frame.index).fillna(0).astype("int64"),
            "Received": received.reindex(frame.index).fillna(0).astype("int64"),
            "Complete (%)": (100 * received / expected).reindex(frame.index).round(0),
            "On time (%)": (100 * on_time / received).reindex(frame.index).round(0),
            "Attempts": frame["attempts"].astype("int64"),
            "Rejected": frame["rejected"].astype("int64"),
            "Rejected share (%)": (100 * frame["rejected_share"]).round(0),
        }
    ).reset_index(drop=True)


def quality_over_time_figure(over_time: pd.DataFrame) -> go.Figure:
    """Load attempts and rejections per reporting period (counts, labelled)."""
    figure = go.Figure()
    figure.add_trace(
        go.Bar(
            x=over_time["reporting_period"],
            y=over_time["attempts"],
            name="Attempts",
            marker_color=Colour.BLUE,
            text=over_time["attempts"],
            textposition="outside",
        )
    )
    figure.add_trace(
        go.Bar(
            x=over_time["reporting_period"],
            y=over_time["rejected"],
            name="Rejected",
            marker_color=Colour.ORANGE,
            marker_pattern_shape="/",
            text=over_time["rejected"],
            textposition="outside",
        )
    )
    figure.update_layout(
        title="Returns sent and rejected, by reporting period",
        barmode="group",
        yaxis_title="Load attempts",
        height=360,
        legend={"orientation": "h", "y": -0.2},
        margin={"t": 60, "l": 10, "r": 10, "b": 10},
    )
    return figure
