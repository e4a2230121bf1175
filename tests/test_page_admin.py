"""The Admin page: only admins; accounts added there can sign in; a bad register changes nothing."""

from __future__ import annotations

from pathlib import Path

from tests.apptest import signed_in
from tests.helpers import db_on, open_db
from wdp import auth

PAGE = "pages/7_Admin.py"


def test_only_an_admin_may_use_the_page(monkeypatch, seeded_db_copy: Path) -> None:
    at = signed_in(
        monkeypatch, seeded_db_copy, "director@example.nhs.uk", "demo-director-2017", page=PAGE
    )
    assert any("cannot use this page" in e.value for e in at.error)


def test_an_admin_adds_an_account_that_can_then_sign_in(monkeypatch, seeded_db_copy: Path) -> None:
    at = signed_in(
        monkeypatch, seeded_db_copy, "admin@example.nhs.uk", "demo-admin-2017", page=PAGE
    )
    assert not at.exception
    at.text_input(key="admin_email").input("New.Lead@nhs.net")
    at.selectbox(key="admin_role").set_value("lead")
    at.selectbox(key="admin_pathfinder").set_value("WDP-HUL")
    at.text_input(key="admin_password").input("fennel harbour quartz 77")
    next(b for b in at.button if b.label == "Save account").click().run()
    assert any("Saved new.lead@nhs.net" in s.value for s in at.success)
    with open_db(seeded_db_copy, read_only=True) as con:
        user = auth.authenticate(db_on(con), "new.lead@nhs.net", "fennel harbour quartz 77")
    assert user == auth.User("new.lead@nhs.net", "lead", "WDP-HUL")


def test_a_lead_without_a_pathfinder_is_refused(monkeypatch, seeded_db_copy: Path) -> None:
    at = signed_in(
        monkeypatch, seeded_db_copy, "admin@example.nhs.uk", "demo-admin-2017", page=PAGE
    )
    at.text_input(key="admin_email").input("x@nhs.net")
    at.selectbox(key="admin_role").set_value("lead")
    at.text_input(key="admin_password").input("fennel harbour quartz 77")
    next(b for b in at.button if b.label == "Save account").click().run()
    assert any("--pathfinder" in e.value or "pathfinder" in e.value for e in at.error)


def test_a_bad_register_changes_nothing(monkeypatch, seeded_db_copy: Path) -> None:
    at = signed_in(
        monkeypatch, seeded_db_copy, "admin@example.nhs.uk", "demo-admin-2017", page=PAGE
    )
    at.file_uploader(key="admin_register").set_value(
        ("register.csv", b"pathfinder_code,pathfinder_name\nWDP-X,Somewhere\n", "text/csv")
    ).run()
    assert any("The register was not changed" in e.value for e in at.error)
    with open_db(seeded_db_copy, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM ref_pathfinder").fetchone()[0] == 20


def test_the_sign_in_log_lists_events_with_filters_and_a_download(
    monkeypatch, seeded_db_copy: Path
) -> None:
    from tests.apptest import sign_in_cookie

    assert sign_in_cookie(seeded_db_copy, "viewer@example.nhs.uk", "not the password") is None
    at = signed_in(
        monkeypatch, seeded_db_copy, "admin@example.nhs.uk", "demo-admin-2017", page=PAGE
    )
    log = next(d.value for d in at.dataframe if "Event" in d.value.columns)
    assert {"failed", "signed in"} <= set(log["Event"])
    at.selectbox(key="admin_log_event").set_value("failed").run()
    log = next(d.value for d in at.dataframe if "Event" in d.value.columns)
    assert set(log["Event"]) == {"failed"}
    assert list(log["Email address"]) == ["viewer@example.nhs.uk"]
    at.text_input(key="admin_log_email").input("nobody-like-this").run()
    log = next(d.value for d in at.dataframe if "Event" in d.value.columns)
    assert log.empty
    assert any(b.label == "Download CSV" for b in at.get("download_button"))
