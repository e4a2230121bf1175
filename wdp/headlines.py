"""The programme's headline results, computed from the database with their uncertainty.

Which results the programme reports (DOMAIN.md) is configuration: the areas and measures below.
The figures themselves always come from the data; a headline whose data is not loaded is left
out rather than shown empty. Each headline names its measure, because they are different measures
(first-time attendance, uptake rank, attendances, reach) and must not be compared with each other.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from wdp.db import Database
from wdp.stats import count_ratio_interval


@dataclass(frozen=True)
class Headline:
    key: str
    title: str  # who and what
    value: str  # the figure, e.g. "+12.9%"
    detail: str  # the uncertainty and the comparison, in words
    measure: str  # which measure this is (never compared across headlines)
    page: str  # where the figure is explained


SCREENING_PAGE = "pages/3_Screening_uptake.py"
ACTIVITY_PAGE = "pages/4_Campaign_activity.py"


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _fy(day: pd.Timestamp) -> str:
    return f"{day.year}-{(day.year + 1) % 100:02d}"


def first_time_attendance_change(
    db: Database,
    *,
    service: str = "NMI",
    name: str = "North Midlands Breast Screening Service",
) -> Headline | None:
    changes = db.screening_change_between_cycles(
        area_code=service, programme="breast", measure="first_time_attendance"
    )
    if changes.empty:
        return None
    pooled, lower, upper = count_ratio_interval(
        float(changes["previous_cycle"].sum()), float(changes["this_cycle"].sum())
    )
    first, last = changes["period_start"].min(), changes["period_end"].max()
    return Headline(
        "nmi_first_time",
        f"{name}: first-time attendances",
        f"{100 * changes['change'].mean():+.1f}%",
        f"average change between screening cycles, {first.year} to {last.year} "
        f"({len(changes)} years, each against the same wards 3 years earlier); pooled "
        f"{pooled:+.1f}% (95% CI {lower:+.1f}% to {upper:+.1f}%)",
        "first-time attendance",
        SCREENING_PAGE,
    )


def uptake_rank_change(
    db: Database,
    *,
    service: str = "NMI",
    name: str = "North Midlands Breast Screening Service",
) -> Headline | None:
    ranks = db.national_rank(area_type="screening_service", programme="breast", measure="uptake")
    mine = ranks[ranks["area_code"] == service].sort_values("period_start")
    if len(mine) < 2:
        return None
    before, after = mine.iloc[-2], mine.iloc[-1]
    return Headline(
        "nmi_rank",
        f"{name}: uptake rank",
        f"{ordinal(int(before['rank']))} → {ordinal(int(after['rank']))}",
        f"national league table of {int(after['areas'])} services, "
        f"{_fy(before['period_start'])} to {_fy(after['period_start'])} (uptake "
        f"{100 * before['value']:.1f}% → {100 * after['value']:.1f}%; 1 = highest)",
        "uptake (rank)",
        SCREENING_PAGE,
    )


def attendance_change(
    db: Database,
    *,
    practice: str = "P81103",
    name: str = "North Preston Medical Centre",
) -> Headline | None:
    changes = db.same_period_year_earlier(
        area_code=practice, programme="cervical", measure="uptake"
    )
    half_years = changes[(changes["period_end"] - changes["period_start"]).dt.days > 150]
    if half_years.empty:
        return None
    row = half_years.iloc[-1]
    change, lower, upper = count_ratio_interval(float(row["year_before"]), float(row["this_year"]))
    span = f"{row['period_start']:%b}-{row['period_end']:%b %Y}"
    return Headline(
        "preston_attendances",
        f"{name}: women attending cervical screening",
        f"{change:+.0f}%",
        f"{span} against the same months a year before ({int(row['year_before']):,} → "
        f"{int(row['this_year']):,}; 95% CI {lower:+.0f}% to {upper:+.0f}%)",
        "attendances",
        SCREENING_PAGE,
    )


def top_post_reach(db: Database) -> Headline | None:
    top = db.top_posts(period_end=None, pathfinder=None, limit=1)
    if top.empty or pd.isna(top.iloc[0]["reach"]):
        return None
    post = top.iloc[0]
    return Headline(
        "top_post",
        f"{post['posted_by']}: most-read post",
        f"{int(post['reach']):,}",
        f"people reached by “{post['post_title']}”, {post['month']:%B %Y}. Reach is an output "
        "of the campaign, not a health outcome.",
        "social-media reach",
        ACTIVITY_PAGE,
    )


def headline_figures(db: Database) -> list[Headline]:
    """Every headline whose data is loaded, in the order the programme reports them."""
    found = (
        first_time_attendance_change(db),
        uptake_rank_change(db),
        attendance_change(db),
        top_post_reach(db),
    )
    return [h for h in found if h is not None]
