"""The Upload page: sign-in, roles, the validation report, preview and confirmation."""

from __future__ import annotations

from pathlib import Path

from tests import apptest
from tests.apptest import html_shown, sign_in_cookie, signed_in, upload
from tests.helpers import open_db, set_cells, write_valid_return
from wdp.domain import ReportingPeriod

PAGE = "pages/5_Upload.py"
Q2_2018 = ReportingPeriod(2018, 2)  # the quarter after the sample's last returns


def submissions(db: Path) -> list[tuple]:
    with open_db(db, read_only=True) as con:
        return con.execute(
            "SELECT status, loaded_by, pathfinder_code FROM submission "
            "WHERE loaded_by <> 'sample-programme' ORDER BY 1"
        ).fetchall()


def test_the_page_asks_for_sign_in_first_and_comes_back_here(monkeypatch, seeded_db: Path) -> None:
    at = apptest.run_page(monkeypatch, seeded_db, PAGE, period="2018-19 Q1")
    assert not at.exception
    assert any("Sign in to continue" in i.value for i in at.info)
    assert not at.file_uploader
    # The way in leads back to this page with its filters (the sign-in page's `next`).
    assert 'href="/sign-in?next=%2FUpload%3Fperiod%3D2018-19%2BQ1"' in html_shown(at)


def test_a_wrong_password_signs_nobody_in_and_a_viewer_is_turned_away(
    monkeypatch, seeded_db_copy: Path
) -> None:
    assert sign_in_cookie(seeded_db_copy, "lead.stoke@example.nhs.uk", "not the password") is None
    at = signed_in(monkeypatch, seeded_db_copy, "viewer@example.nhs.uk", "demo-viewer-2017")
    assert any("cannot use this page" in e.value for e in at.error)
    assert not at.file_uploader


def test_a_lead_sees_every_problem_and_nothing_is_loaded(
    monkeypatch, seeded_db_copy: Path, tmp_path: Path
) -> None:
    bad = write_valid_return(tmp_path / "stoke.xlsx", Q2_2018)
    set_cells(bad, "Training", {"F4": -3})
    set_cells(bad, "Screening", {"G4": 999})
    at = signed_in(monkeypatch, seeded_db_copy, "lead.stoke@example.nhs.uk", "demo-lead-stoke")
    upload(at, bad)
    assert not at.exception
    summary = at.error[0].value
    assert "There are 2 problems with stoke.xlsx" in summary
    assert "sheet Training, row 4, column 'Champions trained'" in summary
    assert "sheet Screening, row 4, column 'Numerator'" in summary
    assert submissions(seeded_db_copy) == [("rejected", "lead.stoke@example.nhs.uk", "WDP-STK")]


def test_a_valid_return_is_previewed_then_loaded_on_confirmation(
    monkeypatch, seeded_db_copy: Path, tmp_path: Path
) -> None:
    good = write_valid_return(tmp_path / "stoke.xlsx", Q2_2018)
    at = signed_in(monkeypatch, seeded_db_copy, "lead.stoke@example.nhs.uk", "demo-lead-stoke")
    upload(at, good)
    assert any("The return is valid" in s.value for s in at.success)
    assert submissions(seeded_db_copy) == []  # nothing until confirmed
    next(b for b in at.button if b.label.startswith("Confirm")).click().run()
    assert not at.exception
    assert any("Loaded" in s.value for s in at.success)
    assert submissions(seeded_db_copy) == [("accepted", "lead.stoke@example.nhs.uk", "WDP-STK")]


def test_a_lead_cannot_submit_for_another_pathfinder(
    monkeypatch, seeded_db_copy: Path, tmp_path: Path
) -> None:
    other = write_valid_return(tmp_path / "preston.xlsx", Q2_2018, pathfinder="WDP-PRE")
    at = signed_in(monkeypatch, seeded_db_copy, "lead.stoke@example.nhs.uk", "demo-lead-stoke")
    upload(at, other)
    assert "you can submit returns only for WDP-STK" in at.error[0].value
    with open_db(seeded_db_copy, read_only=True) as con:
        loaded = con.execute(
            "SELECT count(*) FROM submission WHERE status = 'accepted' "
            "AND loaded_by = 'lead.stoke@example.nhs.uk'"
        ).fetchone()[0]
    assert loaded == 0


def test_a_resubmission_preview_shows_the_return_it_replaces(
    monkeypatch, seeded_db_copy: Path, tmp_path: Path
) -> None:
    from etl.sample import write_return
    from tests.helpers import valid_return

    first = write_valid_return(tmp_path / "first.xlsx", Q2_2018)
    at = signed_in(monkeypatch, seeded_db_copy, "lead.stoke@example.nhs.uk", "demo-lead-stoke")
    upload(at, first)
    next(b for b in at.button if b.label.startswith("Confirm")).click().run()
    corrected = valid_return(Q2_2018)
    corrected.training[0][5] = 9
    upload(at, write_return(corrected, tmp_path / "corrected.xlsx"))
    table = at.dataframe[0].value.set_index("")
    assert table.loc["Champions trained", "This file"] == 11
    assert table.loc["Champions trained", "Return loaded now"] == 5
    assert any("replaces the return loaded" in c.value for c in at.caption)
