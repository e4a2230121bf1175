"""The Screening uptake page through AppTest, and its queries, on the seeded sample database."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests import apptest
from tests.helpers import open_db
from wdp.db import screening


def run_page(monkeypatch: pytest.MonkeyPatch, db: Path, **params: str) -> AppTest:
    return apptest.run_page(monkeypatch, db, "pages/3_Screening_uptake.py", **params)


def test_page_renders_headlines_map_and_league_table(monkeypatch, seeded_db: Path) -> None:
    at = run_page(monkeypatch, seeded_db)
    assert not at.exception
    assert any("58th → 11th" == m.value for m in at.metric)
    assert len(at.get("plotly_chart")) >= 2  # the hex map and the compare-areas chart
    assert any("League table" in m.value for m in at.markdown)


def test_league_table_follows_the_chosen_indicator_and_year(monkeypatch, seeded_db: Path) -> None:
    at = run_page(monkeypatch, seeded_db, programme="breast", measure="coverage", year="2014")
    assert not at.exception
    with open_db(seeded_db, read_only=True) as con:
        expected = screening.league_table(
            con, indicator_id=22001, time_period="2014", level="district_ua"
        )
    table = at.dataframe[0].value
    assert list(table["Area"]) == list(expected["area_name"])
    assert table["Value (%)"].iloc[0] == round(expected["value"].iloc[0], 1)
    summary = next(m.value for m in at.markdown if "areas; England" in m.value)
    assert f"England {expected['england_value'].iloc[0]:.1f}%" in summary


def test_a_measure_without_public_data_says_how_to_add_it(monkeypatch, seeded_db: Path) -> None:
    at = run_page(monkeypatch, seeded_db, programme="bowel", measure="uptake")
    assert not at.exception
    assert any("import-fingertips" in i.value for i in at.info)


def test_league_table_ranks_and_judges_every_area(seeded_db: Path) -> None:
    with open_db(seeded_db, read_only=True) as con:
        league = screening.league_table(
            con, indicator_id=93560, time_period="2024", level="district_ua"
        )
    assert len(league) == 296
    assert list(league["rank"]) == sorted(league["rank"])
    assert league["value"].is_monotonic_decreasing
    assert set(league["compared_to_england"]) <= {"better", "similar", "worse"}
    # Rank change: previous rank minus this rank (positive = moved up).
    moved = league.dropna(subset=["previous_rank"])
    assert (moved["rank_change"] == moved["previous_rank"] - moved["rank"]).all()


def test_a_pathfinder_area_trend_has_england_beside_it(seeded_db: Path) -> None:
    with open_db(seeded_db, read_only=True) as con:
        trend = screening.area_trend(con, indicator_id=93560, area_code="E06000021")
    assert list(trend["time_period"]) == [str(y) for y in range(2010, 2025)]
    assert trend["england_value"].notna().all()


def test_pathfinder_figures_carry_wilson_limits(seeded_db: Path) -> None:
    with open_db(seeded_db, read_only=True) as con:
        figures = screening.pathfinder_figures(
            con, programme="cervical", measure="uptake", pathfinder_code="WDP-PRE"
        )
    assert not figures.empty
    assert (
        (figures["lower_95"] <= figures["value"]) & (figures["value"] <= figures["upper_95"])
    ).all()
    assert "North Preston Medical Practice" in set(figures["area_name"])


def test_before_and_after_go_live_uses_quarters_wholly_either_side(seeded_db: Path) -> None:
    from wdp.charts.screening import before_after_frame

    with open_db(seeded_db, read_only=True) as con:
        rows = screening.before_after_go_live(con, programme="cervical", measure="uptake")
        quarters = con.execute(
            """SELECT sum(numerator), sum(denominator) FROM latest_screening s
               JOIN (SELECT pathfinder_code, min(go_live_date) AS live
                     FROM current_pathfinder_status GROUP BY 1) g USING (pathfinder_code)
               WHERE pathfinder_code = 'WDP-PRE' AND programme = 'cervical'
                 AND measure = 'uptake' AND area_type = 'gp_practice'
                 AND period_end < live AND month(period_start) IN (1, 4, 7, 10)
                 AND date_diff('day', period_start, period_end) < 93"""
        ).fetchone()
    preston = rows[rows["pathfinder_code"] == "WDP-PRE"].iloc[0]
    assert (preston["before_numerator"], preston["before_denominator"]) == quarters
    frame = before_after_frame(rows)
    assert set(frame["Verdict"]) <= {"improved", "deteriorated", "no clear change"}
    # A verdict of change only when the interval excludes zero.
    assert ((frame["Verdict"] == "improved") == (frame["_lower"] > 0)).all()


def test_the_map_can_be_coloured_by_the_national_standard(monkeypatch, seeded_db: Path) -> None:
    at = run_page(monkeypatch, seeded_db, programme="breast", measure="coverage")
    at.toggle(key="screening_by_standard").set_value(True).run()
    assert not at.exception
    titles = [c.proto.spec for c in at.get("plotly_chart")]
    assert any("against the national standard" in spec for spec in titles)
    assert any("Below the acceptable standard (70%)" in spec for spec in titles)


def test_standard_bands_split_at_acceptable_and_achievable() -> None:
    import pandas as pd

    from wdp.charts.screening import standard_bands

    values = pd.Series([65.0, 70.0, 79.9, 80.0, None])
    assert standard_bands(values, 70, 80).tolist() == [
        "below",
        "acceptable",
        "acceptable",
        "achievable",
        None,
    ]
    assert standard_bands(values, 80, None).tolist()[:4] == [
        "below",
        "below",
        "below",
        "acceptable",
    ]
