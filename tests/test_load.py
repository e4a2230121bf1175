"""Loading: round trip, all-or-nothing, idempotency, supersession and the audit trail."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from etl.load import load_return
from etl.sample import write_return
from tests.helpers import Q1, db_on, open_db, set_cells, valid_return, write_valid_return
from wdp.db import queries, writes
from wdp.db.schema import RETURN_TABLES


def snapshot(con: duckdb.DuckDBPyConnection) -> dict[str, list]:
    """Every row of every return and reference table, to compare a database before and after."""
    tables = [*RETURN_TABLES, *writes.REFERENCE_TABLES]
    return {t: sorted(map(repr, con.execute(f"SELECT * FROM {t}").fetchall())) for t in tables}


def test_round_trip_from_template_to_queries(reference_db: Path, tmp_path: Path) -> None:
    path = write_valid_return(tmp_path / "stoke_q1.xlsx")
    with open_db(reference_db) as con:
        report = load_return(db_on(con), path, loaded_by="test")
        assert report.status == "accepted", [i.describe() for i in report.errors]
        assert report.rows == {
            "Training": 2,
            "Activity": 2,
            "Screening": 3,
            "Status": 1,
            "Milestones": 1,
            "Risks": 1,
        }
        trained = con.execute(
            "SELECT sum(champions_trained) FROM current_training WHERE pathfinder_code = ?",
            ["WDP-STK"],
        ).fetchone()[0]
        assert trained == 5
        roles = con.execute(
            "SELECT staff_role, month, source_row FROM current_training ORDER BY source_row"
        ).fetchall()
        assert [r[0] for r in roles] == ["practice_nurse", "healthcare_assistant"]
        assert [str(r[1]) for r in roles] == ["2017-04-01", "2017-05-01"]
        assert [r[2] for r in roles] == [4, 5]  # Excel rows, for tracing a figure back
        screening = con.execute(
            "SELECT area_type, area_code, current_area_code, numerator, denominator "
            "FROM latest_screening ORDER BY source_row"
        ).fetchall()
        assert screening[0] == ("gp_practice", "M83038", "M83038", 150, 210)
        assert screening[2][:2] == ("screening_service", "NMI")
        status = con.execute("SELECT stage, rag FROM current_pathfinder_status").fetchone()
        assert status == ("live", "green")
        summary = queries.database_summary(con)
    assert summary["returns_accepted"] == 1
    assert summary["staff_trained"] == 5
    assert summary["uptake_rows"] == 2


def test_same_file_twice_is_unchanged_and_stores_nothing_twice(
    reference_db: Path, tmp_path: Path
) -> None:
    path = write_valid_return(tmp_path / "r.xlsx")
    with open_db(reference_db) as con:
        first = load_return(db_on(con), path)
        before = snapshot(con)
        second = load_return(db_on(con), path)
        assert (first.status, second.status) == ("accepted", "unchanged")
        assert second.rows == first.rows
        assert snapshot(con) == before
        repeats = con.execute(
            "SELECT repeats_submission_id FROM submission WHERE status = 'unchanged'"
        ).fetchall()
        assert repeats == [(first.submission_id,)]


def test_resubmission_supersedes_previous_return_and_keeps_history(
    reference_db: Path, tmp_path: Path
) -> None:
    first = write_valid_return(tmp_path / "first.xlsx")
    corrected = valid_return()
    corrected.training[0][5] = 7  # the lead corrects the count: 7 + 2
    second = write_return(corrected, tmp_path / "second.xlsx")
    with open_db(reference_db) as con:
        a = load_return(db_on(con), first)
        b = load_return(db_on(con), second)
        assert (a.status, b.status) == ("accepted", "accepted")
        trained = con.execute("SELECT sum(champions_trained) FROM current_training").fetchone()[0]
        assert trained == 9
        history = queries.submission_history(con, pathfinder_code="WDP-STK")
        statuses = dict(zip(history["submission_id"], history["status"], strict=True))
        assert statuses == {a.submission_id: "superseded", b.submission_id: "accepted"}
        # The earlier return's rows are kept, only no longer current.
        kept = con.execute(
            "SELECT count(*) FROM training WHERE submission_id = ?", [a.submission_id]
        ).fetchone()[0]
        assert kept == 2


def test_returns_for_different_periods_both_count(reference_db: Path, tmp_path: Path) -> None:
    q2 = Q1.next()
    with open_db(reference_db) as con:
        load_return(db_on(con), write_valid_return(tmp_path / "q1.xlsx"))
        load_return(db_on(con), write_valid_return(tmp_path / "q2.xlsx", q2))
        periods = con.execute(
            "SELECT reporting_period FROM current_submission ORDER BY 1"
        ).fetchall()
    assert periods == [("2017-18 Q1",), ("2017-18 Q2",)]


def test_rejected_return_changes_no_data_and_is_audited(reference_db: Path, tmp_path: Path) -> None:
    path = write_valid_return(tmp_path / "negative.xlsx")
    set_cells(path, "Training", {"F5": -2})
    with open_db(reference_db) as con:
        load_return(db_on(con), write_valid_return(tmp_path / "good.xlsx", Q1.next()))
        before = snapshot(con)
        report = load_return(db_on(con), path, loaded_by="lead@example.nhs.uk")
        assert report.status == "rejected"
        assert snapshot(con) == before
        row = con.execute(
            "SELECT file_name, content_sha256, loaded_by, loaded_at, status, pathfinder_code, "
            "reporting_period, errors, row_counts FROM submission WHERE submission_id = ?",
            [report.submission_id],
        ).fetchone()
    file_name, sha, who, when, status, pathfinder, period, errors, counts = row
    assert (file_name, who, status, pathfinder, period) == (
        "negative.xlsx",
        "lead@example.nhs.uk",
        "rejected",
        "WDP-STK",
        "2017-18 Q1",
    )
    assert len(sha) == 64 and when is not None
    assert json.loads(errors) == [
        {
            "sheet": "Training",
            "row": 5,
            "column": "Champions trained",
            "value": "-2",
            "message": "Counts cannot be negative. Enter 0 or more.",
        }
    ]
    assert json.loads(counts)["Training"] == 2


def test_failure_half_way_through_a_load_rolls_back_everything(
    reference_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_valid_return(tmp_path / "r.xlsx")
    real_insert = writes._insert_frame
    inserted: list[str] = []

    def insert_then_fail(con, table, frame):
        if table == "screening":  # training and activity are already in by now
            raise duckdb.IOException("disk full (simulated)")
        inserted.append(table)
        real_insert(con, table, frame)

    with open_db(reference_db) as con:
        before = snapshot(con)
        monkeypatch.setattr(writes, "_insert_frame", insert_then_fail)
        report = load_return(db_on(con), path)
        assert inserted == ["training", "activity"]
        assert report.status == "rejected"
        assert "nothing of it was loaded" in report.errors[0].message
        assert snapshot(con) == before
        statuses = con.execute("SELECT status FROM submission").fetchall()
        assert statuses == [("rejected",)]
        # The same file loads once the fault has gone.
        monkeypatch.setattr(writes, "_insert_frame", real_insert)
        assert load_return(db_on(con), path).status == "accepted"
        assert con.execute("SELECT count(*) FROM current_training").fetchone()[0] == 2


def test_unreadable_file_is_rejected_and_audited(reference_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "notes.xlsx"
    path.write_text("these are my notes, not a workbook")
    with open_db(reference_db) as con:
        report = load_return(db_on(con), path)
        audited = con.execute("SELECT file_name, status FROM submission").fetchall()
    assert report.status == "rejected"
    assert "not an Excel workbook" in report.errors[0].message
    assert audited == [("notes.xlsx", "rejected")]


def test_missing_file_is_reported_not_raised(reference_db: Path, tmp_path: Path) -> None:
    with open_db(reference_db) as con:
        report = load_return(db_on(con), tmp_path / "nowhere.xlsx")
    assert report.status == "rejected"
    assert "could not be read" in report.errors[0].message


def test_reference_replacement_refuses_an_empty_batch(reference_db: Path) -> None:
    import pandas as pd

    with open_db(reference_db) as con:
        before = snapshot(con)
        with pytest.raises(writes.EmptyBatch):
            writes.replace_reference(con, "ref_gp_practice", pd.DataFrame())
        assert snapshot(con) == before
