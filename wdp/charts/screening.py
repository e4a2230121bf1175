"""Screening charts and tables: league table, compare-areas chart, hex map, trend, funnel.

Judgements against England are always shown with a word and a shape as well as a colour
(Fingertips' convention, in NHS colours), so nothing relies on colour alone. One measure per chart.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from wdp.config import Colour
from wdp.domain import Comparison

# The words and text symbols are the domain's (``Comparison``); the colour and marker are drawn.
_JUDGEMENT_LOOK: dict[Comparison, tuple[str, str]] = {
    Comparison.BETTER: (Colour.TEXT_GREEN, "triangle-up"),
    Comparison.SIMILAR: (Colour.WARM_YELLOW, "circle"),
    Comparison.WORSE: (Colour.RED, "triangle-down"),
    Comparison.NOT_COMPARED: (Colour.PALE_GREY, "square"),
}
# judgement code -> (label, colour, marker symbol, text symbol)
JUDGEMENTS: dict[str, tuple[str, str, str, str]] = {
    c.value: (c.label, colour, marker, c.symbol) for c, (colour, marker) in _JUDGEMENT_LOOK.items()
}
NO_DATA_COLOUR = Colour.LIGHT_GREY


def judgement_label(code: str | None) -> str:
    return Comparison.shown_for(code or Comparison.NOT_COMPARED)


def rank_change_label(change: float | None) -> str:
    if change is None or pd.isna(change):
        return "new"
    change = int(change)
    return "–" if change == 0 else (f"▲ {change}" if change > 0 else f"▼ {-change}")


def league_table_frame(league: pd.DataFrame) -> pd.DataFrame:
    """The league table as people read it (rank 1 = highest value)."""
    return pd.DataFrame(
        {
            "Rank": league["rank"].astype("int64"),
            "Change in rank": league["rank_change"].map(rank_change_label),
            "Area": league["area_name"],
            "Code": league["area_code"],
            "Value (%)": league["value"].round(1),
            "95% CI": [
                f"{lo:.1f} – {hi:.1f}" if pd.notna(lo) else "–"
                for lo, hi in zip(league["lower_95"], league["upper_95"], strict=True)
            ],
            "Screened": league["count"],
            "Eligible": league["denominator"],
            "Compared with England": league["compared_to_england"].map(judgement_label),
        }
    )


def interval_bars(
    value: pd.Series, lower: pd.Series, upper: pd.Series, *, thickness: float | None = None
) -> dict:
    """Plotly error bars drawing each value's interval (they need not be symmetric)."""
    bars = {"type": "data", "symmetric": False, "array": upper - value}
    bars.update(arrayminus=value - lower, color=Colour.DARK_GREY)
    return bars if thickness is None else {**bars, "thickness": thickness}


def _by_category(
    data: pd.DataFrame, categories: pd.Series, styles: dict[str, tuple[str, ...]]
) -> list[tuple[pd.DataFrame, str, go.Scatter]]:
    """One marker trace per category present, in the styles' order: the rows, the category's
    label, and a trace already carrying the label, colour and shape (the caller adds x and y).
    ``styles`` maps a category to (label, colour, marker symbol, ...)."""
    found = []
    for code, (label, colour, symbol, *_) in styles.items():
        part = data[categories == code]
        if part.empty:
            continue
        marker = {"color": colour, "symbol": symbol, "size": 8}
        marker["line"] = {"color": Colour.TEXT, "width": 0.5}
        found.append((part, label, go.Scatter(mode="markers", name=label, marker=marker)))
    return found


def compare_areas_figure(
    league: pd.DataFrame, *, title: str, highlight: set[str] = frozenset()
) -> go.Figure:
    """Every area's value with its 95% CI, sorted, against England's value (a caterpillar)."""
    data = league.sort_values("value")
    figure = go.Figure()
    for part, label, trace in _by_category(data, data["compared_to_england"], JUDGEMENTS):
        trace.update(
            x=part["value"],
            y=part["area_name"],
            error_x=interval_bars(part["value"], part["lower_95"], part["upper_95"], thickness=1),
            customdata=np.stack([part["lower_95"], part["upper_95"]], axis=-1),
            hovertemplate="%{y}: %{x:.1f}% (95% CI %{customdata[0]:.1f} to "
            "%{customdata[1]:.1f})<extra>" + label + "</extra>",
        )
        figure.add_trace(trace)
    england = data["england_value"].dropna()
    if not england.empty:
        figure.add_vline(
            x=float(england.iloc[0]),
            line={"color": Colour.BLUE, "dash": "dash"},
            annotation_text=f"England {england.iloc[0]:.1f}%",
            annotation_position="top",
        )
    marked = data[data["area_code"].isin(highlight) | data["current_area_code"].isin(highlight)]
    if not marked.empty:  # pathfinder areas: ringed, named on hover
        figure.add_trace(
            go.Scatter(
                x=marked["value"],
                y=marked["area_name"],
                mode="markers",
                name="Pathfinder area",
                marker={
                    "symbol": "circle-open",
                    "size": 14,
                    "color": Colour.TEXT,
                    "line": {"width": 2},
                },
                hovertemplate="%{y} (pathfinder area)<extra></extra>",
            )
        )
    figure.update_layout(
        title=title,
        xaxis_title="Percent (95% confidence interval)",
        yaxis={
            "showticklabels": len(data) <= 40,
            "title": None,
            "categoryorder": "array",
            "categoryarray": list(data["area_name"]),
        },
        height=max(420, min(14 * len(data), 1400)),
        legend={"orientation": "h", "y": -0.08},
        margin={"t": 60, "l": 10, "r": 10, "b": 10},
    )
    return figure


HEX_RADIUS = 1 / np.sqrt(3)  # pointy-top hexagons one unit wide tile an odd-r layout
_ANGLES = np.deg2rad(30 + 60 * np.arange(7))


def _hex_outlines(x: pd.Series, y: pd.Series) -> tuple[list[float | None], list[float | None]]:
    """Vertices of every hexagon, as one path broken by None (one filled trace per colour)."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    for cx, cy in zip(x, y, strict=True):
        xs += [*(cx + HEX_RADIUS * np.cos(_ANGLES)), None]
        ys += [*(cy + HEX_RADIUS * np.sin(_ANGLES)), None]
    return xs, ys


def standard_bands(
    values: pd.Series, acceptable: float | None, achievable: float | None
) -> pd.Series:
    """below / acceptable / achievable against a national standard (percent); NaN stays NaN."""
    bands = pd.Series(
        np.where(values < (acceptable or -1), "below", "acceptable"),
        index=values.index,
        dtype=object,
    )
    if achievable is not None:
        bands[values >= achievable] = "achievable"
    bands[values.isna()] = None
    return bands


def band_styles(
    acceptable: float | None, achievable: float | None
) -> dict[str, tuple[str, str, str, str]]:
    styles = {
        "below": (
            f"Below the acceptable standard ({acceptable:g}%)",
            Colour.RED,
            "triangle-down",
            "▼",
        )
    }
    if achievable is not None:
        styles["acceptable"] = (
            f"Acceptable ({acceptable:g}% to {achievable:g}%)",
            Colour.WARM_YELLOW,
            "circle",
            "●",
        )
        styles["achievable"] = (
            f"Achievable ({achievable:g}% or more)",
            Colour.TEXT_GREEN,
            "triangle-up",
            "▲",
        )
    else:
        styles["acceptable"] = (
            f"Meets the acceptable standard ({acceptable:g}%)",
            Colour.TEXT_GREEN,
            "triangle-up",
            "▲",
        )
    return styles


def _add_areas(
    figure: go.Figure,
    outline: tuple[list[float | None], list[float | None]],
    centres: tuple[list[float], list[float]],
    *,
    key: str,
    style: tuple[str, str, str, str],
    names: list[str],
    values: list[str],
    show_symbol: bool,
) -> None:
    """One category of a map: its shapes filled in one colour (a legend entry in words and
    symbol), and a point per area that names it on hover (and shows the symbol, if asked)."""
    label, colour, _, symbol = style
    figure.add_trace(
        go.Scatter(
            x=outline[0],
            y=outline[1],
            mode="lines",
            fill="toself",
            fillcolor=colour,
            line={"color": Colour.WHITE, "width": 1 if show_symbol else 0.5},
            name=f"{symbol} {label}".strip(),
            hoverinfo="skip",
            legendgroup=key,
        )
    )
    figure.add_trace(
        go.Scatter(
            x=centres[0],
            y=centres[1],
            mode="text" if show_symbol else "markers",
            text=[symbol] * len(names),
            textfont={"size": 9, "color": Colour.TEXT},
            marker={"size": 4, "opacity": 0},
            showlegend=False,
            legendgroup=key,
            customdata=np.stack([names, values], axis=-1),
            hovertemplate="%{customdata[0]}: %{customdata[1]}<extra>" + label + "</extra>",
        )
    )


def _add_pathfinder_outline(
    figure: go.Figure, outline: tuple[list[float | None], list[float | None]], *, width: float
) -> None:
    figure.add_trace(
        go.Scatter(
            x=outline[0],
            y=outline[1],
            mode="lines",
            name="Pathfinder area",
            line={"color": Colour.TEXT, "width": width},
            hoverinfo="skip",
        )
    )


def _map_layout(figure: go.Figure, *, title: str, height: int) -> go.Figure:
    figure.update_layout(
        title=title,
        height=height,
        plot_bgcolor=Colour.WHITE,
        xaxis={"visible": False},
        yaxis={"visible": False, "scaleanchor": "x"},
        legend={"orientation": "v", "x": 0.0, "y": 1.0},
        margin={"t": 60, "l": 10, "r": 10, "b": 10},
    )
    return figure


MERGED_STYLE = (
    "Merged since (several published areas): see the table",
    Colour.NEUTRAL_GREY,
    "square",
    "◇",
)


def _one_row_per_area(league: pd.DataFrame) -> pd.DataFrame:
    """One row per area on today's map. Older figures for districts merged since (e.g. the six
    Cumbria districts, now two unitaries) cannot be shown as one value: they are marked merged."""
    counts = league["current_area_code"].map(league["current_area_code"].value_counts())
    rows = league.drop_duplicates("current_area_code").copy()
    merged = counts[rows.index] > 1
    rows.loc[merged, ["value", "lower_95", "upper_95"]] = np.nan
    rows.loc[merged, "compared_to_england"] = "merged"
    return rows


def _percent(values: pd.Series) -> list[str]:
    return [f"{v:.1f}%" if pd.notna(v) else "no data" for v in values]


def hex_map_figure(
    hexes: pd.DataFrame,
    league: pd.DataFrame,
    *,
    title: str,
    highlight: set[str] = frozenset(),
    standard: tuple[float | None, float | None] | None = None,
    code_map: dict[str, str] | None = None,
) -> go.Figure:
    """A hex cartogram (one equal hexagon per local authority, odd-r layout) coloured by the
    judgement against England or, given ``standard`` = (acceptable, achievable), by the
    standard's bands; each hexagon also carries the category's symbol."""
    code_map = code_map or {}
    hexes = hexes.assign(current_area_code=hexes["area_code"].map(lambda c: code_map.get(c, c)))
    merged = hexes.merge(
        league[["current_area_code", "value", "lower_95", "upper_95", "compared_to_england"]].pipe(
            _one_row_per_area
        ),
        on="current_area_code",
        how="left",
    )
    merged["x"] = merged["q"] + np.where(merged["r"] % 2 == 1, 0.5, 0.0)
    merged["y"] = merged["r"] * 1.5 * HEX_RADIUS
    if standard is None:
        merged["category"] = merged["compared_to_england"]
        styles = dict(JUDGEMENTS)
    else:
        merged["category"] = standard_bands(merged["value"], *standard)
        styles = band_styles(*standard)
    merged.loc[merged["compared_to_england"] == "merged", "category"] = "merged"
    merged["category"] = merged["category"].fillna("no_data")
    styles["merged"] = MERGED_STYLE
    styles["no_data"] = ("No data", NO_DATA_COLOUR, "hexagon", "")
    figure = go.Figure()
    for code, style in styles.items():
        part = merged[merged["category"] == code]
        if part.empty:
            continue
        _add_areas(
            figure,
            _hex_outlines(part["x"], part["y"]),
            (list(part["x"]), list(part["y"])),
            key=code,
            style=style,
            names=list(part["area_name"]),
            values=_percent(part["value"]),
            show_symbol=True,
        )
    marked = merged[merged["area_code"].isin(highlight)]
    if not marked.empty:  # pathfinder areas: a heavy outline
        _add_pathfinder_outline(figure, _hex_outlines(marked["x"], marked["y"]), width=3)
    return _map_layout(figure, title=title, height=760)


def trend_figure(trend: pd.DataFrame, *, title: str, area_name: str) -> go.Figure:
    """One area's values over time with their 95% CI, and England's value beside them."""
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(
            x=list(trend["time_period"]) + list(trend["time_period"])[::-1],
            y=list(trend["upper_95"]) + list(trend["lower_95"])[::-1],
            fill="toself",
            fillcolor="rgba(0, 94, 184, 0.12)",
            line={"width": 0},
            name="95% CI",
            hoverinfo="skip",
        )
    )
    figure.add_trace(
        go.Scatter(
            x=trend["time_period"],
            y=trend["value"],
            mode="lines+markers",
            name=area_name,
            line={"color": Colour.BLUE, "width": 3},
            marker={"size": 7},
            hovertemplate="%{x}: %{y:.1f}%<extra>" + area_name + "</extra>",
        )
    )
    figure.add_trace(
        go.Scatter(
            x=trend["time_period"],
            y=trend["england_value"],
            mode="lines",
            name="England",
            line={"color": Colour.DARK_GREY, "dash": "dash"},
            hovertemplate="%{x}: England %{y:.1f}%<extra></extra>",
        )
    )
    figure.update_layout(
        title=title,
        yaxis_title="Percent",
        xaxis_title=None,
        height=380,
        legend={"orientation": "h", "y": -0.15},
        margin={"t": 60, "l": 10, "r": 10, "b": 10},
    )
    return figure


def before_after_frame(rows: pd.DataFrame) -> pd.DataFrame:
    """Per pathfinder: before and after go-live, and the change with Newcombe's 95% CI."""
    from wdp.stats import difference_interval

    records = []
    for row in rows.itertuples():
        if not (row.before_denominator and row.after_denominator):
            continue
        change, lower, upper = difference_interval(
            row.before_numerator, row.before_denominator, row.after_numerator, row.after_denominator
        )
        verdict = "improved" if lower > 0 else "deteriorated" if upper < 0 else "no clear change"
        records.append(
            {
                "Pathfinder": row.pathfinder_name,
                "Go-live": row.go_live_date,
                "Before (%)": round(100 * row.before_numerator / row.before_denominator, 1),
                "Invited before": int(row.before_denominator),
                "After (%)": round(100 * row.after_numerator / row.after_denominator, 1),
                "Invited after": int(row.after_denominator),
                "Change (points)": round(change, 1),
                "95% CI": f"{lower:+.1f} to {upper:+.1f}",
                "Verdict": verdict,
                "_lower": lower,
                "_upper": upper,
            }
        )
    return pd.DataFrame(records)


def before_after_figure(frame: pd.DataFrame, *, title: str) -> go.Figure:
    """The change since go-live for each pathfinder, with its 95% CI (a forest plot)."""
    data = frame.sort_values("Change (points)")
    symbols = {
        "improved": "triangle-up",
        "deteriorated": "triangle-down",
        "no clear change": "circle",
    }
    figure = go.Figure(
        go.Scatter(
            x=data["Change (points)"],
            y=data["Pathfinder"],
            mode="markers+text",
            marker={"color": Colour.BLUE, "size": 10, "symbol": data["Verdict"].map(symbols)},
            text=data["Verdict"],
            textposition="middle right",
            textfont={"size": 10},
            error_x=interval_bars(data["Change (points)"], data["_lower"], data["_upper"]),
            hovertemplate="%{y}: %{x:+.1f} points<extra></extra>",
        )
    )
    figure.add_vline(x=0, line={"color": Colour.TEXT, "width": 1})
    figure.update_layout(
        title=title,
        xaxis_title="Change in percentage points (95% CI)",
        height=max(320, 28 * len(data) + 120),
        margin={"t": 60, "l": 10, "r": 10, "b": 10},
    )
    return figure


SPC_COLOURS = {"improvement": Colour.BLUE, "concern": Colour.ORANGE, "": Colour.MID_GREY}
VARIATION_BADGES = {
    "common_cause": ("●", "Common cause", Colour.MID_GREY),
    "improvement_high": ("▲", "Improvement (high)", Colour.BLUE),
    "improvement_low": ("▼", "Improvement (low)", Colour.BLUE),
    "concern_high": ("▲", "Concern (high)", Colour.ORANGE),
    "concern_low": ("▼", "Concern (low)", Colour.ORANGE),
}
ASSURANCE_BADGES = {
    "pass": ("P", "Target consistently met", Colour.BLUE),
    "fail": ("F", "Target consistently missed", Colour.ORANGE),
    "inconsistent": ("?", "Target hit and missed at random", Colour.MID_GREY),
}


def spc_figure(
    periods: pd.Series,
    result,
    *,
    title: str,
    target: float | None = None,
    target_label: str = "Standard",
) -> go.Figure:
    """A Making Data Count XmR chart: values, mean, process limits, special-cause points
    (blue improvement, orange concern, each also marked by shape), and a target if given."""
    frame = result.to_frame()
    x = list(periods)
    figure = go.Figure(
        go.Scatter(
            x=x,
            y=frame["value"],
            mode="lines",
            line={"color": Colour.PALE_GREY, "width": 2},
            showlegend=False,
            hoverinfo="skip",
        )
    )
    shapes = {"improvement": "diamond", "concern": "square", "": "circle"}
    names = {
        "improvement": "Special cause: improvement",
        "concern": "Special cause: concern",
        "": "Common cause",
    }
    for cause, colour in SPC_COLOURS.items():
        part = frame[frame["cause"] == cause]
        if part.empty:
            continue
        figure.add_trace(
            go.Scatter(
                x=[x[i] for i in part.index],
                y=part["value"],
                mode="markers",
                name=names[cause],
                marker={"color": colour, "size": 9, "symbol": shapes[cause]},
                customdata=part["rules"],
                hovertemplate="%{x}: %{y:.1f}%<br>%{customdata}<extra></extra>",
            )
        )
    if result.has_limits:
        figure.add_hline(
            y=result.mean,
            line={"color": Colour.TEXT, "width": 1},
            annotation_text=f"Mean {result.mean:.1f}",
            annotation_position="bottom right",
        )
        for y, name in (
            (result.upper, "Upper process limit"),
            (result.lower, "Lower process limit"),
        ):
            figure.add_hline(
                y=y,
                line={"color": Colour.DARK_GREY, "dash": "dash", "width": 1},
                annotation_text=f"{name} {y:.1f}",
                annotation_position="top right",
            )
    if target is not None:
        figure.add_hline(
            y=target,
            line={"color": Colour.RED, "dash": "dot", "width": 2},
            annotation_text=f"{target_label} {target:g}%",
            annotation_position="top left",
        )
    figure.update_layout(
        title=title,
        yaxis_title="Percent",
        height=400,
        legend={"orientation": "h", "y": -0.15},
        margin={"t": 60, "l": 10, "r": 10, "b": 10},
    )
    return figure


FUNNEL_STYLES = {
    "above_99.8": ("Above the 99.8% limit", Colour.BLUE, "triangle-up"),
    "above_95": ("Above the 95% limit", Colour.LIGHT_BLUE, "triangle-up"),
    "within": ("Within the 95% limits", Colour.PALE_GREY, "circle"),
    "below_95": ("Below the 95% limit", Colour.WARM_YELLOW, "triangle-down"),
    "below_99.8": ("Below the 99.8% limit", Colour.ORANGE, "triangle-down"),
}


def funnel_figure(league: pd.DataFrame, *, title: str) -> go.Figure:
    """Each area's value against its denominator, in a funnel of 95% and 99.8% limits around
    England's value: points outside the funnel differ from England by more than chance."""
    from wdp.funnel import funnel_limits, funnel_positions

    data = league.dropna(subset=["value", "denominator"])
    england = float(data["england_value"].iloc[0])
    limits = funnel_limits(
        england,
        max(data["denominator"].min() * 0.8, 10),
        data["denominator"].max() * 1.2,
        points=200,
    )
    n = limits["denominator"]
    figure = go.Figure()
    for level, suffix, dash in ((99.8, "998", "dash"), (95.0, "95", "dot")):
        lower, upper = limits[f"lower_{suffix}"], limits[f"upper_{suffix}"]
        for y, side in ((upper, "upper"), (lower, "lower")):
            figure.add_trace(
                go.Scatter(
                    x=n,
                    y=y,
                    mode="lines",
                    line={"color": Colour.DARK_GREY, "dash": dash, "width": 1},
                    name=f"{level:g}% limits",
                    showlegend=side == "upper",
                    hoverinfo="skip",
                    legendgroup=str(level),
                )
            )
    figure.add_hline(
        y=england,
        line={"color": Colour.BLUE, "width": 1},
        annotation_text=f"England {england:.1f}%",
    )
    positions = funnel_positions(data["value"], data["denominator"], england)
    for part, _, trace in _by_category(data, positions, FUNNEL_STYLES):
        trace.update(
            x=part["denominator"],
            y=part["value"],
            text=part["area_name"],
            hovertemplate="%{text}: %{y:.1f}% of %{x:,.0f}<extra></extra>",
        )
        figure.add_trace(trace)
    figure.update_layout(
        title=title,
        xaxis={"title": "Denominator (people eligible)", "type": "log"},
        yaxis_title="Percent",
        height=460,
        legend={"orientation": "h", "y": -0.2},
        margin={"t": 60, "l": 10, "r": 10, "b": 10},
    )
    return figure


def _outlines(
    features: list[dict],
) -> tuple[list[float | None], list[float | None], list[float], list[float]]:
    """Exterior rings of each feature as one None-separated path in a flat projection
    (longitude scaled by cos 53 degrees), plus each feature's label point."""
    scale = np.cos(np.deg2rad(53.0))
    xs: list[float | None] = []
    ys: list[float | None] = []
    cx: list[float] = []
    cy: list[float] = []
    for feature in features:
        geometry = feature["geometry"]
        polygons = (
            [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        )
        largest = max(polygons, key=lambda p: len(p[0]))[0]
        for polygon in polygons:
            ring = np.asarray(polygon[0])
            xs += [*(ring[:, 0] * scale), None]
            ys += [*ring[:, 1], None]
        cx.append(float(np.mean(np.asarray(largest)[:, 0]) * scale))
        cy.append(float(np.mean(np.asarray(largest)[:, 1])))
    return xs, ys, cx, cy


def choropleth_figure(
    boundaries: dict,
    league: pd.DataFrame,
    *,
    title: str,
    standard: tuple[float | None, float | None] | None = None,
    highlight: set[str] = frozenset(),
    code_map: dict[str, str] | None = None,
) -> go.Figure:
    """Areas on their ONS boundaries, coloured (and legended in words) by the judgement against
    England or by the standard's bands. Drawn as plain shapes, so no map tiles or downloads
    are needed (the app runs offline)."""
    data = _one_row_per_area(league).set_index("current_area_code")
    if standard is None:
        category = data["compared_to_england"]
        styles = dict(JUDGEMENTS)
    else:
        category = standard_bands(data["value"], *standard)
        styles = band_styles(*standard)
    category = category.where(data["compared_to_england"] != "merged", "merged")
    styles["merged"] = MERGED_STYLE
    styles["no_data"] = ("No data", NO_DATA_COLOUR, "square", "")
    # Boundaries may predate a recode (e.g. Barnsley 2025): key them by today's code.
    code_map = code_map or {}
    by_code = {
        code_map.get(f["properties"]["code"], f["properties"]["code"]): f
        for f in boundaries["features"]
    }
    figure = go.Figure()
    for code, style in styles.items():
        codes = (
            [c for c in by_code if c not in data.index]
            if code == "no_data"
            else [c for c in category.index[category == code] if c in by_code]
        )
        if not codes:
            continue
        xs, ys, cx, cy = _outlines([by_code[c] for c in codes])
        values = _percent(
            pd.Series(
                [data.at[c, "value"] if c in data.index else None for c in codes], dtype=float
            )
        )
        _add_areas(
            figure,
            (xs, ys),
            (cx, cy),
            key=code,
            style=style,
            names=[by_code[c]["properties"]["name"] for c in codes],
            values=values,
            show_symbol=False,
        )
    marked = [c for c in highlight if c in by_code]
    if marked:
        xs, ys, _, _ = _outlines([by_code[c] for c in marked])
        _add_pathfinder_outline(figure, (xs, ys), width=2)
    return _map_layout(figure, title=title, height=800)
