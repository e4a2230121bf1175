"""The Trained staff page's widgets and definitions, and the reporting-period / pathfinder scope
filter that it shares with the Campaign activity page.

Scope: a reporting period means "to date at the end of that quarter" (its returns and every
earlier quarter's), so a chosen period never hides training that happened before it. Both filters
live in the URL (``?period=2017-18+Q3&pathfinder=WDP-STK``) and carry across pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import streamlit as st

from wdp.ui import filters
from wdp.ui.data import reader_scope, reads
from wdp.ui.page import no_returns_yet

PAGE = "training"
# No target is in the data yet: the reported figure is drawn as a reference, not as a target.


SOURCE = (
    "the pathfinders' quarterly returns (Training sheet). Only the return that currently counts "
    "is used: the last accepted return per pathfinder and quarter, so a corrected return "
    "replaces the one it corrects."
)
DEFINITIONS = {
    "Champions trained": "practice and other staff who completed a Digital Health Champion "
    "course, as counted in the returns (counts, never names). Returns count completions per "
    "course, so someone who completed two courses is counted twice.",
    "Trained to date": "champions trained from the first return up to and including the chosen "
    "reporting period (or the latest one).",
    "~350 reported": "the number the programme reports having trained so far. It is a reference "
    "line, not a target: no target has been set in the data.",
    "Share of champions (%)": "champions in the group / all champions trained in the chosen "
    "pathfinders and periods.",
    "GP practices with champions": "distinct GP practices (ODS codes) with at least one champion "
    "trained; practice names from the NHS ODS GP practice list.",
    "Reporting period": "an NHS financial-year quarter: 2017-18 Q1 is April to June 2017.",
    "Source": SOURCE,
}


@dataclass(frozen=True)
class Scope:
    """Which returns a page counts: up to ``period_end`` (None: all), one pathfinder or all."""

    period_end: str | None
    pathfinder: str | None
    pathfinder_name: str | None
    first_period: str
    last_period: str

    @property
    def kwargs(self) -> dict[str, Any]:
        return {"period_end": self.period_end, "pathfinder": self.pathfinder}

    @property
    def periods(self) -> str:
        if self.first_period == self.last_period:
            return self.first_period
        return f"{self.first_period} to {self.last_period}"

    @property
    def who(self) -> str:
        return self.pathfinder_name or "all pathfinders"

    def title(self, what: str) -> str:
        """A chart title naming the measure, with the pathfinders and periods beneath it."""
        who = self.who[0].upper() + self.who[1:]
        return f"{what}<br><sup>{who}, {self.periods}</sup>"

    def nothing(self, what: str) -> str:
        """The sentence shown when the selection has nothing to show."""
        return (
            f"No {what} in the returns for {self.who}, {self.periods}. Choose a later reporting "
            "period or another pathfinder in the sidebar."
        )


def read_scope(periods: list[str], *, page: str) -> Scope:
    """The sidebar's reporting period and pathfinder filters (URL-backed), as a Scope. A lead
    sees only their own pathfinder, so it is chosen for them: "all" would be one.

    Stops the page with a sentence when no return has been loaded yet.
    """
    if not periods:
        no_returns_yet()
    newest_first = list(reversed(periods))
    period = filters.select(
        "period",
        newest_first,
        labels={filters.ALL: f"All (to {periods[-1]})", **{p: f"Up to {p}" for p in periods}},
        page=page,
    )
    st.sidebar.caption("Figures are to date: every quarter up to and including the one chosen.")
    overview = reads.pathfinder_overview()
    names = dict(zip(overview["pathfinder_code"], overview["pathfinder_name"], strict=True))
    pathfinder = filters.select(
        "pathfinder", list(names), labels=names, allow_all=reader_scope() is None, page=page
    )
    return Scope(
        period_end=period,
        pathfinder=pathfinder,
        pathfinder_name=names.get(pathfinder) if pathfinder else None,
        first_period=periods[0],
        last_period=period or periods[-1],
    )
