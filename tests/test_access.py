"""Access is enforced where data is read: a lead sees only their own pathfinder's returns, and a
real (not sample) database shows nothing until someone signs in."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.apptest import as_account, metric
from tests.helpers import open_db
from wdp.auth import User
from wdp.db import open_database, queries, writes

STOKE_LEAD = User("lead.stoke@example.nhs.uk", "lead", "WDP-STK")


def run_as(monkeypatch, db: Path, page: str, user: User | None, **params: str) -> AppTest:
    """The page as ``user`` sees it once signed in (their account made first if need be)."""
    if user is not None and open_database(db).find_account(user.email) is None:
        with open_database(db).write() as tx:
            tx.save_account(
                email=user.email,
                role=user.role,
                pathfinder_code=user.pathfinder_code,
                password_hash=None,
            )
    return as_account(monkeypatch, db, user.email if user else None, page, **params)


def test_a_scoped_connection_sees_only_that_pathfinders_returns(seeded_db: Path) -> None:
    with open_db(seeded_db, read_only=True) as con:
        everyone = queries.database_summary(con)
        stoke = con.execute(
            "SELECT sum(champions_trained) FROM current_training WHERE pathfinder_code = 'WDP-STK'"
        ).fetchone()[0]
    with open_db(seeded_db, read_only=True, scope="WDP-STK") as con:
        mine = queries.database_summary(con)
        history = queries.submission_history(con)
        preston = con.execute(
            "SELECT count(*) FROM latest_screening WHERE pathfinder_code = 'WDP-PRE'"
        ).fetchone()[0]
    assert mine["staff_trained"] == stoke < everyone["staff_trained"]
    assert set(history["pathfinder_code"]) == {"WDP-STK"}
    assert preston == 0


def test_a_lead_asking_for_another_pathfinder_gets_none(monkeypatch, seeded_db_copy: Path) -> None:
    seeded_db = seeded_db_copy
    at = run_as(monkeypatch, seeded_db, "pages/1_Trained_staff.py", STOKE_LEAD)
    with open_db(seeded_db, read_only=True) as con:
        stoke = con.execute(
            "SELECT sum(champions_trained) FROM current_training WHERE pathfinder_code = 'WDP-STK'"
        ).fetchone()[0]
    assert metric(at, "Champions trained") == str(stoke)
    at = run_as(
        monkeypatch, seeded_db, "pages/1_Trained_staff.py", STOKE_LEAD, pathfinder="WDP-PRE"
    )
    assert not at.exception
    shown = [m.value for m in at.metric if m.label == "Champions trained"]
    assert shown in ([], ["0"])  # Preston's figures are not there to be shown
    overview = run_as(monkeypatch, seeded_db, "dashboard.py", STOKE_LEAD)
    assert metric(overview, "Champions trained") == str(stoke)


def test_a_real_database_shows_nothing_until_sign_in(
    monkeypatch, seeded_db: Path, tmp_path: Path, databases
) -> None:
    real = databases.copy(seeded_db, tmp_path, "real.duckdb")
    with open_db(real) as con:
        frame = con.execute("SELECT * FROM ref_pathfinder").df()
        writes.replace_reference(con, "ref_pathfinder", frame.assign(is_synthetic=False))
    at = run_as(monkeypatch, real, "dashboard.py", None)
    assert any("Sign in to see" in i.value for i in at.info)
    assert not at.metric
    director = User("d@nhs.net", "director")
    assert run_as(monkeypatch, real, "dashboard.py", director).metric
