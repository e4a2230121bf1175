"""The synthetic sample programme reproduces, when computed, the headline figures in DOMAIN.md."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from etl.sample import generate
from etl.workbook import read_workbook
from tests.helpers import open_db
from wdp.config import SAMPLE_DIR
from wdp.db import activity, queries


@pytest.fixture(scope="module")
def con(seeded_db: Path):
    with open_db(seeded_db, read_only=True) as connection:
        yield connection


def test_north_midlands_first_time_attendances_up_12_9_percent_between_cycles(con) -> None:
    changes = queries.screening_change_between_cycles(
        con, area_code="NMI", programme="breast", measure="first_time_attendance"
    )
    years = [d.year for d in changes["period_start"]]
    assert years == [2014, 2015, 2016, 2017]  # 2014-15 .. 2017-18, each against 3 years before
    assert round(100 * changes["change"].mean(), 1) == 12.9


def test_north_midlands_uptake_rank_rose_from_58th_to_11th(con) -> None:
    ranks = queries.national_rank(
        con, area_type="screening_service", programme="breast", measure="uptake"
    )
    nmi = ranks[ranks["area_code"] == "NMI"]
    nmi = nmi.set_index(nmi["period_start"].dt.year)
    assert nmi.loc[2016, "rank"] == 58 and nmi.loc[2017, "rank"] == 11
    assert nmi.loc[2016, "areas"] == nmi.loc[2017, "areas"] == 78
    # The service's own return reports the same uptake the national table ranks.
    reported = con.execute(
        "SELECT year(period_start), numerator, denominator FROM latest_screening "
        "WHERE area_code = 'NMI' AND measure = 'uptake' ORDER BY 1"
    ).fetchall()
    for year, numerator, denominator in reported:
        assert (numerator, denominator) == (
            nmi.loc[year, "numerator"],
            nmi.loc[year, "denominator"],
        )


def test_north_preston_cervical_attendances_up_25_percent_on_a_year_before(con) -> None:
    changes = queries.same_period_year_earlier(
        con, area_code="P81103", programme="cervical", measure="uptake"
    )
    jan_jun = changes[
        (changes["period_start"].dt.month == 1) & (changes["period_end"].dt.month == 6)
    ]
    assert len(jan_jun) == 1
    assert round(100 * jan_jun["change"].iloc[0]) == 25


def test_a_bay_medical_group_post_reached_over_a_million(con) -> None:
    top = activity.top_posts(con, period_end=None, pathfinder=None, limit=1).iloc[0]
    assert top["practice_code"] == "Y01008" and top["posted_by"] == "Bay Medical Group"
    assert top["reach"] > 1_000_000


def test_about_350_champions_across_20_synthetic_pathfinders(con) -> None:
    summary = queries.database_summary(con)
    assert summary["pathfinders"] == summary["synthetic_pathfinders"] == 20
    assert 330 <= summary["staff_trained"] <= 370
    assert summary["pathfinders_reporting"] == 20


def test_history_holds_rejected_and_superseded_returns(con) -> None:
    history = queries.submission_history(con)
    counts = history["status"].value_counts().to_dict()
    assert counts.get("rejected", 0) >= 3
    assert counts.get("superseded", 0) >= 1
    assert history["loaded_by"].eq("sample-programme").all()


def test_committed_sample_is_what_the_generator_writes(tmp_path: Path) -> None:
    """The shipped .xlsx files stay in step with the generator and the current template."""
    manifest = generate(tmp_path)
    committed = json.loads((SAMPLE_DIR / "manifest.json").read_text())
    assert manifest["returns"] == committed["returns"]
    for name in ("pathfinders.csv", "national_breast_uptake_by_service.csv"):
        assert (tmp_path / name).read_text() == (SAMPLE_DIR / name).read_text(), name
    for entry in committed["returns"]:
        fresh, _ = read_workbook(tmp_path / entry["file"])
        shipped, _ = read_workbook(SAMPLE_DIR / entry["file"])
        assert fresh.sheets == shipped.sheets, f"{entry['file']}: run `make sample`"
