"""The Data quality page: sign-in required; completeness, rejections and common problems."""

from __future__ import annotations

from pathlib import Path

from tests import apptest
from tests.apptest import signed_in
from tests.helpers import open_db
from wdp.db import quality

PAGE = "pages/6_Data_quality.py"


def test_the_page_needs_a_signed_in_director_viewer_or_admin(
    monkeypatch, seeded_db_copy: Path
) -> None:
    at = apptest.run_page(monkeypatch, seeded_db_copy, PAGE)
    assert any("Sign in to continue" in i.value for i in at.info)
    at = signed_in(
        monkeypatch, seeded_db_copy, "lead.stoke@example.nhs.uk", "demo-lead-stoke", page=PAGE
    )
    assert any("cannot use this page" in e.value for e in at.error)


def test_a_director_sees_each_pathfinders_quality(monkeypatch, seeded_db_copy: Path) -> None:
    seeded_db = seeded_db_copy
    at = signed_in(
        monkeypatch, seeded_db, "director@example.nhs.uk", "demo-director-2017", page=PAGE
    )
    assert not at.exception
    table = at.dataframe[0].value.set_index("Pathfinder")
    with open_db(seeded_db, read_only=True) as con:
        attempts = quality.attempts_by_pathfinder(con).set_index("pathfinder_name")
    assert table.loc["Hull", "Rejected"] == attempts.loc["Hull", "rejected"] == 1
    assert (table["Complete (%)"] <= 100).all()
    problems = at.dataframe[1].value
    assert set(problems["sheet"]) >= {"Training", "Details"}
