"""The headline results the programme reports, computed from the sample database."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import db_on, open_db
from wdp.headlines import headline_figures


def test_headlines_are_computed_with_their_measures_and_intervals(seeded_db: Path) -> None:
    with open_db(seeded_db, read_only=True) as con:
        headlines = {h.key: h for h in headline_figures(db_on(con))}
    assert list(headlines) == ["nmi_first_time", "nmi_rank", "preston_attendances", "top_post"]
    assert headlines["nmi_first_time"].value == "+12.9%"
    assert "95% CI" in headlines["nmi_first_time"].detail
    assert headlines["nmi_rank"].value == "58th → 11th"
    assert "2016-17 to 2017-18" in headlines["nmi_rank"].detail
    assert headlines["preston_attendances"].value == "+25%"
    assert "95% CI +10% to +42%" in headlines["preston_attendances"].detail
    assert int(headlines["top_post"].value.replace(",", "")) > 1_000_000
    assert "not a health outcome" in headlines["top_post"].detail
    # Different measures, each named: never to be put on one axis.
    assert len({h.measure for h in headlines.values()}) == 4


def test_headlines_whose_data_is_missing_are_left_out(reference_db: Path, tmp_path: Path) -> None:
    with open_db(reference_db) as con:  # the national service table, but no returns yet
        assert [h.key for h in headline_figures(db_on(con))] == ["nmi_rank"]
    with open_db(tmp_path / "empty.duckdb", create=True) as con:
        assert headline_figures(db_on(con)) == []
