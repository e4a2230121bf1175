"""The Overview page (dashboard.py) driven through Streamlit's AppTest, against real databases."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.helpers import open_db
from wdp.config import SYNTHETIC_LABEL
from wdp.db import queries

ROOT = Path(__file__).resolve().parent.parent
# AppTest resolves a relative path against the calling file (tests/), so pass it absolute.
DASHBOARD = ROOT / "dashboard.py"


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    """Loaders are cached process-wide; each test sees only its own database."""
    st.cache_data.clear()
    yield
    st.cache_data.clear()


def run_overview(monkeypatch: pytest.MonkeyPatch, db: Path) -> AppTest:
    monkeypatch.setenv("WDP_DB", str(db))
    return AppTest.from_file(str(DASHBOARD), default_timeout=30).run()


def summary_of(db: Path) -> dict[str, Any]:
    with open_db(db, read_only=True) as con:
        return queries.database_summary(con)


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_overview_runs_and_shows_its_title(monkeypatch, seeded_db) -> None:
    at = run_overview(monkeypatch, seeded_db)
    assert not at.exception
    assert at.title[0].value == "WDP programme dashboard"
    assert len(at.get("plotly_chart")) == 1
    assert len(at.dataframe) == 3  # the chart's data, the pathfinders, the submissions
    # The chart's text alternative: its data, one step away, named after it.
    assert "Data behind this chart: Champions trained to date" in [e.label for e in at.expander]


def test_champions_metric_equals_the_database_total(monkeypatch, seeded_db) -> None:
    expected = summary_of(seeded_db)
    at = run_overview(monkeypatch, seeded_db)
    assert metric(at, "Champions trained") == str(expected["staff_trained"])
    assert metric(at, "Pathfinders") == str(expected["pathfinders"])
    assert metric(at, "Returns rejected") == str(expected["returns_rejected"])
    assert metric(at, "Latest reporting period") == expected["reporting_periods"][-1]


def test_synthetic_sample_is_labelled(monkeypatch, seeded_db) -> None:
    at = run_overview(monkeypatch, seeded_db)
    assert any(SYNTHETIC_LABEL in w.value for w in at.warning)


def test_pathfinder_table_shows_names_and_written_rag(monkeypatch, seeded_db) -> None:
    at = run_overview(monkeypatch, seeded_db)
    table = next(d.value for d in at.dataframe if "RAG" in d.value.columns)
    assert len(table) == summary_of(seeded_db)["pathfinders"]
    # The RAG is written the same way on every page: its shape and its word ("▲ Amber").
    assert set(table["RAG"]) <= {"◆ Red", "▲ Amber", "● Green"}
    assert not table["Pathfinder"].str.startswith("WDP-").any()


def test_status_filter_shows_only_rejected_returns(monkeypatch, seeded_db) -> None:
    at = run_overview(monkeypatch, seeded_db)
    at.segmented_control(key="overview_status").set_value("Rejected").run()
    assert not at.exception
    history = next(d.value for d in at.dataframe if "Status" in d.value.columns)
    assert len(history) == summary_of(seeded_db)["returns_rejected"]
    assert set(history["Status"]) == {"Rejected"}


def test_missing_database_says_how_to_build_one(monkeypatch, tmp_path) -> None:
    at = run_overview(monkeypatch, tmp_path / "nowhere.duckdb")
    assert not at.exception
    assert len(at.info) == 1
    assert "python -m etl seed" in at.info[0].value
    assert "make run" in at.info[0].value
    assert not at.metric


def test_empty_database_file_says_how_to_rebuild_it(monkeypatch, tmp_path) -> None:
    empty = tmp_path / "empty.duckdb"
    empty.touch()
    at = run_overview(monkeypatch, empty)
    assert not at.exception
    assert "python -m etl seed" in at.info[0].value


def test_database_without_returns_shows_zeros_and_a_hint(monkeypatch, reference_db) -> None:
    at = run_overview(monkeypatch, reference_db)
    assert not at.exception
    assert metric(at, "Champions trained") == "0"
    assert any("No returns have been loaded yet" in i.value for i in at.info)
    assert not at.get("plotly_chart")
