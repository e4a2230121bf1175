"""The Pathfinder status page through AppTest, against real databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from etl.load import load_return
from tests import apptest
from tests.helpers import db_on, open_db, write_valid_return
from wdp.charts.styles import ALL_TINTS
from wdp.config import Colour
from wdp.db import status
from wdp.domain import Rag, ReportingPeriod, TrackerStatus


def run_page(monkeypatch: pytest.MonkeyPatch, db: Path, **params: str) -> AppTest:
    return apptest.run_page(monkeypatch, db, "pages/2_Pathfinder_status.py", **params)


metric = apptest.metric


def table(at: AppTest, first_column: str, second_column: str):
    """The shown table whose first two columns are these (the page has several)."""
    return next(
        d.value for d in at.dataframe if list(d.value.columns[:2]) == [first_column, second_column]
    )


def tracker_of(db: Path, period: str):
    with open_db(db, read_only=True) as con:
        return status.submission_tracker(con, period=period)


def test_page_shows_status_chart_tracker_milestones_and_risks(monkeypatch, seeded_db) -> None:
    at = run_page(monkeypatch, seeded_db)
    assert not at.exception
    assert at.title[0].value == "Pathfinder status"
    assert len(at.get("plotly_chart")) == 1
    # status, the chart's data, the tracker grid, milestones, risks
    assert len(at.dataframe) == 5
    assert at.selectbox(key="status_filter_period").value == "2018-19 Q1"  # the latest
    shown = table(at, "Pathfinder", "Stage")
    assert len(shown) == 20
    assert set(shown["RAG"]) <= {"◆ Red", "▲ Amber", "● Green"}
    assert not shown["Pathfinder"].str.startswith("WDP-").any()
    assert any("as of" in c.value and "latest load" in c.value for c in at.caption)
    assert len(at.expander) >= 2  # the chart's data and the definitions


def test_choosing_a_period_shows_that_periods_returns_and_rags(monkeypatch, seeded_db) -> None:
    period = "2017-18 Q2"
    at = run_page(monkeypatch, seeded_db)
    at.selectbox(key="status_filter_period").set_value(period).run()
    assert not at.exception
    assert at.query_params["period"] == period  # the URL carries it
    tracker = tracker_of(seeded_db, period)
    this = tracker[tracker["reporting_period"] == period]["status"]
    expected = int(this.isin(["on_time", "late", "missing", "not_yet_due"]).sum())
    received = int(this.isin(["on_time", "late"]).sum())
    assert metric(at, f"Returns for {period}") == f"{received} of {expected}"
    assert metric(at, "Received late") == str(int((this == "late").sum()))
    with open_db(seeded_db, read_only=True) as con:
        rags = status.pathfinder_status(con, period=period)
    shown = table(at, "Pathfinder", "Stage")
    assert list(shown["RAG"]) == [Rag.shown_for(r) for r in rags["rag"]]
    grid = table(at, "Pathfinder", "2017-18 Q1")
    assert list(grid.columns) == ["Pathfinder", "2017-18 Q1", period]


def test_a_pathfinder_link_shows_only_its_milestones_and_risks(monkeypatch, seeded_db) -> None:
    at = run_page(monkeypatch, seeded_db, pathfinder="WDP-STK")
    assert not at.exception
    assert any(s.value == "Milestones: Stoke-on-Trent" for s in at.subheader)
    milestones = table(at, "Pathfinder", "Milestone")
    risks = table(at, "Pathfinder", "Risk")
    with open_db(seeded_db, read_only=True) as con:
        stored = status.milestones(con, period="2018-19 Q1", pathfinder="WDP-STK")
        stored_risks = status.risks(con, period="2018-19 Q1", pathfinder="WDP-STK")
    assert len(milestones) == len(stored) > 0
    assert set(milestones["Pathfinder"]) == set(risks["Pathfinder"]) == {"Stoke-on-Trent"}
    assert len(risks) == len(stored_risks)
    assert (milestones["Overdue"] == "⚠ Overdue").sum() == int(stored["overdue"].sum())
    assert len(table(at, "Pathfinder", "Stage")) == 20  # the overview still shows everyone


def test_a_missing_return_is_counted_and_listed_to_chase(
    monkeypatch, seeded_db_copy, tmp_path
) -> None:
    """Stoke returns 2018-19 Q2; as of that load every other pathfinder's Q2 is overdue."""
    period = ReportingPeriod(2018, 2)
    with open_db(seeded_db_copy) as con:
        path = write_valid_return(tmp_path / "stk_2018-19_Q2.xlsx", period)
        assert load_return(db_on(con), path, loaded_by="test").status == "accepted"
    tracker = tracker_of(seeded_db_copy, period.label)
    missing = tracker[(tracker["status"] == "missing")]
    assert len(missing) > 0
    at = run_page(monkeypatch, seeded_db_copy)
    assert not at.exception
    assert metric(at, "Missing") == str(len(missing))
    chase = next(b for b in at.download_button if "chase list" in b.label)
    assert f"({len(missing)} returns outstanding)" in chase.label
    assert not at.success


def test_a_database_without_returns_says_how_to_load_one(monkeypatch, reference_db) -> None:
    at = run_page(monkeypatch, reference_db)
    assert not at.exception
    assert any("No returns have been loaded yet" in i.value for i in at.info)
    assert not at.dataframe


def contrast(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio of two #RRGGBB colours."""

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_rag_and_tracker_tints_keep_dark_text_readable() -> None:
    """WCAG AA (4.5:1) for the tables' text on every tint; the words carry the meaning anyway."""
    assert all(contrast(Colour.TEXT, tint) >= 4.5 for tint in ALL_TINTS)
    assert all(s.shown.split(" ")[-1].isalpha() or s.shown == "–" for s in TrackerStatus)
