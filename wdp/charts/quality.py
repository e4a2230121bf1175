"""Data quality: completeness, timeliness and rejections per pathfinder, and over time."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from wdp.config import Colour
from wdp.domain import TrackerStatus


def quality_table(tracker: pd.DataFrame, attempts: pd.DataFrame) -> pd.DataFrame:
    """Per pathfinder: completeness, timeliness and the share of attempts rejected."""
    # Counted once its due date has passed: a return not yet due is neither complete nor late.
    due = {s.value for s in TrackerStatus if s.is_expected and s is not TrackerStatus.NOT_YET_DUE}
    counted = tracker[tracker["status"].isin(due)]
    grouped = counted.groupby("pathfinder_code")["status"]
    expected = grouped.size()
    received = grouped.apply(lambda s: s.map(lambda c: TrackerStatus(c).is_received).sum())
    on_time = grouped.apply(lambda s: (s == TrackerStatus.ON_TIME).sum())
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
    # The pattern on the second bar: the two are told apart without colour.
    for column, name, colour, pattern in (
        ("attempts", "Attempts", Colour.BLUE, ""),
        ("rejected", "Rejected", Colour.ORANGE, "/"),
    ):
        figure.add_trace(
            go.Bar(
                x=over_time["reporting_period"],
                y=over_time[column],
                name=name,
                marker_color=colour,
                marker_pattern_shape=pattern,
                text=over_time[column],
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
