"""The evaluation's charts and tables: pathfinder against comparison practices over time, the
event study, the forest plot of pathfinders, the balance and sensitivity tables.

Every estimate is drawn with its 95% interval, and every chart says in words what a reader should
look for (the zero line, the reference year); nothing relies on colour alone (the arms differ by
line style and marker too). Inputs are the frames ``wdp.evaluation`` returns; outputs are plotly
figures and display tables, nothing else.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from wdp.config import Colour

PATHFINDER = "Pathfinder practices"
COMPARISON = "Matched comparison practices"


def financial_year(year: int) -> str:
    """2017 -> "2017/18" (Fingertips' label for the year starting April 2017)."""
    return f"{year}/{(year + 1) % 100:02d}"


def _year_axis(figure: go.Figure, years) -> None:
    """Years drawn as numbers (so lines can mark go-live) and labelled as financial years."""
    ticks = sorted({int(y) for y in years})
    figure.update_xaxes(tickvals=ticks, ticktext=[financial_year(y) for y in ticks])


def _mark_year(figure: go.Figure, year: int, text: str, **line: object) -> None:
    figure.add_vline(
        x=year - 0.5,  # between the year before go-live and the go-live year
        line={"color": Colour.TEXT_GREEN, "dash": "dot", "width": 2, **line},
        annotation_text=text,
        annotation_position="top left",
    )


def _layout(figure: go.Figure, *, title: str, height: int, y_title: str) -> go.Figure:
    figure.update_layout(
        title=title,
        yaxis_title=y_title,
        height=height,
        legend={"orientation": "h", "y": -0.18},
        margin={"t": 60, "l": 10, "r": 10, "b": 10},
        plot_bgcolor=Colour.WHITE,
    )
    figure.update_xaxes(showgrid=False, linecolor=Colour.PALE_GREY)
    figure.update_yaxes(gridcolor=Colour.LIGHT_GREY, zeroline=False)
    return figure


def trend_figure(
    trend: pd.DataFrame, *, title: str, go_live_years: list[int], excluded_years: list[int]
) -> go.Figure:
    """Population-weighted figure by year for each arm (``year, arm, value``), go-live marked."""
    figure = go.Figure()
    looks = {
        PATHFINDER: (Colour.BLUE, "solid", "circle"),
        COMPARISON: (Colour.DARK_GREY, "dash", "square"),
    }
    for arm, (colour, dash, marker) in looks.items():
        rows = trend[trend["arm"] == arm].sort_values("year")
        figure.add_trace(
            go.Scatter(
                x=rows["year"],
                y=rows["value"],
                mode="lines+markers",
                name=arm,
                line={"color": colour, "dash": dash, "width": 3},
                marker={"symbol": marker, "size": 8},
                customdata=[financial_year(int(y)) for y in rows["year"]],
                hovertemplate="%{customdata}: %{y:.1f}%<extra>" + arm + "</extra>",
            )
        )
    for year in sorted(set(go_live_years)):
        _mark_year(figure, year, f"go-live {financial_year(year)}")
    for year in excluded_years:
        if year in set(trend["year"]):
            figure.add_vrect(
                x0=year - 0.4,
                x1=year + 0.4,
                fillcolor=Colour.PALE_GREY,
                opacity=0.3,
                line_width=0,
                annotation_text="COVID year: left out of the estimate",
                annotation_position="bottom left",
            )
    _year_axis(figure, trend["year"])
    return _layout(figure, title=title, height=400, y_title="Percent")


def event_study_figure(event_study: pd.DataFrame, *, title: str) -> go.Figure:
    """Effect by years from go-live with 95% intervals; before go-live they should sit on zero."""
    rows = event_study.sort_values("event_time")
    before = rows[rows["event_time"] < 0]
    after = rows[rows["event_time"] >= 0]
    figure = go.Figure()
    for part, name, colour, marker in (
        (before, "Before go-live (should be about 0)", Colour.MID_GREY, "square"),
        (after, "After go-live (the effect)", Colour.BLUE, "circle"),
    ):
        figure.add_trace(
            go.Scatter(
                x=part["event_time"],
                y=part["estimate_pp"],
                mode="markers",
                name=name,
                marker={"color": colour, "symbol": marker, "size": 10},
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": part["ci_hi"] - part["estimate_pp"],
                    "arrayminus": part["estimate_pp"] - part["ci_lo"],
                    "color": colour,
                    "thickness": 2,
                },
                customdata=part[["ci_lo", "ci_hi"]],
                hovertemplate=(
                    "%{x} years from go-live: %{y:+.2f} points "
                    "(95% CI %{customdata[0]:+.2f} to %{customdata[1]:+.2f})<extra></extra>"
                ),
            )
        )
    figure.add_hline(y=0, line={"color": Colour.TEXT, "width": 1})
    figure.add_vline(x=-0.5, line={"color": Colour.TEXT_GREEN, "dash": "dot", "width": 2})
    figure.update_xaxes(
        title="Years from go-live (the year before go-live is the reference, 0)", dtick=1
    )
    return _layout(figure, title=title, height=380, y_title="Difference, percentage points")


def forest_figure(by_group: pd.DataFrame, pooled: dict, *, title: str, names: dict[str, str]):
    """Each pathfinder's effect with its 95% interval, and the pooled effect as a diamond."""
    rows = by_group.sort_values("estimate_pp")
    labels = [
        f"{names.get(code, code)} ({n} practices)"
        for code, n in zip(rows["group"], rows["n_practices"], strict=True)
    ]
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(
            x=rows["estimate_pp"],
            y=labels,
            mode="markers",
            name="Pathfinder",
            marker={"color": Colour.BLUE, "symbol": "square", "size": 10},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": rows["ci_hi"] - rows["estimate_pp"],
                "arrayminus": rows["estimate_pp"] - rows["ci_lo"],
                "color": Colour.BLUE,
            },
            customdata=rows[["ci_lo", "ci_hi", "p_holm"]],
            hovertemplate=(
                "%{y}: %{x:+.2f} points (95% CI %{customdata[0]:+.2f} to "
                "%{customdata[1]:+.2f}; Holm-adjusted p %{customdata[2]:.3f})<extra></extra>"
            ),
        )
    )
    pooled_label = "All pathfinders (pooled)"
    figure.add_trace(
        go.Scatter(
            x=[pooled["estimate_pp"]],
            y=[pooled_label],
            mode="markers",
            name="Pooled",
            marker={"color": Colour.DARK_BLUE, "symbol": "diamond", "size": 16},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": [pooled["ci95"][1] - pooled["estimate_pp"]],
                "arrayminus": [pooled["estimate_pp"] - pooled["ci95"][0]],
                "color": Colour.DARK_BLUE,
                "thickness": 3,
            },
            hovertemplate="Pooled: %{x:+.2f} points<extra></extra>",
        )
    )
    figure.add_vline(x=0, line={"color": Colour.TEXT, "width": 1})
    figure.update_yaxes(categoryorder="array", categoryarray=[pooled_label, *labels])
    figure.update_xaxes(title="Difference, percentage points (0 = no effect)")
    height = 160 + 34 * (len(labels) + 1)
    return _layout(figure, title=title, height=height, y_title=None)


def estimates_frame(by_group: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """The forest plot as a table."""
    return pd.DataFrame(
        {
            "Pathfinder": [names.get(c, c) for c in by_group["group"]],
            "Code": by_group["group"],
            "Practices": by_group["n_practices"],
            "Effect (points)": by_group["estimate_pp"].round(2),
            "95% CI": [
                f"{lo:+.2f} to {hi:+.2f}"
                for lo, hi in zip(by_group["ci_lo"], by_group["ci_hi"], strict=True)
            ],
            "p (Holm-adjusted)": by_group["p_holm"].round(3),
        }
    )


def event_study_frame(event_study: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Years from go-live": event_study["event_time"],
            "Effect (points)": event_study["estimate_pp"].round(2),
            "95% CI": [
                f"{lo:+.2f} to {hi:+.2f}"
                for lo, hi in zip(event_study["ci_lo"], event_study["ci_hi"], strict=True)
            ],
            "Reference year": event_study["reference"].map({True: "yes", False: ""}),
        }
    )


COVARIATE_LABELS = {
    "baseline_level": "Baseline level (%)",
    "baseline_trend": "Baseline trend (points a year)",
    "imd_score": "Deprivation (IMD score)",
    "list_size (log)": "List size (log)",
    "rural": "Rural (share)",
}


def balance_frame(balance: pd.DataFrame) -> pd.DataFrame:
    """Standardised differences before and after matching; |SMD| above 0.1 is named in words."""

    def judged(smd: float) -> str:
        if pd.isna(smd):
            return "–"
        return f"{smd:+.2f}" + ("  ⚠ above 0.1" if abs(smd) > 0.1 else "  ✓")

    return pd.DataFrame(
        {
            "Characteristic": balance["covariate"].map(lambda c: COVARIATE_LABELS.get(c, c)),
            "Pathfinder practices": balance["treated_mean"].round(2),
            "All candidates (before matching)": balance["comparison_mean_before"].round(2),
            "Matched comparison": balance["comparison_mean_after"].round(2),
            "Std. difference before": balance["smd_before"].map(judged),
            "Std. difference after": balance["smd_after"].map(judged),
        }
    )


def sensitivity_frame(rows: list[dict]) -> pd.DataFrame:
    """The primary estimate under other reasonable choices (``Study.sensitivity`` as dicts)."""
    return pd.DataFrame(
        {
            "Analysis": [r["analysis"] for r in rows],
            "Effect (points)": [
                None if r["estimate_pp"] is None else round(r["estimate_pp"], 2) for r in rows
            ],
            "95% CI": [
                f"{r['ci95'][0]:+.2f} to {r['ci95'][1]:+.2f}"
                if r["ci95"][0] is not None and r["ci95"][1] is not None
                else "–"
                for r in rows
            ],
            "Pathfinder practices": [r["n_treated"] for r in rows],
            "Comparison practices": [r["n_comparison"] for r in rows],
            "What changed": [r["note"] for r in rows],
        }
    )


def synthetic_figure(gap: pd.DataFrame, *, title: str, go_live: int) -> go.Figure:
    """One pathfinder against its synthetic control (a weighted blend of comparison practices
    that tracks it before go-live)."""
    figure = go.Figure()
    x = gap["year"].astype(int)
    figure.add_trace(
        go.Scatter(
            x=x,
            y=gap["treated"],
            mode="lines+markers",
            name="The pathfinder's practices",
            line={"color": Colour.BLUE, "width": 3},
            marker={"symbol": "circle", "size": 8},
        )
    )
    figure.add_trace(
        go.Scatter(
            x=x,
            y=gap["synthetic"],
            mode="lines+markers",
            name="Synthetic control",
            line={"color": Colour.DARK_GREY, "dash": "dash", "width": 3},
            marker={"symbol": "square", "size": 8},
        )
    )
    _mark_year(figure, go_live, f"go-live {financial_year(go_live)}")
    _year_axis(figure, x)
    return _layout(figure, title=title, height=380, y_title="Percent")


def trend_frame(trend: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Year": [financial_year(int(y)) for y in trend["year"]],
            "Practices": trend["arm"],
            "Figure (%)": trend["value"].round(2),
            "Number of practices": trend["practices"],
        }
    )
