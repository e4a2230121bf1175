"""Campaign activity: tables as people read them and one-measure charts drawn from them.

Pure functions (no streamlit, no SQL). Posts, reach, engagements, Messenger enquiries and
appointments booked are different measures of campaign OUTPUT: a chart shows exactly one of them
(chosen by the caller), its name in the title and on the axis, every bar labelled with its value.
A count nobody returned is drawn as no bar and labelled "not returned", never as 0.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from wdp.charts.training import NOT_GIVEN, horizontal_bar_figure, month_bar_figure, month_label
from wdp.config import Colour
from wdp.domain import Channel

# Query column -> what people read. The order is the order measures are offered in.
MEASURES: dict[str, str] = {
    "posts": "Posts",
    "reach": "Reach",
    "engagements": "Engagements",
    "messenger_enquiries": "Messenger enquiries",
    "appointments_booked": "Appointments booked",
}
# Axis titles that say what is counted (reach is summed over posts and months: not people).
AXIS_TITLES: dict[str, str] = {
    "posts": "Posts and messages published",
    "reach": "Reach (summed over posts and months)",
    "engagements": "Engagements (reactions, comments, shares, clicks)",
    "messenger_enquiries": "Messenger enquiries received",
    "appointments_booked": "Appointments booked (where known)",
}
# One NHS palette colour per measure, so small multiples read apart (the title names it too).
COLOURS: dict[str, str] = {
    "posts": Colour.BLUE,  # NHS Blue
    "reach": Colour.DARK_BLUE,  # NHS Dark Blue
    "engagements": Colour.BRIGHT_BLUE,  # NHS Bright Blue
    "messenger_enquiries": Colour.PURPLE,  # NHS Purple
    "appointments_booked": Colour.DARK_GREEN,  # NHS Dark Green
}


def _counts(frame: pd.DataFrame) -> dict[str, pd.Series]:
    return {label: frame[column].astype("Int64") for column, label in MEASURES.items()}


def pathfinder_activity_table(by_pathfinder: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Pathfinder": by_pathfinder["pathfinder_name"],
            **_counts(by_pathfinder),
            "Rows returned": by_pathfinder["rows_returned"].astype("int64"),
        }
    )


def month_activity_table(by_month: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Month": month_label(by_month["month"]),
            **_counts(by_month),
            "Pathfinders returning": by_month["pathfinders"].astype("int64"),
        }
    )


def top_posts_table(posts: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Month": month_label(posts["month"]),
            "Post": posts["post_title"],
            "Posted by": posts["posted_by"],
            "Pathfinder": posts["pathfinder_name"],
            **{
                label: posts[column].astype("Int64")
                for column, label in MEASURES.items()
                if column != "posts"
            },
            "Channel": posts["channel"].map(lambda c: Channel.label_for(c, NOT_GIVEN)),
        }
    )


def activity_by_pathfinder_figure(table: pd.DataFrame, *, measure: str, title: str) -> go.Figure:
    """One measure per pathfinder, highest first (``table`` from ``pathfinder_activity_table``)."""
    label = MEASURES[measure]
    ordered = table.sort_values(label, ascending=False, na_position="last", kind="stable")
    return horizontal_bar_figure(
        ordered,
        category="Pathfinder",
        value=label,
        title=title,
        axis_title=AXIS_TITLES[measure],
        colour=COLOURS[measure],
    )


def activity_by_month_figure(table: pd.DataFrame, *, measure: str, title: str) -> go.Figure:
    """One measure per month, oldest first (``table`` from ``month_activity_table``)."""
    return month_bar_figure(
        table,
        value=MEASURES[measure],
        title=title,
        axis_title=AXIS_TITLES[measure],
        colour=COLOURS[measure],
    )


def totals(table: pd.DataFrame) -> dict[str, float | None]:
    """Each measure's total over the table's rows (None when nobody returned that count)."""
    return {
        label: (None if table[label].isna().all() else float(table[label].sum()))
        for label in MEASURES.values()
    }
