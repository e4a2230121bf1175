"""What a board pack says: its slides, each with a headline computed from the data.

``compose`` turns the database (already limited to what the reader may see: a lead's database
is scoped to their pathfinder) and the current filters into a ``Deck``: a list of ``Slide``s that
carry a plotly figure or a table, a one-line headline, speaker notes and a source line. The same
deck is drawn three ways: as PowerPoint and PDF (``wdp.boardpack.render``) and on screen in
presentation mode (``wdp.ui.board_pack``), so the pack and the projector never disagree.

Pure of streamlit; all SQL stays in ``wdp.db``. A slide whose data is not loaded is left out and
named on the sources slide, never shown empty.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Literal

import pandas as pd
import plotly.graph_objects as go

from wdp import headlines
from wdp.boardpack.layout import body_box, table_parts
from wdp.charts import screening as screening_charts
from wdp.charts import status as status_charts
from wdp.charts import training as training_charts
from wdp.charts.activity import activity_by_month_figure, month_activity_table
from wdp.config import (
    GEOGRAPHY_ATTRIBUTION,
    OGL_ATTRIBUTION,
    PUBLIC_DATA_LABEL,
    REPORTED_CHAMPIONS,
    SYNTHETIC_LABEL,
)
from wdp.db import Database
from wdp.domain import Measure, Programme, Rag, TrackerStatus
from wdp.spc import xmr

SlideKind = Literal["title", "chart", "table", "text"]
RETURNS_SOURCE = "Source: pathfinders' quarterly returns (the return that currently counts)."
# The most rows a table in the pack shows; more than fit one slide go on to the next
# (``continued``).
TABLE_ROWS = 20


@dataclass(frozen=True)
class PackFilters:
    """The filters a pack is built for: the URL's filters (``wdp.ui.filters.Filters``)."""

    period: str | None = None  # reporting period the pack runs to; None: the latest
    pathfinder: str | None = None  # one pathfinder; None: all the reader may see
    programme: str | None = None
    measure: str | None = None
    indicator: str | None = None  # a public indicator id (Fingertips)
    year: str | None = None  # its time period
    area: str | None = None  # an area code for the trend slide

    @classmethod
    def from_params(cls, params: dict[str, str | None]) -> PackFilters:
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in params.items() if k in names and v})


@dataclass(frozen=True)
class Badge:
    """A Making Data Count icon drawn as a symbol, a word and a colour (never colour alone)."""

    kind: str  # "Variation" or "Assurance"
    symbol: str
    text: str
    colour: str


@dataclass
class Slide:
    key: str  # a stable slug: PNG file names, presentation-mode URLs, tests
    kind: SlideKind
    title: str
    headline: str = ""  # one line, computed from the data
    figure: go.Figure | None = None
    table: pd.DataFrame | None = None
    bullets: list[str] = field(default_factory=list)
    notes: str = ""  # speaker notes: what the figure is and how to read it
    source: str = ""  # the footer: where the figures come from
    badges: list[Badge] = field(default_factory=list)
    # A table cut over several slides: its columns' widths in inches, the same on every part.
    column_widths: tuple[float, ...] | None = None


@dataclass
class Deck:
    title: str
    period: str | None
    data_as_of: dt.datetime | None
    audience: str
    synthetic: bool
    filters: PackFilters
    slides: list[Slide]
    left_out: list[str] = field(default_factory=list)  # slides without data, named at the end

    @property
    def chart_slides(self) -> list[Slide]:
        return [s for s in self.slides if s.figure is not None]


def _only(rows: pd.DataFrame, pathfinder: str | None) -> pd.DataFrame:
    """The rows of one pathfinder (all of them when none is chosen)."""
    return rows if pathfinder is None else rows[rows["pathfinder_code"] == pathfinder]


def _periods(db: Database, wanted: str | None) -> tuple[list[str], str | None]:
    """Reporting periods up to the chosen one (all when none is chosen or it is unknown)."""
    periods = db.reporting_periods()["reporting_period"].tolist()
    if wanted in periods:
        periods = periods[: periods.index(wanted) + 1]
    return periods, (periods[-1] if periods else None)


# ------------------------------------------------------------------------------------------------
# Slides
# ------------------------------------------------------------------------------------------------


def headline_slide(db: Database) -> Slide | None:
    found = headlines.headline_figures(db)
    if not found:
        return None
    rank = next((h for h in found if h.key == "nmi_rank"), None)
    if rank is not None:
        before, after = (part.strip() for part in rank.value.split("→"))
        moved = "rose" if int(after[:-2]) < int(before[:-2]) else "fell"
        service = rank.title.split(":")[0].replace(" Breast Screening Service", "")
        line = f"{service} breast screening uptake rank {moved} from {before} to {after}"
    else:
        line = f"{found[0].title}: {found[0].value}"
    table = pd.DataFrame(
        {
            "Result": [h.title for h in found],
            "Measure": [h.measure.capitalize() for h in found],
            "Figure": [h.value.replace("→", "to") for h in found],
            "How it was computed": [h.detail for h in found],
        }
    )
    return Slide(
        "headlines",
        "table",
        "Headline results",
        line,
        table=table,
        notes="The results the programme reports, each recomputed from the data with its "
        "uncertainty. They are different measures (first-time attendance, uptake rank, "
        "attendances, reach) and must not be compared with each other.",
        source=RETURNS_SOURCE + " Breast services' national table: sample data.",
    )


def champions_slide(db, periods: list[str], period: str, pathfinder: str | None) -> Slide | None:
    by_period = db.champions_by_period()
    by_period = by_period[by_period["reporting_period"].isin(periods)]
    if by_period.empty:
        return None
    total = int(by_period["cumulative"].iloc[-1])
    this = int(by_period["champions_trained"].iloc[-1])
    line = f"{total:,} Digital Health Champions trained to {period} ({this:,} in the quarter)"
    # The programme's reported ~350 is a whole-programme figure: no reference for one pathfinder.
    reported = None if pathfinder else REPORTED_CHAMPIONS
    if reported:
        line += f", against the ~{reported} the programme reports"
    return Slide(
        "champions",
        "chart",
        "Champions trained to date",
        line,
        figure=training_charts.champions_by_period_figure(by_period, reported=reported),
        notes="Cumulative Digital Health Champions at the end of each reporting period, summed "
        "over the returns that currently count. The dashed line is the figure the programme "
        "reports (about 350); it is a reference, not a target.",
        source=RETURNS_SOURCE,
    )


def champions_by_pathfinder_slide(db, period: str, pathfinder: str | None) -> Slide | None:
    rows = db.champions_by_pathfinder(period_end=period, pathfinder=pathfinder)
    if rows.empty or rows["champions_trained"].sum() == 0:
        return None
    table = training_charts.pathfinder_table(rows)
    top = rows.iloc[0]
    active = int((rows["champions_trained"] > 0).sum())
    share = 100 * top["champions_trained"] / rows["champions_trained"].sum()
    line = (
        f"{top['pathfinder_name']} trained the most: {int(top['champions_trained'])} "
        f"({share:.0f}%); {active} of {len(rows)} pathfinders have trained champions"
        if len(rows) > 1
        else f"{top['pathfinder_name']}: {int(top['champions_trained'])} champions in "
        f"{int(top['practices'])} GP practices"
    )
    return Slide(
        "champions_by_pathfinder",
        "chart",
        f"Champions trained by pathfinder, to {period}",
        line,
        figure=training_charts.champions_by_pathfinder_figure(table, title=""),
        notes="Digital Health Champions trained per pathfinder to date, with the GP practices "
        "they work in.",
        source=RETURNS_SOURCE,
    )


def rag_slide(db, period: str) -> Slide | None:
    by_period = db.rag_by_period(period=period)
    if by_period.empty:
        return None
    counts = by_period.pivot_table(
        index="reporting_period", columns="rag", values="pathfinders", aggfunc="sum"
    ).reindex(columns=["green", "amber", "red"], fill_value=0)
    counts = counts.reindex(by_period.drop_duplicates("reporting_period")["reporting_period"])
    counts = counts.fillna(0).astype(int)
    latest, reporting = counts.iloc[-1], int(counts.iloc[-1].sum())
    # Each rating as every page writes it, with its shape ("▲ Amber"), in sentences too.
    green, red = Rag.GREEN.shown, Rag.RED.shown
    line = f"{latest['green']} of {reporting} pathfinders reporting {green} in {counts.index[-1]}"
    if reporting == 1:  # one pathfinder's pack: say what it reported
        said = [Rag(code).shown for code in ("green", "amber", "red") if latest[code]]
        line = f"Reported {said[0]} in {counts.index[-1]}"
        if len(counts) > 1:
            before = [Rag(c).shown for c in ("green", "amber", "red") if counts.iloc[-2][c]]
            line += f" ({before[0] if before else 'no return'} in {counts.index[-2]})"
    elif len(counts) > 1:
        before = counts.iloc[-2]
        word = (
            "up from"
            if latest["green"] > before["green"]
            else "down from"
            if latest["green"] < before["green"]
            else "the same as"
        )
        line += f", {word} {before['green']} in {counts.index[-2]}"
    if reporting > 1:
        line += f"; {latest['red']} {red}"
    return Slide(
        "rag",
        "chart",
        "Pathfinder status (RAG) by quarter",
        line,
        figure=status_charts.rag_figure(by_period),
        notes="Overall RAG each pathfinder gave in each quarter's current return. Shapes as well "
        f"as colours: {', '.join(r.shown for r in (Rag.GREEN, Rag.AMBER, Rag.RED))}.",
        source=RETURNS_SOURCE,
    )


def status_table_slide(db, period: str, pathfinder: str | None) -> Slide | None:
    rows = db.pathfinder_status(period=period)
    rows = _only(rows, pathfinder)
    rows = rows[rows["last_period"].notna()]
    if rows.empty:
        return None
    overdue = int((rows["milestones_overdue"] > 0).sum())
    order = {"red": 0, "amber": 1, "green": 2}
    rows = rows.sort_values(
        ["rag", "pathfinder_name"], key=lambda s: s.map(order).fillna(3) if s.name == "rag" else s
    )
    # The page's own table (names and labels, RAG with its shape), without the columns a slide
    # has no room for.
    table = status_charts.status_frame(rows).drop(
        columns=["Last return loaded", "Latest commentary"]
    )
    return Slide(
        "status_table",
        "table",
        f"Where each pathfinder is: {period}",
        f"{overdue} of {len(rows)} pathfinders have overdue milestones at the end of {period}"
        if len(rows) > 1
        else f"{rows['pathfinder_name'].iloc[0]}: {int(rows['milestones_overdue'].iloc[0])} "
        f"milestones overdue at the end of {period}",
        table=table.head(TABLE_ROWS),
        notes="Each pathfinder as its latest return up to the period left it, "
        f"{Rag.RED.shown} first. "
        "Overdue: due on or before the period's last day and neither complete nor cancelled."
        + (f" Showing {TABLE_ROWS} of {len(rows)}." if len(rows) > TABLE_ROWS else ""),
        source=RETURNS_SOURCE,
    )


def _public_choice(db, filters: PackFilters, programme: str, measure: str):
    indicators = db.public_indicators()
    chosen = indicators[(indicators["programme"] == programme) & (indicators["measure"] == measure)]
    if chosen.empty:
        chosen = indicators[indicators["programme"] == programme]
    if chosen.empty:
        return None
    chosen = chosen.sort_values("last_period", ascending=False)
    wanted = chosen[chosen["indicator_id"].astype(str) == (filters.indicator or "")]
    indicator = (wanted if not wanted.empty else chosen).iloc[0]
    years = [str(y) for y in indicator["periods"]]
    year = filters.year if filters.year in years else years[-1]
    return indicator, year


def public_slides(db, filters: PackFilters, programme: str, measure: str) -> list[Slide]:
    """England's areas on the public indicator: funnel plot, pathfinder areas' table, SPC."""
    picked = _public_choice(db, filters, programme, measure)
    if picked is None:
        return []
    indicator, year = picked
    name = indicator["indicator_name"]
    league = db.league_table(
        indicator_id=int(indicator["indicator_id"]), time_period=year, level="district_ua"
    )
    if league.empty:
        return []
    areas = db.pathfinder_areas()
    if filters.pathfinder:
        areas = areas[areas["pathfinder_code"] == filters.pathfinder]
    mine = set(areas["lad_code"].dropna())
    judged = league["compared_to_england"].value_counts()
    england = float(league["england_value"].iloc[0])
    ours = league[league["area_code"].isin(mine) | league["current_area_code"].isin(mine)]
    ours_judged = ours["compared_to_england"].value_counts()
    line = (
        f"{judged.get('worse', 0)} of {len(league)} local authorities worse than England "
        f"({england:.1f}%) in {year}"
    )
    if not ours.empty:
        line += (
            f"; pathfinder areas: {ours_judged.get('better', 0)} better, "
            f"{ours_judged.get('similar', 0)} similar, {ours_judged.get('worse', 0)} worse"
        )
    public_source = PUBLIC_DATA_LABEL
    slides = [
        Slide(
            "funnel",
            "chart",
            f"{name}, {year}: every local authority against England",
            line,
            figure=screening_charts.funnel_figure(league, title=""),
            notes="Funnel plot: each local authority's value against its number of eligible "
            "people. Points outside the 95% (99.8%) limits differ from England by more than "
            "chance would explain. Judgements use Wilson 95% intervals computed from the counts.",
            source=public_source,
        )
    ]
    if not ours.empty:
        table = screening_charts.league_table_frame(ours).drop(columns=["Code"], errors="ignore")
        table = table.head(TABLE_ROWS - 2)
        best = ours.sort_values("rank").iloc[0]
        slides.append(
            Slide(
                "pathfinder_areas",
                "table",
                f"Pathfinder areas in the national league table: {name}, {year}",
                f"Highest pathfinder area: {best['area_name']}, ranked "
                f"{headlines.ordinal(int(best['rank']))} of {int(best['areas'])} "
                f"({best['value']:.1f}%)",
                table=table,
                notes="The pathfinders' local authorities in the national league table (rank 1 = "
                "highest), with the change in rank since the previous period and the judgement "
                "against England.",
                source=public_source,
            )
        )
    trend_area = filters.area if filters.area else next(iter(sorted(mine)), None)
    if trend_area:
        slides.extend(_spc_slide(db, indicator, trend_area, programme, measure))
    return slides


def _standard(db, programme: str, measure: str) -> float | None:
    rows = db.standards(programme=programme, measure=measure)
    rows = rows[rows["level"] == "acceptable"]
    return float(rows["threshold"].iloc[-1]) if not rows.empty else None


def _spc_slide(db, indicator, area: str, programme: str, measure: str) -> list[Slide]:
    trend = db.area_trend(indicator_id=int(indicator["indicator_id"]), area_code=area)
    if trend.empty:
        return []
    choices = db.area_choices(indicator_id=int(indicator["indicator_id"]), level="district_ua")
    names = dict(zip(choices["area_code"], choices["area_name"], strict=True))
    area_name = names.get(area, area)
    target = _standard(db, indicator["programme"], indicator["measure"])
    result = xmr(trend["value"].tolist(), target=target)
    span = f"{trend['time_period'].iloc[0]} to {trend['time_period'].iloc[-1]}"
    badges = []
    if result.variation:
        symbol, text, colour = screening_charts.VARIATION_BADGES[result.variation]
        badges.append(Badge("Variation", symbol, text, colour))
    if result.assurance:
        symbol, text, colour = screening_charts.ASSURANCE_BADGES[result.assurance]
        badges.append(Badge("Assurance", symbol, text, colour))
    figure = screening_charts.spc_figure(
        trend["time_period"],
        result,
        title="",
        target=target,
        target_label="Acceptable standard",
    )
    latest = trend.iloc[-1]
    return [
        Slide(
            "spc",
            "chart",
            f"{area_name}: {indicator['indicator_name']}, {span}",
            f"{latest['value']:.1f}% in {latest['time_period']}. {result.summary}",
            figure=figure,
            notes="A Making Data Count XmR chart: the mean and process limits from the series; "
            "special-cause points are coloured and shaped (blue improvement, orange concern). "
            "The icons say what the latest point shows and whether the acceptable standard will "
            "be met.",
            source=PUBLIC_DATA_LABEL,
            badges=badges,
        )
    ]


def before_after_slide(db, programme: str, measure: str, pathfinder: str | None) -> Slide | None:
    for chosen in dict.fromkeys((measure, "uptake")):
        rows = db.before_after_go_live(programme=programme, measure=chosen)
        frame = screening_charts.before_after_frame(_only(rows, pathfinder))
        if not frame.empty:
            break
    else:
        return None
    what = f"{Programme(programme).label} screening {Measure(chosen).label.lower()}"
    verdicts = frame["Verdict"].value_counts()
    line = (
        f"{verdicts.get('improved', 0)} of {len(frame)} pathfinders' practices improved "
        f"{Measure(chosen).label.lower()} after go-live, {verdicts.get('deteriorated', 0)} "
        "deteriorated (95% CI excludes no change)"
    )
    return Slide(
        "before_after",
        "chart",
        f"{what}: change after go-live",
        line,
        figure=screening_charts.before_after_figure(frame, title=""),
        notes="GP practices' quarterly figures before and after each pathfinder went live; the "
        "change in percentage points with Newcombe's 95% interval. A before-and-after "
        "comparison cannot rule out other causes of change.",
        source=RETURNS_SOURCE,
    )


def evaluation_slide(
    db, programme: str | None, measure: str | None, pathfinder: str | None
) -> Slide | None:
    """The formal evaluation on its fixed plan: the verdict as the headline, the two arms' trends
    as the chart. Left out while no plan is fixed or the data cannot answer yet."""
    from wdp.charts import evaluation as evaluation_charts
    from wdp.study import StudyNotReady, choose_indicator, load_plan, run_study

    try:
        indicator = choose_indicator(
            db,
            programme=programme or Programme.BREAST.value,
            measure=measure if measure in (Measure.UPTAKE.value, Measure.COVERAGE.value) else None,
        )
        plan = load_plan(db, indicator_id=int(indicator["indicator_id"]))
        if plan is None or (pathfinder and pathfinder not in plan.pathfinder_codes()):
            return None
        study = run_study(db, plan, pathfinder=pathfinder, sensitivity=False)
    except StudyNotReady:
        return None
    result = study.result
    naive = study.naive.get("change_pp")
    go_live = sorted(plan.practices["go_live_year"].dropna().astype(int).unique())
    figure = evaluation_charts.trend_figure(
        study.trend, title="", go_live_years=go_live, excluded_years=list(plan.exclude_years)
    )
    who = pathfinder or "All pathfinders"
    notes = (
        f"{result.n_treated} pathfinder practices against {result.n_comparison} comparison "
        "practices matched on the years before go-live (level, trend, deprivation, list size, "
        "rurality). Difference-in-differences for staggered go-live (Callaway and Sant'Anna), "
        f"95% interval by practice bootstrap. Before/after in the pathfinder practices alone: "
        + ("not available" if naive is None else f"{naive:+.1f} points")
        + " (includes the national trend, which the comparison removes). "
        f"Pre-go-live trends: p = {result.pre_trend.p:.2f}. Analysis plan fixed "
        f"{plan.fixed_at:%d %B %Y} by {plan.fixed_by}, before results were seen."
    )
    made = "; synthetic, made with a known effect" if plan.is_synthetic else ""
    source = (
        f"Source: OHID Fingertips indicator {plan.indicator_id} (GP practices{made}); "
        f"pathfinders' returns. {OGL_ATTRIBUTION}"
    )
    return Slide(
        "evaluation",
        "chart",
        f"Did it work? {who}: {plan.measure_label}",
        study.verdict,
        figure=figure,
        notes=notes,
        source=source,
    )


def activity_slide(db, period: str, pathfinder: str | None) -> Slide | None:
    months = db.activity_by_month(period_end=period, pathfinder=pathfinder)
    if months.empty or months["reach"].isna().all():
        return None
    table = month_activity_table(months)
    reach = int(months["reach"].sum())
    posts = int(months["posts"].sum()) if not months["posts"].isna().all() else 0
    best = months.loc[months["reach"].idxmax()]
    line = (
        f"Reach {reach:,} from {posts:,} posts to {period}; highest month "
        f"{pd.Timestamp(best['month']):%B %Y} ({int(best['reach']):,})"
    )
    return Slide(
        "activity",
        "chart",
        "Campaign reach by month",
        line,
        figure=activity_by_month_figure(table, measure="reach", title=""),
        notes="Reach summed over posts and months (people can be counted more than once). Reach "
        "is an output of the campaign, not a health outcome.",
        source=RETURNS_SOURCE,
    )


def returns_slide(db, period: str, pathfinder: str | None) -> Slide | None:
    tracker = db.submission_tracker(period=period)
    tracker = _only(tracker, pathfinder)
    if tracker.empty:
        return None
    counts = status_charts.tracker_counts(tracker, period=period)
    now = tracker[tracker["reporting_period"] == period]
    expected = now[now["status"] != TrackerStatus.NOT_EXPECTED]
    received = expected["status"].map(lambda s: TrackerStatus(s).is_received).sum()
    chase = status_charts.chase_list(tracker)
    line = (
        f"{received} of {len(expected)} returns received for {period}"
        if len(expected) != 1
        else f"Return for {period} {'received' if received else 'not received'}"
    )
    line += f" ({counts.get(TrackerStatus.LATE, 0)} late)"
    line += "; nothing to chase" if chase.empty else f"; {len(chase)} to chase"
    table = status_charts.tracker_grid(tracker).data.reset_index(drop=True)
    table = table.iloc[:TABLE_ROWS, [0, *range(max(1, table.shape[1] - 4), table.shape[1])]]
    return Slide(
        "returns",
        "table",
        "Quarterly returns received",
        line,
        table=table,
        notes="Each pathfinder's returns for the latest quarters: ✔ on time, ⚠ late, ✖ missing, "
        "○ not yet due, – not expected. Judged as of the latest load in the database.",
        source=RETURNS_SOURCE,
    )


def sources_slide(deck: Deck) -> Slide:
    bullets = [
        "Champions trained: Digital Health Champions trained, from the pathfinders' returns "
        "(the last accepted return per pathfinder and quarter counts).",
        "Coverage: people screened within the look-back period / all eligible people. Uptake: "
        "people invited who were screened within 6 months / people invited. First-time "
        "attendance: first-invitation attendances between screening cycles. Rank: position "
        "among all areas (1 = highest). Reach: people who saw a post, summed over posts.",
        "95% confidence intervals: Wilson score (proportions), Newcombe (differences). Better / "
        "similar / worse than England: the area's interval lies above / overlaps / lies below "
        "England's value. SPC: Making Data Count XmR rules.",
        f"Public data: OHID Fingertips and PHE screening coverage. {OGL_ATTRIBUTION}",
        GEOGRAPHY_ATTRIBUTION,
    ]
    if deck.synthetic:
        bullets.append(
            f"{SYNTHETIC_LABEL}. The pathfinders, their returns and the breast services' "
            "national table are synthetic sample data; the public screening figures are real."
        )
    else:
        bullets.append("Pathfinder figures come from the pathfinders' own quarterly returns.")
    if deck.left_out:
        bullets.append("Not included (no data loaded): " + "; ".join(deck.left_out) + ".")
    return Slide(
        "sources",
        "text",
        "Definitions and sources",
        "What each figure means and where it comes from",
        bullets=bullets,
        notes="Definitions, methods and sources for every figure in this pack.",
        source=OGL_ATTRIBUTION,
    )


def title_slide(deck: Deck) -> Slide:
    bullets = [
        f"Reporting period: to {deck.period}" if deck.period else "No returns loaded yet",
        "Data as of: "
        + (f"{deck.data_as_of:%d %B %Y %H:%M}" if deck.data_as_of else "no data loaded"),
        f"Prepared for: {deck.audience}",
    ]
    chosen = [
        f"{label}: {value}"
        for label, value in (
            ("Programme", deck.filters.programme and Programme(deck.filters.programme).label),
            ("Measure", deck.filters.measure and Measure(deck.filters.measure).label),
        )
        if value
    ]
    if chosen:
        bullets.append("Filters: " + ", ".join(chosen))
    if deck.synthetic:
        bullets.append(SYNTHETIC_LABEL)
    return Slide(
        "title",
        "title",
        deck.title,
        "Widening Digital Participation: Digital Health Champions and cancer screening",
        bullets=bullets,
        notes="Board pack generated from the WDP programme dashboard. Every figure is computed "
        "from the database at the time shown.",
    )


def continued(slide: Slide) -> list[Slide]:
    """A table slide as the slides its rows need to stay above the source line
    (``layout.table_parts``, measured as the pack draws them): the first keeps its key and title,
    the rest are titled "(continued)" with keys ``<key>_2``, ... Each repeats the headline, so a
    slide read alone still says what it shows."""
    if slide.table is None:
        return [slide]
    parts, widths = table_parts(slide.table, body_box(slide))
    if len(parts) == 1:
        return [slide]
    slides, first = [], 1
    for number, part in enumerate(parts, start=1):
        last = first + len(part) - 1
        slides.append(
            replace(
                slide,
                key=slide.key if number == 1 else f"{slide.key}_{number}",
                title=slide.title if number == 1 else f"{slide.title} (continued)",
                table=part,
                column_widths=tuple(widths),
                notes=f"{slide.notes} This slide: rows {first} to {last} of {len(slide.table)}.",
            )
        )
        first = last + 1
    return slides


# ------------------------------------------------------------------------------------------------
# The deck
# ------------------------------------------------------------------------------------------------

SLIDE_NAMES = {
    "headlines": "Headline results",
    "champions": "Champions trained to date",
    "champions_by_pathfinder": "Champions by pathfinder",
    "rag": "Pathfinder status by quarter",
    "status_table": "Where each pathfinder is",
    "returns": "Quarterly returns received",
    "public": "Public screening benchmark",
    "before_after": "Change after go-live",
    "evaluation": "Evaluation against matched practices",
    "activity": "Campaign reach",
}


def compose(
    db: Database,
    filters: PackFilters | None = None,
    *,
    audience: str = "WDP programme board",
    title: str = "WDP programme board pack",
) -> Deck:
    """The board pack's slides for these filters, from what ``db`` may read (a lead's database
    is scoped to their pathfinder), read on one connection."""
    with db.session():
        return _compose(db, filters or PackFilters(), audience=audience, title=title)


def _compose(db: Database, filters: PackFilters, *, audience: str, title: str) -> Deck:
    programme = filters.programme if filters.programme in {p.value for p in Programme} else None
    measure = filters.measure if filters.measure in {m.value for m in Measure} else None
    filters = replace(filters, programme=programme, measure=measure)
    periods, period = _periods(db, filters.period)
    deck = Deck(
        title=title,
        period=period,
        data_as_of=db.latest_load_time(),
        audience=audience,
        synthetic=db.is_sample_database(),
        filters=filters,
        slides=[],
    )
    found: list[tuple[str, Slide | list[Slide] | None]] = [("headlines", headline_slide(db))]
    if period is None:
        found += [(key, None) for key in ("champions", "rag", "status_table", "returns")]
    else:
        found += [
            ("champions", champions_slide(db, periods, period, filters.pathfinder)),
            (
                "champions_by_pathfinder",
                champions_by_pathfinder_slide(db, period, filters.pathfinder),
            ),
            ("rag", rag_slide(db, period)),
            ("status_table", status_table_slide(db, period, filters.pathfinder)),
            ("returns", returns_slide(db, period, filters.pathfinder)),
        ]
    found.append(
        ("public", public_slides(db, filters, programme or "cervical", measure or "coverage"))
    )
    found.append(
        (
            "before_after",
            before_after_slide(
                db, programme or "cervical", measure or "uptake", filters.pathfinder
            ),
        )
    )
    found.append(("evaluation", evaluation_slide(db, programme, measure, filters.pathfinder)))
    found.append(("activity", activity_slide(db, period, filters.pathfinder) if period else None))
    for key, made in found:
        made = [made] if isinstance(made, Slide) else (made or [])
        if not made:
            deck.left_out.append(SLIDE_NAMES[key])
        deck.slides.extend(part for slide in made for part in continued(slide))
    deck.slides.insert(0, title_slide(deck))
    deck.slides.append(sources_slide(deck))
    return deck
