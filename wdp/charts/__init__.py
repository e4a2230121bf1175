"""Chart builders: pure functions from a DataFrame to a plotly Figure (no streamlit, no SQL).

NHS identity colours; a chart never relies on colour alone (values are labelled on the chart).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

NHS_BLUE = "#005EB8"
NHS_DARK_GREY = "#425563"
NHS_TEXT = "#212B32"


def champions_figure(by_period: pd.DataFrame, *, reported: int | None = None) -> go.Figure:
    """Champions trained to date at the end of each reporting period (NHS blue)."""
    figure = go.Figure(
        go.Scatter(
            x=by_period["reporting_period"],
            y=by_period["cumulative"],
            mode="lines+markers+text",
            text=by_period["cumulative"].astype("int64"),
            textposition="top center",
            textfont={"color": NHS_TEXT, "size": 13},
            line={"color": NHS_BLUE, "width": 3},
            marker={"color": NHS_BLUE, "size": 9},
            customdata=by_period["champions_trained"],
            hovertemplate="%{x}<br>%{y} trained to date<br>%{customdata} this period"
            "<extra></extra>",
            name="Trained to date",
        )
    )
    if reported:
        figure.add_hline(
            y=reported,
            line={"color": NHS_DARK_GREY, "dash": "dash", "width": 1},
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
