"""The Pathfinder status page's filters and widgets (the page lays them out)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from wdp.charts import status as build
from wdp.domain import NO_RETURN
from wdp.ui import filters
from wdp.ui.data import reader_scope

PAGE = "status"


def choose_period(periods: pd.DataFrame) -> str:
    """The reporting period filter: every quarter with returns, the latest by default."""
    options = list(periods["reporting_period"])
    chosen = filters.select("period", options, allow_all=False, default=options[-1], page=PAGE)
    return chosen or options[-1]


def choose_pathfinder(status: pd.DataFrame) -> str | None:
    """The pathfinder filter (codes in the URL, names in the menu); None means all. A lead sees
    only their own pathfinder, so it is chosen for them."""
    names = dict(zip(status["pathfinder_code"], status["pathfinder_name"], strict=True))
    return filters.select(
        "pathfinder", list(names), labels=names, allow_all=reader_scope() is None, page=PAGE
    )


def return_cards(counts: dict[str, int], *, period: str, as_of: str) -> None:
    """Returns for the chosen period: received of expected, on time, late, missing."""
    cards = st.columns(4)
    cards[0].metric(
        f"Returns for {period}",
        f"{counts['received']} of {counts['expected']}",
        help="Received against expected: every pathfinder that had sent its first return.",
        border=True,
    )
    cards[1].metric("Received on time", counts["on_time"], border=True)
    cards[2].metric("Received late", counts["late"], border=True)
    cards[3].metric(
        "Missing",
        counts["missing"],
        help=f"Due date passed, nothing received, as of {as_of}.",
        border=True,
    )


def pathfinder_summary(status: pd.DataFrame, pathfinder: str) -> None:
    """The chosen pathfinder's stage, RAG and latest commentary in full (the table truncates it)."""
    row = build.status_frame(status[status["pathfinder_code"] == pathfinder]).iloc[0]
    if row["Last return"] == NO_RETURN:
        st.info(f"{row['Pathfinder']} had not sent a return by this period.")
        return
    st.markdown(
        f"**{row['Pathfinder']}**: stage {row['Stage']}, RAG **{row['RAG']}** (return for "
        f"{row['Last return']}). {row['Latest commentary']}"
    )
