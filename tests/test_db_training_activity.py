"""The Trained staff and Campaign activity queries, against the seeded sample programme."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.helpers import open_db
from wdp.db import activity, queries, training

ALL = {"period_end": None, "pathfinder": None}
STOKE_TO_Q3 = {"period_end": "2017-18 Q3", "pathfinder": "WDP-STK"}


@pytest.fixture
def con(seeded_db: Path):
    with open_db(seeded_db, read_only=True) as connection:
        yield connection


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None):
    return con.execute(sql, params or []).fetchone()[0]


def test_champions_in_every_breakdown_add_up_to_the_database_total(con) -> None:
    expected = queries.database_summary(con)["staff_trained"]
    assert expected > 0
    months = training.champions_by_month(con, **ALL)
    assert months["champions_trained"].sum() == expected
    assert months["cumulative"].iloc[-1] == expected
    for query in (
        training.champions_by_pathfinder,
        training.champions_by_role,
        training.champions_by_practice,
        training.training_records,
    ):
        assert query(con, **ALL)["champions_trained"].sum() == expected, query.__name__


def test_a_period_counts_that_quarter_and_every_earlier_one(con) -> None:
    expected = scalar(
        con,
        "SELECT sum(champions_trained) FROM current_training "
        "WHERE pathfinder_code = 'WDP-STK' AND reporting_period IN "
        "('2017-18 Q1', '2017-18 Q2', '2017-18 Q3')",
    )
    months = training.champions_by_month(con, **STOKE_TO_Q3)
    assert months["cumulative"].iloc[-1] == expected
    # Every month from the first training to the end of 2017-18 Q3, none skipped.
    assert str(months["month"].iloc[-1].date()) == "2017-12-01"
    assert months["month"].diff().dropna().dt.days.between(28, 31).all()
    by_pathfinder = training.champions_by_pathfinder(con, **STOKE_TO_Q3)
    assert list(by_pathfinder["pathfinder_name"]) == ["Stoke-on-Trent"]
    assert by_pathfinder["champions_trained"].iloc[0] == expected


def test_every_pathfinder_is_listed_even_before_it_trains_anyone(con) -> None:
    early = training.champions_by_pathfinder(con, period_end="2017-18 Q1", pathfinder=None)
    assert len(early) == scalar(con, "SELECT count(*) FROM ref_pathfinder")
    assert (early["champions_trained"] == 0).any()
    assert list(early["champions_trained"]) == sorted(early["champions_trained"], reverse=True)


def test_practices_are_named_from_the_gp_practice_list_with_their_pathfinder(con) -> None:
    practices = training.champions_by_practice(con, **ALL)
    assert practices["practice_name"].notna().all()
    assert practices["pathfinder_name"].notna().all()
    bay = practices[practices["practice_code"] == "Y01008"].iloc[0]
    assert bay["practice_name"] == "Bay Medical Group"
    assert bay["pathfinder_name"] == "Morecambe Bay"


def test_a_selection_with_no_returns_is_empty_not_an_error(con) -> None:
    nothing = {"period_end": "2017-18 Q1", "pathfinder": "WDP-BAR"}  # Barking starts in Q3
    assert training.champions_by_month(con, **nothing).empty
    assert training.champions_by_role(con, **nothing).empty
    assert activity.activity_by_pathfinder(con, **nothing).empty
    assert activity.activity_by_month(con, **nothing).empty
    assert activity.top_posts(con, **nothing).empty
    unknown = {"period_end": "1999-00 Q1", "pathfinder": None}
    assert training.training_records(con, **unknown).empty


def test_the_top_post_is_bay_medical_groups_million_reach_post(con) -> None:
    posts = activity.top_posts(con, **ALL)
    top = posts.iloc[0]
    assert top["practice_code"] == "Y01008"
    assert top["posted_by"] == "Bay Medical Group"
    assert top["reach"] > 1_000_000
    assert posts["post_title"].notna().all()
    assert posts["reach"].is_monotonic_decreasing
    assert len(posts) == 10


def test_activity_totals_match_the_current_returns(con) -> None:
    for measure in activity.MEASURES:
        expected = scalar(con, f"SELECT sum({measure}) FROM current_activity")
        assert activity.activity_by_pathfinder(con, **ALL)[measure].sum() == expected, measure
        assert activity.activity_by_month(con, **ALL)[measure].sum() == expected, measure


def test_activity_for_one_pathfinder_and_period(con) -> None:
    expected = scalar(
        con,
        "SELECT sum(reach) FROM current_activity WHERE pathfinder_code = ? "
        "AND reporting_period <= ?",
        ["WDP-STK", "2017-18 Q3"],
    )
    by_pathfinder = activity.activity_by_pathfinder(con, **STOKE_TO_Q3)
    assert list(by_pathfinder["pathfinder_name"]) == ["Stoke-on-Trent"]
    assert by_pathfinder["reach"].iloc[0] == expected
    by_month = activity.activity_by_month(con, **STOKE_TO_Q3)
    assert by_month["reach"].sum() == expected
    assert str(by_month["month"].iloc[-1].date()) == "2017-12-01"
