"""Downloads: every table and chart's data as CSV that a spreadsheet opens safely."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _neutralise(value: Any) -> Any:
    return f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_PREFIXES) else value


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV for download; text that a spreadsheet would run as a formula is neutralised, in
    headers and in every text or categorical column (numbers and dates are left as they are)."""
    safe = frame.copy()
    if isinstance(safe.columns, pd.MultiIndex):
        safe.columns = safe.columns.map(lambda names: tuple(_neutralise(n) for n in names))
    else:
        safe.columns = [_neutralise(name) for name in safe.columns]
    for i in range(safe.shape[1]):  # by position: column names may repeat
        column = safe.iloc[:, i]
        if column.dtype == object or isinstance(column.dtype, pd.CategoricalDtype):
            safe.isetitem(i, column.astype(object).map(_neutralise))
        elif pd.api.types.is_string_dtype(column.dtype):
            safe.isetitem(i, column.map(_neutralise))
    # CRLF (RFC 4180) also makes the writer quote a field holding a bare "\r", which a
    # spreadsheet would otherwise read as a line break starting a new cell (and formula).
    return safe.to_csv(index=False, lineterminator="\r\n").encode("utf-8")


def download_csv(
    frame: pd.DataFrame, *, filename: str, key: str, label: str = "Download CSV"
) -> None:
    # Deferred: the CSV is made when the button is pressed, not on every run of the page.
    st.download_button(
        label,
        lambda: csv_bytes(frame),
        file_name=filename,
        mime="text/csv",
        key=key,
        icon=":material/download:",
        on_click="ignore",
    )
