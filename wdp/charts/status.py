"""Pathfinder status tables and charts: pure functions from query results to what people read.

Nothing relies on colour alone: every RAG is written out with a shape (● Green, ▲ Amber, ◆ Red)
and every tracker cell with a symbol and a word. Colours are NHS identity colours; table tints are
pale behind dark text (WCAG AA and more); chart labels are dark text on white.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import plotly.graph_objects as go
from pandas.io.formats.style import Styler

from etl.models import Level, MilestoneStatus, Rag, RiskStatus, Stage
from wdp.charts import NHS_TEXT
from wdp.db.status import LATE, MISSING, NOT_EXPECTED, NOT_YET_DUE, ON_TIME

NO_RETURN = "No return yet"

# rag code -> (shape, NHS colour for chart bars, pale tint behind dark table text). Chart labels
# are dark text on white above the bars, never text on the colour.
RAG_STYLES: dict[str, tuple[str, str, str]] = {
    "red": ("◆", "#DA291C", "#F7D4D1"),
    "amber": ("▲", "#FFB81C", "#FFE9C2"),
    "green": ("●", "#007F3B", "#CCEBD7"),
}

# tracker status -> (symbol and word shown in a cell, pale tint)
TRACKER_STYLES: dict[str, tuple[str, str]] = {
    ON_TIME: ("✔ On time", "#CCEBD7"),
    LATE: ("⚠ Late", "#FFE9C2"),
    MISSING: ("✖ Missing", "#F7D4D1"),
    NOT_YET_DUE: ("○ Not yet due", "#E8EDEE"),
    NOT_EXPECTED: ("–", ""),
}
TRACKER_LEGEND = (
    "✔ On time: received by the due date · ⚠ Late: received after it · ✖ Missing: not received "
    "and the due date has passed · ○ Not yet due · – not expected (before the pathfinder's first "
    "return)"
)
# What is still to come in: the chase list.
OUTSTANDING = (MISSING, NOT_YET_DUE)


def rag_label(code: object) -> str:
    """'▲ Amber' for 'amber'; 'No return yet' when there is no RAG."""
    member = Rag.lookup(code) if isinstance(code, str) else None
    if member is None:
        return NO_RETURN
    return f"{RAG_STYLES[member.value][0]} {member.label}"


def _label(enum: type, code: object) -> str:
    member = enum.lookup(code) if isinstance(code, str) else None
    return member.label if member else NO_RETURN


def tracker_label(code: str) -> str:
    return TRACKER_STYLES[code][0]


def _tint(tints: dict[str, str]) -> Callable[[object], str]:
    return lambda value: f"background-color: {tints[value]}" if tints.get(value) else ""


RAG_TINTS = {rag_label(code): style[2] for code, style in RAG_STYLES.items()}
TRACKER_TINTS = dict(TRACKER_STYLES.values())


# ------------------------------------------------------------------------------------------------
# Where each pathfinder is
# ------------------------------------------------------------------------------------------------


def status_frame(status: pd.DataFrame) -> pd.DataFrame:
    """One row per pathfinder as at the chosen period, with names and labels (no codes alone)."""
    return pd.DataFrame(
        {
            "Pathfinder": status["pathfinder_name"],
            "Stage": status["stage"].map(lambda c: _label(Stage, c)),
            "RAG": status["rag"].map(rag_label),
            "Milestones due this period": status["milestones_due"].astype("int64"),
            "Milestones overdue": status["milestones_overdue"].astype("int64"),
            "Last return": status["last_period"].fillna(NO_RETURN),
            "Last return loaded": status["last_loaded"],
            "Latest commentary": status["commentary"].fillna(""),
        }
    )


def status_table(status: pd.DataFrame) -> Styler:
    return status_frame(status).style.map(_tint(RAG_TINTS), subset=["RAG"])


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
        .reindex(index=order["reporting_period"], columns=list(RAG_STYLES), fill_value=0)
        .stack()
        .rename("pathfinders")
        .reset_index()
    )
    ticks = [f"{p}<br>{totals[p]} returns" for p in order["reporting_period"]]
    figure = go.Figure()
    for code in ("red", "amber", "green"):
        shape, colour, _ = RAG_STYLES[code]
        part = by_period[by_period["rag"] == code]
        figure.add_trace(
            go.Bar(
                x=part["reporting_period"],
                y=part["pathfinders"],
                name=rag_label(code),
                # A dark outline: the warm yellow alone is too pale against white (1.8:1).
                marker={"color": colour, "line": {"color": NHS_TEXT, "width": 1}},
                text=[f"{shape} {n}" for n in part["pathfinders"]],
                textposition="outside",
                cliponaxis=False,
                textfont={"color": NHS_TEXT, "size": 13},
                hovertemplate="%{x}: %{y} pathfinders " + Rag(code).label + "<extra></extra>",
            )
        )
    top = max([*by_period["pathfinders"].tolist(), 1])
    # Dark text throughout: Streamlit's chart theme would otherwise draw ticks in a grey that
    # falls short of 4.5:1 on white.
    dark = {"color": NHS_TEXT}
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
            "RAG": by_period["rag"].map(rag_label),
            "Pathfinders": by_period["pathfinders"].astype("int64"),
        }
    )


# ------------------------------------------------------------------------------------------------
# Submission tracker
# ------------------------------------------------------------------------------------------------


def tracker_counts(tracker: pd.DataFrame, *, period: str) -> dict[str, int]:
    """For one period: returns expected and how many are in each status."""
    this = tracker[tracker["reporting_period"] == period]["status"].value_counts()
    counts = {code: int(this.get(code, 0)) for code in TRACKER_STYLES}
    counts["expected"] = sum(counts[c] for c in (ON_TIME, LATE, MISSING, NOT_YET_DUE))
    counts["received"] = counts[ON_TIME] + counts[LATE]
    return counts


def tracker_grid(tracker: pd.DataFrame) -> Styler:
    """Pathfinders down, periods across, each cell a symbol and a word."""
    periods = tracker.drop_duplicates("reporting_period").sort_values("period_start")
    names = tracker["pathfinder_name"].drop_duplicates()
    grid = (
        tracker.assign(cell=tracker["status"].map(tracker_label))
        .pivot(index="pathfinder_name", columns="reporting_period", values="cell")
        .reindex(index=names, columns=periods["reporting_period"])
        .rename_axis(index="Pathfinder", columns=None)
        .reset_index()
    )
    return grid.style.map(_tint(TRACKER_TINTS), subset=list(periods["reporting_period"]))


def chase_list(tracker: pd.DataFrame) -> pd.DataFrame:
    """Returns still to come in (missing first, oldest first), with whom to contact."""
    outstanding = tracker[tracker["status"].isin(OUTSTANDING)]
    outstanding = outstanding.assign(
        order=outstanding["status"].map({MISSING: 0, NOT_YET_DUE: 1})
    ).sort_values(["order", "period_start", "pathfinder_name"])
    return pd.DataFrame(
        {
            "Pathfinder": outstanding["pathfinder_name"],
            "Pathfinder code": outstanding["pathfinder_code"],
            "Period": outstanding["reporting_period"],
            "Status": outstanding["status"].map(lambda s: tracker_label(s).split(" ", 1)[1]),
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
            "Status": milestones["status"].map(lambda c: _label(MilestoneStatus, c)),
            "Overdue": milestones["overdue"].map({True: "⚠ Overdue", False: ""}),
            "RAG": milestones["rag"].map(rag_label),
            "Commentary": milestones["commentary"].fillna(""),
            "From return": milestones["from_period"],
        }
    )
    return table.style.map(_tint(RAG_TINTS), subset=["RAG"]).map(
        _tint({"⚠ Overdue": RAG_STYLES["red"][2]}), subset=["Overdue"]
    )


def risk_table(risks: pd.DataFrame) -> Styler:
    table = pd.DataFrame(
        {
            "Pathfinder": risks["pathfinder_name"],
            "Risk": risks["risk"],
            "Likelihood": risks["likelihood"].map(lambda c: _label(Level, c)),
            "Impact": risks["impact"].map(lambda c: _label(Level, c)),
            "RAG": risks["rag"].map(rag_label),
            "Mitigation": risks["mitigation"].fillna(""),
            "Status": risks["status"].map(lambda c: _label(RiskStatus, c)),
            "From return": risks["from_period"],
        }
    )
    return table.style.map(_tint(RAG_TINTS), subset=["RAG"])
