"""How the programme's vocabulary looks: the colour of each RAG, tracker and submission status, and
the pale tint a table puts behind its word.

The words and symbols come from ``wdp.domain`` ("▲ Amber"); this module only adds colour, which
never carries meaning alone. Tints are pale behind dark text (4.5:1 or more, WCAG AA); chart
labels are dark text on white.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import pandas as pd
from pandas.io.formats.style import Styler

from wdp.config import Colour
from wdp.domain import LabelledEnum, Rag, SubmissionStatus, TrackerStatus

# Bars in charts: NHS colours, each with a dark outline (the warm yellow is pale against white).
RAG_COLOURS: dict[Rag, str] = {
    Rag.RED: Colour.RED,
    Rag.AMBER: Colour.WARM_YELLOW,
    Rag.GREEN: Colour.TEXT_GREEN,
}
RAG_TINTS: dict[Rag, str] = {
    Rag.RED: Colour.RED_TINT,
    Rag.AMBER: Colour.AMBER_TINT,
    Rag.GREEN: Colour.GREEN_TINT,
}
TRACKER_TINTS: dict[TrackerStatus, str] = {
    TrackerStatus.ON_TIME: Colour.GREEN_TINT,
    TrackerStatus.LATE: Colour.AMBER_TINT,
    TrackerStatus.MISSING: Colour.RED_TINT,
    TrackerStatus.NOT_YET_DUE: Colour.LIGHT_GREY,
}
SUBMISSION_TINTS: dict[SubmissionStatus, str] = {
    SubmissionStatus.REJECTED: Colour.RED_TINT,
    SubmissionStatus.SUPERSEDED: Colour.LIGHT_GREY,
    SubmissionStatus.NOT_COMPLETED: Colour.YELLOW_TINT,
}
OVERDUE = "⚠ Overdue"

ALL_TINTS = (*RAG_TINTS.values(), *TRACKER_TINTS.values(), *SUBMISSION_TINTS.values())


def _by_text(tints: Mapping[LabelledEnum, str]) -> dict[str, str]:
    """Tints keyed by the text a cell shows (the member's label with its symbol)."""
    return {member.shown: tint for member, tint in tints.items()}


def tint_cells(text_tints: Mapping[str, str]) -> Callable[[object], str]:
    """A Styler cell function: the tint behind a cell whose text is a key of ``text_tints``."""
    return lambda value: f"background-color: {text_tints[value]}" if value in text_tints else ""


def tinted(
    table: pd.DataFrame | Styler,
    tints: Mapping[LabelledEnum, str],
    columns: Iterable[str],
) -> Styler:
    """The table with each listed column's cells tinted by the status they show."""
    styler = table.style if isinstance(table, pd.DataFrame) else table
    return styler.map(tint_cells(_by_text(tints)), subset=list(columns))
