"""Pathfinder status tables and charts: pure functions from query results to what people read.

Nothing relies on colour alone: every RAG is written out with a shape (● Green, ▲ Amber, ◆ Red)
and every tracker cell with a symbol and a word. Colours are NHS identity colours; table tints are
pale behind dark text (WCAG AA and more); chart labels are dark text on white.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from pandas.io.formats.style import Styler

from wdp.charts.styles import OVERDUE, RAG_COLOURS, RAG_TINTS, TRACKER_TINTS, tint_cells, tinted
from wdp.config import Colour
from wdp.domain import NO_RETURN, Level, MilestoneStatus, Rag, RiskStatus, Stage, TrackerStatus

TRACKER_LEGEND = (
    "✔ On time: received by the due date · ⚠ Late: received after it · ✖ Missing: not received "
    "and the due date has passed · ○ Not yet due · – not expected (before the pathfinder's first "
    "return)"
)


# ------------------------------------------------------------------------------------------------
# Where each pathfinder is
# ------------------------------------------------------------------------------------------------


def status_frame(status: pd.DataFrame) -> pd.DataFrame:
    """One row per pathfinder as at the chosen period, with names and labels (no codes alone)."""
    return pd.DataFrame(
        {
            "Pathfinder": status["pathfinder_name"],
            "Stage": status["stage"].map(Stage.label_for),
            "RAG": status["rag"].map(Rag.shown_for),
            "Milestones due this period": status["milestones_due"].astype("int64"),
            "Milestones overdue": status["milestones_overdue"].astype("int64"),
            "Last return": status["last_period"].fillna(NO_RETURN),
            "Last return loaded": status["last_loaded"],
            "Latest commentary": status["commentary"].fillna(""),
        }
    )


def status_table(status: pd.DataFrame) -> Styler:
    return tinted(status_frame(status), RAG_TINTS, ["RAG"])


def rag_figure(by_period: pd.DataFrame) -> go.Figure:
    """Pathfinders reporting each overall RAG per period: bars side by side in period order,
    each labelled with its shape and count, the legend naming each RAG, returns under each
    period."""
    order = by_period.drop_duplicates("reporting_period").sort_values("period_start")
    totals = by_period.groupby("reporting_period")["pathfinders"].sum()
    # A RAG nobody reported still gets its bar label ("◆ 0"), so a gap never reads as missing data.
    by_period = (
        by_period.set_index(["reporting_period", "rag"])["pathfinders"]
        .unstack(fill_value=0)
        .reindex(index=order["reporting_period"], columns=list(RAG_COLOURS), fill_value=0)
        .stack()
        .rename("pathfinders")
        .reset_index()
    )
    ticks = [f"{p}<br>{totals[p]} returns" for p in order["reporting_period"]]
    figure = go.Figure()
    for rag in (Rag.RED, Rag.AMBER, Rag.GREEN):
        part = by_period[by_period["rag"] == rag]
        figure.add_trace(
            go.Bar(
                x=part["reporting_period"],
                y=part["pathfinders"],
                name=rag.shown,
                # A dark outline: the warm yellow alone is too pale against white (1.8:1).
                marker={"color": RAG_COLOURS[rag], "line": {"color": Colour.TEXT, "width": 1}},
                text=[f"{rag.symbol} {n}" for n in part["pathfinders"]],
                textposition="outside",
                cliponaxis=False,
                textfont={"color": Colour.TEXT, "size": 13},
                hovertemplate="%{x}: " + rag.shown + ", %{y} pathfinders<extra></extra>",
            )
        )
    top = max([*by_period["pathfinders"].tolist(), 1])
    # Dark text throughout: Streamlit's chart theme would otherwise draw ticks in a grey that
    # falls short of 4.5:1 on white.
    dark = {"color": Colour.TEXT}
    figure.update_layout(
        barmode="group",
        xaxis={
            "title": {"text": "Reporting period", "font": dark},
            "tickfont": dark,
            "categoryorder": "array",
            "categoryarray": list(order["reporting_period"]),
            "tickvals": list(order["reporting_period"]),
            "ticktext": ticks,
        },
        yaxis={
            "title": {"text": "Pathfinders", "font": dark},
            "tickfont": dark,
            "range": [0, top * 1.2],
            "dtick": 5,
        },
        legend={"orientation": "h", "y": 1.1, "x": 0, "traceorder": "normal", "font": dark},
        margin={"t": 40, "b": 10, "l": 10, "r": 10},
        height=380,
        font=dark,
    )
    return figure


def rag_frame(by_period: pd.DataFrame) -> pd.DataFrame:
    """The chart's data as people read it."""
    return pd.DataFrame(
        {
            "Reporting period": by_period["reporting_period"],
            "RAG": by_period["rag"].map(Rag.shown_for),
            "Pathfinders": by_period["pathfinders"].astype("int64"),
        }
    )


# ------------------------------------------------------------------------------------------------
# Submission tracker
# ------------------------------------------------------------------------------------------------


def tracker_counts(tracker: pd.DataFrame, *, period: str) -> dict[str, int]:
    """For one period: returns expected and how many are in each status."""
    this = tracker[tracker["reporting_period"] == period]["status"].value_counts()
    counts = {status.value: int(this.get(status, 0)) for status in TrackerStatus}
    counts["expected"] = sum(counts[s] for s in TrackerStatus if s.is_expected)
    counts["received"] = sum(counts[s] for s in TrackerStatus if s.is_received)
    return counts


def tracker_grid(tracker: pd.DataFrame) -> Styler:
    """Pathfinders down, periods across, each cell a symbol and a word."""
    periods = tracker.drop_duplicates("reporting_period").sort_values("period_start")
    names = tracker["pathfinder_name"].drop_duplicates()
    grid = (
        tracker.assign(cell=tracker["status"].map(TrackerStatus.shown_for))
        .pivot(index="pathfinder_name", columns="reporting_period", values="cell")
        .reindex(index=names, columns=periods["reporting_period"])
        .rename_axis(index="Pathfinder", columns=None)
        .reset_index()
    )
    return tinted(grid, TRACKER_TINTS, periods["reporting_period"])


def chase_list(tracker: pd.DataFrame) -> pd.DataFrame:
    """Returns still to come in (missing first, oldest first), with whom to contact."""
    outstanding = tracker[tracker["status"].map(lambda s: TrackerStatus(s).is_outstanding)]
    outstanding = outstanding.assign(
        order=outstanding["status"].map({TrackerStatus.MISSING: 0, TrackerStatus.NOT_YET_DUE: 1})
    ).sort_values(["order", "period_start", "pathfinder_name"])
    return pd.DataFrame(
        {
            "Pathfinder": outstanding["pathfinder_name"],
            "Pathfinder code": outstanding["pathfinder_code"],
            "Period": outstanding["reporting_period"],
            "Status": outstanding["status"].map(TrackerStatus.label_for),
            "Due date": outstanding["due_date"],
            "Contact email": outstanding["contact_email"],
            "Organisation": outstanding["organisation"],
        }
    )


# ------------------------------------------------------------------------------------------------
# Milestones and risks
# ------------------------------------------------------------------------------------------------


def milestone_table(milestones: pd.DataFrame) -> Styler:
    table = pd.DataFrame(
        {
            "Pathfinder": milestones["pathfinder_name"],
            "Milestone": milestones["milestone"],
            "Due date": milestones["due_date"].dt.date,
            "Status": milestones["status"].map(MilestoneStatus.label_for),
            "Overdue": milestones["overdue"].map({True: OVERDUE, False: ""}),
            "RAG": milestones["rag"].map(Rag.shown_for),
            "Commentary": milestones["commentary"].fillna(""),
            "From return": milestones["from_period"],
        }
    )
    return tinted(table, RAG_TINTS, ["RAG"]).map(
        tint_cells({OVERDUE: RAG_TINTS[Rag.RED]}), subset=["Overdue"]
    )


def risk_table(risks: pd.DataFrame) -> Styler:
    table = pd.DataFrame(
        {
            "Pathfinder": risks["pathfinder_name"],
            "Risk": risks["risk"],
            "Likelihood": risks["likelihood"].map(Level.label_for),
            "Impact": risks["impact"].map(Level.label_for),
            "RAG": risks["rag"].map(Rag.shown_for),
            "Mitigation": risks["mitigation"].fillna(""),
            "Status": risks["status"].map(RiskStatus.label_for),
            "From return": risks["from_period"],
        }
    )
    return tinted(table, RAG_TINTS, ["RAG"])
