"""The Trained staff page through AppTest, on the seeded sample database."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests import apptest
from tests.helpers import open_db
from wdp.config import SYNTHETIC_LABEL


def run_page(monkeypatch: pytest.MonkeyPatch, db: Path, **params: str) -> AppTest:
    return apptest.run_page(monkeypatch, db, "pages/1_Trained_staff.py", **params)


metric = apptest.metric


def test_page_runs_with_charts_table_and_synthetic_label(monkeypatch, seeded_db: Path) -> None:
    at = run_page(monkeypatch, seeded_db)
    assert not at.exception
    assert at.title[0].value == "Trained staff"
    assert any(SYNTHETIC_LABEL in w.value for w in at.warning)
    assert len(at.get("plotly_chart")) == 5
    records = at.dataframe[-1].value
    assert not records["Pathfinder"].str.startswith("WDP-").any()
    assert "Practice nurse" in set(records["Staff role"])


def test_totals_match_the_database(monkeypatch, seeded_db: Path) -> None:
    with open_db(seeded_db, read_only=True) as con:
        total, practices = con.execute(
            "SELECT sum(champions_trained), count(DISTINCT practice_code) FROM current_training"
        ).fetchone()
    at = run_page(monkeypatch, seeded_db)
    assert metric(at, "Champions trained") == str(total)
    assert metric(at, "GP practices with champions") == str(practices)


def test_pathfinder_and_period_filters_narrow_the_figures(monkeypatch, seeded_db: Path) -> None:
    with open_db(seeded_db, read_only=True) as con:
        expected = con.execute(
            "SELECT sum(champions_trained) FROM current_training "
            "WHERE pathfinder_code = ? AND reporting_period <= ?",
            ["WDP-STK", "2017-18 Q3"],
        ).fetchone()[0]
    at = run_page(monkeypatch, seeded_db, pathfinder="WDP-STK", period="2017-18 Q3")
    assert not at.exception
    assert metric(at, "Champions trained") == str(expected)
    assert at.selectbox(key="training_filter_pathfinder").value == "WDP-STK"
    records = at.dataframe[-1].value
    assert set(records["Pathfinder"]) == {"Stoke-on-Trent"}
    assert records["Champions trained"].sum() == expected


def test_choosing_a_pathfinder_in_the_sidebar_updates_the_page(
    monkeypatch, seeded_db: Path
) -> None:
    with open_db(seeded_db, read_only=True) as con:
        expected = con.execute(
            "SELECT sum(champions_trained) FROM current_training WHERE pathfinder_code = ?",
            ["WDP-PRE"],
        ).fetchone()[0]
    at = run_page(monkeypatch, seeded_db)
    at.selectbox(key="training_filter_pathfinder").set_value("WDP-PRE").run()
    assert not at.exception
    assert metric(at, "Champions trained") == str(expected)
    assert at.query_params["pathfinder"] == "WDP-PRE"  # the choice goes into the URL


def test_a_selection_without_training_says_so(monkeypatch, seeded_db: Path) -> None:
    at = run_page(monkeypatch, seeded_db, pathfinder="WDP-BAR", period="2017-18 Q1")
    assert not at.exception
    assert any("No champions trained" in i.value for i in at.info)
    assert not at.get("plotly_chart")


def test_a_database_without_returns_says_how_to_load_one(monkeypatch, reference_db) -> None:
    at = run_page(monkeypatch, reference_db)
    assert not at.exception
    assert any("No returns have been loaded yet" in i.value for i in at.info)
