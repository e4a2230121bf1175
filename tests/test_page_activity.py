"""The Campaign activity page through AppTest, on the seeded sample database."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests import apptest
from tests.helpers import open_db


def run_page(monkeypatch: pytest.MonkeyPatch, db: Path, **params: str) -> AppTest:
    return apptest.run_page(monkeypatch, db, "pages/4_Campaign_activity.py", **params)


metric = apptest.metric


def test_page_runs_and_says_these_are_outputs_not_outcomes(monkeypatch, seeded_db: Path) -> None:
    at = run_page(monkeypatch, seeded_db)
    assert not at.exception
    assert at.title[0].value == "Campaign activity"
    assert any("outputs, not health outcomes" in i.value for i in at.info)
    assert len(at.get("plotly_chart")) == 2


def test_top_posts_start_with_bay_medical_groups_post(monkeypatch, seeded_db: Path) -> None:
    with open_db(seeded_db, read_only=True) as con:
        title, reach = con.execute(
            "SELECT post_title, reach FROM current_activity WHERE post_title IS NOT NULL "
            "ORDER BY reach DESC LIMIT 1"
        ).fetchone()
    at = run_page(monkeypatch, seeded_db)
    posts = at.dataframe[-1].value
    top = posts.iloc[0]
    assert top["Posted by"] == "Bay Medical Group"
    assert top["Pathfinder"] == "Morecambe Bay"
    assert top["Post"] == title
    assert top["Reach"] == reach > 1_000_000


def test_pathfinder_filter_narrows_every_total(monkeypatch, seeded_db: Path) -> None:
    with open_db(seeded_db, read_only=True) as con:
        reach, booked = con.execute(
            "SELECT sum(reach), sum(appointments_booked) FROM current_activity "
            "WHERE pathfinder_code = ? AND reporting_period <= ?",
            ["WDP-STK", "2017-18 Q3"],
        ).fetchone()
    at = run_page(monkeypatch, seeded_db, pathfinder="WDP-STK", period="2017-18 Q3")
    assert not at.exception
    assert metric(at, "Reach") == f"{reach:,}"
    assert metric(at, "Appointments booked") == f"{booked:,}"
    by_pathfinder = at.dataframe[1].value
    assert list(by_pathfinder["Pathfinder"]) == ["Stoke-on-Trent"]


def test_measure_selector_changes_the_charts_measure(monkeypatch, seeded_db: Path) -> None:
    at = run_page(monkeypatch, seeded_db)
    at.segmented_control(key="activity_measure").set_value("appointments_booked").run()
    assert not at.exception
    titles = [c.proto.spec for c in at.get("plotly_chart")]
    assert all("Appointments booked by" in spec for spec in titles)
    assert not any("Reach by" in spec for spec in titles)


def test_a_selection_without_activity_says_so(monkeypatch, seeded_db: Path) -> None:
    at = run_page(monkeypatch, seeded_db, pathfinder="WDP-BAR", period="2017-18 Q1")
    assert not at.exception
    assert any("No campaign activity" in i.value for i in at.info)
    assert not at.get("plotly_chart")
