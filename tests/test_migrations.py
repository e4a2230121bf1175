"""The schema is versioned and migrated on opening: older files upgrade in place, nothing lost."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from wdp.db import DatabaseError, schema, writes
from wdp.db.embedded import open_db


def test_new_database_is_created_at_the_latest_version(tmp_path: Path) -> None:
    with open_db(tmp_path / "new.duckdb", create=True) as con:
        versions = con.execute("SELECT version FROM schema_version ORDER BY 1").fetchall()
    assert [v[0] for v in versions] == [m[0] for m in schema.MIGRATIONS]


def test_older_database_is_upgraded_in_place_without_losing_data(tmp_path: Path) -> None:
    path = tmp_path / "v1.duckdb"
    # A database as version 1 of the product left it, holding an accepted return.
    con = duckdb.connect(str(path))
    assert schema.migrate(con, target=1) == 1
    submission_id = writes.write_submission(
        con,
        {
            "file_name": "old.xlsx",
            "content_sha256": "ab" * 32,
            "loaded_by": "v1",
            "status": "accepted",
            "pathfinder_code": "WDP-STK",
            "reporting_period": "2017-18 Q1",
        },
        {
            "training": pd.DataFrame(
                {
                    "source_row": [4],
                    "month": pd.to_datetime(["2017-05-01"]),
                    "practice_code": ["M83038"],
                    "organisation": [None],
                    "staff_role": ["gp"],
                    "course": ["refresher"],
                    "champions_trained": [4],
                }
            )
        },
    )
    has_views = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'current_training'"
    ).fetchone()[0]
    assert has_views == 0
    con.close()

    with open_db(path) as con:  # opening for writing migrates
        assert schema.current_version(con) == schema.LATEST_VERSION
        rows = con.execute(
            "SELECT submission_id, champions_trained FROM current_training"
        ).fetchall()
        assert rows == [(submission_id, 4)]
        assert con.execute("SELECT count(*) FROM benchmark_screening").fetchone()[0] == 0
        # New submissions continue the old numbering.
        later = writes.write_submission(
            con,
            {
                "file_name": "x.xlsx",
                "content_sha256": "cd" * 32,
                "loaded_by": "v2",
                "status": "rejected",
            },
        )
        assert later == submission_id + 1


def test_failed_migration_leaves_the_database_at_its_previous_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "db.duckdb"
    con = duckdb.connect(str(path))
    schema.migrate(con, target=1)
    broken = [
        *schema.MIGRATIONS[:1],
        (2, "broken", ["CREATE TABLE half_done (x INTEGER)", "THIS IS NOT SQL"]),
    ]
    monkeypatch.setattr(schema, "MIGRATIONS", broken)
    with pytest.raises(duckdb.Error):
        schema.migrate(con, target=2)
    assert schema.current_version(con) == 1
    tables = {
        r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }
    assert "half_done" not in tables
    con.close()


def test_database_from_a_newer_program_is_refused_plainly(tmp_path: Path) -> None:
    path = tmp_path / "future.duckdb"
    with open_db(path, create=True) as con:
        con.execute("INSERT INTO schema_version (version, description) VALUES (999, 'future')")
    with pytest.raises(DatabaseError, match="newer than this program knows"), open_db(path):
        pass


def test_read_only_open_of_a_missing_database_says_how_to_build_one(tmp_path: Path) -> None:
    with (
        pytest.raises(DatabaseError, match="python -m etl seed"),
        open_db(tmp_path / "absent.duckdb", read_only=True),
    ):
        pass


def test_app_start_up_upgrades_an_older_database_it_otherwise_only_reads(tmp_path: Path) -> None:
    from wdp.db.embedded import ensure_schema

    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    schema.migrate(con, target=1)
    con.close()
    assert ensure_schema(path) == schema.LATEST_VERSION
    with open_db(path, read_only=True) as con:
        assert schema.current_version(con) == schema.LATEST_VERSION
    assert ensure_schema(path) == schema.LATEST_VERSION  # nothing to do the second time


def test_indicators_imported_before_the_synthetic_flag_read_as_real(tmp_path: Path) -> None:
    path = tmp_path / "v8.duckdb"
    con = duckdb.connect(str(path))
    schema.migrate(con, target=8)
    con.execute(
        "INSERT INTO public_indicator (indicator_id, indicator_name, layout, source_file, "
        "content_sha256, imported_at, rows_loaded) "
        "VALUES (93560, 'Cervical coverage', 'fingertips_27', 'f.csv', 'ab', now(), 1)"
    )
    con.close()
    with open_db(path) as con:
        assert con.execute("SELECT is_synthetic FROM public_indicator").fetchall() == [(False,)]
        assert con.execute("SELECT count(*) FROM ref_practice_profile").fetchone() == (0,)
