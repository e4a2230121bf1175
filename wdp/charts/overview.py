"""The Overview page's tables: pathfinders and load attempts as people read them (names and
labels, not codes; RAG and outcome written out, tinted as on every other page)."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
from pandas.io.formats.style import Styler

from wdp.charts.styles import RAG_TINTS, SUBMISSION_TINTS, tinted
from wdp.domain import NO_RETURN, Rag, Stage, SubmissionStatus

NOT_READ = "Not read"  # a rejected file whose pathfinder or period could not be read


def pathfinder_table(overview: pd.DataFrame) -> Styler:
    """One row per pathfinder: stage, RAG ("▲ Amber"), champions, latest return."""
    table = pd.DataFrame(
        {
            "Pathfinder": overview["pathfinder_name"],
            "Stage": overview["stage"].map(Stage.label_for),
            "RAG": overview["rag"].map(Rag.shown_for),
            "Champions trained": overview["champions_trained"].astype("int64"),
            "Latest period": overview["latest_period"].fillna(NO_RETURN),
            "Last loaded": overview["last_loaded"],
        }
    )
    return tinted(table, RAG_TINTS, ["RAG"])


def _pathfinder_name(names: dict[str, str]) -> Callable[[str], str]:
    # A rejected return may carry a code that is not in the register (a typo): show it as typed.
    return lambda code: names.get(code, f"{code} (not in register)")


def submission_table(history: pd.DataFrame, overview: pd.DataFrame) -> Styler:
    """Load attempts, newest first, with pathfinder names (from the overview) and the outcome."""
    names = dict(zip(overview["pathfinder_code"], overview["pathfinder_name"], strict=True))
    codes = history["pathfinder_code"]
    table = pd.DataFrame(
        {
            "Loaded": history["loaded_at"],
            "File": history["file_name"],
            "Pathfinder": codes.map(_pathfinder_name(names), na_action="ignore").fillna(NOT_READ),
            "Period": history["reporting_period"].fillna(NOT_READ),
            "Status": history["status"].map(SubmissionStatus.shown_for),
            "Errors": history["errors"].astype("int64"),
            "Warnings": history["warnings"].astype("int64"),
            "Loaded by": history["loaded_by"],
        }
    )
    return tinted(table, SUBMISSION_TINTS, ["Status"])
