"""The Database interface's contract: named reads, all-or-nothing write transactions, sessions, a
lead's scope, the data version, and typed errors.

Everything above ``wdp.db`` relies on these, so both implementations pass them: the embedded
DuckDB file, and PostgreSQL-backed storage (``pytest --backend lake``; its own problems are in
tests/test_lake.py).
"""

from __future__ import annotations

import gzip
from pathlib import Path

import duckdb
import pytest

from tests.helpers import write_valid_return
from wdp import services
from wdp.auth import User
from wdp.db import (
    DatabaseMissing,
    DatabaseNotSetUp,
    DatabaseUnreadable,
    ReadOnlyView,
    open_database,
)
from wdp.db.named import read

FIXTURES = Path(__file__).parent / "fixtures"


def test_a_named_read_answers_by_name_and_nothing_else_is_a_read(seeded_db: Path) -> None:
    db = open_database(seeded_db)
    assert db.database_summary() == db.read("database_summary")
    assert db.database_summary()["pathfinders"] == 20
    with pytest.raises(AttributeError, match="no named read or write 'drop_everything'"):
        db.drop_everything()
    with pytest.raises(AttributeError, match=r"is a named write.*with db\.write"):
        db.save_account(email="x@nhs.net", role="viewer", pathfinder_code=None, password_hash=None)


def test_a_write_commits_everything_in_its_block_or_nothing(reference_db: Path) -> None:
    db = open_database(reference_db)
    account = {"role": "viewer", "pathfinder_code": None, "password_hash": None}
    with db.write() as tx:
        tx.save_account(email="first@nhs.net", **account)
        tx.save_account(email="second@nhs.net", **account)
    assert set(db.list_accounts()["email"]) == {"first@nhs.net", "second@nhs.net"}

    class Interrupted(Exception):
        pass

    with pytest.raises(Interrupted), db.write() as tx:
        tx.remove_account("first@nhs.net")
        tx.save_account(email="third@nhs.net", **account)
        assert set(tx.list_accounts()["email"]) == {"second@nhs.net", "third@nhs.net"}
        raise Interrupted
    assert set(db.list_accounts()["email"]) == {"first@nhs.net", "second@nhs.net"}


def test_the_data_version_changes_with_a_commit_and_not_with_a_read(
    reference_db: Path, tmp_path: Path
) -> None:
    db = open_database(reference_db)
    before = db.data_version()
    db.database_summary()
    assert db.data_version() == before
    services.load_upload(
        db,
        write_valid_return(tmp_path / "r.xlsx"),
        user=User("lead@nhs.net", "lead", "WDP-STK"),
        file_name="r.xlsx",
    )
    assert db.data_version() != before


def test_a_scoped_database_reads_one_pathfinder_and_refuses_writes(seeded_db: Path) -> None:
    everyone = open_database(seeded_db)
    stoke = everyone.scoped("WDP-STK")
    history = stoke.submission_history()
    assert set(history["pathfinder_code"].dropna()) == {"WDP-STK"}
    assert stoke.database_summary()["staff_trained"] < everyone.database_summary()["staff_trained"]
    assert stoke.list_accounts().empty  # whose account is whose is not a lead's business
    with pytest.raises(ReadOnlyView), stoke.write():
        pass
    with pytest.raises(Exception, match="Not a pathfinder code"):
        everyone.scoped("x'; DROP TABLE submission; --")


def test_a_session_keeps_one_connection_for_reads_and_writes(reference_db: Path) -> None:
    db = open_database(reference_db)
    with db.session(write=True):
        with db.write() as tx:
            tx.save_account(
                email="held@nhs.net", role="viewer", pathfinder_code=None, password_hash=None
            )
        assert "held@nhs.net" in set(db.list_accounts()["email"])  # on the same connection
    assert "held@nhs.net" in set(db.list_accounts()["email"])


@pytest.mark.embedded_only("missing, empty, damaged and too-new DuckDB files")
def test_problems_arrive_as_typed_errors_with_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(DatabaseMissing, match="python -m etl seed"):
        open_database(tmp_path / "nowhere.duckdb").database_summary()
    empty = tmp_path / "empty.duckdb"
    empty.touch()
    with pytest.raises(DatabaseMissing, match="is empty"):
        open_database(empty).database_summary()
    bare = tmp_path / "bare.duckdb"
    duckdb.connect(str(bare)).close()  # a DuckDB file, but not a programme database
    with pytest.raises(DatabaseNotSetUp, match="no programme tables"):
        open_database(bare).database_summary()
    assert not open_database(tmp_path / "nowhere.duckdb").exists()
    damaged = tmp_path / "damaged.duckdb"
    duckdb.connect(str(damaged)).close()
    with damaged.open("r+b") as file:  # the header's checksum no longer matches
        file.seek(20)
        file.write(b"\xff" * 8)
    with pytest.raises(DatabaseUnreadable, match="could not be opened"):  # damaged, not busy
        open_database(damaged).database_summary()
    newer = tmp_path / "newer.duckdb"
    newer.write_bytes(gzip.decompress((FIXTURES / "written-by-duckdb-2.0.duckdb.gz").read_bytes()))
    with pytest.raises(DatabaseUnreadable, match=r"written by a newer DuckDB.*migrate-to"):
        open_database(newer).database_summary()


def test_a_name_is_registered_once() -> None:
    def database_summary(con):  # the name of an existing read
        return None

    with pytest.raises(ValueError, match="already registered"):
        read(database_summary)
